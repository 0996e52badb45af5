// Paged range scans of a key-encrypted store: listing a table of N rows page by page, the way
// AMDB's LevelDB driver lists one (`gt` = last key of the previous page, `lt` = table end,
// `limit`), with paged-scan cursors (the default) and without them (`scanCursorsMax: 0`, every
// page re-reads and re-sorts the whole table). Interleaved rounds in one process; prints CPU
// milliseconds per listing (process.cpuUsage) and inner entries read, with the ratios.
// Run from packages/kv-level:
//   node --conditions=source --import tsx bench/encrypted-scan.ts [--rows 5000] [--page 100] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Bytes, KvStore } from '@consortia/interface'
import { createEncryptedKvStore, createLevelKvStore } from '../src/index.js'
import { countScanReads } from '../test/support/counting-store.js'

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    page: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
  },
})
const rows = Number(values.rows)
const pageSize = Number(values.page)
const rounds = Number(values.rounds)
const dataKey = new Uint8Array(32).fill(0x5a)
const enc = (s: string) => new TextEncoder().encode(s)

async function listTable(store: KvStore): Promise<number> {
  const high = enc('u_t\u0001')
  let last: Bytes | undefined
  let count = 0
  for (;;) {
    let n = 0
    for await (const [k] of store.iterate({
      ...(last === undefined ? { gte: enc('u_t\u0000') } : { gt: last }),
      lt: high,
      limit: pageSize,
    })) {
      last = k
      n++
    }
    count += n
    if (n < pageSize) return count
  }
}

const dir = mkdtempSync(join(tmpdir(), 'kv-level-scan-bench-'))
try {
  const level = await createLevelKvStore({ location: join(dir, 'db') })
  const { store: inner, reads } = countScanReads(level)
  const withCursors = await createEncryptedKvStore(inner, { dataKey, cipher: 'aes-256-gcm' })
  // The same inner store and key through a second handle without cursors.
  const withoutCursors = await createEncryptedKvStore(inner, {
    dataKey,
    cipher: 'aes-256-gcm',
    scanCursorsMax: 0,
  })
  for (let i = 0; i < rows; i += 1000) {
    await withCursors.batch(
      Array.from({ length: Math.min(1000, rows - i) }, (_, j) => ({
        type: 'put' as const,
        key: enc(`u_t\u0000row-${String(i + j).padStart(8, '0')}`),
        value: new Uint8Array(100).fill(j & 0xff),
      })),
    )
  }
  const run = async (store: KvStore) => {
    const r0 = reads()
    const cpu0 = process.cpuUsage()
    const listed = await listTable(store)
    const cpu = process.cpuUsage(cpu0)
    if (listed !== rows) throw new Error(`listed ${listed} of ${rows} rows`)
    return { cpuMs: (cpu.user + cpu.system) / 1000, reads: reads() - r0 }
  }
  await run(withCursors) // warm-up
  const a: { cpuMs: number; reads: number }[] = []
  const b: { cpuMs: number; reads: number }[] = []
  for (let r = 0; r < rounds; r++) {
    b.push(await run(withoutCursors))
    a.push(await run(withCursors))
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
  const before = { cpuMs: median(b.map((x) => x.cpuMs)), reads: b[0]!.reads }
  const after = { cpuMs: median(a.map((x) => x.cpuMs)), reads: a[0]!.reads }
  console.log(
    `${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  )
  console.log(
    `encrypted LevelDB (aes-256-gcm), ${rows} rows of 100 bytes listed in pages of ${pageSize}, median of ${rounds}`,
  )
  console.log('| scan | CPU ms per listing | inner entries read |')
  console.log('| --- | ---: | ---: |')
  console.log(`| re-read per page (scanCursorsMax 0) | ${before.cpuMs.toFixed(1)} | ${before.reads} |`)
  console.log(`| paged-scan cursor (default) | ${after.cpuMs.toFixed(1)} | ${after.reads} |`)
  console.log(
    `| ratio | ${(before.cpuMs / after.cpuMs).toFixed(1)}× | ${(before.reads / after.reads).toFixed(1)}× |`,
  )
  await withCursors.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
