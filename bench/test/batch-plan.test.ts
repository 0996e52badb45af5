import { describe, expect, it } from 'vitest'
import { BATCHES_PER_SECOND_MAX, nextDueBatch, WAKE_INTERVAL_MS } from '../src/batch-plan.js'

/** Batches a thread sends when it wakes every WAKE_INTERVAL_MS and every request is answered at once. */
function simulate(count: number, rateTPS: number, batchMax: number) {
  const batches: { from: number; to: number; atMs: number }[] = []
  let sent = 0
  for (let t = 0; sent < count; t += WAKE_INTERVAL_MS) {
    for (
      let b = nextDueBatch(sent, t, rateTPS, count, batchMax);
      b;
      b = nextDueBatch(sent, t, rateTPS, count, batchMax)
    ) {
      batches.push({ ...b, atMs: t })
      sent = b.to
    }
  }
  return batches
}

describe('nextDueBatch', () => {
  it('sends what fell due since the last wake-up in one batch: at most BATCHES_PER_SECOND_MAX batches a second', () => {
    // 150 tx/s on one thread: 3 per batch every 20 ms.
    const batches = simulate(300, 150, 50)
    expect(batches.filter((b) => b.atMs < 1000).length).toBeLessThanOrEqual(BATCHES_PER_SECOND_MAX)
    expect(batches.slice(1, 5).map((b) => b.to - b.from)).toEqual([3, 3, 3, 3])
    // The offered rate holds: about 150 transactions in the first second.
    const firstSecond = batches.filter((b) => b.atMs < 1000).reduce((n, b) => n + b.to - b.from, 0)
    expect(firstSecond).toBeGreaterThanOrEqual(148)
    expect(firstSecond).toBeLessThanOrEqual(151)
  })

  it('never exceeds batchMax, covers every transaction once, and waits when nothing is due', () => {
    const batches = simulate(1234, 100_000, 50)
    expect(batches.every((b) => b.to - b.from <= 50 && b.to > b.from)).toBe(true)
    expect(batches[0]!.from).toBe(0)
    expect(batches.at(-1)!.to).toBe(1234)
    for (let i = 1; i < batches.length; i++) expect(batches[i]!.from).toBe(batches[i - 1]!.to)
    // A window that was full: everything due since goes out together (up to batchMax).
    expect(nextDueBatch(10, 1000, 100, 1000, 50)).toEqual({ from: 10, to: 60 })
    expect(nextDueBatch(10, 1000, 100, 1000, 500)).toEqual({ from: 10, to: 101 })
    expect(nextDueBatch(101, 1000, 100, 1000, 50)).toBeUndefined()
    expect(nextDueBatch(0, 0, 1, 5, 50)).toEqual({ from: 0, to: 1 })
    expect(() => nextDueBatch(0, 0, 0, 5, 50)).toThrow('positive rate')
  })
})
