/**
 * The Ethereum JSON-RPC server of a node (`ports.eth`): HTTP POST and WebSocket on one port.
 * The group is picked by the path: `/` (and `/group/1`) is the default group, `/group/N`
 * group N; other paths get 404. Over WebSocket every method works as over HTTP, plus
 * `eth_subscribe` (`newHeads`, `logs` with address/topics filters) and `eth_unsubscribe`.
 *
 * Limits: request bodies and WebSocket messages `bodyBytesMax`; batches `RPC_BATCH_MAX`;
 * connections `ETH_WS_CONNECTIONS_MAX`; subscriptions per connection
 * `WS_SUBSCRIPTIONS_PER_CONNECTION_MAX`; requests in progress per connection
 * `ETH_WS_PENDING_MAX`; bytes queued for a connection `sendQueueBytesMax` — a client that
 * reads slower than notifications arrive is dropped (close code 1008) instead of queuing
 * without bound.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { type WebSocket, WebSocketServer } from 'ws'
import type { NodeBackend } from './backend.js'
import { rpcError } from './errors.js'
import { handleEthBody, handleEthRequest } from './eth.js'
import {
  RPC_REQUEST_TIMEOUT_MS,
  type RunningServer,
  readRpcBody,
  replyJson,
  rpcErrorBody,
} from './http-server.js'
import { RPC_BATCH_MAX, RPC_BODY_BYTES_MAX, RpcCode, type RpcResponse } from './methods.js'
import {
  createSubscriptionHub,
  SubscriptionError,
  WS_SUBSCRIPTIONS_PER_CONNECTION_MAX,
} from './ws-subscriptions.js'

/** Most WebSocket connections at once. */
export const ETH_WS_CONNECTIONS_MAX = 256
/** Most requests one WebSocket connection may have in progress. */
export const ETH_WS_PENDING_MAX = 64
/** Default most bytes queued for one WebSocket connection before it is dropped. */
export const ETH_WS_SEND_QUEUE_BYTES_MAX = 8 * 1024 * 1024
/** Most HTTP connections at once. */
export const ETH_HTTP_CONNECTIONS_MAX = 1024
/** The default group of `/`. */
export const ETH_DEFAULT_GROUP_ID = 1

/** Options of `startEthServer`. */
export interface EthServerInit {
  readonly host: string
  /** 0 picks a free port. */
  readonly port: number
  readonly node: NodeBackend
  /** Group of the path `/` (default 1). */
  readonly defaultGroupId?: number
  /** Largest HTTP body and WebSocket message (default `RPC_BODY_BYTES_MAX`). */
  readonly bodyBytesMax?: number
  /** Most subscriptions per WebSocket connection (default `WS_SUBSCRIPTIONS_PER_CONNECTION_MAX`). */
  readonly subscriptionsMax?: number
  /** Most bytes queued per WebSocket connection (default `ETH_WS_SEND_QUEUE_BYTES_MAX`). */
  readonly sendQueueBytesMax?: number
  /** Most WebSocket connections (default `ETH_WS_CONNECTIONS_MAX`). */
  readonly connectionsMax?: number
  readonly logger?: Logger
}

/** The group a request path names, or undefined for a path this server does not serve. */
export function groupOfPath(url: string | undefined, defaultGroupId: number): number | undefined {
  const path = (url ?? '/').split('?')[0]!
  if (path === '/' || path === '') return defaultGroupId
  const m = /^\/group\/([1-9][0-9]{0,4})\/?$/.exec(path)
  if (m === null) return undefined
  const id = Number(m[1])
  return id <= 32767 ? id : undefined
}

const errorBody = rpcErrorBody

/**
 * Starts the server.
 *
 * @example
 * ```ts
 * const eth = await startEthServer({ host: '127.0.0.1', port: 8545, node })
 * // new ethers.JsonRpcProvider('http://127.0.0.1:8545')          → group 1
 * // new ethers.WebSocketProvider('ws://127.0.0.1:8545/group/2')  → group 2
 * await eth.close()
 * ```
 */
