import { isChainError, type TableInfo } from '@consortia/interface'
import { afterEach, beforeEach, expect, it } from 'vitest'
import {
  createAMDB,
  createMySQLDriver,
  MYSQL_DELETE_IDS_MAX,
  MYSQL_SELECT_KEYS_MAX,
  type MySQLDriver,
} from '../src/index.js'
import { createTestDatabase, describeMySQL, MYSQL_URL, sha256 } from './helpers.js'

const T: TableInfo = { name: 'u_sql', keyField: 'key', valueFields: ['value', 'index'] }

describeMySQL('MySQL driver specifics (MariaDB)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let driver: MySQLDriver
  beforeEach(async () => {
    db = await createTestDatabase('sql')
    driver = await createMySQLDriver({ url: db.url, statementBytesMax: 4096, connectionsMax: 2 })
  })
  afterEach(async () => {
    await driver.close()
    await db.drop()
  })

  it('maps each AMDB table to an SQL table, created on demand, with hidden columns', async () => {
    const amdb = createAMDB({ driver, hash: sha256 })
    const block = await amdb.openBlock()
    expect(await block.createTable(T)).toBe(0)
    const [before] = await driver.pool.query('SHOW TABLES')
    expect((before as Record<string, string>[]).map((r) => Object.values(r)[0])).toEqual(['_consortia_meta_'])
    await (await block.openTableOrThrow('u_sql')).insert('k1', { value: 'v', index: '1' })
    await block.commit()
    const [columns] = await driver.pool.query(
      'SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [db.name, 'u_sql'],
    )
    expect(columns).toEqual([
      { name: '_id_', type: 'bigint' },
      { name: '_num_', type: 'bigint' },
      { name: '_status_', type: 'tinyint' },
      { name: 'key', type: 'varbinary' },
      { name: 'value', type: 'longblob' },
      { name: 'index', type: 'longblob' },
    ])
    const [tables] = await driver.pool.query('SHOW TABLES')
    expect((tables as Record<string, string>[]).map((r) => Object.values(r)[0]).sort()).toEqual([
      '_consortia_meta_',
      '_sys_current_state_',
      '_sys_tables_',
      'u_sql',
    ])
  })

  it('splits big blocks into bounded statements and chunked deletes inside one transaction', async () => {
    const rows = MYSQL_DELETE_IDS_MAX * 2 + 500
    await driver.commitBlock({
      number: 0,
      tables: [
        {
          info: T,
          puts: Array.from({ length: rows }, (_, i) => ({
            id: i + 1,
            num: 0,
            key: `k${i % 700}`,
            fields: { value: `v${i}`.padEnd(50, '.'), index: String(i) },
          })),
          deletes: [],
        },
      ],
    })
    const [[count]] = (await driver.pool.query({ sql: 'SELECT COUNT(*) FROM u_sql', rowsAsArray: true })) as [
      number[][],
      unknown,
    ]
    expect(Number(count![0])).toBe(rows)
    expect((await driver.selectRows(T, 'k3')).map((r) => r.id)).toEqual([4, 704, 1404, 2104])
    await driver.commitBlock({
      number: 1,
      tables: [
        {
          info: T,
          puts: [],
          deletes: Array.from({ length: rows - 1 }, (_, i) => ({ key: `k${(i + 1) % 700}`, id: i + 2 })),
        },
      ],
    })
    expect(await driver.listKeys(T, { limit: 1000 })).toEqual(['k0'])
    expect(await driver.committedHeight()).toBe(1)
  })

  it('rolls a failed block back entirely', async () => {
    await driver.commitBlock({
      number: 0,
      tables: [
        { info: T, puts: [{ id: 1, num: 0, key: 'a', fields: { value: 'keep', index: '' } }], deletes: [] },
      ],
    })
    // Drop a column behind the driver's back: the second table of the block then fails in SQL.
    await driver.pool.query(
      'CREATE TABLE u_broken (`_id_` BIGINT PRIMARY KEY, `_num_` BIGINT, `_status_` TINYINT, k VARBINARY(255))',
    )
    const broken: TableInfo = { name: 'u_broken', keyField: 'k', valueFields: ['v'] }
    await expect(
      driver.commitBlock({
        number: 1,
        tables: [
          { info: T, puts: [{ id: 1, num: 1, key: 'a', fields: { value: 'lost', index: '' } }], deletes: [] },
          { info: broken, puts: [{ id: 2, num: 1, key: 'b', fields: { v: 'x' } }], deletes: [] },
        ],
      }),
    ).rejects.toSatisfy((e) => isChainError(e, 'STORAGE_FAILURE'))
    expect(await driver.committedHeight()).toBe(0)
    expect((await driver.selectRows(T, 'a'))[0]?.fields['value']).toBe('keep')
  })

  it('reads many keys in SELECTs of at most selectKeysMax keys', async () => {
    expect(MYSQL_SELECT_KEYS_MAX).toBe(1000)
    const small = await createMySQLDriver({ url: db.url, selectKeysMax: 3 })
    const keys = Array.from({ length: 10 }, (_, i) => `key${i}`)
    await small.commitBlock({
      number: 0,
      tables: [
        {
          info: T,
          puts: keys.map((key, i) => ({ id: i + 1, num: 0, key, fields: { value: `v${i}`, index: '' } })),
          deletes: [],
        },
      ],
    })
    const statements: string[] = []
    const query = small.pool.query.bind(small.pool)
    small.pool.query = ((...args: Parameters<typeof query>) => {
      const sql = typeof args[0] === 'string' ? args[0] : (args[0] as { sql: string }).sql
      statements.push(sql)
      return query(...args)
    }) as typeof query
    const wanted = [...keys, 'missing', 'key0']
    const many = await small.selectRowsMany(T, wanted)
    expect(statements.filter((sql) => sql.includes(' IN (')).length).toBe(4) // 11 distinct keys, 3 per SELECT
    expect(many.map((rows) => rows.map((r) => r.fields['value']))).toEqual([
      ...keys.map((_, i) => [`v${i}`]),
      [],
      ['v0'],
    ])
    await small.close()
    await expect(createMySQLDriver({ url: db.url, selectKeysMax: 0 })).rejects.toThrow('selectKeysMax')
  })

  it('serves concurrent reads through a small pool', async () => {
    await driver.commitBlock({
      number: 0,
      tables: [
        { info: T, puts: [{ id: 1, num: 0, key: 'a', fields: { value: 'v', index: '' } }], deletes: [] },
      ],
    })
    const reads = await Promise.all(Array.from({ length: 20 }, () => driver.selectRows(T, 'a')))
    expect(reads.every((r) => r.length === 1)).toBe(true)
  })
})

