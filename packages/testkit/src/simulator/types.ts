import type {
  BlockNumber,
  Bytes,
  CommittedBlock,
  ConsensusEngine,
  Hash32,
  OutboundMessage,
  ProposedBlock,
  Random,
} from '@consortia/interface'

/** Payload of a simulated block: who sealed it and a unique nonce. */
export interface SimPayload {
  readonly proposer: number
  readonly nonce: number
}

/** A block as the simulator's hosts build and execute it. */
export type SimBlock = ProposedBlock<SimPayload>

/** The chain head of one simulated node. */
export interface SimHead {
  readonly number: BlockNumber
  readonly hash: Hash32
}

/** Crypto handed to one node's engine: it can sign only as itself. */
export interface SimNodeCrypto {
  sign(hash: Hash32): Bytes
  verify(index: number, hash: Hash32, signature: Bytes): boolean
  hash(data: Bytes): Hash32
}

/** What an adapter needs to build one node's engine. */
export interface SimNodeContext<S> {
  readonly index: number
  readonly sealerCount: number
  /** The node's last committed block (genesis at start). */
  readonly head: SimHead
  /** The node's most recent committed blocks, oldest first, ending at `head`. */
  readonly chain: readonly CommittedBlock<SimPayload>[]
  /** The state the engine last asked to persist; undefined on first start. */
  readonly persisted: S | undefined
  readonly crypto: SimNodeCrypto
  /** The node's own random stream (e.g. Raft election timeouts), derived from the run's seed. */
  readonly random: Random
}

/**
 * Plugs a consensus engine into the simulator. The simulator itself knows nothing of
 * PBFT or Raft: it moves opaque message bodies, executes blocks and checks invariants.
 */
export interface SimEngineAdapter<
  B,
  S,
  E extends ConsensusEngine<B, SimPayload, S> = ConsensusEngine<B, SimPayload, S>,
> {
  readonly name: string
  /** Build node `ctx.index`'s engine, fresh or from its persisted state after a restart. */
  create(ctx: SimNodeContext<S>): E
  /**
   * The host's verdict on a block from `Ready.verify`, as this engine's message body.
   * Engines that never ask for verdicts (Raft) leave it out.
   */
  verdict?(block: SimBlock, valid: boolean): B
  /**
   * How the host's storage absorbs one `Ready.persist` (an engine that persists changes
   * rather than whole states, such as Raft's log). Default: the new state replaces the old.
   */
  persist?(previous: S | undefined, next: S): S
  /**
   * The engine's round, for the liveness round budget: PBFT the highest view it is in or
   * has asked for, Raft its term. Compared as the highest over honest nodes, at the heal
   * and when every honest node has committed again.
   */
  round?(engine: E): number
  /** Rounds the honest nodes may add after a heal before all of them commit (PBFT: f+2). */
  roundBudgetAfterHeal?(nodeCount: number): number
  /** Ticks after a heal within which every honest node must commit a new block. */
  livenessTicks(nodeCount: number): number
  /** Engine-specific invariants, checked with the generic ones. */
  readonly invariants?: readonly SimInvariant<E>[]
  /** One-line description of a message body for traces. */
  describe?(body: B): string
}

/** A committed block as the invariants see it. */
export interface SimCommitEvent {
  readonly tick: number
  readonly node: number
  readonly honest: boolean
  readonly committed: CommittedBlock<SimPayload>
  readonly sealerCount: number
  /** The run's signature check (sealer index, digest, signature). */
  verify(index: number, hash: Hash32, signature: Bytes): boolean
  /** The run's hash function. */
  hash(data: Bytes): Hash32
}

/** What a per-step invariant sees: every node's engine (undefined while crashed). */
export interface SimStepView<E = unknown> {
  readonly tick: number
  readonly engines: readonly (E | undefined)[]
}

/** A property checked while the simulation runs; returns a violation message or undefined. */
export interface SimInvariant<E = unknown> {
  readonly name: string
  /** Checked after every block a node commits. */
  onCommit?(event: SimCommitEvent): string | undefined
  /** Checked after every simulation step (engine state properties, e.g. Raft's Figure 3). */
  afterStep?(view: SimStepView<E>): string | undefined
}

/** A broken invariant, with the seed that reproduces it. */
export interface SimViolation {
  readonly seed: number
  readonly tick: number
  readonly invariant: string
  readonly message: string
}

/** What a byzantine behaviour may do: act with its own key, send anything, share notes. */
export interface SimByzantineContext<B> {
  readonly index: number
  readonly sealerCount: number
  readonly tick: number
  readonly random: Random
  readonly head: SimHead
  /** Sign with this node's own key (it has no other). */
  sign(hash: Hash32): Bytes
  hash(data: Bytes): Hash32
  /** Send a message as this node (the transport authenticates the sender). */
  send(to: number, body: B): void
  /** Build a well-formed block on `parent` (its hash matches its content). */
  makeBlock(number: BlockNumber, parentHash: Hash32, txCount: number): SimBlock
  /** Notes shared by all byzantine nodes of one run (a coalition). */
  readonly coalition: Map<string, unknown>
}

/** A byzantine behaviour wrapped around a node's (otherwise honest) engine. */
export interface SimByzantine<B> {
  readonly name: string
  /** Rewrite one outbound message; return the messages to send instead (undefined: unchanged). */
  outbound?(msg: OutboundMessage<B>, ctx: SimByzantineContext<B>): readonly OutboundMessage<B>[] | undefined
  /** Observe one inbound message (before the engine sees it). */
  inbound?(from: number, body: B, ctx: SimByzantineContext<B>): void
  /** Act once per tick. */
  onTick?(ctx: SimByzantineContext<B>): void
  /** The node's host approves every block, valid or not. */
  readonly approveAll?: boolean
  /** Replace the block the node's host would propose. */
  propose?(block: SimBlock, ctx: SimByzantineContext<B>): SimBlock
}

/** Network behaviour; all probabilities per delivered copy. */
export interface SimNetworkOptions {
  readonly delayMinTicks: number
  readonly delayMaxTicks: number
  readonly dropRate: number
  readonly duplicateRate: number
}

/** Counters of one run. */
export interface SimStats {
  ticks: number
  messagesSent: number
  messagesDelivered: number
  messagesDropped: number
  /** Highest height committed by every honest node. */
  committedHeight: number
  /** Blocks committed by honest nodes, summed over nodes. */
  commits: number
  crashes: number
  restarts: number
  livenessChecks: number
}
