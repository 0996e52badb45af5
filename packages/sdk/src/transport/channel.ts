import { connect, type TLSSocket } from 'node:tls'
import { type Logger, silentLogger } from '@consortia/interface'
import { sdkError } from '../errors.js'
import {
  type ChannelFrame,
  ChannelResult,
  ChannelType,
  createFrameDecoder,
  decodeTopicBody,
  encodeFrame,
  encodeTopicBody,
  frameBytesMax,
  newSeq,
} from './frame.js'
import { readResponse } from './jsonrpc.js'
import type { RequestOptions, RpcRequest, RpcResult, Transport } from './types.js'

/** Most requests in flight on one channel connection. */
export const channelPendingMax = 10_000

/** Most AMOP topics one connection subscribes to (block-notify topics included). */
export const channelTopicsMax = 256

/** Most event-log filters registered on one connection. */
export const channelFiltersMax = 64

/** TLS material of the SDK (FISCO `sdk/ca.crt`, `sdk.crt`, `sdk.key`). */
export interface ChannelTLS {
  /** Chain CA certificate(s), PEM. */
  readonly ca: string | readonly string[]
  /** SDK certificate chain, PEM. */
  readonly cert: string
  /** SDK private key, PEM (secp256k1). */
  readonly key: string
  /**
   * Verify the node certificate against `ca` (default true). Like FISCO's SDKs there is no
   * hostname check: node certificates name nodes, not hosts.
   */
  readonly rejectUnauthorized?: boolean
}

/** Options of `createChannelTransport`. */
export interface ChannelTransportInit {
  readonly host: string
  /** Channel port (FISCO default 20200). */
  readonly port: number
  readonly tls: ChannelTLS
  /** Per-request timeout. Default 10,000 ms. */
  readonly timeoutMs?: number
  /** Send the `0x14` handshake (protocol v1–v3). Default true; false stays on v1 like the FISCO Node.js SDK. */
  readonly handshake?: boolean
  /** Heartbeat period; 0 disables. Default 10,000 ms. A heartbeat without reply closes the connection. */
  readonly heartbeatMs?: number
  /** Largest frame accepted from the node. Default `frameBytesMax` (100 MiB). */
  readonly frameBytesMax?: number
  readonly logger?: Logger
}

/** A receipt as the node pushes it in a `0x1000` frame (bare JSON, no JSON-RPC envelope). */
export type ReceiptJSON = Record<string, unknown>

/** A log pushed by a `0x1002` event frame. */
export interface PushedLog {
  readonly address: string
  readonly topics: readonly string[]
  readonly data: string
  readonly blockNumber: string
  readonly blockHash?: string
  readonly transactionHash?: string
  readonly transactionIndex?: string
  readonly logIndex?: string
}

/** Parameters of a `0x15` event-log filter. */
export interface ChannelEventFilter {
  readonly groupId: number
  /** Decimal number or `latest`. */
  readonly fromBlock: string
  readonly toBlock: string
  readonly addresses: readonly string[]
  /** Per position: a topic, a list of alternatives, or null for any. */
  readonly topics: readonly (string | readonly string[] | null)[]
}

/** An AMOP message handler: return the reply payload for `0x30` requests. */
export type AmopHandler = (
  payload: Uint8Array,
  info: { topic: string; seq: string },
) => Uint8Array | string | undefined | Promise<Uint8Array | string | undefined>

/**
 * The channel protocol over TLS 1.2 (interop.md §3): JSON-RPC in `0x12` frames matched by seq,
 * receipt pushes (`0x1000`, same seq as the `sendRawTransaction`), block notify (`0x1001`),
 * heartbeat, AMOP publish/subscribe and event-log filters.
 */
