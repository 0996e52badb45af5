/**
 * The block explorer's HTTP server: serves the built single-page app (`examples/explorer/dist`),
 * answers JSON-RPC at `POST /rpc` through a forwarder (the node's own backend, or any node's
 * JSON-RPC URL), and pushes live chain status (heights, pool sizes, views, transaction totals,
 * peers) to browsers over a WebSocket at `/ws`.
 */
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import type { Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { type WebSocket, WebSocketServer } from 'ws'
import { explorerError } from './errors.js'
import type { RpcForwarder } from './forwarder.js'

/** Largest JSON-RPC request body the explorer forwards (bytes). */
export const EXPLORER_RPC_BODY_BYTES_MAX = 1024 * 1024
/** Most browsers connected to the live-update WebSocket at once; more are closed with 1013. */
export const EXPLORER_WS_CLIENTS_MAX = 64
/** A browser whose unsent WebSocket data exceeds this (bytes) is dropped: it cannot keep up. */
export const EXPLORER_WS_BUFFERED_BYTES_MAX = 1024 * 1024
/** Most groups sampled per status push. */
export const EXPLORER_STATUS_GROUPS_MAX = 64
/** Default interval of the live status poll (ms). */
export const EXPLORER_POLL_MS_DEFAULT = 1000
/** Most HTTP connections served at once. */
export const EXPLORER_CONNECTIONS_MAX = 256
/** A request must arrive whole within this time. */
export const EXPLORER_REQUEST_TIMEOUT_MS = 30_000

/** Where `pnpm --filter @consortia/explorer build` writes the bundle in this repository. */
export const EXPLORER_ASSETS_DIR_DEFAULT = fileURLToPath(new URL('../../../explorer/dist/', import.meta.url))

/** Options of `startExplorerServer`. */
export interface ExplorerServerInit {
  /** Listen address. */
  readonly host: string
  /** Port; 0 picks a free one. */
  readonly port: number
  /** Answers the browser's JSON-RPC requests (`createBackendForwarder` or `createHttpForwarder`). */
  readonly rpc: RpcForwarder
  /** Directory of the built app (`index.html` and `assets/`); default `EXPLORER_ASSETS_DIR_DEFAULT`. */
  readonly assetsDir?: string
  /** Interval of the live status poll while a browser is connected (ms, 100..60000). */
  readonly pollMs?: number
  readonly logger?: Logger
}

/** A running explorer server. */
export interface ExplorerServer {
  /** The port it listens on. */
  readonly port: number
  /** Browsers connected to `/ws` right now. */
  clientCount(): number
  /** Stops accepting, closes WebSockets and open connections. */
  close(): Promise<void>
}

/** One group's live figures in a status push. */
export interface ExplorerGroupStatus {
  readonly groupId: number
  readonly height: number
  readonly pendingTxs: number
  /** PBFT view; null for Raft groups (the method answers an error there). */
  readonly view: number | null
  /** Committed transactions in the group so far (`getTotalTransactionCount.txSum`). */
  readonly txSum: number
}

/** What `/ws` pushes: a status sample, or the reason the node cannot be read. */
export type ExplorerPush =
  | {
      readonly type: 'status'
      readonly at: number
      readonly peers: number
      readonly groups: ExplorerGroupStatus[]
    }
  | { readonly type: 'error'; readonly at: number; readonly message: string }

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
}

