import { createMemoryKvStore, kvStoreComplianceSuite } from '@consortia/testkit'
import {
  createKvDriver,
  createLevelDBDriver,
  createLevelDBKvStore,
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

kvStoreComplianceSuite('classic-level KvStore', async () => {
  const dir = tempDir('amdb-kv-')
  const store = await createLevelDBKvStore({ location: dir.path })
  return {
    ...store,
    close: async () => {
      await store.close()
      dir.remove()
    },
  }
})

describeMySQL('MariaDB driver', () => {
  storageDriverComplianceSuite('mysql (MariaDB)', async () => {
    const db = await createTestDatabase('suite')
    return { open: () => createMySQLDriver({ url: db.url }), destroy: db.drop }
  })
})
