/**
 * Parallel execution throughput against serial execution, in one run: blocks of
 * `txsPerBlock` (default 10,000) DagTransfer `userTransfer`s and of ParallelOk-style Solidity
 * `transfer(string,string,uint256)`s (registered through ParallelConfig 0x1006 with
 * criticalSize 2), at conflict rates 0%, 10% and 50% (that share of the transactions moves
 * between the same two users; the rest use users no other transaction of the block uses),
 * executed serially (`createSerialExecutor`) and by `createParallelExecutor` in dag mode with
 * 1, 2, 4, 8 and 16 lanes (`workers`: the main thread plus `workers - 1` worker threads; 1 is
 * the serial path). It prints the share of transactions the main lane executed itself.
 * Besides wall-clock ratios it prints CPU µs per transaction of the main thread, of the
 * worker threads (the busiest threads besides the main one, from /proc/self/task/<tid>/stat)
 * and of the process's other threads (V8's platform pool: concurrent and parallel garbage
 * collection, background compilation).
 *
 * "CPU ceiling" is the most any executor with that many lanes could reach on this machine
 * against the serial run: min(lanes, CPUs) × the serial run's wall time ÷ its CPU time over all
 * threads. Serial execution already keeps more than one core busy (the main thread plus V8's
 * helper threads), and a parallel run normally does the same work (the same executor code on
 * each transaction) plus the hand-over to and from its workers: a speed-up near the ceiling
 * means an overhead near zero. It is an estimate, not a bound: a run whose threads spend less
 * CPU than the serial run did (smaller heaps per worker, a serial run that paid for a colder
 * state) can pass it.
 *
 * One chain (AMDB StorageState over the memory driver) holds the users. Each executor runs the
 * block `warmup + reps` times as consecutive, committed blocks of the chain (balances are large
 * enough): the first `warmup` (default 1) are not measured (JIT, worker start, worker caches
 * filling: the steady state is a chain whose blocks touch the same accounts). Each worker is a
 * V8 isolate of its own that compiles everything again and runs only its share of the
 * transactions, so workers take several blocks to reach steady state: `--warmup=4` at 1,500
 * transactions per block. Figures: median wall-clock tx/s of
 * `execute` (receipts and the block's dbHash included; the commit is not timed) and its
 * ratio to the serial executor on the same block.
 *
 *   node --conditions=source --import tsx bench/parallel.ts [txsPerBlock=10000] [reps=2]
 *     [--workload=DagTransfer|ParallelOk] [--workers=1,2,4,8,16] [--conflicts=0,10,50]
 *     [--warmup=1] [--main-lane=auto,always,never]
 *     [--profile=FILE]   (CPU profile of the main thread in the measured parallel blocks)
 *     [--per-block]      (also list every measured parallel block: path, main lane, fetched)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { availableParallelism, loadavg } from 'node:os'
import { createAMDB, createMemoryDriver, createStorageState, type TableFactory } from '@consortia/amdb'
import type { Executor, SignedTransaction } from '@consortia/interface'
import { encodeDeployData, encodeFunctionData, parseAbi } from 'viem'
import { numberToAddress } from '../src/bytes.js'
import {
  createParallelExecutor,
  createSerialExecutor,
  type MainLane,
  type ParallelBlockStats,
  type ParallelExecutor,
} from '../src/index.js'
import { PARALLEL_SOL } from '../test/helpers/contracts.js'
import { compile } from '../test/helpers/solc.js'
import { benchSuite, median } from './workload.js'

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const txsPerBlock = Number(positional[0] ?? 10_000)
const reps = Number(positional[1] ?? 2)
const workerCounts = (flag('workers') ?? '1,2,4,8,16').split(',').map(Number)
const conflicts = (flag('conflicts') ?? '0,10,50').split(',').map(Number)
const warmup = Number(flag('warmup') ?? 1)
/**
 * `--main-lane=auto,never`: one parallel executor per lane count and main-lane setting (default
 * `auto`); `never` with `--workers=3` is the previous release's 2 worker threads, the main thread
 * only merging: an A/B in one process.
 */
const mainLanes = (flag('main-lane') ?? 'auto').split(',') as MainLane[]
/**
 * `--per-block`: also lists every measured parallel block (its path, the main lane's share and
 * the values its workers fetched), to see what `auto` chose block by block.
 */
