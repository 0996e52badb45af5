import {
  createSimulator,
  formatScenarioFailure,
  runRandomScenario,
  type SimEngineAdapter,
} from '@consortia/testkit'
import {
  raftSimAdapter,
  SIM_RAFT_ELECTION_TICKS,
  type SimRaftEngine,
  type SimRaftMessage,
  type SimRaftState,
} from '@consortia/testkit/compare'
import { describe, expect, it } from 'vitest'

// Deterministic simulation sweeps of Raft in the @consortia/testkit simulator. The four
// safety properties of Figure 3 (election safety, log matching, leader completeness, state
// machine safety) are checked after every step; block agreement after every commit; every
// heal opens a liveness window of 10 election timeouts in which every node must commit.
// CI tier: 250 seeds × 5,000 ticks for each of n=3 and n=5. `SIM_SEEDS=5000` runs a longer
// tier; `SIM_SEED=<s>` re-runs one seed (a failure prints it); `SIM_TICKS` changes the length.
const SEEDS = Number(process.env.SIM_SEEDS ?? 250)
const TICKS = Number(process.env.SIM_TICKS ?? 5000)
const ONE_SEED = process.env.SIM_SEED === undefined ? undefined : Number(process.env.SIM_SEED)
const seeds = ONE_SEED === undefined ? Array.from({ length: SEEDS }, (_, i) => i + 1) : [ONE_SEED]
const E = SIM_RAFT_ELECTION_TICKS

type Adapter = SimEngineAdapter<SimRaftMessage, SimRaftState, SimRaftEngine>

function sweep(n: number, adapter: Adapter) {
  let blocks = 0
  let checks = 0
  let elections = 0
  for (const seed of seeds) {
    const init = { seed, nodeCount: n, adapter, ticks: TICKS, outsiderRate: 0.02 }
    const result = runRandomScenario(init)
    if (result.violations.length > 0) {
      const again = runRandomScenario({ ...init, adapter: raftSimAdapter(), trace: true })
      throw new Error(formatScenarioFailure(`raft n=${n}`, again, again.simulator.traceText()))
    }
    blocks += result.stats.committedHeight
    checks += result.stats.livenessChecks
    for (let i = 0; i < n; i++) elections += result.simulator.engine(i)?.status().elections ?? 0
  }
  return { blocks, checks, elections }
}

describe('simulation sweep (Figure 3 after every step, liveness after every heal)', () => {
  for (const n of [3, 5]) {
    it(`n=${n}: ${seeds.length} seeds × ${TICKS} ticks, zero violations`, () => {
      const { blocks, checks, elections } = sweep(n, raftSimAdapter())
      // Progress is part of the claim: faults come and go, blocks keep being committed.
      expect(blocks / seeds.length).toBeGreaterThan(TICKS / 20)
      expect(checks).toBeGreaterThanOrEqual(seeds.length)
      expect(elections).toBeGreaterThan(seeds.length)
    }, 600_000)
  }
})

/** Step until every live node follows one leader; returns the ticks it took, or -1. */
function ticksToStableLeader(
  sim: ReturnType<typeof createSimulator<SimRaftMessage, SimRaftState, SimRaftEngine>>,
  limit: number,
) {
  const start = sim.tick
  while (sim.tick - start <= limit) {
    const statuses = Array.from({ length: sim.nodeCount }, (_, i) => sim.engine(i)?.status())
    const leader = statuses.find((s) => s?.role === 'leader')
    if (
      leader !== undefined &&
      statuses.every((s) => s === undefined || (s.leader === leader.self && s.term === leader.term))
    ) {
      return sim.tick - start
    }
    sim.step()
  }
  return -1
}

/** Node i's committed chain as one string of block hashes. */
function chainText(sim: { chain(i: number): readonly { block: { hash: Uint8Array } }[] }, i: number): string {
  return sim
    .chain(i)
    .map((c) => Buffer.from(c.block.hash).toString('hex'))
    .join(',')
}