export async function startEthServer(init: EthServerInit): Promise<RunningServer> {
  const logger = (init.logger ?? silentLogger).child({ component: 'eth-rpc' })
  const bodyBytesMax = init.bodyBytesMax ?? RPC_BODY_BYTES_MAX
  const defaultGroupId = init.defaultGroupId ?? ETH_DEFAULT_GROUP_ID
  const sendQueueBytesMax = init.sendQueueBytesMax ?? ETH_WS_SEND_QUEUE_BYTES_MAX
  const connectionsMax = init.connectionsMax ?? ETH_WS_CONNECTIONS_MAX
  const subscriptionsMax = init.subscriptionsMax ?? WS_SUBSCRIPTIONS_PER_CONNECTION_MAX
  const ctx = { node: init.node, logger }
  const hub = createSubscriptionHub(init.node, logger)

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const groupId = groupOfPath(req.url, defaultGroupId)
    if (groupId === undefined) {
      replyJson(res, 404, rpcErrorBody(RpcCode.INVALID_REQUEST, 'Not found: use / or /group/<id>'))
      req.resume()
      return
    }
    readRpcBody(req, res, bodyBytesMax, (body) => {
      handleEthBody(body, ctx, groupId)
        .then((answer) => replyJson(res, 200, answer))
        .catch((err) => {
          logger.error('eth request failed', { err })
          replyJson(res, 500, rpcErrorBody(RpcCode.INTERNAL_ERROR, 'Internal error'))
        })
    })
  }

  const server = createServer({ requestTimeout: RPC_REQUEST_TIMEOUT_MS, noDelay: true }, onRequest)
  server.maxConnections = ETH_HTTP_CONNECTIONS_MAX
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')
    else socket.destroy()
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: bodyBytesMax })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const groupId = groupOfPath(req.url, defaultGroupId)
    if (groupId === undefined || wss.clients.size >= connectionsMax) {
      const status = groupId === undefined ? '404 Not Found' : '503 Service Unavailable'
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, groupId))
  })

  function serveSocket(ws: WebSocket, groupId: number): void {
    let pending = 0
    let dropped = false
    const send = (text: string): boolean => {
      if (dropped || ws.readyState !== ws.OPEN) return false
      if (ws.bufferedAmount + text.length > sendQueueBytesMax) {
        dropped = true
        logger.warn('slow WebSocket client dropped', {
          queuedBytes: ws.bufferedAmount,
          max: sendQueueBytesMax,
        })
        ws.close(1008, 'send queue full')
        // A client that stopped reading never completes the close handshake.
        setTimeout(() => ws.terminate(), 1000).unref()
        return false
      }
      ws.send(text)
      return true
    }
    const subs = hub.connect(
      (subscription, result) =>
        send(
          JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription, result } }),
        ),
      { subscriptionsMax },
    )

    const answer = async (item: unknown): Promise<RpcResponse> => {
      const r = (item ?? {}) as Record<string, unknown>
      const method = typeof item === 'object' && item !== null ? r['method'] : undefined
      const id = r['id'] ?? null
      if (method === 'eth_subscribe' || method === 'eth_unsubscribe') {
        const params = Array.isArray(r['params']) ? (r['params'] as unknown[]) : []
        try {
          if (method === 'eth_subscribe')
            return { jsonrpc: '2.0', id, result: subs.subscribe(groupId, params) }
          return { jsonrpc: '2.0', id, result: typeof params[0] === 'string' && subs.unsubscribe(params[0]) }
        } catch (err) {
          if (err instanceof SubscriptionError)
            return { jsonrpc: '2.0', id, error: { code: err.code, message: err.message } }
          logger.warn('eth_subscribe failed', { err })
          return { jsonrpc: '2.0', id, error: { code: RpcCode.INTERNAL_ERROR, message: 'internal error' } }
        }
      }
      return handleEthRequest(item, ctx, groupId)
    }

    const onMessage = async (text: string): Promise<string> => {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        return errorBody(RpcCode.PARSE_ERROR, 'parse error')
      }
      if (!Array.isArray(parsed)) return JSON.stringify(await answer(parsed))
      if (parsed.length === 0 || parsed.length > RPC_BATCH_MAX) {
        return errorBody(RpcCode.INVALID_REQUEST, `invalid request: batch of 1..${RPC_BATCH_MAX} required`)
      }
      const out: RpcResponse[] = []
      for (const item of parsed) out.push(await answer(item))
      return JSON.stringify(out)
    }

    ws.on('message', (data, isBinary) => {
      if (pending >= ETH_WS_PENDING_MAX) {
        send(errorBody(-32005, `more than ${ETH_WS_PENDING_MAX} requests in progress on this connection`))
        return
      }
      pending++
      const text = isBinary
        ? ''
        : Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.concat(data as Buffer[]).toString('utf8')
      onMessage(text)
        .then((out) => send(out))
        .catch((err) => logger.error('eth WebSocket request failed', { err }))
        .finally(() => {
          pending--
        })
    })
    ws.on('error', () => undefined)
    ws.on('close', () => subs.close())
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) =>
      reject(
        rpcError(
          { code: 'RPC_LISTEN_FAILED', host: init.host, port: init.port },
          `cannot listen on ${init.host}:${init.port}`,
          err,
        ),
      )
    server.once('error', onError)
    server.listen(init.port, init.host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : init.port
  logger.info('Ethereum JSON-RPC listening', { host: init.host, port, defaultGroupId })
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        hub.close()
        for (const ws of wss.clients) ws.terminate()
        wss.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