const perBlock = process.argv.includes('--per-block')
const blockLines: string[] = []
/** One row of the `--per-block` list. */
function blockLine(
  workload: string,
  conflict: number,
  lanes: number,
  lane: MainLane,
  time: BlockTime,
  s: ParallelBlockStats | undefined,
): string {
  const path = ranParallel(s) === undefined ? 'serial' : 'parallel'
  return `| ${workload} | ${conflict}% | ${lanes} lanes, ${lane} | ${rate(time.ms)} | ${path} | ${laneShare(s)} | ${s?.fetched ?? ''} |`
}
/** Transactions per second of a block of `txsPerBlock` that took `ms`, as printed. */
function rate(ms: number): string {
  return Math.round((txsPerBlock / ms) * 1000).toLocaleString('en-US')
}
/** The block's statistics when it ran in parallel; `undefined` when it took the serial path. */
function ranParallel(s: ParallelBlockStats | undefined): ParallelBlockStats | undefined {
  return s === undefined || s.workers === 0 ? undefined : s
}
/** The share of the block the main lane executed by choice (100% on the serial path). */
function laneShare(s: ParallelBlockStats | undefined): string {
  const p = ranParallel(s)
  return p === undefined ? '100%' : `${((100 * p.onMain) / p.transactions).toFixed(0)}%`
}
/** `--profile=FILE`: a V8 CPU profile of the main thread during the measured parallel blocks. */
const profileOut = flag('profile')
const profiler = profileOut === undefined ? undefined : new Session()
profiler?.connect()
await profiler?.post('Profiler.enable')
const workloads = (['DagTransfer', 'ParallelOk'] as const).filter(
  (w) => flag('workload') === undefined || flag('workload') === w,
)

const DAG = parseAbi([
  'function userAdd(string, uint256) returns (int256)',
  'function userTransfer(string, string, uint256) returns (int256)',
])
const dagAddress = numberToAddress(0x5002)
const alice = numberToAddress(0xa11ce)
let nonce = 0n
function tx(to: Uint8Array | null, data: `0x${string}`): SignedTransaction {
  nonce++
  const bytes = Uint8Array.from(Buffer.from(data.slice(2), 'hex'))
  return {
    tx: {
      format: 'rc2',
      nonce,
      gasPrice: 0n,
      gas: 0n,
      blockLimit: 900n,
      to,
      value: 0n,
      data: bytes,
      chainId: 1n,
      groupId: 1n,
      extraData: new Uint8Array(),
      signature: { kind: 'ecdsa', v: 27, r: 1n, s: 1n },
    },
    raw: bytes,
    hash: benchSuite.hash(new Uint8Array([...bytes, Number(nonce & 255n), Number((nonce >> 8n) & 255n)])),
    sender: alice,
  }
}
const ctx = (number: number) => ({
  number,
  timestamp: number * 1000,
  gasLimit: 0n,
  parentHash: new Uint8Array(32),
  sealer: new Uint8Array(20),
})

const users = Array.from({ length: 2 * txsPerBlock + 2 }, (_, i) => (i < 2 ? `hot${i}` : `u${i}`))
const parallelOk = compile({ 'ParallelOk.sol': PARALLEL_SOL }).ParallelOk
if (parallelOk === undefined) throw new Error('bench: ParallelOk did not compile')

const driver = createMemoryDriver()
const amdb = createAMDB({ driver, hash: benchSuite.hash })
let block: TableFactory = await amdb.openBlock()
const setupExecutor = createSerialExecutor({}, { crypto: benchSuite, tables: () => block })
const setup = async (number: number, txs: SignedTransaction[]) => {
  const r = await setupExecutor.execute(
    ctx(number),
    txs,
    createStorageState({ tables: block, hash: benchSuite.hash }),
  )
  if (r.receipts.some((x) => x.status !== 0)) throw new Error(`bench: setup block ${number} failed`)
  await block.commit()
  block = await amdb.openBlock()
  return r
}
console.log(`setting up ${users.length} users in DagTransfer and ParallelOk…`)
const deployed = await setup(1, [
  tx(null, encodeDeployData({ abi: parallelOk.abi, bytecode: parallelOk.bytecode })),
])
const tokenAddress = deployed.receipts[0]?.contractAddress as Uint8Array
const call = (functionName: string, args: readonly unknown[]) =>
  tx(tokenAddress, encodeFunctionData({ abi: parallelOk.abi, functionName, args }))
