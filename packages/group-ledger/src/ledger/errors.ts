import { ChainError } from '@consortia/interface'

/**
 * Errors of the ledger (block store and consensus driver), thrown as `ChainError<LedgerErrorType>`.
 * A bad block or message from a peer is NOT an error: it is refused and counted. These are
 * for wrong wiring, corrupt storage and misuse.
 */
export type LedgerErrorType =
  /** A caller passed a value of the wrong shape: `tickMs: expected a positive integer, got 0`. */
  | { code: 'LEDGER_INVALID_INPUT'; field: string; expected: string; got: string }
  /** Stored ledger rows do not parse or contradict each other. */
  | { code: 'LEDGER_CORRUPT'; table: string; key: string; reason: string }
  /** A block was written out of order (its number is not head + 1 or its parent is not the head). */
  | { code: 'LEDGER_NOT_NEXT'; expected: number; got: number }
  /** The engine decided a block this node cannot execute or that does not match what it executed. */
  | { code: 'LEDGER_COMMIT_FAILED'; number: number; reason: string }
  /** A failpoint armed with action `throw` fired (crash tests; see `FAILPOINT_NAMES`). */
  | { code: 'LEDGER_FAILPOINT'; name: string; hit: number }

/** Every code of `LedgerErrorType`. */
export type LedgerErrorCode = LedgerErrorType['code']

/** Shorthand for the error class this module throws. */
export type LedgerError = ChainError<LedgerErrorType>

/** Creates a ledger error. */
export function ledgerError(type: LedgerErrorType, message: string, cause?: unknown): LedgerError {
  return new ChainError(type, message, cause === undefined ? undefined : { cause })
}

/** True when `err` is a ledger error (optionally with `code`). */
export function isLedgerError(err: unknown, code?: LedgerErrorCode): err is LedgerError {
  return (
    err instanceof ChainError && err.code.startsWith('LEDGER_') && (code === undefined || err.code === code)
  )
}

/** `field: expected X, got Y` as a typed error. */
export function ledgerInvalidInput(field: string, expected: string, got: string): LedgerError {
  return ledgerError(
    { code: 'LEDGER_INVALID_INPUT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}
