/**
 * Statistics of a benchmark run: percentiles of latencies, committed TPS from block timestamps,
 * the best sliding window of a block series, and CPU time from `/proc/<pid>/stat`.
 */

/** Percentile `p` (0..100) of `values`, linear interpolation between closest ranks (R type 7). */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: expected p in 0..100, got ${p}`)
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = (p / 100) * (sorted.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  const a = sorted[lo] as number
  const b = sorted[hi] as number
  return a + (b - a) * (rank - lo)
}

/** Count, mean, p50, p99 and max of a latency sample (ms); NaN figures when it is empty. */
export interface LatencySummary {
  readonly count: number
  readonly meanMs: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

/** Summarises latencies in milliseconds. */
export function summarizeLatencies(values: readonly number[]): LatencySummary {
  if (values.length === 0) {
    return { count: 0, meanMs: Number.NaN, p50Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN }
  }
  let sum = 0
  let max = Number.NEGATIVE_INFINITY
  for (const v of values) {
    sum += v
    if (v > max) max = v
  }
  return {
    count: values.length,
    meanMs: sum / values.length,
    p50Ms: percentile(values, 50),
    p99Ms: percentile(values, 99),
    maxMs: max,
  }
}

/** A committed block as the TPS figures see it. */
export interface BlockSample {
  readonly number: number
  /** Block timestamp set by its proposer, ms since the epoch. */
  readonly timestampMs: number
  readonly txCount: number
}

/**
 * Committed transactions per second over a run of consecutive blocks: the transactions of
 * every block after the first, divided by the time from the first block's timestamp to the
 * last's (the first block only opens the interval: when its transactions arrived is unknown).
 * 0 with fewer than two blocks or a zero interval.
 */
export function committedTPS(blocks: readonly BlockSample[]): number {
  if (blocks.length < 2) return 0
  const sorted = [...blocks].sort((a, b) => a.number - b.number)
  const first = sorted[0] as BlockSample
  const last = sorted[sorted.length - 1] as BlockSample
  const spanMs = last.timestampMs - first.timestampMs
  if (spanMs <= 0) return 0
  let txs = 0
  for (let i = 1; i < sorted.length; i++) txs += (sorted[i] as BlockSample).txCount
  return (txs / spanMs) * 1000
}

/**
 * The highest committed TPS over any window of at least `windowMs` of consecutive blocks
 * (computed as `committedTPS` of the window); the whole run's figure when it is shorter.
 */
export function peakWindowTPS(blocks: readonly BlockSample[], windowMs: number): number {
  if (!(windowMs > 0)) throw new RangeError(`peakWindowTPS: expected windowMs > 0, got ${windowMs}`)
  const sorted = [...blocks].sort((a, b) => a.number - b.number)
  if (sorted.length < 2) return 0
  const whole =
    (sorted[sorted.length - 1] as BlockSample).timestampMs - (sorted[0] as BlockSample).timestampMs
  if (whole <= windowMs) return committedTPS(sorted)
  // prefix[i] = transactions of blocks 0..i-1.
  const prefix = [0]
  for (const b of sorted) prefix.push((prefix[prefix.length - 1] as number) + b.txCount)
  let best = 0
  let j = 0
  for (let i = 0; i < sorted.length; i++) {
    const t0 = (sorted[i] as BlockSample).timestampMs
    if (j < i) j = i
    while (j < sorted.length && (sorted[j] as BlockSample).timestampMs - t0 < windowMs) j++
    if (j === sorted.length) break
    const span = (sorted[j] as BlockSample).timestampMs - t0
    // Transactions of blocks i+1..j, as in committedTPS.
    const txs = (prefix[j + 1] as number) - (prefix[i + 1] as number)
    best = Math.max(best, (txs / span) * 1000)
  }
  return best
}

/** User plus system CPU time of a process in clock ticks, from the text of `/proc/<pid>/stat`. */
export function cpuTicksOfProcStat(stat: string): number {
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
  const close = stat.lastIndexOf(')')
  if (close < 0)
    throw new Error(`cpuTicksOfProcStat: expected "pid (comm) state ...", got "${stat.slice(0, 40)}"`)
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/)
  // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error(`cpuTicksOfProcStat: expected numeric utime/stime, got ${fields[11]}/${fields[12]}`)
  return utime + stime
}

/** The best (highest-load) level whose p99 stays under `p99LimitMs`, or undefined if none does. */
export function saturationLevel<T extends { offeredTPS: number; latency: LatencySummary }>(
  levels: readonly T[],
  p99LimitMs: number,
): T | undefined {
  let best: T | undefined
  for (const l of levels) {
    if (
      l.latency.count > 0 &&
      l.latency.p99Ms <= p99LimitMs &&
      (best === undefined || l.offeredTPS > best.offeredTPS)
    )
      best = l
  }
  return best
}
