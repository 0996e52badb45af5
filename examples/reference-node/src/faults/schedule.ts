/**
 * Seeded fault schedules for multi-process fault tests: which node gets which fault, for how
 * long, with at most one faulty node at a time (f = 1 of a 4-node PBFT chain).
 */
import { nodeError } from '../errors.js'

/** The faults the controller injects. */
export type FaultKind = 'kill' | 'pause' | 'partition'

/** Every fault kind, in report order. */
export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'pause', 'partition']

/** One fault: `node` is faulty for `durationMs`, then healed (restarted, resumed, reconnected). */
export interface FaultStep {
  readonly kind: FaultKind
  readonly node: number
  readonly durationMs: number
  /** Quiet time after the fault heals and the node has caught up, before the next fault. */
  readonly gapMs: number
}

/** Most steps one schedule may hold (a run of the longer tier stays bounded). */
export const FAULT_STEPS_MAX = 64

/** What `createFaultSchedule` needs. */
export interface FaultScheduleOptions {
  readonly seed: number
  readonly steps: number
  readonly nodeCount: number
  /** Kinds to draw from; every kind appears once before any repeats. Default: all. */
  readonly kinds?: readonly FaultKind[]
  /** Nodes a partition may target (those behind a proxy). Default: every node. */
  readonly partitionable?: readonly number[]
  /** Fault length range. Default 1,000..4,000 ms. */
  readonly durationMs?: readonly [number, number]
  /** Gap range. Default 300..1,500 ms. */
  readonly gapMs?: readonly [number, number]
}

/** A small deterministic PRNG (mulberry32) returning floats in [0, 1). */
export function createPRNG(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

function check(ok: boolean, option: string, expected: string, got: unknown): void {
  if (!ok) {
    throw nodeError(
      { code: 'NODE_INVALID_ARGUMENT', option, expected, got: String(got) },
      `${option}: expected ${expected}, got ${String(got)}`,
    )
  }
}

/**
 * Draws a schedule from `seed`: the same seed always gives the same steps. Faults are
 * sequential, so at most one node is faulty at any time.
 */
export function createFaultSchedule(options: FaultScheduleOptions): FaultStep[] {
  const { seed, steps, nodeCount } = options
  const kinds = options.kinds ?? FAULT_KINDS
  const partitionable = options.partitionable ?? [...Array(nodeCount).keys()]
  const [dMin, dMax] = options.durationMs ?? [1_000, 4_000]
  const [gMin, gMax] = options.gapMs ?? [300, 1_500]
  check(Number.isInteger(seed), 'seed', 'an integer', seed)
  check(
    Number.isInteger(steps) && steps >= 0 && steps <= FAULT_STEPS_MAX,
    'steps',
    `0..${FAULT_STEPS_MAX}`,
    steps,
  )
  check(Number.isInteger(nodeCount) && nodeCount >= 4, 'nodeCount', 'an integer >= 4', nodeCount)
  check(kinds.length > 0, 'kinds', 'at least one fault kind', '[]')
  check(
    partitionable.every((n) => Number.isInteger(n) && n >= 0 && n < nodeCount),
    'partitionable',
    `node indexes in 0..${nodeCount - 1}`,
    partitionable.join(','),
  )
  check(
    !kinds.includes('partition') || partitionable.length > 0,
    'partitionable',
    'a node when partitions are drawn',
    '[]',
  )
  check(0 <= dMin && dMin <= dMax, 'durationMs', 'min <= max', `${dMin}..${dMax}`)
  check(0 <= gMin && gMin <= gMax, 'gapMs', 'min <= max', `${gMin}..${gMax}`)
  const rnd = createPRNG(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const range = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1))
  const out: FaultStep[] = []
  let bag: FaultKind[] = []
  for (let i = 0; i < steps; i++) {
    if (bag.length === 0) bag = [...kinds]
    const kind = bag.splice(Math.floor(rnd() * bag.length), 1)[0]!
    const node = kind === 'partition' ? pick(partitionable) : range(0, nodeCount - 1)
    out.push({ kind, node, durationMs: range(dMin, dMax), gapMs: range(gMin, gMax) })
  }
  return out
}
