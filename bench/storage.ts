// Combined storage benchmark: AMDB (tables and StorageState) against MPT, in one process, so the
// ratios compare runs made side by side on the same machine under the same load.
//
//   pnpm --filter @consortia/bench storage [-- --runs 3 --blocks 20 --rows 1000 --reads 10000 --warmup 3 --json]
//   (= cd bench && node --conditions=source --import tsx storage.ts ...)
//
// Per run: MPT on LevelDB (`benchMPT`), AMDB tables on LevelDB (`benchAMDB`), StorageState on
// LevelDB with `set` writes and with `readBeforeWrite` (the path before `set`), and the same three
// AMDB workloads on MariaDB when CONSORTIA_MYSQL_URL (default mysql://root@127.0.0.1:3307/...)
// answers. Every backend hashes with Keccak-256 and fsyncs each block. Figures are medians over the
// runs; each ratio is taken against the MPT figures of the same run, then the median is printed.
// A short warm-up round (--warmup blocks, 0 to skip) runs first and is not measured; AMDB backends
// run in reverse order on every other run. `--json` adds one last stdout line,
// {"bench":"storage","rows":[{backend, writeMs, commitMs, rowsPerSec, readsPerSec, rowsVsMPT, readsVsMPT}]},
// read by bench/run.ts.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createLevelDBDriver, createMySQLDriver, type MySQLDriver, type StorageDriver } from '@consortia/amdb'
import { type AMDBBenchResult, benchAMDB, benchStorageState } from '@consortia/amdb/bench'
import { keccak256 } from '@consortia/mpt'
import { benchMPT } from '@consortia/mpt/bench'

const { values } = parseArgs({
  // `pnpm --filter ... storage -- --runs 3` passes the `--` on.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '3' },
    blocks: { type: 'string', default: '20' },
    rows: { type: 'string', default: '1000' },
    reads: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
})
const runs = Number(values.runs)
const warmupBlocks = Number(values.warmup)
const options = {
  blocks: Number(values.blocks),
  rowsPerBlock: Number(values.rows),
  reads: Number(values.reads),
  hash: keccak256,
}
for (const [name, n] of Object.entries({ runs, ...options, hash: 1 })) {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got ${n}`)
}
if (!Number.isSafeInteger(warmupBlocks) || warmupBlocks < 0)
  throw new Error(`--warmup: expected a block count >= 0, got ${values.warmup}`)

/** The figures every backend reports. */
interface Figures {
  writeMs: number
  commitMs: number
  rowsPerSec: number
  readsPerSec: number
}

const MYSQL_URL = process.env['CONSORTIA_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3307/consortia_test'

async function onLevelDB(bench: (driver: StorageDriver) => Promise<AMDBBenchResult>): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'consortia-bench-storage-'))
  try {
    return figuresOf(await bench(await createLevelDBDriver({ location: dir })))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// Undefined when MariaDB does not answer; the reason is kept for the report.
let noMariaDB: string | undefined
async function onMariaDB(
  bench: (driver: StorageDriver) => Promise<AMDBBenchResult>,
): Promise<Figures | undefined> {
  if (noMariaDB !== undefined) return undefined
  const url = new URL(MYSQL_URL)
  const database = `bench_storage_${randomBytes(4).toString('hex')}`
  url.pathname = `/${database}`
  let driver: MySQLDriver
  try {
    driver = await createMySQLDriver({ url: url.toString(), createDatabase: true })
  } catch (err) {
    const cause = (err as Error).cause as Error | undefined
    noMariaDB = `${(err as Error).message}${cause ? `: ${cause.message}` : ''}`
    return undefined
  }
  try {
    return figuresOf(await bench(driver))
  } finally {
    const admin = await createMySQLDriver({ url: url.toString() })
    await admin.pool.query(`DROP DATABASE \`${database}\``)
    await admin.close()
  }
}

function figuresOf(r: {
  writeMsMean: number
  commitMsMean: number
  rowsPerSec: number
  readsPerSec: number
}): Figures {
  return {
    writeMs: r.writeMsMean,
    commitMs: r.commitMsMean,
    rowsPerSec: r.rowsPerSec,
    readsPerSec: r.readsPerSec,
  }
}

const BACKENDS = [
  'AMDB tables, LevelDB',
  'StorageState, LevelDB (set)',
  'StorageState, LevelDB (read before write)',
  'AMDB tables, MariaDB',
  'StorageState, MariaDB (set)',
  'StorageState, MariaDB (read before write)',
] as const
type Backend = (typeof BACKENDS)[number]

type Job = [Backend, (o: typeof options) => Promise<Figures | undefined>]
const JOBS: Job[] = [
  ['AMDB tables, LevelDB', (o) => onLevelDB((d) => benchAMDB(d, o))],
  ['StorageState, LevelDB (set)', (o) => onLevelDB((d) => benchStorageState(d, o))],
  [
    'StorageState, LevelDB (read before write)',
    (o) => onLevelDB((d) => benchStorageState(d, { ...o, readBeforeWrite: true })),
  ],
  ['AMDB tables, MariaDB', (o) => onMariaDB((d) => benchAMDB(d, o))],
  ['StorageState, MariaDB (set)', (o) => onMariaDB((d) => benchStorageState(d, o))],
  [
    'StorageState, MariaDB (read before write)',
    (o) => onMariaDB((d) => benchStorageState(d, { ...o, readBeforeWrite: true })),
  ],
]

