import { describe, expect, it } from 'vitest'
import { raftSimAdapter, type SimRaftEngine } from '../src/compare/index.js'
import { createSimulator, type SimInvariant } from '../src/index.js'

// The simulator hooks added for engines beyond PBFT: a per-node random stream, a persist
// merge (engines that persist changes, not whole states) and invariants after every step.
describe('simulator hooks', () => {
  it('afterStep invariants run after every step and stop the run on a violation', () => {
    let calls = 0
    const counter: SimInvariant<SimRaftEngine> = {
      name: 'counter',
      afterStep(view) {
        calls++
        expect(view.engines).toHaveLength(3)
        return view.tick === 50 ? 'stop here' : undefined
      },
    }
    const sim = createSimulator({ seed: 1, nodeCount: 3, adapter: raftSimAdapter(), invariants: [counter] })
    sim.run(100)
    expect(calls).toBe(50)
    expect(sim.violations).toEqual([{ seed: 1, tick: 50, invariant: 'counter', message: 'stop here' }])
  })

  it('persist merges each Ready.persist into the node storage', () => {
    const base = raftSimAdapter()
    const merges: number[] = []
    const sim = createSimulator({
      seed: 2,
      nodeCount: 3,
      adapter: {
        ...base,
        persist(prev, next) {
          merges.push(next.entries.length)
          return base.persist!(prev, next)
        },
      },
    })
    sim.run(300)
    expect(merges.length).toBeGreaterThan(10)
    sim.crash(0)
    sim.restart(0)
    // The restarted engine starts from the merged storage: its log is not empty.
    expect(sim.engine(0)!.status().lastIndex).toBeGreaterThan(1)
  })

  it('each node gets its own random stream, fixed by seed, node and boot', () => {
    const draws = (seed: number) => {
      const seen: number[] = []
      const base = raftSimAdapter()
      const sim = createSimulator({
        seed,
        nodeCount: 3,
        adapter: {
          ...base,
          create(ctx) {
            seen.push(ctx.random.nextU32())
            return base.create(ctx)
          },
        },
      })
      sim.crash(1)
      sim.restart(1)
      return seen
    }
    const a = draws(9)
    expect(a).toEqual(draws(9))
    expect(new Set(a).size).toBe(4)
    expect(a).not.toEqual(draws(10))
  })
})
