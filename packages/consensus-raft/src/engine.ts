import {
  ChainError,
  type CommittedBlock,
  type ConsensusEngine,
  type ConsensusMessage,
  type Logger,
  type OutboundMessage,
  type ProposedBlock,
  type Random,
  type Ready,
  silentLogger,
} from '@consortia/interface'
import { isLogUpToDate } from './log.js'
import type {
  RaftAppend,
  RaftAppendResponse,
  RaftComponents,
  RaftEntry,
  RaftErrorCode,
  RaftHead,
  RaftInit,
  RaftMessage,
  RaftPersistedState,
  RaftRole,
  RaftSnapshot,
  RaftSnapshotMessage,
  RaftVote,
  RaftVoteResponse,
} from './types.js'

/** Default base election timeout in ticks (FISCO min_elect_time 1000 ms with 100 ms ticks). */
export const ELECTION_TICKS_DEFAULT = 10
/** Default heartbeat interval in ticks. */
export const HEARTBEAT_TICKS_DEFAULT = 1
/** Default number of entries in one append. */
export const ENTRIES_PER_APPEND_MAX_DEFAULT = 64
/** Default number of applied entries kept in memory for lagging followers. */
export const LOG_RETAIN_MAX_DEFAULT = 1024
/** Outbound messages queued between two `ready()` calls; more are dropped (Raft tolerates loss). */
export const OUTBOX_MAX = 4096
/** Membership changes waiting for their height. */
export const PENDING_MEMBERSHIP_MAX = 16
/** Largest sealer list accepted. */
export const SEALERS_MAX = 1024
/** Largest term accepted; a larger one could not be incremented safely. */
export const TERM_MAX = Number.MAX_SAFE_INTEGER - 1

/** Why the engine dropped a message or a call; counted for operators and tests. */
export type RaftRejectReason =
  | 'non-sealer'
  | 'malformed'
  | 'stale-term'
  | 'in-lease'
  | 'not-leader'
  | 'busy'
  | 'outbox-full'
  | 'unexpected'

/** A snapshot of an engine's position, for hosts, tests and the simulator. */
export interface RaftStatus {
  readonly role: RaftRole
  readonly term: number
  readonly vote: string | undefined
  /** The leader this node follows in `term`, if known. */
  readonly leader: string | undefined
  readonly self: string
  /** This node's index in the current sealer list; undefined for an observer. */
  readonly selfIndex: number | undefined
  readonly sealers: readonly string[]
  readonly firstIndex: number
  readonly lastIndex: number
  readonly lastTerm: number
  readonly commitIndex: number
  readonly appliedIndex: number
  /** Height of the last block the host applied. */
  readonly appliedHeight: number
  /** Real elections this engine started (terms it campaigned in). */
  readonly elections: number
  /** Pre-elections this engine started (thesis §9.6). */
  readonly preElections: number
  /** Times this engine became leader. */
  readonly leaderships: number
  /** A snapshot the host must reach by block sync before this follower can catch up. */
  readonly syncNeeded: RaftSnapshot | undefined
}

interface Progress {
  match: number
  next: number
  /** Heard from since the last CheckQuorum round. */
  active: boolean
}

interface PendingMembership {
  readonly sealers: readonly string[]
  readonly fromHeight: number
}

interface Config {
  electionTicks: number
  heartbeatTicks: number
  preVote: boolean
  checkQuorum: boolean
  entriesPerAppendMax: number
  logRetainMax: number
}

function fail(code: RaftErrorCode, message: string, meta: Record<string, unknown> = {}): never {
  throw new ChainError({ code, ...meta }, message)
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

function checkTicks(label: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < 1)
    fail('RAFT_INVALID_CONFIG', `expected ${label} >= 1, got ${v}`, { [label]: v })
  return v
}

