import type { Logger } from '@consortia/interface'
import type { NodeBackend } from '../rpc/backend.js'
import { handleRpcBody } from '../rpc/methods.js'
import { explorerError } from './errors.js'

/** Answers one JSON-RPC request body (single or batch) with the JSON answer text. */
export type RpcForwarder = (body: string) => Promise<string>

/** Default time a remote node has to answer a forwarded request (ms). */
export const EXPLORER_UPSTREAM_TIMEOUT_MS = 10_000
/** Largest answer read from a remote node (bytes); larger ones are refused. */
export const EXPLORER_UPSTREAM_BYTES_MAX = 16 * 1024 * 1024

/**
 * Forwards to this node's own JSON-RPC backend in process (what `consortia start` uses): no
 * socket, same methods and limits as the node's RPC port.
 */
export function createBackendForwarder(node: NodeBackend, logger?: Logger): RpcForwarder {
  const ctx = logger === undefined ? { node } : { node, logger }
  return (body) => handleRpcBody(body, ctx)
}

/** Options of `createHttpForwarder`. */
export interface HttpForwarderOptions {
  /** Time the node has to answer (ms); default `EXPLORER_UPSTREAM_TIMEOUT_MS`. */
  readonly timeoutMs?: number
}

/**
 * Forwards to any node's FISCO JSON-RPC over HTTP (`http://host:port`). A node that is down, slow
 * or answers non-JSON rejects with `EXPLORER_UPSTREAM`, which the server turns into a 502 the
 * page shows as its error state.
 */
export function createHttpForwarder(url: string, options: HttpForwarderOptions = {}): RpcForwarder {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    throw explorerError(
      { code: 'EXPLORER_INVALID_INPUT', field: 'url', expected: 'an http:// URL of a node', got: url },
      `url: expected an http:// URL of a node, got ${url}`,
    )
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw explorerError(
      { code: 'EXPLORER_INVALID_INPUT', field: 'url', expected: 'an http:// URL of a node', got: url },
      `url: expected an http:// URL of a node, got ${url}`,
    )
  }
  const timeoutMs = options.timeoutMs ?? EXPLORER_UPSTREAM_TIMEOUT_MS
  const fail = (reason: string, cause?: unknown) =>
    explorerError({ code: 'EXPLORER_UPSTREAM', target: url, reason }, `${url}: ${reason}`, cause)
  return async (body) => {
    let response: Response
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause
      throw fail(cause?.code ?? (err instanceof Error ? err.message : String(err)), err)
    }
    const declared = Number(response.headers.get('content-length') ?? '0')
    if (declared > EXPLORER_UPSTREAM_BYTES_MAX) {
      await response.body?.cancel()
      throw fail(`answer of ${declared} bytes is over ${EXPLORER_UPSTREAM_BYTES_MAX}`)
    }
    const text = await response.text()
    if (text.length > EXPLORER_UPSTREAM_BYTES_MAX) {
      throw fail(`answer over ${EXPLORER_UPSTREAM_BYTES_MAX} bytes`)
    }
    try {
      JSON.parse(text)
    } catch {
      throw fail(`HTTP ${response.status} answer is not JSON`)
    }
    return text
  }
}
