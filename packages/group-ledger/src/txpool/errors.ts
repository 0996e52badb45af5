import { ChainError } from '@consortia/interface'

/**
 * Operating and programmer errors of the transaction pool, thrown as
 * `ChainError<TxPoolErrorType>`. A refused transaction is NOT an error: it is a typed
 * `AdmitResult` with a FISCO status code. These errors are for bad configuration, a closed
 * pool, a journal that cannot be written and a nonce window fed out of order.
 */
export type TxPoolErrorType =
  /** A caller passed a value of the wrong shape: `txCountMax: expected a positive integer, got -1`. */
  | { code: 'TXPOOL_INVALID_INPUT'; field: string; expected: string; got: string }
  /** `submitMany` got more items than `submitBatchMax`. */
  | { code: 'TXPOOL_BATCH_TOO_LARGE'; count: number; submitBatchMax: number }
  /** The pool was closed. */
  | { code: 'TXPOOL_CLOSED' }
  /** The journal store failed; the operation's transactions were not accepted (append) or stay journaled (remove). */
  | { code: 'TXPOOL_JOURNAL_FAILED'; operation: 'append' | 'remove' | 'replay'; count: number }
  /** A journal record does not parse (wrong version byte or length). */
  | { code: 'TXPOOL_JOURNAL_CORRUPT'; key: string; reason: string }
  /** `addBlock` was given a block that does not follow the window's last block. */
  | { code: 'NONCE_WINDOW_NOT_NEXT'; expected: number; got: number }
  /** The block source has no nonces for a block the window must hold. */
  | { code: 'NONCE_WINDOW_SOURCE_MISSING'; blockNumber: number }

/** Every code of `TxPoolErrorType`. */
export type TxPoolErrorCode = TxPoolErrorType['code']

/** Shorthand for the error class this module throws. */
export type TxPoolError = ChainError<TxPoolErrorType>

const TXPOOL_CODES: Readonly<Record<TxPoolErrorCode, true>> = {
  TXPOOL_INVALID_INPUT: true,
  TXPOOL_BATCH_TOO_LARGE: true,
  TXPOOL_CLOSED: true,
  TXPOOL_JOURNAL_FAILED: true,
  TXPOOL_JOURNAL_CORRUPT: true,
  NONCE_WINDOW_NOT_NEXT: true,
  NONCE_WINDOW_SOURCE_MISSING: true,
}

/** True when `err` is an error of the transaction pool, optionally with the given code. */
export function isTxPoolError(err: unknown, code?: TxPoolErrorCode): err is TxPoolError {
  if (!(err instanceof ChainError) || !Object.hasOwn(TXPOOL_CODES, err.type.code)) return false
  return code === undefined || err.type.code === code
}

/** Creates a transaction-pool error with a readable message. */
export function txPoolError(type: TxPoolErrorType, message: string, cause?: unknown): TxPoolError {
  return new ChainError<TxPoolErrorType>(type, message, cause === undefined ? undefined : { cause })
}

/** Describes a value for a labelled input error: `Uint8Array(31)`, `number -1`, `undefined`. */
export function describeValue(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`
  if (value === null) return 'null'
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object'
  return `${typeof value} ${String(value)}`
}

/** A labelled input error: `txCountMax: expected a positive integer, got number -1`. */
export function invalidInput(field: string, expected: string, value: unknown): TxPoolError {
  const got = describeValue(value)
  return txPoolError(
    { code: 'TXPOOL_INVALID_INPUT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}

/** Checks an integer option in [min, max] and returns it (or the fallback when absent). */
export function intOption(
  value: number | undefined,
  fallback: number,
  field: string,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const v = value ?? fallback
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw invalidInput(field, `an integer in [${min}, ${max}]`, v)
  }
  return v
}
