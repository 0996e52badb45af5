/**
 * The FISCO BCOS 2.x channel protocol server (reference/interop.md §3): TLS 1.2 with the
 * `secp256k1` curve and mutual authentication against the chain CA, the 42-byte channel frame,
 * JSON-RPC requests (`0x12`), heartbeat (`0x13`), handshake (`0x14`), receipt push after
 * `sendRawTransaction` (`0x1000`), block-number notify (`0x1001`), event-log filters
 * (`0x15`/`0x16` → `0x1002`) and AMOP (`0x30`/`0x31`/`0x32`/`0x35`) bridged to the node's AMOP.
 * A malformed frame closes that connection only.
 */
import { createServer, type TLSSocket } from 'node:tls'
import { merkleProof, merkleProofToJSON } from '@consortia/crypto'
import type { Hash32, Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { receiptHash } from '@consortia/protocol'
import type {
  AMOPClientPort,
  BackendBlock,
  GroupBackend,
  LocatedReceipt,
  NodeBackend,
} from '../rpc/backend.js'
import { rpcError } from '../rpc/errors.js'
import { dataHex, pushedReceiptJSON, quantityHex, statusName } from '../rpc/format.js'
import type { RunningServer } from '../rpc/http-server.js'
import { handleRpcBody } from '../rpc/methods.js'
import { type EventFilter, logsOfBlock, parseEventFilter } from './event-filter.js'
import {
  CHANNEL_FRAME_BYTES_MAX_DEFAULT,
  type ChannelFrame,
  ChannelResult,
  ChannelType,
  decodeTopicBody,
  encodeFrame,
  encodeTopicBody,
  FrameParser,
  newSeq,
  ZERO_SEQ,
} from './frame.js'

/** Most channel connections at once. */
export const CHANNEL_CONNECTIONS_MAX_DEFAULT = 1024
/** Most requests of one connection being answered at once; reading pauses beyond it. */
export const CHANNEL_INFLIGHT_MAX = 64
/** Most transactions of one connection waiting for their receipt push. */
export const CHANNEL_RECEIPT_WAITERS_MAX = 10_000
/** Most event-log filters of one connection. */
export const CHANNEL_FILTERS_MAX = 64
/** Most topics one connection subscribes. */
export const CHANNEL_TOPICS_MAX = 1024
/** Most AMOP requests the node sent one connection and still waits answers for. */
export const CHANNEL_AMOP_PENDING_MAX = 1024
/** How long the SDK has to answer an AMOP request the node forwarded to it. */
export const CHANNEL_AMOP_TIMEOUT_MS = 5000
/** Blocks a filter's history scan reads at registration. */
export const EVENT_HISTORY_BLOCKS_MAX = 10_000
/** TLS handshake timeout. */
export const CHANNEL_HANDSHAKE_TIMEOUT_MS = 10_000
/** Protocol versions this node speaks (v1 without handshake, v2 and v3 after `0x14`). */
export const CHANNEL_PROTOCOL_MAX = 3

/** Topic prefix of block-number notifications (`_block_notify_<groupID>`). */
export const BLOCK_NOTIFY_TOPIC_PREFIX = '_block_notify_'

/** Event-log filter answer codes (FISCO libeventfilter/Common.h `ResponseCode`). */
export const EventFilterCode = {
  SUCCESS: 0,
  PUSH_COMPLETED: 1,
  INVALID_PARAMS: -41000,
  INVALID_REQUEST: -41001,
  GROUP_NOT_EXIST: -41002,
  INVALID_REQUEST_RANGE: -41003,
  INVALID_RESPONSE: -41004,
  REQUEST_TIMEOUT: -41005,
  SDK_PERMISSION_DENIED: -41006,
} as const

/** TLS material: the node's channel certificate chain and key, and the chain CA that signed SDK certs. */
export interface ChannelTLS {
  /** The node certificate followed by its agency certificate, PEM. */
  readonly certPem: string
  readonly keyPem: string
  /** The chain CA, PEM: client certificates must chain to it. */
  readonly caPem: string
}

/** Options of `startChannelServer`. */
export interface ChannelServerInit {
  readonly host: string
  /** Port; 0 picks a free one. */
  readonly port: number
  readonly tls: ChannelTLS
  readonly node: NodeBackend
  /** Largest frame accepted (default `CHANNEL_FRAME_BYTES_MAX_DEFAULT`, 16 MiB). */
  readonly frameBytesMax?: number
  readonly connectionsMax?: number
  /** Transactions per connection waiting for a receipt push (default `CHANNEL_RECEIPT_WAITERS_MAX`). */
  readonly receiptWaitersMax?: number
  /** Event-log filters per connection (default `CHANNEL_FILTERS_MAX`). */
  readonly filtersMax?: number
  /** Requests per connection answered at once before reading pauses (default `CHANNEL_INFLIGHT_MAX`). */
  readonly inflightMax?: number
  readonly logger?: Logger
}

/** The running channel server. */
export interface ChannelServer extends RunningServer {
  /** Open connections. */
  readonly connections: number
}

interface Connection {
  readonly id: number
  readonly socket: TLSSocket
  protocol: number
  topics: Set<string>
  readonly waiters: Map<string, { seq: string; groupId: number; withProof: boolean }>
  readonly filters: Map<string, EventFilter>
  readonly amopPending: Map<string, (frame: ChannelFrame) => void>
  amop: AMOPClientPort | undefined
  inflight: number
  closed: boolean
}

/**
 * Starts the channel server.
 *
 * @example
 * ```ts
 * const channel = await startChannelServer({
 *   host: '0.0.0.0', port: 20200, node,
 *   tls: { certPem: nodeCert.chainPem, keyPem: nodeCert.keyPem, caPem: ca.certPem },
 * })
 * ```
 */
export async function startChannelServer(init: ChannelServerInit): Promise<ChannelServer> {
  const logger = (init.logger ?? silentLogger).child({ component: 'channel' })
  const frameBytesMax = init.frameBytesMax ?? CHANNEL_FRAME_BYTES_MAX_DEFAULT
  const { node } = init
  const connections = new Set<Connection>()
  const receiptWaitersMax = init.receiptWaitersMax ?? CHANNEL_RECEIPT_WAITERS_MAX
  const filtersMax = init.filtersMax ?? CHANNEL_FILTERS_MAX
  const inflightMax = init.inflightMax ?? CHANNEL_INFLIGHT_MAX
  /** tx hash hex → the connection waiting for its receipt. */
  const receiptWaiters = new Map<string, Connection>()
  const groupSubscriptions = new Map<number, () => void>()
  let nextId = 1

  const send = (conn: Connection, frame: ChannelFrame) => {
    if (conn.closed || conn.socket.destroyed) return
    try {
      // One socket write per frame, never coalesced (interop.md §3.5).
      conn.socket.write(encodeFrame(frame))
    } catch (err) {
      logger.warn('cannot send channel frame', { connection: conn.id, type: frame.type, err })
    }
  }
  const sendJSON = (conn: Connection, type: number, seq: string, value: unknown, result = 0) =>
    send(conn, { type, seq, result, body: Buffer.from(JSON.stringify(value)) })

  const drop = (conn: Connection, reason: string) => {
    if (conn.closed) return
    conn.closed = true
    logger.info('channel connection closed', { connection: conn.id, reason })
    connections.delete(conn)
    for (const hash of conn.waiters.keys()) if (receiptWaiters.get(hash) === conn) receiptWaiters.delete(hash)
    conn.waiters.clear()
    conn.filters.clear()
    conn.amop?.close()
    conn.amop = undefined
    conn.socket.destroy()
  }

  // ---- pushes from the groups --------------------------------------------------------------

  const pushReceipt = (group: GroupBackend, r: LocatedReceipt, block?: BackendBlock) => {
    const hash = Buffer.from(r.tx.hash).toString('hex')
    const conn = receiptWaiters.get(hash)
    if (conn === undefined) return
    receiptWaiters.delete(hash)
    const waiter = conn.waiters.get(hash)
    conn.waiters.delete(hash)
    if (waiter === undefined) return
    const body: Record<string, unknown> = pushedReceiptJSON(r)
    if (waiter.withProof && block !== undefined) {
      body['txProof'] = merkleProofToJSON(
        merkleProof(
          group.suite,
          block.block.transactions.map((t) => t.hash),
          r.index,
        ),
      )
      body['receiptProof'] = merkleProofToJSON(
        merkleProof(
          group.suite,
          block.receipts.map((x) => receiptHash(x, group.suite.hash)),
          r.index,
        ),
      )
    }
    sendJSON(conn, ChannelType.RECEIPT_PUSH, waiter.seq, body)
  }

  const failureReceipt = (hash: Hash32, status: number, message?: string) => ({
    blockHash: dataHex(new Uint8Array(32)),
    blockNumber: '0x0',
    contractAddress: dataHex(new Uint8Array(20)),
    gasUsed: '0x0',
    logs: [],
    output: '0x',
    remainGas: '0x0',
    status: quantityHex(status),
    statusMsg: message === undefined ? statusName(status) : `${statusName(status)}: ${message}`,
    transactionHash: dataHex(hash),
    transactionIndex: '0x0',
  })

  const pushRefused = (conn: Connection, seq: string, hash: Hash32, status: number, message: string) =>
    sendJSON(conn, ChannelType.RECEIPT_PUSH, seq, failureReceipt(hash, status, message))

  const pushDropped = (hash: Hash32, status: number) => {
    const hex = Buffer.from(hash).toString('hex')
    const conn = receiptWaiters.get(hex)
    if (conn === undefined) return
    receiptWaiters.delete(hex)
    const waiter = conn.waiters.get(hex)
    conn.waiters.delete(hex)
    if (waiter === undefined) return
    sendJSON(conn, ChannelType.RECEIPT_PUSH, waiter.seq, failureReceipt(hash, status))
  }

  const notifyBlock = (groupId: number, number: number) => {
    const topic = `${BLOCK_NOTIFY_TOPIC_PREFIX}${groupId}`
    for (const conn of connections) {
      if (!conn.topics.has(topic)) continue
      const payload =
        conn.protocol >= 2
          ? JSON.stringify({ groupID: groupId, blockNumber: number })
          : `${groupId},${number}`
      send(conn, {
        type: ChannelType.BLOCK_NOTIFY,
        seq: ZERO_SEQ,
        result: 0,
        body: encodeTopicBody(topic, Buffer.from(payload)),
      })
    }
  }

  const pushFilterLogs = (
    conn: Connection,
    filter: EventFilter,
    block: BackendBlock,
    group: GroupBackend,
  ) => {
    const logs = logsOfBlock(block, filter, group.suite)
    if (logs.length > 0) {
      sendJSON(conn, ChannelType.EVENT_LOG_PUSH, ZERO_SEQ, { filterID: filter.filterID, result: 0, logs })
    }
  }

  const completeFilter = (conn: Connection, filter: EventFilter) => {
    conn.filters.delete(filter.filterID)
    sendJSON(conn, ChannelType.EVENT_LOG_PUSH, ZERO_SEQ, {
      filterID: filter.filterID,
      result: EventFilterCode.PUSH_COMPLETED,
      logs: [],
    })
  }

  const onGroupBlock = (group: GroupBackend, block: BackendBlock) => {
    const number = block.block.header.number
    notifyBlock(group.groupId, number)
    for (const conn of connections) {
      for (const filter of [...conn.filters.values()]) {
        if (filter.groupId !== group.groupId || filter.nextBlock > number) continue
        if (filter.nextBlock < number) continue // still scanning history; the scan catches up
        filter.nextBlock = number + 1
        if (filter.toBlock === undefined || number <= filter.toBlock)
          pushFilterLogs(conn, filter, block, group)
        if (filter.toBlock !== undefined && number >= filter.toBlock) completeFilter(conn, filter)
      }
    }
  }

  const pushReceipts = (group: GroupBackend, block: BackendBlock) => {
    if (receiptWaiters.size === 0) return
    block.block.transactions.forEach((tx, index) => {
      if (!receiptWaiters.has(Buffer.from(tx.hash).toString('hex'))) return
      const receipt = block.receipts[index]
      if (receipt === undefined) return
      pushReceipt(
        group,
        { tx, receipt, blockHash: block.hash, blockNumber: block.block.header.number, index },
        block,
      )
    })
  }

  const ensureGroup = (groupId: number): GroupBackend | undefined => {
    const group = node.group(groupId)
    if (group === undefined || groupSubscriptions.has(groupId)) return group
    const offBlock = group.onBlock((block) => {
      pushReceipts(group, block)
      onGroupBlock(group, block)
    })
    const offDrop = group.onDropped((e) => pushDropped(e.hash, e.status))
    groupSubscriptions.set(groupId, () => {
      offBlock()
      offDrop()
    })
    return group
  }
  for (const id of node.groupIds()) ensureGroup(id)

  // ---- requests from the SDK ---------------------------------------------------------------

  const onRpc = (conn: Connection, frame: ChannelFrame) => {
    conn.inflight++
    if (conn.inflight >= inflightMax) conn.socket.pause()
    const ctx = {
      node,
      logger,
      onSubmitted: (groupId: number, hash: Hash32, withProof: boolean) => {
        const group = ensureGroup(groupId)
        if (group === undefined || conn.closed) return
        if (conn.waiters.size >= receiptWaitersMax) {
          logger.warn('receipt waiters full; no push for this transaction', { connection: conn.id })
          return
        }
        const hex = Buffer.from(hash).toString('hex')
        conn.waiters.set(hex, { seq: frame.seq, groupId, withProof })
        receiptWaiters.set(hex, conn)
      },
      onRefused: (_groupId: number, hash: Hash32, status: number, message: string) => {
        if (conn.protocol < 3) return false
        // v3: admission is asynchronous; the refusal arrives as a receipt status after the reply.
        setImmediate(() => pushRefused(conn, frame.seq, hash, status, message))
        return true
      },
    }
    handleRpcBody(Buffer.from(frame.body).toString('utf8'), ctx)
      .then((answer) =>
        send(conn, { type: ChannelType.RPC, seq: frame.seq, result: 0, body: Buffer.from(answer) }),
      )
      .catch((err) => logger.error('channel rpc failed', { connection: conn.id, err }))
      .finally(() => {
        conn.inflight--
        if (conn.inflight < inflightMax && conn.socket.isPaused() && !conn.closed) conn.socket.resume()
      })
  }

  const onHeartbeat = (conn: Connection, frame: ChannelFrame) => {
    if (conn.protocol >= 2) {
      sendJSON(conn, ChannelType.HEARTBEAT, frame.seq, { heartBeat: 1 })
      return
    }
    // v1: "0" → "1"; other bodies (some SDKs send empty ones) get no reply.
    if (Buffer.from(frame.body).toString('utf8') === '0') {
      send(conn, { type: ChannelType.HEARTBEAT, seq: frame.seq, result: 0, body: Buffer.from('1') })
    }
  }

  const onHandshake = (conn: Connection, frame: ChannelFrame) => {
    const body = parseJSONObject(frame.body)
    const min = body?.['minimumSupport']
    const max = body?.['maximumSupport']
    if (
      typeof min !== 'number' ||
      typeof max !== 'number' ||
      !Number.isInteger(min) ||
      !Number.isInteger(max)
    ) {
      throw rpcError(
        { code: 'CHANNEL_FRAME_INVALID', reason: 'handshake' },
        'handshake without integer minimumSupport/maximumSupport',
      )
    }
    const protocol = Math.min(CHANNEL_PROTOCOL_MAX, max)
    if (min > CHANNEL_PROTOCOL_MAX || protocol < Math.max(1, min)) {
      throw rpcError(
        { code: 'CHANNEL_FRAME_INVALID', reason: 'handshake' },
        `client speaks ${min}..${max}, node 1..${CHANNEL_PROTOCOL_MAX}`,
      )
    }
    conn.protocol = protocol
    sendJSON(conn, ChannelType.HANDSHAKE, frame.seq, { protocol, nodeVersion: node.version.supportedVersion })
  }

  const amopClientOf = (conn: Connection): AMOPClientPort | undefined => {
    if (conn.amop !== undefined || node.connectAMOP === undefined) return conn.amop
    conn.amop = node.connectAMOP()
    return conn.amop
  }

  const forwardToSDK = (conn: Connection, topic: string, data: Uint8Array): Promise<Uint8Array | undefined> =>
    new Promise((resolve) => {
      if (conn.closed || conn.amopPending.size >= CHANNEL_AMOP_PENDING_MAX) {
        resolve(undefined)
        return
      }
      const seq = newSeq()
      const timer = setTimeout(() => {
        conn.amopPending.delete(seq)
        resolve(undefined)
      }, CHANNEL_AMOP_TIMEOUT_MS)
      timer.unref()
      conn.amopPending.set(seq, (reply) => {
        clearTimeout(timer)
        conn.amopPending.delete(seq)
        if (reply.result !== 0) {
          resolve(undefined)
          return
        }
        try {
          resolve(decodeTopicBody(reply.body).payload)
        } catch {
          resolve(reply.body)
        }
      })
      send(conn, { type: ChannelType.AMOP_REQUEST, seq, result: 0, body: encodeTopicBody(topic, data) })
    })

  const onSubscribe = (conn: Connection, frame: ChannelFrame) => {
    let topics: unknown
    try {
      topics = JSON.parse(Buffer.from(frame.body).toString('utf8'))
    } catch {
      topics = undefined
    }
    if (
      !Array.isArray(topics) ||
      topics.length > CHANNEL_TOPICS_MAX ||
      !topics.every((t) => typeof t === 'string')
    ) {
      throw rpcError(
        { code: 'CHANNEL_FRAME_INVALID', reason: 'topics' },
        `expected a JSON array of at most ${CHANNEL_TOPICS_MAX} topic strings`,
      )
    }
    const next = new Set(topics as string[])
    for (const t of next) {
      if (t.startsWith(BLOCK_NOTIFY_TOPIC_PREFIX)) {
        const id = Number(t.slice(BLOCK_NOTIFY_TOPIC_PREFIX.length))
        if (Number.isSafeInteger(id)) ensureGroup(id)
      }
    }
    const amop = amopClientOf(conn)
    if (amop !== undefined) {
      for (const t of conn.topics)
        if (!next.has(t) && !t.startsWith(BLOCK_NOTIFY_TOPIC_PREFIX)) amop.unsubscribe(t)
      for (const t of next) {
        if (conn.topics.has(t) || t.startsWith(BLOCK_NOTIFY_TOPIC_PREFIX)) continue
        try {
          amop.subscribe(t, (message) => forwardToSDK(conn, message.topic, message.data))
        } catch (err) {
          logger.warn('cannot subscribe AMOP topic', { connection: conn.id, topic: t, err })
        }
      }
    }
    conn.topics = next
  }

  const onAMOPRequest = (conn: Connection, frame: ChannelFrame, multicast: boolean) => {
    const { topic, payload } = decodeTopicBody(frame.body)
    const amop = amopClientOf(conn)
    const answer = (result: number, data: Uint8Array) =>
      send(conn, {
        type: ChannelType.AMOP_RESPONSE,
        seq: frame.seq,
        result,
        body: encodeTopicBody(topic, data),
      })
    if (amop === undefined) {
      send(conn, {
        type: ChannelType.AMOP_RESPONSE,
        seq: frame.seq,
        result: ChannelResult.NODE_UNREACHABLE,
        body: new Uint8Array(0),
      })
      return
    }
    if (multicast) {
      try {
        amop.multicast(topic, payload)
        answer(ChannelResult.OK, new Uint8Array(0))
      } catch (err) {
        logger.debug('AMOP multicast failed', { connection: conn.id, topic, err })
        answer(ChannelResult.OVER_BANDWIDTH, new Uint8Array(0))
      }
      return
    }
    amop
      .request(topic, payload)
      .then((data) => answer(ChannelResult.OK, data))
      .catch((err: { code?: string }) => {
        const result =
          err?.code === 'AMOP_TIMEOUT'
            ? ChannelResult.TIMEOUT
            : err?.code === 'AMOP_CLIENT_UNREACHABLE'
              ? ChannelResult.SDK_UNREACHABLE
              : ChannelResult.NODE_UNREACHABLE
        send(conn, { type: ChannelType.AMOP_RESPONSE, seq: frame.seq, result, body: new Uint8Array(0) })
      })
  }

  const scanHistory = async (conn: Connection, filter: EventFilter, group: GroupBackend) => {
    const head = group.blockNumber()
    const last = Math.min(filter.toBlock ?? head, head, filter.nextBlock + EVENT_HISTORY_BLOCKS_MAX - 1)
    for (let n = filter.nextBlock; n <= last; n++) {
      if (conn.closed || !conn.filters.has(filter.filterID)) return
      const block = await group.blockByNumber(n)
      if (block !== undefined) pushFilterLogs(conn, filter, block, group)
      filter.nextBlock = n + 1
    }
    // Blocks committed during the scan.
    while (!conn.closed && conn.filters.has(filter.filterID) && filter.nextBlock <= group.blockNumber()) {
      if (filter.toBlock !== undefined && filter.nextBlock > filter.toBlock) break
      const block = await group.blockByNumber(filter.nextBlock)
      if (block !== undefined) pushFilterLogs(conn, filter, block, group)
      filter.nextBlock++
    }
    if (
      filter.toBlock !== undefined &&
      filter.nextBlock > filter.toBlock &&
      conn.filters.has(filter.filterID)
    ) {
      completeFilter(conn, filter)
    }
  }

  const onFilter = (conn: Connection, frame: ChannelFrame, register: boolean) => {
    const { topic, payload } = decodeTopicBody(frame.body)
    const reply = (result: number) =>
      send(conn, {
        type: frame.type,
        seq: frame.seq,
        result: 0,
        body: encodeTopicBody(topic, Buffer.from(JSON.stringify({ result }))),
      })
    const parsed = parseEventFilter(payload)
    if (!parsed.ok) {
      reply(EventFilterCode.INVALID_PARAMS)
      return
    }
    const filter = parsed.filter
    if (!register) {
      reply(conn.filters.delete(filter.filterID) ? EventFilterCode.SUCCESS : EventFilterCode.INVALID_REQUEST)
      return
    }
    const group = ensureGroup(filter.groupId)
    if (group === undefined) {
      reply(EventFilterCode.GROUP_NOT_EXIST)
      return
    }
    if (conn.filters.size >= filtersMax && !conn.filters.has(filter.filterID)) {
      reply(EventFilterCode.INVALID_REQUEST)
      return
    }
    const head = group.blockNumber()
    filter.nextBlock = filter.fromBlock === undefined ? head + 1 : filter.fromBlock
    if (filter.toBlock !== undefined && filter.toBlock < filter.nextBlock && filter.fromBlock !== undefined) {
      reply(EventFilterCode.INVALID_REQUEST_RANGE)
      return
    }
    conn.filters.set(filter.filterID, filter)
    reply(EventFilterCode.SUCCESS)
    if (filter.nextBlock <= head) {
      scanHistory(conn, filter, group).catch((err) =>
        logger.warn('event history scan failed', { connection: conn.id, filterID: filter.filterID, err }),
      )
    }
  }

  const onFrame = (conn: Connection, frame: ChannelFrame) => {
    switch (frame.type) {
      case ChannelType.RPC:
        onRpc(conn, frame)
        return
      case ChannelType.HEARTBEAT:
        onHeartbeat(conn, frame)
        return
      case ChannelType.HANDSHAKE:
        onHandshake(conn, frame)
        return
      case ChannelType.AMOP_SUBSCRIBE:
        onSubscribe(conn, frame)
        return
      case ChannelType.AMOP_REQUEST:
        onAMOPRequest(conn, frame, false)
        return
      case ChannelType.AMOP_MULTICAST:
        onAMOPRequest(conn, frame, true)
        return
      case ChannelType.AMOP_RESPONSE:
        conn.amopPending.get(frame.seq)?.(frame)
        return
      case ChannelType.EVENT_FILTER_REGISTER:
        onFilter(conn, frame, true)
        return
      case ChannelType.EVENT_FILTER_UNREGISTER:
        onFilter(conn, frame, false)
        return
      case ChannelType.TOPIC_CERT_REQUEST:
      case ChannelType.TOPIC_STATUS_UPDATE:
        // Private-topic verification over the channel is optional (interop.md §3.3); not served.
        logger.debug('private topic message ignored', { connection: conn.id, type: frame.type })
        return
      default:
        throw rpcError(
          { code: 'CHANNEL_FRAME_INVALID', reason: 'unexpected type' },
          `a client may not send type 0x${frame.type.toString(16)}`,
        )
    }
  }

  const server = createServer({
    cert: init.tls.certPem,
    key: init.tls.keyPem,
    ca: init.tls.caPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
    ecdhCurve: 'secp256k1:prime256v1:X25519',
    handshakeTimeout: CHANNEL_HANDSHAKE_TIMEOUT_MS,
  })
  server.maxConnections = init.connectionsMax ?? CHANNEL_CONNECTIONS_MAX_DEFAULT
  server.on('tlsClientError', (err: Error & { code?: string }) => {
    logger.debug('channel TLS handshake failed', { error: err.code ?? err.message })
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.setNoDelay(true)
    const conn: Connection = {
      id: nextId++,
      socket,
      protocol: 1,
      topics: new Set(),
      waiters: new Map(),
      filters: new Map(),
      amopPending: new Map(),
      amop: undefined,
      inflight: 0,
      closed: false,
    }
    connections.add(conn)
    logger.info('channel connection', {
      connection: conn.id,
      address: `${socket.remoteAddress}:${socket.remotePort}`,
      cn: socket.getPeerCertificate(false)?.subject?.CN,
    })
    const parser = new FrameParser(frameBytesMax)
    socket.on('data', (chunk: Buffer) => {
      if (conn.closed) return
      try {
        for (const frame of parser.push(chunk)) {
          if (conn.closed) return
          onFrame(conn, frame)
        }
      } catch (err) {
        logger.warn('malformed channel frame; closing the connection', {
          connection: conn.id,
          error: err instanceof Error ? err.message : String(err),
        })
        drop(conn, 'malformed frame')
      }
    })
    socket.on('error', (err) =>
      logger.debug('channel socket error', { connection: conn.id, error: err.message }),
    )
    socket.on('close', () => drop(conn, 'peer closed'))
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
  logger.info('channel listening', { host: init.host, port })

  return {
    port,
    get connections() {
      return connections.size
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const off of groupSubscriptions.values()) off()
        groupSubscriptions.clear()
        for (const conn of [...connections]) drop(conn, 'server closed')
        server.close(() => resolve())
      }),
  }
}

function parseJSONObject(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(Buffer.from(body).toString('utf8')) as unknown
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}
