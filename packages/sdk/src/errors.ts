import { ChainError, TxStatus } from '@consortia/interface'

/**
 * Every error `@consortia/sdk` throws, as `ChainError<SDKErrorType>`: branch on `err.type.code`.
 * Chain failures carry the FISCO status code (`status`, `statusName`) and, when the output holds
 * one, the decoded revert reason (`Error(string)`) or panic code (`Panic(uint256)`).
 */
export type SDKErrorType =
  /** A caller passed a value of the wrong shape (labelled: field, expected, got). */
  | { code: 'SDK_INVALID_INPUT'; field: string; expected: string; got: string }
  /** The node answered a JSON-RPC error object (`rpcCode`: −32xxx or FISCO −40xxx). */
  | { code: 'SDK_RPC_ERROR'; method: string; rpcCode: number; rpcMessage: string; data?: unknown }
  /** No answer within `timeoutMs`. */
  | { code: 'SDK_TIMEOUT'; method: string; timeoutMs: number }
  /** The transport could not deliver the request (connection refused, HTTP status, bad JSON). */
  | { code: 'SDK_TRANSPORT_FAILED'; method: string; reason: string }
  /** The transport was closed before or while the request ran. */
  | { code: 'SDK_TRANSPORT_CLOSED'; method: string }
  /** A channel frame came back with a non-zero result (100 node unreachable, 101, 102 timeout, 103). */
  | { code: 'SDK_CHANNEL_RESULT'; type: number; result: number }
  /** A malformed channel frame (length over the limit, short header). */
  | { code: 'SDK_CHANNEL_FRAME'; reason: string }
  /** The node refused a transaction at admission (status from the error message or data). */
  | { code: 'SDK_TX_REJECTED'; status: number; statusName: string; rpcMessage: string }
  /** A committed transaction whose receipt status is not 0. */
  | {
      code: 'SDK_TX_FAILED'
      status: number
      statusName: string
      txHash: string
      blockNumber: number
      revertReason?: string
      panicCode?: bigint
    }
  /** A read-only `call` whose status is not 0. */
  | { code: 'SDK_CALL_FAILED'; status: number; statusName: string; revertReason?: string; panicCode?: bigint }
  /** A precompiled contract answered a negative code (fisco-2x.md §3.3). */
  | { code: 'SDK_PRECOMPILED_ERROR'; precompiledCode: number; contract: string; method: string }
  /** No receipt arrived within `timeoutMs`. */
  | { code: 'SDK_RECEIPT_TIMEOUT'; txHash: string; timeoutMs: number }
  /** ABI encoding or decoding failed (unknown function, wrong arguments, bad output). */
  | { code: 'SDK_ABI_ERROR'; reason: string }
  /** A bounded queue or table is full (`limit` names the `…Max` constant). */
  | { code: 'SDK_LIMIT_REACHED'; limit: string; max: number }
  /** An operation needs an account and none was given. */
  | { code: 'SDK_NO_ACCOUNT'; operation: string }
  /** The operation needs the channel transport (AMOP, event push). */
  | { code: 'SDK_UNSUPPORTED'; operation: string; reason: string }

/** Every code of `SDKErrorType`. */
export type SDKErrorCode = SDKErrorType['code']

/** A `ChainError` of this package. */
export type SDKError = ChainError<SDKErrorType>

/** Creates an SDK error. */
export function sdkError(type: SDKErrorType, message: string, cause?: unknown): SDKError {
  return new ChainError<SDKErrorType>(type, message, cause === undefined ? undefined : { cause })
}

/** A labelled input error: `expected 20-byte address, got 19 bytes`. */
export function invalidInput(field: string, expected: string, got: string): SDKError {
  return sdkError(
    { code: 'SDK_INVALID_INPUT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}

/** True when `err` is an SDK error, optionally with the given code (narrows the type). */
export function isSDKError<C extends SDKErrorCode>(
  err: unknown,
  code?: C,
): err is ChainError<Extract<SDKErrorType, { code: C }>> {
  return (
    err instanceof ChainError &&
    typeof err.type.code === 'string' &&
    err.type.code.startsWith('SDK_') &&
    (code === undefined || err.type.code === code)
  )
}

const statusNames = new Map<number, string>(Object.entries(TxStatus).map(([name, code]) => [code, name]))

/** The FISCO name of a transaction/receipt status (`16` → `BlockLimitCheckFail`). */
export function txStatusName(status: number): string {
  return statusNames.get(status) ?? `Status${status}`
}

/**
 * The FISCO status a refusal message names, e.g. `TransactionNonceCheckFail` → 15,
 * `BlockLimitCheckFail` → 16; `undefined` when it names none. The reference node puts the
 * reason into the JSON-RPC error message (interop.md §1.3 item 4).
 */
export function statusFromMessage(message: string): number | undefined {
  let best: { code: number; length: number } | undefined
  for (const [code, name] of statusNames) {
    if (code === 0) continue
    if (message.includes(name) && (best === undefined || name.length > best.length))
      best = { code, length: name.length }
  }
  return best?.code
}

/** Describes a value for a labelled error message. */
export function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`
  if (typeof value === 'string')
    return value.length > 40 ? `a ${value.length}-char string` : JSON.stringify(value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of ${value.length}`
  return typeof value
}