describeMySQL('MySQL driver pool limits', () => {
  it('fails reads fast with STORAGE_FAILURE once poolQueueMax callers wait', async () => {
    const db = await createTestDatabase('pool')
    const driver = await createMySQLDriver({ url: db.url, connectionsMax: 1, poolQueueMax: 2 })
    try {
      const results = await Promise.allSettled(Array.from({ length: 12 }, () => driver.selectRows(T, 'a')))
      const failed = results.filter((r) => r.status === 'rejected')
      expect(failed.length).toBeGreaterThan(0)
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(3)
      for (const f of failed)
        expect(isChainError((f as PromiseRejectedResult).reason, 'STORAGE_FAILURE')).toBe(true)
    } finally {
      await driver.close()
      await db.drop()
    }
  })
})

describeMySQL('MySQL driver setup', () => {
  it('creates its database on request and refuses bad URLs', async () => {
    const db = await createTestDatabase('setup')
    await db.drop()
    const driver = await createMySQLDriver({ url: db.url, createDatabase: true })
    expect(await driver.committedHeight()).toBe(-1)
    await driver.close()
    await db.drop()
    await expect(createMySQLDriver({ url: 'http://localhost/x' })).rejects.toSatisfy((e) =>
      isChainError(e, 'INVALID_ARGUMENT'),
    )
    const noDb = new URL(MYSQL_URL)
    noDb.pathname = '/bad-name;'
    await expect(createMySQLDriver({ url: noDb.toString() })).rejects.toSatisfy((e) =>
      isChainError(e, 'INVALID_ARGUMENT'),
    )
  })
})
