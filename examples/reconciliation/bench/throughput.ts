/**
 * Reconciliation throughput with and without parallel execution: blocks of `txsPerBlock`
 * `record` calls (bank A and bank B, each transaction a different account, so the DAG has no
 * edges) executed by the serial executor and by the parallel executor (dag mode) with each
 * worker count, on in-process chains (AMDB memory driver, StorageState). One warm-up block per
 * executor, then the median of `reps` blocks; figures are tx/s of `execute` and the ratio to
 * serial. The reference node has no switch for the parallel executor (it always builds the
 * serial one), so this is measured on the executor the node would use.
 *
 *   node --conditions=source --import tsx bench/throughput.ts [txsPerBlock=2000] [reps=3] [--workers=2,4]
 */
import { availableParallelism, cpus } from 'node:os'
import { openReconWorld, parties, type ReconWorld } from './harness.js'

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const txsPerBlock = Number(positional[0] ?? 2_000)
const reps = Number(positional[1] ?? 3)
const workerCounts = (flag('workers') ?? '2,4').split(',').map(Number)

let batch = 0
function block(world: ReconWorld): ReturnType<ReconWorld['record']>[] {
  batch++
  return Array.from({ length: txsPerBlock }, (_, i) =>
    world.record(i % 2 === 0 ? parties.bankA : parties.bankB, `acct-${i}`, `B-${batch}`, BigInt(100 + i)),
  )
}

async function measure(workers: number): Promise<{ txPerS: number; merged: string }> {
  const world = await openReconWorld(workers)
  try {
    await world.execute(block(world))
    const times: number[] = []
    let merged = ''
    for (let r = 0; r < reps; r++) {
      const run = await world.execute(block(world))
      if (run.receipts.some((x) => x.status !== 0)) throw new Error('bench: a record failed')
      times.push(run.ms)
      const s = world.parallel?.lastBlock
      if (s !== undefined)
        merged = `${s.merged} merged, ${s.onMain} on the main lane, ${s.conflicts + s.fallbacks + s.barriers} re-run on the main thread`
    }
    times.sort((a, b) => a - b)
    return { txPerS: (txsPerBlock / times[Math.floor(times.length / 2)]!) * 1000, merged }
  } finally {
    await world.close()
  }
}

console.log(
  `reconciliation record(account, batchId, amount): ${txsPerBlock} transactions per block, median of ${reps} blocks after one warm-up; ` +
    `Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'})\n`,
)
const serial = await measure(0)
console.log('| executor | tx/s | vs serial | worker results |')
console.log('|---|---:|---:|---|')
console.log(`| serial | ${Math.round(serial.txPerS).toLocaleString('en-US')} | 1.00× | |`)
for (const w of workerCounts) {
  const p = await measure(w)
  console.log(
    `| parallel, ${w} workers | ${Math.round(p.txPerS).toLocaleString('en-US')} | ${(p.txPerS / serial.txPerS).toFixed(2)}× | ${p.merged} |`,
  )
}
