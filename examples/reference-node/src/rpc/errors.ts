import { ChainError } from '@consortia/interface'

/** Errors of the RPC and channel servers (never sent to clients as is: clients get JSON-RPC errors). */
export type RpcErrorType =
  | {
      readonly code: 'RPC_INVALID_INPUT'
      readonly field: string
      readonly expected: string
      readonly got: string
    }
  | { readonly code: 'RPC_LIMIT'; readonly limit: string; readonly max: number }
  | { readonly code: 'RPC_LISTEN_FAILED'; readonly host: string; readonly port: number }
  | { readonly code: 'CHANNEL_FRAME_INVALID'; readonly reason: string }
  | { readonly code: 'CHANNEL_TLS_INVALID'; readonly reason: string }

/** Codes of `RpcErrorType`. */
export type RpcErrorCode = RpcErrorType['code']

/** A typed error of the RPC and channel servers. */
export type RpcError = ChainError<RpcErrorType>

/** Builds an `RpcError`. */
export function rpcError(type: RpcErrorType, message: string, cause?: unknown): RpcError {
  return new ChainError(type, message, cause === undefined ? undefined : { cause })
}

/** True for an `RpcError`, optionally with the given code. */
export function isRpcError(err: unknown, code?: RpcErrorCode): err is RpcError {
  return (
    err instanceof ChainError && (code === undefined || err.type.code === code) && isRpcCode(err.type.code)
  )
}

function isRpcCode(code: string): code is RpcErrorCode {
  return code.startsWith('RPC_') || code.startsWith('CHANNEL_')
}
