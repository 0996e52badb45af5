import { type Logger, silentLogger, type TableInfo } from '@consortia/interface'
import { createConnection, createPool, type Pool, type PoolConnection } from 'mysql2/promise'
import {
  type BlockWrite,
  createSerialQueue,
  type ListKeysOptions,
  pageLimitOf,
  type StorageDriver,
  type StoredRow,
  validateBlockWrite,
} from './driver.js'
import { amdbError } from './errors.js'
import { RESERVED_TABLE_PREFIX } from './schema.js'

/** Default size of the connection pool. */
export const MYSQL_CONNECTIONS_DEFAULT = 8
/** Default bound of callers waiting for a pooled connection; past it, queries fail fast. */
export const MYSQL_POOL_QUEUE_MAX = 1024
/** Default upper bound of one multi-row INSERT statement, in bytes (below MySQL's 16 MiB packet). */
export const MYSQL_STATEMENT_BYTES_DEFAULT = 4 * 1024 * 1024
/** Most ids in one `DELETE ... WHERE _id_ IN (...)`. */
export const MYSQL_DELETE_IDS_MAX = 1000
/** Default of `selectKeysMax`: keys in one `SELECT ... WHERE key IN (...)` of `selectRowsMany`. */
export const MYSQL_SELECT_KEYS_MAX = 1000

const META_TABLE = `${RESERVED_TABLE_PREFIX}meta_`
const IDENTIFIER = /^[A-Za-z0-9$_@]{1,64}$/
const DATABASE_NAME = /^[A-Za-z0-9$_]{1,64}$/
const ER_NO_SUCH_TABLE = 1146

/** Quotes a checked identifier for SQL; anything outside `[A-Za-z0-9$_@]{1,64}` is refused. */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw amdbError(
      { code: 'INVALID_ARGUMENT', identifier: name },
      `invalid SQL identifier ${JSON.stringify(name)}`,
    )
  }
  return `\`${name.replace(/`/g, '``')}\``
}

/** Options of `createMySQLDriver`. */
export interface MySQLDriverInit {
  /** `mysql://user:password@host:port/database`. */
  readonly url: string
  /** Create the database when it does not exist (default false). */
  readonly createDatabase?: boolean
  /** Pool size (default `MYSQL_CONNECTIONS_DEFAULT`). */
  readonly connectionsMax?: number
  /** Most callers waiting for a connection (default `MYSQL_POOL_QUEUE_MAX`). */
  readonly poolQueueMax?: number
  /** Upper bound of one INSERT statement (default `MYSQL_STATEMENT_BYTES_DEFAULT`). */
  readonly statementBytesMax?: number
  /** Most keys in one SELECT of `selectRowsMany`; more keys take more statements (default `MYSQL_SELECT_KEYS_MAX`). */
  readonly selectKeysMax?: number
  readonly logger?: Logger
}

/** A MySQL driver, with its pool exposed for administration and tests. */
export interface MySQLDriver extends StorageDriver {
  readonly database: string
  readonly pool: Pool
  /** One `SELECT ... WHERE key IN (...)` per `selectKeysMax` keys. */
  selectRowsMany(info: TableInfo, keys: readonly string[]): Promise<StoredRow[][]>
}

interface ParsedUrl {
  host: string
  port: number
  user: string
  password: string
  database: string
}

function parseUrl(url: string): ParsedUrl {
  let u: URL
  try {
    u = new URL(url)
  } catch (err) {
    throw amdbError({ code: 'INVALID_ARGUMENT' }, 'expected a mysql:// URL', err)
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
    throw amdbError(
      { code: 'INVALID_ARGUMENT', protocol: u.protocol },
      `expected a mysql:// URL, got ${u.protocol}`,
    )
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''))
  if (!DATABASE_NAME.test(database)) {
    throw amdbError(
      { code: 'INVALID_ARGUMENT', database },
      `expected a database name in the URL, got "${database}"`,
    )
  }
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port === '' ? 3306 : Number(u.port),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
  }
}

