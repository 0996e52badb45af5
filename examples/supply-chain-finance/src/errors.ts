import { ChainError } from '@consortia/interface'

/** Errors of the supply-chain finance app, thrown as `ChainError<FinanceErrorType>`. */
export type FinanceErrorType =
  /** An input is malformed: `amount: expected a positive integer, got "-1"`. */
  | { code: 'FINANCE_INVALID_INPUT'; field: string; expected: string; got: string }
  /** A list is longer than the app accepts. */
  | { code: 'FINANCE_LIMIT_REACHED'; limit: string; max: number; got: number }
  /** A transaction succeeded but did not emit the event the operation reads its result from. */
  | { code: 'FINANCE_NO_EVENT'; event: string; txHash: string }

/** Every code of `FinanceErrorType`. */
export type FinanceErrorCode = FinanceErrorType['code']

/** The error class the app throws. */
export type FinanceError = ChainError<FinanceErrorType>

/** Creates an app error. */
export function financeError(type: FinanceErrorType, message: string, cause?: unknown): FinanceError {
  return new ChainError(type, message, cause === undefined ? undefined : { cause })
}

/** `field: expected X, got Y` as a typed error. */
export function invalidInput(field: string, expected: string, got: string): FinanceError {
  return financeError(
    { code: 'FINANCE_INVALID_INPUT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}

/** True when `err` is an app error (optionally with `code`). */
export function isFinanceError(err: unknown, code?: FinanceErrorCode): err is FinanceError {
  return (
    err instanceof ChainError && err.code.startsWith('FINANCE_') && (code === undefined || err.code === code)
  )
}
