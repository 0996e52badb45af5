import type { CommittedBlock, ConsensusEngine, OutboundMessage, Random, Ready } from '@consortia/interface'
import { createSeededRandom } from '../random.js'
import { createSimBlock, isSimBlockValid, SIM_GENESIS } from './blocks.js'
import { createHashSigner, type SimSigner } from './hash-signer.js'
import { type AgreementState, agreementInvariant } from './invariants.js'
import type {
  SimBlock,
  SimByzantine,
  SimByzantineContext,
  SimCommitEvent,
  SimEngineAdapter,
  SimHead,
  SimInvariant,
  SimNetworkOptions,
  SimPayload,
  SimStats,
  SimViolation,
} from './types.js'

/** Longest message delay the network accepts, in ticks (bounds the delivery ring). */
export const SIM_DELAY_TICKS_MAX = 1024
/** Messages held for one paused node; more are dropped (a paused process's socket buffer is finite). */
export const SIM_PAUSED_INBOX_MAX = 4096
/** Messages in flight in the whole network; more are dropped. */
export const SIM_IN_FLIGHT_MAX = 1_000_000
/** Trace lines kept for a failure report. */
export const SIM_TRACE_LINES_MAX = 400
/** Committed blocks kept per node (older ones are forgotten; heights still count). */
export const SIM_CHAIN_KEEP_MAX = 4096

/** Default network: 1–3 ticks of delay, no loss. */
export const SIM_NETWORK_DEFAULTS: SimNetworkOptions = {
  delayMinTicks: 1,
  delayMaxTicks: 3,
  dropRate: 0,
  duplicateRate: 0,
}

/** Options of `createSimulator`. */
export interface SimulatorInit<B, S, E extends ConsensusEngine<B, SimPayload, S>> {
  readonly seed: number
  readonly nodeCount: number
  readonly adapter: SimEngineAdapter<B, S, E>
  /** Byzantine behaviour per node index. */
  readonly byzantine?: ReadonlyMap<number, SimByzantine<B>>
  readonly network?: Partial<SimNetworkOptions>
  /** Ticks a leader's host waits before proposing. */
  readonly proposeDelayTicks?: number
  /** Share of proposals that carry no transactions. */
  readonly emptyBlockRate?: number
  /** Largest transaction count of a proposal. */
  readonly txCountMax?: number
  /** Probability per tick that an outsider (an index ≥ nodeCount) replays a seen message. */
  readonly outsiderRate?: number
  /** Extra invariants on top of the built-in and the adapter's. */
  readonly invariants?: readonly SimInvariant[]
  /** Keep a trace of recent events for failure reports. */
  readonly trace?: boolean
}

interface Envelope<B> {
  readonly from: number
  readonly to: number
  readonly body: B
}

interface SimNode<B, S, E> {
  readonly index: number
  engine: E | undefined
  persisted: S | undefined
  head: SimHead
  chain: CommittedBlock<SimPayload>[]
  paused: boolean
  held: Envelope<B>[]
  wantsPropose: boolean
  proposeAt: number
  readonly byzantine: SimByzantine<B> | undefined
  byzantineContext: SimByzantineContext<B> | undefined
}

interface LivenessWindow {
  readonly startTick: number
  readonly deadlineTick: number
  readonly baseHeight: number
  readonly baseRound: number
}

/**
 * A deterministic simulation of a consensus group: virtual time, a seeded PRNG, a network
 * with delay, reordering, loss, duplication and partitions, crashes with restart from
 * persisted state, pauses and byzantine behaviours. Invariants run after every commit;
 * liveness windows after heals. Same seed, same run: a failure prints its seed.
 */
export class ConsensusSimulator<B, S, E extends ConsensusEngine<B, SimPayload, S>> {
  /** The seed of this run. */
  readonly seed: number
  readonly nodeCount: number
  /** The run's PRNG (network faults, block contents, schedules). */
  readonly random: Random
  /** Signer shared by all simulated nodes (each node signs only as itself). */
  readonly signer: SimSigner
  /** Every invariant violation so far. */
  readonly violations: SimViolation[] = []
  readonly stats: SimStats = {
    ticks: 0,
    messagesSent: 0,
    messagesDelivered: 0,
    messagesDropped: 0,
    committedHeight: 0,
    commits: 0,
    crashes: 0,
    restarts: 0,
    livenessChecks: 0,
  }

