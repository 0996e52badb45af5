import {
  type BlockNumber,
  ChainError,
  type CommittedBlock,
  type ConsensusEngine,
  type ConsensusMessage,
  type Hash32,
  type Logger,
  type OutboundMessage,
  type ProposedBlock,
  type Ready,
  silentLogger,
} from '@consortia/interface'
import { bytesEqual, isBytesOfLength } from './bytes.js'
import { commitPreimage, signPreimage } from './digest.js'
import type {
  PBFTCertificateScheme,
  PBFTCommit,
  PBFTComponents,
  PBFTErrorCode,
  PBFTHead,
  PBFTInit,
  PBFTMessage,
  PBFTPersistedState,
  PBFTPrepare,
  PBFTRejectReason,
  PBFTSealerConfig,
  PBFTSign,
  PBFTSyncResponse,
  PBFTViewChange,
  PBFTVote,
  PBFTVoteRecord,
  PreparedCertificate,
} from './types.js'

/** Default base view timeout in ticks (with 100 ms ticks: FISCO's 3 s). */
export const VIEW_TIMEOUT_TICKS_DEFAULT = 30
/** Default cap of the timeout exponent (FISCO TimeManager caps `changeCycle` at 20). */
export const CHANGE_CYCLE_MAX_DEFAULT = 20
/** Default number of committed blocks kept to answer sync requests. */
export const COMMITTED_CACHE_MAX_DEFAULT = 64
/** Default number of future-height or future-view messages kept per sender. */
export const FUTURE_MESSAGES_PER_SENDER_MAX_DEFAULT = 32
/** Default number of blocks in one sync response. */
export const SYNC_BLOCKS_PER_REPLY_MAX_DEFAULT = 16
/** Default minimum ticks between two sync requests (and two answers to one peer). */
export const SYNC_INTERVAL_TICKS_DEFAULT = 4
/** Messages for heights more than this far ahead are dropped, not cached. */
export const FUTURE_HEIGHT_WINDOW = 8
/** Verdicts remembered per height (one per proposal seen at this height). */
export const VERDICTS_PER_HEIGHT_MAX = 64
/** Largest signature accepted in a message, in bytes (SM2 r‖s‖pub is 128). */
export const SIGNATURE_BYTES_MAX = 256
/**
 * Largest view accepted. Views beyond it are refused so `view + 1` stays a safe integer;
 * a forged view change with 2^32−1 or 2^53 never overflows anything (CVE-2022-26534).
 */
export const VIEW_MAX = Number.MAX_SAFE_INTEGER - 1

/** Shared empty list for Ready fields with nothing in them (saves garbage on the hot path). */
const NONE: readonly never[] = Object.freeze([])

/** Timeout growth per consecutive view change (FISCO TimeManager: 1.5). */
const TIMEOUT_GROWTH = 1.5

/** Snapshot of an engine's position, for hosts, tests and the simulator. */
export interface PBFTStatus {
  /** The height being decided (head + 1). */
  readonly height: BlockNumber
  readonly view: number
  /** The highest view this node has asked to move to. */
  readonly toView: number
  /** Leader index of (height, view). */
  readonly leader: number
  readonly sealerCount: number
  readonly selfIndex: number | undefined
  /** View of this node's lock at `height`, if it prepared a block here. */
  readonly lockedView: number | undefined
  /** Consecutive timeouts without a commit. */
  readonly changeCycle: number
  /** A decided block awaits `advance`. */
  readonly awaitingAdvance: boolean
  /** Views entered since this engine was created (jumps count once). */
  readonly viewChanges: number
  /** View timeouts since this engine was created (view changes this node started itself). */
  readonly timeouts: number
}

interface VerifiedSlot {
  readonly prepare: PBFTPrepare<unknown>
}

function fail(code: PBFTErrorCode, message: string, meta: Record<string, unknown> = {}): never {
  throw new ChainError({ code, ...meta }, message)
}

function isSafeCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function isView(value: unknown): value is number {
  return isSafeCount(value) && value <= VIEW_MAX
}

function isSignature(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length > 0 && value.length <= SIGNATURE_BYTES_MAX
}

function checkBlockShape(block: unknown): string | undefined {
  if (typeof block !== 'object' || block === null) return 'block is not an object'
  const b = block as Partial<ProposedBlock>
  if (!isSafeCount(b.number)) return `expected a block number >= 0, got ${String(b.number)}`
  if (!isBytesOfLength(b.hash, 32)) return `expected 32-byte hash, got ${lengthOf(b.hash)}`
  if (!isBytesOfLength(b.parentHash, 32)) return `expected 32-byte parentHash, got ${lengthOf(b.parentHash)}`
  if (!isSafeCount(b.txCount)) return `expected txCount >= 0, got ${String(b.txCount)}`
  return undefined
}

function lengthOf(value: unknown): string {
  return value instanceof Uint8Array ? String(value.length) : typeof value
}

/**
 * FISCO BCOS 2.x PBFT as a pure state machine.
 *
 * Per height: the leader `(view + height) mod n` sends Prepare; each sealer has the host
 * execute the block (`Ready.verify`), then broadcasts Sign; n−f Signs prepare the block
 * (the node locks on it) and it broadcasts Commit with its signature; n−f Commits decide
 * the block, whose certificate is those n−f commit signatures (or, under the `block-hash`
 * scheme, the n−f bare-block-hash signatures the Commits carry, FISCO's `signatureList`). Empty proposals are never
 * committed and trigger a fast view change. A locked node signs another block at the same
 * height only when shown a prepared certificate from a later view than its lock, so an
 * honest node's decision can never be contradicted (Castro & Liskov 1999, §4.4).
 */
