import { ChainError, isChainError, type TableInfo } from '@consortia/interface'
import { createMemoryKvStore } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import {
  createKvDriver,
  createLevelDBDriver,
  createMemoryDriver,
  createMemoryDriverData,
  createMySQLDriver,
} from '../src/index.js'
import { storageDriverComplianceSuite } from './driver-suite.js'
import { createTestDatabase, describeMySQL, tempDir } from './helpers.js'

storageDriverComplianceSuite('memory', async () => {
  const data = createMemoryDriverData()
  return { open: async () => createMemoryDriver({ data }), destroy: async () => undefined }
})

storageDriverComplianceSuite('kv over the testkit memory KvStore', async () => {
  // The memory KvStore forgets nothing on close() only if we keep using the same object, so
  // the harness hands the same store to every reopen and closes nothing underneath.
  const store = createMemoryKvStore()
  const keepOpen = { ...store, close: async () => undefined }
  return { open: () => createKvDriver(keepOpen), destroy: () => store.close() }
})

storageDriverComplianceSuite('leveldb', async () => {
  const dir = tempDir('amdb-leveldb-')
  return { open: () => createLevelDBDriver({ location: dir.path }), destroy: async () => dir.remove() }
})

describeMySQL('MariaDB driver', () => {
  storageDriverComplianceSuite('mysql (MariaDB)', async () => {
    const db = await createTestDatabase('suite')
    return { open: () => createMySQLDriver({ url: db.url }), destroy: db.drop }
  })
})

describe('kv driver errors', () => {
  const info: TableInfo = { name: 'u_t', keyField: 'k', valueFields: ['v'] }
  const put = { id: 1, num: 0, key: 'a', fields: { v: '1' } }

  it('reports store failures as STORAGE_FAILURE and a store closed underneath as DRIVER_CLOSED', async () => {
    const store = createMemoryKvStore()
    let failBatch = false
    const flaky = {
      ...store,
      batch: async (...args: Parameters<typeof store.batch>) => {
        if (failBatch) throw new ChainError({ code: 'KV_IO', operation: 'batch' }, 'disk full')
        return store.batch(...args)
      },
    }
    const driver = await createKvDriver(flaky)
    failBatch = true
    const err = await driver
      .commitBlock({ number: 0, tables: [{ info, puts: [put], deletes: [] }] })
      .catch((e) => e)
    expect(isChainError(err, 'STORAGE_FAILURE')).toBe(true)
    expect(isChainError((err as Error).cause, 'KV_IO')).toBe(true)
    expect(await driver.committedHeight()).toBe(-1)
    failBatch = false
    await driver.commitBlock({ number: 0, tables: [{ info, puts: [put], deletes: [] }] })
    expect((await driver.selectRows(info, 'a')).map((r) => r.fields)).toEqual([{ v: '1' }])
    await store.close()
    await expect(driver.selectRows(info, 'a')).rejects.toSatisfy((e) => isChainError(e, 'DRIVER_CLOSED'))
    await expect(driver.listKeys(info, { limit: 10 })).rejects.toSatisfy((e) =>
      isChainError(e, 'DRIVER_CLOSED'),
    )
  })

  it('writes keyRows without reading the key, and refuses keyRows that disagree with the puts and deletes', async () => {
    const store = createMemoryKvStore()
    let gets = 0
    const counting = {
      ...store,
      getMany: (keys: Parameters<typeof store.getMany>[0]) => {
        gets += keys.length
        return store.getMany(keys)
      },
    }
    const driver = await createKvDriver(counting)
    const a1 = { id: 1, num: 0, key: 'a', fields: { v: '1' } }
    const a2 = { id: 2, num: 0, key: 'a', fields: { v: '2' } }
    await driver.commitBlock({ number: 0, tables: [{ info, puts: [a1, a2], deletes: [] }] })
    expect(gets).toBe(1)
    const a2b = { ...a2, num: 1, fields: { v: 'x' } }
    const bad: [string, (typeof a1)[]][] = [
      ['put row 2 is missing', [a1]],
      ['put row 2 is missing or differs', [a1, { ...a2b, fields: { v: 'other' } }]],
      ["rows must be the key's", [a2b, a1]],
      ['deleted row 1 is still there', [a1, a2b]],
    ]
    for (const [message, rows] of bad) {
      const deletes = message.startsWith('deleted') ? [{ key: 'a', id: 1 }] : []
      await expect(
        driver.commitBlock({
          number: 1,
          tables: [{ info, puts: [a2b], deletes, keyRows: new Map([['a', rows]]) }],
        }),
      ).rejects.toThrow(message)
    }
    await driver.commitBlock({
      number: 1,
      tables: [{ info, puts: [a2b], deletes: [{ key: 'a', id: 1 }], keyRows: new Map([['a', [a2b]]]) }],
    })
    expect(gets).toBe(1) // nothing read for a key whose rows were given
    expect(await driver.selectRows(info, 'a')).toEqual([a2b])
    await driver.close()
  })

  it('reports a LevelDB that cannot open as STORAGE_FAILURE', async () => {
    const dir = tempDir('amdb-leveldb-locked-')
    const first = await createLevelDBDriver({ location: dir.path })
    const err = await createLevelDBDriver({ location: dir.path }).catch((e) => e)
    expect(isChainError(err, 'STORAGE_FAILURE')).toBe(true)
    expect(isChainError((err as Error).cause, 'KV_IO')).toBe(true)
    await first.close()
    dir.remove()
  })
})
