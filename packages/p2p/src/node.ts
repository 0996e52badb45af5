import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import {
  type Clock,
  type GroupId,
  type Logger,
  type MessageHandler,
  type NodeId,
  type PeerInfo,
  silentLogger,
  type Transport,
  type TransportMessage,
} from '@consortia/interface'
import { type RawData, WebSocket, WebSocketServer } from 'ws'
import { type CertCurve, inspectCert } from './certs.js'
import { p2pError } from './errors.js'
import { decodeFrame, encodeFrame, FRAME_BYTES_MAX_DEFAULT } from './frame.js'
import { bytesToHex, compareBytes, nodeIdFromHex } from './hex.js'
import { checkPeerCertificate, type PeerRejectReason } from './peer-check.js'
import { SendQueue, type SendQueueLimits } from './send-queue.js'

/** Default first reconnect delay after a failed dial or a lost session. */
export const RECONNECT_DELAY_MS_MIN_DEFAULT = 500
/** Default cap of the exponential reconnect backoff. */
export const RECONNECT_DELAY_MS_MAX_DEFAULT = 30_000
/** Default time a TLS + WebSocket handshake may take. */
export const HANDSHAKE_TIMEOUT_MS_DEFAULT = 10_000
/** Default most sessions plus handshakes in progress. */
export const CONNECTIONS_MAX_DEFAULT = 1024
/** Most static peer endpoints a node keeps. */
export const PEER_ENDPOINTS_MAX = 4096
/** Most entries of the blacklist or the whitelist. */
export const ACCESS_LIST_ENTRIES_MAX = 65_536

/** A node ID as bytes or as 128 hex digits (config files use hex). */
export type NodeIdLike = NodeId | string

/** Options of a P2P node (the `[p2p]`, `[certificate_*]` and `[network_security]` config). */
export interface P2PNodeInit {
  /** This node's certificate chain, node then agency, PEM (FISCO `node.crt`). */
  readonly certPem: string
  /** This node's private key, PEM (FISCO `node.key`). */
  readonly keyPem: string
  /** The chain CA certificate, PEM (FISCO `ca.crt`). */
  readonly caPem: string
  /** Address to listen on. Default 127.0.0.1. */
  readonly listenHost?: string
  /** Port to listen on; 0 picks a free one. Default 0. */
  readonly listenPort?: number
  /** Peers to connect to, `host:port` (FISCO `node.i`). */
  readonly peers?: readonly string[]
  /** Node IDs refused at the handshake (FISCO `[certificate_blacklist]`). */
  readonly blacklist?: readonly NodeIdLike[]
  /** When non-empty, only these node IDs are admitted (FISCO `[certificate_whitelist]`). */
  readonly whitelist?: readonly NodeIdLike[]
  /** Highest TLS version. Default: TLSv1.2 for secp256k1 certificates, TLSv1.3 for P-256. */
  readonly tlsMaxVersion?: 'TLSv1.2' | 'TLSv1.3'
  /** Hard limit on one frame, header included. Default 100 MiB (FISCO's cap). */
  readonly frameBytesMax?: number
  /** Per-peer send queue limits. */
  readonly sendQueue?: SendQueueLimits
  /** Reconnect backoff: first delay. */
  readonly reconnectDelayMsMin?: number
  /** Reconnect backoff: largest delay. */
  readonly reconnectDelayMsMax?: number
  readonly handshakeTimeoutMs?: number
  /** Most sessions plus handshakes in progress. */
  readonly connectionsMax?: number
}

/** Injected components. */
export interface P2PNodeComponents {
  readonly logger?: Logger
  /** Timers for reconnects. Default: the system clock. */
  readonly clock?: Clock
}

/** Why a session ended. */
export type PeerDropReason =
  | PeerRejectReason
  | 'malformed-frame'
  | 'frame-too-large'
  | 'erased'
  | 'node-closing'
  | 'remote-closed'
  | 'replaced'
  | 'socket-error'

/** Something that happened to a peer connection. */
export type P2PEvent =
  | {
      readonly type: 'connected'
      readonly nodeId: NodeId
      readonly address: string
      readonly direction: 'inbound' | 'outbound'
      /** Negotiated TLS version, e.g. `TLSv1.2`. */
      readonly tlsProtocol: string
    }
  | {
      readonly type: 'disconnected'
      readonly nodeId: NodeId
      readonly address: string
      readonly direction: 'inbound' | 'outbound'
      readonly reason: PeerDropReason
      readonly detail: string
    }
  | {
      readonly type: 'rejected'
      /** `local`: this node refused the peer; `remote`: the peer refused this node. */
      readonly by: 'local' | 'remote'
      readonly reason: PeerRejectReason
      readonly direction: 'inbound' | 'outbound'
      readonly address: string
      readonly nodeId: NodeId | undefined
      readonly detail: string
    }