export class PBFTEngine<P = unknown> implements ConsensusEngine<PBFTMessage<P>, P, PBFTPersistedState<P>> {
  private readonly components: PBFTComponents
  private readonly logger: Logger
  private readonly viewTimeoutTicks: number
  private readonly changeCycleMax: number
  private readonly committedCacheMax: number
  private readonly futureMessagesPerSenderMax: number
  private readonly syncBlocksPerReplyMax: number
  private readonly syncIntervalTicks: number
  private readonly scheme: PBFTCertificateScheme

  private n: number
  private f: number
  private quorum: number
  private self: number | undefined

  private height: BlockNumber
  private headHash: Hash32
  private view: number
  private toView: number
  private changeCycle = 0
  private viewChangeCount = 0
  private timeoutCount = 0
  private ticksInView = 0
  private now = 0

  private lastSign: PBFTVoteRecord | undefined
  private lastCommit: PBFTVoteRecord | undefined
  private lock: { certificate: PreparedCertificate; block: ProposedBlock<P> } | undefined

  // State of the current (height, view).
  private slot: VerifiedSlot | undefined
  private proposed = false
  private signs: (PBFTSign | undefined)[] = []
  private commits: (PBFTCommit | undefined)[] = []
  private sentCommit = false

  // State of the current height.
  private viewChanges: (PBFTViewChange<P> | undefined)[] = []
  private statusAnswered: number[] = []
  /** Blocks the host judged valid at this height: the only objects we sign or commit. */
  private validBlocks: ProposedBlock<P>[] = []
  /** Blocks handed to the host and not judged yet. */
  private pendingVerify: ProposedBlock<P>[] = []
  /** Block objects the host judged invalid (a forged body under a genuine hash). */
  private invalidBlocks = new WeakSet<ProposedBlock<P>>()
  private syncQueue: CommittedBlock<P>[] = []
  private decided: CommittedBlock<P> | undefined
  private decidedBySync = false

  private future: ConsensusMessage<PBFTMessage<P>>[][] = []
  private committedCache: CommittedBlock<P>[] = []
  private lastSyncRequestTick = Number.NEGATIVE_INFINITY
  private lastSyncReplyTick: number[] = []
  private pendingConfig: { height: BlockNumber; config: PBFTSealerConfig } | undefined

  // Outbox, drained by `ready()`.
  private outMessages: OutboundMessage<PBFTMessage<P>>[] = []
  private outCommitted: CommittedBlock<P>[] = []
  private outVerify: ProposedBlock<P>[] = []
  private dirty = false
  private proposeEdge = false

  private readonly rejectCounts = new Map<PBFTRejectReason, number>()
  private readonly digestMemo: { height: number; view: number; hash: Hash32; digest: Hash32 }[] = [
    { height: -1, view: -1, hash: new Uint8Array(0), digest: new Uint8Array(0) },
    { height: -1, view: -1, hash: new Uint8Array(0), digest: new Uint8Array(0) },
  ]

  constructor(init: PBFTInit<P>, components: PBFTComponents) {
    if (typeof components?.sign !== 'function') fail('PBFT_INVALID_CONFIG', 'missing component: sign')
    if (typeof components.verify !== 'function') fail('PBFT_INVALID_CONFIG', 'missing component: verify')
    if (typeof components.hash !== 'function') fail('PBFT_INVALID_CONFIG', 'missing component: hash')
    this.components = components
    this.logger = components.logger ?? silentLogger
    this.viewTimeoutTicks = positive('viewTimeoutTicks', init.viewTimeoutTicks ?? VIEW_TIMEOUT_TICKS_DEFAULT)
    this.changeCycleMax = nonNegative('changeCycleMax', init.changeCycleMax ?? CHANGE_CYCLE_MAX_DEFAULT)
    this.committedCacheMax = nonNegative(
      'committedCacheMax',
      init.committedCacheMax ?? COMMITTED_CACHE_MAX_DEFAULT,
    )
    this.futureMessagesPerSenderMax = nonNegative(
      'futureMessagesPerSenderMax',
      init.futureMessagesPerSenderMax ?? FUTURE_MESSAGES_PER_SENDER_MAX_DEFAULT,
    )
    this.syncBlocksPerReplyMax = positive(
      'syncBlocksPerReplyMax',
      init.syncBlocksPerReplyMax ?? SYNC_BLOCKS_PER_REPLY_MAX_DEFAULT,
    )
    this.syncIntervalTicks = nonNegative(
      'syncIntervalTicks',
      init.syncIntervalTicks ?? SYNC_INTERVAL_TICKS_DEFAULT,
    )

    const scheme = init.certificateScheme ?? 'view-bound'
    if (scheme !== 'view-bound' && scheme !== 'block-hash') {
      fail(
        'PBFT_INVALID_CONFIG',
        `expected certificateScheme view-bound or block-hash, got ${String(scheme)}`,
      )
    }
    this.scheme = scheme

    checkSealerConfig(init)
    this.n = init.sealerCount
    this.f = Math.floor((this.n - 1) / 3)
    this.quorum = this.n - this.f
    this.self = init.selfIndex
    this.resizeSealerArrays()

    const head: PBFTHead = init.head
    if (!isSafeCount(head?.number))
      fail('PBFT_INVALID_CONFIG', `expected head.number >= 0, got ${head?.number}`)
    if (!isBytesOfLength(head.hash, 32)) {
      fail('PBFT_INVALID_CONFIG', `expected 32-byte head.hash, got ${lengthOf(head.hash)}`)
    }
    this.height = head.number + 1
    this.headHash = head.hash
    this.view = 0
    this.toView = 0

    const state = init.state
    if (state !== undefined) {
      if (!isSafeCount(state.height) || !isView(state.view)) {
        fail('PBFT_INVALID_STATE', `expected persisted height and view, got ${state.height}/${state.view}`)
      }
      if (state.height > this.height) {
        fail('PBFT_INVALID_STATE', `persisted height ${state.height} is ahead of head ${head.number}`, {
          persistedHeight: state.height,
          headNumber: head.number,
        })
      }
      this.view = state.view
      this.toView = state.view
      this.lastSign = state.lastSign
      this.lastCommit = state.lastCommit
      // A lock only matters at the height it was taken; an older one was decided already.
      if (state.height === this.height && state.lock !== undefined) this.lock = state.lock
    }
    const recent = init.committed ?? []
    for (let i = 0; i < recent.length; i++) {
      const c = recent[i]!
      // Only a contiguous run ending at the head can be served by slicing.
      if (c.block.number !== head.number - (recent.length - 1 - i)) {
        fail(
          'PBFT_INVALID_CONFIG',
          `expected committed blocks ending at head ${head.number}, got ${c.block.number}`,
        )
      }
    }
    if (recent.length > 0 && !bytesEqual(recent[recent.length - 1]!.block.hash, head.hash)) {
      fail('PBFT_INVALID_CONFIG', 'expected the last committed block to be the head')
    }
    this.committedCache = recent.slice(Math.max(0, recent.length - this.committedCacheMax))
    this.dirty = state === undefined
    this.maybePropose()
  }