describe('recovery after heal', () => {
  it('a stable leader within 10 election timeouts after every heal, kept for 5 more (n=3, n=5)', () => {
    let worst = 0
    for (const n of [3, 5]) {
      for (let seed = 1; seed <= 40; seed++) {
        const sim = createSimulator({ seed, nodeCount: n, adapter: raftSimAdapter() })
        const rnd = sim.random
        for (let round = 0; round < 4; round++) {
          // Chaos: a random split, a crash, loss and long delays, for 10–30 election timeouts.
          const a: number[] = []
          const b: number[] = []
          for (let i = 0; i < n; i++) (rnd.nextInt(2) === 0 ? a : b).push(i)
          sim.partition([a, b])
          const victim = rnd.nextInt(n)
          sim.crash(victim)
          sim.setNetwork({ dropRate: 0.2, delayMaxTicks: 10 })
          sim.run(E * (10 + rnd.nextInt(20)))
          sim.heal()
          sim.restart(victim)
          sim.setNetwork({ dropRate: 0, delayMinTicks: 1, delayMaxTicks: 3 })
          const took = ticksToStableLeader(sim, 10 * E)
          expect(took, `seed ${seed} n=${n} round ${round}`).toBeGreaterThanOrEqual(0)
          worst = Math.max(worst, took)
          const leader = sim.engine(0)!.status()
          const term = leader.term
          sim.run(5 * E)
          for (let i = 0; i < n; i++) {
            expect(
              sim.engine(i)!.status().term,
              `seed ${seed} n=${n}: leader of term ${term} was deposed`,
            ).toBe(term)
          }
        }
        expect(sim.violations).toEqual([])
      }
    }
    expect(worst).toBeLessThanOrEqual(10 * E)
  })

  it('crash and restart never lose a committed block, even when every node restarts at once', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const n = seed % 2 === 0 ? 3 : 5
      const sim = createSimulator({ seed, nodeCount: n, adapter: raftSimAdapter() })
      sim.run(200)
      for (let round = 0; round < 6; round++) {
        const heights = Array.from({ length: n }, (_, i) => sim.head(i).number)
        const chains = Array.from({ length: n }, (_, i) => chainText(sim, i))
        if (round % 3 === 2) for (let i = 0; i < n; i++) sim.crash(i)
        else sim.crash(sim.random.nextInt(n))
        sim.run(1 + sim.random.nextInt(3 * E))
        for (let i = 0; i < n; i++) sim.restart(i)
        sim.run(20 * E)
        for (let i = 0; i < n; i++) {
          // The chain only grows: every block committed before the crash is still there.
          expect(sim.head(i).number).toBeGreaterThan(heights[i]!)
          expect(chainText(sim, i).startsWith(chains[i]!), `seed ${seed} node ${i}`).toBe(true)
        }
      }
      expect(sim.violations).toEqual([])
    }
  })
})

