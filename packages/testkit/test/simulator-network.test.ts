import { describe, expect, it } from 'vitest'
import {
  createSimulator,
  SIM_CHAIN_KEEP_MAX,
  SIM_DELAY_TICKS_MAX,
  SIM_GENESIS,
  SIM_PAUSED_INBOX_MAX,
  SIM_TRACE_LINES_MAX,
  type SimNodeContext,
  silentBehaviour,
} from '../src/index.js'
import { type ToyEngine, type ToyState, toyAdapter } from './support/toy-engine.js'

function make(seed = 1, extra: Parameters<typeof toyAdapter>[0] = {}, nodeCount = 4) {
  const engines: ToyEngine[] = []
  const contexts: SimNodeContext<ToyState>[] = []
  const sim = createSimulator({ seed, nodeCount, adapter: toyAdapter({ ...extra, engines, contexts }) })
  return { sim, engines, contexts }
}

describe('simulated network', () => {
  it('delivers, executes and commits on every node; the same seed repeats the run', () => {
    const a = make(3).sim
    a.run(300)
    expect(a.violations).toEqual([])
    expect(a.honestMinHeight()).toBeGreaterThan(20)
    const b = make(3).sim
    b.run(300)
    expect(b.stats).toEqual(a.stats)
    expect(b.chain(2).map((c) => c.block.hash)).toEqual(a.chain(2).map((c) => c.block.hash))
    const c = make(4).sim
    c.run(300)
    expect(c.chain(2).map((x) => x.block.hash)).not.toEqual(a.chain(2).map((x) => x.block.hash))
  })

  it('loses everything at drop rate 1 and doubles deliveries at duplicate rate 1', () => {
    const { sim } = make(1)
    sim.setNetwork({ dropRate: 1 })
    sim.run(100)
    expect(sim.stats.messagesDelivered).toBe(0)
    expect(sim.stats.messagesDropped).toBe(sim.stats.messagesSent)
    // The leader commits alone; nobody else hears of it.
    expect(sim.honestMaxHeight()).toBe(100)
    expect(sim.honestMinHeight()).toBe(0)
    const dup = make(1).sim
    dup.setNetwork({ duplicateRate: 1, delayMinTicks: 1, delayMaxTicks: 1 })
    dup.run(50)
    expect(dup.stats.messagesDelivered).toBeGreaterThan(1.8 * dup.stats.messagesSent)
  })

  it('delays by the configured ticks and reorders within the window', () => {
    const { sim } = make(2)
    sim.setNetwork({ delayMinTicks: 7, delayMaxTicks: 7 })
    for (let t = 0; t < 40 && sim.chain(0).length === 0; t++) sim.step()
    const leaderTick = sim.tick
    while (sim.chain(1).length === 0) sim.step()
    expect(sim.tick - leaderTick).toBe(7)
    expect(() => sim.setNetwork({ delayMaxTicks: SIM_DELAY_TICKS_MAX + 1 })).toThrow(RangeError)
    expect(() => sim.setNetwork({ delayMinTicks: 5, delayMaxTicks: 2 })).toThrow(RangeError)
    expect(() => sim.setNetwork({ dropRate: 2 })).toThrow(RangeError)
  })

  it('symmetric partitions isolate groups; heal reconnects', () => {
    const { sim, engines } = make(5)
    sim.partition([
      [0, 1],
      [2, 3],
    ])
    sim.run(100)
    expect(sim.chain(1).length).toBeGreaterThan(5)
    expect(sim.chain(2).length).toBe(0)
    expect(engines[0]!.acks.has(2)).toBe(false)
    sim.heal()
    sim.run(20)
    // The toy engine has no catch-up: node 2 now receives blocks it cannot attach.
    expect(engines[2]!.received.length).toBeGreaterThan(0)
    expect(() => sim.partition([[0, 9]])).toThrow(RangeError)
  })

  it('asymmetric cuts lose one direction only', () => {
    const { sim, engines } = make(6)
    sim.cut(2, 0)
    sim.run(100)
    expect(sim.chain(2).length).toBeGreaterThan(5)
    expect(engines[0]!.acks.has(2)).toBe(false)
    expect(engines[0]!.acks.has(1)).toBe(true)
  })

  it('crash loses the engine; restart rebuilds it from the chain and persisted state', () => {
    const { sim, contexts } = make(7)
    sim.run(60)
    const height = sim.head(3).number
    expect(height).toBeGreaterThan(3)
    sim.crash(3)
    expect(sim.isUp(3)).toBe(false)
    expect(sim.engine(3)).toBeUndefined()
    sim.run(30)
    expect(sim.head(3).number).toBe(height)
    sim.restart(3)
    const ctx = contexts[contexts.length - 1]!
    expect(ctx.index).toBe(3)
    expect(ctx.head.number).toBe(height)
    expect(ctx.persisted).toEqual({ height })
    expect(ctx.chain.length).toBe(height)
    expect(sim.stats).toMatchObject({ crashes: 1, restarts: 1 })
  })

  it('pause holds messages (bounded) and resume delivers them', () => {
    const { sim } = make(8, {}, 2)
    sim.setNetwork({ delayMinTicks: 1, delayMaxTicks: 1 })
    sim.run(10)
    sim.pause(1)
    const before = sim.head(1).number
    sim.run(30)
    expect(sim.head(1).number).toBe(before)
    expect(sim.heldCount(1)).toBeGreaterThan(0)
    sim.resume(1)
    expect(sim.heldCount(1)).toBe(0)
    sim.run(5)
    expect(sim.head(1).number).toBeGreaterThan(before)
  })

  it('drops messages to a paused node beyond SIM_PAUSED_INBOX_MAX', () => {
    const { sim } = make(9, {}, 2)
    sim.pause(1)
    for (let i = 0; i < SIM_PAUSED_INBOX_MAX + 50 && sim.heldCount(1) < SIM_PAUSED_INBOX_MAX; i++) sim.step()
    const dropped = sim.stats.messagesDropped
    sim.run(20)
    expect(sim.heldCount(1)).toBe(SIM_PAUSED_INBOX_MAX)
    expect(sim.stats.messagesDropped).toBeGreaterThan(dropped)
  })

  it('lets outsiders (indices ≥ nodeCount) replay messages at the engines', () => {
    const engines: ToyEngine[] = []
    const sim = createSimulator({ seed: 10, nodeCount: 4, adapter: toyAdapter({ engines }), outsiderRate: 1 })
    sim.run(100)
    const fromOutsiders = engines.flatMap((e) => e.received).filter((m) => m.from >= 4)
    expect(fromOutsiders.length).toBeGreaterThan(10)
  })

  it('a byzantine behaviour can silence a node', () => {
    const sim = createSimulator({
      seed: 11,
      nodeCount: 4,
      adapter: toyAdapter(),
      byzantine: new Map([[0, silentBehaviour()]]),
    })
    sim.run(100)
    expect(sim.isByzantine(0)).toBe(true)
    expect(sim.honestMaxHeight()).toBe(0)
    expect(sim.head(0).number).toBeGreaterThan(0)
    expect(SIM_GENESIS.number).toBe(0)
  })

  it('keeps at most SIM_TRACE_LINES_MAX trace lines and SIM_CHAIN_KEEP_MAX blocks per node', () => {
    const sim = createSimulator({
      seed: 12,
      nodeCount: 2,
      adapter: toyAdapter(),
      trace: true,
      network: { delayMinTicks: 1, delayMaxTicks: 1 },
    })
    sim.run(SIM_CHAIN_KEEP_MAX + 200)
    expect(sim.traceText().split('\n').length).toBe(SIM_TRACE_LINES_MAX)
    expect(sim.head(0).number).toBeGreaterThan(SIM_CHAIN_KEEP_MAX)
    expect(sim.chain(0).length).toBe(SIM_CHAIN_KEEP_MAX)
    expect(sim.chain(0).at(-1)!.block.number).toBe(sim.head(0).number)
  })
})
