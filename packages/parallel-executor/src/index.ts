/**
 * @consortia/parallel-executor — block execution with FISCO BCOS 2.x semantics: Solidity on
 * `@ethereumjs/evm` over any `StateView` (AMDB StorageState or MPT state), native precompiled
 * contracts that read and write AMDB tables (SystemConfig, TableFactory/Table/Entry/Condition,
 * CRUD, Consensus, CNS, ParallelConfig, KVTableFactory, DagTransfer, Crypto), receipts with
 * FISCO status codes, and the parallel tags (mutex keys) a DAG scheduler builds on.
 * Permissions (`@consortia/permission`: table ACLs, committee, operators, contract and account
 * freezing) are enforced on every deploy, table write and call, with the governance
 * precompiles Permission (0x1005), ContractLifeCycle (0x1007) and ChainGovernance (0x1008).
 *
 * @example
 * ```ts
 * import { createSerialExecutor } from '@consortia/parallel-executor'
 *
 * const executor = createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite })
 * // `state` is a StateView that is also a TableStore (AMDB StorageState), or pass
 * // components.tables to give the block's tables separately (MPT state).
 * const { receipts, gasUsed, stateRoot } = await executor.execute(context, transactions, state)
 * if (receipts[0]?.status !== 0) console.log('failed with FISCO status', receipts[0]?.status)
 * ```
 */
export {
  decodeValues,
  encodeValues,
  type FunctionSignature,
  parseSignature,
  parseTypes,
  selectorOf,
} from './abi.js'
export { BLOOM_BYTES, BLOOM_HASH_CACHE_MAX, createBloomHasher, logsBloom, orBloom } from './bloom.js'
export {
  CONTRACT_TABLE_PREFIX,
  PARALLEL_CONFIG_TABLE_PREFIX,
  PrecompiledCode,
  type PrecompiledCodeValue,
  SystemTable,
  TableLimits,
  USER_TABLE_PREFIX,
} from './codes.js'
export { clauseMatches, entryMatches, selectRows } from './condition.js'
export { type ExecutorError, type ExecutorErrorCode, executorError } from './errors.js'
export {
  contractAddress,
  FiscoCommon,
  FiscoEVM,
  JUMP_ANALYSES_MAX,
  type PrecompiledHost,
  precompiledExecResult,
} from './evm.js'
export {
  BLOCK_LIMIT_WINDOW,
  BLOCK_TRANSACTIONS_MAX,
  CODE_BYTES_MAX,
  createSerialExecutor,
  IntrinsicGas,
  type SerialExecutor,
  type SerialExecutorComponents,
  type SerialExecutorInit,
  statusOfEVMError,
} from './executor.js'
export * from './parallel/index.js'
export {
  type AccountSource,
  callerContext,
  checkPermissionSettings,
  createPermissionTableStore,
  denialOf,
  GuardedTables,
  type PermissionDenial,
  type PermissionSettings,
} from './permission-wiring.js'
export {
  addressArg,
  compilePrecompiled,
  encodeCode,
  type PrecompiledCallContext,
  type PrecompiledContract,
  PrecompiledFailure,
  PrecompiledGas,
  PrecompiledGasMeter,
  type PrecompiledMethod,
  type PrecompiledOutcome,
  precompiledParallelTag,
  runPrecompiled,
  TRANSIENT_ADDRESS_START,
  TRANSIENT_OBJECTS_MAX,
  TransientObjects,
} from './precompiled.js'
export { cnsPrecompiled } from './precompiles/cns.js'
export {
  CONSENSUS_KEY,
  consensusPrecompiled,
  NodeType,
  nodeIdToHex,
  readConsensusNodes,
} from './precompiles/consensus.js'
export { crudPrecompiled, parseConditionJson, parseEntryJson } from './precompiles/crud.js'
export { cryptoPrecompiled, sm3 } from './precompiles/crypto.js'
export { DAG_TRANSFER_TABLE, dagTransferPrecompiled } from './precompiles/dag-transfer.js'
export {
  type ParallelFunction,
  parallelConfigPrecompiled,
  parallelConfigTableInfo,
  readParallelFunction,
} from './precompiles/parallel-config.js'
export {
  chainGovernancePrecompiled,
  contractLifeCyclePrecompiled,
  permissionPrecompiled,
} from './precompiles/permission.js'
export {
  groupSigPrecompiled,
  PrivacyPrecompiledCode,
  paillierPrecompiled,
  ringSigPrecompiled,
} from './precompiles/privacy.js'
export {
  isValidSystemConfig,
  readSystemConfig,
  SystemConfigKey,
  systemConfigPrecompiled,
  TX_GAS_LIMIT_DEFAULT,
  TX_GAS_LIMIT_MIN,
} from './precompiles/system-config.js'
export { enableNumOf, openSystemTable, SYSTEM_TABLE_INFOS } from './precompiles/system-tables.js'
export {
  ConditionObject,
  checkCreateTable,
  EntriesObject,
  EntryObject,
  KVTableObject,
  kvTableFactoryPrecompiled,
  TableObject,
  tableFactoryPrecompiled,
} from './precompiles/table-factory.js'
export {
  buildPrecompiledMap,
  PrecompiledAddress,
  type PrecompiledRegistration,
  systemPrecompiles,
} from './registry.js'
export {
  STATE_CACHE_ENTRIES_MAX,
  StateViewAdapter,
  type StateViewAdapterComponents,
} from './state-adapter.js'
export {
  OVERLAY_CACHED_KEYS_MAX,
  type PrecompiledTables,
  TableOverlay,
  type TableOverlayInit,
} from './table-overlay.js'
