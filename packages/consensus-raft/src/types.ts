import type { BlockNumber, ChainError, Hash32, Logger, ProposedBlock, Random } from '@consortia/interface'

/** Error codes thrown by this package (programmer errors at the API boundary). */
export type RaftErrorCode =
  | 'RAFT_INVALID_CONFIG'
  | 'RAFT_INVALID_STATE'
  | 'RAFT_INVALID_BLOCK'
  | 'RAFT_UNSAFE_MEMBERSHIP_CHANGE'
  | 'RAFT_LIMIT_EXCEEDED'

/** The typed error this package throws. */
export type RaftError = ChainError<{ code: RaftErrorCode; [key: string]: unknown }>

/** A node's role (Ongaro & Ousterhout 2014, §5.1; PreCandidate from Ongaro's thesis §9.6). */
export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader'

/**
 * One log entry. `block` is absent for the empty entry a new leader appends at the start
 * of its term (§8: it lets the leader learn which entries are committed, and §5.4.2: it
 * is what lets earlier-term entries be committed by counting replicas).
 */
export interface RaftEntry<P = unknown> {
  readonly index: number
  readonly term: number
  readonly block?: ProposedBlock<P>
}

/**
 * The compacted prefix of the log: the last entry it covers and the block applied up to
 * there (its height and hash). Entries at or below `index` are gone from the log.
 */
export interface RaftSnapshot {
  readonly index: number
  readonly term: number
  readonly height: BlockNumber
  readonly hash: Hash32
}

/**
 * RequestVote (§5.2) or, with `pre`, a PreVote (thesis §9.6): `term` is the term the
 * sender would campaign in; a PreVote changes no one's term or vote.
 */
export interface RaftVote {
  readonly type: 'vote'
  readonly pre: boolean
  readonly term: number
  readonly lastIndex: number
  readonly lastTerm: number
}

/** The answer to a `vote`. A granted PreVote answer carries the proposed term. */
export interface RaftVoteResponse {
  readonly type: 'vote-response'
  readonly pre: boolean
  readonly term: number
  readonly granted: boolean
}

/** AppendEntries (§5.3); with no entries it is the heartbeat (§5.2). */
export interface RaftAppend<P = unknown> {
  readonly type: 'append'
  readonly term: number
  readonly prevIndex: number
  readonly prevTerm: number
  readonly entries: readonly RaftEntry<P>[]
  /** The leader's commit index. */
  readonly commit: number
}

/**
 * The answer to an `append`. On success `index` is the last index known to match the
 * leader's log; on failure it is a hint (§5.3, "the follower can include the term of the
 * conflicting entry"): the leader retries from `index + 1`.
 */
export interface RaftAppendResponse {
  readonly type: 'append-response'
  readonly term: number
  readonly success: boolean
  readonly index: number
}

/**
 * InstallSnapshot, reduced (§7): the leader no longer holds the entries a follower needs;
 * the follower adopts the snapshot once its host has the block at `snapshot.height`
 * (committed by block sync, outside consensus).
 */
export interface RaftSnapshotMessage {
  readonly type: 'snapshot'
  readonly term: number
  readonly snapshot: RaftSnapshot
}

/** Every message body this engine sends or accepts. */
export type RaftMessage<P = unknown> =
  | RaftVote
  | RaftVoteResponse
  | RaftAppend<P>
  | RaftAppendResponse
  | RaftSnapshotMessage

/**
 * What Raft must keep across restarts (Figure 2 "persistent state on all servers"), as a
 * change to apply to the host's storage, in order: set `term` and `vote`; when `snapshot`
 * is set, drop every entry at or below its index; then write `entries`, replacing every
 * stored entry from `entries[0].index` on. `mergeRaftPersist` does exactly that.
 * A full state (what `createRaftEngine` takes on restart) is the same shape with all
 * entries after the snapshot.
 */
export interface RaftPersistedState<P = unknown> {
  readonly term: number
  /** Sealer ID this node voted for in `term`, if any. */
  readonly vote: string | undefined
  readonly snapshot?: RaftSnapshot
  readonly entries: readonly RaftEntry<P>[]
}

/** The chain head the engine builds on: the last block the host committed. */
export interface RaftHead {
  readonly number: BlockNumber
  readonly hash: Hash32
}

/** Components injected into the engine: it draws no randomness of its own. */
export interface RaftComponents {
  /** Randomised election timeouts (§5.2) come from here. */
  readonly random: Random
  readonly logger?: Logger
}

/** Options of `createRaftEngine`. */
export interface RaftInit<P = unknown> {
  /**
   * Stable IDs of the sealers (e.g. node IDs in hex), in the order of the chain's
   * consensus table: a message's `from` / `to` is an index into this list.
   */
  readonly sealers: readonly string[]
  /** This node's ID; a node not in `sealers` follows as an observer and never campaigns. */
  readonly self: string
  /** The last block the host committed (genesis at first start). */
  readonly head: RaftHead
  /** Persisted state from a previous run, merged from every `Ready.persist`. */
  readonly state?: RaftPersistedState<P>
  /** Base election timeout; each timeout is drawn from [electionTicks, 2·electionTicks). */
  readonly electionTicks?: number
  /** Heartbeat interval of a leader; must be below `electionTicks`. */
  readonly heartbeatTicks?: number
  /** PreVote (thesis §9.6). Default true. */
  readonly preVote?: boolean
  /** CheckQuorum and leader lease (thesis §6.2, §9.6). Default true. */
  readonly checkQuorum?: boolean
  /** Entries carried by one append. */
  readonly entriesPerAppendMax?: number
  /** Applied entries kept in memory to catch followers up; older ones are compacted. */
  readonly logRetainMax?: number
}
