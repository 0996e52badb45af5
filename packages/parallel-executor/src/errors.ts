import { ChainError } from '@consortia/interface'

/** Codes of the errors this package throws (programmer and wiring errors; transaction failures become receipts). */
export type ExecutorErrorCode =
  | 'INVALID_ARGUMENT'
  | 'MISSING_COMPONENT'
  | 'PRECOMPILE_ADDRESS_TAKEN'
  | 'UNSUPPORTED_STATE_OPERATION'
  | 'TABLE_REPLAY_MISMATCH'
  | 'INVARIANT_VIOLATED'
  | 'WORKER_FAILED'
  | 'EXECUTOR_CLOSED'

/** The error type of @consortia/parallel-executor. */
export type ExecutorError = ChainError<{ code: ExecutorErrorCode } & Record<string, unknown>>

/** Builds an `ExecutorError` with a code, a message and structured metadata. */
export function executorError(
  code: ExecutorErrorCode,
  message: string,
  metadata: Record<string, unknown> = {},
): ExecutorError {
  return new ChainError({ code, ...metadata }, message)
}
