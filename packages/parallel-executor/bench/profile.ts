/**
 * CPU profile of serial execution: runs `blocks` blocks of one workload on one state (as
 * bench/run.ts does) and records a V8 CPU profile of the blocks after the first (JIT warm-up),
 * written to `out` (open it in Chrome DevTools or VS Code).
 *
 *   node --conditions=source --import tsx bench/profile.ts [txsPerBlock=2000] [blocks=4]
 *     [--state=StorageState/LevelDB] [--workload=DagTransfer|ERC-20] [--out=serial.cpuprofile]
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { createSerialExecutor } from '../src/index.js'
import { type BenchState, type BenchWorkload, benchSuite, runWorkload } from './workload.js'

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const txsPerBlock = Number(positional[0] ?? 2000)
const blocks = Number(positional[1] ?? 4)
const state = (flag('state') ?? 'StorageState/LevelDB') as BenchState
const workload = (flag('workload') ?? 'DagTransfer') as BenchWorkload
const out = flag('out') ?? 'serial.cpuprofile'

const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: 200 })
const timings = await runWorkload({
  executor: (tables) => createSerialExecutor({}, { crypto: benchSuite, tables }),
  state,
  workload,
  txsPerBlock,
  blocks,
  onBlock: async (index) => {
    if (index === 1) await session.post('Profiler.start')
  },
})
const { profile } = await session.post('Profiler.stop')
writeFileSync(out, JSON.stringify(profile))
session.disconnect()
for (const [i, t] of timings.entries())
  console.log(
    `block ${i}${i === 0 ? ' (not profiled)' : ''}: ${Math.round(txsPerBlock / (t.execMs / 1000))} tx/s, commit ${t.commitMs.toFixed(0)} ms`,
  )
console.log(`profile of blocks 1-${blocks - 1} written to ${out}`)