const isNoSuchTable = (err: unknown) => (err as { errno?: number })?.errno === ER_NO_SUCH_TABLE

/**
 * AMDB on MySQL, MariaDB or TiDB through `mysql2` (FISCO SQLStorage/SQLBasicAccess): each AMDB
 * table is an SQL table created on demand with hidden columns `_id_` (primary key), `_num_`,
 * `_status_`, the key field as VARBINARY(255) (indexed) and value fields as LONGBLOB. A block
 * is one SQL transaction that also moves the height in `_consortia_meta_`.
 */
export async function createMySQLDriver(init: MySQLDriverInit): Promise<MySQLDriver> {
  const cfg = parseUrl(init.url)
  const logger = (init.logger ?? silentLogger).child({ component: 'amdb-mysql', database: cfg.database })
  const statementBytesMax = init.statementBytesMax ?? MYSQL_STATEMENT_BYTES_DEFAULT
  const selectKeysMax = init.selectKeysMax ?? MYSQL_SELECT_KEYS_MAX
  if (!Number.isSafeInteger(selectKeysMax) || selectKeysMax < 1) {
    throw amdbError({ code: 'INVALID_ARGUMENT' }, `expected selectKeysMax >= 1, got ${selectKeysMax}`)
  }
  const base = { host: cfg.host, port: cfg.port, user: cfg.user, password: cfg.password, charset: 'utf8mb4' }
  try {
    if (init.createDatabase) {
      const admin = await createConnection(base)
      try {
        await admin.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(cfg.database)}`)
      } finally {
        await admin.end()
      }
    }
  } catch (err) {
    throw amdbError(
      { code: 'STORAGE_FAILURE', host: cfg.host, port: cfg.port },
      'cannot reach MySQL server',
      err,
    )
  }
  const pool = createPool({
    ...base,
    database: cfg.database,
    connectionLimit: init.connectionsMax ?? MYSQL_CONNECTIONS_DEFAULT,
    queueLimit: init.poolQueueMax ?? MYSQL_POOL_QUEUE_MAX,
    waitForConnections: true,
    supportBigNumbers: true,
  })
  const fail = (what: string, err: unknown, table?: string) =>
    amdbError({ code: 'STORAGE_FAILURE', table, database: cfg.database }, `MySQL ${what} failed`, err)

  try {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(META_TABLE)} (
         name VARCHAR(64) NOT NULL PRIMARY KEY, value BIGINT NOT NULL) ENGINE=InnoDB`,
    )
    await pool.query(`INSERT IGNORE INTO ${quoteIdentifier(META_TABLE)} (name, value) VALUES ('height', -1)`)
  } catch (err) {
    await pool.end().catch(() => undefined)
    throw fail('setup', err)
  }

  const serial = createSerialQueue()
  const created = new Set<string>()
  let closed = false
  const assertOpen = () => {
    if (closed) throw amdbError({ code: 'DRIVER_CLOSED' }, 'MySQL driver is closed')
  }

  const ensureTable = async (info: TableInfo) => {
    if (created.has(info.name)) return
    const cols = info.valueFields.map((f) => `${quoteIdentifier(f)} LONGBLOB NOT NULL`)
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(info.name)} (
         \`_id_\` BIGINT UNSIGNED NOT NULL,
         \`_num_\` BIGINT NOT NULL,
         \`_status_\` TINYINT NOT NULL DEFAULT 0,
         ${quoteIdentifier(info.keyField)} VARBINARY(255) NOT NULL,
         ${cols.map((c) => `${c},`).join('\n')}
         PRIMARY KEY (\`_id_\`),
         KEY \`_key_idx_\` (${quoteIdentifier(info.keyField)})
       ) ENGINE=InnoDB`,
    )
    created.add(info.name)
  }

  const readHeight = async (conn: Pool | PoolConnection, lock: boolean): Promise<number> => {
    const [rows] = await conn.query({
      sql: `SELECT value FROM ${quoteIdentifier(META_TABLE)} WHERE name = 'height'${lock ? ' FOR UPDATE' : ''}`,
      rowsAsArray: true,
    })
    const value = (rows as unknown[][])[0]?.[0]
    const height = Number(value)
    if (!Number.isSafeInteger(height))
      throw amdbError({ code: 'CORRUPT_DATA' }, 'stored block height is not a number')
    return height
  }

  const writeTable = async (conn: PoolConnection, info: TableInfo, block: BlockWrite, index: number) => {
    const write = block.tables[index]!
    const table = quoteIdentifier(info.name)
    for (let i = 0; i < write.deletes.length; i += MYSQL_DELETE_IDS_MAX) {
      const ids = write.deletes.slice(i, i + MYSQL_DELETE_IDS_MAX).map((d) => d.id)
      await conn.query(`DELETE FROM ${table} WHERE \`_id_\` IN (?)`, [ids])
    }
    if (write.puts.length === 0) return
    const columns = ['`_id_`', '`_num_`', '`_status_`', quoteIdentifier(info.keyField)]
    for (const f of info.valueFields) columns.push(quoteIdentifier(f))
    const updates = ['`_num_`', ...info.valueFields.map(quoteIdentifier)].map((c) => `${c} = VALUES(${c})`)
    const head = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ? ON DUPLICATE KEY UPDATE ${updates.join(', ')}`
    let batch: unknown[][] = []
    let bytes = head.length
    const flush = async () => {
      if (batch.length === 0) return
      await conn.query(head, [batch])
      batch = []
      bytes = head.length
    }
    for (const row of write.puts) {
      const values: unknown[] = [row.id, row.num, 0, row.key]
      let rowBytes = 64 + Buffer.byteLength(row.key)
      for (const f of info.valueFields) {
        const v = row.fields[f] ?? ''
        values.push(v)
        // Escaping can at most double a value; count it so a statement stays under the bound.
        rowBytes += 8 + 2 * Buffer.byteLength(v)
      }
      if (batch.length > 0 && bytes + rowBytes > statementBytesMax) await flush()
      batch.push(values)
      bytes += rowBytes
    }
    await flush()
  }

  const driver: MySQLDriver = {
    name: 'mysql',
    database: cfg.database,
    pool,
    async selectRows(info: TableInfo, key: string): Promise<StoredRow[]> {
      assertOpen()
      const fields = info.valueFields.map(quoteIdentifier)
      const sql = `SELECT \`_id_\`, \`_num_\`${fields.map((f) => `, ${f}`).join('')} FROM ${quoteIdentifier(info.name)}
                   WHERE ${quoteIdentifier(info.keyField)} = ? ORDER BY \`_id_\``
      let rows: unknown[][]
      try {
        const [result] = await pool.query({ sql, rowsAsArray: true }, [Buffer.from(key, 'utf8')])
        rows = result as unknown[][]
      } catch (err) {
        if (isNoSuchTable(err)) return []
        throw fail('select', err, info.name)
      }
      return rows.map((r) => {
        const out: Record<string, string> = {}
        info.valueFields.forEach((f, i) => {
          out[f] = Buffer.from(r[i + 2] as Uint8Array).toString('utf8')
        })
        return { id: Number(r[0]), num: Number(r[1]), key, fields: out }
      })
    },
    async selectRowsMany(info: TableInfo, keys: readonly string[]): Promise<StoredRow[][]> {
      assertOpen()
      const byKey = new Map<string, StoredRow[]>()
      for (const key of keys) byKey.set(key, [])
      const unique = [...byKey.keys()]
      const fields = info.valueFields.map(quoteIdentifier)
      const k = quoteIdentifier(info.keyField)
      const sql = `SELECT \`_id_\`, \`_num_\`, ${k}${fields.map((f) => `, ${f}`).join('')} FROM ${quoteIdentifier(info.name)}
                   WHERE ${k} IN (?) ORDER BY \`_id_\``
      for (let i = 0; i < unique.length; i += selectKeysMax) {
        const chunk = unique.slice(i, i + selectKeysMax)
        let rows: unknown[][]
        try {
          const [result] = await pool.query({ sql, rowsAsArray: true }, [
            chunk.map((key) => Buffer.from(key, 'utf8')),
          ])
          rows = result as unknown[][]
        } catch (err) {
          if (isNoSuchTable(err)) return keys.map(() => [])
          throw fail('select', err, info.name)
        }
        for (const r of rows) {
          const key = Buffer.from(r[2] as Uint8Array).toString('utf8')
          const out: Record<string, string> = {}
          info.valueFields.forEach((f, j) => {
            out[f] = Buffer.from(r[j + 3] as Uint8Array).toString('utf8')
          })
          byKey.get(key)?.push({ id: Number(r[0]), num: Number(r[1]), key, fields: out })
        }
      }
      return keys.map((key) => [...byKey.get(key)!])
    },
    async listKeys(info: TableInfo, options: ListKeysOptions): Promise<string[]> {
      assertOpen()
      const limit = pageLimitOf(options)
      const k = quoteIdentifier(info.keyField)
      const where = options.after === undefined ? '' : `WHERE ${k} > ?`
      const params: unknown[] = options.after === undefined ? [] : [Buffer.from(options.after, 'utf8')]
      params.push(limit)
      try {
        const [rows] = await pool.query(
          {
            sql: `SELECT DISTINCT ${k} FROM ${quoteIdentifier(info.name)} ${where} ORDER BY ${k} LIMIT ?`,
            rowsAsArray: true,
          },
          params,
        )
        return (rows as unknown[][]).map((r) => Buffer.from(r[0] as Uint8Array).toString('utf8'))
      } catch (err) {
        if (isNoSuchTable(err)) return []
        throw fail('listKeys', err, info.name)
      }
    },
    commitBlock(block: BlockWrite) {
      return serial(async () => {
        assertOpen()
        // Shape checks first; the height is checked again under a row lock in the transaction.
        validateBlockWrite(block, block.number - 1)
        try {
          // DDL commits implicitly in MySQL, so tables are created before the transaction starts.
          for (const write of block.tables) await ensureTable(write.info)
        } catch (err) {
          throw fail('create table', err)
        }
        let conn: PoolConnection
        try {
          conn = await pool.getConnection()
        } catch (err) {
          throw fail('getConnection', err)
        }
        try {
          await conn.query('START TRANSACTION')
          const height = await readHeight(conn, true)
          if (block.number !== height + 1) {
            throw amdbError(
              { code: 'BLOCK_NUMBER_MISMATCH', number: block.number, committedHeight: height },
              `expected block ${height + 1}, got ${block.number}`,
            )
          }
          for (let i = 0; i < block.tables.length; i++)
            await writeTable(conn, block.tables[i]!.info, block, i)
          await conn.query(`UPDATE ${quoteIdentifier(META_TABLE)} SET value = ? WHERE name = 'height'`, [
            block.number,
          ])
          await conn.query('COMMIT')
          logger.debug('block committed', { number: block.number, tables: block.tables.length })
        } catch (err) {
          await conn.query('ROLLBACK').catch(() => undefined)
          if ((err as { type?: { code?: string } }).type?.code === 'BLOCK_NUMBER_MISMATCH') throw err
          throw fail('commit', err)
        } finally {
          conn.release()
        }
      })
    },
    async committedHeight() {
      assertOpen()
      try {
        return await readHeight(pool, false)
      } catch (err) {
        throw fail('read height', err)
      }
    },
    async close() {
      if (closed) return
      closed = true
      await serial(async () => undefined)
      await pool.end()
    },
  }
  return driver
}
