import type { Clock } from '@consortia/interface'

/** A clock that moves only when told to, for deterministic tests of timers. */
export interface ManualClock extends Clock {
  /** Move time forward, running due timers in deadline order (ties in creation order). */
  advance(ms: number): void
  /** Timers not yet run or cancelled. */
  readonly pendingTimers: number
}

/** Create a manual clock starting at `startMs`. */
export function createManualClock(startMs = 0): ManualClock {
  let now = startMs
  let nextId = 0
  const timers = new Map<number, { dueMs: number; fn: () => void }>()
  return {
    nowMs: () => now,
    setTimer(delayMs, fn) {
      if (!(delayMs >= 0)) throw new RangeError(`expected a delay >= 0 ms, got ${delayMs}`)
      const id = nextId++
      timers.set(id, { dueMs: now + delayMs, fn })
      return () => {
        timers.delete(id)
      }
    },
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`expected ms >= 0, got ${ms}`)
      const target = now + ms
      for (;;) {
        let dueId = -1
        let dueMs = Number.POSITIVE_INFINITY
        for (const [id, t] of timers) {
          if (t.dueMs <= target && t.dueMs < dueMs) {
            dueId = id
            dueMs = t.dueMs
          }
        }
        if (dueId < 0) break
        const timer = timers.get(dueId)!
        timers.delete(dueId)
        now = timer.dueMs
        timer.fn()
      }
      now = target
    },
    get pendingTimers() {
      return timers.size
    },
  }
}
