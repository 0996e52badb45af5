import type { BlockNumber, Bytes, Hash32 } from './bytes.js'

/**
 * A block offered to consensus. The engine treats `payload` as opaque: it orders and
 * certifies blocks by `hash`; the host executes and stores them.
 */
export interface ProposedBlock<P = unknown> {
  readonly number: BlockNumber
  readonly hash: Hash32
  readonly parentHash: Hash32
  /** Number of transactions; an empty block is never committed by PBFT (fast view change). */
  readonly txCount: number
  readonly payload: P
}

/** A message between consensus engines. `from` is set by the host from the authenticated peer. */
export interface ConsensusMessage<B = unknown> {
  /** Index of the sending sealer in the current sealer list. */
  readonly from: number
  readonly body: B
}

/** An outbound message: to one sealer index, or to all other sealers. */
export interface OutboundMessage<B = unknown> {
  readonly to: number | 'all'
  readonly body: B
}

/** A block the engine has decided, with the proof that decided it (e.g. PBFT signatures). */
export interface CommittedBlock<P = unknown> {
  readonly block: ProposedBlock<P>
  /**
   * Engine-specific commit certificate (PBFT: sealer signatures over a digest of height,
   * view and hash; an engine without signatures, such as Raft, leaves it empty).
   */
  readonly certificate: readonly { readonly index: number; readonly signature: Bytes }[]
  /**
   * The round (PBFT view, Raft term) in which the block was decided, when the engine's
   * certificate signatures are bound to it; verifiers need it to rebuild the signed digest.
   */
  readonly view?: number
}

/**
 * What the host must do next, in order: persist `persist` (when set), send `messages`,
 * execute and commit `committed`, then call `advance(ready)`.
 * `verify` lists proposals the host must execute and judge before the engine votes;
 * the host answers through `step` with an engine-specific verdict message from itself.
 */
export interface Ready<B = unknown, P = unknown, S = unknown> {
  readonly messages: readonly OutboundMessage<B>[]
  /** The safety state to persist before any message is sent, or undefined when unchanged. */
  readonly persist: S | undefined
  readonly committed: readonly CommittedBlock<P>[]
  readonly verify: readonly ProposedBlock<P>[]
  /** True when this node should seal and `propose` a block now. */
  readonly shouldPropose: boolean
}

/**
 * A consensus engine as a pure state machine (modelled on etcd-io/raft): no I/O, no clock,
 * no randomness of its own. Signing, verifying and randomness are injected when the engine
 * is created. The same code runs in the node and in the deterministic simulator.
 */
export interface ConsensusEngine<B = unknown, P = unknown, S = unknown> {
  /** Logical time; the host decides how long a tick is. */
  tick(): void
  /** A message from a peer, already authenticated by the transport. */
  step(msg: ConsensusMessage<B>): void
  /** A block from the sealer, when this node leads. */
  propose(block: ProposedBlock<P>): void
  /** True when `ready()` has work for the host. */
  hasReady(): boolean
  ready(): Ready<B, P, S>
  /** The host has persisted, sent and applied `ready`. */
  advance(ready: Ready<B, P, S>): void
}
