import { explorerAppError } from './errors.js'

/** Most requests in one JSON-RPC batch the app sends. */
export const RPC_BATCH_MAX = 100
/** Time the explorer server has to answer one request (ms). */
export const RPC_TIMEOUT_MS = 15_000

/** One call of a batch. */
export interface RpcRequest {
  readonly method: string
  readonly params: readonly unknown[]
}

/** The app's JSON-RPC client (FISCO methods, group first in `params`). */
export interface ExplorerRpc {
  /** One call; rejects with `EXPLORER_RPC` or `EXPLORER_UNREACHABLE`. */
  call<T>(method: string, params: readonly unknown[]): Promise<T>
  /** Several calls in one HTTP request; each entry is the result or the error of its call. */
  batch(requests: readonly RpcRequest[]): Promise<(unknown | Error)[]>
}

interface RpcAnswer {
  readonly id?: unknown
  readonly result?: unknown
  readonly error?: { readonly code?: number; readonly message?: string }
}

/** Options of `createExplorerRpc`. */
export interface ExplorerRpcInit {
  /** Where the explorer server answers JSON-RPC; default `/rpc` of the page's origin. */
  readonly url?: string
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch
  readonly timeoutMs?: number
}

/**
 * A JSON-RPC client over the explorer server's `/rpc`. A network failure, a timeout, a 502 from
 * the server (node down) or a non-JSON answer is `EXPLORER_UNREACHABLE`; a JSON-RPC error
 * answer is `EXPLORER_RPC` with the node's code and message.
 */
export function createExplorerRpc(init: ExplorerRpcInit = {}): ExplorerRpc {
  const url = init.url ?? '/rpc'
  const doFetch = init.fetch ?? ((input, options) => fetch(input, options))
  const timeoutMs = init.timeoutMs ?? RPC_TIMEOUT_MS
  let nextId = 1
  const unreachable = (reason: string, cause?: unknown) =>
    explorerAppError(
      { code: 'EXPLORER_UNREACHABLE', url, reason },
      `the node cannot be reached: ${reason}`,
      cause,
    )

  const post = async (body: unknown): Promise<unknown> => {
    let response: Response
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (err) {
      throw unreachable(err instanceof Error ? err.message : String(err), err)
    }
    let parsed: unknown
    try {
      parsed = await response.json()
    } catch (err) {
      throw unreachable(`HTTP ${response.status}, answer is not JSON`, err)
    }
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      const message = (parsed as RpcAnswer).error?.message ?? `HTTP ${response.status}`
      throw unreachable(message)
    }
    return parsed
  }

  const rpcError = (method: string, error: NonNullable<RpcAnswer['error']>) =>
    explorerAppError(
      { code: 'EXPLORER_RPC', method, rpcCode: error.code ?? 0, reason: error.message ?? 'error' },
      `${method}: ${error.message ?? 'error'} (${error.code ?? 0})`,
    )

  return {
    async call<T>(method: string, params: readonly unknown[]): Promise<T> {
      const answer = (await post({ jsonrpc: '2.0', id: nextId++, method, params })) as RpcAnswer
      if (answer.error !== undefined) throw rpcError(method, answer.error)
      return answer.result as T
    },
    async batch(requests) {
      if (requests.length === 0) return []
      if (requests.length > RPC_BATCH_MAX) {
        throw explorerAppError(
          {
            code: 'EXPLORER_INVALID_INPUT',
            field: 'batch',
            expected: `at most ${RPC_BATCH_MAX} calls`,
            got: String(requests.length),
          },
          `batch: expected at most ${RPC_BATCH_MAX} calls, got ${requests.length}`,
        )
      }
      const first = nextId
      nextId += requests.length
      const answers = await post(
        requests.map((r, i) => ({ jsonrpc: '2.0', id: first + i, method: r.method, params: r.params })),
      )
      if (!Array.isArray(answers)) {
        const single = answers as RpcAnswer
        throw single.error === undefined
          ? unreachable('batch answer is not an array')
          : rpcError('batch', single.error)
      }
      const byId = new Map<unknown, RpcAnswer>()
      for (const a of answers as RpcAnswer[]) byId.set(a.id, a)
      return requests.map((r, i) => {
        const a = byId.get(first + i)
        if (a === undefined) return rpcError(r.method, { code: 0, message: 'no answer in the batch' })
        return a.error === undefined ? a.result : rpcError(r.method, a.error)
      })
    },
  }
}