await setup(2, [
  call('enableParallel', []),
  ...(workloads.includes('DagTransfer')
    ? users.map((u) =>
        tx(dagAddress, encodeFunctionData({ abi: DAG, functionName: 'userAdd', args: [u, 10n ** 12n] })),
      )
    : []),
  ...(workloads.includes('ParallelOk') ? users.map((u) => call('set', [u, 10n ** 12n])) : []),
])

function blockOf(workload: (typeof workloads)[number], conflictPercent: number): SignedTransaction[] {
  let cold = 2
  return Array.from({ length: txsPerBlock }, (_, i) => {
    const hot = i % 100 < conflictPercent
    const from = hot ? (i % 2 === 0 ? 'hot0' : 'hot1') : (users[cold++] as string)
    const to = hot ? (i % 2 === 0 ? 'hot1' : 'hot0') : (users[cold++] as string)
    return workload === 'DagTransfer'
      ? tx(dagAddress, encodeFunctionData({ abi: DAG, functionName: 'userTransfer', args: [from, to, 1n] }))
      : call('transfer', [from, to, 1n])
  })
}

/**
 * CPU milliseconds the main thread has used (Linux: /proc/self/task/<pid>/stat, in clock ticks
 * of 10 ms), or NaN elsewhere. Unlike wall time it hardly depends on other load on the machine.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return Number.NaN
  }
}

/**
 * CPU ms of every thread of the process by thread id (Linux: /proc/self/task/<tid>/stat), or
 * an empty map elsewhere. Worker threads are found as the busiest threads besides the main one.
 */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>()
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        out.set(tid, (Number(fields[11]) + Number(fields[12])) * 10)
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    // Not Linux.
  }
  return out
}

interface BlockTime {
  /** Wall ms of `execute`. */
  readonly ms: number
  /** Main-thread CPU ms during `execute`. */
  readonly mainCpuMs: number
  /** CPU ms of every thread of the process during `execute`. */
  readonly cpuMs: number
  /** CPU ms of the busiest threads other than the main one (the workers), busiest first. */
  readonly threadsCpuMs: readonly number[]
}

let height = 3
/** Executes `txs` as the chain's next block and commits it; times `execute`. */
async function timeBlock(executor: Executor, txs: SignedTransaction[]): Promise<BlockTime> {
  const threads0 = threadCpuMs()
  const main0 = mainThreadCpuMs()
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const r = await executor.execute(
    ctx(height++),
    txs,
    createStorageState({ tables: block, hash: benchSuite.hash }),
  )
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const mainCpuMs = mainThreadCpuMs() - main0
  const threadsCpuMs = [...threadCpuMs()]
    .filter(([tid]) => tid !== String(process.pid))
    .map(([tid, ms]) => ms - (threads0.get(tid) ?? 0))
    .filter((ms) => ms > 0)
    .sort((a, b) => b - a)
  await block.commit()
  block = await amdb.openBlock()
  if (r.receipts.some((x) => x.status !== 0)) throw new Error('bench: a transfer failed')
  return { ms, mainCpuMs, cpuMs: (cpu.user + cpu.system) / 1000, threadsCpuMs }
}

/**
 * Median wall ms, main-thread CPU µs per transaction, all-thread CPU µs per transaction, the
 * CPU µs per transaction of the `workers` busiest other threads (summed) and of the rest.
 */
function summary(
  times: readonly BlockTime[],
  workers = 0,
): { ms: number; cpuMs: number; mainUs: string; cpuUs: string; workersUs: string; othersUs: string } {
  const us = (v: number) => (Number.isNaN(v) ? 'n/a' : ((v * 1000) / txsPerBlock).toFixed(1))
  const sum = (list: readonly number[]) => list.reduce((a, b) => a + b, 0)
  const workersMs = (t: BlockTime) => sum(t.threadsCpuMs.slice(0, workers))
  return {
    ms: median(times.map((t) => t.ms)),
    cpuMs: median(times.map((t) => t.cpuMs)),
    mainUs: us(median(times.map((t) => t.mainCpuMs))),
    cpuUs: us(median(times.map((t) => t.cpuMs))),
    workersUs: workers === 0 ? '' : us(median(times.map(workersMs))),
    othersUs: us(median(times.map((t) => sum(t.threadsCpuMs.slice(workers))))),
  }
}

