/**
 * `@consortia/amdb/bench` — AMDB storage benchmarks as functions, so a combined storage benchmark
 * (AMDB vs MPT, the workspace's `bench/storage.ts`) can run them next to `benchMPT` of
 * `@consortia/mpt/bench` and print the figures side by side. `bench/run.ts` prints them as a table.
 *
 * - `benchAMDB`: 1,000-row table blocks (insert, dbHash, commit) and random point reads.
 * - `benchStorageState`: the EVM state workload of `benchMPT` (storage slot writes spread over
 *   contracts, some updates, random slot reads) on AMDB StorageState.
 */
import { createHash } from 'node:crypto'
import { type AMDBTable, createAMDB, createStorageState, type HashFn, type StorageDriver } from './index.js'

/** Options of `benchAMDB`. */
export interface AMDBBenchOptions {
  /** Blocks to commit (default 20). */
  readonly blocks?: number
  /** New rows per block (default 1,000). */
  readonly rowsPerBlock?: number
  /** Random point reads after loading (default 10,000). */
  readonly reads?: number
  /** Bytes of each row's value field (default 64). */
  readonly valueBytes?: number
  /** Read cache of the AMDB (default 0: every read reaches the driver). */
  readonly cacheBytesMax?: number
  /** Hash for the dbHash (default SHA-256 from node:crypto). */
  readonly hash?: HashFn
  /** Seed of the read pattern (default 1). */
  readonly seed?: number
}

/** What a benchmark measured. Times in milliseconds, rates per second. */
export interface AMDBBenchResult {
  readonly backend: string
  readonly blocks: number
  readonly rowsPerBlock: number
  /** Time to apply one block's writes to the change set, dbHash included. */
  readonly writeMsMean: number
  /** Time of the block commit (id assignment and the driver's atomic write). */
  readonly commitMsMean: number
  readonly commitMsP50: number
  readonly commitMsP95: number
  /** Rows (or slots) written per second, writes and commit included. */
  readonly rowsPerSec: number
  readonly reads: number
  /** Random point reads per second, each in a change set that has not read the key before. */
  readonly readsPerSec: number
  readonly readMsP50: number
  readonly readMsP99: number
}

const sha256: HashFn = (d) => new Uint8Array(createHash('sha256').update(d).digest())

// A small xorshift so patterns repeat run to run without a dependency.
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

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
}
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)

function summarize(
  backend: string,
  blocks: number,
  rowsPerBlock: number,
  writeMs: number[],
  commitMs: number[],
  readMs: number[],
  readTotalMs: number,
): AMDBBenchResult {
  const commits = [...commitMs].sort((a, b) => a - b)
  const reads = [...readMs].sort((a, b) => a - b)
  const totalMs = writeMs.reduce((a, b) => a + b, 0) + commitMs.reduce((a, b) => a + b, 0)
  return {
    backend,
    blocks,
    rowsPerBlock,
    writeMsMean: mean(writeMs),
    commitMsMean: mean(commitMs),
    commitMsP50: percentile(commits, 50),
    commitMsP95: percentile(commits, 95),
    rowsPerSec: (blocks * rowsPerBlock) / (totalMs / 1000),
    reads: readMs.length,
    readsPerSec: readMs.length / (readTotalMs / 1000),
    readMsP50: percentile(reads, 50),
    readMsP99: percentile(reads, 99),
  }
}

// A new change set every 1,000 reads, so reads keep reaching the driver (or the cache).
const READS_PER_CHANGE_SET = 1000

/**
 * AMDB tables on a driver: commits `blocks` blocks of `rowsPerBlock` new rows (table `u_bench`,
 * one key per row), then times `reads` random point reads of those rows. The driver should be
 * empty; it is closed at the end.
 */
