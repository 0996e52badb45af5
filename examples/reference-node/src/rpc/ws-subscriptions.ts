/**
 * Ethereum WebSocket subscriptions (`eth_subscribe` `newHeads` and `logs`, `eth_unsubscribe`)
 * over the node's groups. One hub per server: it registers one block listener per group on
 * first use and fans committed blocks out to the subscriptions of every connection, so the
 * number of connections never counts against `BACKEND_LISTENERS_MAX`.
 */
import { randomBytes } from 'node:crypto'
import type { Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import type { BackendBlock, GroupBackend, NodeBackend } from './backend.js'
import { blockLogs, type EthLogFilter, ethBlock, groupEthChainId, parseLogFilter } from './eth.js'

/** Most subscriptions one connection may hold. */
export const WS_SUBSCRIPTIONS_PER_CONNECTION_MAX = 64

/** Where a subscription's notifications go (`false` when the connection refused more). */
export type NotificationSink = (subscription: string, result: unknown) => boolean

interface Subscription {
  readonly id: string
  readonly groupId: number
  readonly kind: 'newHeads' | 'logs'
  readonly filter?: EthLogFilter
  readonly sink: NotificationSink
}

/** Why a subscription was refused (the server answers it as a JSON-RPC error). */
export class SubscriptionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

/** The subscriptions of one connection. */
export interface ConnectionSubscriptions {
  /** `eth_subscribe` params → subscription id; throws `SubscriptionError`. */
  subscribe(groupId: number, params: readonly unknown[]): string
  /** `eth_unsubscribe`: true when the id was this connection's. */
  unsubscribe(id: string): boolean
  /** Subscriptions held. */
  readonly size: number
  /** Drops every subscription (connection closed). */
  close(): void
}

/** Fans committed blocks out to subscriptions. */
export interface SubscriptionHub {
  /** A connection's subscription set; notifications go to `sink`. */
  connect(sink: NotificationSink, options?: { subscriptionsMax?: number }): ConnectionSubscriptions
  /** Subscriptions held over all connections. */
  readonly size: number
  /** Unregisters the block listeners. */
  close(): void
}

/** The `newHeads` payload: an Ethereum block header object (no transactions). */
function headOf(b: BackendBlock, group: GroupBackend): Record<string, unknown> {
  const {
    transactions: _t,
    uncles: _u,
    size: _s,
    totalDifficulty: _d,
    ...header
  } = ethBlock(b, false, groupEthChainId(group), group)
  return header
}

/** Creates the hub over `node`'s groups. */
export function createSubscriptionHub(node: NodeBackend, logger: Logger = silentLogger): SubscriptionHub {
  const subs = new Map<string, Subscription>()
  const listening = new Map<number, () => void>()

  const onBlock = (groupId: number, b: BackendBlock) => {
    const group = node.group(groupId)
    if (group === undefined) return
    let head: Record<string, unknown> | undefined
    for (const sub of subs.values()) {
      if (sub.groupId !== groupId) continue
      if (sub.kind === 'newHeads') {
        head ??= headOf(b, group)
        sub.sink(sub.id, head)
        continue
      }
      let logs: Record<string, unknown>[]
      try {
        logs = blockLogs(b, sub.filter!)
      } catch (err) {
        logger.warn('logs subscription skipped a block', { err })
        continue
      }
      for (const log of logs) if (!sub.sink(sub.id, log)) break
    }
  }

  const listen = (groupId: number, group: GroupBackend) => {
    if (listening.has(groupId)) return
    listening.set(
      groupId,
      group.onBlock((b) => onBlock(groupId, b)),
    )
  }

  return {
    get size() {
      return subs.size
    },
    connect(sink, options) {
      const max = options?.subscriptionsMax ?? WS_SUBSCRIPTIONS_PER_CONNECTION_MAX
      const mine = new Set<string>()
      return {
        get size() {
          return mine.size
        },
        subscribe(groupId, params) {
          const kind = params[0]
          if (kind !== 'newHeads' && kind !== 'logs') {
            throw new SubscriptionError(
              -32602,
              `invalid params: unsupported subscription ${String(kind).slice(0, 32)}`,
            )
          }
          if (mine.size >= max) {
            throw new SubscriptionError(-32005, `more than ${max} subscriptions on this connection`)
          }
          const group = node.group(groupId)
          if (group === undefined) throw new SubscriptionError(-32000, `group ${groupId} does not exist`)
          let filter: EthLogFilter | undefined
          if (kind === 'logs') {
            const f = params[1] ?? {}
            if (typeof f !== 'object' || f === null || Array.isArray(f)) {
              throw new SubscriptionError(-32602, 'invalid params: expected filter to be an object')
            }
            try {
              filter = parseLogFilter(f as Record<string, unknown>)
            } catch (err) {
              throw new SubscriptionError(-32602, (err as Error).message)
            }
          }
          listen(groupId, group)
          const id = `0x${randomBytes(16).toString('hex')}`
          subs.set(id, { id, groupId, kind, sink, ...(filter === undefined ? {} : { filter }) })
          mine.add(id)
          return id
        },
        unsubscribe(id) {
          if (!mine.delete(id)) return false
          subs.delete(id)
          return true
        },
        close() {
          for (const id of mine) subs.delete(id)
          mine.clear()
        },
      }
    },
    close() {
      for (const off of listening.values()) off()
      listening.clear()
      subs.clear()
    },
  }
}
