/**
 * FISCO BCOS 2.x JSON-RPC over HTTP: POST a JSON-RPC request or batch to `/`, get the JSON
 * answer. Bodies over `RPC_BODY_BYTES_MAX` are refused with 413 before they are read whole.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import type { NodeBackend } from './backend.js'
import { rpcError } from './errors.js'
import { handleEthBody } from './eth.js'
import { handleRpcBody, RPC_BODY_BYTES_MAX, RpcCode } from './methods.js'

/** Most HTTP connections served at once. */
export const RPC_CONNECTIONS_MAX = 1024
/** A request must arrive whole within this time. */
export const RPC_REQUEST_TIMEOUT_MS = 30_000

/** Options of `startRpcServer`. */
export interface RpcServerInit {
  /** Listen address (FISCO binds 127.0.0.1 by default). */
  readonly host: string
  /** Port; 0 picks a free one. */
  readonly port: number
  readonly node: NodeBackend
  /**
   * Serve the read-only Ethereum JSON-RPC of this group (`eth.ts`) instead of FISCO's methods
   * (Ethereum tools expect one chain per endpoint, so it gets its own port).
   */
  readonly ethGroupId?: number
  /** Largest request body in bytes (default `RPC_BODY_BYTES_MAX`). */
  readonly bodyBytesMax?: number
  readonly logger?: Logger
}

/** A running server. */
export interface RunningServer {
  /** The port it listens on. */
  readonly port: number
  /** Stops accepting and closes open connections. */
  close(): Promise<void>
}

/** A JSON-RPC error answer with `id: null` (the request could not be read). */
export const rpcErrorBody = (code: number, message: string): string =>
  JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } })

/** Writes a JSON answer unless one was written already. */
export function replyJson(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/**
 * Reads a JSON-RPC POST body of at most `bodyBytesMax` bytes and hands it to `onBody`.
 * Anything but POST gets 405; a declared or received body over the limit gets 413 and the
 * connection is closed. Shared by the FISCO and the Ethereum JSON-RPC servers.
 */
export function readRpcBody(
  req: IncomingMessage,
  res: ServerResponse,
  bodyBytesMax: number,
  onBody: (body: string) => void,
): void {
  if (req.method !== 'POST') {
    replyJson(res, 405, rpcErrorBody(RpcCode.INVALID_REQUEST, 'Invalid Request: use POST'))
    req.resume()
    return
  }
  const tooLargeBody = rpcErrorBody(
    RpcCode.INVALID_REQUEST,
    `Invalid Request: body over ${bodyBytesMax} bytes`,
  )
  if (Number(req.headers['content-length'] ?? '0') > bodyBytesMax) {
    replyJson(res, 413, tooLargeBody)
    req.destroy()
    return
  }
  const chunks: Buffer[] = []
  let size = 0
  let tooLarge = false
  req.on('data', (chunk: Buffer) => {
    if (tooLarge) return
    size += chunk.length
    if (size > bodyBytesMax) {
      tooLarge = true
      replyJson(res, 413, tooLargeBody)
      req.destroy()
      return
    }
    chunks.push(chunk)
  })
  req.on('error', () => undefined)
  req.on('end', () => {
    if (!tooLarge) onBody(Buffer.concat(chunks).toString('utf8'))
  })
}

/**
 * Starts the JSON-RPC HTTP server.
 *
 * @example
 * ```ts
 * const rpc = await startRpcServer({ host: '127.0.0.1', port: 8545, node })
 * // curl -X POST --data '{"jsonrpc":"2.0","method":"getBlockNumber","params":[1],"id":1}' 127.0.0.1:8545
 * await rpc.close()
 * ```
 */
export async function startRpcServer(init: RpcServerInit): Promise<RunningServer> {
  const logger = (init.logger ?? silentLogger).child({ component: 'rpc-http' })
  const bodyBytesMax = init.bodyBytesMax ?? RPC_BODY_BYTES_MAX
  const ctx = { node: init.node, logger }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    readRpcBody(req, res, bodyBytesMax, (body) => {
      const ethGroupId = init.ethGroupId
      ;(ethGroupId === undefined ? handleRpcBody(body, ctx) : handleEthBody(body, ctx, ethGroupId))
        .then((answer) => replyJson(res, 200, answer))
        .catch((err) => {
          logger.error('rpc request failed', { err })
          replyJson(res, 500, rpcErrorBody(RpcCode.INTERNAL_ERROR, 'Internal error'))
        })
    })
  }

  const server = createServer({ requestTimeout: RPC_REQUEST_TIMEOUT_MS, noDelay: true }, onRequest)
  server.maxConnections = RPC_CONNECTIONS_MAX
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')
    else socket.destroy()
  })
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
  logger.info('JSON-RPC listening', { host: init.host, port })
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