  private readonly adapter: SimEngineAdapter<B, S, E>
  private readonly nodes: SimNode<B, S, E>[]
  private readonly invariants: SimInvariant<E>[]
  private readonly stepInvariants: SimInvariant<E>[]
  private readonly boots: number[]
  private readonly agreement: AgreementState
  private network: SimNetworkOptions
  private readonly blocked: boolean[][]
  private readonly ring: Envelope<B>[][]
  private inFlight = 0
  private tickNow = 0
  private nonce = 0
  private readonly proposeDelayTicks: number
  emptyBlockRate: number
  private readonly txCountMax: number
  outsiderRate: number
  private readonly seen: B[] = []
  private readonly coalition = new Map<string, unknown>()
  private liveness: LivenessWindow | undefined
  private readonly traceOn: boolean
  private readonly traceLines: string[] = []

  constructor(init: SimulatorInit<B, S, E>) {
    if (!Number.isSafeInteger(init.nodeCount) || init.nodeCount < 1) {
      throw new RangeError(`expected nodeCount >= 1, got ${init.nodeCount}`)
    }
    this.seed = init.seed
    this.nodeCount = init.nodeCount
    this.adapter = init.adapter
    this.random = createSeededRandom(init.seed)
    this.signer = createHashSigner(init.seed, init.nodeCount)
    this.network = { ...SIM_NETWORK_DEFAULTS }
    this.setNetwork(init.network ?? {})
    this.proposeDelayTicks = init.proposeDelayTicks ?? 1
    this.emptyBlockRate = init.emptyBlockRate ?? 0
    this.txCountMax = init.txCountMax ?? 100
    this.outsiderRate = init.outsiderRate ?? 0
    this.traceOn = init.trace ?? false
    this.blocked = Array.from({ length: init.nodeCount }, () => new Array(init.nodeCount).fill(false))
    this.ring = Array.from({ length: SIM_DELAY_TICKS_MAX + 1 }, () => [])
    const agreement = agreementInvariant()
    this.agreement = agreement.state
    this.invariants = [agreement.invariant, ...(init.adapter.invariants ?? []), ...(init.invariants ?? [])]
    this.stepInvariants = this.invariants.filter((inv) => inv.afterStep !== undefined)
    this.boots = new Array<number>(init.nodeCount).fill(0)
    this.nodes = []
    for (let i = 0; i < init.nodeCount; i++) {
      const byzantine = init.byzantine?.get(i)
      const node: SimNode<B, S, E> = {
        index: i,
        engine: undefined,
        persisted: undefined,
        head: SIM_GENESIS,
        chain: [],
        paused: false,
        held: [],
        wantsPropose: false,
        proposeAt: -1,
        byzantine,
        byzantineContext: undefined,
      }
      this.nodes.push(node)
    }
    for (const node of this.nodes) this.boot(node)
  }

  // ---------------------------------------------------------------------------
  // Controls

  /** Current virtual time. */
  get tick(): number {
    return this.tickNow
  }

  /** Change delays and loss; delays are clamped to [0, SIM_DELAY_TICKS_MAX]. */
  setNetwork(options: Partial<SimNetworkOptions>): void {
    const next = { ...this.network, ...options }
    if (!(next.delayMinTicks >= 0 && next.delayMaxTicks >= next.delayMinTicks)) {
      throw new RangeError(
        `expected 0 <= delayMinTicks <= delayMaxTicks, got ${next.delayMinTicks}..${next.delayMaxTicks}`,
      )
    }
    if (next.delayMaxTicks > SIM_DELAY_TICKS_MAX) {
      throw new RangeError(`expected delayMaxTicks <= ${SIM_DELAY_TICKS_MAX}, got ${next.delayMaxTicks}`)
    }
    if (!(next.dropRate >= 0 && next.dropRate <= 1 && next.duplicateRate >= 0 && next.duplicateRate <= 1)) {
      throw new RangeError('expected dropRate and duplicateRate in [0, 1]')
    }
    this.network = next
  }

