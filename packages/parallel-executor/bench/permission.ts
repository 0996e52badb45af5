/**
 * Cost of permission enforcement: the workloads of `run.ts` (DagTransfer precompiled
 * transfers, Solidity ERC-20 transfers) on AMDB StorageState over the memory driver, with
 * `permission: false` (no hooks, no governance precompiles), the default FISCO mode and the
 * strict mode. No committee or ACL is configured, so every check passes: the figures are the
 * hooks' own cost (sender and call-target freeze checks, a guarded table view per precompile
 * call, an ACL lookup per SSTORE and table write, manager rows at deploy).
 * Runs of the three configurations are interleaved `reps` times, in rotated order; figures
 * are medians of the measured blocks.
 *
 *   node --conditions=source --import tsx bench/permission.ts [txsPerBlock=2000] [reps=3] [blocks=3]
 */
import { createSerialExecutor, type SerialExecutorInit } from '../src/index.js'
import { type BenchWorkload, benchSuite, median, runWorkload } from './workload.js'

const txsPerBlock = Number(process.argv[2] ?? 2000)
const reps = Number(process.argv[3] ?? 3)
const blocks = Number(process.argv[4] ?? 3)
const workloads: readonly BenchWorkload[] = ['DagTransfer', 'ERC-20']
const configs: readonly { readonly name: string; readonly init: SerialExecutorInit }[] = [
  { name: 'off', init: { permission: false } },
  { name: 'origin', init: {} },
  { name: 'strict', init: { permission: { mode: 'caller' } } },
]

const wall = new Map<string, number[]>()
const cpu = new Map<string, number[]>()
const run = (workload: BenchWorkload, init: SerialExecutorInit, n: number, b: number) =>
  runWorkload({
    executor: (tables) => createSerialExecutor(init, { crypto: benchSuite, tables }),
    state: 'StorageState/memory',
    workload,
    txsPerBlock: n,
    blocks: b,
  })

console.log(
  `permission enforcement: ${txsPerBlock} transactions per block, ${blocks} measured blocks × ${reps} runs (Node ${process.version})`,
)
for (const workload of workloads) for (const c of configs) await run(workload, c.init, 500, 2) // JIT warm-up
for (let rep = 0; rep < reps; rep++) {
  for (const workload of workloads) {
    // Rotated each run, so no configuration always runs first (or right after another).
    for (const c of configs.map((_, i) => configs[(i + rep) % configs.length] ?? configs[0])) {
      if (c === undefined) continue
      const timings = await run(workload, c.init, txsPerBlock, blocks + 1)
      const key = `${workload}|${c.name}`
      for (const t of timings.slice(1)) {
        wall.set(key, [...(wall.get(key) ?? []), txsPerBlock / (t.execMs / 1000)])
        cpu.set(key, [...(cpu.get(key) ?? []), txsPerBlock / (t.cpuMs / 1000)])
      }
    }
  }
}
const fmt = (v: number) => Math.round(v).toLocaleString('en-US').padStart(9)
console.log(
  `${'workload'.padEnd(12)} ${'permission'.padEnd(10)} ${'tx/s'.padStart(9)} ${'tx/CPU-s'.padStart(9)}  vs off`,
)
for (const workload of workloads) {
  const off = median(wall.get(`${workload}|off`) ?? [])
  for (const c of configs) {
    const w = median(wall.get(`${workload}|${c.name}`) ?? [])
    const u = median(cpu.get(`${workload}|${c.name}`) ?? [])
    console.log(`${workload.padEnd(12)} ${c.name.padEnd(10)} ${fmt(w)} ${fmt(u)}  ${(w / off).toFixed(2)}×`)
  }
}