/** Counters of one node. */
export interface P2PStats {
  readonly sessions: number
  /** Outbound handshakes in progress. */
  readonly dialsInFlight: number
  readonly framesIn: number
  readonly framesOut: number
  readonly bytesIn: number
  readonly bytesOut: number
  /** Frames dropped because a peer's send queue was full. */
  readonly framesDropped: number
  readonly rejected: number
}

// Close codes 4000..4099 carry a reason name as the close reason text.
const DROP_CODE_BASE = 4000
const DROP_REASONS: readonly PeerDropReason[] = [
  'untrusted-ca',
  'expired',
  'not-yet-valid',
  'no-certificate',
  'invalid-certificate',
  'not-node-certificate',
  'unsupported-key',
  'blacklisted',
  'not-whitelisted',
  'duplicate',
  'self',
  'too-many-connections',
  'malformed-frame',
  'frame-too-large',
  'erased',
  'node-closing',
  'remote-closed',
  'replaced',
  'socket-error',
]
const REJECT_REASONS = new Set<string>(DROP_REASONS.slice(0, 12))
const REJECT_HEADER = 'x-p2p-reject'
const CLOSE_REASON_CHARS_MAX = 120
const REFUSED_SOCKET_LINGER_MS = 1000

interface Session {
  readonly nodeId: NodeId
  readonly hex: string
  readonly ws: WebSocket
  readonly direction: 'inbound' | 'outbound'
  /** Hex ID of the node that dialed: decides which of two crossing connections survives. */
  readonly dialerHex: string
  readonly address: string
  readonly queue: SendQueue
  endpoint: Endpoint | undefined
  dropped: boolean
}

interface Endpoint {
  readonly key: string
  readonly host: string
  readonly port: number
  /** Learnt from the certificate on the first handshake. */
  nodeHex: string | undefined
  attempt: number
  cancelTimer: (() => void) | undefined
  dialing: WebSocket | undefined
  erased: boolean
}

const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, delayMs)
    t.unref?.()
    return () => clearTimeout(t)
  },
}

function toHex(id: NodeIdLike): string {
  return typeof id === 'string' ? bytesToHex(nodeIdFromHex(id)) : bytesToHex(nodeIdFromHex(bytesToHex(id)))
}

function parseEndpoint(text: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text.trim())
  const port = m ? Number(m[2]) : Number.NaN
  if (m === null || !(port > 0 && port < 65536)) {
    throw p2pError('INVALID_ARGUMENT', `expected a peer as host:port, got '${text}'`)
  }
  return { host: m[1] as string, port }
}

function handlerKey(groupId: number, moduleId: number): number {
  return groupId * 0x10000 + moduleId
}

function shortId(hex: string): string {
  return hex.slice(0, 8)
}

/**
 * A node's P2P endpoint: WebSocket over mutually authenticated TLS. Certificates must
 * chain to the chain CA (CA → agency → node); a peer's node ID is the 64-byte public key
 * of its node certificate, read after the handshake. Implements `Transport`: frames carry
 * a group ID and module ID (FISCO P2PMessage layout) and reach the handler registered for
 * that pair. Each peer has a bounded send queue; configured peers are redialed with
 * exponential backoff; black- and whitelists reload at run time and drop live sessions.
 */
