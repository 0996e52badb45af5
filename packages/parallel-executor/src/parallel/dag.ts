/**
 * The transaction DAG of a block (FISCO libblockverifier/TxDAG.cpp): in block order, each
 * transaction depends on the last earlier transaction that shared one of its mutex keys. A
 * transaction without keys is a barrier (after everything before it, before everything after
 * it) in `dag` mode, or runs speculatively with no edges in `optimistic` mode.
 */

/** How the parallel executor schedules transactions without mutex keys. */
export type ParallelMode = 'dag' | 'optimistic'

/** What kind of node a transaction is. */
export const NodeKind = { Keyed: 0, Barrier: 1, Speculative: 2 } as const

/** The DAG of one block. */
export interface TransactionDAG {
  /** `NodeKind` per transaction. */
  readonly kinds: Uint8Array
  /** Number of predecessors per transaction. */
  readonly predecessors: Int32Array
  /** Successors per transaction (undefined: none). */
  readonly successors: readonly (readonly number[] | undefined)[]
  /** Number of edges. */
  readonly edges: number
}

/**
 * Builds the DAG from each transaction's mutex keys (`undefined` or empty: declares nothing).
 * Edges point from the last earlier transaction holding a key, and from the last barrier.
 */
export function buildDAG(
  keys: readonly (readonly string[] | undefined)[],
  mode: ParallelMode,
): TransactionDAG {
  const n = keys.length
  const kinds = new Uint8Array(n)
  const predecessors = new Int32Array(n)
  const successors: (number[] | undefined)[] = new Array(n).fill(undefined)
  let edges = 0
  let last = new Map<string, number>()
  let lastBarrier = -1
  const link = (from: number, to: number) => {
    let list = successors[from]
    if (list === undefined) {
      list = []
      successors[from] = list
    }
    list.push(to)
    predecessors[to] = (predecessors[to] as number) + 1
    edges++
  }
  for (let i = 0; i < n; i++) {
    const k = keys[i]
    if (k === undefined || k.length === 0) {
      if (mode === 'optimistic') {
        kinds[i] = NodeKind.Speculative
        continue
      }
      kinds[i] = NodeKind.Barrier
      lastBarrier = i
      // Everything later depends on the barrier, which comes after everything earlier.
      last = new Map()
      continue
    }
    kinds[i] = NodeKind.Keyed
    const from = new Set<number>()
    if (lastBarrier >= 0) from.add(lastBarrier)
    for (const key of k) {
      const prev = last.get(key)
      // A key listed twice (a transfer to oneself) must not link the transaction to itself.
      if (prev !== undefined && prev !== i) from.add(prev)
      last.set(key, i)
    }
    for (const f of from) link(f, i)
  }
  return { kinds, predecessors, successors, edges }
}
