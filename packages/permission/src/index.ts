/**
 * @consortia/permission — governance and access control for FISCO BCOS 2.x chains: table
 * write whitelists (`_sys_table_access_`), a committee with weighted, expiring votes and a
 * threshold, operators, contract managers and freezing, account freezing, and the hooks an
 * executor calls before every deploy, table creation, table write, storage write and call.
 * It works on any `TableStore` (the AMDB change set of a block, or an executor's overlay).
 *
 * Checks use `tx.origin` by default, as FISCO does; a group may choose `mode: 'caller'`
 * to check the direct caller instead (see `PermissionMode`).
 *
 * @example
 * ```ts
 * import { createPermission, initGovernance, topLevelCaller } from '@consortia/permission'
 *
 * await initGovernance(genesisTables, { committee: [{ address: alice }], operators: [bob] })
 * // later, in block 7:
 * const permission = createPermission({ tables: block7Tables, blockNumber: 7 })
 * await permission.checkDeploy(topLevelCaller(carol), { nested: false }) // { allowed: false, status: 18, ... }
 * await permission.governance.grantOperator(topLevelCaller(alice), carol) // 1: carol may deploy from block 8
 * ```
 */
export { type AccountKind, AccountTables, CONTRACT_MANAGERS_MAX } from './accounts.js'
export {
  ACL_CACHE_TABLES_MAX,
  ACL_ENTRIES_MAX,
  type AclEntry,
  AclStore,
  type AclStoreInit,
  isEnabledAt,
} from './acl.js'
export { type AddressHex, addressToHex, authorityForm, hexToAddress, parseAddress } from './address.js'
export {
  actorOf,
  type CallerContext,
  type CallKind,
  type OperationKind,
  type PermissionMode,
  topLevelCaller,
} from './caller.js'
export {
  AccountStatusText,
  ContractStatusText,
  PermissionCode,
  type PermissionCodeValue,
  PermissionStatus,
} from './codes.js'
export { Enforcement, type Verdict } from './enforcement.js'
export { type PermissionErrorCode, type PermissionErrorType, permissionError } from './errors.js'
export {
  ChainGovernance,
  type CommitteeMember,
  formatThreshold,
  parseThreshold,
  THRESHOLD_DEFAULT_PERCENT,
  THRESHOLD_MAX_PERCENT,
  VOTE_VALID_BLOCKS,
  type Vote,
} from './governance.js'
export { ContractLifeCycle } from './lifecycle.js'
export {
  createPermission,
  type GovernanceGenesis,
  initGovernance,
  type Permission,
  type PermissionInit,
} from './permission.js'
export {
  ACCOUNT_KEY_FIELD,
  ACCOUNT_TABLE_PREFIX,
  ACCOUNT_VALUE_FIELD,
  ACL_TABLE_NAME_LENGTH_MAX,
  AccountRow,
  AclField,
  accountTableInfo,
  accountTableName,
  aclTableName,
  COMMITTEE_VOTES_INFO,
  GOVERNANCE_TABLES,
  LEDGER_TABLES,
  PermissionTable,
  TABLE_ACCESS_INFO,
  type TableClass,
  tableClassOf,
  UNPREFIXED_TABLES,
  USER_TABLE_PREFIX,
  VoteField,
  VoteKey,
  VoteValue,
} from './schema.js'
export { fiscoJson, type PermissionScope } from './scope.js'
export { Store } from './store.js'
export { TablePermissions } from './table-permissions.js'
