/**
 * Which offered loads an end-to-end run measures: a fixed sweep, or the saturation search —
 * step the load up by a factor until a level's p99 commit latency passes the limit (or the
 * chain stops keeping up), bisect between the last good and the first bad load, then measure
 * the load at 80 % of the peak found. Plans are pure: they pick the next load from the levels
 * measured so far, so they are tested without a chain.
 */
import type { LatencySummary } from './stats.js'

/** The figures of a measured level that a plan reads. */
export interface PlanLevel {
  readonly offeredTPS: number
  readonly committed: number
  readonly sent: number
  readonly latency: Pick<LatencySummary, 'count' | 'p99Ms'>
}

/** Picks the next offered load from the levels measured so far; undefined ends the run. */
export interface LoadPlan {
  next(levels: readonly PlanLevel[]): number | undefined
}

/** Most levels one plan runs (a bound on top of the run's time budget). */
export const PLAN_LEVELS_MAX = 40

/** A level kept up when it committed at least this share of what it sent and stayed under the p99 limit. */
export function levelGood(l: PlanLevel, p99LimitMs: number, keptUpShare: number): boolean {
  return l.latency.count > 0 && l.latency.p99Ms < p99LimitMs && l.committed >= l.sent * keptUpShare
}

/**
 * The loads in order; stops early once a level commits less than `stopBelowShare` of what it
 * sent (the chain is saturated: higher loads only queue).
 */
export function sweepPlan(loadsTPS: readonly number[], stopBelowShare: number): LoadPlan {
  return {
    next(levels) {
      const last = levels.at(-1)
      if (last !== undefined && last.committed < last.sent * stopBelowShare) return undefined
      if (levels.length >= PLAN_LEVELS_MAX) return undefined
      return loadsTPS[levels.length]
    },
  }
}

/** Settings of the saturation search. */
export interface SearchOptions {
  /** First load. */
  readonly startTPS: number
  /** Step-up factor while every level is good (e.g. 2). */
  readonly factor: number
  /** Highest load tried. */
  readonly maxTPS: number
  /** Bisection steps between the last good and the first bad load. */
  readonly refineSteps: number
  /** p99 limit of a good level (issue 14: 1 s). */
  readonly p99LimitMs: number
  /** Share of the sent transactions a good level must commit (e.g. 0.95). */
  readonly keptUpShare: number
  /** Measure the load at this share of the peak at the end (e.g. 0.8); 0 skips it. */
  readonly checkShare: number
  /** Bisection stops when the bad and good loads are closer than this ratio (e.g. 1.1). */
  readonly resolution: number
}

/** The outcome of a search over measured levels. */
export interface SearchOutcome {
  /** Highest good offered load (undefined: no level was good). */
  readonly peakTPS?: number
  /** Lowest bad load above the peak (undefined: none was bad). */
  readonly firstBadTPS?: number
  /** The level at `checkShare` × peak, when measured. */
  readonly check?: PlanLevel
}

/** Reads the peak, the first bad load above it and the check level out of measured levels. */
export function searchOutcome(levels: readonly PlanLevel[], o: SearchOptions): SearchOutcome {
  const good = levels.filter((l) => levelGood(l, o.p99LimitMs, o.keptUpShare))
  const peak = good.length === 0 ? undefined : Math.max(...good.map((l) => l.offeredTPS))
  const bad = levels
    .filter((l) => !levelGood(l, o.p99LimitMs, o.keptUpShare) && (peak === undefined || l.offeredTPS > peak))
    .map((l) => l.offeredTPS)
  const firstBad = bad.length === 0 ? undefined : Math.min(...bad)
  const checkTPS = peak === undefined ? undefined : Math.round(peak * o.checkShare)
  const check =
    checkTPS === undefined || o.checkShare <= 0
      ? undefined
      : [...levels].reverse().find((l) => l.offeredTPS === checkTPS)
  return {
    ...(peak !== undefined ? { peakTPS: peak } : {}),
    ...(firstBad !== undefined ? { firstBadTPS: firstBad } : {}),
    ...(check !== undefined ? { check } : {}),
  }
}

/** The saturation search as a plan. */
export function searchPlan(o: SearchOptions): LoadPlan {
  if (!(o.startTPS > 0 && o.factor > 1 && o.maxTPS >= o.startTPS && o.resolution > 1))
    throw new RangeError(
      `searchPlan: expected startTPS > 0, factor > 1, maxTPS >= startTPS, resolution > 1, got ${JSON.stringify(o)}`,
    )
  let refined = 0
  let checked = false
  return {
    next(levels) {
      if (levels.length >= PLAN_LEVELS_MAX) return undefined
      const last = levels.at(-1)
      if (last === undefined) return o.startTPS
      const { peakTPS, firstBadTPS } = searchOutcome(levels, o)
      const tried = new Set(levels.map((l) => l.offeredTPS))
      if (firstBadTPS === undefined) {
        // Still stepping up.
        const up = Math.round((peakTPS ?? last.offeredTPS) * o.factor)
        if (up <= o.maxTPS && !tried.has(up)) return up
      } else if (refined < o.refineSteps) {
        const lo = peakTPS ?? 0
        // No good level yet: step down instead of bisecting towards zero.
        const mid = lo === 0 ? Math.round(firstBadTPS / o.factor) : Math.round((lo + firstBadTPS) / 2)
        if (mid >= 1 && (lo === 0 || firstBadTPS / lo >= o.resolution) && !tried.has(mid)) {
          refined++
          return mid
        }
      }
      if (!checked && o.checkShare > 0 && peakTPS !== undefined) {
        checked = true
        const at = Math.max(1, Math.round(peakTPS * o.checkShare))
        return at
      }
      return undefined
    },
  }
}