  /** Symmetric partition: nodes talk only inside their group; unlisted nodes are isolated. */
  partition(groups: readonly (readonly number[])[]): void {
    const group = new Array<number>(this.nodeCount).fill(-1)
    groups.forEach((g, gi) => {
      for (const i of g) group[this.checkIndex(i)] = gi
    })
    for (let a = 0; a < this.nodeCount; a++) {
      for (let b = 0; b < this.nodeCount; b++) {
        this.blocked[a]![b] = a !== b && (group[a] === -1 || group[a] !== group[b])
      }
    }
    this.trace(`partition ${JSON.stringify(groups)}`)
  }

  /** Asymmetric cut: messages from `from` to `to` are lost; the other direction still works. */
  cut(from: number, to: number): void {
    this.blocked[this.checkIndex(from)]![this.checkIndex(to)] = true
    this.trace(`cut ${from}->${to}`)
  }

  /** Remove every partition and cut. */
  heal(): void {
    for (const row of this.blocked) row.fill(false)
    this.trace('heal')
  }

  /** Stop node `i`: its engine and unsent work are lost; its chain and persisted state survive. */
  crash(i: number): void {
    const node = this.nodes[this.checkIndex(i)]!
    if (node.engine === undefined) return
    node.engine = undefined
    node.held = []
    node.paused = false
    node.wantsPropose = false
    node.proposeAt = -1
    this.stats.crashes++
    this.trace(`crash ${i} at height ${node.head.number}`)
  }

  /** Start a crashed node again from its chain head and persisted state. */
  restart(i: number): void {
    const node = this.nodes[this.checkIndex(i)]!
    if (node.engine !== undefined) return
    this.stats.restarts++
    this.trace(`restart ${i} at height ${node.head.number}`)
    this.boot(node)
  }

  /** Freeze node `i` (no ticks; messages to it wait, up to SIM_PAUSED_INBOX_MAX). */
  pause(i: number): void {
    const node = this.nodes[this.checkIndex(i)]!
    if (node.engine !== undefined) node.paused = true
    this.trace(`pause ${i}`)
  }

  /** Unfreeze node `i`; held messages are delivered now, in arrival order. */
  resume(i: number): void {
    const node = this.nodes[this.checkIndex(i)]!
    if (!node.paused) return
    node.paused = false
    const held = node.held
    node.held = []
    this.trace(`resume ${i} (${held.length} held)`)
    for (const env of held) this.deliver(env)
  }

  /** Messages waiting for paused node `i`. */
  heldCount(i: number): number {
    return this.nodes[this.checkIndex(i)]!.held.length
  }

  /** True when node `i` is running (not crashed). */
  isUp(i: number): boolean {
    return this.nodes[this.checkIndex(i)]!.engine !== undefined
  }

  /** True when node `i` is paused. */
  isPaused(i: number): boolean {
    return this.nodes[this.checkIndex(i)]!.paused
  }

  /** Node `i`'s engine, or undefined while crashed. */
  engine(i: number): E | undefined {
    return this.nodes[this.checkIndex(i)]!.engine
  }

  /** Node `i`'s last committed block. */
  head(i: number): SimHead {
    return this.nodes[this.checkIndex(i)]!.head
  }

  /** Node `i`'s most recent committed blocks (up to SIM_CHAIN_KEEP_MAX), oldest first. */
  chain(i: number): readonly CommittedBlock<SimPayload>[] {
    return this.nodes[this.checkIndex(i)]!.chain
  }

  /** True when node `i` runs a byzantine behaviour. */
  isByzantine(i: number): boolean {
    return this.nodes[this.checkIndex(i)]!.byzantine !== undefined
  }

  /** Lowest committed height over honest nodes. */
  honestMinHeight(): number {
    let min = Number.POSITIVE_INFINITY
    for (const n of this.nodes) if (n.byzantine === undefined) min = Math.min(min, n.head.number)
    return min === Number.POSITIVE_INFINITY ? 0 : min
  }

  /** Highest committed height over honest nodes. */
  honestMaxHeight(): number {
    let max = 0
    for (const n of this.nodes) if (n.byzantine === undefined) max = Math.max(max, n.head.number)
    return max
  }

