import { afterEach, describe, expect, it } from 'vitest'
import { dagWorkload } from './ledger-helpers.js'
import { createSyncCluster, hexOf, type SyncCluster } from './sync-helpers.js'

const USERS = 10
let cluster: SyncCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

describe('block sync with Raft', () => {
  it('five sealers keep committing with two down; the two come back, catch up and the chain is one', async () => {
    cluster = await createSyncCluster({ nodes: 5, engine: 'raft', txCountLimit: 10 })
    const c = cluster
    await c.stop(1)
    await c.stop(4)
    const up = c.running()
    expect(up.length).toBe(3)
    // Transactions sent to one node only: tx sync brings them to the leader, wherever it is.
    const txs = dagWorkload(USERS, 30)
    expect((await up[0]!.pool.submitMany(txs)).every((r) => r.ok)).toBe(true)
    await c.runUntil(() => up.every((n) => n.pool.size === 0), 2000)
    const height = up[0]!.store.head.number
    expect(height).toBeGreaterThanOrEqual(4)
    for (const n of up) expect(await n.store.totalTransactionCount()).toBe(txs.length)

    const back = [await c.start(1), await c.start(4)]
    await c.runUntil(() => back.every((n) => n.store.head.number >= height), 1000)
    for (const n of back) {
      for (let h = 1; h <= height; h++) {
        expect(hexOf((await n.store.hashByNumber(h))!)).toBe(hexOf((await up[0]!.store.hashByNumber(h))!))
      }
      // Raft blocks carry no signatures; they were accepted from sealers only.
      expect((await n.store.blockByNumber(height))!.block.signatureList).toEqual([])
    }
    // With all five back, more blocks are committed by everyone.
    const more = dagWorkload(USERS, 10, 500).slice(USERS)
    expect((await back[0]!.pool.submitMany(more)).every((r) => r.ok)).toBe(true)
    await c.runUntil(() => c.running().every((n) => n.pool.size === 0 && n.store.head.number > height), 2000)
    for (const n of c.running()) expect(n.driver.failure).toBeUndefined()
  })
})
