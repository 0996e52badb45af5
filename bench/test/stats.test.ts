import { describe, expect, it } from 'vitest'
import {
  type BlockSample,
  committedTPS,
  cpuTicksOfProcStat,
  peakWindowTPS,
  percentile,
  saturationLevel,
  summarizeLatencies,
} from '../src/stats.js'

describe('percentile (linear interpolation, R type 7)', () => {
  it('interpolates between closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5)
    expect(percentile([4, 1, 3, 2], 0)).toBe(1)
    expect(percentile([4, 1, 3, 2], 100)).toBe(4)
    // 1..100: rank 0.99 × 99 = 98.01 → 99 + 0.01.
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(hundred, 99)).toBeCloseTo(99.01, 10)
    expect(percentile(hundred, 50)).toBe(50.5)
    expect(percentile([7], 99)).toBe(7)
  })
  it('does not reorder its input, gives NaN for no values and refuses p outside 0..100', () => {
    const xs = [3, 1, 2]
    percentile(xs, 50)
    expect(xs).toEqual([3, 1, 2])
    expect(percentile([], 50)).toBeNaN()
    expect(() => percentile([1], 101)).toThrow('expected p in 0..100, got 101')
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError)
  })
  it('summarises latencies', () => {
    const s = summarizeLatencies([10, 20, 30, 40, 1000])
    expect(s).toMatchObject({ count: 5, meanMs: 220, p50Ms: 30, maxMs: 1000 })
    // rank 0.99 × 4 = 3.96: 40 + 0.96 × (1000 − 40).
    expect(s.p99Ms).toBeCloseTo(961.6, 9)
    expect(summarizeLatencies([]).count).toBe(0)
    expect(summarizeLatencies([]).p99Ms).toBeNaN()
  })
})

const blocks = (spec: [number, number][]): BlockSample[] =>
  spec.map(([timestampMs, txCount], i) => ({ number: i + 1, timestampMs, txCount }))

describe('TPS from block timestamps', () => {
  it('counts every block after the first over the first-to-last interval', () => {
    // 1 s from the first block to the last; 100 + 200 transactions after the first.
    expect(
      committedTPS(
        blocks([
          [1000, 999],
          [1500, 100],
          [2000, 200],
        ]),
      ),
    ).toBe(300)
    // Order of the input does not matter: blocks are taken by number.
    expect(
      committedTPS(
        [
          ...blocks([
            [1000, 999],
            [1500, 100],
            [2000, 200],
          ]),
        ].reverse(),
      ),
    ).toBe(300)
  })
  it('is 0 with fewer than two blocks or no elapsed time', () => {
    expect(committedTPS([])).toBe(0)
    expect(committedTPS(blocks([[1000, 50]]))).toBe(0)
    expect(
      committedTPS(
        blocks([
          [1000, 50],
          [1000, 50],
        ]),
      ),
    ).toBe(0)
  })
  it('finds the best window of at least windowMs', () => {
    // Slow first second (10 txs), then a burst: 500 txs within 1 s.
    const b = blocks([
      [0, 0],
      [1000, 10],
      [2000, 10],
      [2500, 250],
      [3000, 250],
      [4000, 10],
    ])
    expect(peakWindowTPS(b, 1000)).toBe(500)
    // A 2 s window: best is 2000 → 4000 (250 + 250 + 10 over 2 s) = 255.
    expect(peakWindowTPS(b, 2000)).toBe(255)
    // Longer than the run: the whole run's figure.
    expect(peakWindowTPS(b, 60_000)).toBe(committedTPS(b))
    expect(() => peakWindowTPS(b, 0)).toThrow('expected windowMs > 0, got 0')
  })
})

describe('CPU time from /proc/<pid>/stat', () => {
  it('reads utime + stime after a command name with spaces and parentheses', () => {
    // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const stat =
      '4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 567 0 0 20 0 11 0 9999 1000000 5000'
    expect(cpuTicksOfProcStat(stat)).toBe(1234 + 567)
  })
  it('refuses text that is not a stat line', () => {
    expect(() => cpuTicksOfProcStat('garbage')).toThrow('expected "pid (comm) state ..."')
    expect(() => cpuTicksOfProcStat('1 (a) S 1 2')).toThrow('expected numeric utime/stime')
  })
})

describe('saturation level', () => {
  const level = (offeredTPS: number, p99Ms: number, count = 10) => ({
    offeredTPS,
    latency: { count, meanMs: 0, p50Ms: 0, p99Ms, maxMs: 0 },
  })
  it('is the highest offered load whose p99 stays under the limit', () => {
    const levels = [level(100, 200), level(200, 400), level(400, 1500), level(800, 900, 0)]
    expect(saturationLevel(levels, 1000)?.offeredTPS).toBe(200)
    expect(saturationLevel([level(100, 2000)], 1000)).toBeUndefined()
  })
})
