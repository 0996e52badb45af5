/**
 * Paged range scans of a key-encrypted store (`iterate({ gt: lastKey, lt, limit })` page after
 * page, as AMDB lists a table): the per-scan cursor over the decrypted, sorted group makes a
 * listing of N rows read N inner entries instead of N²/limit; cursors are bounded, released when
 * their scan ends, and dropped by writes to their group, so every page answers as the plain
 * store does at that moment.
 */
import type { Bytes, KvIterateOptions, KvStore } from '@consortia/interface'
import { createMemoryKvStore } from '@consortia/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createEncryptedKvStore,
  ENCRYPTED_SCAN_CURSOR_BYTES_MAX,
  ENCRYPTED_SCAN_CURSORS_MAX,
  type EncryptedKvInit,
} from '../src/index.js'
import { countScanReads, withIterate } from './support/counting-store.js'

const DATA_KEY = new Uint8Array(32).fill(0x5c)
const enc = (s: string) => new TextEncoder().encode(s)
const hex = (b: Bytes) => Buffer.from(b).toString('hex')

/** A memory store that counts the entries its `iterate` hands out (the reads a scan costs). */
const countingStore = () => countScanReads(createMemoryKvStore())

async function encrypted(inner: KvStore, extra: Partial<EncryptedKvInit> = {}) {
  return createEncryptedKvStore(inner, { dataKey: DATA_KEY, cipher: 'aes-256-gcm', ...extra })
}

async function collect(it: AsyncIterable<readonly [Bytes, Bytes]>): Promise<(readonly [Bytes, Bytes])[]> {
  const out: (readonly [Bytes, Bytes])[] = []
  for await (const entry of it) out.push(entry)
  return out
}

/** AMDB's table listing: `[t ‖ 0x00, t ‖ 0x01)` in pages of `limit`, each after the last key of the previous one. */
async function listPaged(store: KvStore, table: string, limit: number, reverse = false): Promise<string[]> {
  const low = enc(`${table}\u0000`)
  const high = enc(`${table}\u0001`)
  const keys: string[] = []
  let last: Bytes | undefined
  for (;;) {
    const options: KvIterateOptions = reverse
      ? { gte: low, lt: last ?? high, limit, reverse: true }
      : { ...(last === undefined ? { gte: low } : { gt: last }), lt: high, limit }
    const page = await collect(store.iterate(options))
    for (const [k] of page) keys.push(new TextDecoder().decode(k))
    if (page.length < limit) return keys
    last = page[page.length - 1]![0]
  }
}

const rowKey = (table: string, i: number) => `${table}\u0000row-${String(i).padStart(6, '0')}`

async function fillTable(store: KvStore, table: string, rows: number): Promise<string[]> {
  const keys = Array.from({ length: rows }, (_, i) => rowKey(table, i))
  // Written in a scrambled order: the inner (ciphertext) order is unrelated anyway.
  const ops = keys.map((k, i) => ({ type: 'put' as const, key: enc(k), value: enc(`v${i}`) }))
  for (let i = 0; i < ops.length; i += 1000) await store.batch(ops.slice(i, i + 1000).reverse())
  return keys
}

