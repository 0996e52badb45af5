import { afterEach, describe, expect, it } from 'vitest'
import { abiCall, dagTx, precompileAddress } from './ledger-helpers.js'
import { createSyncCluster, hexOf, type SyncCluster, type SyncNode } from './sync-helpers.js'

let cluster: SyncCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

/** `count` one-transaction blocks (small userAdd calls) sealed by `sealer`, followed by `followers`. */
async function commitBlocks(c: SyncCluster, sealer: SyncNode, followers: readonly SyncNode[], count: number) {
  const head = sealer.store.head.number
  for (let done = 0; done < count; ) {
    const batch = Math.min(250, count - done)
    const limit = BigInt(sealer.store.head.number + 900)
    const raws = Array.from({ length: batch }, (_, i) =>
      dagTx(done + i, abiCall('userAdd(string,uint256)', [`u${done + i}`, 1n]), limit),
    )
    expect((await sealer.pool.submitMany(raws)).every((r) => r.ok)).toBe(true)
    await c.runUntil(() => sealer.pool.size === 0, 20 * batch)
    done += batch
  }
  const top = sealer.store.head.number
  await c.runUntil(() => followers.every((n) => n.store.head.number === top), 2000)
  expect(top).toBe(head + count)
}

describe('catch-up', () => {
  it('a node restarted 1,000 blocks behind downloads them in ranges from several peers and catches up', {
    timeout: 120_000,
  }, async () => {
    // One sealer (PBFT with n = 1 needs no network round per block, so 1,000 blocks take seconds)
    // and two observers admitted by ConsensusPrecompiled, which follow by block sync.
    cluster = await createSyncCluster({ nodes: 3, sealers: [0], txCountLimit: 1 })
    const c = cluster
    const [sealer, b, late] = c.running() as [SyncNode, SyncNode, SyncNode]
    const adds = [b, late].map((n, i) =>
      dagTx(100_000 + i, abiCall('addObserver(string)', [hexOf(n.id)]), 500n, precompileAddress(0x1003)),
    )
    expect((await sealer.pool.submitMany(adds)).every((r) => r.ok)).toBe(true)
    await c.runUntil(
      () => [b, late].every((n) => n.blockSync.role === 'observer' && n.store.head.number >= 1),
      400,
    )
    const start = sealer.store.head.number
    await c.stop(late.index)
    await commitBlocks(c, sealer, [b], 1000)
    const height = sealer.store.head.number
    expect(height).toBe(start + 1000)

    const back = await c.start(late.index)
    expect(back.store.head.number).toBe(start)
    const ticks = await c.runUntil(() => back.store.head.number >= height, 1000)
    const s = back.blockSync.stats
    expect(s.blocksImported).toBe(1000)
    expect(s.blocksRefused).toBe(0)
    // Ranges of at most 32 blocks (FISCO c_maxRequestBlocks), served by more than one peer.
    expect(s.requestsSent).toBeGreaterThanOrEqual(Math.ceil(1000 / 32))
    const servers = [sealer, b].filter((n) => n.blockSync.stats.blocksServed > 0)
    expect(servers.length).toBeGreaterThanOrEqual(2)
    expect(ticks).toBeLessThan(1000)
    for (const h of [1, 500, height]) {
      expect(hexOf((await back.store.hashByNumber(h))!)).toBe(hexOf((await sealer.store.hashByNumber(h))!))
    }
    expect(await back.store.totalTransactionCount()).toBe(await sealer.store.totalTransactionCount())
    // The pool's nonce window followed the imported blocks: a committed transaction is refused.
    const replay = await back.pool.submit(
      dagTx(999, abiCall('userAdd(string,uint256)', ['u999', 1n]), BigInt(height + 10)),
    )
    expect(replay.ok).toBe(false)
  })
})
