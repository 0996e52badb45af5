import type { AMDB } from '@consortia/amdb'
import {
  type Bytes,
  type Clock,
  type CryptoSuite,
  type Hash32,
  type Logger,
  ModuleId,
  type NodeId,
  type Random,
  silentLogger,
  type Transport,
} from '@consortia/interface'
import { txHash } from '@consortia/protocol'
import type { BlockStore } from '../ledger/block-store.js'
import type { TxPool } from '../txpool/pool.js'
import { decodeTransactions, encodeTransactions, SyncPacket } from './codec.js'
import { intOption } from './errors.js'
import { createMembersView } from './members.js'

/** Default tick of tx sync: accepted transactions are forwarded in one packet per peer and tick. */
export const TX_SYNC_TICK_MS_DEFAULT = 100
/** Default share of sealers a transaction received from a peer is forwarded to (FISCO: 25%). */
export const TX_FORWARD_PERCENT_DEFAULT = 25
/** Default most transactions in one Transactions packet (sent or received). */
export const TX_PACKET_TXS_MAX_DEFAULT = 1000
/** Default most bytes of one Transactions packet (sent or received). */
export const TX_PACKET_BYTES_MAX_DEFAULT = 8 * 1024 * 1024
/** Default most accepted transactions waiting for the next forward; more are not forwarded. */
export const TX_FORWARD_QUEUE_MAX_DEFAULT = 10_000
/** Default most transaction hashes remembered as forwarded (each is forwarded at most once). */
export const TX_SEEN_MAX_DEFAULT = 100_000
/** Default most received packets waiting for pool admission; more are dropped. */
export const TX_RECEIVE_QUEUE_MAX_DEFAULT = 64

/** Options and components of `createTxSync`. */
export interface TxSyncInit {
  readonly groupId: number
  readonly transport: Transport
  readonly pool: TxPool
  /** The group's database (members are read from `_sys_consensus_`). */
  readonly amdb: AMDB
  /** The group's block store (its head decides which members are in force). */
  readonly store: BlockStore
  readonly suite: CryptoSuite
  readonly clock: Clock
  /** Chooses the sealers a peer's transaction is forwarded to. */
  readonly random: Random
  readonly tickMs?: number
  /** Percentage (1..100) of sealers a transaction received from a peer goes on to. */
  readonly forwardPercent?: number
  readonly packetTxsMax?: number
  readonly packetBytesMax?: number
  readonly forwardQueueMax?: number
  readonly seenMax?: number
  readonly receiveQueueMax?: number
  readonly logger?: Logger
}

/** Counters of tx sync. */
export interface TxSyncStats {
  /** Transactions sent (one per target peer). */
  readonly txsSent: number
  readonly packetsSent: number
  readonly packetsReceived: number
  readonly txsReceived: number
  /** Received transactions the pool accepted. */
  readonly txsAccepted: number
  /** Received transactions the pool refused (duplicates included). */
  readonly txsRefused: number
  /** Received transactions skipped because this node already had them. */
  readonly txsKnown: number
  readonly droppedNonMember: number
  readonly droppedMalformed: number
  readonly droppedOversize: number
  readonly droppedReceiveQueueFull: number
  /** Accepted transactions not forwarded because the forward queue was full. */
  readonly droppedForwardQueueFull: number
}

/** Transaction sync of one group. */
export interface TxSync {
  readonly stats: TxSyncStats
  /** Accepted transactions waiting for the next forward. */
  readonly queued: number
  /** Resolves when no received packet is being admitted. */
  idle(): Promise<void>
  close(): Promise<void>
}

const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * Starts transaction sync for one group (FISCO 2.x `libsync` Transactions packet, reference
 * §10.4): a transaction accepted from a client is forwarded to every sealer of the group; one
 * received from a peer goes on to `forwardPercent` of the sealers (at least one), never back
 * to its sender. Each transaction is forwarded at most once per node (dedupe by hash).
 * Transactions from peers enter the pool through `submitMany`, with every admission check.
 * Only sealers receive forwarded transactions (observers do not seal); only members are
 * accepted from, and a free node is sent nothing.
 */
