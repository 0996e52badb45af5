// LevelDB KvStore figures: point reads with synchronous and asynchronous get, and batch writes.
// Run from packages/kv-level:  node --conditions=source --import tsx bench/run.ts [--keys 20000] [--reads 20000]
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createLevelKvStore } from '../src/index.js'

const { values } = parseArgs({
  options: { keys: { type: 'string', default: '20000' }, reads: { type: 'string', default: '20000' } },
})
const keyCount = Number(values.keys)
const readCount = Number(values.reads)
const BATCH_OPS = 1000

const keyOf = (i: number) => {
  const k = new Uint8Array(33)
  k[0] = 1
  new DataView(k.buffer).setUint32(29, i)
  return k
}
const value = new Uint8Array(100).fill(7)
// xorshift32: the same read pattern every run.
let x = 1
const next = () => {
  x ^= x << 13
  x >>>= 0
  x ^= x >>> 17
  x ^= x << 5
  x >>>= 0
  return x
}
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!

const rows: string[][] = []
const dir = mkdtempSync(join(tmpdir(), 'kv-level-bench-'))
try {
  for (const sync of [true, false]) {
    const store = await createLevelKvStore({ location: join(dir, `w-${sync}`) })
    const times: number[] = []
    for (let b = 0; b < keyCount / BATCH_OPS; b++) {
      const ops = Array.from({ length: BATCH_OPS }, (_, i) => ({
        type: 'put' as const,
        key: keyOf(b * BATCH_OPS + i),
        value,
      }))
      const t0 = performance.now()
      await store.batch(ops, { sync })
      times.push(performance.now() - t0)
    }
    await store.close()
    times.sort((a, b) => a - b)
    const mean = times.reduce((a, b) => a + b, 0) / times.length
    rows.push([
      `batch of ${BATCH_OPS} puts, sync=${sync}`,
      `${mean.toFixed(2)} ms mean, ${percentile(times, 95).toFixed(2)} ms p95`,
      `${Math.round((BATCH_OPS * 1000) / mean).toLocaleString('en-US')} puts/s`,
    ])
  }
  const location = join(dir, 'w-true')
  for (const syncReads of [true, false]) {
    const store = await createLevelKvStore({ location, syncReads })
    const times: number[] = []
    const t0 = performance.now()
    for (let r = 0; r < readCount; r++) {
      const t = performance.now()
      await store.get(keyOf(next() % keyCount))
      times.push(performance.now() - t)
    }
    const total = performance.now() - t0
    const keys = Array.from({ length: 1000 }, () => keyOf(next() % keyCount))
    const m0 = performance.now()
    await store.getMany(keys)
    const manyMs = performance.now() - m0
    await store.close()
    times.sort((a, b) => a - b)
    rows.push([
      `point get, syncReads=${syncReads}`,
      `${(percentile(times, 50) * 1000).toFixed(1)} µs p50, ${(percentile(times, 99) * 1000).toFixed(1)} µs p99`,
      `${Math.round((readCount * 1000) / total).toLocaleString('en-US')} gets/s; getMany(1000) ${manyMs.toFixed(1)} ms`,
    ])
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)))
process.stdout.write(
  [
    `kv-level bench: ${keyCount} keys (33-byte keys, 100-byte values), ${readCount} random point reads`,
    `machine: ${cpus().length}-core ${process.arch} (${cpus()[0]?.model.trim()}), Node ${process.version}, load ${loadavg()[0]?.toFixed(1)}`,
    ...rows.map((r) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`),
    '',
  ].join('\n'),
)
