/**
 * FISCO BCOS 2.x precompiled return codes (libprecompiled/Common.h `PrecompiledError`,
 * libstorage/Common.h; reference: FISCO-BCOS-DOC 2.x api.md "预编译错误码").
 * Write methods return the number of affected rows (≥ 0) or one of these negative codes,
 * ABI-encoded as int256.
 */
export const PrecompiledCode = {
  Success: 0,
  // storage / table
  PermissionDenied: -50000,
  TableNameAlreadyExists: -50001,
  TableNameLengthOverflow: -50002,
  TableFieldLengthOverflow: -50003,
  TableFieldTotalLengthOverflow: -50004,
  TableKeyValueLengthOverflow: -50005,
  TableFieldValueLengthOverflow: -50006,
  TableDuplicateField: -50007,
  TableInvalidField: -50008,
  // common
  TableNotExist: -50100,
  UnknownFunctionCall: -50101,
  AddressInvalid: -50102,
  // consensus
  InvalidNodeId: -51100,
  LastSealer: -51101,
  // CNS
  AddressAndVersionExist: -51200,
  VersionLengthOverflow: -51201,
  // system config
  InvalidConfigurationValues: -51300,
  // DagTransfer
  InvalidUserName: -51400,
  InvalidAmount: -51401,
  UserNotExist: -51402,
  UserAlreadyExist: -51403,
  InsufficientBalance: -51404,
  BalanceOverflow: -51405,
  OpenTableFailed: -51406,
  // CRUD
  ParseEntryError: -51500,
  ParseConditionError: -51501,
  ConditionOperationUndefined: -51502,
  InvalidUpdateTableKey: -51503,
} as const

/** One of the FISCO precompiled return codes. */
export type PrecompiledCodeValue = (typeof PrecompiledCode)[keyof typeof PrecompiledCode]

/** FISCO system table names (libstorage/Common.h). */
export const SystemTable = {
  Tables: '_sys_tables_',
  Consensus: '_sys_consensus_',
  TableAccess: '_sys_table_access_',
  CNS: '_sys_cns_',
  Config: '_sys_config_',
} as const

/** Prefix of user tables created through TableFactory/KVTableFactory/CRUD (`u_`, FISCO ≥ 2.2). */
export const USER_TABLE_PREFIX = 'u_'
/** Prefix of per-contract parallel configuration tables (`cp_<address hex>`, FISCO ≥ 2.2). */
export const PARALLEL_CONFIG_TABLE_PREFIX = 'cp_'
/** Prefix of per-account StorageState tables (`c_<address hex>`). */
export const CONTRACT_TABLE_PREFIX = 'c_'

/** Limits from FISCO libprecompiled/Common.h and FISCO-BCOS-DOC manual/limitation.md. */
export const TableLimits = {
  /** User table name including the `u_` prefix (`USER_TABLE_NAME_MAX_LENGTH_S`). */
  tableNameCharsMax: 50,
  /** Key and field names (`SYS_TABLE_KEY_FIELD_NAME_MAX_LENGTH`, a MySQL column-name limit). */
  fieldNameCharsMax: 64,
  /** All value-field names joined by commas (`SYS_TABLE_VALUE_FIELD_MAX_LENGTH`). */
  valueFieldsCharsMax: 1024,
  /** A user key value (`USER_TABLE_KEY_VALUE_MAX_LENGTH`). */
  keyValueBytesMax: 255,
  /** A field value (`USER_TABLE_FIELD_VALUE_MAX_LENGTH`, 16 MiB − 1). */
  fieldValueBytesMax: 16 * 1024 * 1024 - 1,
  /** CNS version string (`CNS_VERSION_MAX_LENGTH`). */
  cnsVersionCharsMax: 128,
  /** CNS contract name (`CNS_CONTRACT_NAME_MAX_LENGTH`). */
  cnsNameCharsMax: 128,
} as const
