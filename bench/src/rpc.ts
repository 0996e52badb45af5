/** A small FISCO JSON-RPC client over HTTP, with batches (what the load generator sends). */
import { Agent, request } from 'node:http'

/** Longest one request may take. */
export const RPC_TIMEOUT_MS = 30_000

/** Most requests in one batch (the reference node answers at most 100). */
export const RPC_BATCH_MAX = 100

/** A JSON-RPC answer: a result or an error. */
export type RpcAnswer = { readonly result: unknown } | { readonly error: { code: number; message: string } }

/** Calls `method` on `url`; throws on a JSON-RPC error or a transport failure. */
export async function rpcCall<T>(url: string, method: string, params: readonly unknown[] = []): Promise<T> {
  const [answer] = await rpcBatch(url, [{ method, params }])
  if (answer === undefined) throw new Error(`${method}: empty answer from ${url}`)
  if ('error' in answer) throw new Error(`${method}: ${answer.error.message} (${answer.error.code})`)
  return answer.result as T
}

/** Sends `calls` as one batch; answers come back in the order of `calls`. */
export async function rpcBatch(
  url: string,
  calls: readonly { readonly method: string; readonly params: readonly unknown[] }[],
): Promise<RpcAnswer[]> {
  return rpcBatchEncoded(url, encodeRpcBatch(calls), calls.length)
}

/**
 * The request body of `calls` (a single request when there is one, else a batch, ids = index),
 * so a load generator can build its bodies before the clock starts.
 */
export function encodeRpcBatch(
  calls: readonly { readonly method: string; readonly params: readonly unknown[] }[],
): string {
  if (calls.length === 0 || calls.length > RPC_BATCH_MAX)
    throw new RangeError(`rpcBatch: expected 1..${RPC_BATCH_MAX} calls, got ${calls.length}`)
  const body = calls.map((c, id) => ({ jsonrpc: '2.0', id, method: c.method, params: c.params }))
  return JSON.stringify(calls.length === 1 ? body[0] : body)
}

/**
 * Sends a body built beforehand (`encodeRpcBatch`, or a batch of `count` calls with ids
 * `firstId`…`firstId + count − 1`); answers come back in call order.
 */
export async function rpcBatchEncoded(
  url: string,
  body: string,
  count: number,
  firstId = 0,
): Promise<RpcAnswer[]> {
  const { status, text } = await httpPost(url, body)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(`${url}: expected a JSON-RPC answer, got HTTP ${status} "${text.slice(0, 120)}"`)
  }
  const list = (Array.isArray(parsed) ? parsed : [parsed]) as {
    id: number
    result?: unknown
    error?: RpcErrorBody
  }[]
  if (!Number.isSafeInteger(count) || count < 1 || count > RPC_BATCH_MAX)
    throw new RangeError(`rpcBatch: expected 1..${RPC_BATCH_MAX} calls, got ${count}`)
  const out: RpcAnswer[] = new Array(count)
  for (const a of list) {
    const slot =
      typeof a.id === 'number' && a.id >= firstId && a.id < firstId + count ? a.id - firstId : undefined
    const answer: RpcAnswer = a.error !== undefined ? { error: a.error } : { result: a.result }
    if (slot !== undefined) out[slot] = answer
    else if (a.error !== undefined && list.length === 1) return Array.from({ length: count }, () => answer)
  }
  for (let i = 0; i < out.length; i++)
    out[i] ??= { error: { code: -32603, message: `no answer for request ${i} of the batch` } }
  return out
}

interface RpcErrorBody {
  code: number
  message: string
}

/**
 * Most connections per node one thread keeps open: above what a load thread has in flight to one
 * node (its `LOAD_REQUESTS_IN_FLIGHT_MAX` requests go round the chain's 4 or 7 nodes).
 */
export const RPC_SOCKETS_MAX = 16

/**
 * Keep-alive connections shared by every request of this thread: the load generator's
 * requests reuse them instead of paying a TCP handshake each (and `node:http` costs a
 * fraction of `fetch`'s CPU per request).
 */
const agent = new Agent({ keepAlive: true, maxSockets: RPC_SOCKETS_MAX })

/**
 * POSTs `body` as JSON to `url`; resolves with the status and the answer's text. A request on
 * a kept-alive connection that the server closed meanwhile (its keep-alive timeout; it read
 * nothing of the request) fails with ECONNRESET or EPIPE before any answer: it is sent once
 * more on a new connection.
 */
function httpPost(url: string, body: string, retried = false): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body)
    let answered = false
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
        timeout: RPC_TIMEOUT_MS,
      },
      (res) => {
        answered = true
        const chunks: Buffer[] = []
        res.on('data', (d: Buffer) => chunks.push(d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within ${RPC_TIMEOUT_MS} ms`)))
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && !answered && (err.code === 'ECONNRESET' || err.code === 'EPIPE')
      if (stale && !retried) httpPost(url, body, true).then(resolve, reject)
      else reject(err)
    })
    req.end(payload)
  })
}
