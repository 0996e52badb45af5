import { ChainError } from '@consortia/interface'

/** Errors of the explorer server (never sent to browsers as is: they get JSON-RPC errors). */
export type ExplorerErrorType =
  /** The node's JSON-RPC did not answer (stopped, unreachable, timed out, or a non-JSON reply). */
  | { readonly code: 'EXPLORER_UPSTREAM'; readonly target: string; readonly reason: string }
  /** The explorer's HTTP port cannot be bound. */
  | { readonly code: 'EXPLORER_LISTEN_FAILED'; readonly host: string; readonly port: number }
  /** An option of the explorer server is out of range. */
  | {
      readonly code: 'EXPLORER_INVALID_INPUT'
      readonly field: string
      readonly expected: string
      readonly got: string
    }

/** Codes of `ExplorerErrorType`. */
export type ExplorerErrorCode = ExplorerErrorType['code']

/** A typed error of the explorer server. */
export type ExplorerError = ChainError<ExplorerErrorType>

/** Builds an `ExplorerError`. */
export function explorerError(type: ExplorerErrorType, message: string, cause?: unknown): ExplorerError {
  return new ChainError(type, message, cause === undefined ? undefined : { cause })
}

/** True for an `ExplorerError`, optionally with the given code. */
export function isExplorerError(err: unknown, code?: ExplorerErrorCode): err is ExplorerError {
  return (
    err instanceof ChainError &&
    err.type.code.startsWith('EXPLORER_') &&
    (code === undefined || err.type.code === code)
  )
}