export class P2PNode implements Transport {
  /** This node's ID, from its own certificate. */
  readonly localId: NodeId
  /** The curve of this node's certificate; secp256k1 implies TLS 1.2. */
  readonly curve: CertCurve
  private readonly localHex: string
  private readonly log: Logger
  private readonly clock: Clock
  private readonly frameBytesMax: number
  private readonly queueLimits: SendQueueLimits
  private readonly reconnectMin: number
  private readonly reconnectMax: number
  private readonly handshakeTimeoutMs: number
  private readonly connectionsMax: number
  private readonly tlsOptions: {
    cert: string
    key: string
    ca: string
    minVersion: 'TLSv1.2'
    maxVersion: 'TLSv1.2' | 'TLSv1.3'
    ecdhCurve: string
  }
  private readonly server: Server
  private readonly wss: WebSocketServer
  private readonly sessions = new Map<string, Session>()
  private readonly endpoints = new Map<string, Endpoint>()
  private readonly handlers = new Map<number, Set<MessageHandler>>()
  private readonly listeners = new Set<(event: P2PEvent) => void>()
  private blacklist = new Set<string>()
  private whitelist: Set<string> | undefined
  private pendingHandshakes = 0
  private closed = false
  private listenAddress: AddressInfo | undefined
  private counters = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, rejected: 0 }
  private droppedFromClosedQueues = 0

  constructor(
    private readonly init: P2PNodeInit,
    components: P2PNodeComponents = {},
  ) {
    const own = inspectCert(init.certPem)
    if (own.isCA !== false || own.publicKey === undefined || own.curve === undefined) {
      throw p2pError(
        'INVALID_CERTIFICATE',
        'certPem must start with a secp256k1 or P-256 node certificate (CA:FALSE)',
      )
    }
    this.localId = own.publicKey
    this.curve = own.curve
    this.localHex = bytesToHex(own.publicKey)
    this.log = (components.logger ?? silentLogger).child({ component: 'p2p', node: shortId(this.localHex) })
    this.clock = components.clock ?? systemClock
    this.frameBytesMax = init.frameBytesMax ?? FRAME_BYTES_MAX_DEFAULT
    if (!(this.frameBytesMax >= 64)) {
      throw p2pError('INVALID_ARGUMENT', `expected frameBytesMax >= 64, got ${this.frameBytesMax}`)
    }
    this.queueLimits = init.sendQueue ?? {}
    this.reconnectMin = init.reconnectDelayMsMin ?? RECONNECT_DELAY_MS_MIN_DEFAULT
    this.reconnectMax = Math.max(
      this.reconnectMin,
      init.reconnectDelayMsMax ?? RECONNECT_DELAY_MS_MAX_DEFAULT,
    )
    this.handshakeTimeoutMs = init.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS_DEFAULT
    this.connectionsMax = init.connectionsMax ?? CONNECTIONS_MAX_DEFAULT
    const maxVersion = init.tlsMaxVersion ?? (this.curve === 'secp256k1' ? 'TLSv1.2' : 'TLSv1.3')
    if (this.curve === 'secp256k1' && maxVersion === 'TLSv1.3') {
      this.log.warn('secp256k1 certificates cannot sign TLS 1.3 handshakes; peers will negotiate TLS 1.2')
    }
    this.tlsOptions = {
      cert: init.certPem,
      key: init.keyPem,
      ca: init.caPem,
      minVersion: 'TLSv1.2',
      maxVersion,
      // secp256k1 first, as FISCO's standard suite; P-256 and X25519 for other peers.
      ecdhCurve: 'secp256k1:P-256:X25519',
    }
    this.setBlacklist(init.blacklist ?? [])
    this.setWhitelist(init.whitelist)
    this.server = createServer({
      ...this.tlsOptions,
      requestCert: true,
      // Verification runs anyway; the verdict is read after the handshake so every refusal
      // gets a named reason in the log instead of an anonymous TLS alert.
      rejectUnauthorized: false,
      handshakeTimeout: this.handshakeTimeoutMs,
    })
    this.server.headersTimeout = this.handshakeTimeoutMs
    this.server.requestTimeout = this.handshakeTimeoutMs
    this.server.maxConnections = this.connectionsMax * 2
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.frameBytesMax,
      perMessageDeflate: false,
    })
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    )
    this.server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(426, { connection: 'close' }).end()
    })
    this.server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
      this.log.debug('tls handshake failed', {
        address: `${socket.remoteAddress}:${socket.remotePort}`,
        error: err.code ?? err.message,
      })
    })
    this.server.on('error', (err) => this.log.error('p2p server error', {}, err))
    for (const peer of init.peers ?? []) this.addEndpoint(peer)
  }

  /** Start listening and dialing the configured peers. */
  async start(): Promise<void> {
    if (this.listenAddress !== undefined) return
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(p2pError('INVALID_ARGUMENT', `cannot listen: ${err.message}`, {}, err))
      this.server.once('error', onError)
      this.server.listen(this.init.listenPort ?? 0, this.init.listenHost ?? '127.0.0.1', () => {
        this.server.off('error', onError)
        resolve()
      })
    })
    this.listenAddress = this.server.address() as AddressInfo
    this.log.info('p2p listening', {
      address: this.address,
      tls: this.tlsOptions.maxVersion,
      curve: this.curve,
    })
    for (const ep of this.endpoints.values()) this.ensureDial(ep)
  }

  /** `host:port` this node listens on (after `start`). */
  get address(): string {
    const a = this.listenAddress
    return a === undefined ? '' : `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
  }

  /** The port this node listens on (after `start`). */
  get port(): number {
    return this.listenAddress?.port ?? 0
  }

  // ---------------------------------------------------------------- Transport

  /** Queue a message for one peer. Returns false when the peer is not connected or its queue is full. */
  send(to: NodeId, message: TransportMessage): boolean {
    const session = this.sessions.get(bytesToHex(to))
    if (session === undefined) {
      this.log.trace('send to unconnected peer', {
        peer: shortId(bytesToHex(to)),
        moduleId: message.moduleId,
      })
      return false
    }
    return this.enqueue(session, this.encode(message))
  }

  /** Queue a message for every connected peer in `to`, or every peer. */
  broadcast(message: TransportMessage, to?: readonly NodeId[]): void {
    const frame = this.encode(message)
    const targets =
      to === undefined ? [...this.sessions.values()] : to.map((id) => this.sessions.get(bytesToHex(id)))
    for (const session of targets) if (session !== undefined) this.enqueue(session, frame)
  }

  /**
   * Send with back-pressure: waits until the peer's queue has room instead of dropping.
   * Rejects with PEER_NOT_CONNECTED, SEND_QUEUE_FULL (too many waiting senders) or the
   * error that closed the session.
   */
  async sendWhenReady(to: NodeId, message: TransportMessage): Promise<void> {
    const frame = this.encode(message)
    const hex = bytesToHex(to)
    for (;;) {
      const session = this.sessions.get(hex)
      if (session === undefined) {
        throw p2pError('PEER_NOT_CONNECTED', `peer ${shortId(hex)} is not connected`, { peer: hex })
      }
      if (session.queue.hasRoom(frame.length)) {
        this.enqueue(session, frame)
        return
      }
      await session.queue.whenReady(frame.length)
    }
  }

  /** Register the handler of one (group, module); returns a function that removes it. */
  subscribe(groupId: GroupId, moduleId: number, handler: MessageHandler): () => void {
    const key = handlerKey(groupId, moduleId)
    let set = this.handlers.get(key)
    if (set === undefined) {
      set = new Set()
      this.handlers.set(key, set)
    }
    set.add(handler)
    return () => {
      const current = this.handlers.get(key)
      current?.delete(handler)
      if (current?.size === 0) this.handlers.delete(key)
    }
  }

  /** Connected peers. */
  peers(): readonly PeerInfo[] {
    return [...this.sessions.values()].map((s) => ({ nodeId: s.nodeId, address: s.address }))
  }

  /** True when a session with `nodeId` is open. */
  isConnected(nodeId: NodeId): boolean {
    return this.sessions.has(bytesToHex(nodeId))
  }

  /** Close every session, stop dialing and stop listening. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const ep of this.endpoints.values()) {
      ep.cancelTimer?.()
      ep.cancelTimer = undefined
      ep.dialing?.terminate()
    }
    for (const session of [...this.sessions.values()]) this.drop(session, 'node-closing', 'node closing')
    this.wss.close()
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
    this.log.info('p2p closed')
  }

  // ---------------------------------------------------------------- administration

  /** Listen to connection events; returns a function that stops listening. */
  onEvent(listener: (event: P2PEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Add peers to dial (`host:port`), as FISCO's `addPeers`; dialing starts at once. */
  addPeers(peers: readonly string[]): void {
    for (const peer of peers) {
      const ep = this.addEndpoint(peer)
      if (this.listenAddress !== undefined) this.ensureDial(ep)
    }
  }

  /** Stop dialing these peers and close the sessions made through them, as FISCO's `erasePeers`. */
  erasePeers(peers: readonly string[]): void {
    for (const peer of peers) {
      const { host, port } = parseEndpoint(peer)
      const key = `${host}:${port}`
      const ep = this.endpoints.get(key)
      if (ep === undefined) continue
      ep.erased = true
      ep.cancelTimer?.()
      ep.dialing?.terminate()
      this.endpoints.delete(key)
      for (const session of [...this.sessions.values()]) {
        if (session.endpoint === ep || (ep.nodeHex !== undefined && session.hex === ep.nodeHex)) {
          this.drop(session, 'erased', `peer ${key} erased`)
        }
      }
      this.log.info('peer erased', { endpoint: key })
    }
  }

  /** The configured peer endpoints (`host:port`). */
  staticPeers(): readonly string[] {
    return [...this.endpoints.keys()]
  }

  /** Replace the blacklist; connected peers now on it are dropped at once. */
  setBlacklist(ids: readonly NodeIdLike[]): void {
    if (ids.length > ACCESS_LIST_ENTRIES_MAX) {
      throw p2pError(
        'INVALID_ARGUMENT',
        `expected at most ${ACCESS_LIST_ENTRIES_MAX} blacklist entries, got ${ids.length}`,
      )
    }
    this.blacklist = new Set(ids.map(toHex))
    this.enforceAccessLists()
  }

  /** Replace the whitelist (undefined or empty turns it off); connected peers not on it are dropped. */
  setWhitelist(ids: readonly NodeIdLike[] | undefined): void {
    if (ids !== undefined && ids.length > ACCESS_LIST_ENTRIES_MAX) {
      throw p2pError(
        'INVALID_ARGUMENT',
        `expected at most ${ACCESS_LIST_ENTRIES_MAX} whitelist entries, got ${ids.length}`,
      )
    }
    this.whitelist = ids === undefined || ids.length === 0 ? undefined : new Set(ids.map(toHex))
    this.enforceAccessLists()
  }

  /** Counters since start. */
  stats(): P2PStats {
    let dropped = this.droppedFromClosedQueues
    for (const s of this.sessions.values()) dropped += s.queue.dropped
    let dialsInFlight = 0
    for (const ep of this.endpoints.values()) if (ep.dialing !== undefined) dialsInFlight++
    return {
      sessions: this.sessions.size,
      dialsInFlight,
      ...this.counters,
      framesDropped: dropped,
    }
  }

  // ---------------------------------------------------------------- internals

  private emit(event: P2PEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (err) {
        this.log.error('p2p event listener threw', { event: event.type }, err)
      }
    }
  }

  private encode(message: TransportMessage): Uint8Array {
    return encodeFrame(
      {
        groupId: message.groupId,
        moduleId: message.moduleId,
        packetType: message.packetType,
        seq: 0,
        payload: message.payload,
      },
      this.frameBytesMax,
    )
  }

  private enqueue(session: Session, frame: Uint8Array): boolean {
    const ok = session.queue.push(frame)
    if (!ok) {
      this.log.warn('send queue full, frame dropped', {
        peer: shortId(session.hex),
        queuedFrames: session.queue.length,
        queuedBytes: session.queue.bytes,
      })
    }
    return ok
  }

  private addEndpoint(peer: string): Endpoint {
    const { host, port } = parseEndpoint(peer)
    const key = `${host}:${port}`
    const existing = this.endpoints.get(key)
    if (existing !== undefined) return existing
    if (this.endpoints.size >= PEER_ENDPOINTS_MAX) {
      throw p2pError('INVALID_ARGUMENT', `expected at most ${PEER_ENDPOINTS_MAX} peers`, { peer })
    }
    const ep: Endpoint = {
      key,
      host,
      port,
      nodeHex: undefined,
      attempt: 0,
      cancelTimer: undefined,
      dialing: undefined,
      erased: false,
    }
    this.endpoints.set(key, ep)
    return ep
  }

  /** Refusal by access lists and identity, or undefined when `hex` may connect. */
  private accessVerdict(hex: string): PeerRejectReason | undefined {
    if (hex === this.localHex) return 'self'
    if (this.blacklist.has(hex)) return 'blacklisted'
    if (this.whitelist !== undefined && !this.whitelist.has(hex)) return 'not-whitelisted'
    return undefined
  }

  /**
   * Admission of a new authenticated connection from or to `hex`. Two connections between
   * the same pair may cross; both ends keep the one dialed by the smaller node ID, so they
   * agree without talking. A new connection in the same direction as the old one replaces
   * it (the dialer only redials after it lost its session).
   */
  private admit(
    hex: string,
    dialerHex: string,
  ): { ok: true; replace: Session | undefined } | { ok: false; reason: PeerRejectReason; detail: string } {
    const verdict = this.accessVerdict(hex)
    if (verdict !== undefined)
      return { ok: false, reason: verdict, detail: `node ${shortId(hex)} ${verdict}` }
    const existing = this.sessions.get(hex)
    if (existing === undefined) {
      if (this.sessions.size >= this.connectionsMax) {
        return { ok: false, reason: 'too-many-connections', detail: `${this.sessions.size} sessions open` }
      }
      return { ok: true, replace: undefined }
    }
    if (existing.dialerHex === dialerHex) return { ok: true, replace: existing }
    const preferredDialer = compareBytes(this.localId, nodeIdFromHex(hex)) < 0 ? this.localHex : hex
    if (dialerHex === preferredDialer) return { ok: true, replace: existing }
    return { ok: false, reason: 'duplicate', detail: `already connected to ${shortId(hex)}` }
  }

  private rejected(
    by: 'local' | 'remote',
    reason: PeerRejectReason,
    direction: 'inbound' | 'outbound',
    address: string,
    nodeHex: string | undefined,
    detail: string,
  ): void {
    if (by === 'local') this.counters.rejected++
    const fields = {
      by,
      reason,
      direction,
      address,
      peer: nodeHex === undefined ? undefined : shortId(nodeHex),
      detail,
    }
    if (reason === 'duplicate' || reason === 'self') this.log.info('connection refused', fields)
    else this.log.warn('connection refused', fields)
    this.emit({
      type: 'rejected',
      by,
      reason,
      direction,
      address,
      nodeId: nodeHex === undefined ? undefined : nodeIdFromHex(nodeHex),
      detail,
    })
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const tlsSocket = req.socket as TLSSocket
    const address = `${tlsSocket.remoteAddress}:${tlsSocket.remotePort}`
    const refuse = (reason: PeerRejectReason, nodeHex: string | undefined, detail: string) => {
      this.rejected('local', reason, 'inbound', address, nodeHex, detail)
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nConnection: close\r\n${REJECT_HEADER}: ${reason}\r\nContent-Length: 0\r\n\r\n`,
      )
      // The peer should close on `Connection: close`; one that does not is cut shortly after.
      this.clock.setTimer(REFUSED_SOCKET_LINGER_MS, () => socket.destroy())
    }
    if (this.closed) {
      socket.destroy()
      return
    }
    if (this.sessions.size + this.pendingHandshakes >= this.connectionsMax) {
      refuse(
        'too-many-connections',
        undefined,
        `${this.sessions.size} sessions, ${this.pendingHandshakes} handshakes`,
      )
      return
    }
    const check = checkPeerCertificate(tlsSocket)
    if (!check.ok) {
      refuse(check.reason, undefined, check.detail)
      return
    }
    const hex = bytesToHex(check.nodeId)
    const admission = this.admit(hex, hex)
    if (!admission.ok) {
      refuse(admission.reason, hex, admission.detail)
      return
    }
    this.pendingHandshakes++
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.pendingHandshakes--
      this.attach(ws, check.nodeId, 'inbound', hex, address, undefined, tlsSocket.getProtocol() ?? '')
    })
  }

  private backoffMs(attempt: number): number {
    if (attempt <= 0) return 0
    return Math.min(this.reconnectMax, this.reconnectMin * 2 ** Math.min(attempt - 1, 30))
  }

  /** Dial `ep` (after its backoff) unless it is connected, being dialed or already scheduled. */
  private ensureDial(ep: Endpoint): void {
    if (this.closed || ep.erased || ep.dialing !== undefined || ep.cancelTimer !== undefined) return
    if (this.listenAddress === undefined) return
    if (ep.nodeHex !== undefined && this.sessions.has(ep.nodeHex)) return
    // An endpoint that turned out to be this node is never dialed again (FISCO does the same).
    if (ep.nodeHex === this.localHex) return
    const delayMs = this.backoffMs(ep.attempt)
    ep.cancelTimer = this.clock.setTimer(delayMs, () => {
      ep.cancelTimer = undefined
      this.dial(ep)
    })
  }

  private dial(ep: Endpoint): void {
    if (this.closed || ep.erased || ep.dialing !== undefined) return
    if (ep.nodeHex !== undefined && this.sessions.has(ep.nodeHex)) return
    ep.attempt++
    const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host
    const ws = new WebSocket(`wss://${host}:${ep.port}/`, {
      ...this.tlsOptions,
      rejectUnauthorized: false,
      // Identity is the node ID in the certificate, not a host name (FISCO does the same).
      // node:tls wants undefined for "no error"; @types/ws types the hook as boolean.
      checkServerIdentity: (() => undefined) as unknown as () => boolean,
      maxPayload: this.frameBytesMax,
      perMessageDeflate: false,
      handshakeTimeout: this.handshakeTimeoutMs,
    })
    ep.dialing = ws
    let tlsSocket: TLSSocket | undefined
    let attached = false
    let failure = 'connection failed'
    ws.on('upgrade', (res: IncomingMessage) => {
      tlsSocket = res.socket as TLSSocket
    })
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      const reason = String(res.headers[REJECT_HEADER] ?? '')
      const peerCheck = checkPeerCertificate(res.socket as TLSSocket)
      if (peerCheck.ok) ep.nodeHex = bytesToHex(peerCheck.nodeId)
      if (REJECT_REASONS.has(reason)) {
        failure = `refused by peer: ${reason}`
        this.rejected(
          'remote',
          reason as PeerRejectReason,
          'outbound',
          ep.key,
          ep.nodeHex,
          'peer refused the handshake',
        )
      } else {
        failure = `unexpected HTTP status ${res.statusCode}`
      }
      ws.terminate()
    })
    ws.on('error', (err: Error & { code?: string }) => {
      failure = err.code ?? err.message
    })
    ws.once('open', () => {
      const check = tlsSocket === undefined ? undefined : checkPeerCertificate(tlsSocket)
      if (check === undefined || !check.ok) {
        const reason = check?.reason ?? 'no-certificate'
        this.rejected('local', reason, 'outbound', ep.key, undefined, check?.detail ?? 'no TLS socket')
        failure = `refused: ${reason}`
        ws.close(DROP_CODE_BASE + DROP_REASONS.indexOf(reason), reason)
        return
      }
      const hex = bytesToHex(check.nodeId)
      ep.nodeHex = hex
      const admission = this.admit(hex, this.localHex)
      if (!admission.ok) {
        this.rejected('local', admission.reason, 'outbound', ep.key, hex, admission.detail)
        failure = `refused: ${admission.reason}`
        ws.close(DROP_CODE_BASE + DROP_REASONS.indexOf(admission.reason), admission.reason)
        return
      }
      attached = true
      ep.dialing = undefined
      ep.attempt = 0
      this.attach(ws, check.nodeId, 'outbound', hex, ep.key, ep, tlsSocket?.getProtocol() ?? '')
    })
    ws.once('close', () => {
      if (attached) return
      ep.dialing = undefined
      if (this.closed || ep.erased) return
      this.log.debug('dial failed', {
        endpoint: ep.key,
        attempt: ep.attempt,
        error: failure,
        retryMs: this.backoffMs(ep.attempt),
      })
      this.ensureDial(ep)
    })
  }

  private attach(
    ws: WebSocket,
    nodeId: NodeId,
    direction: 'inbound' | 'outbound',
    hex: string,
    address: string,
    endpoint: Endpoint | undefined,
    tlsProtocol: string,
  ): void {
    if (this.closed) {
      ws.close(DROP_CODE_BASE + DROP_REASONS.indexOf('node-closing'), 'node-closing')
      return
    }
    const dialerHex = direction === 'outbound' ? this.localHex : hex
    // The state may have changed while the WebSocket handshake ran: decide again.
    const admission = this.admit(hex, dialerHex)
    if (!admission.ok) {
      this.rejected('local', admission.reason, direction, address, hex, admission.detail)
      ws.close(DROP_CODE_BASE + DROP_REASONS.indexOf(admission.reason), admission.reason)
      endpoint && this.ensureDial(endpoint)
      return
    }
    if (admission.replace !== undefined) {
      this.drop(admission.replace, 'replaced', 'a crossing connection won the tie-break')
    }
    const sink = {
      bufferedBytes: () => ws.bufferedAmount,
      write: (frame: Uint8Array, done: () => void) => {
        this.counters.framesOut++
        this.counters.bytesOut += frame.length
        ws.send(frame, { binary: true }, done)
      },
    }
    const session: Session = {
      nodeId,
      hex,
      ws,
      direction,
      dialerHex,
      address,
      queue: new SendQueue(sink, this.queueLimits),
      endpoint,
      dropped: false,
    }
    this.sessions.set(hex, session)
    // Learn which configured endpoint an inbound peer is, so it is not dialed twice.
    if (endpoint === undefined) {
      for (const ep of this.endpoints.values()) if (ep.nodeHex === hex) ep.attempt = 0
    }
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(session, data, isBinary))
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.dropLogged(session, 'frame-too-large', `frame over the ${this.frameBytesMax}-byte limit`)
      } else {
        this.dropLogged(session, 'socket-error', err.code ?? err.message)
      }
    })
    ws.on('close', (code: number, reasonBuf: Buffer) => {
      const reasonText = reasonBuf.toString('utf8')
      if (!session.dropped && code >= DROP_CODE_BASE && code < DROP_CODE_BASE + DROP_REASONS.length) {
        const reason = DROP_REASONS[code - DROP_CODE_BASE] as PeerDropReason
        if (REJECT_REASONS.has(reason)) {
          this.rejected(
            'remote',
            reason as PeerRejectReason,
            direction,
            address,
            hex,
            'peer closed the session',
          )
        }
      }
      this.removeSession(session, 'remote-closed', `code ${code}${reasonText ? ` ${reasonText}` : ''}`)
    })
    this.log.info('peer connected', { peer: shortId(hex), address, direction, tls: tlsProtocol })
    this.emit({ type: 'connected', nodeId, address, direction, tlsProtocol })
  }

  private onMessage(session: Session, data: RawData, isBinary: boolean): void {
    if (session.dropped) return
    if (!isBinary) {
      this.dropLogged(session, 'malformed-frame', 'text WebSocket message')
      return
    }
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : data
    let frame: ReturnType<typeof decodeFrame>
    try {
      frame = decodeFrame(bytes, this.frameBytesMax)
    } catch (err) {
      const code = (err as { code?: string }).code
      this.dropLogged(
        session,
        code === 'FRAME_TOO_LARGE' ? 'frame-too-large' : 'malformed-frame',
        (err as Error).message,
      )
      return
    }
    this.counters.framesIn++
    this.counters.bytesIn += bytes.length
    const handlers = this.handlers.get(handlerKey(frame.groupId, frame.moduleId))
    if (handlers === undefined) {
      this.log.trace('no handler for frame', { groupId: frame.groupId, moduleId: frame.moduleId })
      return
    }
    const message: TransportMessage = {
      groupId: frame.groupId,
      moduleId: frame.moduleId,
      packetType: frame.packetType,
      payload: frame.payload,
    }
    for (const handler of handlers) {
      try {
        handler(session.nodeId, message)
      } catch (err) {
        this.log.error('message handler threw', { groupId: frame.groupId, moduleId: frame.moduleId }, err)
      }
    }
  }

  private dropLogged(session: Session, reason: PeerDropReason, detail: string): void {
    if (session.dropped) return
    this.log.warn('dropping peer', { peer: shortId(session.hex), reason, detail })
    this.drop(session, reason, detail)
  }

  /** Close a session from this side, telling the peer why. */
  private drop(session: Session, reason: PeerDropReason, detail: string): void {
    if (session.dropped) return
    const code =
      reason === 'malformed-frame'
        ? 1002
        : reason === 'frame-too-large'
          ? 1009
          : DROP_CODE_BASE + DROP_REASONS.indexOf(reason)
    try {
      session.ws.close(code, reason.slice(0, CLOSE_REASON_CHARS_MAX))
    } catch {
      session.ws.terminate()
    }
    // A peer that ignores the close handshake is cut after the handshake timeout.
    const cancel = this.clock.setTimer(this.handshakeTimeoutMs, () => session.ws.terminate())
    session.ws.once('close', cancel)
    this.removeSession(session, reason, detail)
  }

  private removeSession(session: Session, reason: PeerDropReason, detail: string): void {
    if (session.dropped) return
    session.dropped = true
    this.droppedFromClosedQueues += session.queue.dropped
    session.queue.close(
      p2pError('PEER_NOT_CONNECTED', `peer ${shortId(session.hex)} disconnected: ${reason}`, {
        peer: session.hex,
        reason,
      }),
    )
    if (this.sessions.get(session.hex) === session) this.sessions.delete(session.hex)
    this.log.info('peer disconnected', {
      peer: shortId(session.hex),
      address: session.address,
      reason,
      detail,
    })
    this.emit({
      type: 'disconnected',
      nodeId: session.nodeId,
      address: session.address,
      direction: session.direction,
      reason,
      detail,
    })
    if (this.closed) return
    for (const ep of this.endpoints.values()) {
      if (ep === session.endpoint || ep.nodeHex === session.hex) this.ensureDial(ep)
    }
  }

  private enforceAccessLists(): void {
    for (const session of [...this.sessions.values()]) {
      const verdict = this.accessVerdict(session.hex)
      if (verdict !== undefined) this.dropLogged(session, verdict, 'access list reloaded')
    }
  }
}

/**
 * Create and start a P2P node: listens, then dials the configured peers.
 *
 * @example
 * ```ts
 * const node = await createP2PNode({ certPem: cert.chainPem, keyPem: cert.keyPem, caPem: ca.certPem,
 *   listenPort: 30300, peers: ['127.0.0.1:30301'] }, { logger })
 * node.subscribe(1, ModuleId.PBFT, (from, msg) => engine.step(decode(msg.payload)))
 * ```
 */
export async function createP2PNode(init: P2PNodeInit, components: P2PNodeComponents = {}): Promise<P2PNode> {
  const node = new P2PNode(init, components)
  await node.start()
  return node
}
