import type { AMDB } from '@consortia/amdb'
import {
  type BlockNumber,
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
import { decodeBlock, encodeBlock } from '@consortia/protocol'
import type { BlockStore } from '../ledger/block-store.js'
import type { BlockToImport, ConsensusDriver } from '../ledger/driver.js'
import { IMPORT_BLOCKS_MAX } from '../ledger/driver.js'
import type { BlockCertificatePolicy } from './certificates.js'
import {
  decodeBlockRequest,
  decodeBlocks,
  decodeStatus,
  encodeBlockRequest,
  encodeBlocks,
  encodeStatus,
  type SyncBlockEntry,
  SyncPacket,
} from './codec.js'
import { intOption, syncInvalidInput } from './errors.js'
import { createMembersView, type GroupMembers, type NodeRole, roleOf } from './members.js'

/** Default sync tick (timeouts, status after a commit, download planning). */
export const SYNC_TICK_MS_DEFAULT = 100
/** Default interval of the periodic status gossip (FISCO `[sync] gossip_interval_ms`). */
export const SYNC_STATUS_INTERVAL_MS_DEFAULT = 1000
/** Default peers a periodic status goes to (FISCO `[sync] gossip_peers_number`). */
export const SYNC_GOSSIP_PEERS_DEFAULT = 3
/** Most blocks in one request (FISCO `c_maxRequestBlocks`). */
export const SYNC_REQUEST_BLOCKS_MAX = 32
/** Default most block requests in flight at once, each to a different peer (FISCO `c_maxRequestShards`). */
export const SYNC_REQUESTS_IN_FLIGHT_MAX_DEFAULT = 4
/** Default time a peer has to answer a block request before the range goes to another peer. */
export const SYNC_REQUEST_TIMEOUT_MS_DEFAULT = 3000
/** Default most downloaded blocks buffered ahead of the head (the download window). */
export const SYNC_BLOCKS_BUFFERED_MAX_DEFAULT = 512
/** Default most bytes of downloaded blocks buffered (FISCO `max_block_sync_memory_size` is 512 MB). */
export const SYNC_BUFFERED_BYTES_MAX_DEFAULT = 128 * 1024 * 1024
/** Default most bytes of one Blocks response, sent or received (the p2p frame limit is 100 MiB). */
export const SYNC_RESPONSE_BYTES_MAX_DEFAULT = 32 * 1024 * 1024
/** Default most block requests of peers queued to be served; more are dropped. */
export const SYNC_SERVE_QUEUE_MAX_DEFAULT = 16
/** Most requests of one peer queued to be served. */
export const SYNC_SERVE_PER_PEER_MAX = 2
/** Default most peers whose status is tracked; the one heard from longest ago makes room. */
export const SYNC_PEERS_MAX = 1024
/** Score change of a peer for a block request that timed out. */
export const SYNC_PENALTY_TIMEOUT = 1
/** Score change of a peer that served bad data (forged block, malformed packet, wrong genesis). */
export const SYNC_PENALTY_BAD_DATA = 10
/** Highest score a peer earns by serving good blocks. */
export const SYNC_SCORE_MAX = 10
/** Default lag (blocks) followed at once. */
export const SYNC_LAG_BLOCKS_MIN_DEFAULT = 2
/** Default time a smaller lag must last before it is followed. */
export const SYNC_LAG_GRACE_MS_DEFAULT = 500
/** Default time a peer that served bad data is ignored. */
export const SYNC_BAN_MS_DEFAULT = 60_000

/** Options and components of `createBlockSync`. */
export interface BlockSyncInit {
  readonly groupId: number
  readonly transport: Transport
  /** The group's block store (read to serve peers; its head is the node's position). */
  readonly store: BlockStore
  /** The group's database: sealers and observers are read from `_sys_consensus_`. */
  readonly amdb: AMDB
  /** The group's consensus driver: downloaded blocks are committed through `importBlocks`. */
  readonly driver: ConsensusDriver
  readonly suite: CryptoSuite
  readonly clock: Clock
  /** Peer choice among equals and status gossip targets. */
  readonly random: Random
  /** How downloaded blocks are trusted: `pbftCertificates(suite)` or `raftCertificates()`. */
  readonly certificates: BlockCertificatePolicy
  readonly tickMs?: number
  readonly statusIntervalMs?: number
  readonly gossipPeers?: number
  /** Blocks per request, 1..`SYNC_REQUEST_BLOCKS_MAX`. */
  readonly requestBlocksMax?: number
  readonly requestsInFlightMax?: number
  readonly requestTimeoutMs?: number
  readonly blocksBufferedMax?: number
  readonly bufferedBytesMax?: number
  readonly responseBytesMax?: number
  readonly serveQueueMax?: number
  /** Peers whose status is tracked (default `SYNC_PEERS_MAX`). */
  readonly peersMax?: number
  /** A peer this many blocks ahead is followed at once (default 2). */
  readonly lagBlocksMin?: number
  /** A smaller lag is followed once it lasted this long (default 500 ms): consensus usually closes it first. */
  readonly lagGraceMs?: number
  readonly banMs?: number
  readonly logger?: Logger
}

/** Counters of block sync. */
export interface BlockSyncStats {
  readonly statusSent: number
  readonly statusReceived: number
  readonly requestsSent: number
  readonly requestsTimedOut: number
  readonly responsesReceived: number
  readonly blocksDownloaded: number
  readonly blocksImported: number
  readonly blocksRefused: number
  readonly requestsServed: number
  readonly blocksServed: number
  readonly peersPenalised: number
  /** Packets from nodes that are not members of the group (free nodes): never answered. */
  readonly droppedNonMember: number
  readonly droppedMalformed: number
  readonly droppedUnsolicited: number
  readonly droppedOversize: number
  readonly droppedBanned: number
  readonly droppedGenesisMismatch: number
  readonly droppedServeQueueFull: number
  readonly droppedBufferFull: number
}

/** What block sync knows about one peer. */
export interface SyncPeerView {
  readonly nodeId: NodeId
  readonly number: BlockNumber
  readonly score: number
  /** Until when the peer is ignored (clock ms), after serving bad data. */
  readonly bannedUntilMs: number
}

/** Block sync of one group (FISCO `SyncMaster` for blocks). */
export interface BlockSync {
  /** Members in force at head + 1. */
  readonly members: GroupMembers
  /** This node's role in the group at head + 1. */
  readonly role: NodeRole
  readonly stats: BlockSyncStats
  peers(): readonly SyncPeerView[]
  /** Blocks downloaded and not yet imported. */
  readonly buffered: number
  /** Their size in bytes (block RLP). */
  readonly bufferedBytes: number
  /** Block requests in flight. */
  readonly inFlight: number
  /** Resolves when no import, serve or membership read is running. */
  idle(): Promise<void>
  /** Stops timers and subscriptions and waits for work in progress. */
  close(): Promise<void>
}

interface Request {
  readonly from: BlockNumber
  readonly to: BlockNumber
  readonly sentMs: number
}

interface Peer {
  readonly id: NodeId
  readonly hex: string
  number: BlockNumber
  latestHash: Hash32
  lastStatusMs: number
  score: number
  bannedUntilMs: number
  request: Request | undefined
}

interface Buffered {
  readonly entry: BlockToImport
  readonly from: Peer
  readonly bytes: number
}

const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b))

