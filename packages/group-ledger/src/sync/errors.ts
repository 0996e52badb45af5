import { ChainError } from '@consortia/interface'

/**
 * Errors of block and transaction sync, thrown as `ChainError<SyncErrorType>`. A bad packet
 * or block from a peer is NOT an error: it is refused, counted and the peer penalised.
 * These are for wrong wiring and misuse.
 */
export type SyncErrorType =
  /** A caller passed a value of the wrong shape: `requestBlocksMax: expected an integer in 1..256, got 0`. */
  { code: 'SYNC_INVALID_INPUT'; field: string; expected: string; got: string }

/** Every code of `SyncErrorType`. */
export type SyncErrorCode = SyncErrorType['code']

/** Shorthand for the error class this module throws. */
export type SyncError = ChainError<SyncErrorType>

/** True when `err` is a sync error (optionally with `code`). */
export function isSyncError(err: unknown, code?: SyncErrorCode): err is SyncError {
  return (
    err instanceof ChainError && err.code.startsWith('SYNC_') && (code === undefined || err.code === code)
  )
}

/** `field: expected X, got Y` as a typed error. */
export function syncInvalidInput(field: string, expected: string, got: string): SyncError {
  return new ChainError(
    { code: 'SYNC_INVALID_INPUT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}

/** Checks an integer option in `[min, max]` and returns it (or the default when undefined). */
export function intOption(
  field: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw syncInvalidInput(field, `an integer in ${min}..${max}`, String(value))
  }
  return v
}
