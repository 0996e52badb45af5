import { type Bytes, isChainError, type KvBatchOp, type KvStore, type TableInfo } from '@consortia/interface'
import { createChecksumKvStore, createLevelKvStore, type LevelKvInit } from '@consortia/kv-level'
import {
  applyRowOps,
  type BlockWrite,
  checkKeyRows,
  createSerialQueue,
  groupByKey,
  type ListKeysOptions,
  pageLimitOf,
  type StorageDriver,
  type StoredRow,
  validateBlockWrite,
} from './driver.js'
import { amdbError } from './errors.js'

// Layout: 0x00 'height' → decimal committed height;
//         0x01 table 0x00 key → JSON [[id, num, {field: value}], ...] of the key's live rows.
// Table names hold only [A-Za-z0-9$_@], so 0x00 ends them and a table's keys are contiguous.
const HEIGHT_KEY = Uint8Array.from([0x00, ...Buffer.from('height')])
const ROW_TAG = 0x01

const tablePrefix = (table: string, end = 0x00): Uint8Array => {
  const out = new Uint8Array(table.length + 2)
  out[0] = ROW_TAG
  out.set(Buffer.from(table, 'latin1'), 1)
  out[table.length + 1] = end
  return out
}
const rowKey = (table: string, key: string): Uint8Array => {
  const keyBytes = Buffer.byteLength(key, 'utf8')
  const out = Buffer.allocUnsafe(table.length + 2 + keyBytes)
  out[0] = ROW_TAG
  out.write(table, 1, 'latin1')
  out[table.length + 1] = 0x00
  out.write(key, table.length + 2, keyBytes, 'utf8')
  return out
}

const encodeRows = (rows: readonly StoredRow[]): Bytes =>
  Buffer.from(JSON.stringify(rows.map((r) => [r.id, r.num, r.fields])), 'utf8')

const decodeRows = (table: string, key: string, raw: Bytes): StoredRow[] => {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'))
  } catch (err) {
    throw amdbError({ code: 'CORRUPT_DATA', table }, `rows of ${table}/${key} are not JSON`, err)
  }
  if (!Array.isArray(parsed))
    throw amdbError({ code: 'CORRUPT_DATA', table }, `rows of ${table}/${key} malformed`)
  return parsed.map((r: unknown) => {
    if (
      !Array.isArray(r) ||
      typeof r[0] !== 'number' ||
      typeof r[1] !== 'number' ||
      typeof r[2] !== 'object'
    ) {
      throw amdbError({ code: 'CORRUPT_DATA', table }, `row of ${table}/${key} malformed`)
    }
    return { id: r[0], num: r[1], key, fields: r[2] as Record<string, string> }
  })
}

/** Environment variable that plants a known bug for the reliability suite's planted-bug check. */
const PLANTED_BUG_ENV = 'CONSORTIA_PLANTED_BUG'

/**
 * True when `CONSORTIA_PLANTED_BUG` (comma-separated) names `bug`. Only the planted-bug test sets
 * it; a node or library configuration never does.
 */
