import { describe, expect, it } from 'vitest'
import {
  type LoadPlan,
  levelGood,
  PLAN_LEVELS_MAX,
  type PlanLevel,
  type SearchOptions,
  searchOutcome,
  searchPlan,
  sweepPlan,
} from '../src/saturation.js'

const options: SearchOptions = {
  startTPS: 100,
  factor: 2,
  maxTPS: 10_000,
  refineSteps: 2,
  p99LimitMs: 1_000,
  keptUpShare: 0.95,
  checkShare: 0.8,
  resolution: 1.1,
}

/** A fake chain: p99 grows past 1 s above `capacityTPS`; it commits everything it is sent. */
const chainWithCapacity =
  (capacityTPS: number) =>
  (offeredTPS: number): PlanLevel => ({
    offeredTPS,
    sent: offeredTPS * 10,
    committed: offeredTPS * 10,
    latency: { count: offeredTPS * 10, p99Ms: offeredTPS <= capacityTPS ? 300 : 2_500 },
  })

/** Runs `plan` against `measure` and returns the loads it asked for, in order. */
function drive(
  plan: LoadPlan,
  measure: (tps: number) => PlanLevel,
): { loads: number[]; levels: PlanLevel[] } {
  const levels: PlanLevel[] = []
  for (;;) {
    const next = plan.next(levels)
    if (next === undefined) return { loads: levels.map((l) => l.offeredTPS), levels }
    levels.push(measure(next))
  }
}

describe('levelGood', () => {
  it('needs commits, a p99 under the limit and the kept-up share', () => {
    const l = chainWithCapacity(500)(400)
    expect(levelGood(l, 1_000, 0.95)).toBe(true)
    expect(levelGood({ ...l, latency: { count: 0, p99Ms: 0 } }, 1_000, 0.95)).toBe(false)
    expect(levelGood({ ...l, latency: { ...l.latency, p99Ms: 1_000 } }, 1_000, 0.95)).toBe(false)
    expect(levelGood({ ...l, committed: l.sent * 0.9 }, 1_000, 0.95)).toBe(false)
  })
})

describe('searchPlan', () => {
  it('steps up, bisects between the last good and the first bad load, then checks 80 % of the peak', () => {
    const { loads, levels } = drive(searchPlan(options), chainWithCapacity(1_000))
    // 100, 200, 400, 800 good; 1,600 bad; bisect 1,200 (bad), 1,000 (good); check 800.
    expect(loads).toEqual([100, 200, 400, 800, 1_600, 1_200, 1_000, 800])
    expect(searchOutcome(levels, options)).toEqual({ peakTPS: 1_000, firstBadTPS: 1_200, check: levels[7] })
  })

  it('stops bisecting at the resolution', () => {
    const { loads } = drive(searchPlan({ ...options, refineSteps: 10 }), chainWithCapacity(1_000))
    // After 1,000 good and 1,200 bad: 1,100 (bad), 1,050 (bad), then 1,050/1,000 < 1.1 → check.
    expect(loads).toEqual([100, 200, 400, 800, 1_600, 1_200, 1_000, 1_100, 1_050, 800])
  })

  it('steps down when the first load is already bad', () => {
    const { loads, levels } = drive(searchPlan(options), chainWithCapacity(30))
    // 100 bad → 50 (bad) → 25 (good, after 2 refine steps) → check 20.
    expect(loads).toEqual([100, 50, 25, 20])
    expect(searchOutcome(levels, options).peakTPS).toBe(25)
  })

  it('ends at maxTPS when the chain never saturates, then checks 80 % of the top load', () => {
    const { loads, levels } = drive(searchPlan({ ...options, maxTPS: 900 }), chainWithCapacity(1e9))
    expect(loads).toEqual([100, 200, 400, 800, 640])
    expect(searchOutcome(levels, options)).toEqual({ peakTPS: 800, check: levels[4] })
  })

  it('counts a level that did not keep up as bad even with a short p99', () => {
    const measure = (tps: number): PlanLevel => ({
      ...chainWithCapacity(1e9)(tps),
      committed: tps >= 400 ? tps * 5 : tps * 10,
    })
    const { loads } = drive(searchPlan({ ...options, refineSteps: 0 }), measure)
    expect(loads).toEqual([100, 200, 400, 160])
  })

  it('runs at most PLAN_LEVELS_MAX levels', () => {
    const plan = searchPlan({ ...options, factor: 1.01, maxTPS: 1e12 })
    const { loads } = drive(plan, chainWithCapacity(1e12))
    expect(loads.length).toBe(PLAN_LEVELS_MAX)
  })

  it('rejects settings that cannot terminate', () => {
    expect(() => searchPlan({ ...options, factor: 1 })).toThrow(/factor > 1/)
    expect(() => searchPlan({ ...options, startTPS: 0 })).toThrow(/startTPS > 0/)
    expect(() => searchPlan({ ...options, resolution: 1 })).toThrow(/resolution > 1/)
  })
})

describe('sweepPlan', () => {
  it('runs the loads in order and stops once a level commits under the share', () => {
    const measure = (tps: number): PlanLevel => ({
      ...chainWithCapacity(1e9)(tps),
      committed: tps >= 300 ? tps * 4 : tps * 10,
    })
    expect(drive(sweepPlan([100, 200, 300, 400], 0.5), measure).loads).toEqual([100, 200, 300])
    expect(drive(sweepPlan([100, 200], 0.5), chainWithCapacity(1)).loads).toEqual([100, 200])
  })
})