  // ---------------------------------------------------------------------------
  // ConsensusEngine

  /** Logical time: drives view-change timeouts and the sync rate limits. */
  tick(): void {
    this.now++
    if (this.self === undefined || this.decided !== undefined) return
    this.ticksInView++
    if (this.ticksInView < this.currentTimeoutTicks()) return
    if (this.toView > this.view && !this.hasQuorumAtLeast(this.toView)) {
      // Reference: Castro & Liskov 1999, §4.5.2 — the timer for the next view change starts
      // only once 2f+1 replicas asked for this one. Until then, repeat the request (it may
      // have been lost) instead of racing ahead alone.
      this.ticksInView = 0
      this.broadcastViewChange()
      return
    }
    this.changeCycle = Math.min(this.changeCycle + 1, this.changeCycleMax)
    this.timeoutCount++
    this.logger.debug('view timeout', { height: this.height, view: this.view, toView: this.toView + 1 })
    this.requestViewChange(Math.max(this.toView, this.view) + 1)
  }

  /** A message from a peer, or the host's verdict (from this node's own index). */
  step(msg: ConsensusMessage<PBFTMessage<P>>): void {
    const from = msg.from
    const body = msg.body
    if (!Number.isSafeInteger(from) || from < 0) {
      this.reject('non-sealer', { from })
      return
    }
    if (body?.type === 'verdict') {
      if (from !== this.self) {
        this.reject('verdict-spoofed', { from })
        return
      }
      if (!isSafeCount(body.height) || !isBytesOfLength(body.hash, 32) || typeof body.valid !== 'boolean') {
        this.reject('malformed', { from })
        return
      }
      this.onVerdict(body.height, body.hash, body.valid)
      return
    }
    if (from >= this.n) {
      this.reject('non-sealer', { from })
      return
    }
    if (this.self === undefined || from === this.self) return
    const problem = this.checkMessage(body)
    if (problem !== undefined) {
      this.reject(problem === 'view' ? 'view-overflow' : 'malformed', { from })
      return
    }
    this.dispatch(from, body)
  }

  /**
   * A block from the host's sealer, when `ready().shouldPropose` said so. Returns false when
   * the engine no longer wants a proposal (the view moved on meanwhile).
   */
  propose(block: ProposedBlock<P>): boolean {
    const problem = checkBlockShape(block)
    if (problem !== undefined) fail('PBFT_INVALID_BLOCK', problem)
    if (!this.canPropose()) {
      this.logger.debug('proposal not wanted', { height: this.height, view: this.view })
      return false
    }
    if (block.number !== this.height) {
      fail('PBFT_INVALID_BLOCK', `expected block number ${this.height}, got ${block.number}`)
    }
    if (!bytesEqual(block.parentHash, this.headHash)) {
      fail('PBFT_INVALID_BLOCK', `expected parentHash of head ${this.height - 1}`, { number: block.number })
    }
    const best = this.bestCertificate()
    if (best !== undefined) {
      this.sendPrepare(best.block, best.certificate)
    } else {
      this.sendPrepare(block, undefined)
    }
    return true
  }

  /** True when `ready()` has work for the host. */
  hasReady(): boolean {
    return (
      this.outMessages.length > 0 ||
      this.outCommitted.length > 0 ||
      this.outVerify.length > 0 ||
      this.dirty ||
      this.proposeEdge
    )
  }

  /** Takes the pending work; the host must persist, send, commit, then call `advance`. */
  ready(): Ready<PBFTMessage<P>, P, PBFTPersistedState<P>> {
    const rd: Ready<PBFTMessage<P>, P, PBFTPersistedState<P>> = {
      messages: this.outMessages.length === 0 ? NONE : this.outMessages,
      persist: this.dirty ? this.snapshot() : undefined,
      committed: this.outCommitted.length === 0 ? NONE : this.outCommitted,
      verify: this.outVerify.length === 0 ? NONE : this.outVerify,
      shouldPropose: this.canPropose(),
    }
    if (this.outMessages.length > 0) this.outMessages = []
    if (this.outCommitted.length > 0) this.outCommitted = []
    if (this.outVerify.length > 0) this.outVerify = []
    this.dirty = false
    this.proposeEdge = false
    return rd
  }

  /** The host has persisted, sent and committed `ready`; a decided block moves the engine on. */
  advance(ready: Ready<PBFTMessage<P>, P, PBFTPersistedState<P>>): void {
    const decided = this.decided
    if (decided === undefined || !ready.committed.includes(decided)) return
    this.decided = undefined
    this.rememberCommitted(decided)
    // A block decided here proves the views work again; one fetched by sync does not, so a
    // catching-up node keeps its (longer) timeout instead of racing the others.
    if (!this.decidedBySync) this.changeCycle = 0
    this.enterHeight(decided.block.number + 1, decided.block.hash)
  }

  // ---------------------------------------------------------------------------
  // Host-facing extras

