// Prints AMDB figures: 1,000-row table blocks and random reads (benchAMDB), and the EVM state
// workload of benchMPT on StorageState (benchStorageState), on memory, LevelDB and MariaDB.
// Run from packages/amdb:  node --conditions=source --import tsx bench/run.ts
// MariaDB: CONSORTIA_MYSQL_URL (default mysql://root@127.0.0.1:3307/consortia_test); the bench
// creates and drops its own database on that server, and skips MariaDB when it is unreachable.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AMDBBenchResult, benchAMDB, benchStorageState } from '../src/bench.js'
import {
  createLevelDBDriver,
  createMemoryDriver,
  createMySQLDriver,
  type StorageDriver,
} from '../src/index.js'

const options = { blocks: 20, rowsPerBlock: 1000, reads: 10_000 }
const results: AMDBBenchResult[] = []

async function withLevelDB(run: (driver: StorageDriver) => Promise<AMDBBenchResult>) {
  const dir = mkdtempSync(join(tmpdir(), 'amdb-bench-'))
  try {
    results.push(await run(await createLevelDBDriver({ location: dir })))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function withMariaDB(run: (driver: StorageDriver) => Promise<AMDBBenchResult>) {
  const url = new URL(process.env['CONSORTIA_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3307/consortia_test')
  const name = `amdb_bench_${randomBytes(4).toString('hex')}`
  url.pathname = `/${name}`
  let driver: StorageDriver
  try {
    driver = await createMySQLDriver({ url: url.toString(), createDatabase: true })
  } catch (err) {
    process.stdout.write(`MariaDB skipped: ${(err as Error).message}\n`)
    return
  }
  try {
    results.push(await run(driver))
  } finally {
    const admin = await createMySQLDriver({ url: url.toString() })
    await admin.pool.query(`DROP DATABASE \`${name}\``)
    await admin.close()
  }
}

for (const bench of [benchAMDB, benchStorageState]) {
  results.push(await bench(createMemoryDriver(), options))
  await withLevelDB((d) => bench(d, options))
  await withMariaDB((d) => bench(d, options))
}

const num = (n: number, digits = 1) => n.toFixed(digits).padStart(11)
const out = [
  `AMDB storage bench: ${options.blocks} blocks x ${options.rowsPerBlock} rows, ${options.reads} random reads`,
  `machine: ${cpus().length}-core ${process.arch} (${cpus()[0]?.model.trim()}), Node ${process.version}, load ${loadavg()[0]?.toFixed(1)}`,
  `${'backend'.padEnd(16)}${['write ms', 'commit ms', 'commit p95', 'rows/s', 'reads/s', 'read p99 ms'].map((h) => h.padStart(11)).join('')}`,
  ...results.map(
    (r) =>
      `${r.backend.padEnd(16)}${num(r.writeMsMean)}${num(r.commitMsMean)}${num(r.commitMsP95)}${num(r.rowsPerSec, 0)}${num(r.readsPerSec, 0)}${num(r.readMsP99, 3)}`,
  ),
]
process.stdout.write(`${out.join('\n')}\n`)