/** Everything the page loads comes from this origin: no CDN, no external fonts, no beacons. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

const rpcErrorBody = (code: number, message: string) =>
  JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } })

const MISSING_BUNDLE_HTML = (dir: string) =>
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Consortia explorer</title></head>' +
  '<body><main><h1>Explorer bundle not built</h1><p role="alert">The explorer app is not built in ' +
  `<code>${dir.replace(/[<>&]/g, '')}</code>. Run <code>pnpm --filter @consortia/explorer build</code> ` +
  '(or <code>npm start</code> / <code>npm test</code>, which build it) and reload.</p></main></body></html>'

interface RpcAnswer {
  readonly id?: unknown
  readonly result?: unknown
  readonly error?: { readonly message?: string }
}

/** Reads one status sample through the forwarder (one JSON-RPC batch per poll). */
export async function readExplorerStatus(rpc: RpcForwarder): Promise<ExplorerPush> {
  const at = Date.now()
  const list = JSON.parse(
    await rpc(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'getGroupList', params: [] })),
  ) as RpcAnswer
  if (!Array.isArray(list.result)) {
    throw new Error(`getGroupList: ${list.error?.message ?? 'no result'}`)
  }
  const groupIds = list.result
    .filter((g): g is number => typeof g === 'number')
    .slice(0, EXPLORER_STATUS_GROUPS_MAX)
  const methods = ['getBlockNumber', 'getPendingTxSize', 'getPbftView', 'getTotalTransactionCount'] as const
  const batch: { jsonrpc: string; id: number; method: string; params: number[] }[] = groupIds.flatMap(
    (g, gi) =>
      methods.map((method, mi) => ({
        jsonrpc: '2.0',
        id: gi * methods.length + mi + 1,
        method,
        params: [g],
      })),
  )
  if (groupIds.length > 0) {
    batch.push({ jsonrpc: '2.0', id: -1, method: 'getPeers', params: [groupIds[0]!] })
  }
  const answers = groupIds.length === 0 ? [] : (JSON.parse(await rpc(JSON.stringify(batch))) as RpcAnswer[])
  const byId = new Map<unknown, RpcAnswer>()
  if (Array.isArray(answers)) for (const a of answers) byId.set(a.id, a)
  const num = (v: unknown): number | null =>
    typeof v === 'string' || typeof v === 'number' ? Number(v) : null
  const groups: ExplorerGroupStatus[] = groupIds.map((groupId, gi) => {
    const get = (mi: number) => byId.get(gi * methods.length + mi + 1)?.result
    const total = get(3) as { txSum?: string } | undefined
    const height = num(get(0))
    if (height === null) {
      throw new Error(
        `getBlockNumber(${groupId}): ${byId.get(gi * methods.length + 1)?.error?.message ?? 'no result'}`,
      )
    }
    return {
      groupId,
      height,
      pendingTxs: num(get(1)) ?? 0,
      view: num(get(2)),
      txSum: num(total?.txSum) ?? 0,
    }
  })
  const peers = byId.get(-1)?.result
  return { type: 'status', at, peers: Array.isArray(peers) ? peers.length : 0, groups }
}

function checkPollMs(pollMs: number): number {
  if (!Number.isSafeInteger(pollMs) || pollMs < 100 || pollMs > 60_000) {
    throw explorerError(
      {
        code: 'EXPLORER_INVALID_INPUT',
        field: 'pollMs',
        expected: 'an integer in 100..60000',
        got: String(pollMs),
      },
      `pollMs: expected an integer in 100..60000, got ${pollMs}`,
    )
  }
  return pollMs
}

/**
 * Starts the explorer server.
 *
 * @example
 * ```ts
 * const explorer = await startExplorerServer({
 *   host: '127.0.0.1',
 *   port: 8080,
 *   rpc: createHttpForwarder('http://127.0.0.1:8545'),
 * })
 * // open http://127.0.0.1:8080/
 * await explorer.close()
 * ```
 */