function isPlantedBug(bug: 'skip-commit-sync', env: NodeJS.ProcessEnv = process.env): boolean {
  return (env[PLANTED_BUG_ENV] ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes(bug)
}

/** Options of `createKvDriver`. */
export interface KvDriverInit {
  /** Name reported by the driver (default `kv`). */
  readonly name?: string
  /** Ask the store for durability before a block commit resolves (default true). */
  readonly sync?: boolean
}

/**
 * A `StorageDriver` over any ordered `KvStore`: each key's live rows are one value, and a
 * block commits as one atomic `batch` that also records the height.
 */
export async function createKvDriver(kv: KvStore, init: KvDriverInit = {}): Promise<StorageDriver> {
  // Planted bug (reliability suite, issue 17): `CONSORTIA_PLANTED_BUG=skip-commit-sync` drops the
  // fsync of every block commit, so the planted-bug test can show the power-loss tests catch it.
  // Test-only: no configuration sets it.
  const sync = (init.sync ?? true) && !isPlantedBug('skip-commit-sync')
  const serial = createSerialQueue()
  let rawHeight: Bytes | undefined
  try {
    rawHeight = await kv.get(HEIGHT_KEY)
  } catch (err) {
    if (isChainError(err, 'KV_CORRUPT'))
      throw amdbError({ code: 'CORRUPT_DATA' }, 'stored block height fails its checksum', err)
    throw err
  }
  let height = rawHeight === undefined ? -1 : Number(Buffer.from(rawHeight).toString('latin1'))
  if (!Number.isSafeInteger(height) || height < -1) {
    throw amdbError({ code: 'CORRUPT_DATA' }, 'stored block height is not a number')
  }
  const name = init.name ?? 'kv'
  let closed = false
  const assertOpen = () => {
    if (closed) throw amdbError({ code: 'DRIVER_CLOSED' }, `${name} driver is closed`)
  }
  // The store's own errors (KV_IO, KV_CLOSED, ...) become AMDB's, with the original as cause.
  const kvCall = async <T>(what: string, fn: () => Promise<T>, table?: string): Promise<T> => {
    try {
      return await fn()
    } catch (err) {
      if (isChainError(err, 'KV_CLOSED'))
        throw amdbError({ code: 'DRIVER_CLOSED', table }, `${name} driver: store is closed`, err)
      if (isChainError(err, 'KV_CORRUPT'))
        throw amdbError({ code: 'CORRUPT_DATA', table }, `${name} driver: ${what} read a corrupt value`, err)
      throw amdbError({ code: 'STORAGE_FAILURE', table }, `${name} driver: ${what} failed`, err)
    }
  }

  return {
    name,
    async selectRows(info: TableInfo, key: string) {
      assertOpen()
      const raw = await kvCall('get', () => kv.get(rowKey(info.name, key)), info.name)
      return raw === undefined ? [] : decodeRows(info.name, key, raw)
    },
    async selectRowsMany(info: TableInfo, keys: readonly string[]) {
      assertOpen()
      const raws = await kvCall(
        'getMany',
        () => kv.getMany(keys.map((key) => rowKey(info.name, key))),
        info.name,
      )
      return raws.map((raw, i) => (raw === undefined ? [] : decodeRows(info.name, keys[i]!, raw)))
    },
    async listKeys(info: TableInfo, options: ListKeysOptions) {
      assertOpen()
      const limit = pageLimitOf(options)
      const prefix = tablePrefix(info.name)
      const range =
        options.after === undefined
          ? { gte: prefix, lt: tablePrefix(info.name, 0x01), limit }
          : { gt: rowKey(info.name, options.after), lt: tablePrefix(info.name, 0x01), limit }
      return kvCall(
        'iterate',
        async () => {
          const keys: string[] = []
          for await (const [k] of kv.iterate(range)) {
            keys.push(
              Buffer.from(k.buffer, k.byteOffset + prefix.length, k.byteLength - prefix.length).toString(
                'utf8',
              ),
            )
          }
          return keys
        },
        info.name,
      )
    },
    commitBlock(block: BlockWrite) {
      return serial(async () => {
        assertOpen()
        validateBlockWrite(block, height)
        const ops: KvBatchOp[] = []
        const write = (dbKey: Uint8Array, rows: readonly StoredRow[]) => {
          // A del of a key that holds nothing is a no-op for LevelDB, so no read is needed for it.
          if (rows.length === 0) ops.push({ type: 'del', key: dbKey })
          else ops.push({ type: 'put', key: dbKey, value: encodeRows(rows) })
        }
        const toRead: {
          table: string
          key: string
          dbKey: Uint8Array
          puts: StoredRow[]
          deletes: Set<number>
        }[] = []
        for (const tw of block.tables) {
          for (const [key, keyOps] of groupByKey(tw)) {
            const dbKey = rowKey(tw.info.name, key)
            const known = tw.keyRows?.get(key)
            if (known !== undefined) {
              checkKeyRows(tw.info, key, known, keyOps)
              write(dbKey, known)
            } else toRead.push({ table: tw.info.name, key, dbKey, ...keyOps })
          }
        }
        if (toRead.length > 0) {
          const current = await kvCall('getMany', () => kv.getMany(toRead.map((t) => t.dbKey)))
          toRead.forEach((t, i) => {
            const raw = current[i]
            const rows = applyRowOps(
              raw === undefined ? [] : decodeRows(t.table, t.key, raw),
              t.puts,
              t.deletes,
            )
            if (rows.length > 0 || raw !== undefined) write(t.dbKey, rows)
          })
        }
        ops.push({ type: 'put', key: HEIGHT_KEY, value: Buffer.from(String(block.number), 'latin1') })
        await kvCall('batch', () => kv.batch(ops, { sync }))
        height = block.number
      })
    },
    async committedHeight() {
      assertOpen()
      return height
    },
    async close() {
      if (closed) return
      closed = true
      await serial(async () => undefined)
      await kv.close()
    },
  }
}

/** Options of `createLevelDBDriver`: those of the LevelDB store (`@consortia/kv-level`), plus `sync`. */
export interface LevelDBDriverInit extends LevelKvInit {
  /** fsync each block commit (default true). */
  readonly sync?: boolean
  /**
   * Store a CRC-32 with every value (`createChecksumKvStore`) so a bit flipped on disk is refused
   * as `CORRUPT_DATA` instead of read as a wrong row (default true). Must match how the directory
   * was written.
   */
  readonly checksums?: boolean
}

/**
 * The embedded default: AMDB on LevelDB, through `createLevelKvStore` of `@consortia/kv-level`.
 * One LevelDB write batch per block, written with `sync`, so a crash leaves the whole block or
 * none of it. Point reads use LevelDB's synchronous get unless `syncReads: false`.
 */
export async function createLevelDBDriver(init: LevelDBDriverInit): Promise<StorageDriver> {
  let kv: KvStore
  try {
    kv = await createLevelKvStore(init)
  } catch (err) {
    throw amdbError(
      { code: 'STORAGE_FAILURE', location: init?.location },
      `cannot open LevelDB at ${init?.location}`,
      err,
    )
  }
  return createKvDriver(init.checksums === false ? kv : createChecksumKvStore(kv), {
    name: 'leveldb',
    sync: init.sync ?? true,
  })
}
