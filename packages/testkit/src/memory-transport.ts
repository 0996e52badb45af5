import type {
  Clock,
  GroupId,
  MessageHandler,
  NodeId,
  PeerInfo,
  Random,
  Transport,
  TransportMessage,
} from '@consortia/interface'

/** Default most messages in flight in one memory network; more are dropped and counted. */
export const MEMORY_NETWORK_IN_FLIGHT_MAX_DEFAULT = 100_000
/** Most handler errors a memory network keeps for inspection. */
export const MEMORY_NETWORK_ERRORS_MAX = 100

/** Options of an in-memory network. */
export interface MemoryNetworkInit {
  /**
   * Deliveries run on this clock's timers after `delayMs`, so a manual clock makes the
   * network deterministic. Without a clock, messages are delivered on the microtask queue.
   */
  readonly clock?: Clock
  /** Delivery delay in clock milliseconds. Default 0. */
  readonly delayMs?: number
  /** Probability of losing a message, drawn from `random`. Default 0. */
  readonly dropRate?: number
  /** Required when `dropRate` > 0. */
  readonly random?: Random
  readonly inFlightMax?: number
}

/** A transport attached to a memory network. */
export interface MemoryTransport extends Transport {
  /** Queue a message; false when the peer is not reachable or the network is full. */
  send(to: NodeId, message: TransportMessage): boolean
  /** True once `close` ran. */
  readonly closed: boolean
}

/** A simulated network of transports: full mesh by default, links can be cut and restored. */
export interface MemoryNetwork {
  /** Attach a node with this 64-byte ID; it sees every other open transport as a peer. */
  createTransport(nodeId: NodeId): MemoryTransport
  /** Cut the link between two nodes (both directions). */
  disconnect(a: NodeId, b: NodeId): void
  /** Restore a cut link. */
  connect(a: NodeId, b: NodeId): void
  /** Cut every link of one node. */
  isolate(nodeId: NodeId): void
  /** Restore every cut link. */
  heal(): void
  /** Messages queued and not yet delivered. */
  readonly inFlight: number
  /** Messages lost to `dropRate`, cut links or the in-flight limit. */
  readonly dropped: number
  /** Errors thrown by handlers, oldest first (at most MEMORY_NETWORK_ERRORS_MAX). */
  readonly handlerErrors: readonly unknown[]
}

function hexOf(id: NodeId): string {
  let s = ''
  for (const b of id) s += b.toString(16).padStart(2, '0')
  return s
}

function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
}

/**
 * Create an in-memory network whose transports implement the same `Transport` port as
 * the TLS node in @consortia/p2p, for library tests that need no sockets.
 *
 * @example
 * ```ts
 * const net = createMemoryNetwork({ clock: createManualClock(), delayMs: 5 })
 * const a = net.createTransport(idA)
 * const b = net.createTransport(idB)
 * b.subscribe(1, ModuleId.PBFT, (from, msg) => received.push(msg))
 * a.send(idB, { groupId: 1, moduleId: ModuleId.PBFT, packetType: 0, payload })
 * ```
 */