export async function benchAMDB(
  driver: StorageDriver,
  options: AMDBBenchOptions = {},
): Promise<AMDBBenchResult> {
  const blocks = options.blocks ?? 20
  const rowsPerBlock = options.rowsPerBlock ?? 1000
  const reads = options.reads ?? 10_000
  const value = 'v'.repeat(options.valueBytes ?? 64)
  const amdb = createAMDB({ driver, hash: options.hash ?? sha256, cacheBytesMax: options.cacheBytesMax ?? 0 })
  const first = (await amdb.committedHeight()) + 1
  const writeMs: number[] = []
  const commitMs: number[] = []
  for (let b = 0; b < blocks; b++) {
    const w0 = performance.now()
    const block = await amdb.openBlock()
    if ((await block.openTable('u_bench')) === undefined) {
      await block.createTable({ name: 'u_bench', keyField: 'k', valueFields: ['v', 'owner'] })
    }
    const table = await block.openTableOrThrow('u_bench')
    for (let i = 0; i < rowsPerBlock; i++) {
      await table.insert(`key-${block.number}-${i}`, { v: value, owner: `o${i % 97}` })
    }
    block.hash()
    const c0 = performance.now()
    await block.commit()
    commitMs.push(performance.now() - c0)
    writeMs.push(c0 - w0)
  }

  const next = xorshift(options.seed ?? 1)
  const readMs: number[] = []
  let found = 0
  let table: AMDBTable | undefined
  const r0 = performance.now()
  for (let r = 0; r < reads; r++) {
    if (r % READS_PER_CHANGE_SET === 0) table = await (await amdb.openBlock()).openTableOrThrow('u_bench')
    const key = `key-${first + (next() % blocks)}-${next() % rowsPerBlock}`
    const t0 = performance.now()
    found += (await table!.select(key)).length
    readMs.push(performance.now() - t0)
  }
  const readTotalMs = performance.now() - r0
  if (found !== reads) throw new Error(`bench read ${found} rows, expected ${reads}`)
  await amdb.close()
  return summarize(`amdb-${driver.name}`, blocks, rowsPerBlock, writeMs, commitMs, readMs, readTotalMs)
}

/** Options of `benchStorageState`. */
export interface StorageStateBenchOptions extends AMDBBenchOptions {
  /** Contracts the slot writes spread over (default 10). */
  readonly contracts?: number
  /** Share of writes that update an existing slot rather than add one, 0..1 (default 0.3). */
  readonly updateShare?: number
  /**
   * StorageState's `readBeforeWrite` (default false): true reads each slot before writing it,
   * the path before `AMDBTable.set`, for before/after figures.
   */
  readonly readBeforeWrite?: boolean
}

/**
 * AMDB StorageState on a driver, with the workload of `@consortia/mpt/bench` `benchMPT`: per
 * block, `rowsPerBlock` 32-byte storage writes spread over `contracts` contracts (a share of them
 * updates of earlier slots), dbHash, commit; then `reads` random `getStorage` of written slots.
 */
export async function benchStorageState(
  driver: StorageDriver,
  options: StorageStateBenchOptions = {},
): Promise<AMDBBenchResult> {
  const blocks = options.blocks ?? 20
  const rowsPerBlock = options.rowsPerBlock ?? 1000
  const reads = options.reads ?? 10_000
  const contracts = options.contracts ?? 10
  const updateShare = options.updateShare ?? 0.3
  const readBeforeWrite = options.readBeforeWrite ?? false
  const hash = options.hash ?? sha256
  const amdb = createAMDB({ driver, hash, cacheBytesMax: options.cacheBytesMax ?? 0 })
  const next = xorshift(options.seed ?? 1)
  const address = (c: number) => {
    const a = new Uint8Array(20)
    a[0] = 0xc0
    a[18] = c >> 8
    a[19] = c & 0xff
    return a
  }
  const slotOf = (n: number) => {
    const s = new Uint8Array(32)
    new DataView(s.buffer).setUint32(28, n)
    return s
  }
  const written: [number, number][] = []
  let nextSlot = 0
  const writeMs: number[] = []
  const commitMs: number[] = []
  for (let b = 0; b < blocks; b++) {
    const w0 = performance.now()
    const block = await amdb.openBlock()
    const state = createStorageState({ tables: block, hash, readBeforeWrite })
    for (let i = 0; i < rowsPerBlock; i++) {
      const update = written.length > 0 && next() % 1000 < updateShare * 1000
      const [c, s] = update ? written[next() % written.length]! : [next() % contracts, nextSlot++]
      if (!update) written.push([c, s])
      const value = new Uint8Array(32)
      value[0] = 1
      new DataView(value.buffer).setUint32(28, next())
      await state.putStorage(address(c), slotOf(s), value)
    }
    await state.stateRoot()
    const c0 = performance.now()
    await block.commit()
    commitMs.push(performance.now() - c0)
    writeMs.push(c0 - w0)
  }

  const readMs: number[] = []
  let state = createStorageState({ tables: await amdb.openBlock(), hash })
  const r0 = performance.now()
  for (let r = 0; r < reads; r++) {
    if (r % READS_PER_CHANGE_SET === 0 && r > 0)
      state = createStorageState({ tables: await amdb.openBlock(), hash })
    const [c, s] = written[next() % written.length]!
    const t0 = performance.now()
    const value = await state.getStorage(address(c), slotOf(s))
    readMs.push(performance.now() - t0)
    if (value.length !== 32) throw new Error(`bench read a ${value.length}-byte slot, expected 32`)
  }
  const readTotalMs = performance.now() - r0
  await amdb.close()
  const backend = `state-${driver.name}${readBeforeWrite ? '-read-before-write' : ''}`
  return summarize(backend, blocks, rowsPerBlock, writeMs, commitMs, readMs, readTotalMs)
}
