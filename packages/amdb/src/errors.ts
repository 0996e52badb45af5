import { ChainError } from '@consortia/interface'

/**
 * FISCO BCOS 2.x precompiled return codes that AMDB produces (libprecompiled/Common.h
 * `PrecompiledError`). Table writes return them as negative numbers; thrown errors carry
 * them as `fiscoCode`.
 */
export const FiscoCode = {
  success: 0,
  noAuthorized: -50000,
  tableNameAlreadyExist: -50001,
  tableNameLengthOverflow: -50002,
  tableFieldLengthOverflow: -50003,
  tableFieldTotalLengthOverflow: -50004,
  tableKeyValueLengthOverflow: -50005,
  tableFieldValueLengthOverflow: -50006,
  tableDuplicateField: -50007,
  tableInvalidateField: -50008,
  tableNotExist: -50100,
  entryParseError: -51500,
  conditionParseError: -51501,
  conditionOperationUndefined: -51502,
  invalidUpdateTableKey: -51503,
  invalidConfigurationValues: -51300,
} as const

/** One of the FISCO codes in `FiscoCode`. */
export type FiscoCodeValue = (typeof FiscoCode)[keyof typeof FiscoCode]

/** Error codes thrown by this package. */
export type AMDBErrorCode =
  /** `openTableOrThrow` or a driver was asked for a table that does not exist. */
  | 'TABLE_NOT_EXIST'
  /** A `Condition` with an unknown operator or a bad `offset`/`limit`. */
  | 'INVALID_CONDITION'
  /** A caller passed a malformed argument (wrong byte length, bad block number, ...). */
  | 'INVALID_ARGUMENT'
  /** `commitBlock` for a block number that does not follow the committed height. */
  | 'BLOCK_NUMBER_MISMATCH'
  /** The block's change set was already committed or discarded. */
  | 'BLOCK_CLOSED'
  /** A driver was used after `close()`. */
  | 'DRIVER_CLOSED'
  /** The database refused or failed an operation (I/O, SQL error, lost connection). */
  | 'STORAGE_FAILURE'
  /** Stored bytes do not decode as AMDB rows. */
  | 'CORRUPT_DATA'
  /** The block's change log reached `changeLogMax` entries. */
  | 'CHANGE_LOG_FULL'
  /** A StateView write that FISCO refuses (value too large for a table field, ...). */
  | 'STATE_WRITE_REJECTED'
  /** `hash()` while `set` writes are pending; `await settle()` first. */
  | 'WRITES_PENDING'

/** Metadata carried by every AMDB error. */
export type AMDBErrorType = {
  code: AMDBErrorCode
  /** The FISCO precompiled code that corresponds, when there is one. */
  fiscoCode?: number
  table?: string
  [key: string]: unknown
}

/** Shorthand for `new ChainError<AMDBErrorType>(...)`. */
export function amdbError(type: AMDBErrorType, message: string, cause?: unknown): ChainError<AMDBErrorType> {
  return new ChainError<AMDBErrorType>(type, message, cause === undefined ? undefined : { cause })
}
