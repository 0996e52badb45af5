import type {
  BlockNumber,
  Bytes,
  ChainError,
  CommittedBlock,
  Hash32,
  Logger,
  ProposedBlock,
} from '@consortia/interface'

/** Error codes thrown by this package (programmer errors at the API boundary). */
export type PBFTErrorCode =
  | 'PBFT_INVALID_CONFIG'
  | 'PBFT_INVALID_BLOCK'
  | 'PBFT_INVALID_STATE'
  | 'PBFT_MISUSE'

/** The typed error this package throws. */
export type PBFTError = ChainError<{ code: PBFTErrorCode; [key: string]: unknown }>

/** One sealer's signature inside a certificate. */
export interface PBFTVote {
  readonly index: number
  readonly signature: Bytes
}

/**
 * Proof that a block was prepared: n−f Sign votes for `hash` at one height and view,
 * each a signature over `signDigest(height, view, hash)`.
 * Carried by view changes and by re-proposals so a locked replica can be shown that a
 * newer view prepared something else (Castro & Liskov 1999, §4.4 "P" sets).
 */
export interface PreparedCertificate {
  readonly height: BlockNumber
  readonly view: number
  readonly hash: Hash32
  readonly votes: readonly PBFTVote[]
}

/** Prepare (FISCO PrepareReq): the leader of (height, view) proposes a block. */
export interface PBFTPrepare<P = unknown> {
  readonly type: 'prepare'
  readonly height: BlockNumber
  readonly view: number
  readonly block: ProposedBlock<P>
  /** Present when the leader re-proposes a block prepared in an earlier view. */
  readonly justification?: PreparedCertificate
}

/** Sign (FISCO SignReq): a replica executed the prepared block and vouches for its hash. */
export interface PBFTSign {
  readonly type: 'sign'
  readonly height: BlockNumber
  readonly view: number
  readonly hash: Hash32
  /** Signature over `signDigest(height, view, hash)`. */
  readonly signature: Bytes
}

/** Commit (FISCO CommitReq): the sender saw n−f Signs; its signature goes into the block. */
export interface PBFTCommit {
  readonly type: 'commit'
  readonly height: BlockNumber
  readonly view: number
  readonly hash: Hash32
  /**
   * Signature over `commitDigest(height, view, hash)`; n−f of them decide the block (and form
   * its certificate under the `view-bound` scheme).
   */
  readonly signature: Bytes
  /**
   * Under the `block-hash` certificate scheme: the sender's signature over the bare block
   * hash (FISCO's `signatureList` entry). Sent only after the sender prepared the block.
   */
  readonly blockSignature?: Bytes
}

/**
 * ViewChange (FISCO ViewChangeReq): the sender gave up on every view below `toView` at
 * `height`. Also sent as a status answer to a peer that is behind in views.
 */
export interface PBFTViewChange<P = unknown> {
  readonly type: 'view-change'
  readonly height: BlockNumber
  readonly toView: number
  /** The sender's lock at this height, so the next leader re-proposes it. */
  readonly prepared?: PreparedCertificate
  readonly preparedBlock?: ProposedBlock<P>
}

/** Asks a peer for committed blocks from `height` on (sent by a node that is behind). */
export interface PBFTSyncRequest {
  readonly type: 'sync-request'
  readonly height: BlockNumber
}

/** Committed blocks with their certificates, oldest first. */
export interface PBFTSyncResponse<P = unknown> {
  readonly type: 'sync-response'
  readonly blocks: readonly CommittedBlock<P>[]
}

/**
 * The host's judgement of a block it was asked to verify (`Ready.verify`): it executed
 * the block and checked its header. Accepted only from the node itself.
 */
export interface PBFTVerdict {
  readonly type: 'verdict'
  readonly height: BlockNumber
  readonly hash: Hash32
  readonly valid: boolean
}

/** Every message body this engine sends or accepts. */
export type PBFTMessage<P = unknown> =
  | PBFTPrepare<P>
  | PBFTSign
  | PBFTCommit
  | PBFTViewChange<P>
  | PBFTSyncRequest
  | PBFTSyncResponse<P>
  | PBFTVerdict