  /**
   * The sealer list for a coming height (FISCO: consensus list changes take effect at the
   * next block). Call after committing the block before `height`, before `advance`.
   */
  setSealers(height: BlockNumber, config: PBFTSealerConfig): void {
    checkSealerConfig(config)
    const next = this.decided !== undefined ? this.height + 1 : this.height
    if (height !== next || (height === this.height && this.hasActivityAtHeight())) {
      fail('PBFT_MISUSE', `expected sealers for the next height ${next}, got ${height}`, { height })
    }
    if (height === this.height) {
      this.applySealers(config)
      this.maybePropose()
    } else {
      this.pendingConfig = { height, config }
    }
  }

  /** Where the engine stands. */
  status(): PBFTStatus {
    return {
      height: this.height,
      view: this.view,
      toView: this.toView,
      leader: this.leaderOf(this.height, this.view),
      sealerCount: this.n,
      selfIndex: this.self,
      lockedView: this.lock?.certificate.view,
      changeCycle: this.changeCycle,
      awaitingAdvance: this.decided !== undefined,
      viewChanges: this.viewChangeCount,
      timeouts: this.timeoutCount,
    }
  }

  /** How many messages were refused, by reason (evidence of faulty or hostile peers). */
  rejected(): ReadonlyMap<PBFTRejectReason, number> {
    return this.rejectCounts
  }

  /** Messages cached for future heights or views, per sender (bounded). */
  futureMessageCount(from: number): number {
    return this.future[from]?.length ?? 0
  }

  // ---------------------------------------------------------------------------
  // Dispatch

  private dispatch(from: number, body: PBFTMessage<P>): void {
    switch (body.type) {
      case 'sync-request':
        this.answerSync(from, body.height)
        return
      case 'sync-response':
        this.onSyncResponse(from, body)
        return
      case 'verdict':
        return
    }
    const height = body.height
    const working = this.decided !== undefined ? this.height + 1 : this.height
    if (height < working) {
      // A view change from a lower height comes from a node that is behind: hand it blocks.
      if (body.type === 'view-change' && height < this.height) this.answerSync(from, height)
      this.reject('stale', { from, type: body.type, height })
      return
    }
    if (height > this.height || this.decided !== undefined) {
      if (height > working) this.noteAhead(from)
      this.cacheFuture(from, body)
      return
    }
    if (body.type === 'view-change') {
      this.onViewChange(from, body)
      return
    }
    if (body.view < this.view) {
      this.reject('stale', { from, type: body.type, view: body.view })
      return
    }
    if (body.view > this.view) {
      this.cacheFuture(from, body)
      return
    }
    switch (body.type) {
      case 'prepare':
        this.onPrepare(from, body)
        return
      case 'sign':
        this.onSign(from, body)
        return
      case 'commit':
        this.onCommit(from, body)
        return
    }
  }

  // ---------------------------------------------------------------------------
  // Normal case: Prepare → Sign → Commit

  private sendPrepare(block: ProposedBlock<P>, justification: PreparedCertificate | undefined): void {
    this.proposed = true
    this.proposeEdge = false
    const prepare: PBFTPrepare<P> =
      justification === undefined
        ? { type: 'prepare', height: this.height, view: this.view, block }
        : { type: 'prepare', height: this.height, view: this.view, block, justification }
    this.send('all', prepare)
    this.logger.debug('prepare sent', { height: this.height, view: this.view, txCount: block.txCount })
    this.acceptPrepare(prepare)
  }

  private onPrepare(from: number, m: PBFTPrepare<P>): void {
    if (from !== this.leaderOf(this.height, this.view)) {
      this.reject('not-leader', { from, view: m.view })
      return
    }
    this.acceptPrepare(m)
  }

  private acceptPrepare(m: PBFTPrepare<P>): void {
    if (this.slot !== undefined) {
      if (!bytesEqual(this.slot.prepare.block.hash, m.block.hash))
        this.reject('equivocation', { view: m.view })
      return
    }
    const block = m.block
    if (block.number !== this.height || !bytesEqual(block.parentHash, this.headHash)) {
      // A forged header from the leader: no vote, and no reason to wait for the timeout.
      this.reject('bad-block', { height: this.height, number: block.number })
      this.requestViewChange(this.view + 1)
      return
    }
    this.slot = { prepare: m as PBFTPrepare<unknown> }
    if (block.txCount === 0) {
      // FISCO omits empty blocks: nobody signs them, everybody moves to the next leader.
      this.logger.debug('empty block, fast view change', { height: this.height, view: this.view })
      this.changeCycle = 0
      this.requestViewChange(this.view + 1)
      return
    }
    const lock = this.lock
    const justification = m.justification
    if (justification !== undefined && !this.isJustification(justification, block.hash)) {
      this.slot = undefined
      this.reject('bad-certificate', { view: m.view })
      return
    }
    if (lock !== undefined && !bytesEqual(lock.block.hash, block.hash)) {
      // Reference: Castro & Liskov 1999, §4.4 — a prepared request survives view changes.
      if (justification === undefined || justification.view <= lock.certificate.view) {
        this.slot = undefined
        this.reject('lock-conflict', { view: m.view, lockedView: lock.certificate.view })
        return
      }
    }
    this.requestVerify(block)
  }

  private isJustification(cert: PreparedCertificate, hash: Hash32): boolean {
    return (
      cert.height === this.height &&
      cert.view < this.view &&
      bytesEqual(cert.hash, hash) &&
      this.isCertificateValid(cert.votes, this.voteDigest(0, cert.height, cert.view, cert.hash))
    )
  }

  private requestVerify(block: ProposedBlock<P>): void {
    const valid = findByHash(this.validBlocks, block.hash)
    if (valid !== undefined) {
      this.onVerified(valid, true)
      return
    }
    if (findByHash(this.pendingVerify, block.hash) !== undefined) return
    if (this.pendingVerify.length + this.validBlocks.length >= VERDICTS_PER_HEIGHT_MAX) {
      this.reject('future-dropped', { height: this.height })
      return
    }
    this.pendingVerify.push(block)
    this.outVerify.push(block)
  }

