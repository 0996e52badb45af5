import { randomBytes, randomInt } from 'node:crypto'
import {
  type Clock,
  type Logger,
  ModuleId,
  type NodeId,
  type Random,
  silentLogger,
  type Transport,
  type TransportMessage,
} from '@consortia/interface'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { p2pError } from './errors.js'
import { bytesToHex, nodeIdFromHex } from './hex.js'

/** Prefix of private topics, which only authenticated subscribers receive (FISCO ≥ 2.1). */
export const PRIVATE_TOPIC_PREFIX = '#!$TopicNeedVerify_'
/** Prefix of the internal topic on which a publisher challenges a private-topic subscriber. */
export const VERIFY_CHANNEL_PREFIX = '#!$VerifyChannel_'
/** AMOP and topic packets are node-level: they travel in group 0. */
export const AMOP_GROUP_ID = 0
/** Longest topic name, in UTF-8 bytes. */
export const TOPIC_BYTES_MAX = 255
/** Most topics one node may announce; a longer list from a peer is refused whole. */
export const TOPICS_PER_NODE_MAX = 1024
/** Default largest AMOP message body. */
export const AMOP_PAYLOAD_BYTES_MAX_DEFAULT = 10 * 1024 * 1024
/** Default most outstanding unicast requests of one node. */
export const AMOP_PENDING_REQUESTS_MAX_DEFAULT = 4096
/** Most clients connected to one node's AMOP service. */
export const AMOP_CLIENTS_MAX = 1024
/** Most public keys a publisher may allow on one private topic. */
export const PRIVATE_TOPIC_KEYS_MAX = 256
/** Default time a unicast request waits for its response. */
export const AMOP_REQUEST_TIMEOUT_MS_DEFAULT = 5000
/** Default interval of topic-sequence gossip (FISCO syncs about every 5 s; tests go faster). */
export const TOPIC_SYNC_INTERVAL_MS_DEFAULT = 1000

/** Status of an AMOP response, as FISCO's channel error codes where they exist. */
export const AMOPStatus = {
  OK: 0,
  /** No node subscribes to the topic (FISCO 100). */
  NO_SUBSCRIBER: 100,
  /** The chosen node has no client for the topic any more (FISCO 101). */
  CLIENT_UNREACHABLE: 101,
  /** No response in time (FISCO 102). */
  TIMEOUT: 102,
  /** The subscriber's handler failed. */
  HANDLER_FAILED: 103,
} as const

const PacketType = { REQUEST: 1, RESPONSE: 2, MULTICAST: 3 } as const
const TopicPacket = { SEQ: 1, REQUEST_TOPICS: 2, TOPICS: 3 } as const
const VERIFY_DOMAIN = new TextEncoder().encode('consortia-amop-verify:')
const NONCE_BYTES = 32
/** Failed private-topic challenges are retried every this many sync intervals. */
const VERIFY_RETRY_TICKS = 10

/** A message delivered to a subscriber. */
export interface AMOPMessage {
  readonly topic: string
  readonly data: Uint8Array
  /** The node the message came from (this node for local senders). */
  readonly fromNode: NodeId
}

/** Handles messages of a topic; for unicast requests its result is the response. */
export type AMOPHandler = (message: AMOPMessage) => Uint8Array | undefined | Promise<Uint8Array | undefined>

