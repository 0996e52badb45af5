import { type SDKError, sdkError } from '../errors.js'
import type { RpcErrorObject, RpcResult } from './types.js'

/** Turns a JSON-RPC error object into an `SDK_RPC_ERROR`. */
export function rpcError(method: string, error: RpcErrorObject): SDKError {
  return sdkError(
    {
      code: 'SDK_RPC_ERROR',
      method,
      rpcCode: error.code,
      rpcMessage: error.message,
      ...(error.data !== undefined ? { data: error.data } : {}),
    },
    `${method}: node answered error ${error.code}: ${error.message}`,
  )
}

function isErrorObject(value: unknown): value is RpcErrorObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'number' &&
    typeof (value as { message?: unknown }).message === 'string'
  )
}

/** Reads one JSON-RPC response object for `method`. */
export function readResponse(method: string, response: unknown): RpcResult {
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    return {
      ok: false,
      error: sdkError(
        { code: 'SDK_TRANSPORT_FAILED', method, reason: 'response is not a JSON object' },
        `${method}: response is not a JSON-RPC object`,
      ),
    }
  }
  const r = response as { result?: unknown; error?: unknown }
  if (r.error !== undefined && r.error !== null) {
    if (isErrorObject(r.error)) return { ok: false, error: rpcError(method, r.error) }
    return {
      ok: false,
      error: sdkError(
        { code: 'SDK_TRANSPORT_FAILED', method, reason: 'malformed error object' },
        `${method}: malformed JSON-RPC error object`,
      ),
    }
  }
  if (!('result' in r)) {
    return {
      ok: false,
      error: sdkError(
        { code: 'SDK_TRANSPORT_FAILED', method, reason: 'no result and no error' },
        `${method}: response has neither result nor error`,
      ),
    }
  }
  return { ok: true, result: r.result }
}
