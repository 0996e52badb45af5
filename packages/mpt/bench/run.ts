// MPT storage benchmark: block commits of 1,000 storage-slot writes and random point reads on
// MPTState over LevelDB. Prints a table.
// Run from packages/mpt: node --conditions=source --import tsx bench/run.ts [--blocks 20] [--rows 1000] [--reads 10000]
import { cpus } from 'node:os'
import { parseArgs } from 'node:util'
import { type BenchMPTResult, benchMPT } from '../src/bench.js'

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '20' },
    rows: { type: 'string', default: '1000' },
    reads: { type: 'string', default: '10000' },
  },
})
const blocks = Number(values.blocks)
const rowsPerBlock = Number(values.rows)
const reads = Number(values.reads)

const runs: [string, BenchMPTResult][] = []
for (const sync of [true, false]) {
  runs.push([`MPT/LevelDB sync=${sync}`, await benchMPT({ blocks, rowsPerBlock, reads, sync })])
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits })
const rows: [string, (r: BenchMPTResult) => string][] = [
  ['blocks x rows', (r) => `${r.blocks} x ${r.rowsPerBlock}`],
  ['apply writes ms/block (mean)', (r) => fmt(r.writeMsMean)],
  ['commitBlock ms (mean)', (r) => fmt(r.commitMsMean)],
  ['commitBlock ms (p50)', (r) => fmt(r.commitMsP50)],
  ['commitBlock ms (p95)', (r) => fmt(r.commitMsP95)],
  ['rows/s (apply + commit)', (r) => fmt(r.rowsPerSec, 0)],
  ['trie nodes written/block', (r) => fmt(r.nodeWritesPerBlock, 0)],
  ['random reads/s (fresh state)', (r) => fmt(r.readsPerSec, 0)],
  ['read ms (p50)', (r) => fmt(r.readMsP50, 3)],
  ['read ms (p99)', (r) => fmt(r.readMsP99, 3)],
  ['LevelDB gets per read', (r) => fmt(r.storeReadsPerRead, 2)],
  ['db size MiB', (r) => fmt(r.dbBytes / 2 ** 20, 2)],
]
const header = ['metric', ...runs.map(([name]) => name)]
const table = [header, ...rows.map(([label, f]) => [label, ...runs.map(([, r]) => f(r))])]
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)))
const line = (row: string[]) =>
  `| ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`
console.log(`Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`)
console.log(line(header))
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
for (const row of table.slice(1)) console.log(line(row))
const [synced, unsynced] = [runs[0]![1], runs[1]![1]]
console.log(
  `ratios: commit share of block time (sync) ${fmt((100 * synced.commitMsMean) / (synced.commitMsMean + synced.writeMsMean))}%, ` +
    `fsync cost ${fmt(synced.commitMsMean / unsynced.commitMsMean, 2)}x commit time, ` +
    `reads/s ÷ rows/s ${fmt(synced.readsPerSec / synced.rowsPerSec, 2)}`,
)
