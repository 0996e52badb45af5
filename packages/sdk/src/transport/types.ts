import type { SDKError } from '../errors.js'

/** One JSON-RPC call: method and positional params. */
export interface RpcRequest {
  readonly method: string
  readonly params: readonly unknown[]
}

/** The outcome of one call inside a batch. */
export type RpcResult =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: SDKError }

/** Per-call options. */
export interface RequestOptions {
  /** Overrides the transport's `timeoutMs` for this call. */
  readonly timeoutMs?: number
}

/**
 * How the client reaches a node: JSON-RPC 2.0 over HTTP, or the same JSON inside channel
 * `0x12` frames over TLS. Both reject with `ChainError<SDKErrorType>`.
 */
export interface Transport {
  /** `http` or `channel`. */
  readonly kind: 'http' | 'channel'
  /** One call; resolves with `result`, rejects with `SDK_RPC_ERROR`, `SDK_TIMEOUT`, … */
  request(method: string, params: readonly unknown[], options?: RequestOptions): Promise<unknown>
  /** Several calls; results come back in request order whatever order the node answered in. */
  batch(requests: readonly RpcRequest[], options?: RequestOptions): Promise<RpcResult[]>
  /** Releases sockets and timers; later calls reject with `SDK_TRANSPORT_CLOSED`. */
  close(): Promise<void>
}

/** A JSON-RPC error object. */
export interface RpcErrorObject {
  readonly code: number
  readonly message: string
  readonly data?: unknown
}
