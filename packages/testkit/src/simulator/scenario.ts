import type { ConsensusEngine } from '@consortia/interface'
import { type ConsensusSimulator, createSimulator, type SimulatorInit } from './simulator.js'
import type { SimByzantine, SimPayload, SimStats, SimViolation } from './types.js'

/** Options of `runRandomScenario`: a simulator plus a fault schedule drawn from the seed. */
export interface RandomScenarioInit<B, S, E extends ConsensusEngine<B, SimPayload, S>>
  extends SimulatorInit<B, S, E> {
  /** Ticks to simulate. */
  readonly ticks: number
  /** Probability per tick of a fault event during a chaos phase. */
  readonly faultRate?: number
  /** Chaos phase length range in ticks; each is followed by a heal and a liveness window. */
  readonly chaosTicksMin?: number
  readonly chaosTicksMax?: number
  /** Drop rate ceiling during chaos. */
  readonly dropRateMax?: number
  /** Empty-proposal share during chaos (none after a heal). */
  readonly chaosEmptyBlockRate?: number
}

/** Result of one seeded run. */
export interface ScenarioResult<B, S, E extends ConsensusEngine<B, SimPayload, S>> {
  readonly seed: number
  readonly violations: readonly SimViolation[]
  readonly stats: SimStats
  readonly simulator: ConsensusSimulator<B, S, E>
}

/**
 * One seeded run: alternating chaos phases (partitions symmetric and asymmetric, crashes
 * and restarts, pauses, loss, duplication, long delays, empty proposals) and heals, each
 * heal followed by a liveness window. Everything is drawn from `seed`.
 */
export function runRandomScenario<B, S, E extends ConsensusEngine<B, SimPayload, S>>(
  init: RandomScenarioInit<B, S, E>,
): ScenarioResult<B, S, E> {
  const sim = createSimulator(init)
  const rnd = sim.random
  const n = sim.nodeCount
  const f = Math.floor((n - 1) / 3)
  const faultRate = init.faultRate ?? 0.02
  const chaosMin = init.chaosTicksMin ?? 200
  const chaosMax = init.chaosTicksMax ?? 800
  const dropRateMax = init.dropRateMax ?? 0.3
  const chaosEmpty = init.chaosEmptyBlockRate ?? 0.1
  const down = new Set<number>()

  const healAll = () => {
    sim.heal()
    sim.setNetwork({ delayMinTicks: 1, delayMaxTicks: 3, dropRate: 0, duplicateRate: 0 })
    for (const i of down) {
      if (!sim.isUp(i)) sim.restart(i)
      if (sim.isPaused(i)) sim.resume(i)
    }
    down.clear()
    sim.emptyBlockRate = 0
  }

  const faultEvent = () => {
    const kind = rnd.nextInt(9)
    switch (kind) {
      case 0: {
        // Symmetric partition into two random sides.
        const a: number[] = []
        const b: number[] = []
        for (let i = 0; i < n; i++) (rnd.nextInt(2) === 0 ? a : b).push(i)
        sim.partition([a, b])
        return
      }
      case 1:
        sim.cut(rnd.nextInt(n), rnd.nextInt(n))
        return
      case 2:
        sim.heal()
        return
      case 3:
      case 4: {
        const i = rnd.nextInt(n)
        if (down.has(i)) {
          if (!sim.isUp(i)) sim.restart(i)
          else if (sim.isPaused(i)) sim.resume(i)
          down.delete(i)
        } else if (down.size <= f) {
          down.add(i)
          if (kind === 3) sim.crash(i)
          else sim.pause(i)
        }
        return
      }
      case 5:
        sim.setNetwork({ dropRate: rnd.nextFloat() * dropRateMax })
        return
      case 6:
        sim.setNetwork({ duplicateRate: rnd.nextFloat() * 0.2 })
        return
      case 7: {
        const max = 1 + rnd.nextInt(12)
        sim.setNetwork({ delayMinTicks: 1, delayMaxTicks: max })
        return
      }
      default:
        sim.setNetwork({ dropRate: 0, duplicateRate: 0 })
    }
  }

  let chaos = true
  let phaseEnd = chaosMin + rnd.nextInt(chaosMax - chaosMin + 1)
  sim.emptyBlockRate = chaosEmpty
  while (sim.tick < init.ticks && sim.violations.length === 0) {
    if (chaos) {
      if (rnd.nextFloat() < faultRate) faultEvent()
      if (sim.tick >= phaseEnd) {
        healAll()
        sim.expectLiveness()
        chaos = false
      }
    } else if (!sim.livenessPending) {
      chaos = true
      phaseEnd = sim.tick + chaosMin + rnd.nextInt(chaosMax - chaosMin + 1)
      sim.emptyBlockRate = chaosEmpty
    }
    sim.step()
  }
  return { seed: init.seed, violations: sim.violations, stats: sim.stats, simulator: sim }
}

/** A report of a failed run that names the seed, so `SIM_SEED=<seed>` reproduces it. */
export function formatScenarioFailure(
  label: string,
  result: { seed: number; violations: readonly SimViolation[] },
  trace?: string,
): string {
  const lines = [`${label}: seed ${result.seed} failed (re-run with SIM_SEED=${result.seed})`]
  for (const v of result.violations) lines.push(`  [tick ${v.tick}] ${v.invariant}: ${v.message}`)
  if (trace !== undefined && trace.length > 0) lines.push('trace:', trace)
  return lines.join('\n')
}

/** Stored messages a replaying node keeps. */
export const REPLAY_MEMORY_MAX = 64

/**
 * Engine-agnostic byzantine behaviour: the node records messages it receives and, with
 * probability `rate` per tick, sends an old one again under its own name to a random
 * peer — stale views, stale heights and foreign votes replayed.
 */
export function replayBehaviour<B>(rate: number): SimByzantine<B> {
  const memory: B[] = []
  return {
    name: 'replay',
    inbound(_from, body, ctx) {
      if (memory.length < REPLAY_MEMORY_MAX) memory.push(body)
      else memory[ctx.random.nextInt(REPLAY_MEMORY_MAX)] = body
    },
    onTick(ctx) {
      if (memory.length === 0 || ctx.random.nextFloat() >= rate) return
      const body = memory[ctx.random.nextInt(memory.length)]!
      const to = ctx.random.nextInt(ctx.sealerCount)
      if (to !== ctx.index) ctx.send(to, body)
    },
  }
}

/** A behaviour that sends nothing at all (a silent, but running, faulty node). */
export function silentBehaviour<B>(): SimByzantine<B> {
  return { name: 'silent', outbound: () => [] }
}
