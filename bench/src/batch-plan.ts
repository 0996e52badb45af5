/** How a load-generator thread groups its transactions into requests (`load-worker.ts`). */

/**
 * Most requests one thread starts per second while it keeps up: it wakes every
 * 1/`BATCHES_PER_SECOND_MAX` s and sends what fell due since in one batch (one HTTP request),
 * instead of one request per transaction or two (each request costs the node and the generator
 * far more than one more transaction in a batch). When its in-flight window is full, what falls
 * due meanwhile goes out in the next batch (up to `batchMax`).
 */
export const BATCHES_PER_SECOND_MAX = 50

/**
 * The next batch `[from, to)` of transactions due `elapsedMs` after the start at `rateTPS`
 * (transaction i is due at i / rateTPS s), at most `batchMax`, given that `sent` went out;
 * undefined when none is due.
 */
export function nextDueBatch(
  sent: number,
  elapsedMs: number,
  rateTPS: number,
  count: number,
  batchMax: number,
): { from: number; to: number } | undefined {
  if (!(rateTPS > 0)) throw new RangeError(`nextDueBatch: expected a positive rate, got ${rateTPS}`)
  const due = Math.min(count, Math.floor((elapsedMs / 1000) * rateTPS) + 1)
  if (sent >= due) return undefined
  return { from: sent, to: Math.min(due, sent + batchMax) }
}

/** Milliseconds a thread sleeps between wake-ups (1/`BATCHES_PER_SECOND_MAX` s). */
export const WAKE_INTERVAL_MS = 1000 / BATCHES_PER_SECOND_MAX
