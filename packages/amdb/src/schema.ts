import type { Entry, TableInfo } from '@consortia/interface'
import { amdbError, FiscoCode } from './errors.js'

/** Longest stored table name: `u_` plus a 48-character user name (FISCO `USER_TABLE_NAME_MAX_LENGTH_S` = 50). */
export const TABLE_NAME_LENGTH_MAX = 50
/** Longest user table name without its `u_` prefix (FISCO SDK `USER_TABLE_NAME_MAX_LENGTH` = 48). */
export const USER_TABLE_NAME_LENGTH_MAX = 48
/** Longest field name (FISCO `SYS_TABLE_KEY_FIELD_NAME_MAX_LENGTH`; also MySQL's identifier limit). */
export const FIELD_NAME_LENGTH_MAX = 64
/** Longest comma-joined list of value field names (FISCO `SYS_TABLE_VALUE_FIELD_MAX_LENGTH`). */
export const VALUE_FIELDS_TOTAL_LENGTH_MAX = 1024
/** Longest key, in UTF-8 bytes (FISCO `USER_TABLE_KEY_VALUE_MAX_LENGTH`). */
export const KEY_BYTES_MAX = 255
/** Longest field value, in UTF-8 bytes (FISCO `USER_TABLE_FIELD_VALUE_MAX_LENGTH` = 16 MiB - 1). */
export const FIELD_VALUE_BYTES_MAX = 16 * 1024 * 1024 - 1

/** Hidden row fields (FISCO `_status_`, `_num_`, `_id_`): never part of an `Entry`, never settable. */
export const STATUS_FIELD = '_status_'
/** Block number that last wrote the row. */
export const NUM_FIELD = '_num_'
/** Row id, unique in the database, assigned when the row's block commits. */
export const ID_FIELD = '_id_'

/** Prefix of user tables since FISCO 2.2 (`_user_` before). */
export const USER_TABLE_PREFIX = 'u_'
/** Prefix of per-account StorageState tables (`c_<address hex>`). */
export const CONTRACT_TABLE_PREFIX = 'c_'
/** Table names with this prefix are reserved for driver bookkeeping. */
export const RESERVED_TABLE_PREFIX = '_consortia_'

/** Names of the FISCO 2.x system tables (libstorage/Common.h). */
export const SysTable = {
  tables: '_sys_tables_',
  consensus: '_sys_consensus_',
  tableAccess: '_sys_table_access_',
  cns: '_sys_cns_',
  config: '_sys_config_',
  currentState: '_sys_current_state_',
  txHash2Block: '_sys_tx_hash_2_block_',
  number2Hash: '_sys_number_2_hash_',
  hash2Block: '_sys_hash_2_block_',
  block2Nonces: '_sys_block_2_nonces_',
  hash2Header: '_sys_hash_2_header_',
} as const

/** Keys of `_sys_current_state_`. */
export const CurrentStateKey = {
  currentNumber: 'current_number',
  currentId: 'current_id',
  totalTransactionCount: 'total_transaction_count',
  totalFailedTransactionCount: 'total_failed_transaction_count',
} as const

/** A table's schema plus the FISCO flags that follow from its name. */
export interface AMDBTableInfo extends TableInfo {
  /** Whether the table's changes enter the block's dbHash (FISCO `enableConsensus`). */
  readonly enableConsensus: boolean
  /** Whether the driver read cache may hold its rows (FISCO `enableCache`). */
  readonly enableCache: boolean
}

const sys = (name: string, keyField: string, valueFields: string[], consensus = true, cache = true) =>
  [name, { name, keyField, valueFields, enableConsensus: consensus, enableCache: cache }] as const

/** Built-in schemas of the system tables (FISCO libstorage/Table.cpp `getSysTableInfo`). */
export const SYSTEM_TABLES: ReadonlyMap<string, AMDBTableInfo> = new Map<string, AMDBTableInfo>([
  sys(SysTable.tables, 'table_name', ['key_field', 'value_field']),
  sys(SysTable.consensus, 'name', ['type', 'node_id', 'enable_num']),
  sys(SysTable.tableAccess, 'table_name', ['address', 'enable_num']),
  sys(SysTable.cns, 'name', ['version', 'address', 'abi']),
  sys(SysTable.config, 'key', ['value', 'enable_num']),
  // Block indexes and counters are derived data: not part of the consensus dbHash.
  sys(SysTable.currentState, 'key', ['value'], false),
  sys(SysTable.txHash2Block, 'hash', ['value', 'index'], false, false),
  sys(SysTable.number2Hash, 'number', ['value'], false),
  sys(SysTable.hash2Block, 'hash', ['value'], false, false),
  sys(SysTable.block2Nonces, 'number', ['value'], false),
  sys(SysTable.hash2Header, 'hash', ['value', 'sigs'], false, false),
])

/** The schema plus flags of a table whose name and fields are known. */
export function tableInfoOf(info: TableInfo): AMDBTableInfo {
  const builtIn = SYSTEM_TABLES.get(info.name)
  if (builtIn !== undefined) return builtIn
  return {
    name: info.name,
    keyField: info.keyField,
    valueFields: [...info.valueFields],
    enableConsensus: true,
    enableCache: true,
  }
}

/** `u_<name>`: the stored name of a user table created through the CRUD interface. */
export function userTableName(name: string): string {
  return USER_TABLE_PREFIX + name
}