/**
 * Starts block sync for one group (FISCO 2.x `libsync`, reference §10.4): the node sends its
 * status (height, head hash, genesis hash) to the group's members after each commit and
 * gossips it every `statusIntervalMs`; a node behind its peers splits the missing range into
 * requests of ≤ `requestBlocksMax` blocks spread over up to `requestsInFlightMax` peers
 * (the best scored first), re-requests on timeout, buffers responses in height order and
 * imports them through `driver.importBlocks` (certificate, roots and re-execution checked,
 * one atomic write per block). A peer whose block is refused is penalised and ignored for
 * `banMs`. Only members (sealers and observers at head + 1) are sent statuses and served
 * blocks: a free node never receives group data.
 */
export async function createBlockSync(init: BlockSyncInit): Promise<BlockSync> {
  const { transport, store, driver, suite, clock, random, certificates } = init
  const groupId = init.groupId
  const logger = (init.logger ?? silentLogger).child({ component: 'block-sync', groupId })
  const tickMs = intOption('tickMs', init.tickMs, SYNC_TICK_MS_DEFAULT, 1, 3_600_000)
  const statusIntervalMs = intOption(
    'statusIntervalMs',
    init.statusIntervalMs,
    SYNC_STATUS_INTERVAL_MS_DEFAULT,
    1,
    3_600_000,
  )
  const gossipPeers = intOption('gossipPeers', init.gossipPeers, SYNC_GOSSIP_PEERS_DEFAULT, 1, SYNC_PEERS_MAX)
  const requestBlocksMax = intOption(
    'requestBlocksMax',
    init.requestBlocksMax,
    SYNC_REQUEST_BLOCKS_MAX,
    1,
    SYNC_REQUEST_BLOCKS_MAX,
  )
  const requestsInFlightMax = intOption(
    'requestsInFlightMax',
    init.requestsInFlightMax,
    SYNC_REQUESTS_IN_FLIGHT_MAX_DEFAULT,
    1,
    64,
  )
  const requestTimeoutMs = intOption(
    'requestTimeoutMs',
    init.requestTimeoutMs,
    SYNC_REQUEST_TIMEOUT_MS_DEFAULT,
    1,
    3_600_000,
  )
  const blocksBufferedMax = intOption(
    'blocksBufferedMax',
    init.blocksBufferedMax,
    SYNC_BLOCKS_BUFFERED_MAX_DEFAULT,
    1,
    1_000_000,
  )
  const bufferedBytesMax = intOption(
    'bufferedBytesMax',
    init.bufferedBytesMax,
    SYNC_BUFFERED_BYTES_MAX_DEFAULT,
    1024,
    2 ** 40,
  )
  const responseBytesMax = intOption(
    'responseBytesMax',
    init.responseBytesMax,
    SYNC_RESPONSE_BYTES_MAX_DEFAULT,
    1024,
    100 * 1024 * 1024,
  )
  const serveQueueMax = intOption('serveQueueMax', init.serveQueueMax, SYNC_SERVE_QUEUE_MAX_DEFAULT, 1, 4096)
  const peersMax = intOption('peersMax', init.peersMax, SYNC_PEERS_MAX, 1, 1_000_000)
  const lagBlocksMin = intOption('lagBlocksMin', init.lagBlocksMin, SYNC_LAG_BLOCKS_MIN_DEFAULT, 1, 1_000_000)
  const lagGraceMs = intOption('lagGraceMs', init.lagGraceMs, SYNC_LAG_GRACE_MS_DEFAULT, 0, 3_600_000)
  const banMs = intOption('banMs', init.banMs, SYNC_BAN_MS_DEFAULT, 0, 86_400_000)
  const selfId = transport.localId

  const genesis = await store.hashByNumber(0)
  if (genesis === undefined) throw syncInvalidInput('store', 'a block store with a genesis block', 'none')
  const genesisHash: Hash32 = genesis
  const members = await createMembersView(
    init.amdb.driver,
    () => store.head.number,
    (err) => logger.warn('reading group members failed', { error: String(err) }),
  )

  const stats = {
    statusSent: 0,
    statusReceived: 0,
    requestsSent: 0,
    requestsTimedOut: 0,
    responsesReceived: 0,
    blocksDownloaded: 0,
    blocksImported: 0,
    blocksRefused: 0,
    requestsServed: 0,
    blocksServed: 0,
    peersPenalised: 0,
    droppedNonMember: 0,
    droppedMalformed: 0,
    droppedUnsolicited: 0,
    droppedOversize: 0,
    droppedBanned: 0,
    droppedGenesisMismatch: 0,
    droppedServeQueueFull: 0,
    droppedBufferFull: 0,
  }
  const peers = new Map<string, Peer>()
  const buffer = new Map<BlockNumber, Buffered>()
  let bufferedBytes = 0
  let inFlight = 0
  let lagSinceMs: number | undefined
  let lastAnnounced = -1
  let lastGossipMs = Number.NEGATIVE_INFINITY
  let closed = false
  let importing: Promise<void> | undefined
  let importStalled = false
  let serving: Promise<void> | undefined
  const serveQueue: { peer: NodeId; hex: string; from: BlockNumber; size: number }[] = []

  const isMember = (hex: string) => members.isMember(hex)
  const selfHex = hexOf(selfId)
  const selfIsMember = () => isMember(selfHex)
  const message = (packetType: number, payload: Uint8Array) => ({
    groupId,
    moduleId: ModuleId.BlockSync,
    packetType,
    payload,
  })
  const connectedMembers = (): NodeId[] => {
    const out: NodeId[] = []
    for (const p of transport.peers()) {
      const hex = hexOf(p.nodeId)
      if (hex !== selfHex && isMember(hex)) out.push(p.nodeId)
    }
    return out
  }
  const connectedHex = () => new Set(transport.peers().map((p) => hexOf(p.nodeId)))

  const penalise = (p: Peer, amount: number, reason: string, ban: boolean) => {
    p.score -= amount
    if (ban) p.bannedUntilMs = clock.nowMs() + banMs
    stats.peersPenalised++
    logger.info('sync peer penalised', { peer: p.hex.slice(0, 16), reason, score: p.score, banned: ban })
  }
  const releaseRequest = (p: Peer) => {
    if (p.request === undefined) return
    p.request = undefined
    inFlight--
  }
  const dropBuffered = (n: BlockNumber) => {
    const b = buffer.get(n)
    if (b === undefined) return
    buffer.delete(n)
    bufferedBytes -= b.bytes
  }

  // --- status -------------------------------------------------------------------------------

  const sendStatus = (to: readonly NodeId[]) => {
    if (to.length === 0) return
    const head = store.head
    const payload = encodeStatus({ number: head.number, genesisHash, latestHash: head.hash })
    transport.broadcast(message(SyncPacket.Status, payload), to)
    stats.statusSent += to.length
  }

  const announce = () => {
    // A free node (not in the group at its own head) sends nothing: FISCO's free nodes do
    // not broadcast status. It still downloads from members who consider it one.
    if (!selfIsMember()) return
    const now = clock.nowMs()
    if (store.head.number !== lastAnnounced) {
      lastAnnounced = store.head.number
      lastGossipMs = now
      sendStatus(connectedMembers())
    } else if (now - lastGossipMs >= statusIntervalMs) {
      lastGossipMs = now
      const all = connectedMembers()
      const chosen: NodeId[] = []
      while (chosen.length < gossipPeers && all.length > 0) {
        chosen.push(all.splice(random.nextInt(all.length), 1)[0]!)
      }
      sendStatus(chosen)
    }
  }

  const onStatus = (from: NodeId, payload: Uint8Array) => {
    const hex = hexOf(from)
    if (!isMember(hex)) {
      stats.droppedNonMember++
      return
    }
    const s = decodeStatus(payload)
    let p = peers.get(hex)
    if (p !== undefined && p.bannedUntilMs > clock.nowMs()) {
      stats.droppedBanned++
      return
    }
    if (s === undefined) {
      stats.droppedMalformed++
      if (p !== undefined) penalise(p, SYNC_PENALTY_BAD_DATA, 'malformed status', true)
      return
    }
    if (!equal(s.genesisHash, genesisHash)) {
      stats.droppedGenesisMismatch++
      if (p !== undefined) penalise(p, SYNC_PENALTY_BAD_DATA, 'different genesis', true)
      return
    }
    stats.statusReceived++
    if (p === undefined) {
      if (peers.size >= peersMax) {
        let oldest: Peer | undefined
        for (const q of peers.values())
          if (oldest === undefined || q.lastStatusMs < oldest.lastStatusMs) oldest = q
        if (oldest !== undefined) {
          releaseRequest(oldest)
          peers.delete(oldest.hex)
        }
      }
      p = {
        id: from.slice(),
        hex,
        number: s.number,
        latestHash: s.latestHash,
        lastStatusMs: clock.nowMs(),
        score: 0,
        bannedUntilMs: 0,
        request: undefined,
      }
      peers.set(hex, p)
    }
    p.number = s.number
    p.latestHash = s.latestHash
    p.lastStatusMs = clock.nowMs()
    plan()
  }

  // --- download -------------------------------------------------------------------------------

  const usable = (p: Peer, connected: ReadonlySet<string>, now: number) =>
    p.bannedUntilMs <= now &&
    connected.has(p.hex) &&
    isMember(p.hex) &&
    (!certificates.sealersOnly || members.isSealer(p.hex))

  const covered = (n: BlockNumber) => {
    for (const p of peers.values())
      if (p.request !== undefined && p.request.from <= n && n <= p.request.to) return true
    return false
  }

  const choosePeer = (from: BlockNumber, connected: ReadonlySet<string>, now: number): Peer | undefined => {
    const candidates = [...peers.values()].filter(
      (p) => p.request === undefined && p.number >= from && usable(p, connected, now),
    )
    if (candidates.length === 0) return undefined
    // Random order first, then the best score: equals share the load.
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = random.nextInt(i + 1)
      ;[candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!]
    }
    candidates.sort((a, b) => b.score - a.score)
    return candidates[0]
  }

  const plan = () => {
    if (closed || driver.failure !== undefined) return
    const head = store.head.number
    for (const n of buffer.keys()) if (n <= head) dropBuffered(n)
    const now = clock.nowMs()
    const connected = connectedHex()
    let target = head
    for (const p of peers.values()) if (usable(p, connected, now) && p.number > target) target = p.number
    if (target <= head) {
      lagSinceMs = undefined
      return
    }
    lagSinceMs ??= now
    if (target - head < lagBlocksMin && now - lagSinceMs < lagGraceMs) return
    const top = Math.min(target, head + blocksBufferedMax)
    let n = head + 1
    while (n <= top && inFlight < requestsInFlightMax) {
      if (buffer.has(n) || covered(n)) {
        n++
        continue
      }
      let end = n
      while (end < top && end + 1 - n < requestBlocksMax && !buffer.has(end + 1) && !covered(end + 1)) end++
      const peer = choosePeer(n, connected, now)
      if (peer === undefined) break
      const to = Math.min(end, peer.number)
      peer.request = { from: n, to, sentMs: now }
      inFlight++
      stats.requestsSent++
      transport.send(
        peer.id,
        message(SyncPacket.ReqBlocks, encodeBlockRequest({ from: n, size: to - n + 1 })),
      )
      n = to + 1
    }
  }

  const insert = (b: Buffered): boolean => {
    const n = b.entry.block.header.number
    if (buffer.has(n)) return true
    // Room for a lower block is made by evicting the highest ones (they are re-requested).
    // An empty buffer always takes one block, however large, so sync never stalls.
    while (
      buffer.size > 0 &&
      (buffer.size >= blocksBufferedMax || bufferedBytes + b.bytes > bufferedBytesMax)
    ) {
      let highest = -1
      for (const k of buffer.keys()) if (k > highest) highest = k
      if (highest <= n) {
        stats.droppedBufferFull++
        return false
      }
      dropBuffered(highest)
      stats.droppedBufferFull++
    }
    buffer.set(n, b)
    bufferedBytes += b.bytes
    return true
  }

  const onBlocks = (from: NodeId, payload: Uint8Array) => {
    const hex = hexOf(from)
    const p = peers.get(hex)
    const req = p?.request
    if (p === undefined || req === undefined) {
      stats.droppedUnsolicited++
      return
    }
    releaseRequest(p)
    stats.responsesReceived++
    if (payload.length > responseBytesMax) {
      stats.droppedOversize++
      penalise(p, SYNC_PENALTY_BAD_DATA, `response of ${payload.length} bytes`, true)
      plan()
      return
    }
    const entries = decodeBlocks(payload, req.to - req.from + 1)
    if (entries === undefined) {
      stats.droppedMalformed++
      penalise(p, SYNC_PENALTY_BAD_DATA, 'malformed blocks packet', true)
      plan()
      return
    }
    const decoded: Buffered[] = []
    for (const [i, e] of entries.entries()) {
      try {
        // Checks the RLP strictly, the stored hash against the header, and recovers senders.
        const d = decodeBlock(e.rlp, suite, { maxBytes: responseBytesMax })
        if (d.block.header.number !== req.from + i) throw new Error(`expected block ${req.from + i}`)
        decoded.push({
          entry:
            e.view === undefined
              ? { block: d.block, hash: d.hash }
              : { block: d.block, hash: d.hash, view: e.view },
          from: p,
          bytes: e.rlp.length,
        })
      } catch (err) {
        stats.droppedMalformed++
        penalise(p, SYNC_PENALTY_BAD_DATA, `undecodable block: ${String(err)}`, true)
        plan()
        return
      }
    }
    for (const b of decoded) {
      if (b.entry.block.header.number <= store.head.number) continue
      if (!insert(b)) break
      stats.blocksDownloaded++
    }
    if (decoded.length > 0) p.score = Math.min(SYNC_SCORE_MAX, p.score + 1)
    pumpImport()
    plan()
  }

  const pumpImport = () => {
    if (importing !== undefined || closed || importStalled || driver.failure !== undefined) return
    const run: Buffered[] = []
    for (let n = store.head.number + 1; run.length < IMPORT_BLOCKS_MAX; n++) {
      const b = buffer.get(n)
      if (b === undefined) break
      run.push(b)
    }
    if (run.length === 0) return
    const sources = new Map(run.map((b) => [hexOf(b.entry.hash), b.from]))
    importing = driver
      .importBlocks(
        run.map((b) => b.entry),
        (block, sealerList) => certificates.check(block, sealerList, sources.get(hexOf(block.hash))!.id),
      )
      .then((result) => {
        stats.blocksImported += result.imported
        if (!result.queued) importStalled = true
        for (const n of [...buffer.keys()]) if (n <= store.head.number) dropBuffered(n)
        if (result.refused !== undefined) {
          stats.blocksRefused++
          const bad = run[result.refused.index]!
          penalise(
            bad.from,
            SYNC_PENALTY_BAD_DATA,
            `block ${result.refused.number}: ${result.refused.reason}`,
            true,
          )
          // Everything that peer served is suspect.
          for (const [n, b] of [...buffer.entries()]) if (b.from === bad.from) dropBuffered(n)
        }
        if (result.imported > 0) members.refresh()
      })
      .catch((err) => {
        importStalled = true
        logger.error('block import failed', {}, err)
      })
      .finally(() => {
        importing = undefined
        if (!closed) {
          pumpImport()
          plan()
        }
      })
  }

  // --- serving --------------------------------------------------------------------------------

  const serveOne = async (item: (typeof serveQueue)[number]) => {
    const last = Math.min(item.from + item.size - 1, store.head.number)
    const blocks: SyncBlockEntry[] = []
    let bytes = 16
    for (let n = item.from; n <= last; n++) {
      const stored = await store.blockByNumber(n)
      if (stored === undefined) break
      const rlp = encodeBlock(stored.block, suite.hash)
      // Binary encoding (`encodeConsensusBinary`): the bytes, a length and the field names.
      const size = rlp.length + 32
      if (bytes + size > responseBytesMax) break
      bytes += size
      blocks.push(stored.view === undefined ? { rlp } : { rlp, view: stored.view })
    }
    if (blocks.length === 0) return
    const payload = encodeBlocks(blocks)
    if (payload.length > responseBytesMax) return
    transport.send(item.peer, message(SyncPacket.Blocks, payload))
    stats.requestsServed++
    stats.blocksServed += blocks.length
  }

  const runServe = () => {
    if (serving !== undefined || closed) return
    serving = (async () => {
      while (serveQueue.length > 0 && !closed) {
        const item = serveQueue.shift()!
        try {
          await serveOne(item)
        } catch (err) {
          logger.warn('serving blocks failed', { error: String(err) })
        }
      }
    })().finally(() => {
      serving = undefined
      // A request that came in while the loop was finishing.
      if (serveQueue.length > 0) runServe()
    })
  }

  const onRequest = (from: NodeId, payload: Uint8Array) => {
    const hex = hexOf(from)
    // A free node (not a sealer or observer at our head + 1) is never served group data.
    if (!isMember(hex)) {
      stats.droppedNonMember++
      return
    }
    const p = peers.get(hex)
    if (p !== undefined && p.bannedUntilMs > clock.nowMs()) {
      stats.droppedBanned++
      return
    }
    const req = decodeBlockRequest(payload, SYNC_REQUEST_BLOCKS_MAX)
    if (req === undefined) {
      stats.droppedMalformed++
      return
    }
    let fromPeer = 0
    for (const q of serveQueue) if (q.hex === hex) fromPeer++
    if (serveQueue.length >= serveQueueMax || fromPeer >= SYNC_SERVE_PER_PEER_MAX) {
      stats.droppedServeQueueFull++
      return
    }
    serveQueue.push({ peer: from.slice(), hex, from: req.from, size: req.size })
    runServe()
  }

  // --- wiring ---------------------------------------------------------------------------------

  const unsubscribe = transport.subscribe(groupId, ModuleId.BlockSync, (from, msg) => {
    if (closed) return
    if (msg.payload.length > responseBytesMax) {
      stats.droppedOversize++
      // Only a response can be that large; answer it so its range is requested again.
      const p = peers.get(hexOf(from))
      if (p?.request !== undefined && msg.packetType === SyncPacket.Blocks) {
        releaseRequest(p)
        penalise(p, SYNC_PENALTY_BAD_DATA, `response of ${msg.payload.length} bytes`, true)
      }
      return
    }
    switch (msg.packetType) {
      case SyncPacket.Status:
        onStatus(from, msg.payload)
        return
      case SyncPacket.ReqBlocks:
        onRequest(from, msg.payload)
        return
      case SyncPacket.Blocks:
        if (!isMember(hexOf(from))) {
          stats.droppedNonMember++
          return
        }
        onBlocks(from, msg.payload)
        return
      default:
      // Transactions (0x01) belong to tx sync, which subscribes to the same module.
    }
  })

  let cancelTimer: (() => void) | undefined
  const onTick = () => {
    if (closed) return
    cancelTimer = clock.setTimer(tickMs, onTick)
    const now = clock.nowMs()
    for (const p of peers.values()) {
      if (p.request !== undefined && now - p.request.sentMs >= requestTimeoutMs) {
        releaseRequest(p)
        stats.requestsTimedOut++
        penalise(p, SYNC_PENALTY_TIMEOUT, 'request timed out', false)
      }
    }
    members.refresh()
    announce()
    importStalled = false
    plan()
    pumpImport()
  }
  cancelTimer = clock.setTimer(tickMs, onTick)

  const idle = async () => {
    while (importing !== undefined || serving !== undefined) await Promise.all([importing, serving])
    await members.idle()
  }

  return {
    get members() {
      return members.current
    },
    get role() {
      return roleOf(members.current, selfId)
    },
    get stats() {
      return { ...stats }
    },
    peers() {
      return [...peers.values()].map((p) => ({
        nodeId: p.id,
        number: p.number,
        score: p.score,
        bannedUntilMs: p.bannedUntilMs,
      }))
    },
    get buffered() {
      return buffer.size
    },
    get bufferedBytes() {
      return bufferedBytes
    },
    get inFlight() {
      return inFlight
    },
    idle,
    async close() {
      if (closed) return
      closed = true
      cancelTimer?.()
      unsubscribe()
      serveQueue.length = 0
      await idle()
      buffer.clear()
      bufferedBytes = 0
    },
  }
}