export function createMemoryNetwork(init: MemoryNetworkInit = {}): MemoryNetwork {
  const delayMs = init.delayMs ?? 0
  const dropRate = init.dropRate ?? 0
  const inFlightMax = init.inFlightMax ?? MEMORY_NETWORK_IN_FLIGHT_MAX_DEFAULT
  if (!(delayMs >= 0)) throw new RangeError(`expected delayMs >= 0, got ${delayMs}`)
  if (!(dropRate >= 0 && dropRate <= 1)) throw new RangeError(`expected dropRate in [0, 1], got ${dropRate}`)
  if (dropRate > 0 && init.random === undefined) throw new RangeError('dropRate > 0 needs a random source')
  const nodes = new Map<string, { transport: MemoryTransport; handlers: Map<number, Set<MessageHandler>> }>()
  const cut = new Set<string>()
  const handlerErrors: unknown[] = []
  let inFlight = 0
  let dropped = 0

  const reachable = (from: string, to: string) =>
    from !== to && nodes.has(from) && nodes.has(to) && !cut.has(linkKey(from, to))

  const schedule = (fn: () => void) => {
    if (init.clock !== undefined) init.clock.setTimer(delayMs, fn)
    else queueMicrotask(fn)
  }

  const deliver = (fromId: NodeId, fromHex: string, toHex: string, message: TransportMessage): boolean => {
    if (!reachable(fromHex, toHex)) {
      dropped++
      return false
    }
    if (inFlight >= inFlightMax || (dropRate > 0 && (init.random as Random).nextFloat() < dropRate)) {
      dropped++
      return false
    }
    // Copy: the receiver must not see later changes the sender makes to its buffer.
    const copy: TransportMessage = {
      groupId: message.groupId,
      moduleId: message.moduleId,
      packetType: message.packetType,
      payload: message.payload.slice(),
    }
    const from = fromId.slice()
    inFlight++
    schedule(() => {
      inFlight--
      // A link cut or a node closed while the message was in flight loses it.
      if (!reachable(fromHex, toHex)) {
        dropped++
        return
      }
      const target = nodes.get(toHex)
      const handlers = target?.handlers.get(copy.groupId * 0x10000 + copy.moduleId)
      for (const handler of handlers ?? []) {
        try {
          handler(from, copy)
        } catch (err) {
          if (handlerErrors.length < MEMORY_NETWORK_ERRORS_MAX) handlerErrors.push(err)
        }
      }
    })
    return true
  }

  return {
    createTransport(nodeId) {
      if (!(nodeId instanceof Uint8Array) || nodeId.length !== 64) {
        throw new RangeError(`expected 64-byte node ID, got ${nodeId?.length}`)
      }
      const hex = hexOf(nodeId)
      if (nodes.has(hex)) throw new RangeError(`node ${hex.slice(0, 8)} is already on this network`)
      const localId = nodeId.slice()
      const handlers = new Map<number, Set<MessageHandler>>()
      let closed = false
      const transport: MemoryTransport = {
        localId,
        get closed() {
          return closed
        },
        send(to, message) {
          if (closed) return false
          return deliver(localId, hex, hexOf(to), message)
        },
        broadcast(message, to) {
          if (closed) return
          const targets = to === undefined ? [...nodes.keys()] : to.map(hexOf)
          for (const t of targets) if (t !== hex && reachable(hex, t)) deliver(localId, hex, t, message)
        },
        subscribe(groupId: GroupId, moduleId: number, handler: MessageHandler) {
          const key = groupId * 0x10000 + moduleId
          let set = handlers.get(key)
          if (set === undefined) {
            set = new Set()
            handlers.set(key, set)
          }
          set.add(handler)
          return () => {
            handlers.get(key)?.delete(handler)
          }
        },
        peers(): readonly PeerInfo[] {
          if (closed) return []
          const out: PeerInfo[] = []
          for (const [h, n] of nodes) {
            if (reachable(hex, h))
              out.push({ nodeId: n.transport.localId, address: `memory:${h.slice(0, 8)}` })
          }
          return out
        },
        async close() {
          if (closed) return
          closed = true
          nodes.delete(hex)
        },
      }
      nodes.set(hex, { transport, handlers })
      return transport
    },
    disconnect(a, b) {
      cut.add(linkKey(hexOf(a), hexOf(b)))
    },
    connect(a, b) {
      cut.delete(linkKey(hexOf(a), hexOf(b)))
    },
    isolate(nodeId) {
      const h = hexOf(nodeId)
      for (const other of nodes.keys()) if (other !== h) cut.add(linkKey(h, other))
    },
    heal() {
      cut.clear()
    },
    get inFlight() {
      return inFlight
    },
    get dropped() {
      return dropped
    },
    get handlerErrors() {
      return handlerErrors
    },
  }
}