describe('partial connectivity (PreVote + CheckQuorum keep the group live)', () => {
  /** Run `ticks` and return (height gained by the best node, elections started by all). */
  function measure(
    sim: ReturnType<typeof createSimulator<SimRaftMessage, SimRaftState, SimRaftEngine>>,
    ticks: number,
  ) {
    const n = sim.nodeCount
    const h0 = sim.honestMaxHeight()
    const e0 = Array.from({ length: n }, (_, i) => sim.engine(i)!.status().elections).reduce(
      (x, y) => x + y,
      0,
    )
    sim.run(ticks)
    const e1 = Array.from({ length: n }, (_, i) => sim.engine(i)!.status().elections).reduce(
      (x, y) => x + y,
      0,
    )
    return { gained: sim.honestMaxHeight() - h0, elections: e1 - e0 }
  }

  function leaderOf(
    sim: ReturnType<typeof createSimulator<SimRaftMessage, SimRaftState, SimRaftEngine>>,
  ): number {
    for (let i = 0; i < sim.nodeCount; i++) if (sim.engine(i)!.status().role === 'leader') return i
    throw new Error('no leader')
  }

  it('a follower that cannot hear the leader does not depose it (chain topology, n=3)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const sim = createSimulator({ seed, nodeCount: 3, adapter: raftSimAdapter() })
      sim.run(10 * E)
      const leader = leaderOf(sim)
      const other = [0, 1, 2].filter((i) => i !== leader)
      // The leader and one follower lose each other; the middle node still hears both.
      sim.cut(leader, other[0]!)
      sim.cut(other[0]!, leader)
      const { gained, elections } = measure(sim, 40 * E)
      expect(gained, `seed ${seed}`).toBeGreaterThan(40)
      expect(elections, `seed ${seed}: the cut-off node forced elections`).toBe(0)
      expect(sim.engine(leader)!.status().role).toBe('leader')
      expect(sim.violations).toEqual([])
    }
  })

  it('without PreVote and CheckQuorum the same cut makes the group churn through terms', () => {
    let churn = 0
    for (let seed = 1; seed <= 20; seed++) {
      const sim = createSimulator({
        seed,
        nodeCount: 3,
        adapter: raftSimAdapter({ preVote: false, checkQuorum: false }),
      })
      sim.run(10 * E)
      const leader = leaderOf(sim)
      const other = [0, 1, 2].filter((i) => i !== leader)
      sim.cut(leader, other[0]!)
      sim.cut(other[0]!, leader)
      churn += measure(sim, 40 * E).elections
      expect(sim.violations).toEqual([])
    }
    // The cut-off follower times out and campaigns with a higher term again and again.
    expect(churn).toBeGreaterThan(20 * 2)
  })

  it('a leader cut off from the majority steps down and the majority elects a new one (n=5)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const sim = createSimulator({ seed, nodeCount: 5, adapter: raftSimAdapter() })
      sim.run(10 * E)
      const leader = leaderOf(sim)
      const rest = [0, 1, 2, 3, 4].filter((i) => i !== leader)
      sim.partition([[leader, rest[0]!], rest.slice(1)])
      sim.run(3 * E)
      // CheckQuorum: after at most two election timeouts the old leader gave up.
      expect(sim.engine(leader)!.status().role, `seed ${seed}`).not.toBe('leader')
      const { gained } = measure(sim, 20 * E)
      expect(gained, `seed ${seed}`).toBeGreaterThan(10)
      sim.heal()
      sim.run(20 * E)
      // After the heal the old leader's side caught up: at most the block in flight apart.
      expect(sim.honestMaxHeight() - sim.honestMinHeight(), `seed ${seed}`).toBeLessThanOrEqual(1)
      expect(sim.violations).toEqual([])
    }
  })

  it('one node that hears everybody while the others are cut from each other (n=5 star) keeps committing', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const sim = createSimulator({ seed, nodeCount: 5, adapter: raftSimAdapter() })
      sim.run(10 * E)
      const hub = leaderOf(sim)
      for (let a = 0; a < 5; a++)
        for (let b = 0; b < 5; b++) if (a !== b && a !== hub && b !== hub) sim.cut(a, b)
      const { gained, elections } = measure(sim, 40 * E)
      expect(gained, `seed ${seed}`).toBeGreaterThan(40)
      expect(elections).toBe(0)
      expect(sim.violations).toEqual([])
    }
  })
})

describe('the checker checks itself', () => {
  it('a node that forgets its vote and log on restart breaks safety, and the checker says so', () => {
    // Amnesia: the host "persists" nothing, so a restarted node votes again in a term and
    // loses entries it acknowledged. Some seed must show a violation of Figure 3 or agreement.
    const base = raftSimAdapter()
    const amnesia: Adapter = { ...base, persist: () => ({ term: 0, vote: undefined, entries: [] }) }
    const found: string[] = []
    for (let seed = 1; seed <= 200 && found.length === 0; seed++) {
      const result = runRandomScenario({
        seed,
        nodeCount: 3,
        adapter: amnesia,
        ticks: 3000,
        faultRate: 0.05,
        chaosTicksMin: 100,
        chaosTicksMax: 300,
      })
      for (const v of result.violations)
        if (v.invariant !== 'liveness') found.push(`${v.invariant}: ${v.message}`)
    }
    expect(found.length).toBeGreaterThan(0)
    expect(found[0]).toMatch(/raft-safety|agreement|height-monotonic|block-valid/)
  })

  it('the same seed gives the same run', () => {
    const run = () => {
      const r = runRandomScenario({ seed: 7, nodeCount: 5, adapter: raftSimAdapter(), ticks: 2000 })
      return { ...r.stats, heads: Array.from({ length: 5 }, (_, i) => r.simulator.head(i).number) }
    }
    expect(run()).toEqual(run())
  })
})
