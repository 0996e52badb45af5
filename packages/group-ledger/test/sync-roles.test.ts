import { ModuleId } from '@consortia/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeBlockRequest, encodeStatus, encodeTransactions, SyncPacket } from '../src/index.js'
import { abiCall, dagTx, dagWorkload, precompileAddress } from './ledger-helpers.js'
import {
  createSyncCluster,
  hexOf,
  listenToGroup,
  type SyncCluster,
  type SyncNode,
  suite,
} from './sync-helpers.js'

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

const received = (n: SyncNode) => [...n.transport.received.values()].reduce((a, b) => a + b, 0)

describe('node roles', () => {
  it('a node admitted by addObserver follows the chain from block h + 1 on, never votes; a free node gets no group data', async () => {
    // Nodes 0-3 are the genesis sealers; node 4 runs the group's stack but is not in it yet.
    cluster = await createSyncCluster({ nodes: 5, sealers: [0, 1, 2, 3], txCountLimit: 5 })
    const c = cluster
    const sealers = c.running().slice(0, 4)
    const observer = c.nodes[4]!
    // A free node: connected to every node of the network, in no group.
    const freeKey = suite.hash(new TextEncoder().encode('free-node'))
    const free = c.network.createTransport(suite.publicKey(freeKey))
    const freeListener = listenToGroup(free, 1)

    await submit(sealers, dagWorkload(USERS, 10))
    await c.runUntil(() => sealers.every((n) => n.pool.size === 0), 800)
    const before = sealers[0]!.store.head.number
    expect(before).toBeGreaterThanOrEqual(2)
    // Not a member yet: nothing of group 1 reached node 4 or the free node.
    expect(observer.blockSync.role).toBe('free')
    expect(observer.store.head.number).toBe(0)
    expect(received(observer)).toBe(0)
    expect(freeListener.count()).toBe(0)

    // ConsensusPrecompiled (0x1003) addObserver(nodeId) in block h: node 4 observes from h + 1.
    const add = dagTx(
      900,
      abiCall('addObserver(string)', [hexOf(observer.id)]),
      500n,
      precompileAddress(0x1003),
    )
    await submit(sealers, [add])
    await c.runUntil(() => sealers.every((n) => n.pool.size === 0), 800)
    const at = await sealers[0]!.store.transactionLocation(suite.hash(add))
    expect(at).toBeDefined()
    await c.runTicks(2)
    for (const n of sealers) expect(n.blockSync.members.observers.map(hexOf)).toEqual([hexOf(observer.id)])

    await c.runUntil(() => observer.store.head.number >= at!.number, 400)
    expect(observer.blockSync.role).toBe('observer')
    expect(observer.blockSync.stats.blocksImported).toBeGreaterThanOrEqual(at!.number)

    // It keeps following new blocks, executing them itself.
    await submit(sealers, dagWorkload(USERS, 15, 2000).slice(USERS))
    await c.runUntil(
      () =>
        sealers.every((n) => n.pool.size === 0) &&
        observer.store.head.number === sealers[0]!.store.head.number,
      1500,
    )
    const head = sealers[0]!.store.head.number
    expect(head).toBeGreaterThan(at!.number)
    expect(hexOf(observer.store.head.hash)).toBe(hexOf(sealers[0]!.store.head.hash))
    expect(hexOf(observer.store.head.header.dbHash)).toBe(hexOf(sealers[0]!.store.head.header.dbHash))
    // Never a voter: no consensus message sent, no proposal, no index in any certificate.
    expect(observer.driver.selfIndex).toBeUndefined()
    expect(observer.driver.stats.proposed).toBe(0)
    expect(observer.transport.sent.get(`1/${ModuleId.PBFT}`) ?? 0).toBe(0)
    for (let h = 1; h <= head; h++) {
      const b = await observer.store.blockByNumber(h)
      expect(b!.block.header.sealerList.map(hexOf)).not.toContain(hexOf(observer.id))
      for (const s of b!.block.signatureList) expect(s.index).toBeLessThan(4)
    }

    // The free node asks for status, blocks and pushes a transaction: nobody answers or admits it.
    const target = sealers[0]!
    const genesisHash = (await target.store.hashByNumber(0))!
    const send = (packetType: number, payload: Uint8Array) =>
      free.send(target.id, { groupId: 1, moduleId: ModuleId.BlockSync, packetType, payload })
    send(SyncPacket.Status, encodeStatus({ number: 0, genesisHash, latestHash: genesisHash }))
    send(SyncPacket.ReqBlocks, encodeBlockRequest({ from: 1, size: 5 }))
    const pushed = dagTx(901, abiCall('userAdd(string,uint256)', ['intruder', 1n]), BigInt(head + 100))
    send(SyncPacket.Transactions, encodeTransactions([pushed]))
    await c.runTicks(20)
    expect(freeListener.count()).toBe(0)
    expect(target.blockSync.stats.droppedNonMember).toBeGreaterThanOrEqual(2)
    expect(target.txSync.stats.droppedNonMember).toBe(1)
    expect(target.pool.has(suite.hash(pushed))).toBe(false)
    freeListener.close()
    await free.close()
  })

  it('an observer promoted by addSealer votes from block h + 1 on: with an old sealer down, its vote makes the quorum', async () => {
    cluster = await createSyncCluster({ nodes: 5, sealers: [0, 1, 2, 3], txCountLimit: 5 })
    const c = cluster
    const sealers = c.running().slice(0, 4)
    const node = c.nodes[4]!
    const consensus = (raw: Uint8Array) => [...sealers, node].map((n) => n.pool.submitMany([raw]))
    await Promise.all(
      consensus(
        dagTx(900, abiCall('addObserver(string)', [hexOf(node.id)]), 500n, precompileAddress(0x1003)),
      ),
    )
    await c.runUntil(
      () => node.blockSync.role === 'observer' && node.store.head.number === sealers[0]!.store.head.number,
      800,
    )
    expect(node.driver.selfIndex).toBeUndefined()

    const promote = dagTx(
      901,
      abiCall('addSealer(string)', [hexOf(node.id)]),
      500n,
      precompileAddress(0x1003),
    )
    await Promise.all(consensus(promote))
    await c.runUntil(
      () => node.driver.selfIndex !== undefined && sealers.every((n) => n.pool.size === 0),
      800,
    )
    const h = (await sealers[0]!.store.transactionLocation(suite.hash(promote)))!.number
    // Block h was sealed by the old list; from h + 1 on the list has five sealers (quorum 4).
    expect((await sealers[0]!.store.headerByNumber(h))!.sealerList.length).toBe(4)
    for (const n of [...sealers, node]) expect(n.driver.config.sealerList.length).toBe(5)
    const index = node.driver.selfIndex!

    // One old sealer down: the remaining three need the promoted node's vote to commit.
    await c.stop(0)
    const live = [...sealers.slice(1), node]
    const more = dagWorkload(USERS, 10, 4000).slice(USERS)
    for (const n of live) await n.pool.submitMany(more)
    await c.runUntil(() => live.every((n) => n.pool.size === 0), 2000)
    const top = node.store.head.number
    expect(top).toBeGreaterThan(h + 1)
    const b = await node.store.blockByNumber(top)
    expect(b!.block.header.sealerList.length).toBe(5)
    expect(b!.block.signatureList.map((s) => s.index)).toContain(index)
    expect(node.transport.sent.get(`1/${ModuleId.PBFT}`) ?? 0).toBeGreaterThan(0)
  })
})
