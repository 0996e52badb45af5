/**
 * Attack catalogue A21 (power loss / torn write) at the file level, on real LevelDB directories:
 * the write-ahead log truncated by a torn write, and bits flipped in the stored files. A store
 * must recover to a state some prefix of its synced batches produced, or refuse with a typed error;
 * it must never hand back a value that was not written.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChainError } from '@consortia/interface'
import { createMemoryKvStore, kvStoreComplianceSuite } from '@consortia/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { createChecksumKvStore, createLevelKvStore } from '../src/index.js'

const dirs: string[] = []
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'consortia-powerloss-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)
const BATCHES = 40
const KEYS_PER_BATCH = 5
const keyOf = (batch: number, i: number) => enc(`b${String(batch).padStart(3, '0')}-k${i}`)
const valueAt = (batch: number, i: number) => enc(`value of batch ${batch} key ${i} ${'x'.repeat(2000)}`)

async function writeBatches(location: string, writeBufferBytes?: number): Promise<void> {
  const store = createChecksumKvStore(await createLevelKvStore({ location, writeBufferBytes }))
  for (let b = 0; b < BATCHES; b++) {
    const ops = Array.from({ length: KEYS_PER_BATCH }, (_, i) => ({
      type: 'put' as const,
      key: keyOf(b, i),
      value: valueAt(b, i),
    }))
    await store.batch(ops, { sync: true })
  }
  await store.close()
}

function copyDir(from: string): string {
  const to = tempDir()
  mkdirSync(to, { recursive: true })
  for (const name of readdirSync(from)) copyFileSync(join(from, name), join(to, name))
  return to
}

/** Opens a damaged copy and classifies what it holds: batches whole or absent, or a typed refusal. */
async function inspect(
  location: string,
): Promise<{ refused: string } | { whole: number[]; partial: number[]; wrong: number }> {
  let store: Awaited<ReturnType<typeof createLevelKvStore>>
  try {
    store = await createLevelKvStore({ location, createIfMissing: false })
  } catch (err) {
    expect(err).toBeInstanceOf(ChainError)
    return { refused: (err as ChainError).code }
  }
  const checked = createChecksumKvStore(store)
  const whole: number[] = []
  const partial: number[] = []
  let wrong = 0
  try {
    for (let b = 0; b < BATCHES; b++) {
      let present = 0
      for (let i = 0; i < KEYS_PER_BATCH; i++) {
        const value = await checked.get(keyOf(b, i))
        if (value === undefined) continue
        if (dec(value) !== dec(valueAt(b, i))) wrong++
        present++
      }
      if (present === KEYS_PER_BATCH) whole.push(b)
      else if (present > 0) partial.push(b)
    }
  } catch (err) {
    expect(err).toBeInstanceOf(ChainError)
    await store.close()
    return { refused: (err as ChainError).code }
  }
  await store.close()
  return { whole, partial, wrong }
}

describe('checksummed store', () => {
  kvStoreComplianceSuite('checksum over memory', async () => createChecksumKvStore(createMemoryKvStore()))

  it('refuses a value whose bytes changed, and a value moved to another key', async () => {
    const inner = createMemoryKvStore()
    const store = createChecksumKvStore(inner)
    await store.put(enc('a'), enc('alpha'))
    await store.put(enc('b'), enc('beta'))
    const raw = (await inner.get(enc('a')))!
    raw[0] = (raw[0] as number) ^ 1
    await inner.put(enc('a'), raw)
    await expect(store.get(enc('a'))).rejects.toMatchObject({
      type: { code: 'KV_CORRUPT', operation: 'get' },
    })
    await inner.put(enc('c'), (await inner.get(enc('b')))!)
    await expect(store.get(enc('c'))).rejects.toMatchObject({ type: { code: 'KV_CORRUPT' } })
    await expect(store.getMany([enc('b'), enc('c')])).rejects.toMatchObject({ type: { code: 'KV_CORRUPT' } })
    await inner.put(enc('d'), Uint8Array.of(1, 2))
    await expect(store.get(enc('d'))).rejects.toMatchObject({ type: { code: 'KV_CORRUPT' } })
    expect(dec((await store.get(enc('b')))!)).toBe('beta')
  })
})

describe('power loss on real LevelDB files (attack catalogue A21)', () => {
  it('A21: a write-ahead log torn at any length recovers to a prefix of whole batches', async () => {
    const source = tempDir()
    await writeBatches(source)
    const log = readdirSync(source).find((n) => n.endsWith('.log'))!
    const size = statSync(join(source, log)).size
    for (const cut of [1, 7, 100, 1000, 4096, Math.floor(size / 2), size - 1]) {
      const copy = copyDir(source)
      truncateSync(join(copy, log), size - Math.min(cut, size))
      const result = await inspect(copy)
      if ('refused' in result) continue // a typed refusal is allowed; a wrong state is not
      expect(result.wrong, `cut ${cut}`).toBe(0)
      expect(result.partial, `cut ${cut}: torn batch`).toEqual([])
      // Whole batches form a prefix: a torn tail loses the newest batches only.
      expect(result.whole, `cut ${cut}`).toEqual(Array.from({ length: result.whole.length }, (_, i) => i))
      expect(result.whole.length).toBeLessThan(BATCHES)
    }
  })

  it('A21: bits flipped in the log and table files never come back as wrong values', async () => {
    const source = tempDir()
    // A small write buffer pushes most batches from the log into table (.ldb) files.
    await writeBatches(source, 4096)
    const files = readdirSync(source).filter((n) => n.endsWith('.log') || n.endsWith('.ldb'))
    expect(files.some((n) => n.endsWith('.ldb'))).toBe(true)
    let refusals = 0
    let detections = 0
    for (const name of files) {
      const size = statSync(join(source, name)).size
      if (size < 64) continue
      for (const at of [0.2, 0.5, 0.8]) {
        const copy = copyDir(source)
        const bytes = readFileSync(join(copy, name))
        const offset = Math.floor(size * at)
        bytes[offset] = (bytes[offset] as number) ^ 0x10
        writeFileSync(join(copy, name), bytes)
        const result = await inspect(copy)
        if ('refused' in result) {
          expect(['KV_CORRUPT', 'KV_IO']).toContain(result.refused)
          refusals++
          continue
        }
        // Recovery may drop damaged records, never alter them.
        expect(result.wrong, `${name} at ${offset}`).toBe(0)
        if (result.whole.length < BATCHES) detections++
      }
    }
    console.info(`bit flips: ${refusals} refused, ${detections} recovered with records dropped`)
    expect(refusals + detections).toBeGreaterThan(0)
  })
})
