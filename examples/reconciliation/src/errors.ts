import { ChainError } from '@consortia/interface'

/** Errors of the reconciliation app, thrown as `ChainError<ReconErrorType>`. */
export type ReconErrorType =
  /** An input is malformed: `batch line 3: expected "account,amount", got "x"`. */
  | { code: 'RECON_INVALID_INPUT'; field: string; expected: string; got: string }
  /** A batch or account list is larger than the app accepts. */
  | { code: 'RECON_LIMIT_REACHED'; limit: string; max: number; got: number }
  /** A record transaction of a batch failed on chain. */
  | { code: 'RECON_RECORD_FAILED'; batchId: string; account: string; status: number }

/** Every code of `ReconErrorType`. */
export type ReconErrorCode = ReconErrorType['code']

/** The error class the app throws. */
export type ReconError = ChainError<ReconErrorType>

/** Creates an app error. */
export function reconError(type: ReconErrorType, message: string, cause?: unknown): ReconError {
  return new ChainError(type, message, cause === undefined ? undefined : { cause })
}

/** `field: expected X, got Y` as a typed error. */
export function invalidInput(field: string, expected: string, got: string): ReconError {
  return reconError(
    { code: 'RECON_INVALID_INPUT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}

/** True when `err` is an app error (optionally with `code`). */
export function isReconError(err: unknown, code?: ReconErrorCode): err is ReconError {
  return (
    err instanceof ChainError && err.code.startsWith('RECON_') && (code === undefined || err.code === code)
  )
}