  private onVerdict(height: BlockNumber, hash: Hash32, valid: boolean): void {
    if (height !== this.height || this.decided !== undefined) return
    const block = findByHash(this.pendingVerify, hash)
    if (block === undefined) return
    this.pendingVerify.splice(this.pendingVerify.indexOf(block), 1)
    // Only a valid verdict is cached: an invalid one condemns this object, not the hash,
    // so a forged body sent first cannot poison the genuine block.
    if (valid) this.validBlocks.push(block)
    else this.invalidBlocks.add(block)
    this.onVerified(block, valid)
  }

  /** `block` is the very object the host judged; from here on only it is signed or committed. */
  private onVerified(block: ProposedBlock<P>, valid: boolean): void {
    const hash = block.hash
    const head = this.syncQueue[0]
    if (head !== undefined && bytesEqual(head.block.hash, hash)) {
      if (valid) {
        this.syncQueue.shift()
        this.decide(head.block === block ? head : { ...head, block }, true)
        return
      }
      this.syncQueue = []
      this.reject('bad-block', { height: this.height, source: 'sync' })
    }
    const slot = this.slot
    if (slot === undefined || !bytesEqual(slot.prepare.block.hash, hash) || slot.prepare.block.txCount === 0)
      return
    if (!valid) {
      if (slot.prepare.block !== block) {
        // Another copy under this hash was forged; ask about the one in the Prepare.
        this.requestVerify(slot.prepare.block as ProposedBlock<P>)
        return
      }
      this.reject('bad-block', { height: this.height, view: this.view })
      this.requestViewChange(this.view + 1)
      return
    }
    this.slot = { prepare: { ...slot.prepare, block } }
    this.sendSign(hash)
  }

  private sendSign(hash: Hash32): void {
    if (this.signs[this.self!] !== undefined) return
    const last = this.lastSign
    if (last !== undefined && last.height === this.height && last.view >= this.view) {
      if (last.view > this.view || !bytesEqual(last.hash, hash)) {
        // Persisted state says we already signed something else here: never equivocate.
        this.logger.warn('sign refused by persisted vote', { height: this.height, view: this.view })
        return
      }
    }
    const signature = this.components.sign(this.voteDigest(0, this.height, this.view, hash))
    const sign: PBFTSign = { type: 'sign', height: this.height, view: this.view, hash, signature }
    this.lastSign = { height: this.height, view: this.view, hash }
    this.dirty = true
    this.signs[this.self!] = sign
    this.send('all', sign)
    this.checkPrepared()
  }

  private onSign(from: number, m: PBFTSign): void {
    const prior = this.signs[from]
    if (prior !== undefined) {
      if (!bytesEqual(prior.hash, m.hash)) this.reject('double-vote', { from, type: 'sign' })
      return
    }
    if (!this.components.verify(from, this.voteDigest(0, m.height, m.view, m.hash), m.signature)) {
      this.reject('bad-signature', { from, type: 'sign' })
      return
    }
    this.signs[from] = m
    this.checkPrepared()
  }

  private checkPrepared(): void {
    const slot = this.slot
    if (this.sentCommit || slot === undefined || this.signs[this.self!] === undefined) return
    const hash = slot.prepare.block.hash
    const votes: PBFTVote[] = []
    for (let i = 0; i < this.n && votes.length < this.quorum; i++) {
      const s = this.signs[i]
      if (s !== undefined && bytesEqual(s.hash, hash)) votes.push({ index: i, signature: s.signature })
    }
    if (votes.length < this.quorum) return
    const last = this.lastCommit
    if (last !== undefined && last.height === this.height && last.view >= this.view) {
      if (last.view > this.view || !bytesEqual(last.hash, hash)) {
        this.logger.warn('commit refused by persisted vote', { height: this.height, view: this.view })
        return
      }
    }
    // Prepared: lock on the block (FISCO backs up this "committed prepare" before Commit).
    this.lock = {
      certificate: { height: this.height, view: this.view, hash, votes },
      block: slot.prepare.block as ProposedBlock<P>,
    }
    const signature = this.components.sign(this.voteDigest(1, this.height, this.view, hash))
    const commit: PBFTCommit =
      this.scheme === 'block-hash'
        ? {
            type: 'commit',
            height: this.height,
            view: this.view,
            hash,
            signature,
            blockSignature: this.components.sign(hash),
          }
        : { type: 'commit', height: this.height, view: this.view, hash, signature }
    this.lastCommit = { height: this.height, view: this.view, hash }
    this.dirty = true
    this.sentCommit = true
    this.commits[this.self!] = commit
    this.send('all', commit)
    this.checkCommitted()
  }

  private onCommit(from: number, m: PBFTCommit): void {
    const prior = this.commits[from]
    if (prior !== undefined) {
      if (!bytesEqual(prior.hash, m.hash)) this.reject('double-vote', { from, type: 'commit' })
      return
    }
    if (!this.components.verify(from, this.voteDigest(1, m.height, m.view, m.hash), m.signature)) {
      this.reject('bad-signature', { from, type: 'commit' })
      return
    }
    if (
      this.scheme === 'block-hash' &&
      (!isSignature(m.blockSignature) || !this.components.verify(from, m.hash, m.blockSignature))
    ) {
      this.reject('bad-signature', { from, type: 'commit', field: 'blockSignature' })
      return
    }
    this.commits[from] = m
    this.checkCommitted()
  }

