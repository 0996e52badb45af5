/**
 * A TCP proxy put in front of a node's p2p port (or in front of a peer, on a node's outgoing
 * side) so a fault test can partition that node: `cut()` drops every connection and refuses
 * new ones until `heal()`.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'

/** Most connections one proxy carries at once; further ones are refused. */
export const PROXY_CONNECTIONS_MAX = 64

/** A running proxy. */
export interface TCPProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number
  /** Whether the proxy currently drops everything. */
  readonly isCut: boolean
  /** Connections carried now. */
  readonly connections: number
  /** Connections refused so far (while cut, or over `PROXY_CONNECTIONS_MAX`). */
  readonly refused: number
  /** Drops every open connection and refuses new ones. */
  cut(): void
  /** Accepts connections again. */
  heal(): void
  close(): Promise<void>
}

/** Starts a proxy on 127.0.0.1:`listenPort` (0 = any) forwarding to 127.0.0.1:`targetPort`. */
export async function createTCPProxy(listenPort: number, targetPort: number): Promise<TCPProxy> {
  const pairs = new Set<[Socket, Socket]>()
  let cut = false
  let refused = 0
  const server: Server = createServer((client) => {
    if (cut || pairs.size >= PROXY_CONNECTIONS_MAX) {
      refused++
      client.destroy()
      return
    }
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort })
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    const drop = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listenPort, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : listenPort
  const proxy: TCPProxy = {
    port,
    get isCut() {
      return cut
    },
    get connections() {
      return pairs.size
    },
    get refused() {
      return refused
    },
    cut() {
      cut = true
      for (const [a, b] of [...pairs]) {
        a.destroy()
        b.destroy()
      }
      pairs.clear()
    },
    heal() {
      cut = false
    },
    async close() {
      proxy.cut()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return proxy
}