function checkSealers(sealers: readonly string[]): readonly string[] {
  if (!Array.isArray(sealers) || sealers.length < 1 || sealers.length > SEALERS_MAX) {
    fail('RAFT_INVALID_CONFIG', `expected 1..${SEALERS_MAX} sealers, got ${sealers?.length}`)
  }
  const seen = new Set<string>()
  for (const s of sealers) {
    if (typeof s !== 'string' || s.length === 0) fail('RAFT_INVALID_CONFIG', 'expected non-empty sealer IDs')
    if (seen.has(s))
      fail('RAFT_INVALID_CONFIG', `expected distinct sealer IDs, got ${s} twice`, { sealer: s })
    seen.add(s)
  }
  return [...sealers]
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Raft (Ongaro & Ousterhout 2014) ordering blocks, as a pure state machine in the style of
 * etcd-io/raft: no I/O, no clock, randomness only from the injected `Random`.
 * With PreVote and CheckQuorum (Ongaro's thesis §9.6, §6.2) on by default, a node cut off
 * and healed does not depose a working leader, and a leader that lost its majority
 * steps down. A leader has at most one block in flight: it asks for the next proposal
 * (`Ready.shouldPropose`) once everything in its log is committed and applied, as FISCO's
 * Raft sealer does; blocks are never signed (crash faults only).
 */
export class RaftEngine<P = unknown> implements ConsensusEngine<RaftMessage<P>, P, RaftPersistedState<P>> {
  private readonly cfg: Config
  private readonly random: Random
  private readonly log: Logger
  private readonly selfId: string
  private sealers: readonly string[]
  private selfIndex: number | undefined
  private readonly pending: PendingMembership[] = []

  private term = 0
  private vote: string | undefined
  private role: RaftRole = 'follower'
  private leader: string | undefined
  private snapshot: RaftSnapshot
  /** Entries after the snapshot: ents[i].index === snapshot.index + 1 + i. */
  private ents: RaftEntry<P>[]
  private commitIndex: number
  private appliedIndex: number
  private appliedHeight: number
  private appliedHash: Uint8Array
  /** Highest index handed to the host in a Ready not yet advanced. */
  private handedIndex: number

  private electionElapsed = 0
  private heartbeatElapsed = 0
  private randomizedElectionTicks = 0
  private readonly votes = new Map<string, boolean>()
  private readonly progress = new Map<string, Progress>()
  private syncNeeded: RaftSnapshot | undefined

  private outbox: OutboundMessage<RaftMessage<P>>[] = []
  private hardStateDirty = false
  private entriesDirtyFrom = Number.POSITIVE_INFINITY
  private snapshotDirty = false
  private reportedShouldPropose = false
  private inReady: Ready<RaftMessage<P>, P, RaftPersistedState<P>> | undefined
  private readyTop = 0

  private elections = 0
  private preElections = 0
  private leaderships = 0
  private readonly rejects = new Map<RaftRejectReason, number>()

  constructor(init: RaftInit<P>, components: RaftComponents) {
    if (components?.random === undefined) fail('RAFT_INVALID_CONFIG', 'expected a random component')
    this.random = components.random
    this.log = components.logger ?? silentLogger
    const electionTicks = checkTicks('electionTicks', init.electionTicks, ELECTION_TICKS_DEFAULT)
    const heartbeatTicks = checkTicks('heartbeatTicks', init.heartbeatTicks, HEARTBEAT_TICKS_DEFAULT)
    if (heartbeatTicks >= electionTicks) {
      fail(
        'RAFT_INVALID_CONFIG',
        `expected heartbeatTicks < electionTicks, got ${heartbeatTicks} >= ${electionTicks}`,
      )
    }
    this.cfg = {
      electionTicks,
      heartbeatTicks,
      preVote: init.preVote ?? true,
      checkQuorum: init.checkQuorum ?? true,
      entriesPerAppendMax: checkTicks(
        'entriesPerAppendMax',
        init.entriesPerAppendMax,
        ENTRIES_PER_APPEND_MAX_DEFAULT,
      ),
      logRetainMax: checkTicks('logRetainMax', init.logRetainMax, LOG_RETAIN_MAX_DEFAULT),
    }
    if (typeof init.self !== 'string' || init.self.length === 0)
      fail('RAFT_INVALID_CONFIG', 'expected a self ID')
    this.selfId = init.self
    this.sealers = checkSealers(init.sealers)
    this.selfIndex = this.indexOf(this.selfId)
    const head = init.head
    if (!isCount(head?.number) || !(head.hash instanceof Uint8Array)) {
      fail('RAFT_INVALID_CONFIG', 'expected a head with a block number and a hash')
    }
    this.appliedHeight = head.number
    this.appliedHash = head.hash
    const state = init.state
    this.snapshot = state?.snapshot ?? { index: 0, term: 0, height: head.number, hash: head.hash }
    this.ents = []
    if (state !== undefined) {
      if (!isCount(state.term) || state.term > TERM_MAX)
        fail('RAFT_INVALID_STATE', `expected a term, got ${state.term}`)
      this.term = state.term
      this.vote = state.vote
      let expect = this.snapshot.index + 1
      for (const e of state.entries) {
        if (e.index !== expect) {
          fail('RAFT_INVALID_STATE', `expected persisted entry ${expect}, got ${e.index}`, { index: e.index })
        }
        expect++
        this.ents.push(e)
      }
      if (head.number < this.snapshot.height) {
        fail(
          'RAFT_INVALID_STATE',
          `expected head at or above snapshot height ${this.snapshot.height}, got ${head.number}`,
        )
      }
    }
    // What the host has applied: the entry of the head block, else the snapshot. Blocks at
    // or below the head are never handed out again.
    let applied = this.snapshot.index
    for (let i = this.ents.length - 1; i >= 0; i--) {
      const b = this.ents[i]!.block
      if (b !== undefined && b.number === head.number && bytesEqual(b.hash, head.hash)) {
        applied = this.ents[i]!.index
        break
      }
    }
    this.appliedIndex = applied
    this.commitIndex = applied
    this.handedIndex = applied
    this.resetElectionTimer()
  }

  // ---------------------------------------------------------------------------
  // ConsensusEngine

  /** Logical time: election timeouts, heartbeats and CheckQuorum rounds count ticks. */
  tick(): void {
    this.electionElapsed++
    if (this.role === 'leader') {
      this.heartbeatElapsed++
      if (this.electionElapsed >= this.cfg.electionTicks) {
        this.electionElapsed = 0
        if (this.cfg.checkQuorum && !this.quorumActive()) {
          this.log.info('leader lost its quorum, stepping down', { term: this.term })
          this.becomeFollower(this.term, undefined)
          return
        }
      }
      if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
        this.heartbeatElapsed = 0
        for (const [id, pr] of this.progress) this.sendHeartbeat(id, pr)
      }
      return
    }
    if (this.selfIndex !== undefined && this.electionElapsed >= this.randomizedElectionTicks) {
      this.campaign()
    }
  }

  /** A message from sealer `msg.from` of the current list, authenticated by the host. */
  step(msg: ConsensusMessage<RaftMessage<P>>): void {
    const fromId = Number.isSafeInteger(msg.from) ? this.sealers[msg.from] : undefined
    if (fromId === undefined || fromId === this.selfId) {
      this.reject('non-sealer')
      return
    }
    const m = msg.body
    if (!this.wellFormed(m)) {
      this.reject('malformed')
      return
    }

    if (m.term > this.term) {
      if (m.type === 'vote' && this.inLease()) {
        // Thesis §6.2 / §9.6: a node that hears from a leader ignores vote requests until
        // an election timeout passes, so a rejoining node cannot depose a working leader.
        this.reject('in-lease')
        return
      }
      const preVoteRequest = m.type === 'vote' && m.pre
      const preVoteGrant = m.type === 'vote-response' && m.pre && m.granted
      if (!preVoteRequest && !preVoteGrant) {
        this.becomeFollower(m.term, m.type === 'append' || m.type === 'snapshot' ? fromId : undefined)
      }
    } else if (m.term < this.term) {
      if (m.type === 'append' || m.type === 'snapshot') {
        // A deposed leader: tell it the newer term so it steps down (etcd does the same
        // under CheckQuorum/PreVote, where a higher term no longer spreads by votes).
        this.send(msg.from, {
          type: 'append-response',
          term: this.term,
          success: false,
          index: this.lastIndex(),
        })
      } else if (m.type === 'vote' && m.pre) {
        this.send(msg.from, { type: 'vote-response', pre: true, term: this.term, granted: false })
      }
      this.reject('stale-term')
      return
    }

    switch (m.type) {
      case 'vote':
        this.onVote(msg.from, fromId, m)
        return
      case 'vote-response':
        this.onVoteResponse(fromId, m)
        return
      case 'append':
        this.onAppend(msg.from, fromId, m)
        return
      case 'append-response':
        this.onAppendResponse(fromId, m)
        return
      case 'snapshot':
        this.onSnapshot(msg.from, fromId, m)
        return
    }
  }

  /**
   * A block from the host's sealer. Accepted only from the leader while it asks for one
   * (`Ready.shouldPropose`); otherwise counted and dropped, since leadership may have
   * moved since the host was asked.
   */
  propose(block: ProposedBlock<P>): void {
    if (this.role !== 'leader') {
      this.reject('not-leader')
      return
    }
    if (!this.canPropose()) {
      this.reject('busy')
      return
    }
    const parent = this.lastBlock()
    if (block.number !== parent.number + 1) {
      fail('RAFT_INVALID_BLOCK', `expected block ${parent.number + 1}, got ${block.number}`, {
        number: block.number,
      })
    }
    if (!(block.parentHash instanceof Uint8Array) || !bytesEqual(block.parentHash, parent.hash)) {
      fail('RAFT_INVALID_BLOCK', `block ${block.number} does not build on the last block`, {
        number: block.number,
      })
    }
    this.appendLocal({ index: this.lastIndex() + 1, term: this.term, block })
    this.log.debug('proposed', { term: this.term, number: block.number, index: this.lastIndex() })
    for (const [id, pr] of this.progress) this.sendAppend(id, pr)
    this.maybeCommit()
  }

  /** True when `ready()` has work for the host. */
  hasReady(): boolean {
    return (
      this.outbox.length > 0 ||
      this.hardStateDirty ||
      this.snapshotDirty ||
      this.entriesDirtyFrom !== Number.POSITIVE_INFINITY ||
      this.commitIndex > this.handedIndex ||
      this.canPropose() !== this.reportedShouldPropose
    )
  }

  /** Messages, state to persist and committed blocks; call `advance` before the next `ready`. */
  ready(): Ready<RaftMessage<P>, P, RaftPersistedState<P>> {
    if (this.inReady !== undefined) fail('RAFT_INVALID_STATE', 'ready() called again before advance()')
    let persist: RaftPersistedState<P> | undefined
    if (this.hardStateDirty || this.snapshotDirty || this.entriesDirtyFrom !== Number.POSITIVE_INFINITY) {
      const from = Math.max(this.entriesDirtyFrom, this.firstIndex())
      const entries = from <= this.lastIndex() ? this.ents.slice(from - this.firstIndex()) : []
      persist = this.snapshotDirty
        ? { term: this.term, vote: this.vote, snapshot: this.snapshot, entries }
        : { term: this.term, vote: this.vote, entries }
      this.hardStateDirty = false
      this.snapshotDirty = false
      this.entriesDirtyFrom = Number.POSITIVE_INFINITY
    }
    const committed: CommittedBlock<P>[] = []
    for (let i = this.handedIndex + 1; i <= this.commitIndex; i++) {
      const b = this.entry(i)?.block
      if (b !== undefined && b.number > this.appliedHeight) committed.push({ block: b, certificate: [] })
    }
    this.readyTop = this.commitIndex
    this.handedIndex = this.commitIndex
    const messages = this.outbox
    this.outbox = []
    // Leadership is judged as of the state after this Ready is applied.
    const shouldPropose = this.canPropose(this.readyTop)
    this.reportedShouldPropose = shouldPropose
    const rd = { messages, persist, committed, verify: [], shouldPropose }
    this.inReady = rd
    return rd
  }

  /** The host persisted, sent and applied `ready`. */
  advance(ready: Ready<RaftMessage<P>, P, RaftPersistedState<P>>): void {
    if (this.inReady === undefined || ready !== this.inReady) {
      fail('RAFT_INVALID_STATE', 'advance() expects the Ready returned by the last ready()')
    }
    this.inReady = undefined
    this.appliedIndex = Math.max(this.appliedIndex, this.readyTop)
    const last = ready.committed[ready.committed.length - 1]
    if (last !== undefined) {
      this.appliedHeight = last.block.number
      this.appliedHash = last.block.hash
    }
    this.applyMembership()
    this.maybeCompact()
  }

  // ---------------------------------------------------------------------------
  // Host controls

  /** Start an election now, as if the election timeout fired (observers cannot). */
  campaign(): void {
    if (this.selfIndex === undefined || this.role === 'leader') return
    if (this.cfg.preVote) this.becomePreCandidate()
    else this.becomeCandidate()
  }

  /**
   * The chain's consensus table changed: `sealers` decide blocks from `fromHeight` on.
   * The host calls this while applying the block that changed the table (FISCO adds and
   * removes sealers by transaction). The change takes effect once the block before
   * `fromHeight` is applied. One sealer added or removed per change (thesis §4.1 single-
   * server changes keep every old and new majority overlapping); anything larger throws.
   */
  setSealers(sealers: readonly string[], fromHeight: number): void {
    const next = checkSealers(sealers)
    if (!isCount(fromHeight) || fromHeight <= this.appliedHeight) {
      fail(
        'RAFT_INVALID_CONFIG',
        `expected fromHeight above applied height ${this.appliedHeight}, got ${fromHeight}`,
      )
    }
    const base = this.pending[this.pending.length - 1]
    if (base !== undefined && fromHeight <= base.fromHeight) {
      fail('RAFT_INVALID_CONFIG', `expected fromHeight above ${base.fromHeight}, got ${fromHeight}`)
    }
    const prev = new Set(base?.sealers ?? this.sealers)
    const nextSet = new Set(next)
    let changes = 0
    for (const s of prev) if (!nextSet.has(s)) changes++
    for (const s of nextSet) if (!prev.has(s)) changes++
    if (changes > 1) {
      fail(
        'RAFT_UNSAFE_MEMBERSHIP_CHANGE',
        `expected at most one sealer added or removed, got ${changes} changes`,
        {
          changes,
        },
      )
    }
    if (this.pending.length >= PENDING_MEMBERSHIP_MAX) {
      fail('RAFT_LIMIT_EXCEEDED', `expected at most ${PENDING_MEMBERSHIP_MAX} pending membership changes`)
    }
    this.pending.push({ sealers: next, fromHeight })
    if (this.inReady === undefined) this.applyMembership()
  }

  /**
   * The host committed blocks up to `head` outside consensus (block sync). Blocks at or
   * below it are not handed out again, and a snapshot the leader sent is adopted.
   */
  restoreHead(head: RaftHead): void {
    if (!isCount(head?.number) || !(head.hash instanceof Uint8Array))
      fail('RAFT_INVALID_BLOCK', 'expected a head')
    if (head.number <= this.appliedHeight) return
    this.appliedHeight = head.number
    this.appliedHash = head.hash
    const snap = this.syncNeeded
    if (snap !== undefined && snap.height <= head.number) this.installSnapshot(snap)
    this.applyMembership()
  }

  // ---------------------------------------------------------------------------
  // Inspection

  /** Where this engine stands. */
  status(): RaftStatus {
    return {
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      self: this.selfId,
      selfIndex: this.selfIndex,
      sealers: this.sealers,
      firstIndex: this.firstIndex(),
      lastIndex: this.lastIndex(),
      lastTerm: this.lastTerm(),
      commitIndex: this.commitIndex,
      appliedIndex: this.appliedIndex,
      appliedHeight: this.appliedHeight,
      elections: this.elections,
      preElections: this.preElections,
      leaderships: this.leaderships,
      syncNeeded: this.syncNeeded,
    }
  }

  /** The log entry at `index`, or undefined when compacted or beyond the end. */
  entry(index: number): RaftEntry<P> | undefined {
    return this.ents[index - this.snapshot.index - 1]
  }

  /** Term of the entry at `index` (the snapshot's term at its index); undefined when unknown. */
  termAt(index: number): number | undefined {
    if (index === this.snapshot.index) return this.snapshot.term
    return this.entry(index)?.term
  }

  /** First index still in the log. */
  firstIndex(): number {
    return this.snapshot.index + 1
  }

  /** Last index of the log. */
  lastIndex(): number {
    return this.snapshot.index + this.ents.length
  }

  /** Messages and calls dropped so far, by reason. */
  rejected(): ReadonlyMap<RaftRejectReason, number> {
    return this.rejects
  }

  // ---------------------------------------------------------------------------
  // Roles

  private becomeFollower(term: number, leader: string | undefined): void {
    if (term !== this.term) {
      this.term = term
      this.vote = undefined
      this.hardStateDirty = true
    }
    if (this.role !== 'follower') this.log.debug('became follower', { term, leader })
    this.role = 'follower'
    this.leader = leader
    this.progress.clear()
    this.votes.clear()
    this.resetElectionTimer()
  }

  private becomePreCandidate(): void {
    // Thesis §9.6: ask first whether a majority would vote, without touching term or vote.
    this.role = 'pre-candidate'
    this.leader = undefined
    this.preElections++
    this.votes.clear()
    this.resetElectionTimer()
    this.log.debug('became pre-candidate', { term: this.term })
    this.votes.set(this.selfId, true)
    if (this.tally() === 'won') {
      this.becomeCandidate()
      return
    }
    this.requestVotes(true, this.term + 1)
  }

  private becomeCandidate(): void {
    if (this.term >= TERM_MAX) return
    this.role = 'candidate'
    this.term++
    this.vote = this.selfId
    this.leader = undefined
    this.hardStateDirty = true
    this.elections++
    this.votes.clear()
    this.resetElectionTimer()
    this.log.debug('became candidate', { term: this.term })
    this.votes.set(this.selfId, true)
    if (this.tally() === 'won') {
      this.becomeLeader()
      return
    }
    this.requestVotes(false, this.term)
  }

  private becomeLeader(): void {
    this.role = 'leader'
    this.leader = this.selfId
    this.leaderships++
    this.votes.clear()
    this.heartbeatElapsed = 0
    this.electionElapsed = 0
    this.progress.clear()
    const next = this.lastIndex() + 1
    for (const id of this.sealers) {
      if (id !== this.selfId) this.progress.set(id, { match: 0, next, active: false })
    }
    this.log.info('became leader', { term: this.term })
    // §8: an empty entry at the start of the term commits everything before it.
    this.appendLocal({ index: next, term: this.term })
    for (const [id, pr] of this.progress) this.sendAppend(id, pr)
    this.maybeCommit()
  }

  private requestVotes(pre: boolean, term: number): void {
    const body: RaftVote = { type: 'vote', pre, term, lastIndex: this.lastIndex(), lastTerm: this.lastTerm() }
    for (let i = 0; i < this.sealers.length; i++) if (i !== this.selfIndex) this.send(i, body)
  }

  private tally(): 'won' | 'lost' | 'pending' {
    let granted = 0
    let rejected = 0
    for (const id of this.sealers) {
      const v = this.votes.get(id)
      if (v === true) granted++
      else if (v === false) rejected++
    }
    const q = this.quorum()
    if (granted >= q) return 'won'
    if (rejected > this.sealers.length - q) return 'lost'
    return 'pending'
  }

  // ---------------------------------------------------------------------------
  // Messages

  private onVote(from: number, fromId: string, m: RaftVote): void {
    if (this.selfIndex === undefined) {
      this.reject('non-sealer')
      return
    }
    // §5.2 one vote per term (first come, first served); §5.4.1 only for an up-to-date log.
    const canVote =
      this.vote === fromId ||
      (this.vote === undefined && this.leader === undefined) ||
      (m.pre && m.term > this.term)
    const upToDate = isLogUpToDate(m.lastIndex, m.lastTerm, this.lastIndex(), this.lastTerm())
    if (canVote && upToDate) {
      this.send(from, { type: 'vote-response', pre: m.pre, term: m.term, granted: true })
      if (!m.pre) {
        this.vote = fromId
        this.hardStateDirty = true
        this.electionElapsed = 0
      }
    } else {
      this.send(from, { type: 'vote-response', pre: m.pre, term: this.term, granted: false })
    }
  }

  private onVoteResponse(fromId: string, m: RaftVoteResponse): void {
    const waiting = m.pre ? this.role === 'pre-candidate' : this.role === 'candidate'
    if (!waiting) return
    // A granted PreVote answer carries the proposed term; everything else our term.
    if (m.pre && m.granted && m.term !== this.term + 1) return
    if (!(m.pre && m.granted) && m.term !== this.term) return
    this.votes.set(fromId, m.granted)
    const outcome = this.tally()
    if (outcome === 'won') {
      if (m.pre) this.becomeCandidate()
      else this.becomeLeader()
    } else if (outcome === 'lost') {
      this.becomeFollower(this.term, undefined)
    }
  }

  private onAppend(from: number, fromId: string, m: RaftAppend<P>): void {
    if (this.role === 'leader') {
      // Two leaders in one term would break Election Safety (§5.2); never expected.
      this.log.error('append from another leader in my term', { term: this.term, from: fromId })
      this.reject('unexpected')
      return
    }
    if (this.role !== 'follower' || this.leader !== fromId) this.becomeFollower(this.term, fromId)
    this.electionElapsed = 0
    if (m.prevIndex < this.commitIndex) {
      this.send(from, { type: 'append-response', term: this.term, success: true, index: this.commitIndex })
      return
    }
    const prevTerm = this.termAt(m.prevIndex)
    if (prevTerm !== m.prevTerm) {
      this.send(from, {
        type: 'append-response',
        term: this.term,
        success: false,
        index: this.rejectHint(m.prevIndex),
      })
      return
    }
    // §5.3: delete a conflicting suffix, append what is new; never truncate committed entries.
    for (let k = 0; k < m.entries.length; k++) {
      const e = m.entries[k]!
      const mine = this.termAt(e.index)
      if (mine === e.term) continue
      if (mine !== undefined) {
        if (e.index <= this.commitIndex) {
          this.log.error('leader conflicts with a committed entry', { index: e.index, term: e.term })
          this.reject('unexpected')
          return
        }
        this.truncateFrom(e.index)
      }
      for (let j = k; j < m.entries.length; j++) this.appendLocal(m.entries[j]!)
      break
    }
    const lastNew = m.prevIndex + m.entries.length
    if (m.commit > this.commitIndex)
      this.commitIndex = Math.max(this.commitIndex, Math.min(m.commit, lastNew))
    this.send(from, { type: 'append-response', term: this.term, success: true, index: lastNew })
  }

  private onAppendResponse(fromId: string, m: RaftAppendResponse): void {
    if (this.role !== 'leader') return
    const pr = this.progress.get(fromId)
    if (pr === undefined) return
    pr.active = true
    if (m.success) {
      if (m.index > this.lastIndex()) {
        this.reject('malformed')
        return
      }
      if (m.index > pr.match) pr.match = m.index
      if (pr.next <= pr.match) pr.next = pr.match + 1
      this.maybeCommit()
      if (pr.next <= this.lastIndex()) this.sendAppend(fromId, pr)
      return
    }
    // Rejected: retry from the follower's hint, never below what it already matched.
    const next = Math.max(pr.match + 1, Math.min(pr.next - 1, m.index + 1))
    if (next >= pr.next) return
    pr.next = next
    this.sendAppend(fromId, pr)
  }

  private onSnapshot(from: number, fromId: string, m: RaftSnapshotMessage): void {
    if (this.role !== 'follower' || this.leader !== fromId) this.becomeFollower(this.term, fromId)
    this.electionElapsed = 0
    const snap = m.snapshot
    if (snap.index <= this.commitIndex) {
      this.send(from, { type: 'append-response', term: this.term, success: true, index: this.commitIndex })
      return
    }
    if (this.termAt(snap.index) === snap.term) {
      // §7: our log already holds the snapshot's last entry; keep what follows it.
      this.commitIndex = snap.index
      this.send(from, { type: 'append-response', term: this.term, success: true, index: snap.index })
      return
    }
    if (this.appliedHeight >= snap.height) {
      this.installSnapshot(snap)
      this.send(from, { type: 'append-response', term: this.term, success: true, index: snap.index })
      return
    }
    if (this.syncNeeded === undefined || this.syncNeeded.index < snap.index) {
      this.log.warn('behind the leader snapshot, block sync needed', { height: snap.height })
      this.syncNeeded = snap
    }
    this.send(from, { type: 'append-response', term: this.term, success: false, index: this.lastIndex() })
  }

  // ---------------------------------------------------------------------------
  // Replication

  private sendAppend(id: string, pr: Progress): void {
    const to = this.indexOf(id)
    if (to === undefined) return
    if (pr.next <= this.snapshot.index) {
      // The entries it needs are compacted (§7). `next` stays put: the snapshot is sent
      // again with heartbeats until the follower confirms it (its host may need block sync).
      this.send(to, { type: 'snapshot', term: this.term, snapshot: this.snapshot })
      return
    }
    const prevIndex = pr.next - 1
    const last = Math.min(this.lastIndex(), prevIndex + this.cfg.entriesPerAppendMax)
    const entries =
      last > prevIndex ? this.ents.slice(pr.next - this.firstIndex(), last - this.snapshot.index) : []
    this.send(to, {
      type: 'append',
      term: this.term,
      prevIndex,
      prevTerm: this.termAt(prevIndex)!,
      entries,
      commit: this.commitIndex,
    })
    pr.next = last + 1
  }

  private sendHeartbeat(id: string, pr: Progress): void {
    const to = this.indexOf(id)
    if (to === undefined) return
    if (pr.next <= this.snapshot.index) {
      this.send(to, { type: 'snapshot', term: this.term, snapshot: this.snapshot })
      return
    }
    // An empty append at the last index sent: a follower that missed an append rejects it
    // and the leader backs up (§5.3), so lost messages are repaired by heartbeats.
    const prevIndex = Math.min(pr.next - 1, this.lastIndex())
    this.send(to, {
      type: 'append',
      term: this.term,
      prevIndex,
      prevTerm: this.termAt(prevIndex)!,
      entries: [],
      commit: this.commitIndex,
    })
  }

  private maybeCommit(): void {
    const matches: number[] = []
    for (const id of this.sealers) {
      if (id === this.selfId) matches.push(this.lastIndex())
      else matches.push(this.progress.get(id)?.match ?? 0)
    }
    matches.sort((a, b) => b - a)
    const n = matches[this.quorum() - 1] ?? 0
    // §5.4.2: only entries of the current term are committed by counting replicas.
    if (n > this.commitIndex && this.termAt(n) === this.term) {
      this.commitIndex = n
      // Tell the followers at once, so they apply without waiting for a heartbeat.
      for (const [id, pr] of this.progress) this.sendHeartbeat(id, pr)
    }
  }

  private quorumActive(): boolean {
    let active = this.selfIndex === undefined ? 0 : 1
    for (const [id, pr] of this.progress) {
      if (pr.active && this.indexOf(id) !== undefined) active++
      pr.active = false
    }
    return active >= this.quorum()
  }

  private inLease(): boolean {
    return this.cfg.checkQuorum && this.leader !== undefined && this.electionElapsed < this.cfg.electionTicks
  }

  // ---------------------------------------------------------------------------
  // Log

  private lastTerm(): number {
    return this.ents.length === 0 ? this.snapshot.term : this.ents[this.ents.length - 1]!.term
  }

  /** The last block in the log, or the applied head when block sync went beyond the log. */
  private lastBlock(): { number: number; hash: Uint8Array } {
    let last: { number: number; hash: Uint8Array } = {
      number: this.snapshot.height,
      hash: this.snapshot.hash,
    }
    for (let i = this.ents.length - 1; i >= 0; i--) {
      const b = this.ents[i]!.block
      if (b !== undefined) {
        last = b
        break
      }
    }
    return last.number >= this.appliedHeight ? last : { number: this.appliedHeight, hash: this.appliedHash }
  }

  private appendLocal(e: RaftEntry<P>): void {
    this.ents.push(e)
    if (e.index < this.entriesDirtyFrom) this.entriesDirtyFrom = e.index
  }

  private truncateFrom(index: number): void {
    this.ents.length = index - this.firstIndex()
    if (index < this.entriesDirtyFrom) this.entriesDirtyFrom = index
  }

  private rejectHint(prevIndex: number): number {
    const last = this.lastIndex()
    if (prevIndex > last) return last
    // Skip back over the whole conflicting term at once (§5.3 optimisation).
    const t = this.termAt(prevIndex)
    let i = prevIndex - 1
    while (i > this.commitIndex && this.termAt(i) === t) i--
    return Math.max(i, this.commitIndex)
  }

  private installSnapshot(snap: RaftSnapshot): void {
    this.snapshot = snap
    this.ents = []
    this.commitIndex = snap.index
    this.appliedIndex = snap.index
    this.handedIndex = snap.index
    this.snapshotDirty = true
    this.entriesDirtyFrom = Number.POSITIVE_INFINITY
    if (this.syncNeeded !== undefined && this.syncNeeded.index <= snap.index) this.syncNeeded = undefined
  }

  private maybeCompact(): void {
    const retain = this.cfg.logRetainMax
    if (this.appliedIndex - this.snapshot.index < 2 * retain) return
    const upTo = this.appliedIndex - retain
    let height = this.snapshot.height
    let hash = this.snapshot.hash
    for (let i = this.snapshot.index + 1; i <= upTo; i++) {
      const b = this.entry(i)?.block
      if (b !== undefined) {
        height = b.number
        hash = b.hash
      }
    }
    const term = this.termAt(upTo)!
    this.ents = this.ents.slice(upTo - this.snapshot.index)
    this.snapshot = { index: upTo, term, height, hash }
    this.snapshotDirty = true
  }

  // ---------------------------------------------------------------------------
  // Membership

  private applyMembership(): void {
    let changed = false
    while (this.pending.length > 0 && this.pending[0]!.fromHeight <= this.appliedHeight + 1) {
      this.sealers = this.pending.shift()!.sealers
      changed = true
    }
    if (!changed) return
    this.selfIndex = this.indexOf(this.selfId)
    this.log.info('sealers changed', { sealers: this.sealers.length, selfIndex: this.selfIndex })
    if (this.role !== 'leader') {
      if (this.selfIndex === undefined && this.role !== 'follower') this.becomeFollower(this.term, undefined)
      return
    }
    if (this.selfIndex === undefined) {
      // Thesis §4.2.2: a leader removed from the configuration steps down once it applies it.
      this.becomeFollower(this.term, undefined)
      return
    }
    for (const id of [...this.progress.keys()]) if (this.indexOf(id) === undefined) this.progress.delete(id)
    for (const id of this.sealers) {
      if (id !== this.selfId && !this.progress.has(id)) {
        const pr = { match: 0, next: this.lastIndex() + 1, active: true }
        this.progress.set(id, pr)
        this.sendAppend(id, pr)
      }
    }
    this.maybeCommit()
  }

  // ---------------------------------------------------------------------------
  // Helpers

  private canPropose(committedTo = this.appliedIndex): boolean {
    return (
      this.role === 'leader' &&
      this.selfIndex !== undefined &&
      this.commitIndex === this.lastIndex() &&
      committedTo === this.commitIndex &&
      this.syncNeeded === undefined
    )
  }

  private quorum(): number {
    return Math.floor(this.sealers.length / 2) + 1
  }

  private indexOf(id: string): number | undefined {
    const i = this.sealers.indexOf(id)
    return i < 0 ? undefined : i
  }

  private resetElectionTimer(): void {
    this.electionElapsed = 0
    this.randomizedElectionTicks = this.cfg.electionTicks + this.random.nextInt(this.cfg.electionTicks)
  }

  private send(to: number, body: RaftMessage<P>): void {
    if (this.outbox.length >= OUTBOX_MAX) {
      this.reject('outbox-full')
      return
    }
    this.outbox.push({ to, body })
  }

  private reject(reason: RaftRejectReason): void {
    this.rejects.set(reason, (this.rejects.get(reason) ?? 0) + 1)
  }

  private wellFormed(m: RaftMessage<P>): boolean {
    if (typeof m !== 'object' || m === null || !isCount(m.term) || m.term > TERM_MAX) return false
    switch (m.type) {
      case 'vote':
        return (
          typeof m.pre === 'boolean' && isCount(m.lastIndex) && isCount(m.lastTerm) && m.lastTerm <= m.term
        )
      case 'vote-response':
        return typeof m.pre === 'boolean' && typeof m.granted === 'boolean'
      case 'append': {
        if (
          !isCount(m.prevIndex) ||
          !isCount(m.prevTerm) ||
          !isCount(m.commit) ||
          !Array.isArray(m.entries)
        ) {
          return false
        }
        if (m.entries.length > this.cfg.entriesPerAppendMax || m.prevTerm > m.term) return false
        let term = m.prevTerm
        for (let i = 0; i < m.entries.length; i++) {
          const e = m.entries[i]!
          if (e === null || typeof e !== 'object' || e.index !== m.prevIndex + 1 + i) return false
          if (!isCount(e.term) || e.term < term || e.term > m.term) return false
          term = e.term
        }
        return true
      }
      case 'append-response':
        return typeof m.success === 'boolean' && isCount(m.index)
      case 'snapshot': {
        const s = m.snapshot
        return (
          typeof s === 'object' &&
          s !== null &&
          isCount(s.index) &&
          isCount(s.term) &&
          s.term <= m.term &&
          isCount(s.height) &&
          s.hash instanceof Uint8Array
        )
      }
      default:
        return false
    }
  }
}

/** Create a Raft engine; see `RaftEngine`. */
export function createRaftEngine<P = unknown>(init: RaftInit<P>, components: RaftComponents): RaftEngine<P> {
  return new RaftEngine(init, components)
}

/** Votes or acknowledgements Raft needs among `sealerCount` sealers: a strict majority. */
export function raftQuorum(sealerCount: number): number {
  return Math.floor(sealerCount / 2) + 1
}