export interface ChannelTransport extends Transport {
  readonly kind: 'channel'
  /** Negotiated protocol version (1 without handshake). */
  readonly protocolVersion: number
  /** Sends a raw tx; `receipt` resolves with the pushed receipt. */
  sendRawTransaction(
    groupId: number,
    raw: string,
    options?: RequestOptions,
  ): Promise<{ txHash: string; receipt: Promise<ReceiptJSON> }>
  /** Calls `listener` with each new block number of the group (subscribes `_block_notify_<group>`). */
  onBlockNumber(groupId: number, listener: (blockNumber: number) => void): () => void
  /** Subscribes to an AMOP topic; the handler's return value answers unicast requests. */
  subscribeTopic(topic: string, handler: AmopHandler): () => void
  /** AMOP unicast: delivered to one subscriber; resolves with its reply payload. */
  publish(topic: string, payload: Uint8Array | string, options?: RequestOptions): Promise<Uint8Array>
  /** AMOP multicast to every subscriber of `topic`. */
  broadcast(topic: string, payload: Uint8Array | string, options?: RequestOptions): Promise<void>
  /** Registers an event-log filter; `onLogs` gets every push. Resolves with an unregister function. */
  registerEventFilter(
    filter: ChannelEventFilter,
    onLogs: (logs: readonly PushedLog[], completed: boolean) => void,
  ): Promise<() => Promise<void>>
}

interface Pending {
  readonly method: string
  resolve(frame: ChannelFrame): void
  reject(err: Error): void
  readonly timer: NodeJS.Timeout
}

const enc = new TextEncoder()
const dec = new TextDecoder()

/**
 * Connects to a node's channel port and resolves once TLS (and the handshake) completes.
 *
 * @example
 * ```ts
 * const channel = await createChannelTransport({ host: '127.0.0.1', port: 20200, tls: { ca, cert, key } })
 * await channel.request('getBlockNumber', [1])
 * ```
 */
