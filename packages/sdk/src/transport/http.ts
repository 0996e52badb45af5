import { type Logger, silentLogger } from '@consortia/interface'
import { isSDKError, type SDKError, sdkError } from '../errors.js'
import { readResponse } from './jsonrpc.js'
import type { RequestOptions, RpcResult, Transport } from './types.js'

/** Most calls one HTTP batch carries; larger batches are split into several POSTs. */
export const httpBatchMax = 100

/** Most bytes of one HTTP response body read before the request fails. */
export const httpResponseBytesMax = 64 * 1024 * 1024

/** Options of `createHttpTransport`. */
export interface HttpTransportInit {
  /** Node RPC URL, e.g. `http://127.0.0.1:8545`. */
  readonly url: string
  /** Per-request timeout. Default 10,000 ms. */
  readonly timeoutMs?: number
  /**
   * Retries after a failed delivery (connection refused, reset, HTTP 5xx, timeout). Default 2.
   * `sendRawTransaction` is retried only when the connection was refused, so a transaction is
   * never sent twice because an answer was slow.
   */
  readonly retries?: number
  /** Delay before the first retry, doubled after each. Default 100 ms. */
  readonly retryDelayMs?: number
  /** Calls per POST for `batch` (≤ `httpBatchMax`). Default `httpBatchMax`. */
  readonly batchMax?: number
  /** Extra HTTP headers. */
  readonly headers?: Readonly<Record<string, string>>
  readonly logger?: Logger
  /** Injected `fetch` (default: the global one). */
  readonly fetch?: typeof fetch
}

const SEND_METHODS = new Set([
  'sendRawTransaction',
  'sendRawTransactionAndGetProof',
  'eth_sendRawTransaction',
])

/**
 * JSON-RPC 2.0 over HTTP POST with timeouts, retries and batches (FISCO HTTP port, default 8545).
 *
 * @example
 * ```ts
 * const transport = createHttpTransport({ url: 'http://127.0.0.1:8545', timeoutMs: 5000 })
 * await transport.request('getBlockNumber', [1]) // '0x1f'
 * ```
 */
