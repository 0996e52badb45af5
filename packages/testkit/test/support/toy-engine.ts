// A deliberately simple engine for testing the simulator itself: node 0 leads forever and
// broadcasts blocks; followers execute and commit what the leader sends, in order, and
// acknowledge. It has no fault tolerance at all, which is what makes it useful here: the
// simulator's checkers must catch what it gets wrong.
import type {
  CommittedBlock,
  ConsensusEngine,
  ConsensusMessage,
  OutboundMessage,
  ProposedBlock,
  Ready,
} from '@consortia/interface'
import type { SimEngineAdapter, SimNodeContext, SimPayload } from '../../src/index.js'

export type ToyMessage =
  | { type: 'block'; block: ProposedBlock<SimPayload> }
  | { type: 'ack'; number: number }
  | { type: 'verdict'; number: number; valid: boolean }

export interface ToyState {
  readonly height: number
}

export interface ToyFlaws {
  /** Commit without waiting for the host's verdict. */
  skipVerify?: boolean
  /** Commit every block twice. */
  commitTwice?: boolean
  /** Put a garbage signature in the certificate. */
  badSignature?: boolean
  /** The leader stops proposing after this height. */
  stopAfter?: number
}

export class ToyEngine implements ConsensusEngine<ToyMessage, SimPayload, ToyState> {
  readonly acks = new Map<number, number>()
  rounds = 0
  readonly received: ConsensusMessage<ToyMessage>[] = []
  private messages: OutboundMessage<ToyMessage>[] = []
  private committed: CommittedBlock<SimPayload>[] = []
  private verify: ProposedBlock<SimPayload>[] = []
  private pending: ProposedBlock<SimPayload> | undefined
  private readonly early = new Map<number, ProposedBlock<SimPayload>>()
  private height: number
  private dirty = true
  private proposing = false

  constructor(
    private readonly ctx: SimNodeContext<ToyState>,
    private readonly flaws: ToyFlaws,
  ) {
    this.height = ctx.head.number
  }

  tick(): void {
    this.rounds++
  }

  step(msg: ConsensusMessage<ToyMessage>): void {
    this.received.push(msg)
    const body = msg.body
    if (body.type === 'ack') {
      this.acks.set(msg.from, body.number)
      return
    }
    if (body.type === 'verdict') {
      if (msg.from !== this.ctx.index || this.pending === undefined) return
      const block = this.pending
      this.pending = undefined
      if (body.valid) this.commit(block)
      if (this.ctx.index !== 0) this.takeNext()
      return
    }
    if (msg.from !== 0 || body.block.number <= this.height) return
    // Blocks may arrive out of order: keep a few and take them in height order.
    if (this.early.size < 64) this.early.set(body.block.number, body.block)
    this.takeNext()
  }

  private takeNext(): void {
    const next = this.early.get(this.height + 1)
    if (next === undefined || this.pending !== undefined) return
    this.early.delete(next.number)
    if (this.flaws.skipVerify) {
      this.commit(next)
      return
    }
    this.pending = next
    this.verify.push(next)
  }

  propose(block: ProposedBlock<SimPayload>): void {
    if (!this.isLeaderIdle()) return
    this.proposing = true
    this.messages.push({ to: 'all', body: { type: 'block', block } })
    this.pending = block
    this.verify.push(block)
  }

  hasReady(): boolean {
    return (
      this.messages.length > 0 ||
      this.committed.length > 0 ||
      this.verify.length > 0 ||
      this.dirty ||
      (this.isLeaderIdle() && !this.proposing)
    )
  }

  ready(): Ready<ToyMessage, SimPayload, ToyState> {
    const rd = {
      messages: this.messages,
      persist: this.dirty ? { height: this.height } : undefined,
      committed: this.committed,
      verify: this.verify,
      shouldPropose: this.isLeaderIdle(),
    }
    if (rd.shouldPropose) this.proposing = true
    this.messages = []
    this.committed = []
    this.verify = []
    this.dirty = false
    return rd
  }

  advance(): void {}

  private isLeaderIdle(): boolean {
    const stop = this.flaws.stopAfter
    return this.ctx.index === 0 && this.pending === undefined && (stop === undefined || this.height < stop)
  }

  private commit(block: ProposedBlock<SimPayload>): void {
    const signature = this.flaws.badSignature ? new Uint8Array(32) : this.ctx.crypto.sign(block.hash)
    const c: CommittedBlock<SimPayload> = { block, certificate: [{ index: this.ctx.index, signature }] }
    this.committed.push(c)
    if (this.flaws.commitTwice) this.committed.push(c)
    this.height = block.number
    this.dirty = true
    this.proposing = false
    if (this.ctx.index !== 0) this.messages.push({ to: 0, body: { type: 'ack', number: block.number } })
  }
}

export interface ToyAdapterInit extends ToyFlaws {
  livenessTicks?: number
  roundBudget?: number
  /** Every context the factory was called with, in order. */
  contexts?: SimNodeContext<ToyState>[]
  engines?: ToyEngine[]
}

export function toyAdapter(init: ToyAdapterInit = {}): SimEngineAdapter<ToyMessage, ToyState, ToyEngine> {
  const adapter: SimEngineAdapter<ToyMessage, ToyState, ToyEngine> = {
    name: 'toy',
    create(ctx) {
      init.contexts?.push(ctx)
      const e = new ToyEngine(ctx, init)
      init.engines?.push(e)
      return e
    },
    verdict: (block, valid) => ({ type: 'verdict', number: block.number, valid }),
    livenessTicks: () => init.livenessTicks ?? 50,
  }
  if (init.roundBudget !== undefined) {
    const budget = init.roundBudget
    return { ...adapter, round: (e) => e.rounds, roundBudgetAfterHeal: () => budget }
  }
  return adapter
}
