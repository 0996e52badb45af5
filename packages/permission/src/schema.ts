import type { TableInfo } from '@consortia/interface'
import type { AddressHex } from './address.js'

/** System tables this package reads or writes (FISCO libstorage/Common.h, ChainGovernancePrecompiled.cpp). */
export const PermissionTable = {
  /** Per-table write whitelists; rows with table_name `_sys_table_access_` are the committee. */
  tableAccess: '_sys_table_access_',
  /** Committee weights, the threshold and open votes. */
  committeeVotes: '_sys_committee_votes_',
  /** Table schemas; its ACL decides who may deploy contracts and create tables. */
  tables: '_sys_tables_',
  /** CNS; its ACL decides who may register contract names. */
  cns: '_sys_cns_',
  /** System config; its ACL decides who may change it. */
  config: '_sys_config_',
  /** Sealers and observers; its ACL decides who may change them. */
  consensus: '_sys_consensus_',
} as const

/** Schema of `_sys_table_access_` (FISCO libstorage/Table.cpp `getSysTableInfo`). */
export const TABLE_ACCESS_INFO: TableInfo = {
  name: PermissionTable.tableAccess,
  keyField: 'table_name',
  valueFields: ['address', 'enable_num'],
}

/** Schema of `_sys_committee_votes_` (FISCO ChainGovernancePrecompiled.cpp `getCommitteeTable`). */
export const COMMITTEE_VOTES_INFO: TableInfo = {
  name: PermissionTable.committeeVotes,
  keyField: 'key',
  valueFields: ['value', 'origin', 'block_limit'],
}

/** Field names of `_sys_table_access_` rows. */
export const AclField = { address: 'address', enableNum: 'enable_num' } as const

/** Field names of `_sys_committee_votes_` rows. */
export const VoteField = { value: 'value', origin: 'origin', blockLimit: 'block_limit' } as const

/** Fixed keys and key suffixes of `_sys_committee_votes_`. */
export const VoteKey = {
  /** The threshold in force, as FISCO writes it: a fraction with six decimals ("0.500000"). */
  threshold: 'auth_threshold',
  /** Votes on a new threshold. */
  updateThreshold: 'update_auth_threshold',
  /** `<member>_weight`: a member's weight. */
  weightSuffix: '_weight',
  /** `<member>_update_weight`: votes on a member's weight. */
  updateWeightSuffix: '_update_weight',
} as const

/** Vote values of grant and revoke votes on a committee member. */
export const VoteValue = { grant: 'grant', revoke: 'revoke' } as const

/** Prefix of per-account StorageState tables (`c_<address hex>`). */
export const ACCOUNT_TABLE_PREFIX = 'c_'
/** Prefix of user tables (FISCO ≥ 2.2). */
export const USER_TABLE_PREFIX = 'u_'

/** Rows of an account table that this package reads or writes (FISCO libstoragestate/StorageState.h). */
export const AccountRow = {
  frozen: 'frozen',
  /** One row per contract manager, value = manager address in lower-case hex without `0x`. */
  authority: 'authority',
  code: 'code',
} as const

/** Key and value fields of account tables (FISCO `STORAGE_KEY`, `STORAGE_VALUE`). */
export const ACCOUNT_KEY_FIELD = 'key'
/** Value field of account tables. */
export const ACCOUNT_VALUE_FIELD = 'value'

/** The schema of the account table of `address`. */
export function accountTableInfo(address: AddressHex): TableInfo {
  return { name: accountTableName(address), keyField: ACCOUNT_KEY_FIELD, valueFields: [ACCOUNT_VALUE_FIELD] }
}

/** `c_<hex>`: the account table of `address` (FISCO `getContractTableName`). */
export function accountTableName(address: AddressHex): string {
  return ACCOUNT_TABLE_PREFIX + address.slice(2)
}

/** Longest table name a permission entry may name (FISCO `USER_TABLE_NAME_MAX_LENGTH_S`, `u_` included). */
export const ACL_TABLE_NAME_LENGTH_MAX = 50

/** System tables whose names 0x1005 `insert/remove/queryByName` take as they are (no `u_` prefix). */
export const UNPREFIXED_TABLES: ReadonlySet<string> = new Set([
  PermissionTable.tableAccess,
  PermissionTable.consensus,
  PermissionTable.tables,
  PermissionTable.cns,
  PermissionTable.config,
])

/** The stored table name for a name given to PermissionPrecompiled (FISCO `addPrefixToUserTable`). */
export function aclTableName(name: string): string {
  return UNPREFIXED_TABLES.has(name) ? name : USER_TABLE_PREFIX + name
}

/** Tables written only by this package's governance code; generic writes are always refused. */
export const GOVERNANCE_TABLES: ReadonlySet<string> = new Set([
  PermissionTable.tableAccess,
  PermissionTable.committeeVotes,
])

/**
 * Tables written only by the ledger and by table creation (schemas, block indexes, counters);
 * a transaction's generic table write to one is always refused.
 */
export const LEDGER_TABLES: ReadonlySet<string> = new Set([
  PermissionTable.tables,
  '_sys_current_state_',
  '_sys_tx_hash_2_block_',
  '_sys_number_2_hash_',
  '_sys_hash_2_block_',
  '_sys_block_2_nonces_',
  '_sys_hash_2_header_',
])

/** How a table is protected against generic writes. */
export type TableClass =
  /** `_sys_table_access_`, `_sys_committee_votes_`: only governance operations write them. */
  | 'governance'
  /** Schemas, block indexes, counters: only the ledger writes them. */
  | 'ledger'
  /** `c_<address>`: only the EVM state and the lifecycle operations write them. */
  | 'account'
  /** Everything else (`_sys_config_`, `_sys_cns_`, `_sys_consensus_`, `u_*`, `cp_*`, ...): its ACL decides. */
  | 'acl'

/** The protection class of a table name. */
export function tableClassOf(name: string): TableClass {
  if (GOVERNANCE_TABLES.has(name)) return 'governance'
  if (LEDGER_TABLES.has(name)) return 'ledger'
  if (name.startsWith(ACCOUNT_TABLE_PREFIX)) return 'account'
  return 'acl'
}
