import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KvStore } from '@consortia/interface'
import { createLevelKvStore } from '@consortia/kv-level'
import { createManualClock, createMemoryKvStore } from '@consortia/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { createTxPool, loadNonceWindow, TxJournal, type TxPoolComponents } from '../src/index.js'
import { ecdsa, hex, rawTx, signedTx, TestChain } from './helpers.js'

const hashOf = (raw: Uint8Array) => ecdsa.hash(raw)

/** Opens a pool on `chain` as a restarted node does: window from the chain, journal replayed. */
async function openPool(chain: TestChain, journal: KvStore, extra: Partial<TxPoolComponents> = {}) {
  const nonceWindow = await loadNonceWindow(chain, chain.height)
  return createTxPool(
    { groupId: 1, expirationMs: 60_000 },
    { suite: ecdsa, chain, nonceWindow, journal, ...extra },
  )
}

describe('journal: nothing accepted is lost across a crash', () => {
  const dirs: string[] = []
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  it('replays accepted transactions in arrival order after a crash (the pool object is simply abandoned)', async () => {
    const store = createMemoryKvStore()
    const chain = new TestChain()
    const before = await openPool(chain, store)
    const raws = [30n, 10n, 20n].map((nonce) => rawTx({ nonce }))
    expect((await before.submitMany(raws)).every((r) => r.ok)).toBe(true)
    // Crash: no close(), no flush. A new process opens the same store.
    const after = await openPool(chain, store)
    expect(after.replay).toEqual({ records: 3, restored: 3, dropped: 0 })
    expect(after.fetchForSealing({ txCountMax: 10 }).map((t) => t.tx.nonce)).toEqual([30n, 10n, 20n])
    // New arrivals go after the restored ones.
    await after.submit(rawTx({ nonce: 5n }))
    expect(after.pending().map((t) => t.tx.nonce)).toEqual([30n, 10n, 20n, 5n])
  })

  it('drops on replay what became invalid while the node was down, and says why', async () => {
    const store = createMemoryKvStore()
    const clock = createManualClock(1_000_000)
    const chain = new TestChain()
    const before = await openPool(chain, store, { clock })
    const committedElsewhere = rawTx({ nonce: 1n })
    const nonceTaken = rawTx({ nonce: 2n })
    const shortLived = rawTx({ nonce: 3n, blockLimit: 2n })
    const survivor = rawTx({ nonce: 4n })
    await before.submitMany([committedElsewhere, nonceTaken, shortLived, survivor])
    // While down: the network committed two blocks.
    const stx = before.get(hashOf(committedElsewhere))!
    chain.commit([stx, signedTx({ nonce: 2n }, 7)])
    chain.commit([])
    clock.advance(30_000)
    const after = await openPool(chain, store, { clock })
    expect(after.replay).toEqual({ records: 4, restored: 1, dropped: 3 })
    expect(after.pending().map((t) => t.tx.nonce)).toEqual([4n])
    expect(after.outcome(hashOf(committedElsewhere))).toEqual({
      state: 'dropped',
      status: 10001,
      reason: 'ALREADY_IN_CHAIN',
    })
    expect(after.outcome(hashOf(nonceTaken))).toEqual({
      state: 'dropped',
      status: 15,
      reason: 'NONCE_IN_CHAIN',
    })
    expect(after.outcome(hashOf(shortLived))).toEqual({ state: 'dropped', status: 16, reason: 'BLOCK_LIMIT' })
    // The dropped records are gone from the journal.
    expect((await new TxJournal(store).readAll()).map((r) => hex(hashOf(r.raw)))).toEqual([
      hex(hashOf(survivor)),
    ])
    // Expiry still counts from the original arrival: 60 s after it, not after the restart.
    clock.advance(29_999)
    expect(after.size).toBe(1)
    clock.advance(1)
    expect(after.size).toBe(0)
  })

  it('drops on replay what expired while the node was down', async () => {
    const store = createMemoryKvStore()
    const clock = createManualClock(0)
    const chain = new TestChain()
    const before = await openPool(chain, store, { clock })
    const raw = rawTx({ nonce: 1n })
    await before.submit(raw)
    await before.close()
    clock.advance(60_000)
    const after = await openPool(chain, store, { clock })
    expect(after.replay).toEqual({ records: 1, restored: 0, dropped: 1 })
    expect(after.outcome(hashOf(raw))).toEqual({ state: 'dropped', status: 29, reason: 'EXPIRED' })
    expect(await new TxJournal(store).readAll()).toEqual([])
  })

  it('does not resurrect committed or dropped transactions', async () => {
    const store = createMemoryKvStore()
    const chain = new TestChain()
    const before = await openPool(chain, store)
    const raws = [1n, 2n, 3n].map((nonce) => rawTx({ nonce }))
    await before.submitMany(raws)
    await before.onBlockCommitted(chain.commit(before.fetchForSealing({ txCountMax: 1 })))
    await before.drop(hashOf(raws[1]!), 25)
    const after = await openPool(chain, store)
    expect(after.replay).toEqual({ records: 1, restored: 1, dropped: 0 })
    expect(after.pending().map((t) => t.tx.nonce)).toEqual([3n])
  })

  it('survives a real LevelDB reopen', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'consortia-txpool-'))
    dirs.push(dir)
    const chain = new TestChain()
    const db1 = await createLevelKvStore({ location: dir })
    const before = await openPool(chain, db1)
    const raws = Array.from({ length: 50 }, (_, i) => rawTx({ nonce: BigInt(i + 1) }, i % 5))
    expect((await before.submitMany(raws)).every((r) => r.ok)).toBe(true)
    await db1.close() // the process dies; LevelDB has the synced batch
    const db2 = await createLevelKvStore({ location: dir })
    try {
      const after = await openPool(chain, db2)
      expect(after.replay.restored).toBe(50)
      expect(after.pending().map((t) => hex(t.hash))).toEqual(raws.map((r) => hex(hashOf(r))))
      expect(hex(after.pending()[3]!.sender)).toBe(hex(before.get(hashOf(raws[3]!))!.sender))
    } finally {
      await db2.close()
    }
  })

  it('answers only after the journal write, and seals nothing before it', async () => {
    const store = createMemoryKvStore()
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow: KvStore = {
      get: (k) => store.get(k),
      getMany: (k) => store.getMany(k),
      put: (k, v) => store.put(k, v),
      del: (k) => store.del(k),
      batch: async (ops, options) => {
        await gate
        await store.batch(ops, options)
      },
      iterate: (o) => store.iterate(o),
      close: () => store.close(),
    }
    const chain = new TestChain()
    const pool = await openPool(chain, slow)
    const accepted: string[] = []
    pool.subscribe((e) => accepted.push(e.type))
    let answered = false
    const pending = pool.submit(rawTx({ nonce: 1n })).then((r) => {
      answered = true
      return r
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(answered).toBe(false)
    expect(pool.size).toBe(1) // reserved, so a duplicate is refused meanwhile
    expect((await pool.submit(rawTx({ nonce: 1n }))).status).toBe(10000)
    expect(pool.fetchForSealing({ txCountMax: 10 })).toEqual([])
    expect(pool.pending()).toEqual([])
    expect(accepted).toEqual([])
    release()
    expect((await pending).ok).toBe(true)
    expect(accepted).toEqual(['accepted'])
    expect(pool.fetchForSealing({ txCountMax: 10 })).toHaveLength(1)
  })

  it('refuses the batch with TXPOOL_JOURNAL_FAILED when the journal cannot be written', async () => {
    const store = createMemoryKvStore()
    const broken: KvStore = {
      get: (k) => store.get(k),
      getMany: (k) => store.getMany(k),
      put: (k, v) => store.put(k, v),
      del: (k) => store.del(k),
      batch: async () => {
        throw new Error('EIO')
      },
      iterate: (o) => store.iterate(o),
      close: () => store.close(),
    }
    const pool = await openPool(new TestChain(), broken)
    await expect(pool.submitMany([rawTx({ nonce: 1n }), rawTx({ nonce: 2n })])).rejects.toMatchObject({
      type: { code: 'TXPOOL_JOURNAL_FAILED', operation: 'append', count: 2 },
    })
    expect(pool.size).toBe(0)
    expect(pool.hasNonce(1n)).toBe(false)
    expect(pool.bytes).toBe(0)
  })
})
