import { afterEach, describe, expect, it } from 'vitest'
import { dagWorkload } from './ledger-helpers.js'
import { createSyncCluster, hexOf, type SyncCluster, type SyncNode } from './sync-helpers.js'

const USERS = 10
let cluster: SyncCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

async function submit(nodes: readonly SyncNode[], raws: readonly Uint8Array[]) {
  for (const n of nodes) {
    const results = await n.pool.submitMany(raws)
    expect(results.filter((r) => !r.ok)).toEqual([])
  }
}

async function expectSameChain(nodes: readonly SyncNode[], upTo: number) {
  for (let h = 1; h <= upTo; h++) {
    const hashes = await Promise.all(nodes.map(async (n) => hexOf((await n.store.hashByNumber(h))!)))
    expect(new Set(hashes).size).toBe(1)
  }
}

describe('block sync with PBFT', () => {
  it('four sealers keep committing with one down; the restarted one catches up and votes again', async () => {
    cluster = await createSyncCluster({ nodes: 4, txCountLimit: 5 })
    const c = cluster
    await c.stop(3)
    const up = c.running()
    await submit(up, dagWorkload(USERS, 40))
    await c.runUntil(() => up.every((n) => n.pool.size === 0), 1500)
    const height = up[0]!.store.head.number
    expect(height).toBeGreaterThanOrEqual(10)
    await expectSameChain(up, height)

    const back = await c.start(3)
    expect(back.store.head.number).toBe(0)
    await c.runUntil(() => back.store.head.number >= height, 600)
    // A short gap is closed by block sync or by PBFT's own catch-up (its last 64 blocks),
    // whichever comes first; longer gaps are block sync's alone (sync-catchup.test.ts).
    expect(back.driver.stats.imported).toBe(back.blockSync.stats.blocksImported)
    await expectSameChain(c.running(), height)
    // Imported blocks keep their commit certificates (n - f = 3 signatures).
    const b = await back.store.blockByNumber(height)
    expect(b!.block.signatureList.length).toBeGreaterThanOrEqual(3)

    // Back in consensus: stop another sealer; the three left (with the restarted one) still commit.
    await c.stop(0)
    const three = c.running()
    await submit(three, dagWorkload(USERS, 10, 1000).slice(USERS))
    await c.runUntil(() => three.every((n) => n.pool.size === 0), 1500)
    expect(back.store.head.number).toBeGreaterThan(height)
    await expectSameChain(three, back.store.head.number)
    for (const n of three) expect(n.driver.failure).toBeUndefined()
  })
})