  private checkCommitted(): void {
    const lock = this.lock
    if (!this.sentCommit || this.decided !== undefined || lock === undefined) return
    const certificate: PBFTVote[] = []
    for (let i = 0; i < this.n && certificate.length < this.quorum; i++) {
      const c = this.commits[i]
      if (c !== undefined && bytesEqual(c.hash, lock.certificate.hash)) {
        // block-hash: onCommit (and checkPrepared for our own) made sure it is there.
        certificate.push({
          index: i,
          signature: this.scheme === 'block-hash' ? c.blockSignature! : c.signature,
        })
      }
    }
    if (certificate.length < this.quorum) return
    this.decide({ block: lock.block, certificate, view: this.view })
  }

  private decide(committed: CommittedBlock<P>, bySync = false): void {
    this.decided = committed
    this.decidedBySync = bySync
    this.outCommitted.push(committed)
    this.logger.debug('block decided', { height: this.height, view: committed.view })
  }

  // ---------------------------------------------------------------------------
  // View change

  private currentTimeoutTicks(): number {
    return Math.floor(this.viewTimeoutTicks * TIMEOUT_GROWTH ** this.changeCycle)
  }

  private requestViewChange(toView: number): void {
    if (toView > VIEW_MAX) {
      this.reject('view-overflow', { toView })
      return
    }
    if (toView <= this.toView && this.toView > this.view) {
      this.ticksInView = 0
      return
    }
    this.toView = Math.max(this.toView, toView)
    this.ticksInView = 0
    this.broadcastViewChange()
    this.evaluateViewChanges()
  }

  private broadcastViewChange(): void {
    this.send('all', this.viewChangeMessage(this.toView))
  }

  private viewChangeMessage(toView: number): PBFTViewChange<P> {
    const lock = this.lock
    return lock === undefined
      ? { type: 'view-change', height: this.height, toView }
      : {
          type: 'view-change',
          height: this.height,
          toView,
          prepared: lock.certificate,
          preparedBlock: lock.block,
        }
  }

  private onViewChange(from: number, m: PBFTViewChange<P>): void {
    if (m.prepared !== undefined) {
      const block = m.preparedBlock
      const cert = m.prepared
      if (
        block === undefined ||
        cert.height !== this.height ||
        !bytesEqual(cert.hash, block.hash) ||
        block.number !== this.height ||
        !bytesEqual(block.parentHash, this.headHash) ||
        !this.isCertificateValid(cert.votes, this.voteDigest(0, cert.height, cert.view, cert.hash))
      ) {
        this.reject('bad-certificate', { from, type: 'view-change' })
        return
      }
    }
    const position = Math.max(this.view, this.toView)
    if (m.toView < position && this.statusAnswered[from] !== m.toView) {
      // FISCO catchupView: tell a peer that lags in views where we are, so that f+1 such
      // answers let it catch up without waiting through its timeouts.
      this.statusAnswered[from] = m.toView
      this.send(from, this.viewChangeMessage(position))
    }
    const prior = this.viewChanges[from]
    if (prior !== undefined && prior.toView >= m.toView) return
    this.viewChanges[from] = m
    this.evaluateViewChanges()
  }

  /**
   * Two order statistics over the latest view change of every sealer:
   * - catch-up: the (f+1)-th highest `toView` of the others is vouched for by at least one
   *   honest node, so we ask for it too; f liars alone cannot move us (CVE-2022-26534);
   * - switch: once n−f sealers gave up on every view below X, enter X. Counting our own
   *   request only up to that request, so one laggard cannot drag the others through its
   *   views, while a laggard always follows n−f others.
   */
  private evaluateViewChanges(): void {
    const others: number[] = []
    for (let i = 0; i < this.n; i++) {
      const vc = this.viewChanges[i]
      if (i !== this.self && vc !== undefined) others.push(vc.toView)
    }
    others.sort((a, b) => b - a)
    const catchUp = others[this.f]
    if (catchUp !== undefined && catchUp > this.toView) {
      this.toView = catchUp
      this.ticksInView = 0
      this.broadcastViewChange()
    }
    // n−f others moved on: join them even if we asked for more (a laggard must not hold
    // out for its own, higher request). With our own vote: only up to our request.
    let target = others[this.quorum - 1] ?? -1
    if (this.toView > this.view) {
      const all = [...others, this.toView].sort((a, b) => b - a)
      const withSelf = all[this.quorum - 1]
      if (withSelf !== undefined && withSelf >= this.toView) target = Math.max(target, withSelf)
    }
    if (target > this.view) this.enterView(target)
  }

  /** n−f sealers, counting us, asked for `view` or higher. */
  private hasQuorumAtLeast(view: number): boolean {
    let count = this.toView >= view ? 1 : 0
    for (let i = 0; i < this.n; i++) {
      const vc = this.viewChanges[i]
      if (i !== this.self && vc !== undefined && vc.toView >= view) count++
    }
    return count >= this.quorum
  }

  private enterView(view: number): void {
    this.logger.debug('view entered', { height: this.height, from: this.view, to: view })
    this.view = view
    this.viewChangeCount++
    this.toView = Math.max(this.toView, view)
    this.ticksInView = 0
    this.resetViewState()
    this.dirty = true
    this.replayFuture()
    this.maybePropose()
  }

  private resetViewState(): void {
    this.slot = undefined
    this.proposed = false
    this.signs.fill(undefined)
    this.commits.fill(undefined)
    this.sentCommit = false
  }

  private bestCertificate(): { certificate: PreparedCertificate; block: ProposedBlock<P> } | undefined {
    let best = this.lock
    for (let i = 0; i < this.n; i++) {
      const vc = this.viewChanges[i]
      if (vc?.prepared === undefined || vc.preparedBlock === undefined) continue
      if (this.invalidBlocks.has(vc.preparedBlock)) continue
      if (best === undefined || vc.prepared.view > best.certificate.view) {
        best = { certificate: vc.prepared, block: vc.preparedBlock }
      }
    }
    if (best === undefined) return undefined
    // Re-propose our own verified copy when we have one; a peer's copy may be forged.
    const verified = findByHash(this.validBlocks, best.block.hash)
    return verified === undefined || verified === best.block ? best : { ...best, block: verified }
  }