describe('encrypted store: paged-scan cursors', () => {
  it('lists a 5,000-row table in pages of 100 with 5,000 inner reads (forward and reverse)', async () => {
    const { store: inner, reads } = countingStore()
    const store = await encrypted(inner)
    const keys = await fillTable(store, 'u_t', 5000)
    await fillTable(store, 'u_other', 50)
    const before = reads()
    expect(await listPaged(store, 'u_t', 100)).toEqual(keys)
    expect(reads() - before).toBe(5000)
    expect(store.scanCursors).toBe(0) // released by the short last page
    const mid = reads()
    expect(await listPaged(store, 'u_t', 100, true)).toEqual([...keys].reverse())
    expect(reads() - mid).toBe(5000)
    expect(store.scanCursors).toBe(0)
    await store.close()
  })

  it('without cursors (scanCursorsMax 0) re-reads the group for every page: N²/limit reads', async () => {
    const { store: inner, reads } = countingStore()
    const store = await encrypted(inner, { scanCursorsMax: 0 })
    const keys = await fillTable(store, 'u_t', 1000)
    const before = reads()
    expect(await listPaged(store, 'u_t', 100)).toEqual(keys)
    // 10 full pages and the empty 11th, each reading all 1,000 entries.
    expect(reads() - before).toBe(11 * 1000)
    expect(store.scanCursors).toBe(0)
    await store.close()
  })

  it('drops a cursor when a write touches its group, so later pages see the write', async () => {
    const store = await encrypted(createMemoryKvStore())
    await fillTable(store, 'u_a', 30)
    await fillTable(store, 'u_b', 30)
    const low = enc('u_a\u0000')
    const high = enc('u_a\u0001')
    const first = await collect(store.iterate({ gte: low, lt: high, limit: 10 }))
    expect(store.scanCursors).toBe(1)
    // A write to another table keeps the cursor.
    await store.put(enc('u_b\u0000zzz'), enc('x'))
    expect(store.scanCursors).toBe(1)
    // Insert ahead of the scan and delete a row it has not reached: the next page reflects both.
    await store.batch([
      { type: 'put', key: enc('u_a\u0000row-000010a'), value: enc('new') },
      { type: 'del', key: enc(rowKey('u_a', 11)) },
    ])
    expect(store.scanCursors).toBe(0)
    const second = await collect(store.iterate({ gt: first[9]![0], lt: high, limit: 3 }))
    expect(second.map(([k, v]) => [new TextDecoder().decode(k), new TextDecoder().decode(v)])).toEqual([
      [rowKey('u_a', 10), 'v10'],
      ['u_a\u0000row-000010a', 'new'],
      [rowKey('u_a', 12), 'v12'],
    ])
    await store.close()
    expect(store.scanCursors).toBe(0)
  })

  it('keeps no cursor from a group read while a write ran (it may predate the write)', async () => {
    const inner = createMemoryKvStore()
    let gate: () => void = () => {}
    const gateOpen = new Promise<void>((resolve) => {
      gate = resolve
    })
    let snapshotTaken: () => void = () => {}
    const snapshot = new Promise<void>((resolve) => {
      snapshotTaken = resolve
    })
    let hold = false
    // An inner store whose scans read their entries at once, then wait (a slow disk).
    const slow = withIterate(inner, (options) =>
      (async function* () {
        const entries = await collect(inner.iterate(options))
        if (hold) {
          snapshotTaken()
          await gateOpen
        }
        yield* entries
      })(),
    )
    const store = await encrypted(slow)
    await fillTable(store, 'u_a', 10)
    const low = enc('u_a\u0000')
    const high = enc('u_a\u0001')
    hold = true
    const firstPage = collect(store.iterate({ gte: low, lt: high, limit: 3 }))
    await snapshot
    hold = false
    await store.del(enc(rowKey('u_a', 4)))
    gate()
    expect((await firstPage).map(([k]) => new TextDecoder().decode(k))).toEqual(
      [0, 1, 2].map((i) => rowKey('u_a', i)),
    )
    expect(store.scanCursors).toBe(0)
    const second = await collect(store.iterate({ gt: enc(rowKey('u_a', 2)), lt: high, limit: 3 }))
    expect(second.map(([k]) => new TextDecoder().decode(k))).toEqual([3, 5, 6].map((i) => rowKey('u_a', i)))
    await store.close()
  })

  it(`holds at most scanCursorsMax cursors (default ${ENCRYPTED_SCAN_CURSORS_MAX}); abandoned scans are dropped oldest first`, async () => {
    const { store: inner, reads } = countingStore()
    const store = await encrypted(inner, { scanCursorsMax: 2 })
    expect(store.scanCursors).toBe(0)
    for (const t of ['u_a', 'u_b', 'u_c']) await fillTable(store, t, 20)
    const page = (t: string, after?: Bytes) =>
      collect(
        store.iterate({
          ...(after === undefined ? { gte: enc(`${t}\u0000`) } : { gt: after }),
          lt: enc(`${t}\u0001`),
          limit: 5,
        }),
      )
    const a = await page('u_a')
    await page('u_b')
    expect(store.scanCursors).toBe(2)
    await page('u_c') // evicts u_a's cursor (least recently used)
    expect(store.scanCursors).toBe(2)
    const before = reads()
    // u_a's scan goes on correctly, reading its group again.
    expect((await page('u_a', a[4]![0])).map(([k]) => new TextDecoder().decode(k))).toEqual(
      [5, 6, 7, 8, 9].map((i) => rowKey('u_a', i)),
    )
    expect(reads() - before).toBe(20)
    expect(store.scanCursors).toBe(2)
    await expect(encrypted(createMemoryKvStore(), { scanCursorsMax: -1 })).rejects.toThrow(
      'scanCursorsMax: expected a non-negative integer',
    )
    await store.close()
  })

  it(`keeps no cursor for a group above scanCursorBytesMax (default ${ENCRYPTED_SCAN_CURSOR_BYTES_MAX} bytes)`, async () => {
    const { store: inner, reads } = countingStore()
    const store = await encrypted(inner, { scanCursorBytesMax: 2000 })
    const small = await fillTable(store, 'u_s', 5)
    const large = await fillTable(store, 'u_l', 40)
    await collect(store.iterate({ gte: enc('u_s\u0000'), lt: enc('u_s\u0001'), limit: 2 }))
    expect(store.scanCursors).toBe(1)
    expect(store.scanCursorBytes).toBeGreaterThan(0)
    expect(store.scanCursorBytes).toBeLessThanOrEqual(2000)
    const before = reads()
    expect(await listPaged(store, 'u_l', 10)).toEqual(large)
    expect(reads() - before).toBe(5 * 40) // 4 full pages and the empty 5th, no cursor
    expect(store.scanCursorBytes).toBeLessThanOrEqual(2000)
    expect(await listPaged(store, 'u_s', 2)).toEqual(small)
    await expect(encrypted(createMemoryKvStore(), { scanCursorBytesMax: 1.5 })).rejects.toThrow(
      'scanCursorBytesMax: expected a non-negative integer',
    )
    await store.close()
  })

  it("hands out copies: changing a returned key or value does not change the cursor's later pages", async () => {
    const store = await encrypted(createMemoryKvStore())
    await fillTable(store, 'u_a', 10)
    const low = enc('u_a\u0000')
    const high = enc('u_a\u0001')
    const first = await collect(store.iterate({ gte: low, lt: high, limit: 4 }))
    const again = await collect(store.iterate({ gte: low, lt: high, limit: 4 }))
    for (const [k, v] of first) {
      k.fill(0)
      v.fill(0)
    }
    expect(again.map(([k]) => new TextDecoder().decode(k))).toEqual([0, 1, 2, 3].map((i) => rowKey('u_a', i)))
    const rest = await collect(store.iterate({ gt: enc(rowKey('u_a', 3)), lt: high, limit: 10 }))
    expect(rest.map(([, v]) => new TextDecoder().decode(v))).toEqual([4, 5, 6, 7, 8, 9].map((i) => `v${i}`))
    await store.close()
  })

  it('answers like the unencrypted store under random puts, deletes and interleaved paged scans', async () => {
    const keyArb = fc
      .tuple(
        fc.constantFrom('t', 't', 't', 'tt', 'u', ''),
        fc.constantFrom(0x00, 0x00, 0x01),
        fc.uint8Array({ minLength: 0, maxLength: 2, max: 3 }),
      )
      .map(([table, sep, rest]) => Uint8Array.from([...enc(table), sep, ...rest]))
    const boundsArb = fc.oneof(
      // A table range, as AMDB scans one.
      fc.constantFrom('t', 'tt', 'u').map((t) => ({ gte: enc(`${t}\u0000`), lt: enc(`${t}\u0001`) })),
      fc.record(
        { gt: keyArb, gte: keyArb, lt: keyArb, lte: keyArb },
        { requiredKeys: [] },
      ) as fc.Arbitrary<KvIterateOptions>,
    )
    const command = fc.oneof(
      fc.record({ op: fc.constant('put' as const), key: keyArb, value: fc.uint8Array({ maxLength: 3 }) }),
      fc.record({ op: fc.constant('del' as const), key: keyArb }),
      fc.record({
        op: fc.constant('scan' as const),
        bounds: boundsArb,
        reverse: fc.boolean(),
        limit: fc.integer({ min: 1, max: 4 }),
      }),
      fc.record({ op: fc.constant('page' as const), which: fc.nat({ max: 3 }) }),
      fc.record({ op: fc.constant('page' as const), which: fc.nat({ max: 3 }) }),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(keyArb, { maxLength: 40 }),
        fc.array(command, { minLength: 1, maxLength: 80 }),
        async (prefill, commands) => {
          const plain = createMemoryKvStore()
          const store = await encrypted(createMemoryKvStore(), { scanCursorsMax: 2 })
          const initial = prefill.map((key, i) => ({ type: 'put' as const, key, value: Uint8Array.of(i) }))
          await plain.batch(initial)
          await store.batch(initial)
          const row = ([k, v]: readonly [Bytes, Bytes]) => `${hex(k)}=${hex(v)}`
          /** Paged scans in progress: the next page's options, or done. */
          const scans: { options: KvIterateOptions; limit: number; done: boolean }[] = []
          const nextPage = async (scan: (typeof scans)[number]) => {
            const [a, b] = await Promise.all([
              collect(plain.iterate(scan.options)),
              collect(store.iterate(scan.options)),
            ])
            expect(b.map(row)).toEqual(a.map(row))
            if (a.length < scan.limit) scan.done = true
            else {
              const last = a[a.length - 1]![0]
              const { gt: _gt, gte: _gte, lt: _lt, lte: _lte, ...rest } = scan.options
              scan.options = scan.options.reverse
                ? { ...rest, ...pick(scan.options, 'gt', 'gte'), lt: last }
                : { ...rest, ...pick(scan.options, 'lt', 'lte'), gt: last }
            }
          }
          for (const c of commands) {
            if (c.op === 'put') {
              await plain.put(c.key, c.value)
              await store.put(c.key, c.value)
            } else if (c.op === 'del') {
              await plain.del(c.key)
              await store.del(c.key)
            } else if (c.op === 'scan') {
              const scan = {
                options: { ...c.bounds, reverse: c.reverse, limit: c.limit },
                limit: c.limit,
                done: false,
              }
              scans.push(scan)
              await nextPage(scan)
            } else {
              const open = scans.filter((s) => !s.done)
              const scan = open[c.which % Math.max(1, open.length)]
              if (scan !== undefined) await nextPage(scan)
            }
            expect(store.scanCursors).toBeLessThanOrEqual(2)
          }
          // Finish every scan; a full listing must match too.
          for (const scan of scans) while (!scan.done) await nextPage(scan)
          expect((await collect(store.iterate())).map(row)).toEqual((await collect(plain.iterate())).map(row))
          await store.close()
        },
      ),
      { seed: 20_261_126, numRuns: 120 },
    )
  })
})

function pick(options: KvIterateOptions, ...names: ('gt' | 'gte' | 'lt' | 'lte')[]): KvIterateOptions {
  const out: Record<string, Bytes> = {}
  for (const name of names) {
    const value = options[name]
    if (value !== undefined) out[name] = value
  }
  return out
}
