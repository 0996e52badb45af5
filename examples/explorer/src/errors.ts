import { ChainError } from '@consortia/interface'

/** Errors of the explorer app's data layer, thrown as `ChainError<ExplorerAppErrorType>`. */
export type ExplorerAppErrorType =
  /** The explorer server or the node behind it did not answer (the page shows its error state). */
  | { readonly code: 'EXPLORER_UNREACHABLE'; readonly url: string; readonly reason: string }
  /** The node answered a JSON-RPC error. */
  | {
      readonly code: 'EXPLORER_RPC'
      readonly method: string
      readonly rpcCode: number
      readonly reason: string
    }
  /** A value from the user or the node has the wrong shape: `expected 32-byte hash, got 31`. */
  | {
      readonly code: 'EXPLORER_INVALID_INPUT'
      readonly field: string
      readonly expected: string
      readonly got: string
    }
  /** An ABI could not be parsed or does not fit the data. */
  | { readonly code: 'EXPLORER_ABI'; readonly reason: string }

/** Codes of `ExplorerAppErrorType`. */
export type ExplorerAppErrorCode = ExplorerAppErrorType['code']

/** A typed error of the explorer app. */
export type ExplorerAppError = ChainError<ExplorerAppErrorType>

/** Builds an `ExplorerAppError`. */
export function explorerAppError(
  type: ExplorerAppErrorType,
  message: string,
  cause?: unknown,
): ExplorerAppError {
  return new ChainError(type, message, cause === undefined ? undefined : { cause })
}

/** True for an `ExplorerAppError`, optionally with the given code. */
export function isExplorerAppError(err: unknown, code?: ExplorerAppErrorCode): err is ExplorerAppError {
  return (
    err instanceof ChainError &&
    err.type.code.startsWith('EXPLORER_') &&
    (code === undefined || err.type.code === code)
  )
}

const show = (v: unknown) => {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))
  return s.length > 40 ? `${s.slice(0, 37)}...` : s
}

/** `field: expected X, got Y` as a typed error. */
export function invalidInput(field: string, expected: string, got: unknown): ExplorerAppError {
  return explorerAppError(
    { code: 'EXPLORER_INVALID_INPUT', field, expected, got: show(got) },
    `${field}: expected ${expected}, got ${show(got)}`,
  )
}