  private canPropose(): boolean {
    return (
      this.self !== undefined &&
      this.self === this.leaderOf(this.height, this.view) &&
      !this.proposed &&
      this.decided === undefined &&
      this.syncQueue.length === 0
    )
  }

  private maybePropose(): void {
    if (!this.canPropose()) return
    const best = this.bestCertificate()
    if (best !== undefined) {
      this.sendPrepare(best.block, best.certificate)
      return
    }
    this.proposeEdge = true
  }

  // ---------------------------------------------------------------------------
  // Heights, sync and caches

  private enterHeight(height: BlockNumber, hash: Hash32): void {
    this.height = height
    this.headHash = hash
    this.lock = undefined
    this.toView = this.view
    this.ticksInView = 0
    this.resetViewState()
    this.viewChanges.fill(undefined)
    this.statusAnswered = []
    this.validBlocks = []
    this.pendingVerify = []
    this.dirty = true
    const pending = this.pendingConfig
    if (pending !== undefined && pending.height === height) {
      this.pendingConfig = undefined
      this.applySealers(pending.config)
    }
    while (this.syncQueue.length > 0 && this.syncQueue[0]!.block.number < height) this.syncQueue.shift()
    const next = this.syncQueue[0]
    if (next !== undefined) this.requestVerify(next.block)
    this.replayFuture()
    this.maybePropose()
  }

  private applySealers(config: PBFTSealerConfig): void {
    this.n = config.sealerCount
    this.f = Math.floor((this.n - 1) / 3)
    this.quorum = this.n - this.f
    this.self = config.selfIndex
    // Indices of cached messages refer to the old list; they cannot be trusted any more.
    this.resizeSealerArrays()
    this.logger.info('sealers changed', { height: this.height, sealerCount: this.n, selfIndex: this.self })
  }

  private resizeSealerArrays(): void {
    this.signs = new Array(this.n).fill(undefined)
    this.commits = new Array(this.n).fill(undefined)
    this.viewChanges = new Array(this.n).fill(undefined)
    this.future = Array.from({ length: this.n }, () => [])
    this.lastSyncReplyTick = new Array(this.n).fill(Number.NEGATIVE_INFINITY)
    this.statusAnswered = []
  }

  private hasActivityAtHeight(): boolean {
    return this.slot !== undefined || this.proposed || this.lastSign?.height === this.height
  }

  private cacheFuture(from: number, body: PBFTMessage<P>): void {
    if (!('height' in body) || body.height > this.height + FUTURE_HEIGHT_WINDOW) {
      this.reject('future-dropped', { from })
      return
    }
    const list = this.future[from]!
    if (list.length >= this.futureMessagesPerSenderMax) {
      this.reject('future-dropped', { from })
      return
    }
    list.push({ from, body })
  }

  private replayFuture(): void {
    if (this.decided !== undefined) return
    const due: ConsensusMessage<PBFTMessage<P>>[] = []
    for (let i = 0; i < this.future.length; i++) {
      const list = this.future[i]!
      if (list.length === 0) continue
      const keep: ConsensusMessage<PBFTMessage<P>>[] = []
      for (const m of list) {
        const b = m.body as PBFTMessage<P> & { height: number; view?: number }
        if (b.height < this.height) continue
        if (b.height === this.height && (b.type === 'view-change' || (b.view ?? 0) <= this.view)) due.push(m)
        else keep.push(m)
      }
      this.future[i] = keep
    }
    for (const m of due) {
      if (m.from < this.n) this.dispatch(m.from, m.body)
    }
  }

  private noteAhead(from: number): void {
    if (this.syncQueue.length > 0 || this.now - this.lastSyncRequestTick < this.syncIntervalTicks) return
    this.lastSyncRequestTick = this.now
    this.send(from, { type: 'sync-request', height: this.height })
  }

  private answerSync(from: number, height: BlockNumber): void {
    if (height >= this.height || this.now - this.lastSyncReplyTick[from]! < this.syncIntervalTicks) return
    // The cache holds consecutive heights, so the answer is one slice.
    const first = this.committedCache[0]?.block.number ?? this.height
    const start = Math.max(0, height - first)
    const blocks = this.committedCache.slice(start, start + this.syncBlocksPerReplyMax)
    if (blocks.length === 0) return
    this.lastSyncReplyTick[from] = this.now
    this.send(from, { type: 'sync-response', blocks })
  }

  private onSyncResponse(from: number, m: PBFTSyncResponse<P>): void {
    if (this.decided !== undefined || this.syncQueue.length > 0) return
    let number = this.height
    let parent = this.headHash
    const queue: CommittedBlock<P>[] = []
    for (const c of m.blocks) {
      if (c.block.number < number) continue
      if (c.block.number !== number || !bytesEqual(c.block.parentHash, parent)) break
      let digest: Hash32
      if (this.scheme === 'block-hash') digest = c.block.hash
      else {
        if (!isView(c.view)) break
        digest = this.voteDigest(1, c.block.number, c.view, c.block.hash)
      }
      if (!this.isCertificateValid(c.certificate, digest)) {
        this.reject('bad-certificate', { from, type: 'sync-response', number })
        break
      }
      queue.push(c)
      number++
      parent = c.block.hash
    }
    if (queue.length === 0) return
    this.syncQueue = queue
    this.logger.debug('sync blocks accepted', { from, first: this.height, count: queue.length })
    this.requestVerify(queue[0]!.block)
  }

  private rememberCommitted(committed: CommittedBlock<P>): void {
    if (this.committedCacheMax === 0) return
    this.committedCache.push(committed)
    if (this.committedCache.length > this.committedCacheMax) this.committedCache.shift()
  }