export function createHttpTransport(init: HttpTransportInit): Transport {
  const url = new URL(init.url)
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw sdkError(
      { code: 'SDK_INVALID_INPUT', field: 'url', expected: 'an http(s) URL', got: init.url },
      `url: expected an http(s) URL, got ${init.url}`,
    )
  }
  const timeoutMs = init.timeoutMs ?? 10_000
  const retries = init.retries ?? 2
  const retryDelayMs = init.retryDelayMs ?? 100
  const batchMax = Math.min(init.batchMax ?? httpBatchMax, httpBatchMax)
  const log = (init.logger ?? silentLogger).child({ component: 'sdk-http' })
  const doFetch = init.fetch ?? fetch
  let nextId = 1
  let closed = false
  const controllers = new Set<AbortController>()

  async function postOnce(body: unknown, label: string, ms: number): Promise<unknown> {
    const controller = new AbortController()
    controllers.add(controller)
    const timer = setTimeout(() => controller.abort(new Error('timeout')), ms)
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...init.headers },
        body: JSON.stringify(body),
        signal: controller.signal,
      })
      const text = await readBody(res, label)
      if (res.status >= 500) throw deliveryError(label, `HTTP ${res.status}`, true)
      if (res.status !== 200) throw deliveryError(label, `HTTP ${res.status}`, false)
      try {
        return JSON.parse(text)
      } catch {
        throw deliveryError(label, 'response is not JSON', false)
      }
    } catch (err) {
      if (isSDKError(err)) throw err
      if (closed)
        throw sdkError({ code: 'SDK_TRANSPORT_CLOSED', method: label }, `${label}: transport closed`)
      if (controller.signal.aborted) {
        throw sdkError(
          { code: 'SDK_TIMEOUT', method: label, timeoutMs: ms },
          `${label}: no answer within ${ms} ms`,
        )
      }
      const cause = (err as { cause?: { code?: string } }).cause
      const refused = cause?.code === 'ECONNREFUSED'
      throw Object.assign(deliveryError(label, cause?.code ?? (err as Error).message, true), { refused })
    } finally {
      clearTimeout(timer)
      controllers.delete(controller)
    }
  }

  async function post(
    body: unknown,
    label: string,
    methods: readonly string[],
    options?: RequestOptions,
  ): Promise<unknown> {
    const ms = options?.timeoutMs ?? timeoutMs
    const sends = methods.some((m) => SEND_METHODS.has(m))
    let delay = retryDelayMs
    for (let attempt = 0; ; attempt++) {
      if (closed)
        throw sdkError({ code: 'SDK_TRANSPORT_CLOSED', method: label }, `${label}: transport closed`)
      try {
        return await postOnce(body, label, ms)
      } catch (err) {
        const retryable = isSDKError(err, 'SDK_TIMEOUT')
          ? !sends
          : (err as { retryable?: boolean }).retryable === true &&
            (!sends || (err as { refused?: boolean }).refused === true)
        if (!retryable || attempt >= retries) throw err
        log.debug('rpc retry', { method: label, attempt: attempt + 1, reason: (err as Error).message })
        await new Promise((r) => setTimeout(r, delay))
        delay *= 2
      }
    }
  }

  return {
    kind: 'http',
    async request(method, params, options) {
      const id = nextId++
      const response = await post({ jsonrpc: '2.0', method, params, id }, method, [method], options)
      const result = readResponse(method, response)
      if (!result.ok) throw result.error
      return result.result
    },
    async batch(requests, options) {
      const out: RpcResult[] = []
      for (let start = 0; start < requests.length; start += batchMax) {
        const chunk = requests.slice(start, start + batchMax)
        const ids = chunk.map(() => nextId++)
        const body = chunk.map((r, i) => ({ jsonrpc: '2.0', method: r.method, params: r.params, id: ids[i] }))
        const label = `batch(${chunk.length})`
        const response = await post(
          body,
          label,
          chunk.map((r) => r.method),
          options,
        )
        if (!Array.isArray(response)) {
          // A node that refuses batches answers one error object.
          const single = readResponse(label, response)
          const error = single.ok
            ? sdkError(
                { code: 'SDK_TRANSPORT_FAILED', method: label, reason: 'batch answered by a non-array' },
                `${label}: node answered a batch with a non-array`,
              )
            : single.error
          for (let i = 0; i < chunk.length; i++) out.push({ ok: false, error })
          continue
        }
        const byId = new Map<unknown, unknown>()
        for (const r of response)
          if (typeof r === 'object' && r !== null) byId.set((r as { id?: unknown }).id, r)
        chunk.forEach((r, i) => {
          const answer = byId.get(ids[i])
          if (answer === undefined) {
            out.push({
              ok: false,
              error: sdkError(
                { code: 'SDK_TRANSPORT_FAILED', method: r.method, reason: 'no answer in batch' },
                `${r.method}: the batch response has no answer with id ${ids[i]}`,
              ),
            })
          } else out.push(readResponse(r.method, answer))
        })
      }
      return out
    },
    async close() {
      closed = true
      for (const c of controllers) c.abort(new Error('closed'))
    },
  }
}

function deliveryError(method: string, reason: string, retryable: boolean): SDKError {
  return Object.assign(
    sdkError({ code: 'SDK_TRANSPORT_FAILED', method, reason }, `${method}: request failed: ${reason}`),
    { retryable },
  )
}

async function readBody(res: Response, label: string): Promise<string> {
  const length = Number(res.headers.get('content-length') ?? '0')
  if (length > httpResponseBytesMax) {
    throw deliveryError(
      label,
      `response of ${length} bytes over httpResponseBytesMax (${httpResponseBytesMax})`,
      false,
    )
  }
  const text = await res.text()
  if (text.length > httpResponseBytesMax) {
    throw deliveryError(label, `response over httpResponseBytesMax (${httpResponseBytesMax})`, false)
  }
  return text
}
