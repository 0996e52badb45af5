/**
 * A/B of serial execution: an earlier version of this package (and of @consortia/amdb) against
 * the working tree, in ONE process, runs interleaved (before, after, after, before, ...), so a
 * machine shared with other work slows both alike. Prints the median wall-clock rate, the
 * rate per CPU-second of the process (less sensitive to other load) and the load average; with
 * the ERC-20 workload also the bare @ethereumjs/evm reference of bench/run.ts in the same runs.
 *
 * The earlier version is a copy of its sources inside this package's node_modules (so its
 * imports resolve to the same dependencies), with its AMDB imports pointed at its own AMDB:
 *
 *   B=node_modules/.ab-before && mkdir -p $B && echo '{"type":"module"}' > $B/package.json
 *   git -C ../.. archive <rev> packages/amdb/src packages/parallel-executor/src \
 *     packages/parallel-executor/bench packages/parallel-executor/test/helpers | tar -x -C $B
 *   grep -rl "'@consortia/amdb'" $B/packages/parallel-executor | xargs sed -i \
 *     "s#'@consortia/amdb'#'$(realpath $B/packages/amdb/src/index.ts)'#"
 *   ln -s $(realpath ../amdb/node_modules/mysql2) $B/node_modules/mysql2   # (mkdir -p $B/node_modules)
 *
 *   node --conditions=source --import tsx bench/ab.ts [txsPerBlock=2000] [reps=3] [blocks=3]
 *     [--state=StorageState/LevelDB] [--workload=DagTransfer|ERC-20] [--before=node_modules/.ab-before]
 */
import { loadavg } from 'node:os'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as afterExecutor from '../src/index.js'
import * as afterWorkload from './workload.js'

type Executor = typeof afterExecutor
type Workload = typeof afterWorkload

const args = process.argv.slice(2)
const positional = args.filter((a) => !a.startsWith('--'))
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const txsPerBlock = Number(positional[0] ?? 2000)
const reps = Number(positional[1] ?? 3)
const blocks = Number(positional[2] ?? 3)
const state = (flag('state') ?? 'StorageState/LevelDB') as afterWorkload.BenchState
const workload = (flag('workload') ?? 'DagTransfer') as afterWorkload.BenchWorkload
const beforeDir = resolve(flag('before') ?? 'node_modules/.ab-before', 'packages/parallel-executor')

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')
const variants: { name: string; executor: Executor; workload: Workload }[] = [
  {
    name: 'before',
    executor: (await import(pathToFileURL(`${beforeDir}/src/index.ts`).href)) as Executor,
    workload: (await import(pathToFileURL(`${beforeDir}/bench/workload.ts`).href)) as Workload,
  },
  { name: 'after', executor: afterExecutor, workload: afterWorkload },
]

function run(v: (typeof variants)[number], txs: number, count: number) {
  return v.workload.runWorkload({
    executor: (tables) => v.executor.createSerialExecutor({}, { crypto: v.workload.benchSuite, tables }),
    state,
    workload,
    txsPerBlock: txs,
    blocks: count,
  })
}

console.log(
  `A/B serial ${workload} on ${state}: ${txsPerBlock} tx/block, ${blocks} measured blocks × ${reps} runs each (Node ${process.version}), load average ${load()}`,
)
// JIT warm-up of both versions, not measured.
for (const v of variants) await run(v, Math.min(txsPerBlock, 500), 2)
const samples = new Map<string, { wall: number[]; cpu: number[] }>()
const add = (name: string, timings: readonly afterWorkload.BlockTiming[]) => {
  const s = samples.get(name) ?? { wall: [], cpu: [] }
  for (const t of timings.slice(1)) {
    s.wall.push(txsPerBlock / (t.execMs / 1000))
    s.cpu.push(txsPerBlock / (t.cpuMs / 1000))
  }
  samples.set(name, s)
}
for (let rep = 0; rep < reps; rep++) {
  if (workload === 'ERC-20')
    add('reference', await afterWorkload.runEthereumjsReference({ txsPerBlock, blocks: blocks + 1 }))
  for (const v of rep % 2 === 0 ? variants : [...variants].reverse())
    add(v.name, await run(v, txsPerBlock, blocks + 1))
}

const median = afterWorkload.median
const fmt = (v: number) => Math.round(v).toLocaleString('en-US').padStart(9)
// `best`: the block with the least CPU time per transaction, the one least disturbed by other
// work on a shared machine.
console.log(
  `${'version'.padEnd(22)} ${'tx/s'.padStart(9)} ${'tx/CPU-s'.padStart(9)} ${'CPU µs/tx'.padStart(10)} ${'best'.padStart(9)}`,
)
const best = (s: { cpu: number[] }) => Math.max(...s.cpu)
for (const [name, s] of samples) {
  const label = name === 'reference' ? 'bare @ethereumjs/evm' : name
  const cpu = median(s.cpu)
  console.log(
    `${label.padEnd(22)} ${fmt(median(s.wall))} ${fmt(cpu)} ${(1e6 / cpu).toFixed(1).padStart(10)} ${fmt(best(s))}`,
  )
}
const before = samples.get('before')
const after = samples.get('after')
if (before !== undefined && after !== undefined)
  console.log(
    `after / before: wall ${(median(after.wall) / median(before.wall)).toFixed(2)}×, per CPU-second ${(median(after.cpu) / median(before.cpu)).toFixed(2)}×, best block per CPU-second ${(best(after) / best(before)).toFixed(2)}×`,
  )
console.log(`load average at the end: ${load()}`)
