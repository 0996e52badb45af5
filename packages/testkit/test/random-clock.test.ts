import { describe, expect, it } from 'vitest'
import { createManualClock, createSeededRandom } from '../src/index.js'

describe('createSeededRandom', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = createSeededRandom(42)
    const b = createSeededRandom(42)
    const c = createSeededRandom(43)
    const seqA = Array.from({ length: 16 }, () => a.nextU32())
    expect(Array.from({ length: 16 }, () => b.nextU32())).toEqual(seqA)
    expect(Array.from({ length: 16 }, () => c.nextU32())).not.toEqual(seqA)
    for (const v of seqA) expect(v >>> 0).toBe(v)
  })

  it('draws integers in range without obvious bias', () => {
    const rnd = createSeededRandom(7)
    const counts = new Array(6).fill(0)
    for (let i = 0; i < 60_000; i++) counts[rnd.nextInt(6)]++
    for (const n of counts) expect(Math.abs(n - 10_000)).toBeLessThan(500)
    expect(() => rnd.nextInt(0)).toThrow(RangeError)
    const f = rnd.nextFloat()
    expect(f >= 0 && f < 1).toBe(true)
    expect(rnd.bytes(7).length).toBe(7)
  })
})

describe('createManualClock', () => {
  it('runs timers in deadline order only when advanced', () => {
    const clock = createManualClock(1000)
    const fired: string[] = []
    clock.setTimer(50, () => fired.push(`b@${clock.nowMs()}`))
    clock.setTimer(10, () => fired.push(`a@${clock.nowMs()}`))
    const cancel = clock.setTimer(20, () => fired.push('cancelled'))
    clock.setTimer(10, () => {
      fired.push(`a2@${clock.nowMs()}`)
      clock.setTimer(5, () => fired.push(`nested@${clock.nowMs()}`))
    })
    cancel()
    expect(clock.pendingTimers).toBe(3)
    clock.advance(9)
    expect(fired).toEqual([])
    clock.advance(100)
    expect(fired).toEqual(['a@1010', 'a2@1010', 'nested@1015', 'b@1050'])
    expect(clock.nowMs()).toBe(1109)
    expect(clock.pendingTimers).toBe(0)
  })
})