// A short unmeasured round first, so no backend pays for the JIT warming up shared code.
if (warmupBlocks > 0) {
  process.stderr.write(`warm-up (${warmupBlocks} blocks each) ...\n`)
  const small = { ...options, blocks: warmupBlocks, reads: Math.min(options.reads, 1000) }
  await benchMPT({ ...small, sync: true })
  for (const [, job] of JOBS) await job(small)
}

const perRun: { mpt: Figures; amdb: Partial<Record<Backend, Figures>> }[] = []
for (let run = 0; run < runs; run++) {
  process.stderr.write(`run ${run + 1}/${runs} ...\n`)
  const mpt = figuresOf(await benchMPT({ ...options, sync: true }))
  const amdb: Partial<Record<Backend, Figures>> = {}
  // Every other run goes through the AMDB backends in reverse, so none always runs first.
  for (const [backend, job] of run % 2 === 0 ? JOBS : [...JOBS].reverse()) {
    const figures = await job(options)
    if (figures !== undefined) amdb[backend] = figures
  }
  perRun.push({ mpt, amdb })
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const ratio = (xs: readonly number[]) =>
  xs.length === 1
    ? `${fmt(xs[0]!, 1)}×`
    : `${fmt(median(xs), 1)}× (${fmt(Math.min(...xs), 1)}–${fmt(Math.max(...xs), 1)})`

const header = [
  'backend',
  'write ms/block',
  'commit ms/block',
  'rows/s',
  'rows/s vs MPT',
  'reads/s',
  'reads/s vs MPT',
]
const lines: string[][] = []
const mptRows = perRun.map((r) => r.mpt)
lines.push([
  'MPT (benchMPT), LevelDB',
  fmt(median(mptRows.map((f) => f.writeMs)), 1),
  fmt(median(mptRows.map((f) => f.commitMs)), 1),
  fmt(median(mptRows.map((f) => f.rowsPerSec))),
  '1.0×',
  fmt(median(mptRows.map((f) => f.readsPerSec))),
  '1.0×',
])
for (const backend of BACKENDS) {
  const measured = perRun.filter((r) => r.amdb[backend] !== undefined)
  if (measured.length === 0) {
    lines.push([backend, `skipped: no MariaDB (${noMariaDB ?? 'not run'})`, '', '', '', '', ''])
    continue
  }
  const fs = measured.map((r) => r.amdb[backend]!)
  lines.push([
    backend,
    fmt(median(fs.map((f) => f.writeMs)), 1),
    fmt(median(fs.map((f) => f.commitMs)), 1),
    fmt(median(fs.map((f) => f.rowsPerSec))),
    ratio(measured.map((r) => r.amdb[backend]!.rowsPerSec / r.mpt.rowsPerSec)),
    fmt(median(fs.map((f) => f.readsPerSec))),
    ratio(measured.map((r) => r.amdb[backend]!.readsPerSec / r.mpt.readsPerSec)),
  ])
}

const widths = header.map((h, i) =>
  Math.max(h.length, ...lines.map((l) => (l[1]!.startsWith('skipped') && i > 0 ? 0 : l[i]!.length))),
)
const row = (cells: string[]) =>
  cells[1]!.startsWith('skipped')
    ? `| ${cells[0]!.padEnd(widths[0]!)} | ${cells[1]} |`
    : `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`
const out = [
  `Storage benchmark: ${options.blocks} blocks x ${options.rowsPerBlock} rows per block, ${options.reads} random reads; Keccak-256; fsync per block; ${runs} run(s) after a ${warmupBlocks}-block warm-up, medians`,
  `machine: ${cpus().length}-core ${process.arch} (${cpus()[0]?.model.trim()}), Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
  row(header),
  `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  ...lines.map(row),
  '',
  'rows/s = block rows / (write + commit time); write includes dbHash (AMDB) or trie updates (MPT).',
  "Ratios: per run against that run's MPT figures; median (min–max) over runs.",
]
process.stdout.write(`${out.join('\n')}\n`)
if (values.json) {
  const jsonRows: Record<string, number | string>[] = []
  const med = (fs: Figures[], k: keyof Figures) => median(fs.map((f) => f[k]))
  jsonRows.push({
    backend: 'MPT, LevelDB',
    writeMs: med(mptRows, 'writeMs'),
    commitMs: med(mptRows, 'commitMs'),
    rowsPerSec: med(mptRows, 'rowsPerSec'),
    readsPerSec: med(mptRows, 'readsPerSec'),
    rowsVsMPT: 1,
    readsVsMPT: 1,
  })
  for (const backend of BACKENDS) {
    const measured = perRun.filter((r) => r.amdb[backend] !== undefined)
    if (measured.length === 0) continue
    const fs = measured.map((r) => r.amdb[backend]!)
    jsonRows.push({
      backend,
      writeMs: med(fs, 'writeMs'),
      commitMs: med(fs, 'commitMs'),
      rowsPerSec: med(fs, 'rowsPerSec'),
      readsPerSec: med(fs, 'readsPerSec'),
      rowsVsMPT: median(measured.map((r) => r.amdb[backend]!.rowsPerSec / r.mpt.rowsPerSec)),
      readsVsMPT: median(measured.map((r) => r.amdb[backend]!.readsPerSec / r.mpt.readsPerSec)),
    })
  }
  process.stdout.write(
    `${JSON.stringify({ bench: 'storage', rows: jsonRows, mariadb: noMariaDB ?? 'measured' })}\n`,
  )
}
