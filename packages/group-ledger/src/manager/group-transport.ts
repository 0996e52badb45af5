import type {
  Logger,
  MessageHandler,
  NodeId,
  PeerInfo,
  Transport,
  TransportMessage,
} from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { groupInvalidParams } from './errors.js'

const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** Counters of a group transport: what it refused to send or deliver. */
export interface GroupTransportStats {
  /** Outgoing messages not sent: addressed to a node outside the group, or for another group. */
  readonly refusedOutbound: number
  /** Incoming messages dropped: from a node outside the group. */
  readonly droppedInbound: number
}

/** A `Transport` restricted to one group's members (see `createGroupTransport`). */
export interface GroupTransport extends Transport {
  readonly groupId: number
  readonly stats: GroupTransportStats
  /** Replaces the member list (sealers and observers in force); self may be in it. */
  setMembers(members: readonly NodeId[]): void
  /** True when `id` is a member now. */
  isMember(id: NodeId): boolean
}

/**
 * One group's view of the node's shared transport (FISCO routes by the 16-byte header's group
 * id; here every message also passes a membership check at both ends):
 * - sends and broadcasts go only to members (sealers and observers of the group), never to
 *   free nodes or members of other groups only; a broadcast without `to` goes to every
 *   connected member;
 * - a message whose `groupId` is not this group's is refused;
 * - subscriptions are for this group only, and deliver only messages from members;
 * - `peers()` lists connected members; `close()` removes this group's handlers and leaves the
 *   shared transport open.
 */
export function createGroupTransport(
  shared: Transport,
  groupId: number,
  members: readonly NodeId[],
  logger: Logger = silentLogger,
): GroupTransport {
  let memberSet = new Set(members.map(hexOf))
  const stats = { refusedOutbound: 0, droppedInbound: 0 }
  const unsubscribers = new Set<() => void>()
  const localHex = hexOf(shared.localId)
  let closed = false
  const log = logger.child({ component: 'group-transport', groupId })

  const allowedOut = (message: TransportMessage): boolean => {
    if (message.groupId === groupId) return true
    stats.refusedOutbound++
    log.warn('refused a message for another group', { messageGroup: message.groupId })
    return false
  }
  const t: GroupTransport = {
    groupId,
    localId: shared.localId,
    get stats() {
      return { ...stats }
    },
    setMembers(next) {
      memberSet = new Set(next.map(hexOf))
    },
    isMember: (id) => memberSet.has(hexOf(id)),
    send(to, message) {
      if (closed || !allowedOut(message)) return
      if (!memberSet.has(hexOf(to))) {
        stats.refusedOutbound++
        return
      }
      shared.send(to, message)
    },
    broadcast(message, to) {
      if (closed || !allowedOut(message)) return
      const targets = to === undefined ? shared.peers().map((p) => p.nodeId) : to
      const allowed: NodeId[] = []
      for (const id of targets) {
        const h = hexOf(id)
        if (h === localHex) continue
        if (memberSet.has(h)) allowed.push(id)
        else stats.refusedOutbound++
      }
      if (allowed.length > 0) shared.broadcast(message, allowed)
    },
    subscribe(g, moduleId, handler: MessageHandler) {
      if (g !== groupId) throw groupInvalidParams(groupId, 'groupId', `this group's id ${groupId}`, String(g))
      if (closed) return () => undefined
      const off = shared.subscribe(groupId, moduleId, (from, message) => {
        if (message.groupId !== groupId || !memberSet.has(hexOf(from))) {
          stats.droppedInbound++
          return
        }
        handler(from, message)
      })
      const remove = () => {
        off()
        unsubscribers.delete(remove)
      }
      unsubscribers.add(remove)
      return remove
    },
    peers(): readonly PeerInfo[] {
      return shared.peers().filter((p) => memberSet.has(hexOf(p.nodeId)))
    },
    async close() {
      closed = true
      for (const off of [...unsubscribers]) off()
    },
  }
  return t
}