/** One client of a node's AMOP service: an SDK session in the node, a plain object in tests. */
export interface AMOPClient {
  /** Subscribe to a public topic. */
  subscribe(topic: string, handler: AMOPHandler): void
  /**
   * Subscribe to a private topic (name without prefix) holding a secp256k1 private key;
   * publishers deliver only after this client proves it holds a key they allow.
   */
  subscribePrivate(topic: string, privateKey: Uint8Array, handler: AMOPHandler): void
  /** Become a publisher of a private topic (name without prefix) for subscribers holding these 64-byte public keys. */
  publishPrivate(topic: string, allowedPublicKeys: readonly Uint8Array[]): void
  unsubscribe(topic: string): void
  /**
   * Unicast: deliver to one subscriber, chosen at random among the nodes subscribing,
   * and return its response. Rejects with AMOP_NO_SUBSCRIBER, AMOP_TIMEOUT or AMOP_CLIENT_UNREACHABLE.
   */
  request(topic: string, data: Uint8Array, options?: { timeoutMs?: number }): Promise<Uint8Array>
  /** Multicast: deliver to every subscriber on every node. Returns how many nodes it was sent to. */
  multicast(topic: string, data: Uint8Array): number
  /** Drop all of this client's subscriptions. */
  close(): void
}

/** Options of the AMOP service. */
export interface AMOPInit {
  readonly topicSyncIntervalMs?: number
  readonly requestTimeoutMs?: number
  readonly payloadBytesMax?: number
  readonly pendingRequestsMax?: number
}

/** Components: the transport it runs on (a P2PNode or an in-memory transport). */
export interface AMOPComponents {
  readonly transport: Transport
  readonly logger?: Logger
  readonly clock?: Clock
  /** Picks unicast receivers. Default: node:crypto. */
  readonly random?: Random
}

/** The full name of a private topic. */
export function privateTopic(name: string): string {
  return name.startsWith(PRIVATE_TOPIC_PREFIX) ? name : PRIVATE_TOPIC_PREFIX + name
}

/** True for a private topic name. */
export function isPrivateTopic(topic: string): boolean {
  return topic.startsWith(PRIVATE_TOPIC_PREFIX)
}

/** The bytes a private-topic subscriber signs to answer a challenge (domain, topic, nonce). */
export function verifyChallengeMessage(topic: string, nonce: Uint8Array): Uint8Array {
  const t = new TextEncoder().encode(privateTopic(topic))
  const out = new Uint8Array(VERIFY_DOMAIN.length + 2 + t.length + nonce.length)
  out.set(VERIFY_DOMAIN, 0)
  new DataView(out.buffer).setUint16(VERIFY_DOMAIN.length, t.length)
  out.set(t, VERIFY_DOMAIN.length + 2)
  out.set(nonce, VERIFY_DOMAIN.length + 2 + t.length)
  return out
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

function checkTopic(topic: string): Uint8Array {
  const bytes = encoder.encode(topic)
  if (bytes.length === 0 || bytes.length > TOPIC_BYTES_MAX) {
    throw p2pError('INVALID_ARGUMENT', `expected topic of 1..${TOPIC_BYTES_MAX} bytes, got ${bytes.length}`)
  }
  return bytes
}

class Reader {
  private offset = 0
  private readonly view: DataView
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  private need(n: number, label: string): void {
    if (this.offset + n > this.bytes.length) {
      throw p2pError('MALFORMED_FRAME', `truncated AMOP packet: expected ${n} bytes of ${label}`)
    }
  }
  u16(label: string): number {
    this.need(2, label)
    const v = this.view.getUint16(this.offset)
    this.offset += 2
    return v
  }
  u32(label: string): number {
    this.need(4, label)
    const v = this.view.getUint32(this.offset)
    this.offset += 4
    return v
  }
  topic(): string {
    const n = this.u16('topic length')
    if (n === 0 || n > TOPIC_BYTES_MAX) throw p2pError('MALFORMED_FRAME', `topic length ${n} out of range`)
    this.need(n, 'topic')
    const t = decoder.decode(this.bytes.subarray(this.offset, this.offset + n))
    this.offset += n
    return t
  }
  rest(): Uint8Array {
    const r = this.bytes.subarray(this.offset)
    this.offset = this.bytes.length
    return r
  }
  end(): void {
    if (this.offset !== this.bytes.length) throw p2pError('MALFORMED_FRAME', 'trailing bytes in AMOP packet')
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

function u16(v: number): Uint8Array {
  const b = new Uint8Array(2)
  new DataView(b.buffer).setUint16(0, v)
  return b
}

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, v)
  return b
}

function topicField(topic: string): Uint8Array {
  const t = checkTopic(topic)
  return concat([u16(t.length), t])
}

interface PeerTopics {
  seq: number
  topics: Set<string>
}

interface Pending {
  resolve: (r: { status: number; data: Uint8Array }) => void
  cancelTimer: () => void
}

const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, delayMs)
    t.unref?.()
    return () => clearTimeout(t)
  },
}

