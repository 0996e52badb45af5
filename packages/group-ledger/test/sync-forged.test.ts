import { ModuleId } from '@consortia/interface'
import { decodeBlock, encodeBlock } from '@consortia/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeBlocks, encodeBlocks, pbftCertificates, raftCertificates, SyncPacket } from '../src/index.js'
import { abiCall, dagTx, dagWorkload, precompileAddress } from './ledger-helpers.js'
import { createSyncCluster, hexOf, type SyncCluster, type SyncNode, suite } from './sync-helpers.js'

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

describe('forged blocks', () => {
  it('a peer serving blocks with swapped transactions under a genuine certificate is refused, penalised and banned', async () => {
    // One sealer and three observers (admitted by ConsensusPrecompiled) that only follow by block sync.
    cluster = await createSyncCluster({
      nodes: 4,
      sealers: [0],
      txCountLimit: 1,
      blockSync: { requestBlocksMax: 2 },
    })
    const c = cluster
    const [sealer, liar, honest, late] = c.running() as [SyncNode, SyncNode, SyncNode, SyncNode]
    const adds = [liar, honest, late].map((n, i) =>
      dagTx(100_000 + i, abiCall('addObserver(string)', [hexOf(n.id)]), 500n, precompileAddress(0x1003)),
    )
    await submit([sealer], adds)
    await c.runUntil(() => [liar, honest, late].every((n) => n.blockSync.role === 'observer'), 400)
    await c.stop(late.index)
    await submit([sealer], dagWorkload(USERS, 10))
    await c.runUntil(
      () =>
        sealer.pool.size === 0 &&
        [liar, honest].every((n) => n.store.head.number === sealer.store.head.number),
      1500,
    )
    const height = sealer.store.head.number
    expect(height).toBeGreaterThanOrEqual(20)

    // The liar follows the chain honestly but forges every block it serves: the header and
    // commit certificate are genuine, the transactions are not (CVE-2022-28937 style).
    const other = dagTx(7777, abiCall('userAdd(string,uint256)', ['mallory', 1n]), 500n)
    let forged = 0
    liar.transport.outgoing = (_to, m) => {
      if (m.moduleId !== ModuleId.BlockSync || m.packetType !== SyncPacket.Blocks) return m
      const entries = decodeBlocks(m.payload, 32)!
      const rewritten = entries.map((e) => {
        const { block } = decodeBlock(e.rlp, suite)
        const swapped = { ...block.transactions[0]!, raw: other, hash: suite.hash(other) }
        forged++
        return { ...e, rlp: encodeBlock({ ...block, transactions: [swapped] }, suite.hash) }
      })
      return { ...m, payload: encodeBlocks(rewritten) }
    }

    const back = await c.start(late.index)
    await c.runUntil(() => back.store.head.number >= height, 800)
    expect(forged).toBeGreaterThan(0)
    const s = back.blockSync.stats
    expect(s.blocksRefused).toBeGreaterThanOrEqual(1)
    expect(back.driver.stats.importRefused).toBeGreaterThanOrEqual(1)
    const view = back.blockSync.peers().find((p) => hexOf(p.nodeId) === hexOf(liar.id))!
    expect(view.score).toBeLessThan(0)
    expect(view.bannedUntilMs).toBeGreaterThan(c.clock.nowMs())
    // Nothing forged was stored: the chain is the honest one.
    for (let h = 1; h <= height; h++) {
      expect(hexOf((await back.store.hashByNumber(h))!)).toBe(hexOf((await sealer.store.hashByNumber(h))!))
    }
    expect(await back.store.hasTransaction(suite.hash(other))).toBe(false)
  })

  it('PBFT certificates: n - f distinct sealers over the block hash (FISCO signatureList); Raft blocks only from sealers', async () => {
    cluster = await createSyncCluster({ nodes: 4, txCountLimit: 5 })
    const c = cluster
    await submit(c.running(), dagWorkload(USERS, 0))
    await c.runUntil(() => c.running().every((n) => n.pool.size === 0), 800)
    const stored = (await c.nodes[0]!.store.blockByNumber(1))!
    const sealers = c.sealerList
    const policy = pbftCertificates(suite)
    const entry = { block: stored.block, hash: stored.hash, view: stored.view! }
    expect(policy.check(entry, sealers, c.nodes[0]!.id)).toBeUndefined()
    const sigs = stored.block.signatureList
    const withSigs = (signatureList: typeof sigs, view = entry.view) => ({
      ...entry,
      view,
      block: { ...stored.block, signatureList },
    })
    const flipped = sigs.map((s, i) =>
      i === 0 ? { ...s, signature: s.signature.map((b, j) => (j === 5 ? b ^ 1 : b)) } : s,
    )
    expect(policy.check(withSigs(flipped), sealers, c.nodes[0]!.id)).toMatch(/does not verify/)
    expect(policy.check(withSigs(sigs.slice(0, 2)), sealers, c.nodes[0]!.id)).toMatch(/needs 3/)
    expect(policy.check(withSigs([sigs[0]!, sigs[0]!, sigs[1]!]), sealers, c.nodes[0]!.id)).toMatch(/twice/)
    // FISCO's signatures are over the bare block hash: each one is by sealerList[index].
    for (const s of sigs) expect(suite.verify(stored.hash, s.signature, sealers[s.index]!)).toBe(true)
    // No view is needed to check them; another block's hash fails.
    expect(policy.check({ block: stored.block, hash: stored.hash }, sealers, c.nodes[0]!.id)).toBeUndefined()
    const parent = (await c.nodes[0]!.store.hashByNumber(0))!
    expect(policy.check({ ...entry, hash: parent }, sealers, c.nodes[0]!.id)).toMatch(/does not verify/)
    // The view-bound scheme refuses them (and blocks without a view).
    const bound = pbftCertificates(suite, { scheme: 'view-bound' })
    expect(bound.check(entry, sealers, c.nodes[0]!.id)).toMatch(/does not verify/)
    expect(bound.check({ block: stored.block, hash: stored.hash }, sealers, c.nodes[0]!.id)).toMatch(/view/)
    expect(
      policy.check(withSigs([{ index: 9, signature: sigs[0]!.signature }]), sealers, c.nodes[0]!.id),
    ).toMatch(/not a sealer/)
    const raft = raftCertificates()
    const empty = withSigs([])
    expect(raft.check(empty, sealers, sealers[0]!)).toBeUndefined()
    expect(raft.check(empty, sealers, suite.publicKey(suite.hash(new Uint8Array([1]))))).toMatch(
      /not served by a sealer/,
    )
    expect(raft.check(entry, sealers, sealers[0]!)).toMatch(/signature list/)
  })
})