  /**
   * Start a liveness window: from now, every honest node must commit above today's highest
   * honest height within the adapter's `livenessTicks`, and the highest honest round may
   * grow by at most the adapter's round budget meanwhile.
   * Call after healing everything (no partitions, no crashed or paused honest nodes).
   */
  expectLiveness(): void {
    this.liveness = {
      startTick: this.tickNow,
      deadlineTick: this.tickNow + this.adapter.livenessTicks(this.nodeCount),
      baseHeight: this.honestMaxHeight(),
      baseRound: this.honestMaxRound(),
    }
    this.stats.livenessChecks++
    this.trace(`liveness window opened at height ${this.liveness.baseHeight}`)
  }

  /** True while a liveness window is open. */
  get livenessPending(): boolean {
    return this.liveness !== undefined
  }

  /** Recent events, when created with `trace: true`. */
  traceText(): string {
    return this.traceLines.join('\n')
  }

  /** Advance `ticks` ticks (stops early on a violation). */
  run(ticks: number): void {
    for (let t = 0; t < ticks && this.violations.length === 0; t++) this.step()
  }

  /** One tick: deliver due messages, tick every running node, let leaders propose, check. */
  step(): void {
    const now = ++this.tickNow
    this.stats.ticks = now
    const slot = now % this.ring.length
    const due = this.ring[slot]!
    if (due.length > 0) {
      this.ring[slot] = []
      this.inFlight -= due.length
      for (const env of due) this.deliver(env)
    }
    for (const node of this.nodes) {
      const engine = node.engine
      if (engine === undefined || node.paused) continue
      engine.tick()
      if (node.byzantine?.onTick !== undefined) node.byzantine.onTick(this.contextOf(node))
      if (node.wantsPropose && node.proposeAt <= now && node.proposeAt >= 0) this.proposeFor(node)
      this.drain(node)
    }
    if (this.outsiderRate > 0 && this.seen.length > 0 && this.random.nextFloat() < this.outsiderRate) {
      this.outsiderReplay()
    }
    this.checkLiveness()
    if (this.stepInvariants.length > 0) this.checkStep()
  }

  // ---------------------------------------------------------------------------
  // Internals

  private checkStep(): void {
    const view = { tick: this.tickNow, engines: this.nodes.map((n) => n.engine) }
    for (const inv of this.stepInvariants) {
      const problem = inv.afterStep!(view)
      if (problem !== undefined) this.violate(inv.name, problem)
    }
  }

  private boot(node: SimNode<B, S, E>): void {
    const index = node.index
    const signer = this.signer
    // A per-node stream from the seed and the boot count; the run's own PRNG is untouched.
    const boot = this.boots[index]!++
    const random = createSeededRandom(
      (Math.imul(this.seed ^ 0x52414654, 0x9e3779b1) + index * 7919 + boot * 104_729) >>> 0,
    )
    node.engine = this.adapter.create({
      index,
      sealerCount: this.nodeCount,
      head: node.head,
      chain: node.chain,
      persisted: node.persisted,
      crypto: {
        sign: (hash) => signer.sign(index, hash),
        verify: (i, hash, sig) => signer.verify(i, hash, sig),
        hash: (data) => signer.hash(data),
      },
      random,
    })
    node.wantsPropose = false
    node.proposeAt = -1
    this.drain(node)
  }

  private deliver(env: Envelope<B>): void {
    const node = this.nodes[env.to]
    if (node === undefined || node.engine === undefined) {
      this.stats.messagesDropped++
      return
    }
    if (node.paused) {
      if (node.held.length >= SIM_PAUSED_INBOX_MAX) this.stats.messagesDropped++
      else node.held.push(env)
      return
    }
    this.stats.messagesDelivered++
    if (node.byzantine?.inbound !== undefined)
      node.byzantine.inbound(env.from, env.body, this.contextOf(node))
    if (this.outsiderRate > 0) this.rememberSeen(env.body)
    node.engine.step({ from: env.from, body: env.body })
    this.drain(node)
  }

