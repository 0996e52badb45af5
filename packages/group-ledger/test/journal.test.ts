import type { KvStore } from '@consortia/interface'
import { createMemoryKvStore } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import { JOURNAL_BATCH_OPS_MAX, JOURNAL_RECORD_VERSION, TxJournal } from '../src/index.js'

const enc = (s: string) => new TextEncoder().encode(s)

describe('TxJournal', () => {
  it('reads records back in sequence order, exactly', async () => {
    const store = createMemoryKvStore()
    const j = new TxJournal(store)
    await j.append([
      { seq: 300, importMs: 5, raw: Uint8Array.of(3) },
      { seq: 2, importMs: 1_700_000_000_000, raw: Uint8Array.of(1, 2) },
    ])
    await j.append([{ seq: 256, importMs: 7, raw: Uint8Array.of(9) }])
    const all = await j.readAll()
    expect(all.map((r) => r.seq)).toEqual([2, 256, 300])
    expect(all[0]).toEqual({ seq: 2, importMs: 1_700_000_000_000, raw: Uint8Array.of(1, 2) })
  })

  it('removes records, idempotently', async () => {
    const store = createMemoryKvStore()
    const j = new TxJournal(store)
    await j.append([1, 2, 3].map((seq) => ({ seq, importMs: 0, raw: Uint8Array.of(seq) })))
    await j.remove([2, 2, 99])
    expect((await j.readAll()).map((r) => r.seq)).toEqual([1, 3])
  })

  it('keeps pools with different prefixes apart in one store', async () => {
    const store = createMemoryKvStore()
    const a = new TxJournal(store, { prefix: enc('g1/') })
    const b = new TxJournal(store, { prefix: enc('g2/') })
    await a.append([{ seq: 1, importMs: 0, raw: Uint8Array.of(1) }])
    await b.append([{ seq: 1, importMs: 0, raw: Uint8Array.of(2) }])
    await store.put(enc('other'), Uint8Array.of(0))
    expect((await a.readAll())[0]!.raw).toEqual(Uint8Array.of(1))
    expect((await b.readAll())[0]!.raw).toEqual(Uint8Array.of(2))
  })

  it('serializes writes: a remove issued right after an append is not overtaken', async () => {
    const store = createMemoryKvStore()
    const j = new TxJournal(store)
    const p1 = j.append([{ seq: 1, importMs: 0, raw: Uint8Array.of(1) }])
    const p2 = j.remove([1])
    await Promise.all([p1, p2])
    expect(await j.readAll()).toEqual([])
  })

  it('group commit: writes issued while one is in flight share one batch, synced when any asked', async () => {
    const store = createMemoryKvStore()
    const calls: { ops: number; sync: boolean | undefined }[] = []
    let release: (() => void) | undefined
    const slow: KvStore = {
      ...store,
      get: (k) => store.get(k),
      getMany: (k) => store.getMany(k),
      put: (k, v) => store.put(k, v),
      del: (k) => store.del(k),
      batch: async (ops, options) => {
        calls.push({ ops: ops.length, sync: options?.sync })
        // The first write waits until released: the next ones queue meanwhile.
        if (calls.length === 1) await new Promise<void>((r) => (release = r))
        return store.batch(ops, options)
      },
      iterate: (o) => store.iterate(o),
      close: () => store.close(),
    }
    const j = new TxJournal(slow)
    const rec = (seq: number) => ({ seq, importMs: 0, raw: Uint8Array.of(seq) })
    const first = j.append([rec(1)])
    const second = j.append([rec(2), rec(3)])
    const removal = j.remove([1])
    const third = j.append([rec(4)])
    expect(calls).toEqual([{ ops: 1, sync: true }])
    release!()
    await Promise.all([first, second, removal, third])
    // One more batch for the three queued writes, in call order (the removal after its append).
    expect(calls).toEqual([
      { ops: 1, sync: true },
      { ops: 4, sync: true },
    ])
    expect((await j.readAll()).map((r) => r.seq)).toEqual([2, 3, 4])
  })

  it('group commit: a group never exceeds JOURNAL_BATCH_OPS_MAX ops', async () => {
    const store = createMemoryKvStore()
    const sizes: number[] = []
    const counting: KvStore = {
      ...store,
      get: (k) => store.get(k),
      getMany: (k) => store.getMany(k),
      put: (k, v) => store.put(k, v),
      del: (k) => store.del(k),
      batch: async (ops, options) => {
        sizes.push(ops.length)
        return store.batch(ops, options)
      },
      iterate: (o) => store.iterate(o),
      close: () => store.close(),
    }
    const j = new TxJournal(counting)
    const half = JOURNAL_BATCH_OPS_MAX / 2
    const records = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ seq: from + i, importMs: 0, raw: Uint8Array.of(1) }))
    // The first write goes alone; the next three queue: two halves fill one group, the third waits.
    await Promise.all([
      j.append(records(0, 1)),
      j.append(records(1, half)),
      j.append(records(1 + half, half)),
      j.append(records(1 + 2 * half, 1)),
    ])
    expect(sizes).toEqual([1, JOURNAL_BATCH_OPS_MAX, 1])
    expect((await j.readAll()).length).toBe(JOURNAL_BATCH_OPS_MAX + 2)
  })

  it('refuses an append above JOURNAL_BATCH_OPS_MAX', () => {
    const j = new TxJournal(createMemoryKvStore())
    const records = Array.from({ length: JOURNAL_BATCH_OPS_MAX + 1 }, (_, seq) => ({
      seq,
      importMs: 0,
      raw: Uint8Array.of(1),
    }))
    expect(() => j.append(records)).toThrow(
      `journal append: expected at most ${JOURNAL_BATCH_OPS_MAX} records`,
    )
  })

  it('reports a corrupt record with its key', async () => {
    const store = createMemoryKvStore()
    const j = new TxJournal(store)
    await j.append([{ seq: 1, importMs: 0, raw: Uint8Array.of(1) }])
    const key = j.keyOf(1)
    await store.put(key, Uint8Array.of(JOURNAL_RECORD_VERSION + 1, 0, 0, 0, 0, 0, 0, 0, 0, 1))
    await expect(j.readAll()).rejects.toMatchObject({
      type: { code: 'TXPOOL_JOURNAL_CORRUPT', key: Buffer.from(key).toString('hex') },
    })
    await store.put(key, Uint8Array.of(JOURNAL_RECORD_VERSION))
    await expect(j.readAll()).rejects.toThrow('expected more than 9 bytes, got 1')
  })

  it('wraps store failures as TXPOOL_JOURNAL_FAILED', async () => {
    const store = createMemoryKvStore()
    const failing: KvStore = {
      ...store,
      get: (k) => store.get(k),
      getMany: (k) => store.getMany(k),
      put: (k, v) => store.put(k, v),
      del: (k) => store.del(k),
      batch: async () => {
        throw new Error('disk full')
      },
      iterate: () => ({
        [Symbol.asyncIterator]() {
          return { next: async () => Promise.reject(new Error('io error')) }
        },
      }),
      close: () => store.close(),
    }
    const j = new TxJournal(failing)
    await expect(j.append([{ seq: 1, importMs: 0, raw: Uint8Array.of(1) }])).rejects.toMatchObject({
      type: { code: 'TXPOOL_JOURNAL_FAILED', operation: 'append', count: 1 },
    })
    // The failed write does not wedge later ones.
    await expect(j.remove([1])).rejects.toMatchObject({ type: { operation: 'remove' } })
    await expect(j.readAll()).rejects.toMatchObject({
      type: { code: 'TXPOOL_JOURNAL_FAILED', operation: 'replay' },
    })
  })

  it('labels bad input', () => {
    expect(() => new TxJournal(undefined as unknown as KvStore)).toThrow(
      'journal: expected a KvStore, got undefined',
    )
    expect(() => new TxJournal(createMemoryKvStore(), { prefix: new Uint8Array(0) })).toThrow(
      'journal prefix: expected 1 to 64 bytes, got Uint8Array(0)',
    )
    expect(() => new TxJournal(createMemoryKvStore()).keyOf(-1)).toThrow('seq')
  })
})