  /** n−f distinct sealers of the current list signed `digest`. */
  private isCertificateValid(votes: readonly PBFTVote[], digest: Hash32): boolean {
    if (!Array.isArray(votes) || votes.length < this.quorum || votes.length > this.n) return false
    const seen = new Set<number>()
    for (const v of votes) {
      if (!Number.isSafeInteger(v.index) || v.index < 0 || v.index >= this.n || seen.has(v.index))
        return false
      if (!isSignature(v.signature) || !this.components.verify(v.index, digest, v.signature)) return false
      seen.add(v.index)
    }
    return true
  }

  // ---------------------------------------------------------------------------
  // Helpers

  /**
   * Digest of a Sign (kind 0) or Commit (kind 1) vote, memoised per kind: all n votes of a
   * round sign the same digest, so it is hashed once instead of n times.
   */
  private voteDigest(kind: 0 | 1, height: BlockNumber, view: number, hash: Hash32): Hash32 {
    const memo = this.digestMemo[kind]!
    if (memo.height === height && memo.view === view && bytesEqual(memo.hash, hash)) return memo.digest
    const preimage = kind === 0 ? signPreimage(height, view, hash) : commitPreimage(height, view, hash)
    const digest = this.components.hash(preimage)
    this.digestMemo[kind] = { height, view, hash, digest }
    return digest
  }

  private leaderOf(height: BlockNumber, view: number): number {
    return (view + height) % this.n
  }

  private send(to: number | 'all', body: PBFTMessage<P>): void {
    this.outMessages.push({ to, body })
  }

  private reject(reason: PBFTRejectReason, context: Record<string, unknown>): void {
    this.rejectCounts.set(reason, (this.rejectCounts.get(reason) ?? 0) + 1)
    this.logger.debug('message rejected', { reason, ...context })
  }

  private snapshot(): PBFTPersistedState<P> {
    const state: {
      height: BlockNumber
      view: number
      lastSign?: PBFTVoteRecord
      lastCommit?: PBFTVoteRecord
      lock?: PBFTPersistedState<P>['lock']
    } = { height: this.height, view: this.view }
    if (this.lastSign !== undefined) state.lastSign = this.lastSign
    if (this.lastCommit !== undefined) state.lastCommit = this.lastCommit
    if (this.lock !== undefined) state.lock = this.lock
    return state
  }

  /** Shape check of a network message; returns a reason or undefined. */
  private checkMessage(body: PBFTMessage<P>): string | undefined {
    if (typeof body !== 'object' || body === null) return 'shape'
    switch (body.type) {
      case 'sync-request':
        return isSafeCount(body.height) ? undefined : 'shape'
      case 'sync-response':
        return Array.isArray(body.blocks) &&
          body.blocks.length <= this.syncBlocksPerReplyMax &&
          body.blocks.every((c) => checkBlockShape(c?.block) === undefined)
          ? undefined
          : 'shape'
      case 'prepare':
        if (!isSafeCount(body.height) || checkBlockShape(body.block) !== undefined) return 'shape'
        if (!isView(body.view)) return 'view'
        return body.justification === undefined || this.isCertificateShape(body.justification)
          ? undefined
          : 'shape'
      case 'sign':
      case 'commit':
        if (!isSafeCount(body.height) || !isBytesOfLength(body.hash, 32) || !isSignature(body.signature)) {
          return 'shape'
        }
        if (
          body.type === 'commit' &&
          body.blockSignature !== undefined &&
          !isSignature(body.blockSignature)
        ) {
          return 'shape'
        }
        return isView(body.view) ? undefined : 'view'
      case 'view-change':
        if (!isSafeCount(body.height)) return 'shape'
        if (!isView(body.toView)) return 'view'
        if (body.prepared === undefined) return undefined
        return this.isCertificateShape(body.prepared) && checkBlockShape(body.preparedBlock) === undefined
          ? undefined
          : 'shape'
      default:
        return 'shape'
    }
  }

  private isCertificateShape(cert: PreparedCertificate): boolean {
    return (
      typeof cert === 'object' &&
      cert !== null &&
      isSafeCount(cert.height) &&
      isView(cert.view) &&
      isBytesOfLength(cert.hash, 32) &&
      Array.isArray(cert.votes) &&
      cert.votes.length <= this.n
    )
  }
}

function findByHash<T extends { readonly hash: Hash32 }>(list: readonly T[], hash: Hash32): T | undefined {
  for (const item of list) if (bytesEqual(item.hash, hash)) return item
  return undefined
}

function positive(label: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    fail('PBFT_INVALID_CONFIG', `expected ${label} > 0, got ${value}`)
  return value
}

function nonNegative(label: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    fail('PBFT_INVALID_CONFIG', `expected ${label} >= 0, got ${value}`)
  return value
}

function checkSealerConfig(config: PBFTSealerConfig): void {
  if (!Number.isSafeInteger(config.sealerCount) || config.sealerCount < 1) {
    fail('PBFT_INVALID_CONFIG', `expected sealerCount >= 1, got ${config.sealerCount}`)
  }
  const self = config.selfIndex
  if (self !== undefined && (!Number.isSafeInteger(self) || self < 0 || self >= config.sealerCount)) {
    fail('PBFT_INVALID_CONFIG', `expected selfIndex in [0, ${config.sealerCount}), got ${self}`)
  }
}

/** Create a PBFT engine; see `PBFTEngine`. Throws `PBFT_INVALID_CONFIG` for a bad init. */
export function createPBFTEngine<P = unknown>(init: PBFTInit<P>, components: PBFTComponents): PBFTEngine<P> {
  return new PBFTEngine<P>(init, components)
}

/** Fault tolerance of `n` sealers: f = ⌊(n−1)/3⌋. */
export function pbftFaultTolerance(n: number): number {
  return Math.floor((n - 1) / 3)
}

/** Votes needed to prepare or commit with `n` sealers: n − f. */
export function pbftQuorum(n: number): number {
  return n - pbftFaultTolerance(n)
}

/** Leader of (height, view) among `n` sealers: (view + height) mod n. */
export function pbftLeader(height: BlockNumber, view: number, n: number): number {
  return (view + height) % n
}
