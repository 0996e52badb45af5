import { ChainError } from '@consortia/interface'

/** Error codes thrown by this package. */
export type PermissionErrorCode =
  /** A caller passed a malformed argument (wrong address length, negative block number, ...). */
  | 'INVALID_ARGUMENT'
  /** A guarded table write or table creation was refused; `status` is the receipt status to report. */
  | 'PERMISSION_DENIED'
  /** A table this package owns holds a row it cannot read (e.g. a non-numeric weight). */
  | 'CORRUPT_TABLE'
  /** The underlying table store refused a write this package made (negative FISCO code). */
  | 'STORE_WRITE_FAILED'

/** Metadata carried by permission errors. */
export type PermissionErrorType = {
  code: PermissionErrorCode
  /** Receipt status for the executor (PERMISSION_DENIED). */
  status?: number
  /** FISCO precompiled code that corresponds. */
  fiscoCode?: number
  table?: string
  /** The account whose right was checked, `0x`-hex. */
  actor?: string
  label?: string
}

/** Builds a `ChainError` of this package. */
export function permissionError(
  type: PermissionErrorType,
  message: string,
  cause?: unknown,
): ChainError<PermissionErrorType> {
  return new ChainError(type, message, cause === undefined ? undefined : { cause })
}