const serial = createSerialExecutor({}, { crypto: benchSuite, tables: () => block })
const parallel: { w: number; lane: MainLane; executor: ParallelExecutor }[] = []
for (const w of workerCounts) {
  for (const lane of w === 1 ? (['auto'] as const) : mainLanes) {
    const executor = createParallelExecutor(
      { workers: w, mode: 'dag', mainLane: lane },
      { crypto: benchSuite, tables: () => block },
    )
    parallel.push({ w, lane, executor })
  }
}

console.log(
  `\nparallel execution: ${txsPerBlock} transactions per block, median of ${reps} measured runs after ${warmup} warm-up run(s) per executor; ` +
    `Node ${process.version}, ${availableParallelism()} CPUs, load average ${loadText()}\n`,
)
console.log(
  '| workload | conflict | executor | tx/s | vs serial | main-thread CPU µs/tx | worker threads CPU µs/tx | other threads CPU µs/tx | CPU µs/tx, all threads | merged | conflicts | main lane | run on main | fetched | CPU ceiling |',
)
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for (const workload of workloads) {
  for (const c of conflicts) {
    const txs = blockOf(workload, c)
    for (let k = 0; k < warmup; k++) await timeBlock(serial, txs)
    const base = summary(await repeat(() => timeBlock(serial, txs)))
    const serialMs = base.ms
    /** The most `lanes` lanes can gain on this machine over the serial run (see the header). */
    const ceiling = (lanes: number) =>
      `${((Math.min(lanes, availableParallelism()) * serialMs) / base.cpuMs).toFixed(2)}×`
    console.log(
      `| ${workload} | ${c}% | serial | ${rate(serialMs)} | 1.00× | ${base.mainUs} | | ${base.othersUs} | ${base.cpuUs} | | | | | | ${ceiling(1)} |`,
    )
    for (const { w, lane: mainLane, executor } of parallel) {
      for (let k = 0; k < warmup; k++) await timeBlock(executor, txs)
      await profiler?.post('Profiler.start')
      const t = summary(
        await repeat(async () => {
          const time = await timeBlock(executor, txs)
          if (perBlock) blockLines.push(blockLine(workload, c, w, mainLane, time, executor.lastBlock))
          return time
        }),
        w - 1,
      )
      const ms = t.ms
      if (profiler !== undefined) {
        const { profile } = await profiler.post('Profiler.stop')
        writeFileSync(`${profileOut}.${workload}-${c}-${w}-${mainLane}.cpuprofile`, JSON.stringify(profile))
      }
      const s = executor.lastBlock
      // "run on main" adds barriers, conflicts and fallbacks to the main lane's share (all of
      // them on the serial path).
      const lane = laneShare(s)
      const p = ranParallel(s)
      const mainThread = p === undefined ? 'all' : String(p.onMain + p.conflicts + p.fallbacks + p.barriers)
      console.log(
        `| ${workload} | ${c}% | ${w} lane${w === 1 ? ' (serial path)' : `s (${w - 1} thread${w === 2 ? '' : 's'}${mainLane === 'auto' ? '' : `, main lane ${mainLane}`})`} | ${rate(ms)} | ${(serialMs / ms).toFixed(2)}× | ${t.mainUs} | ${t.workersUs} | ${t.othersUs} | ${t.cpuUs} | ${s?.merged ?? ''} | ${s?.conflicts ?? ''} | ${lane} | ${mainThread} | ${s?.fetched ?? ''} | ${ceiling(w)} |`,
      )
    }
  }
}
if (perBlock) {
  console.log('\nmeasured blocks one by one (`--per-block`):\n')
  console.log('| workload | conflict | executor | tx/s | path | main lane | fetched |')
  console.log('|---|---|---|---|---|---|---|')
  for (const line of blockLines) console.log(line)
}
console.log(`\nload average at the end: ${loadText()}`)
for (const { executor } of parallel) await executor.close()
await amdb.close()

function loadText(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')
}

async function repeat(fn: () => Promise<BlockTime>): Promise<BlockTime[]> {
  const out: BlockTime[] = []
  for (let i = 0; i < reps; i++) out.push(await fn())
  return out
}
