/**
 * Real servers around a FakeChain: JSON-RPC over HTTP (with batches), and the channel protocol
 * over TLS 1.2 with secp256k1 certificates (interop.md §3). The channel framing here is written
 * independently of the SDK's codec so a shared bug cannot hide.
 */
import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { createAgency, createCA, createNodeCert } from '@consortia/p2p'
import type { FakeChain } from './fake-chain.js'

export async function startHttpNode(
  chain: FakeChain,
  options: { failFirst?: number; delayMs?: number; hugeBody?: number } = {},
): Promise<{ url: string; close(): Promise<void>; posts: number }> {
  let failures = options.failFirst ?? 0
  const state = { posts: 0 }
  const server: Server = createHttpServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8')
    })
    req.on('end', () => {
      state.posts++
      if (options.hugeBody !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(options.hugeBody) })
        res.write('[')
        setTimeout(() => res.destroy(), 50)
        return
      }
      if (failures > 0) {
        failures--
        res.writeHead(503).end('busy')
        return
      }
      const answer = () => {
        let parsed: unknown
        try {
          parsed = JSON.parse(body)
        } catch {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(
              JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }),
            )
          return
        }
        const out = Array.isArray(parsed)
          ? parsed.length === 0
            ? { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } }
            : parsed.map((r) => chain.handle(r as Record<string, unknown>)).reverse() // answer out of order on purpose
          : chain.handle(parsed as Record<string, unknown>)
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out))
      }
      if (options.delayMs !== undefined) setTimeout(answer, options.delayMs)
      else answer()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    get posts() {
      return state.posts
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/** Certificates as FISCO's build_chain.sh lays them out: chain CA → agency → node / sdk, secp256k1. */
export function makeCerts() {
  const ca = createCA({ subject: { commonName: 'chain', organization: 'fisco-bcos' } })
  const agency = createAgency(ca, { subject: { commonName: 'agency', organization: 'fisco-bcos' } })
  const node = createNodeCert(agency, { subject: { commonName: 'node0', organization: 'fisco-bcos' } })
  const sdk = createNodeCert(agency, { subject: { commonName: 'sdk', organization: 'fisco-bcos' } })
  const stranger = createCA({ subject: { commonName: 'other-chain' } })
  return {
    ca: ca.certPem,
    node: { cert: node.chainPem, key: node.keyPem },
    sdk: { cert: sdk.chainPem, key: sdk.keyPem },
    strangerCa: stranger.certPem,
  }
}

export interface Frame {
  type: number
  seq: string
  result: number
  body: Buffer
}

export function frameBytes(f: Frame): Buffer {
  const head = Buffer.alloc(42)
  head.writeUInt32BE(42 + f.body.length, 0)
  head.writeUInt16BE(f.type, 4)
  head.write(f.seq, 6, 'latin1')
  head.writeInt32BE(f.result, 38)
  return Buffer.concat([head, f.body])
}

const topicBody = (topic: string, payload: Buffer) =>
  Buffer.concat([Buffer.of(Buffer.byteLength(topic) + 1), Buffer.from(topic), payload])
const splitTopic = (body: Buffer) => ({
  topic: body.subarray(1, body[0]!).toString(),
  payload: body.subarray(body[0]!),
})
const ZERO = '0'.repeat(32)

interface Conn {
  socket: TLSSocket
  topics: Set<string>
  version: number
  filters: Map<string, { addresses: string[]; topics: (string | string[] | null)[] }>
}

export interface ChannelNode {
  port: number
  received: Frame[]
  connections(): number
  close(): Promise<void>
}

export async function startChannelNode(
  chain: FakeChain,
  certs: ReturnType<typeof makeCerts>,
  options: { ignoreHeartbeat?: boolean; silent?: boolean } = {},
): Promise<ChannelNode> {
  const conns = new Set<Conn>()
  const received: Frame[] = []
  const amopWaiting = new Map<string, Conn>()
  const server = createTlsServer(
    {
      ca: certs.ca,
      cert: certs.node.cert,
      key: certs.node.key,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ecdhCurve: 'prime256v1:secp256k1',
    },
    (socket) => {
      const conn: Conn = { socket, topics: new Set(), version: 1, filters: new Map() }
      conns.add(conn)
      let buf = Buffer.alloc(0)
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk])
        while (buf.length >= 4 && buf.length >= buf.readUInt32BE(0)) {
          const len = buf.readUInt32BE(0)
          const f: Frame = {
            type: buf.readUInt16BE(4),
            seq: buf.toString('latin1', 6, 38),
            result: buf.readInt32BE(38),
            body: Buffer.from(buf.subarray(42, len)),
          }
          buf = buf.subarray(len)
          received.push(f)
          onFrame(conn, f)
        }
      })
      socket.on('error', () => {})
      socket.on('close', () => conns.delete(conn))
    },
  )
  const send = (c: Conn, f: Frame) => c.socket.write(frameBytes(f))

  function onFrame(c: Conn, f: Frame): void {
    if (options.silent) return
    switch (f.type) {
      case 0x12: {
        const req = JSON.parse(f.body.toString()) as Record<string, unknown>
        const reply = chain.handle(req, {
          onReceipt: (receipt) =>
            send(c, { type: 0x1000, seq: f.seq, result: 0, body: Buffer.from(JSON.stringify(receipt)) }),
        })
        send(c, { type: 0x12, seq: f.seq, result: 0, body: Buffer.from(JSON.stringify(reply)) })
        return
      }
      case 0x13:
        if (options.ignoreHeartbeat) return
        if (c.version === 1) {
          if (f.body.toString() === '0')
            send(c, { type: 0x13, seq: f.seq, result: 0, body: Buffer.from('1') })
        } else
          send(c, { type: 0x13, seq: f.seq, result: 0, body: Buffer.from(JSON.stringify({ heartBeat: 1 })) })
        return
      case 0x14: {
        const h = JSON.parse(f.body.toString()) as { minimumSupport: number; maximumSupport: number }
        c.version = Math.min(3, h.maximumSupport)
        send(c, {
          type: 0x14,
          seq: f.seq,
          result: 0,
          body: Buffer.from(JSON.stringify({ protocol: c.version, nodeVersion: '2.9.0' })),
        })
        return
      }
      case 0x32:
        c.topics = new Set(JSON.parse(f.body.toString()) as string[])
        return
      case 0x30: {
        const { topic } = splitTopic(f.body)
        const targets = [...conns].filter((x) => x !== c && x.topics.has(topic))
        if (targets.length === 0) {
          send(c, { type: 0x31, seq: f.seq, result: 100, body: Buffer.alloc(0) })
          return
        }
        amopWaiting.set(f.seq, c)
        send(targets[0]!, f)
        return
      }
      case 0x31: {
        const origin = amopWaiting.get(f.seq)
        amopWaiting.delete(f.seq)
        if (origin !== undefined) send(origin, f)
        return
      }
      case 0x35: {
        const { topic } = splitTopic(f.body)
        for (const x of conns) if (x !== c && x.topics.has(topic)) send(x, { ...f, type: 0x30 })
        send(c, { type: 0x31, seq: f.seq, result: 0, body: Buffer.alloc(0) })
        return
      }
      case 0x15: {
        const params = JSON.parse(splitTopic(f.body).payload.toString()) as {
          filterID: string
          addresses: string[]
          topics: (string | string[] | null)[]
        }
        c.filters.set(params.filterID, {
          addresses: params.addresses.map((a) => a.toLowerCase()),
          topics: params.topics,
        })
        send(c, {
          type: 0x15,
          seq: f.seq,
          result: 0,
          body: topicBody('', Buffer.from(JSON.stringify({ result: 0 }))),
        })
        return
      }
      case 0x16: {
        const params = JSON.parse(splitTopic(f.body).payload.toString()) as { filterID: string }
        c.filters.delete(params.filterID)
        send(c, {
          type: 0x16,
          seq: f.seq,
          result: 0,
          body: topicBody('', Buffer.from(JSON.stringify({ result: 0 }))),
        })
        return
      }
      default:
        return
    }
  }

  chain.commitListeners.push((block) => {
    for (const c of conns) {
      if (c.topics.has(`_block_notify_${chain.groupId}`)) {
        const payload =
          c.version === 1
            ? `${chain.groupId},${block.number}`
            : JSON.stringify({ groupID: chain.groupId, blockNumber: block.number })
        send(c, {
          type: 0x1001,
          seq: ZERO,
          result: 0,
          body: topicBody(`_block_notify_${chain.groupId}`, Buffer.from(payload)),
        })
      }
      for (const [filterID, filter] of c.filters) {
        const logs = block.logs
          .filter((l) => filter.addresses.length === 0 || filter.addresses.includes(l.address))
          .filter((l) =>
            filter.topics.every(
              (t, i) => t === null || (Array.isArray(t) ? t.includes(l.topics[i]!) : l.topics[i] === t),
            ),
          )
          .map((l) => ({
            ...l,
            blockNumber: String(block.number),
            transactionHash: l.tx,
            logIndex: String(l.logIndex),
          }))
        if (logs.length > 0)
          send(c, {
            type: 0x1002,
            seq: ZERO,
            result: 0,
            body: Buffer.from(JSON.stringify({ filterID, result: 0, logs })),
          })
      }
    }
  })

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as AddressInfo).port,
    received,
    connections: () => conns.size,
    close: () =>
      new Promise<void>((r) => {
        for (const c of conns) c.socket.destroy()
        server.close(() => r())
      }),
  }
}
