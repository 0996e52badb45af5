/**
 * @consortia/amdb — AMDB, FISCO BCOS 2.x's table storage: tables of string rows (several rows
 * per key) with hidden `_status_`/`_num_`/`_id_` fields, FISCO's system tables, a per-block
 * change set with per-transaction savepoints, a deterministic dbHash, and one atomic commit per
 * block — over drivers for memory, LevelDB (the embedded default) and MySQL/MariaDB/TiDB, with
 * a byte-bounded read cache. `createStorageState` runs the EVM world state on these tables.
 *
 * @example
 * ```ts
 * import { createAMDB, createCondition, createLevelDBDriver, createStorageState } from '@consortia/amdb'
 *
 * const amdb = createAMDB({ driver: await createLevelDBDriver({ location: './data/amdb' }), hash: keccak256 })
 * const block = await amdb.openBlock()
 * await block.createUserTable('t_asset', 'account', ['amount'])
 * const table = await block.openTableOrThrow('u_t_asset')
 * await table.insert('alice', { amount: '100' })
 * await table.select('alice', createCondition().GE('amount', 50)) // [{ account: 'alice', amount: '100' }]
 * const state = createStorageState({ tables: block, hash: keccak256 }) // a StateView for the EVM
 * await block.settle() // resolves set writes (StorageState's) with one batched read
 * const dbHash = block.hash()
 * await block.commit()
 * ```
 */
export { type AMDB, type AMDBInit, createAMDB } from './amdb.js'
export {
  CACHE_BYTES_DEFAULT,
  type CachedDriver,
  type CachedDriverInit,
  type CacheStats,
  createCachedDriver,
} from './cache.js'
export {
  applyPaging,
  type CompiledCondition,
  type ConditionBuilder,
  compileCondition,
  createCondition,
  matchesCondition,
} from './condition.js'
export {
  createRowHashEncoder,
  dbHash,
  EMPTY_DB_HASH,
  encodeRowForHash,
  type HashFn,
  tableHash,
} from './db-hash.js'
export {
  applyRowOps,
  type BlockWrite,
  compareUtf8,
  LIST_KEYS_PAGE_MAX,
  type ListKeysOptions,
  type StorageDriver,
  type StoredRow,
  type TableWrite,
  validateBlockWrite,
} from './driver.js'
export {
  type AMDBErrorCode,
  type AMDBErrorType,
  amdbError,
  FiscoCode,
  type FiscoCodeValue,
} from './errors.js'
export {
  createKvDriver,
  createLevelDBDriver,
  type KvDriverInit,
  type LevelDBDriverInit,
} from './kv-driver.js'
export {
  createMemoryDriver,
  createMemoryDriverData,
  type MemoryDriver,
  type MemoryDriverData,
  type MemoryDriverInit,
} from './memory-driver.js'
export {
  createMySQLDriver,
  MYSQL_CONNECTIONS_DEFAULT,
  MYSQL_DELETE_IDS_MAX,
  MYSQL_POOL_QUEUE_MAX,
  MYSQL_SELECT_KEYS_MAX,
  MYSQL_STATEMENT_BYTES_DEFAULT,
  type MySQLDriver,
  type MySQLDriverInit,
  quoteIdentifier,
} from './mysql-driver.js'
export {
  type AMDBTableInfo,
  CONTRACT_TABLE_PREFIX,
  CurrentStateKey,
  checkEntry,
  checkKey,
  checkTableInfo,
  checkUserTableInfo,
  contractTableName,
  FIELD_NAME_LENGTH_MAX,
  FIELD_VALUE_BYTES_MAX,
  ID_FIELD,
  KEY_BYTES_MAX,
  NUM_FIELD,
  RESERVED_TABLE_PREFIX,
  STATUS_FIELD,
  SYSTEM_TABLES,
  SysTable,
  TABLE_NAME_LENGTH_MAX,
  tableInfoOf,
  USER_TABLE_NAME_LENGTH_MAX,
  USER_TABLE_PREFIX,
  userTableName,
  VALUE_FIELDS_TOTAL_LENGTH_MAX,
} from './schema.js'
export {
  AccountRow,
  createStorageState,
  STORAGE_KEY_FIELD,
  STORAGE_VALUE_FIELD,
  type StorageState,
  type StorageStateInit,
} from './storage-state.js'
export {
  checkSystemConfig,
  SYSTEM_CONFIG_DEFAULTS,
  SystemConfigKey,
  type SystemConfigKeyName,
} from './system-config.js'
export {
  type AMDBTable,
  CHANGE_LOG_MAX,
  createTableFactory,
  type HiddenEntry,
  type TableFactory,
  type TableFactoryInit,
} from './table-factory.js'