export async function startExplorerServer(init: ExplorerServerInit): Promise<ExplorerServer> {
  const logger = (init.logger ?? silentLogger).child({ component: 'explorer' })
  const assetsDir = resolve(init.assetsDir ?? EXPLORER_ASSETS_DIR_DEFAULT)
  const pollMs = checkPollMs(init.pollMs ?? EXPLORER_POLL_MS_DEFAULT)
  const rpc = init.rpc

  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string,
    extra: Record<string, string> = {},
  ) => {
    if (res.headersSent) return
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      ...SECURITY_HEADERS,
      ...extra,
    })
    res.end(body)
  }

  const onRpc = (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length'] ?? '0')
    const tooLarge = () => {
      send(
        res,
        413,
        'application/json',
        rpcErrorBody(-32600, `Invalid Request: body over ${EXPLORER_RPC_BODY_BYTES_MAX} bytes`),
        { connection: 'close' },
      )
      // Stop reading once the answer is out; the rest of the body is never buffered.
      res.once('finish', () => req.destroy())
    }
    if (declared > EXPLORER_RPC_BODY_BYTES_MAX) return tooLarge()
    const chunks: Buffer[] = []
    let size = 0
    let refused = false
    req.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size > EXPLORER_RPC_BODY_BYTES_MAX) {
        refused = true
        tooLarge()
        return
      }
      chunks.push(chunk)
    })
    req.on('error', () => undefined)
    req.on('end', () => {
      if (refused) return
      rpc(Buffer.concat(chunks).toString('utf8'))
        .then((answer) => send(res, 200, 'application/json', answer))
        .catch((err: unknown) => {
          const message = err instanceof Error ? err.message : String(err)
          logger.warn('explorer rpc forward failed', { error: message })
          send(res, 502, 'application/json', rpcErrorBody(-32099, `node unreachable: ${message}`))
        })
    })
  }

  const onStatic = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://explorer.invalid')
    let path: string
    try {
      path = decodeURIComponent(url.pathname)
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'bad path encoding')
    }
    if (path.includes('\0')) return send(res, 400, 'text/plain; charset=utf-8', 'bad path')
    const rel = path === '/' || path === '' ? 'index.html' : normalize(path).replace(/^[/\\]+/, '')
    const file = resolve(join(assetsDir, rel))
    if (file !== assetsDir && !file.startsWith(assetsDir + sep)) {
      return send(res, 403, 'text/plain; charset=utf-8', 'outside the explorer bundle')
    }
    const index = join(assetsDir, 'index.html')
    if (!existsSync(index)) return send(res, 503, 'text/html; charset=utf-8', MISSING_BUNDLE_HTML(assetsDir))
    let target = file
    let stat = existsSync(target) ? statSync(target) : undefined
    if (stat === undefined || !stat.isFile()) {
      // Client-side routes (no extension) get the app; missing assets get 404.
      if (extname(rel) !== '') return send(res, 404, 'text/plain; charset=utf-8', 'not found')
      target = index
      stat = statSync(index)
    }
    const type = CONTENT_TYPES[extname(target)] ?? 'application/octet-stream'
    // Hashed asset names never change content; the page itself must always be re-read.
    const immutable = target !== index && target.startsWith(join(assetsDir, 'assets') + sep)
    res.writeHead(200, {
      'content-type': type,
      'content-length': stat.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-store',
      ...SECURITY_HEADERS,
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    createReadStream(target)
      .on('error', () => res.destroy())
      .pipe(res)
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/rpc') {
      if (req.method !== 'POST') {
        req.resume()
        return send(res, 405, 'application/json', rpcErrorBody(-32600, 'Invalid Request: use POST'), {
          allow: 'POST',
        })
      }
      return onRpc(req, res)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume()
      return send(res, 405, 'text/plain; charset=utf-8', 'use GET', { allow: 'GET, HEAD' })
    }
    onStatic(req, res)
  }

  // Live updates: one poll loop while at least one browser listens, one JSON push per sample.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 })
  let poller: NodeJS.Timeout | undefined
  let polling = false
  let last = ''
  const broadcast = (push: ExplorerPush) => {
    const text = JSON.stringify(push)
    last = text
    for (const ws of wss.clients) {
      if (ws.readyState !== ws.OPEN) continue
      if (ws.bufferedAmount > EXPLORER_WS_BUFFERED_BYTES_MAX) {
        logger.warn('explorer client too slow, dropped', { bufferedBytes: ws.bufferedAmount })
        ws.terminate()
        continue
      }
      ws.send(text)
    }
  }
  const poll = async () => {
    if (polling) return
    polling = true
    try {
      broadcast(await readExplorerStatus(rpc))
    } catch (err) {
      broadcast({ type: 'error', at: Date.now(), message: err instanceof Error ? err.message : String(err) })
    } finally {
      polling = false
    }
  }
  const startPolling = () => {
    if (poller !== undefined) return
    poller = setInterval(() => void poll(), pollMs)
    poller.unref()
    void poll()
  }
  const stopPolling = () => {
    if (poller !== undefined) clearInterval(poller)
    poller = undefined
  }
  const onConnection = (ws: WebSocket) => {
    if (last !== '') ws.send(last)
    startPolling()
    ws.on('error', () => undefined)
    ws.on('message', () => undefined)
    ws.on('close', () => {
      if (wss.clients.size === 0) stopPolling()
    })
  }
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (wss.clients.size > EXPLORER_WS_CLIENTS_MAX) {
        ws.close(1013, `more than ${EXPLORER_WS_CLIENTS_MAX} live viewers`)
        return
      }
      onConnection(ws)
    })
  }

  const server = createServer({ requestTimeout: EXPLORER_REQUEST_TIMEOUT_MS }, onRequest)
  server.maxConnections = EXPLORER_CONNECTIONS_MAX
  server.on('upgrade', onUpgrade)
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')
    else socket.destroy()
  })
  await new Promise<void>((resolveListen, reject) => {
    const onError = (err: Error) =>
      reject(
        explorerError(
          { code: 'EXPLORER_LISTEN_FAILED', host: init.host, port: init.port },
          `explorer: cannot listen on ${init.host}:${init.port}`,
          err,
        ),
      )
    server.once('error', onError)
    server.listen(init.port, init.host, () => {
      server.off('error', onError)
      resolveListen()
    })
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : init.port
  logger.info('explorer listening', { host: init.host, port, assetsDir })
  let closing: Promise<void> | undefined
  return {
    port,
    clientCount: () => wss.clients.size,
    close() {
      closing ??= (async () => {
        stopPolling()
        for (const ws of wss.clients) ws.terminate()
        await new Promise<void>((done) => wss.close(() => done()))
        await new Promise<void>((done) => {
          server.close(() => done())
          server.closeAllConnections()
        })
      })()
      return closing
    },
  }
}
