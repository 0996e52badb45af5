/**
 * Serial execution throughput: DagTransfer precompiled transfers and Solidity ERC-20
 * transfers on AMDB StorageState (memory and LevelDB drivers) and MPT state over LevelDB,
 * each through two executor set-ups:
 *
 * - `default`: precompile transactions run directly in the precompile framework, state
 *   reads are cached per block (what `createSerialExecutor` does by default);
 * - `EVM path`: `precompiledFastPath: false, stateCacheEntriesMax: 0`, every transaction
 *   enters the EVM and every read goes to the StateView (the receipts are identical).
 *
 * After one short unmeasured run of every configuration (JIT warm-up), each run opens a fresh
 * database, executes a setup block (1,000 DagTransfer users and the token), one warm-up block,
 * then `blocks` measured blocks. Runs of all configurations are interleaved `reps` times so a machine shared with other work slows them alike. Figures
 * are medians over every measured block: wall-clock rate of `execute` (receipts and block
 * state root included), the rate per CPU-second of the process (all threads: less
 * sensitive to other load), and the rate including the block commit. With the ERC-20 workload
 * it also times the reference point in the same runs: the same transfers through bare
 * @ethereumjs/evm `runCall` on its in-memory SimpleStateManager.
 *
 *   node --conditions=source --import tsx bench/run.ts [txsPerBlock=2000] [reps=3] [blocks=3]
 *     [--state=StorageState/LevelDB] [--workload=DagTransfer|ERC-20]
 */
import { loadavg } from 'node:os'
import { createSerialExecutor, type SerialExecutorInit } from '../src/index.js'
import {
  type BenchState,
  type BenchWorkload,
  benchSuite,
  median,
  runEthereumjsReference,
  runWorkload,
} from './workload.js'

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const flag = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? undefined
const txsPerBlock = Number(positional[0] ?? 2000)
const reps = Number(positional[1] ?? 3)
const blocks = Number(positional[2] ?? 3)

const states: readonly BenchState[] = (
  ['StorageState/memory', 'StorageState/LevelDB', 'MPTState/LevelDB'] as const
).filter((s) => flag('state') === undefined || flag('state') === s)
const workloads: readonly BenchWorkload[] = (['DagTransfer', 'ERC-20'] as const).filter(
  (w) => flag('workload') === undefined || flag('workload') === w,
)
const paths: readonly { readonly name: string; readonly init: SerialExecutorInit }[] = [
  { name: 'default', init: {} },
  { name: 'EVM path', init: { precompiledFastPath: false, stateCacheEntriesMax: 0 } },
]

interface Sample {
  wall: number[]
  cpu: number[]
  commit: number[]
}
const samples = new Map<string, Sample>()
const keyOf = (s: string, w: string, p: string) => `${s}|${w}|${p}`

console.log(
  `serial execution: ${txsPerBlock} transactions per block, ${blocks} measured blocks × ${reps} runs per configuration (Node ${process.version}), load average ${loadText()}`,
)
// JIT warm-up: one short run of every configuration first, not measured, so the first
// configuration measured does not pay for compiling the code they share.
for (const state of states) {
  for (const workload of workloads) {
    for (const path of paths) {
      await runWorkload({
        executor: (tables) => createSerialExecutor(path.init, { crypto: benchSuite, tables }),
        state,
        workload,
        txsPerBlock: Math.min(txsPerBlock, 500),
        blocks: 2,
      })
    }
  }
}
const withReference = workloads.includes('ERC-20')
const reference: number[] = []
const referenceCpu: number[] = []
if (withReference) await runEthereumjsReference({ txsPerBlock: Math.min(txsPerBlock, 500), blocks: 2 })
for (let rep = 0; rep < reps; rep++) {
  if (withReference) {
    const timings = await runEthereumjsReference({ txsPerBlock, blocks: blocks + 1 })
    for (const t of timings.slice(1)) {
      reference.push(txsPerBlock / (t.execMs / 1000))
      referenceCpu.push(txsPerBlock / (t.cpuMs / 1000))
    }
  }
  for (const state of states) {
    for (const workload of workloads) {
      for (const path of paths) {
        const timings = await runWorkload({
          executor: (tables) => createSerialExecutor(path.init, { crypto: benchSuite, tables }),
          state,
          workload,
          txsPerBlock,
          blocks: blocks + 1,
        })
        const sample = samples.get(keyOf(state, workload, path.name)) ?? { wall: [], cpu: [], commit: [] }
        for (const t of timings.slice(1)) {
          sample.wall.push(txsPerBlock / (t.execMs / 1000))
          sample.cpu.push(txsPerBlock / (t.cpuMs / 1000))
          sample.commit.push(txsPerBlock / ((t.execMs + t.commitMs) / 1000))
        }
        samples.set(keyOf(state, workload, path.name), sample)
      }
    }
  }
}

const fmt = (v: number) => Math.round(v).toLocaleString('en-US').padStart(9)
console.log(
  `${'state'.padEnd(21)} ${'workload'.padEnd(12)} ${'path'.padEnd(9)} ${'tx/s'.padStart(9)} ${'tx/CPU-s'.padStart(9)} ${'+commit'.padStart(9)}  speed-up`,
)
const result = new Map<string, number>()
for (const state of states) {
  for (const workload of workloads) {
    const base = median(samples.get(keyOf(state, workload, 'EVM path'))?.wall ?? [])
    for (const path of paths) {
      const s = samples.get(keyOf(state, workload, path.name)) as Sample
      const wall = median(s.wall)
      result.set(keyOf(state, workload, path.name), wall)
      console.log(
        `${state.padEnd(21)} ${workload.padEnd(12)} ${path.name.padEnd(9)} ${fmt(wall)} ${fmt(median(s.cpu))} ${fmt(median(s.commit))}  ${(wall / base).toFixed(2)}×`,
      )
    }
  }
}
if (withReference) {
  const ref = median(reference)
  console.log(
    `${'bare @ethereumjs/evm'.padEnd(21)} ${'ERC-20'.padEnd(12)} ${'reference'.padEnd(9)} ${fmt(ref)} ${fmt(median(referenceCpu))}`,
  )
  for (const state of states) {
    const erc20 = result.get(keyOf(state, 'ERC-20', 'default'))
    if (erc20 !== undefined)
      console.log(`ERC-20 default on ${state} / bare ethereumjs: ${(erc20 / ref).toFixed(2)}×`)
  }
}
const dag = result.get(keyOf('StorageState/LevelDB', 'DagTransfer', 'default'))
const erc = result.get(keyOf('StorageState/LevelDB', 'ERC-20', 'default'))
if (dag !== undefined)
  console.log(`target DagTransfer ≥ 50,000 tx/s (StorageState/LevelDB): ${(dag / 50_000).toFixed(2)}×`)
if (erc !== undefined)
  console.log(`target ERC-20 ≥ 2,500 tx/s (StorageState/LevelDB): ${(erc / 2_500).toFixed(2)}×`)

console.log(`load average at the end: ${loadText()}`)

function loadText(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')
}