class ClientImpl implements AMOPClient {
  readonly handlers = new Map<string, AMOPHandler>()
  /** Private topic (full name) → signing key. */
  readonly privateKeys = new Map<string, Uint8Array>()
  /** Private topic (full name) → allowed 65-byte uncompressed public keys. */
  readonly allowedKeys = new Map<string, Uint8Array[]>()
  closed = false

  constructor(private readonly service: AMOP) {}

  subscribe(topic: string, handler: AMOPHandler): void {
    checkTopic(topic)
    if (topic.startsWith(VERIFY_CHANNEL_PREFIX)) {
      throw p2pError('INVALID_ARGUMENT', `topic prefix ${VERIFY_CHANNEL_PREFIX} is reserved`)
    }
    this.handlers.set(topic, handler)
    this.service.topicsChanged()
  }

  subscribePrivate(topic: string, privateKey: Uint8Array, handler: AMOPHandler): void {
    const full = privateTopic(topic)
    checkTopic(VERIFY_CHANNEL_PREFIX + full)
    if (
      !(privateKey instanceof Uint8Array) ||
      privateKey.length !== 32 ||
      !secp256k1.utils.isValidSecretKey(privateKey)
    ) {
      throw p2pError('INVALID_ARGUMENT', `expected 32-byte secp256k1 private key, got ${privateKey?.length}`)
    }
    this.privateKeys.set(full, privateKey)
    this.handlers.set(full, handler)
    this.handlers.set(VERIFY_CHANNEL_PREFIX + full, ({ data }) => {
      if (data.length !== NONCE_BYTES) {
        throw p2pError('INVALID_ARGUMENT', `expected ${NONCE_BYTES}-byte nonce, got ${data.length}`)
      }
      return secp256k1.sign(verifyChallengeMessage(full, data), privateKey, { prehash: true })
    })
    this.service.topicsChanged()
  }

  publishPrivate(topic: string, allowedPublicKeys: readonly Uint8Array[]): void {
    const full = privateTopic(topic)
    checkTopic(full)
    if (allowedPublicKeys.length > PRIVATE_TOPIC_KEYS_MAX) {
      throw p2pError(
        'INVALID_ARGUMENT',
        `expected at most ${PRIVATE_TOPIC_KEYS_MAX} public keys, got ${allowedPublicKeys.length}`,
      )
    }
    const keys = allowedPublicKeys.map((k, i) => {
      if (!(k instanceof Uint8Array) || k.length !== 64) {
        throw p2pError('INVALID_ARGUMENT', `expected 64-byte public key at index ${i}, got ${k?.length}`)
      }
      return concat([new Uint8Array([4]), k])
    })
    this.allowedKeys.set(full, keys)
    this.service.publishersChanged(full)
  }

  unsubscribe(topic: string): void {
    this.handlers.delete(topic)
    if (isPrivateTopic(topic)) {
      this.handlers.delete(VERIFY_CHANNEL_PREFIX + topic)
      this.privateKeys.delete(topic)
    }
    this.service.topicsChanged()
  }