/** `c_<address hex>`: the StorageState table of an account (FISCO `getContractTableName`). */
export function contractTableName(address: Uint8Array): string {
  if (!(address instanceof Uint8Array) || address.length !== 20) {
    throw amdbError(
      { code: 'INVALID_ARGUMENT', label: 'address' },
      `expected 20-byte address, got ${address?.length}`,
    )
  }
  return CONTRACT_TABLE_PREFIX + Buffer.from(address).toString('hex')
}

const NAME_CHARS = /^[A-Za-z0-9$_@]+$/
const LONE_SURROGATE = /\p{Cs}/u

/** UTF-8 length of a string. */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value, 'utf8')
}

/** False when a string holds a lone UTF-16 surrogate, which no database stores faithfully. */
export function isWellFormedString(value: string): boolean {
  // String.prototype.isWellFormed (ES2024, Node ≥ 20) where present; the regex otherwise.
  return hasIsWellFormed ? (value as WellFormedCheck).isWellFormed() : !LONE_SURROGATE.test(value)
}

type WellFormedCheck = string & { isWellFormed(): boolean }
const hasIsWellFormed = typeof (String.prototype as Partial<WellFormedCheck>).isWellFormed === 'function'

/**
 * Checks a schema before `createTable`, as FISCO's TableFactoryPrecompiled and
 * `checkNameValidate` do. Returns 0 or a negative FISCO code:
 * -50002 name too long, -50003 field name too long, -50004 field names too long in total,
 * -50007 duplicate field, -50008 invalid name or field (characters outside `[A-Za-z0-9$_@]`,
 * a field starting with `_`, a reserved name).
 *
 * Field names compare case-insensitively for duplicates, because MySQL column names do.
 */
export function checkTableInfo(info: TableInfo): number {
  const { name, keyField, valueFields } = info
  if (typeof name !== 'string' || name.length === 0) return FiscoCode.tableInvalidateField
  if (name.length > TABLE_NAME_LENGTH_MAX) return FiscoCode.tableNameLengthOverflow
  if (!NAME_CHARS.test(name) || name.startsWith(RESERVED_TABLE_PREFIX)) return FiscoCode.tableInvalidateField
  const fields = [keyField, ...valueFields]
  for (const field of fields) {
    if (typeof field !== 'string') return FiscoCode.tableInvalidateField
    if (field.length > FIELD_NAME_LENGTH_MAX) return FiscoCode.tableFieldLengthOverflow
  }
  if (valueFields.join(',').length > VALUE_FIELDS_TOTAL_LENGTH_MAX) {
    return FiscoCode.tableFieldTotalLengthOverflow
  }
  const seen = new Set<string>()
  for (const field of fields) {
    if (field.length === 0 || field.startsWith('_') || !NAME_CHARS.test(field)) {
      return FiscoCode.tableInvalidateField
    }
    const folded = field.toLowerCase()
    if (seen.has(folded)) return FiscoCode.tableDuplicateField
    seen.add(folded)
  }
  return FiscoCode.success
}

/** Checks a user table name (without `u_`), then the whole schema; 0 or a negative FISCO code. */
export function checkUserTableInfo(name: string, keyField: string, valueFields: readonly string[]): number {
  if (name.length > USER_TABLE_NAME_LENGTH_MAX) return FiscoCode.tableNameLengthOverflow
  return checkTableInfo({ name: userTableName(name), keyField, valueFields })
}

/** Checks a key: at most 255 UTF-8 bytes and well-formed Unicode; 0 or a negative FISCO code. */
export function checkKey(key: string): number {
  if (typeof key !== 'string' || !isWellFormedString(key)) return FiscoCode.entryParseError
  // A UTF-16 unit takes at most 3 UTF-8 bytes: short keys need no byte count.
  if (key.length * 3 > KEY_BYTES_MAX && utf8Bytes(key) > KEY_BYTES_MAX)
    return FiscoCode.tableKeyValueLengthOverflow
  return FiscoCode.success
}

/**
 * Checks an entry against a schema: every field is a value field (or the key field with
 * the row's key), no hidden field, every value well-formed and at most 16 MiB - 1 bytes.
 * Returns 0 or a negative FISCO code.
 */
export function checkEntry(info: TableInfo, key: string, entry: Entry, forUpdate: boolean): number {
  if (entry === null || typeof entry !== 'object') return FiscoCode.entryParseError
  for (const field of Object.keys(entry)) {
    const value = entry[field]
    if (typeof value !== 'string' || !isWellFormedString(value)) return FiscoCode.entryParseError
    if (field === info.keyField) {
      // FISCO's CRUD update refuses any key field; an insert may repeat the row's key.
      if (forUpdate) return FiscoCode.invalidUpdateTableKey
      if (value !== key) return FiscoCode.invalidUpdateTableKey
      continue
    }
    if (!info.valueFields.includes(field)) return FiscoCode.tableInvalidateField
    if (
      value.length > FIELD_VALUE_BYTES_MAX ||
      (value.length * 3 > FIELD_VALUE_BYTES_MAX && utf8Bytes(value) > FIELD_VALUE_BYTES_MAX)
    ) {
      return FiscoCode.tableFieldValueLengthOverflow
    }
  }
  return FiscoCode.success
}