export async function createTxSync(init: TxSyncInit): Promise<TxSync> {
  const { transport, pool, suite, clock, random } = init
  const groupId = init.groupId
  const logger = (init.logger ?? silentLogger).child({ component: 'tx-sync', groupId })
  const tickMs = intOption('tickMs', init.tickMs, TX_SYNC_TICK_MS_DEFAULT, 1, 3_600_000)
  const forwardPercent = intOption('forwardPercent', init.forwardPercent, TX_FORWARD_PERCENT_DEFAULT, 1, 100)
  const packetTxsMax = intOption('packetTxsMax', init.packetTxsMax, TX_PACKET_TXS_MAX_DEFAULT, 1, 4096)
  const packetBytesMax = intOption(
    'packetBytesMax',
    init.packetBytesMax,
    TX_PACKET_BYTES_MAX_DEFAULT,
    1024,
    100 * 1024 * 1024,
  )
  const forwardQueueMax = intOption(
    'forwardQueueMax',
    init.forwardQueueMax,
    TX_FORWARD_QUEUE_MAX_DEFAULT,
    1,
    10_000_000,
  )
  const seenMax = intOption('seenMax', init.seenMax, TX_SEEN_MAX_DEFAULT, 1, 10_000_000)
  const receiveQueueMax = intOption(
    'receiveQueueMax',
    init.receiveQueueMax,
    TX_RECEIVE_QUEUE_MAX_DEFAULT,
    1,
    100_000,
  )
  const selfHex = hexOf(transport.localId)
  const members = await createMembersView(
    init.amdb.driver,
    () => init.store.head.number,
    (err) => logger.warn('reading group members failed', { error: String(err) }),
  )

  const stats = {
    txsSent: 0,
    packetsSent: 0,
    packetsReceived: 0,
    txsReceived: 0,
    txsAccepted: 0,
    txsRefused: 0,
    txsKnown: 0,
    droppedNonMember: 0,
    droppedMalformed: 0,
    droppedOversize: 0,
    droppedReceiveQueueFull: 0,
    droppedForwardQueueFull: 0,
  }
  /** Hashes forwarded or queued (insertion order, oldest evicted first). */
  const seen = new Set<string>()
  /** Transactions being admitted from a peer: hash → the peer. */
  const fromPeer = new Map<string, string>()
  let queue: { hash: Hash32; source: string | undefined }[] = []
  const receiveQueue: { from: string; raws: Bytes[] }[] = []
  let receiving: Promise<void> | undefined
  let closed = false

  const remember = (hex: string) => {
    seen.add(hex)
    if (seen.size > seenMax) seen.delete(seen.values().next().value as string)
  }

  const unsubscribePool = pool.subscribe((event) => {
    if (event.type !== 'accepted' || closed) return
    const hex = hexOf(event.hash)
    if (seen.has(hex)) return
    if (queue.length >= forwardQueueMax) {
      stats.droppedForwardQueueFull++
      return
    }
    remember(hex)
    queue.push({ hash: event.hash, source: fromPeer.get(hex) })
  })

  const flush = () => {
    if (queue.length === 0) return
    const items = queue
    queue = []
    // A node outside the group (at its own head) forwards nothing.
    if (!members.isMember(selfHex)) return
    const sealers = new Map<string, NodeId>()
    for (const p of transport.peers()) {
      const hex = hexOf(p.nodeId)
      if (hex !== selfHex && members.isSealer(hex)) sealers.set(hex, p.nodeId)
    }
    if (sealers.size === 0) return
    const outbox = new Map<string, { id: NodeId; raws: Bytes[]; bytes: number }>()
    const send = (hex: string) => {
      const box = outbox.get(hex)
      if (box === undefined || box.raws.length === 0) return
      transport.send(box.id, {
        groupId,
        moduleId: ModuleId.BlockSync,
        packetType: SyncPacket.Transactions,
        payload: encodeTransactions(box.raws),
      })
      stats.packetsSent++
      stats.txsSent += box.raws.length
      outbox.set(hex, { id: box.id, raws: [], bytes: 16 })
    }
    for (const item of items) {
      const tx = pool.get(item.hash)
      if (tx === undefined) continue
      let targets = [...sealers.keys()].filter((h) => h !== item.source)
      if (item.source !== undefined) {
        const count = Math.max(1, Math.ceil((targets.length * forwardPercent) / 100))
        const chosen: string[] = []
        while (chosen.length < count && targets.length > 0) {
          chosen.push(targets.splice(random.nextInt(targets.length), 1)[0]!)
        }
        targets = chosen
      }
      // Binary encoding (`encodeConsensusBinary`): the bytes and a tag and length.
      const size = tx.raw.length + 8
      for (const hex of targets) {
        let box = outbox.get(hex)
        if (box === undefined) {
          box = { id: sealers.get(hex)!, raws: [], bytes: 16 }
          outbox.set(hex, box)
        }
        if (box.raws.length >= packetTxsMax || box.bytes + size > packetBytesMax) {
          send(hex)
          box = outbox.get(hex)!
        }
        box.raws.push(tx.raw)
        box.bytes += size
      }
    }
    for (const hex of outbox.keys()) send(hex)
  }

  const runReceive = () => {
    if (receiving !== undefined || closed) return
    receiving = (async () => {
      while (receiveQueue.length > 0 && !closed) {
        const { from, raws } = receiveQueue.shift()!
        // Each transaction is hashed once here; the pool takes the hashes with them.
        const fresh: Bytes[] = []
        const hashes: Hash32[] = []
        const hexes: string[] = []
        for (const raw of raws) {
          const hash = txHash(raw, suite.hash)
          const hex = hexOf(hash)
          if (seen.has(hex) || fromPeer.has(hex) || pool.has(hash)) {
            stats.txsKnown++
            continue
          }
          fromPeer.set(hex, from)
          fresh.push(raw)
          hashes.push(hash)
          hexes.push(hex)
        }
        if (fresh.length === 0) continue
        try {
          const results = await pool.submitManyHashed(fresh, hashes)
          for (const r of results) {
            if (r.ok) stats.txsAccepted++
            else stats.txsRefused++
          }
        } catch (err) {
          logger.warn('admitting forwarded transactions failed', { error: String(err) })
        } finally {
          for (const hex of hexes) fromPeer.delete(hex)
        }
      }
    })().finally(() => {
      receiving = undefined
      // A packet that came in while the loop was finishing.
      if (receiveQueue.length > 0) runReceive()
    })
  }

  const unsubscribe = transport.subscribe(groupId, ModuleId.BlockSync, (from, msg) => {
    if (closed || msg.packetType !== SyncPacket.Transactions) return
    const hex = hexOf(from)
    if (!members.isMember(hex)) {
      stats.droppedNonMember++
      return
    }
    if (msg.payload.length > packetBytesMax) {
      stats.droppedOversize++
      return
    }
    const raws = decodeTransactions(msg.payload, packetTxsMax)
    if (raws === undefined) {
      stats.droppedMalformed++
      return
    }
    if (receiveQueue.length >= receiveQueueMax) {
      stats.droppedReceiveQueueFull++
      return
    }
    stats.packetsReceived++
    stats.txsReceived += raws.length
    receiveQueue.push({ from: hex, raws })
    runReceive()
  })

  let cancelTimer: (() => void) | undefined
  const onTick = () => {
    if (closed) return
    cancelTimer = clock.setTimer(tickMs, onTick)
    members.refresh()
    flush()
  }
  cancelTimer = clock.setTimer(tickMs, onTick)

  const idle = async () => {
    while (receiving !== undefined) await receiving
    await members.idle()
  }

  return {
    get stats() {
      return { ...stats }
    },
    get queued() {
      return queue.length
    },
    idle,
    async close() {
      if (closed) return
      closed = true
      cancelTimer?.()
      unsubscribe()
      unsubscribePool()
      receiveQueue.length = 0
      await idle()
    },
  }
}
