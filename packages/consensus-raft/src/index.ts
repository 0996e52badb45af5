/**
 * @consortia/consensus-raft — Raft (Ongaro & Ousterhout 2014) ordering the blocks of a
 * consortium chain, as a pure state machine modelled on etcd-io/raft: no I/O, no clock,
 * randomness only from an injected `Random`. PreVote and CheckQuorum (Ongaro's thesis
 * §9.6 and §6.2) are on by default; sealers join and leave as the chain's consensus table
 * says (`setSealers`), one at a time. Crash faults only: blocks carry no signatures.
 *
 * Host loop: persist `ready.persist` (merge it into storage with `mergeRaftPersist`) →
 * send `ready.messages` → commit `ready.committed` → `advance(ready)`. Seal and
 * `propose` a block on the head when `ready.shouldPropose`.
 *
 * @example
 * ```ts
 * import { createRaftEngine, mergeRaftPersist } from '@consortia/consensus-raft'
 *
 * const engine = createRaftEngine(
 *   { sealers: ['a', 'b', 'c'], self: 'a', head: { number: 0, hash: genesisHash }, state: stored },
 *   { random },
 * )
 * setInterval(() => engine.tick(), 100)
 * transport.onMessage((from, body) => engine.step({ from, body }))
 * function drive() {
 *   while (engine.hasReady()) {
 *     const rd = engine.ready()
 *     if (rd.persist) stored = mergeRaftPersist(stored, rd.persist)
 *     for (const m of rd.messages) transport.send(m.to, m.body)
 *     for (const c of rd.committed) ledger.commit(c.block)
 *     if (rd.shouldPropose) pendingSeal = true
 *     engine.advance(rd)
 *   }
 * }
 * ```
 */

export { describeRaftMessage } from './describe.js'
export {
  createRaftEngine,
  ELECTION_TICKS_DEFAULT,
  ENTRIES_PER_APPEND_MAX_DEFAULT,
  HEARTBEAT_TICKS_DEFAULT,
  LOG_RETAIN_MAX_DEFAULT,
  OUTBOX_MAX,
  PENDING_MEMBERSHIP_MAX,
  RaftEngine,
  type RaftRejectReason,
  type RaftStatus,
  raftQuorum,
  SEALERS_MAX,
  TERM_MAX,
} from './engine.js'
export { isLogUpToDate, mergeRaftPersist } from './log.js'
export {
  createRaftSafetyChecker,
  type RaftObservable,
  type RaftSafetyChecker,
  SAFETY_INDEXES_MAX,
  SAFETY_TERMS_MAX,
} from './safety.js'
export type {
  RaftAppend,
  RaftAppendResponse,
  RaftComponents,
  RaftEntry,
  RaftError,
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
