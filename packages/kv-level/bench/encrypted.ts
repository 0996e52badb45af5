// Cost of disk encryption: the same writes and point reads on a plain LevelDB store and through
// createEncryptedKvStore with AES-256-GCM and SM4-CTR + HMAC-SM3, with plaintext keys (format 1)
// and with encrypted keys (format 2, the default). Prints a table with ratios.
// Run from packages/kv-level:  node --conditions=source --import tsx bench/encrypted.ts [--keys 20000]
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { KvStore } from '@consortia/interface'
import { createEncryptedKvStore, createLevelKvStore, KV_CIPHERS, type KvCipher } from '../src/index.js'

const { values } = parseArgs({ options: { keys: { type: 'string', default: '20000' } } })
const keyCount = Number(values.keys)
const BATCH_OPS = 1000
const dataKey = new Uint8Array(32).fill(0x5a)

const keyOf = (i: number) => {
  const k = new Uint8Array(33)
  k[0] = 1
  new DataView(k.buffer).setUint32(29, i)
  return k
}
const value = new Uint8Array(100).fill(7)
let x = 1
const next = () => {
  x ^= x << 13
  x >>>= 0
  x ^= x >>> 17
  x ^= x << 5
  x >>>= 0
  return x
}

async function measure(store: KvStore): Promise<{ putsPerS: number; getsPerS: number }> {
  const t0 = performance.now()
  for (let b = 0; b < keyCount / BATCH_OPS; b++) {
    const ops = Array.from({ length: BATCH_OPS }, (_, i) => ({
      type: 'put' as const,
      key: keyOf(b * BATCH_OPS + i),
      value,
    }))
    await store.batch(ops, { sync: false })
  }
  const writeMs = performance.now() - t0
  x = 1
  const t1 = performance.now()
  for (let i = 0; i < keyCount; i++) await store.get(keyOf(next() % keyCount))
  const readMs = performance.now() - t1
  await store.close()
  return { putsPerS: (keyCount * 1000) / writeMs, getsPerS: (keyCount * 1000) / readMs }
}

const dir = mkdtempSync(join(tmpdir(), 'kv-level-enc-bench-'))
try {
  const results: { name: string; putsPerS: number; getsPerS: number }[] = []
  results.push({
    name: 'plain',
    ...(await measure(await createLevelKvStore({ location: join(dir, 'plain') }))),
  })
  for (const cipher of KV_CIPHERS as KvCipher[]) {
    for (const encryptKeys of [false, true]) {
      const inner = await createLevelKvStore({ location: join(dir, `${cipher}-${encryptKeys}`) })
      results.push({
        name: `${cipher}, ${encryptKeys ? 'keys + values (format 2)' : 'values only (format 1)'}`,
        ...(await measure(await createEncryptedKvStore(inner, { dataKey, cipher, encryptKeys }))),
      })
    }
  }
  const base = results[0]!
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  console.log(
    `${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, load ${loadavg()[0]?.toFixed(1)}`,
  )
  console.log(
    `${keyCount} keys of 33 bytes, 100-byte values, batches of ${BATCH_OPS} (sync: false), random point gets`,
  )
  console.log('| store | puts/s | vs plain | gets/s | vs plain |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const r of results) {
    console.log(
      `| ${r.name} | ${fmt(r.putsPerS)} | ${(r.putsPerS / base.putsPerS).toFixed(2)}× | ${fmt(r.getsPerS)} | ${(r.getsPerS / base.getsPerS).toFixed(2)}× |`,
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
