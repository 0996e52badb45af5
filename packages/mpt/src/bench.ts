/**
 * `@consortia/mpt/bench` — the MPT storage benchmark as a function, so a combined storage benchmark
 * (AMDB vs MPT) can run it and put the figures side by side. `bench/run.ts` prints them as a table.
 *
 * @example
 * ```ts
 * import { benchMPT } from '@consortia/mpt/bench'
 * const figures = await benchMPT({ blocks: 10, rowsPerBlock: 1000 })
 * ```
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLevelKvStore } from '@consortia/kv-level'
import type { HashFn } from './hash.js'
import { createMPTState } from './mpt-state.js'

/** Options of `benchMPT`. */
export interface BenchMPTOptions {
  /** LevelDB directory (default: a new temporary directory, removed afterwards). */
  readonly location?: string
  /** Blocks to commit (default 20). */
  readonly blocks?: number
  /** Storage slot writes per block (default 1,000). */
  readonly rowsPerBlock?: number
  /** Contracts the writes spread over (default 10). */
  readonly contracts?: number
  /** Share of writes that update an existing slot rather than add one, 0..1 (default 0.3). */
  readonly updateShare?: number
  /** Random point reads after the last block (default 10,000). */
  readonly reads?: number
  /** fsync each block commit (default true, as a node does). */
  readonly sync?: boolean
  /** Trie hash (default Keccak-256). */
  readonly hash?: HashFn
  /** PRNG seed (default 1). */
  readonly seed?: number
}

/** What `benchMPT` measured. Times in milliseconds, rates per second. */
export interface BenchMPTResult {
  readonly backend: 'mpt-leveldb'
  readonly blocks: number
  readonly rowsPerBlock: number
  /** Time to apply one block's slot writes to the state (trie updates in memory). */
  readonly writeMsMean: number
  /** Time of `commitBlock` (fold storage roots, one LevelDB batch, fsync if `sync`). */
  readonly commitMsMean: number
  readonly commitMsP50: number
  readonly commitMsP95: number
  /** Slot writes per second, writes and commit included. */
  readonly rowsPerSec: number
  /** Trie nodes written per block (average). */
  readonly nodeWritesPerBlock: number
  /** Random point reads per second on a freshly opened state (node cache empty at the start). */
  readonly readsPerSec: number
  readonly readMsP50: number
  readonly readMsP99: number
  /** LevelDB reads per point read (trie depth that missed the node cache). */
  readonly storeReadsPerRead: number
  /** Size of the LevelDB directory after the run. */
  readonly dbBytes: number
  readonly stateRoot: string
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)
}

function dirBytes(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name))
    total += st.isDirectory() ? dirBytes(join(dir, name)) : st.size
  }
  return total
}

/** A small seeded PRNG (xorshift32), so runs write the same keys. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x
  }
}

function slotBytes(contract: number, index: number): Uint8Array {
  const s = new Uint8Array(32)
  const v = new DataView(s.buffer)
  v.setUint32(24, contract)
  v.setUint32(28, index)
  return s
}

function addressBytes(contract: number): Uint8Array {
  const a = new Uint8Array(20)
  a[0] = 0xc0
  new DataView(a.buffer).setUint32(16, contract)
  return a
}

/**
 * Commits `blocks` blocks of `rowsPerBlock` storage-slot writes to an `MPTState` on LevelDB, then
 * times random point reads on a freshly opened state. Returns the figures; prints nothing.
 */
export async function benchMPT(options: BenchMPTOptions = {}): Promise<BenchMPTResult> {
  const blocks = options.blocks ?? 20
  const rowsPerBlock = options.rowsPerBlock ?? 1000
  const contracts = options.contracts ?? 10
  const updateShare = options.updateShare ?? 0.3
  const readCount = options.reads ?? 10_000
  const temporary = options.location === undefined
  const location = options.location ?? mkdtempSync(join(tmpdir(), 'consortia-bench-mpt-'))
  const rnd = xorshift(options.seed ?? 1)
  const hashInit = options.hash === undefined ? {} : { hash: options.hash }
  const slotsPerContract = new Array<number>(contracts).fill(0)
  const writeMs: number[] = []
  const commitMs: number[] = []
  const nodeWrites: number[] = []
  let stateRoot: Uint8Array = new Uint8Array()

  try {
    const store = await createLevelKvStore({ location })
    const state = await createMPTState({ store, ...hashInit })
    for (let b = 0; b < blocks; b++) {
      const t0 = performance.now()
      for (let r = 0; r < rowsPerBlock; r++) {
        const c = rnd() % contracts
        const existing = slotsPerContract[c]!
        const update = existing > 0 && (rnd() % 1000) / 1000 < updateShare
        const index = update ? rnd() % existing : slotsPerContract[c]!++
        const value = new Uint8Array(32)
        new DataView(value.buffer).setUint32(28, (rnd() % 0xfffffffe) + 1)
        await state.putStorage(addressBytes(c), slotBytes(c, index), value)
      }
      const t1 = performance.now()
      const commit = await state.commitBlock({ sync: options.sync ?? true })
      const t2 = performance.now()
      writeMs.push(t1 - t0)
      commitMs.push(t2 - t1)
      nodeWrites.push(commit.nodeWrites)
      stateRoot = commit.stateRoot
    }
    await store.close()

    const readStore = await createLevelKvStore({ location })
    const reader = await createMPTState({ store: readStore, ...hashInit })
    const readMs: number[] = []
    const tr0 = performance.now()
    for (let i = 0; i < readCount; i++) {
      const c = rnd() % contracts
      const n = slotsPerContract[c]!
      const index = n === 0 ? 0 : rnd() % n
      const t = performance.now()
      await reader.getStorage(addressBytes(c), slotBytes(c, index))
      readMs.push(performance.now() - t)
    }
    const readTotalMs = performance.now() - tr0
    const storeReads = reader.storeReads
    await readStore.close()

    const sortedCommit = [...commitMs].sort((a, b) => a - b)
    const sortedRead = [...readMs].sort((a, b) => a - b)
    const totalMs = writeMs.reduce((a, b) => a + b, 0) + commitMs.reduce((a, b) => a + b, 0)
    return {
      backend: 'mpt-leveldb',
      blocks,
      rowsPerBlock,
      writeMsMean: mean(writeMs),
      commitMsMean: mean(commitMs),
      commitMsP50: percentile(sortedCommit, 50),
      commitMsP95: percentile(sortedCommit, 95),
      rowsPerSec: (blocks * rowsPerBlock * 1000) / totalMs,
      nodeWritesPerBlock: mean(nodeWrites),
      readsPerSec: (readCount * 1000) / readTotalMs,
      readMsP50: percentile(sortedRead, 50),
      readMsP99: percentile(sortedRead, 99),
      storeReadsPerRead: storeReads / Math.max(1, readCount),
      dbBytes: dirBytes(location),
      stateRoot: Buffer.from(stateRoot).toString('hex'),
    }
  } finally {
    if (temporary) rmSync(location, { recursive: true, force: true })
  }
}