export async function createChannelTransport(init: ChannelTransportInit): Promise<ChannelTransport> {
  const timeoutMs = init.timeoutMs ?? 10_000
  const log = (init.logger ?? silentLogger).child({ component: 'sdk-channel', port: init.port })
  const decoder = createFrameDecoder(init.frameBytesMax ?? frameBytesMax)
  const pending = new Map<string, Pending>()
  const receiptWaiters = new Map<string, { resolve(r: ReceiptJSON): void; reject(e: Error): void }>()
  const blockListeners = new Map<number, Set<(n: number) => void>>()
  const amopHandlers = new Map<string, AmopHandler>()
  const filters = new Map<string, (logs: readonly PushedLog[], completed: boolean) => void>()
  let protocolVersion = 1
  let closed = false
  let nextId = 1

  const socket: TLSSocket = await new Promise((resolve, reject) => {
    const s = connect({
      host: init.host,
      port: init.port,
      ca: typeof init.tls.ca === 'string' ? init.tls.ca : [...init.tls.ca],
      cert: init.tls.cert,
      key: init.tls.key,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ecdhCurve: 'secp256k1:prime256v1',
      rejectUnauthorized: init.tls.rejectUnauthorized ?? true,
      checkServerIdentity: () => undefined,
    })
    const fail = (err: Error) => {
      s.destroy()
      reject(
        sdkError(
          { code: 'SDK_TRANSPORT_FAILED', method: 'connect', reason: err.message },
          `channel connect to ${init.host}:${init.port} failed: ${err.message}`,
          err,
        ),
      )
    }
    const timer = setTimeout(() => fail(new Error(`no TLS connection within ${timeoutMs} ms`)), timeoutMs)
    s.once('secureConnect', () => {
      clearTimeout(timer)
      s.off('error', fail)
      resolve(s)
    })
    s.once('error', fail)
  })

  function failAll(err: Error): void {
    for (const [, p] of pending) {
      clearTimeout(p.timer)
      p.reject(err)
    }
    pending.clear()
    for (const [, w] of receiptWaiters) w.reject(err)
    receiptWaiters.clear()
  }

  function closedError(method: string): Error {
    return sdkError({ code: 'SDK_TRANSPORT_CLOSED', method }, `${method}: channel connection closed`)
  }

  socket.on('data', (chunk: Buffer) => {
    let frames: ChannelFrame[]
    try {
      frames = decoder.push(chunk)
    } catch (err) {
      log.warn('bad frame from node, closing', { reason: (err as Error).message })
      failAll(err as Error)
      socket.destroy()
      return
    }
    for (const frame of frames) onFrame(frame)
  })
  socket.on('error', (err) => log.debug('channel socket error', { reason: err.message }))
  socket.on('close', () => {
    closed = true
    if (heartbeat !== undefined) clearInterval(heartbeat)
    failAll(closedError('channel'))
  })

  function onFrame(frame: ChannelFrame): void {
    switch (frame.type) {
      case ChannelType.receiptPush: {
        const waiter = receiptWaiters.get(frame.seq)
        if (waiter === undefined) return
        receiptWaiters.delete(frame.seq)
        try {
          waiter.resolve(JSON.parse(dec.decode(frame.body)) as ReceiptJSON)
        } catch (err) {
          waiter.reject(
            sdkError(
              { code: 'SDK_CHANNEL_FRAME', reason: 'receipt push is not JSON' },
              'receipt push is not JSON',
              err,
            ),
          )
        }
        return
      }
      case ChannelType.blockNotify:
        onBlockNotify(frame)
        return
      case ChannelType.eventPush:
        onEventPush(frame)
        return
      case ChannelType.amopRequest:
      case ChannelType.amopMulticast:
        if (!pending.has(frame.seq)) {
          void onAmop(frame)
          return
        }
        break
      default:
        break
    }
    const p = pending.get(frame.seq)
    if (p === undefined) {
      log.debug('frame without request', { type: frame.type, seq: frame.seq })
      return
    }
    pending.delete(frame.seq)
    clearTimeout(p.timer)
    p.resolve(frame)
  }

  function onBlockNotify(frame: ChannelFrame): void {
    try {
      const { payload } = decodeTopicBody(frame.body)
      const text = dec.decode(payload)
      let group: number
      let number: number
      if (text.startsWith('{')) {
        const j = JSON.parse(text) as { groupID?: unknown; blockNumber?: unknown }
        group = Number(j.groupID)
        number = Number(j.blockNumber)
      } else {
        const [g, n] = text.split(',')
        group = Number(g)
        number = Number(n)
      }
      if (!Number.isSafeInteger(group) || !Number.isSafeInteger(number)) return
      for (const l of blockListeners.get(group) ?? []) l(number)
    } catch (err) {
      log.debug('bad block notify', { reason: (err as Error).message })
    }
  }

  function onEventPush(frame: ChannelFrame): void {
    try {
      const j = JSON.parse(dec.decode(frame.body)) as {
        filterID?: string
        result?: number
        logs?: PushedLog[]
      }
      const handler = j.filterID === undefined ? undefined : filters.get(j.filterID)
      if (handler === undefined) return
      handler(Array.isArray(j.logs) ? j.logs : [], j.result === 1)
    } catch (err) {
      log.debug('bad event push', { reason: (err as Error).message })
    }
  }

  async function onAmop(frame: ChannelFrame): Promise<void> {
    let topic = ''
    try {
      const parsed = decodeTopicBody(frame.body)
      topic = parsed.topic
      const handler = amopHandlers.get(topic)
      if (handler === undefined) {
        if (frame.type === ChannelType.amopRequest)
          write({
            type: ChannelType.amopResponse,
            seq: frame.seq,
            result: ChannelResult.sdkUnreachable,
            body: new Uint8Array(0),
          })
        return
      }
      const reply = await handler(parsed.payload, { topic, seq: frame.seq })
      if (frame.type === ChannelType.amopRequest) {
        const body =
          reply === undefined ? new Uint8Array(0) : typeof reply === 'string' ? enc.encode(reply) : reply
        write({
          type: ChannelType.amopResponse,
          seq: frame.seq,
          result: ChannelResult.ok,
          body: encodeTopicBody(topic, body),
        })
      }
    } catch (err) {
      log.warn('AMOP handler failed', { topic, reason: (err as Error).message })
      if (frame.type === ChannelType.amopRequest)
        write({
          type: ChannelType.amopResponse,
          seq: frame.seq,
          result: ChannelResult.sdkUnreachable,
          body: new Uint8Array(0),
        })
    }
  }

  function write(frame: ChannelFrame): void {
    // One socket write per frame (interop.md §3.5).
    socket.write(encodeFrame(frame))
  }

  function send(
    type: number,
    body: Uint8Array,
    method: string,
    options?: RequestOptions,
    seq = newSeq(),
  ): Promise<ChannelFrame> {
    if (closed) return Promise.reject(closedError(method))
    if (pending.size >= channelPendingMax) {
      return Promise.reject(
        sdkError(
          { code: 'SDK_LIMIT_REACHED', limit: 'channelPendingMax', max: channelPendingMax },
          `${method}: ${channelPendingMax} requests already in flight (channelPendingMax)`,
        ),
      )
    }
    const ms = options?.timeoutMs ?? timeoutMs
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(seq)
        receiptWaiters
          .get(seq)
          ?.reject(
            sdkError({ code: 'SDK_TIMEOUT', method, timeoutMs: ms }, `${method}: no answer within ${ms} ms`),
          )
        receiptWaiters.delete(seq)
        reject(
          sdkError({ code: 'SDK_TIMEOUT', method, timeoutMs: ms }, `${method}: no answer within ${ms} ms`),
        )
      }, ms)
      pending.set(seq, { method, resolve, reject, timer })
      write({ type, seq, result: 0, body })
    })
  }

  function checkResult(frame: ChannelFrame, method: string): void {
    if (frame.result !== ChannelResult.ok) {
      throw sdkError(
        { code: 'SDK_CHANNEL_RESULT', type: frame.type, result: frame.result },
        `${method}: channel result ${frame.result}`,
      )
    }
  }

  async function rpc(
    method: string,
    params: readonly unknown[],
    options?: RequestOptions,
    seq?: string,
  ): Promise<RpcResult> {
    const body = enc.encode(JSON.stringify({ jsonrpc: '2.0', method, params, id: nextId++ }))
    const frame = await send(ChannelType.rpc, body, method, options, seq)
    checkResult(frame, method)
    let parsed: unknown
    try {
      parsed = JSON.parse(dec.decode(frame.body))
    } catch (err) {
      throw sdkError(
        { code: 'SDK_TRANSPORT_FAILED', method, reason: 'reply is not JSON' },
        `${method}: channel reply is not JSON`,
        err,
      )
    }
    return readResponse(method, parsed)
  }

  function topicSet(): string[] {
    return [...amopHandlers.keys(), ...[...blockListeners.keys()].map((g) => `_block_notify_${g}`)]
  }

  function pushTopics(): void {
    if (closed) return
    write({
      type: ChannelType.subscribeTopics,
      seq: newSeq(),
      result: 0,
      body: enc.encode(JSON.stringify(topicSet())),
    })
  }

  function checkTopicRoom(): void {
    if (topicSet().length >= channelTopicsMax) {
      throw sdkError(
        { code: 'SDK_LIMIT_REACHED', limit: 'channelTopicsMax', max: channelTopicsMax },
        `at most ${channelTopicsMax} topics per connection (channelTopicsMax)`,
      )
    }
  }

  if (init.handshake ?? true) {
    try {
      const frame = await send(
        ChannelType.handshake,
        enc.encode(JSON.stringify({ minimumSupport: 1, maximumSupport: 3, clientType: 'consortia-sdk' })),
        'handshake',
      )
      const reply = JSON.parse(dec.decode(frame.body)) as { protocol?: unknown }
      if (typeof reply.protocol === 'number' && reply.protocol >= 1 && reply.protocol <= 3)
        protocolVersion = reply.protocol
    } catch (err) {
      socket.destroy()
      throw err
    }
  }

  let heartbeat: NodeJS.Timeout | undefined
  const heartbeatMs = init.heartbeatMs ?? 10_000
  if (heartbeatMs > 0) {
    heartbeat = setInterval(() => {
      const body = protocolVersion === 1 ? enc.encode('0') : enc.encode(JSON.stringify({ heartBeat: 0 }))
      send(ChannelType.heartbeat, body, 'heartbeat', { timeoutMs: heartbeatMs }).catch((err: Error) => {
        if (closed) return
        log.warn('heartbeat lost, closing', { reason: err.message })
        socket.destroy()
      })
    }, heartbeatMs)
    heartbeat.unref()
  }

  const transport: ChannelTransport = {
    kind: 'channel',
    get protocolVersion() {
      return protocolVersion
    },
    async request(method, params, options) {
      const r = await rpc(method, params, options)
      if (!r.ok) throw r.error
      return r.result
    },
    async batch(requests: readonly RpcRequest[], options) {
      // The channel has no batch frame: one 0x12 per call, all in flight together.
      return Promise.all(
        requests.map((r) =>
          rpc(r.method, r.params, options).catch(
            (error: Error): RpcResult => ({ ok: false, error: error as never }),
          ),
        ),
      )
    },
    async sendRawTransaction(groupId, raw, options) {
      const seq = newSeq()
      const receipt = new Promise<ReceiptJSON>((resolve, reject) =>
        receiptWaiters.set(seq, { resolve, reject }),
      )
      receipt.catch(() => {})
      let r: RpcResult
      try {
        r = await rpc('sendRawTransaction', [groupId, raw], options, seq)
      } catch (err) {
        receiptWaiters.delete(seq)
        throw err
      }
      if (!r.ok) {
        receiptWaiters.delete(seq)
        throw r.error
      }
      return { txHash: String(r.result), receipt }
    },
    onBlockNumber(groupId, listener) {
      let set = blockListeners.get(groupId)
      if (set === undefined) {
        checkTopicRoom()
        set = new Set()
        blockListeners.set(groupId, set)
        pushTopics()
      }
      set.add(listener)
      return () => {
        const s = blockListeners.get(groupId)
        if (s === undefined) return
        s.delete(listener)
        if (s.size === 0) {
          blockListeners.delete(groupId)
          pushTopics()
        }
      }
    },
    subscribeTopic(topic, handler) {
      if (!amopHandlers.has(topic)) checkTopicRoom()
      amopHandlers.set(topic, handler)
      pushTopics()
      return () => {
        if (amopHandlers.get(topic) === handler) {
          amopHandlers.delete(topic)
          pushTopics()
        }
      }
    },
    async publish(topic, payload, options) {
      const data = typeof payload === 'string' ? enc.encode(payload) : payload
      const frame = await send(
        ChannelType.amopRequest,
        encodeTopicBody(topic, data),
        `publish ${topic}`,
        options,
      )
      checkResult(frame, `publish ${topic}`)
      return frame.body.length === 0 ? frame.body : decodeTopicBody(frame.body).payload
    },
    async broadcast(topic, payload, options) {
      const data = typeof payload === 'string' ? enc.encode(payload) : payload
      const frame = await send(
        ChannelType.amopMulticast,
        encodeTopicBody(topic, data),
        `broadcast ${topic}`,
        options,
      )
      checkResult(frame, `broadcast ${topic}`)
    },
    async registerEventFilter(filter, onLogs) {
      if (filters.size >= channelFiltersMax) {
        throw sdkError(
          { code: 'SDK_LIMIT_REACHED', limit: 'channelFiltersMax', max: channelFiltersMax },
          `at most ${channelFiltersMax} event filters per connection (channelFiltersMax)`,
        )
      }
      const filterID = newSeq()
      const params = {
        fromBlock: filter.fromBlock,
        toBlock: filter.toBlock,
        addresses: filter.addresses,
        topics: filter.topics,
        groupID: String(filter.groupId),
        filterID,
      }
      filters.set(filterID, onLogs)
      const frame = await send(
        ChannelType.eventRegister,
        encodeTopicBody('', enc.encode(JSON.stringify(params))),
        'registerEventFilter',
      ).catch((err) => {
        filters.delete(filterID)
        throw err
      })
      const reply = JSON.parse(dec.decode(decodeTopicBody(frame.body).payload)) as { result?: number }
      if (reply.result !== 0) {
        filters.delete(filterID)
        throw sdkError(
          { code: 'SDK_CHANNEL_RESULT', type: ChannelType.eventRegister, result: Number(reply.result) },
          `registerEventFilter: node answered result ${reply.result}`,
        )
      }
      return async () => {
        filters.delete(filterID)
        if (closed) return
        await send(
          ChannelType.eventUnregister,
          encodeTopicBody('', enc.encode(JSON.stringify(params))),
          'unregisterEventFilter',
        ).catch(() => {})
      }
    },
    async close() {
      if (heartbeat !== undefined) clearInterval(heartbeat)
      if (closed) return
      closed = true
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve())
        socket.end()
        setTimeout(() => {
          socket.destroy()
          resolve()
        }, 1000).unref()
      })
      failAll(closedError('channel'))
    },
  }
  return transport
}