  private drain(node: SimNode<B, S, E>): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const engine = node.engine
      if (engine === undefined || !engine.hasReady()) return
      const rd: Ready<B, SimPayload, S> = engine.ready()
      // 1. persist before anything leaves the node
      if (rd.persist !== undefined) {
        node.persisted =
          this.adapter.persist === undefined ? rd.persist : this.adapter.persist(node.persisted, rd.persist)
      }
      // 2. send
      for (const m of rd.messages) this.sendFrom(node, m)
      // 3. commit
      for (const c of rd.committed) this.commit(node, c)
      node.wantsPropose = rd.shouldPropose
      if (!rd.shouldPropose) node.proposeAt = -1
      else if (node.proposeAt < 0) node.proposeAt = this.tickNow + this.proposeDelayTicks
      engine.advance(rd)
      // 4. execute and judge proposals; the verdict goes back through step
      for (const block of rd.verify) {
        const valid = node.byzantine?.approveAll === true || isSimBlockValid(block, node.head)
        if (this.adapter.verdict === undefined)
          throw new Error(`${this.adapter.name}: Ready.verify without a verdict`)
        engine.step({ from: node.index, body: this.adapter.verdict(block, valid) })
      }
    }
    throw new Error(`node ${node.index}: engine kept producing Ready for 10000 rounds (livelock)`)
  }

  private sendFrom(node: SimNode<B, S, E>, m: OutboundMessage<B>): void {
    const rewritten =
      node.byzantine?.outbound !== undefined ? node.byzantine.outbound(m, this.contextOf(node)) : undefined
    if (rewritten === undefined) {
      this.route(node.index, m)
      return
    }
    for (const r of rewritten) this.route(node.index, r)
  }

  private route(from: number, m: OutboundMessage<B>): void {
    if (m.to === 'all') {
      for (let to = 0; to < this.nodeCount; to++) if (to !== from) this.transmit(from, to, m.body)
    } else if (m.to !== from && m.to >= 0 && m.to < this.nodeCount) {
      this.transmit(from, m.to, m.body)
    }
  }

  private transmit(from: number, to: number, body: B): void {
    this.stats.messagesSent++
    if (
      (from < this.nodeCount && this.blocked[from]![to]) ||
      this.random.nextFloat() < this.network.dropRate
    ) {
      this.stats.messagesDropped++
      return
    }
    this.enqueue({ from, to, body })
    if (this.network.duplicateRate > 0 && this.random.nextFloat() < this.network.duplicateRate) {
      this.enqueue({ from, to, body })
    }
  }

  private enqueue(env: Envelope<B>): void {
    if (this.inFlight >= SIM_IN_FLIGHT_MAX) {
      this.stats.messagesDropped++
      return
    }
    const { delayMinTicks, delayMaxTicks } = this.network
    const span = delayMaxTicks - delayMinTicks
    const delay = Math.max(1, delayMinTicks + (span > 0 ? this.random.nextInt(span + 1) : 0))
    this.ring[(this.tickNow + delay) % this.ring.length]!.push(env)
    this.inFlight++
  }

  private proposeFor(node: SimNode<B, S, E>): void {
    node.proposeAt = -1
    node.wantsPropose = false
    const empty = this.emptyBlockRate > 0 && this.random.nextFloat() < this.emptyBlockRate
    const txCount = empty ? 0 : 1 + this.random.nextInt(this.txCountMax)
    let block: SimBlock = createSimBlock(node.head.number + 1, node.head.hash, txCount, {
      proposer: node.index,
      nonce: this.nonce++,
    })
    if (node.byzantine?.propose !== undefined) block = node.byzantine.propose(block, this.contextOf(node))
    node.engine!.propose(block)
  }

  private commit(node: SimNode<B, S, E>, committed: CommittedBlock<SimPayload>): void {
    const honest = node.byzantine === undefined
    const block = committed.block
    if (honest) {
      if (block.number !== node.head.number + 1) {
        this.violate(
          'height-monotonic',
          `node ${node.index} committed height ${block.number} after ${node.head.number}`,
        )
      } else if (!isSimBlockValid(block, node.head)) {
        this.violate('block-valid', `node ${node.index} committed an invalid block at height ${block.number}`)
      }
    }
    node.head = { number: block.number, hash: block.hash }
    node.chain.push(committed)
    if (node.chain.length > SIM_CHAIN_KEEP_MAX) node.chain.splice(0, node.chain.length - SIM_CHAIN_KEEP_MAX)
    if (!honest) return
    this.stats.commits++
    this.stats.committedHeight = this.honestMinHeight()
    this.trace(`node ${node.index} committed ${block.number} (${block.txCount} txs)`)
    const event: SimCommitEvent = {
      tick: this.tickNow,
      node: node.index,
      honest,
      committed,
      sealerCount: this.nodeCount,
      verify: this.signer.verify,
      hash: this.signer.hash,
    }
    for (const inv of this.invariants) {
      const problem = inv.onCommit?.(event)
      if (problem !== undefined) this.violate(inv.name, problem)
    }
  }

  private checkLiveness(): void {
    const w = this.liveness
    if (w === undefined) return
    if (this.honestMinHeight() > w.baseHeight) {
      this.liveness = undefined
      const budget = this.adapter.roundBudgetAfterHeal?.(this.nodeCount)
      const used = this.honestMaxRound() - w.baseRound
      if (budget !== undefined && this.adapter.round !== undefined && used > budget) {
        this.violate(
          'liveness-rounds',
          `after heal at tick ${w.startTick}, honest nodes used ${used} rounds (budget ${budget})`,
        )
      }
      this.trace(`liveness satisfied after ${this.tickNow - w.startTick} ticks, ${used} rounds`)
      return
    }
    if (this.tickNow > w.deadlineTick) {
      this.liveness = undefined
      const heights = this.nodes.map((n) => `${n.index}:${n.head.number}${n.byzantine ? 'b' : ''}`).join(' ')
      this.violate(
        'liveness',
        `no honest progress above height ${w.baseHeight} within ${w.deadlineTick - w.startTick} ticks of the heal at tick ${w.startTick} (heights ${heights})`,
      )
    }
  }

  private honestMaxRound(): number {
    const round = this.adapter.round
    let max = 0
    if (round === undefined) return max
    for (const n of this.nodes) {
      if (n.byzantine === undefined && n.engine !== undefined) max = Math.max(max, round(n.engine))
    }
    return max
  }

  private rememberSeen(body: B): void {
    if (this.seen.length < 64) this.seen.push(body)
    else this.seen[this.random.nextInt(64)] = body
  }

  private outsiderReplay(): void {
    const body = this.seen[this.random.nextInt(this.seen.length)]!
    const to = this.random.nextInt(this.nodeCount)
    const from = this.nodeCount + this.random.nextInt(3)
    this.enqueue({ from, to, body })
    this.stats.messagesSent++
  }

  private contextOf(node: SimNode<B, S, E>): SimByzantineContext<B> {
    if (node.byzantineContext !== undefined) {
      ;(node.byzantineContext as { tick: number }).tick = this.tickNow
      ;(node.byzantineContext as { head: SimHead }).head = node.head
      return node.byzantineContext
    }
    const signer = this.signer
    const ctx = {
      index: node.index,
      sealerCount: this.nodeCount,
      tick: this.tickNow,
      random: this.random,
      head: node.head,
      sign: (hash: Uint8Array) => signer.sign(node.index, hash),
      hash: (data: Uint8Array) => signer.hash(data),
      send: (to: number, body: B) => this.route(node.index, { to, body }),
      makeBlock: (number: number, parentHash: Uint8Array, txCount: number) =>
        createSimBlock(number, parentHash, txCount, { proposer: node.index, nonce: this.nonce++ }),
      coalition: this.coalition,
    }
    node.byzantineContext = ctx
    return ctx
  }

  private violate(invariant: string, message: string): void {
    this.violations.push({ seed: this.seed, tick: this.tickNow, invariant, message })
    this.trace(`VIOLATION ${invariant}: ${message}`)
  }

  private trace(line: string): void {
    if (!this.traceOn) return
    this.traceLines.push(`[${this.tickNow}] ${line}`)
    if (this.traceLines.length > SIM_TRACE_LINES_MAX) this.traceLines.shift()
  }

  private checkIndex(i: number): number {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.nodeCount) {
      throw new RangeError(`expected a node index in [0, ${this.nodeCount}), got ${i}`)
    }
    return i
  }

  /** Agreement bookkeeping, for tests of the checker itself. */
  get decidedHeights(): number {
    return this.agreement.decided.size
  }
}

/** Create a simulator; see `ConsensusSimulator`. */
export function createSimulator<B, S, E extends ConsensusEngine<B, SimPayload, S>>(
  init: SimulatorInit<B, S, E>,
): ConsensusSimulator<B, S, E> {
  return new ConsensusSimulator(init)
}
