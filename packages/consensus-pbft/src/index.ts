/**
 * @consortia/consensus-pbft — FISCO BCOS 2.x PBFT as a pure state machine, modelled on
 * etcd-io/raft: no I/O, no clock, no randomness. The host drives `tick`, `step`,
 * `propose`, `ready` and `advance`; signing, verifying and hashing are injected.
 *
 * Host loop: persist `ready.persist` → send `ready.messages` → execute each block of
 * `ready.verify` and answer with a `verdict` message from the node's own index →
 * commit `ready.committed` → `advance(ready)`. Propose when `ready.shouldPropose`.
 *
 * @example
 * ```ts
 * import { createPBFTEngine } from '@consortia/consensus-pbft'
 *
 * const engine = createPBFTEngine(
 *   { sealerCount: 4, selfIndex: 0, head: { number: 0, hash: genesisHash } },
 *   { sign: (h) => suite.sign(h, key), verify: (i, h, s) => suite.verify(h, s, sealers[i]), hash: suite.hash },
 * )
 * engine.tick()
 * while (engine.hasReady()) {
 *   const rd = engine.ready()
 *   if (rd.persist) store.save(rd.persist)
 *   for (const m of rd.messages) transport.send(m)
 *   for (const b of rd.verify) engine.step({ from: 0, body: { type: 'verdict', height: b.number, hash: b.hash, valid: execute(b) } })
 *   for (const c of rd.committed) ledger.commit(c)
 *   engine.advance(rd)
 * }
 * ```
 */
export { bytesEqual } from './bytes.js'
export { commitPreimage, signPreimage } from './digest.js'
export {
  CHANGE_CYCLE_MAX_DEFAULT,
  COMMITTED_CACHE_MAX_DEFAULT,
  createPBFTEngine,
  FUTURE_HEIGHT_WINDOW,
  FUTURE_MESSAGES_PER_SENDER_MAX_DEFAULT,
  PBFTEngine,
  type PBFTStatus,
  pbftFaultTolerance,
  pbftLeader,
  pbftQuorum,
  SIGNATURE_BYTES_MAX,
  SYNC_BLOCKS_PER_REPLY_MAX_DEFAULT,
  SYNC_INTERVAL_TICKS_DEFAULT,
  VERDICTS_PER_HEIGHT_MAX,
  VIEW_MAX,
  VIEW_TIMEOUT_TICKS_DEFAULT,
} from './engine.js'
export type {
  PBFTCertificateScheme,
  PBFTCommit,
  PBFTComponents,
  PBFTError,
  PBFTErrorCode,
  PBFTHead,
  PBFTInit,
  PBFTMessage,
  PBFTPersistedState,
  PBFTPrepare,
  PBFTRejectReason,
  PBFTSealerConfig,
  PBFTSign,
  PBFTSyncRequest,
  PBFTSyncResponse,
  PBFTVerdict,
  PBFTViewChange,
  PBFTVote,
  PBFTVoteRecord,
  PreparedCertificate,
} from './types.js'
