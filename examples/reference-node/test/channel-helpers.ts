/**
 * A channel-protocol test client: TLS 1.2 with the secp256k1 curve and an SDK certificate from
 * the chain's CA (as FISCO SDKs connect), frames cut with the server's own parser.
 */
import { connect, type TLSSocket } from 'node:tls'
import { type CertBundle, createAgency, createCA, createNodeCert, type NodeCertBundle } from '@consortia/p2p'
import { type ChannelFrame, encodeFrame, FrameParser, newSeq } from '../src/channel/frame.js'

/** The chain CA, an agency, the node's channel certificate and an SDK certificate. */
export interface ChainCerts {
  readonly ca: CertBundle
  readonly node: NodeCertBundle
  readonly sdk: NodeCertBundle
}

/** Generates the certificates (secp256k1, as build_chain does). */
export function createChainCerts(): ChainCerts {
  const ca = createCA({ subject: { commonName: 'chain', organization: 'fisco-bcos' } })
  const agency = createAgency(ca, { subject: { commonName: 'agency', organization: 'fisco-bcos' } })
  return {
    ca,
    node: createNodeCert(agency, { subject: { commonName: 'node0', organization: 'fisco-bcos' } }),
    sdk: createNodeCert(agency, { subject: { commonName: 'sdk', organization: 'fisco-bcos' } }),
  }
}

/** A connected test client. */
export interface ChannelClient {
  readonly socket: TLSSocket
  /** Frames received and not yet taken. */
  readonly inbox: ChannelFrame[]
  send(frame: Partial<ChannelFrame> & { type: number }): string
  sendRaw(bytes: Uint8Array): void
  /** The next received frame matching `match` (removed from the inbox). */
  next(match?: (f: ChannelFrame) => boolean, timeoutMs?: number): Promise<ChannelFrame>
  /** Resolves when the server closed the connection. */
  closed(timeoutMs?: number): Promise<void>
  close(): void
}

/** Connects with `cert` (default: the SDK certificate). */
export async function connectChannel(
  port: number,
  certs: ChainCerts,
  cert: { chainPem: string; keyPem: string } | null = certs.sdk,
  caPem = certs.ca.certPem,
): Promise<ChannelClient> {
  const socket = connect({
    host: '127.0.0.1',
    port,
    ...(cert === null ? {} : { cert: cert.chainPem, key: cert.keyPem }),
    ca: caPem,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    ecdhCurve: 'secp256k1:prime256v1',
    checkServerIdentity: () => undefined,
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve())
    socket.once('error', reject)
  })
  socket.setNoDelay(true)
  const parser = new FrameParser(64 * 1024 * 1024)
  const inbox: ChannelFrame[] = []
  const waiters: (() => void)[] = []
  let isClosed = false
  socket.on('data', (chunk: Buffer) => {
    for (const f of parser.push(chunk)) inbox.push(f)
    for (const w of waiters.splice(0)) w()
  })
  socket.on('error', () => undefined)
  socket.on('close', () => {
    isClosed = true
    for (const w of waiters.splice(0)) w()
  })
  const wait = () => new Promise<void>((resolve) => waiters.push(resolve))
  return {
    socket,
    inbox,
    send(frame) {
      const seq = frame.seq ?? newSeq()
      socket.write(
        encodeFrame({
          type: frame.type,
          seq,
          result: frame.result ?? 0,
          body: frame.body ?? new Uint8Array(0),
        }),
      )
      return seq
    },
    sendRaw(bytes) {
      socket.write(bytes)
    },
    async next(match = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const i = inbox.findIndex(match)
        if (i >= 0) return inbox.splice(i, 1)[0]!
        if (isClosed) throw new Error('connection closed while waiting for a frame')
        const left = deadline - Date.now()
        if (left <= 0)
          throw new Error(`no matching frame in ${timeoutMs} ms; inbox types ${inbox.map((f) => f.type)}`)
        await Promise.race([wait(), new Promise((r) => setTimeout(r, left))])
      }
    },
    async closed(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      while (!isClosed) {
        if (Date.now() > deadline) throw new Error('connection still open')
        await Promise.race([wait(), new Promise((r) => setTimeout(r, 20))])
      }
    },
    close() {
      socket.destroy()
    },
  }
}

/** The body of a frame as text. */
export const text = (f: ChannelFrame) => Buffer.from(f.body).toString('utf8')