/** The (height, view, hash) of the last vote of one kind, persisted so a restart never equivocates. */
export interface PBFTVoteRecord {
  readonly height: BlockNumber
  readonly view: number
  readonly hash: Hash32
}

/**
 * What PBFT must keep across restarts (`Ready.persist`). Persisted before any message is
 * sent, so a restarted node never signs two different blocks at one height and view.
 */
export interface PBFTPersistedState<P = unknown> {
  /** The height being decided (head + 1). */
  readonly height: BlockNumber
  readonly view: number
  readonly lastSign?: PBFTVoteRecord
  readonly lastCommit?: PBFTVoteRecord
  /** The block this node prepared at `height`, with its certificate (the FISCO "committed prepare" backup). */
  readonly lock?: { readonly certificate: PreparedCertificate; readonly block: ProposedBlock<P> }
}

/** Injected crypto: PBFT never hashes or signs on its own. */
export interface PBFTComponents {
  /** Sign a 32-byte digest with this node's key. */
  sign(hash: Hash32): Bytes
  /** True when `signature` over `hash` was made by the sealer at `index` of the current sealer list. */
  verify(index: number, hash: Hash32, signature: Bytes): boolean
  /** The chain's hash (Keccak-256 or SM3), used for vote digests. */
  hash(data: Bytes): Hash32
  logger?: Logger
}

/** The chain head the engine builds on. */
export interface PBFTHead {
  readonly number: BlockNumber
  readonly hash: Hash32
}

/** Who seals a height: the list size and this node's index in it (undefined for observers). */
export interface PBFTSealerConfig {
  readonly sealerCount: number
  readonly selfIndex: number | undefined
}

/**
 * What a decided block's `certificate` holds:
 * - `view-bound` (default): the n−f Commit signatures over `hash(commitPreimage(h, view, hash))`;
 * - `block-hash`: FISCO BCOS 2.x `signatureList` entries, n−f signatures over the bare
 *   block hash (what FISCO SDKs verify: ECDSA recovers `sealerList[index]`, SM2 verifies
 *   with it). Each Commit then carries both signatures; votes are still counted on the
 *   view-bound one.
 */
export type PBFTCertificateScheme = 'view-bound' | 'block-hash'

/** Options of `createPBFTEngine`. */
export interface PBFTInit<P = unknown> extends PBFTSealerConfig {
  /** What decided blocks' certificates hold (default `view-bound`). */
  readonly certificateScheme?: PBFTCertificateScheme
  /** The last committed block. */
  readonly head: PBFTHead
  /** Safety state from a previous run (`Ready.persist`), if any. */
  readonly state?: PBFTPersistedState<P>
  /**
   * Recent committed blocks from the ledger, oldest first and ending at `head`, so a
   * restarted node can still answer sync requests (the last `committedCacheMax` are kept).
   */
  readonly committed?: readonly CommittedBlock<P>[]
  /** Base view timeout in ticks (FISCO: 3 s). */
  readonly viewTimeoutTicks?: number
  /** Cap of the timeout exponent: timeout = base × 1.5^min(cycle, max) (FISCO caps at 20). */
  readonly changeCycleMax?: number
  /** Committed blocks kept to answer sync requests. */
  readonly committedCacheMax?: number
  /** Messages per sender kept for future heights and views. */
  readonly futureMessagesPerSenderMax?: number
  /** Blocks per sync response. */
  readonly syncBlocksPerReplyMax?: number
  /** Minimum ticks between two sync requests, and between two answers to one peer. */
  readonly syncIntervalTicks?: number
}

/** Counters of what the engine refused, by reason; evidence for operators and tests. */
export type PBFTRejectReason =
  | 'non-sealer'
  | 'malformed'
  | 'stale'
  | 'future-dropped'
  | 'not-leader'
  | 'bad-block'
  | 'equivocation'
  | 'double-vote'
  | 'bad-signature'
  | 'bad-certificate'
  | 'lock-conflict'
  | 'verdict-spoofed'
  | 'view-overflow'