  request(topic: string, data: Uint8Array, options: { timeoutMs?: number } = {}): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(p2pError('NODE_CLOSED', 'AMOP client closed'))
    return this.service.request(this, topic, data, options.timeoutMs)
  }

  multicast(topic: string, data: Uint8Array): number {
    if (this.closed) throw p2pError('NODE_CLOSED', 'AMOP client closed')
    return this.service.multicast(this, topic, data)
  }

  /** Check a challenge response against the keys this publisher allows. */
  verifies(topic: string, nonce: Uint8Array, signature: Uint8Array): boolean {
    const keys = this.allowedKeys.get(topic)
    if (keys === undefined || signature.length !== 64) return false
    const message = verifyChallengeMessage(topic, nonce)
    return keys.some((k) => {
      try {
        return secp256k1.verify(signature, message, k, { prehash: true })
      } catch {
        return false
      }
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.handlers.clear()
    this.privateKeys.clear()
    this.allowedKeys.clear()
    this.service.removeClient(this)
  }
}

/**
 * AMOP (Advanced Messages Onchain Protocol): topic messaging between clients of different
 * nodes, outside consensus. Nodes gossip their topic lists with a sequence number (module
 * Topic); messages travel in module AMOP. Unicast picks one subscribing node at random and
 * returns the subscriber's response; multicast reaches every subscriber. Private topics
 * (`#!$TopicNeedVerify_` prefix) are delivered only to nodes whose subscriber answered the
 * publisher's challenge: the publisher's node sends a random nonce on the
 * `#!$VerifyChannel_` topic, the subscriber signs it with its secp256k1 key, and the
 * publisher checks the signature against the public keys it allows (reference/fisco-2x.md §8).
 */
export class AMOP {
  private readonly transport: Transport
  private readonly localHex: string
  private readonly log: Logger
  private readonly clock: Clock
  private readonly random: Random | undefined
  private readonly syncIntervalMs: number
  private readonly requestTimeoutMs: number
  private readonly payloadBytesMax: number
  private readonly pendingMax: number
  private readonly clients = new Set<ClientImpl>()
  private readonly peerTopics = new Map<string, PeerTopics>()
  private readonly pending = new Map<number, Pending>()
  /** `${nodeHex}|${topic}` → verification state of a private topic on a node. */
  private readonly verification = new Map<string, 'pending' | 'verified' | 'failed'>()
  private readonly unsubscribes: (() => void)[] = []
  private localTopics = new Set<string>()
  private seq = 0
  private ticks = 0
  private nextRequestId = 1
  private cancelSync: (() => void) | undefined
  private closed = false

  constructor(init: AMOPInit, components: AMOPComponents) {
    this.transport = components.transport
    this.localHex = bytesToHex(components.transport.localId)
    this.log = (components.logger ?? silentLogger).child({ component: 'amop' })
    this.clock = components.clock ?? systemClock
    this.random = components.random
    this.syncIntervalMs = init.topicSyncIntervalMs ?? TOPIC_SYNC_INTERVAL_MS_DEFAULT
    this.requestTimeoutMs = init.requestTimeoutMs ?? AMOP_REQUEST_TIMEOUT_MS_DEFAULT
    this.payloadBytesMax = init.payloadBytesMax ?? AMOP_PAYLOAD_BYTES_MAX_DEFAULT
    this.pendingMax = init.pendingRequestsMax ?? AMOP_PENDING_REQUESTS_MAX_DEFAULT
    this.unsubscribes.push(
      this.transport.subscribe(AMOP_GROUP_ID, ModuleId.Topic, (from, m) =>
        this.guard(from, m, () => this.onTopic(from, m)),
      ),
      this.transport.subscribe(AMOP_GROUP_ID, ModuleId.AMOP, (from, m) =>
        this.guard(from, m, () => this.onAMOP(from, m)),
      ),
    )
    this.scheduleSync()
  }

  /** Connect a client (an SDK session) to this node. */
  connectClient(): AMOPClient {
    if (this.closed) throw p2pError('NODE_CLOSED', 'AMOP service closed')
    if (this.clients.size >= AMOP_CLIENTS_MAX) {
      throw p2pError('AMOP_LIMIT', `more than ${AMOP_CLIENTS_MAX} AMOP clients`, {
        clientsMax: AMOP_CLIENTS_MAX,
      })
    }
    const client = new ClientImpl(this)
    this.clients.add(client)
    return client
  }

  /** Topics subscribed by this node's clients (what it announces). */
  topics(): readonly string[] {
    return [...this.localTopics].sort()
  }

  /** Topics a peer announced, as last synchronised. */
  topicsOf(nodeId: NodeId): readonly string[] {
    return [...(this.peerTopics.get(bytesToHex(nodeId))?.topics ?? [])].sort()
  }

  /** True when this node's publishers verified `nodeId`'s subscriber of private `topic`. */
  isVerified(nodeId: NodeId, topic: string): boolean {
    return this.verification.get(`${bytesToHex(nodeId)}|${privateTopic(topic)}`) === 'verified'
  }

  /** Stop gossip, fail outstanding requests and disconnect all clients. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.cancelSync?.()
    for (const u of this.unsubscribes) u()
    for (const [id, p] of this.pending) {
      p.cancelTimer()
      p.resolve({ status: AMOPStatus.CLIENT_UNREACHABLE, data: new Uint8Array() })
      this.pending.delete(id)
    }
    for (const c of [...this.clients]) c.close()
  }

  // ------------------------------------------------------------ called by clients

  /** @internal */
  topicsChanged(): void {
    const next = new Set<string>()
    for (const c of this.clients)
      for (const t of c.handlers.keys()) if (!t.startsWith(VERIFY_CHANNEL_PREFIX)) next.add(t)
    if (next.size > TOPICS_PER_NODE_MAX) {
      this.log.warn('topic list over limit; extra topics are not announced', {
        topicsMax: TOPICS_PER_NODE_MAX,
      })
    }
    const same = next.size === this.localTopics.size && [...next].every((t) => this.localTopics.has(t))
    if (same) return
    this.localTopics = new Set([...next].slice(0, TOPICS_PER_NODE_MAX))
    this.seq = (this.seq + 1) >>> 0
    for (const key of [...this.verification.keys()]) {
      if (key.startsWith(`${this.localHex}|`) && !this.localTopics.has(key.slice(this.localHex.length + 1))) {
        this.verification.delete(key)
      }
    }
    this.broadcastSeq()
    this.verifyAll()
  }

  /** @internal */
  publishersChanged(topic: string): void {
    for (const key of [...this.verification.keys()])
      if (key.endsWith(`|${topic}`)) this.verification.delete(key)
    this.verifyAll()
  }

  /** @internal */
  removeClient(client: ClientImpl): void {
    this.clients.delete(client)
    this.topicsChanged()
  }

  /** @internal */
  async request(
    sender: ClientImpl,
    topic: string,
    data: Uint8Array,
    timeoutMs?: number,
  ): Promise<Uint8Array> {
    checkTopic(topic)
    this.checkPayload(data)
    const candidates = this.shuffle(this.candidates(sender, topic))
    if (candidates.length === 0) {
      throw p2pError('AMOP_NO_SUBSCRIBER', `no node subscribes to topic '${topic}'`, {
        topic,
        status: AMOPStatus.NO_SUBSCRIBER,
      })
    }
    const deadline = this.clock.nowMs() + (timeoutMs ?? this.requestTimeoutMs)
    let last: number = AMOPStatus.CLIENT_UNREACHABLE
    // Like FISCO, try the next subscribing node when the chosen one has lost its client.
    for (const hex of candidates) {
      const remainingMs = deadline - this.clock.nowMs()
      if (remainingMs <= 0) break
      const result =
        hex === this.localHex
          ? await this.deliverLocal(topic, data, this.transport.localId, sender)
          : await this.requestRemote(hex, topic, data, remainingMs)
      if (result.status === AMOPStatus.OK) return result.data
      last = result.status
      if (result.status === AMOPStatus.TIMEOUT) break
    }
    if (last === AMOPStatus.TIMEOUT || deadline - this.clock.nowMs() <= 0) {
      throw p2pError('AMOP_TIMEOUT', `no response on topic '${topic}' in time`, {
        topic,
        status: AMOPStatus.TIMEOUT,
      })
    }
    throw p2pError('AMOP_CLIENT_UNREACHABLE', `no subscriber of '${topic}' answered`, { topic, status: last })
  }

  /** @internal */
  multicast(sender: ClientImpl, topic: string, data: Uint8Array): number {
    checkTopic(topic)
    this.checkPayload(data)
    const targets = this.candidates(sender, topic)
    let remote: Uint8Array | undefined
    for (const hex of targets) {
      if (hex === this.localHex) {
        void this.deliverLocal(topic, data, this.transport.localId, sender, true)
        continue
      }
      remote ??= concat([topicField(topic), data])
      this.transport.send(nodeIdFromHex(hex), {
        groupId: AMOP_GROUP_ID,
        moduleId: ModuleId.AMOP,
        packetType: PacketType.MULTICAST,
        payload: remote,
      })
    }
    return targets.length
  }

  // ------------------------------------------------------------ internals

  private checkPayload(data: Uint8Array): void {
    if (!(data instanceof Uint8Array) || data.length > this.payloadBytesMax) {
      throw p2pError(
        'INVALID_ARGUMENT',
        `expected AMOP data of at most ${this.payloadBytesMax} bytes, got ${data?.length}`,
      )
    }
  }

  private guard(from: NodeId, m: TransportMessage, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.log.warn('bad AMOP packet dropped', {
        peer: bytesToHex(from).slice(0, 8),
        moduleId: m.moduleId,
        error: (err as Error).message,
      })
    }
  }

  private scheduleSync(): void {
    if (this.closed) return
    this.cancelSync = this.clock.setTimer(this.syncIntervalMs, () => {
      this.pruneGonePeers()
      this.broadcastSeq()
      // Failed challenges (a timeout, a subscriber that changed keys) are retried now and then.
      if (++this.ticks % VERIFY_RETRY_TICKS === 0) {
        for (const [key, state] of [...this.verification])
          if (state === 'failed') this.verification.delete(key)
        this.verifyAll()
      }
      this.scheduleSync()
    })
  }

  private broadcastSeq(): void {
    if (this.closed) return
    this.transport.broadcast({
      groupId: AMOP_GROUP_ID,
      moduleId: ModuleId.Topic,
      packetType: TopicPacket.SEQ,
      payload: u32(this.seq),
    })
  }

  private pruneGonePeers(): void {
    const live = new Set(this.transport.peers().map((p) => bytesToHex(p.nodeId)))
    for (const hex of [...this.peerTopics.keys()]) {
      if (!live.has(hex)) {
        this.peerTopics.delete(hex)
        for (const key of [...this.verification.keys()])
          if (key.startsWith(`${hex}|`)) this.verification.delete(key)
      }
    }
  }

  private onTopic(from: NodeId, m: TransportMessage): void {
    const hex = bytesToHex(from)
    const r = new Reader(m.payload)
    if (m.packetType === TopicPacket.SEQ) {
      const seq = r.u32('seq')
      r.end()
      if (this.peerTopics.get(hex)?.seq !== seq) {
        this.transport.send(from, {
          groupId: AMOP_GROUP_ID,
          moduleId: ModuleId.Topic,
          packetType: TopicPacket.REQUEST_TOPICS,
          payload: new Uint8Array(),
        })
      }
    } else if (m.packetType === TopicPacket.REQUEST_TOPICS) {
      r.end()
      const parts = [u32(this.seq), u16(this.localTopics.size)]
      for (const t of this.localTopics) parts.push(topicField(t))
      this.transport.send(from, {
        groupId: AMOP_GROUP_ID,
        moduleId: ModuleId.Topic,
        packetType: TopicPacket.TOPICS,
        payload: concat(parts),
      })
    } else if (m.packetType === TopicPacket.TOPICS) {
      const seq = r.u32('seq')
      const count = r.u16('count')
      if (count > TOPICS_PER_NODE_MAX) {
        throw p2pError('AMOP_LIMIT', `peer announced ${count} topics, limit ${TOPICS_PER_NODE_MAX}`)
      }
      const topics = new Set<string>()
      for (let i = 0; i < count; i++) topics.add(r.topic())
      r.end()
      const old = this.peerTopics.get(hex)
      this.peerTopics.set(hex, { seq, topics })
      for (const t of old?.topics ?? []) if (!topics.has(t)) this.verification.delete(`${hex}|${t}`)
      this.log.debug('peer topics updated', { peer: hex.slice(0, 8), seq, topics: topics.size })
      this.verifyAll()
    } else {
      throw p2pError('MALFORMED_FRAME', `unknown topic packet type ${m.packetType}`)
    }
  }

  private onAMOP(from: NodeId, m: TransportMessage): void {
    const r = new Reader(m.payload)
    if (m.packetType === PacketType.REQUEST) {
      const id = r.u32('request id')
      const topic = r.topic()
      const data = r.rest()
      void this.deliverLocal(topic, data, from, undefined).then((result) => {
        this.transport.send(from, {
          groupId: AMOP_GROUP_ID,
          moduleId: ModuleId.AMOP,
          packetType: PacketType.RESPONSE,
          payload: concat([u32(id), u16(result.status), result.data]),
        })
      })
    } else if (m.packetType === PacketType.RESPONSE) {
      const id = r.u32('request id')
      const status = r.u16('status')
      const data = r.rest()
      const p = this.pending.get(id)
      if (p === undefined) return
      this.pending.delete(id)
      p.cancelTimer()
      p.resolve({ status, data })
    } else if (m.packetType === PacketType.MULTICAST) {
      const topic = r.topic()
      void this.deliverLocal(topic, r.rest(), from, undefined, true)
    } else {
      throw p2pError('MALFORMED_FRAME', `unknown AMOP packet type ${m.packetType}`)
    }
  }

  /** Nodes (hex, this node included) a message on `topic` from `sender` goes to. */
  private candidates(sender: ClientImpl, topic: string): string[] {
    const out: string[] = []
    const local = [...this.clients].some((c) => c !== sender && c.handlers.has(topic))
    const privateOnly = isPrivateTopic(topic)
    const allowed = (hex: string) => !privateOnly || this.verification.get(`${hex}|${topic}`) === 'verified'
    if (local && allowed(this.localHex)) out.push(this.localHex)
    for (const [hex, pt] of this.peerTopics) if (pt.topics.has(topic) && allowed(hex)) out.push(hex)
    return out
  }

  private shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.random ? this.random.nextInt(i + 1) : randomInt(i + 1)
      ;[items[i], items[j]] = [items[j] as T, items[i] as T]
    }
    return items
  }

  private async deliverLocal(
    topic: string,
    data: Uint8Array,
    fromNode: NodeId,
    except: ClientImpl | undefined,
    all = false,
  ): Promise<{ status: number; data: Uint8Array }> {
    const subscribers = [...this.clients].filter((c) => c !== except && c.handlers.has(topic))
    if (subscribers.length === 0) return { status: AMOPStatus.CLIENT_UNREACHABLE, data: new Uint8Array() }
    const chosen = all ? subscribers : [this.shuffle(subscribers)[0] as ClientImpl]
    let response: { status: number; data: Uint8Array } = { status: AMOPStatus.OK, data: new Uint8Array() }
    for (const client of chosen) {
      const handler = client.handlers.get(topic) as AMOPHandler
      try {
        const out = await handler({ topic, data, fromNode })
        response = { status: AMOPStatus.OK, data: out ?? new Uint8Array() }
      } catch (err) {
        this.log.warn('AMOP handler failed', { topic, error: (err as Error).message })
        response = { status: AMOPStatus.HANDLER_FAILED, data: new Uint8Array() }
      }
    }
    return response
  }

  private requestRemote(
    hex: string,
    topic: string,
    data: Uint8Array,
    timeoutMs: number,
  ): Promise<{ status: number; data: Uint8Array }> {
    if (this.pending.size >= this.pendingMax) {
      return Promise.reject(
        p2pError('AMOP_LIMIT', `more than ${this.pendingMax} AMOP requests outstanding`, {
          pendingRequestsMax: this.pendingMax,
        }),
      )
    }
    let id = this.nextRequestId
    while (this.pending.has(id) || id === 0) id = (id + 1) >>> 0
    this.nextRequestId = (id + 1) >>> 0
    return new Promise((resolve) => {
      const cancelTimer = this.clock.setTimer(timeoutMs, () => {
        if (this.pending.delete(id)) resolve({ status: AMOPStatus.TIMEOUT, data: new Uint8Array() })
      })
      this.pending.set(id, { resolve, cancelTimer })
      const sent = this.transport.send(nodeIdFromHex(hex), {
        groupId: AMOP_GROUP_ID,
        moduleId: ModuleId.AMOP,
        packetType: PacketType.REQUEST,
        payload: concat([u32(id), topicField(topic), data]),
      }) as unknown
      if (sent === false) {
        this.pending.delete(id)
        cancelTimer()
        resolve({ status: AMOPStatus.CLIENT_UNREACHABLE, data: new Uint8Array() })
      }
    })
  }

  /** Start a challenge for every (node, private topic) this node publishes and has not verified. */
  private verifyAll(): void {
    if (this.closed) return
    const publishers = new Map<string, ClientImpl>()
    for (const c of this.clients)
      for (const t of c.allowedKeys.keys()) if (!publishers.has(t)) publishers.set(t, c)
    if (publishers.size === 0) return
    const holders: [string, Set<string>][] = [[this.localHex, this.localTopics]]
    for (const [hex, pt] of this.peerTopics) holders.push([hex, pt.topics])
    for (const [topic, publisher] of publishers) {
      for (const [hex, topics] of holders) {
        const key = `${hex}|${topic}`
        if (!topics.has(topic) || this.verification.has(key)) continue
        this.verification.set(key, 'pending')
        void this.challenge(hex, topic, publisher).then((ok) => {
          if (this.verification.get(key) !== 'pending') return
          this.verification.set(key, ok ? 'verified' : 'failed')
          if (ok) this.log.info('private topic subscriber verified', { peer: hex.slice(0, 8), topic })
          else this.log.warn('private topic subscriber failed verification', { peer: hex.slice(0, 8), topic })
        })
      }
    }
  }

  private async challenge(hex: string, topic: string, publisher: ClientImpl): Promise<boolean> {
    const nonce = new Uint8Array(randomBytes(NONCE_BYTES))
    const verifyTopic = VERIFY_CHANNEL_PREFIX + topic
    try {
      const result =
        hex === this.localHex
          ? await this.deliverLocal(verifyTopic, nonce, this.transport.localId, publisher)
          : await this.requestRemote(hex, verifyTopic, nonce, this.requestTimeoutMs)
      return result.status === AMOPStatus.OK && publisher.verifies(topic, nonce, result.data)
    } catch (err) {
      this.log.warn('private topic challenge failed', {
        peer: hex.slice(0, 8),
        topic,
        error: (err as Error).message,
      })
      return false
    }
  }
}

/**
 * Start the AMOP service of a node on its transport.
 *
 * @example
 * ```ts
 * const amop = createAMOP({}, { transport: p2pNode })
 * const client = amop.connectClient()
 * client.subscribe('prices', ({ data }) => new TextEncoder().encode('ack'))
 * ```
 */
export function createAMOP(init: AMOPInit, components: AMOPComponents): AMOP {
  return new AMOP(init, components)
}
