import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ModuleId } from '@consortia/interface'
import { blockHeaderHash, encodeBlockHeader, txHash } from '@consortia/protocol'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildBlockHeader, decodeConsensusMessage, encodeConsensusJSON } from '../src/index.js'
import {
  abiCall,
  balances,
  type Cluster,
  createCluster,
  dagTx,
  dagWorkload,
  hexOf,
  levelStorage,
  memoryStorage,
  precompileAddress,
  suite,
  type TestNode,
} from './ledger-helpers.js'

const USERS = 10
let cluster: Cluster | undefined
const dirs: string[] = []

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'consortia-ledger-'))
  dirs.push(d)
  return d
}

describe('consensus driver with PBFT', () => {
  it('four sealers commit blocks of signed DagTransfer transactions and agree on every hash and dbHash', async () => {
    cluster = await createCluster([memoryStorage(), memoryStorage(), memoryStorage(), memoryStorage()])
    const { nodes } = cluster
    const txs = dagWorkload(USERS, 110)
    await cluster.submit(txs)
    await cluster.runUntil(() => nodes.every((n) => n.pool.size === 0), 400)
    const height = nodes[0]!.store.head.number
    // tx_count_limit 50 in genesis: 120 transactions need at least 3 blocks.
    expect(height).toBeGreaterThanOrEqual(3)
    for (const n of nodes) expect(n.store.head.number).toBe(height)
    for (let h = 1; h <= height; h++) {
      const blocks = await Promise.all(nodes.map((n) => n.store.blockByNumber(h)))
      const first = blocks[0]!
      expect(first.block.transactions.length).toBeLessThanOrEqual(50)
      for (const b of blocks) {
        expect(hexOf(b!.hash)).toBe(hexOf(first.hash))
        expect(hexOf(b!.block.header.dbHash)).toBe(hexOf(first.block.header.dbHash))
      }
      // The PBFT commit certificate is the block's signature list: n - f = 3 of 4.
      expect(first.block.signatureList.length).toBeGreaterThanOrEqual(3)
    }
    expect(await nodes[0]!.store.totalTransactionCount()).toBe(txs.length)
    // Every transaction is indexed with a successful receipt, on every node.
    for (const n of nodes) {
      // Every 12th transaction (a block read recovers every sender of the block again).
      for (const raw of txs.filter((_, i) => i % 12 === 0 || i === txs.length - 1)) {
        const hash = txHash(raw, suite.hash)
        const at = await n.store.transactionLocation(hash)
        expect(at).toBeDefined()
        const block = await n.store.blockByNumber(at!.number)
        expect(hexOf(block!.block.transactions[at!.index]!.hash)).toBe(hexOf(hash))
        const receipt = await n.store.receipt(hash)
        expect(receipt?.status).toBe(0)
        // DagTransfer returns int256 0 for success.
        expect(hexOf(receipt!.output)).toBe('00'.repeat(32))
      }
    }
    const sums = await Promise.all(
      nodes.map(async (n) => (await balances(n.amdb, USERS)).reduce((a, b) => a + b, 0n)),
    )
    for (const s of sums) expect(s).toBe(BigInt(USERS) * 1_000_000n)
    const b0 = await balances(nodes[0]!.amdb, USERS)
    expect(b0.some((b) => b !== 1_000_000n)).toBe(true)
    for (const n of nodes.slice(1)) expect(await balances(n.amdb, USERS)).toEqual(b0)
    for (const n of nodes) expect(n.driver.failure).toBeUndefined()
  })

  it('sealers verifying a proposal reuse the senders their pools recovered instead of recovering again', async () => {
    cluster = await createCluster([memoryStorage(), memoryStorage(), memoryStorage(), memoryStorage()])
    const { nodes } = cluster
    const txs = dagWorkload(USERS, 30)
    // Every pool admits (and recovers) all 40 transactions before consensus runs.
    await cluster.submit(txs)
    const recover = vi.spyOn(suite, 'recover')
    try {
      await cluster.runUntil(() => nodes.every((n) => n.pool.size === 0), 400)
      expect(nodes[0]!.store.head.number).toBeGreaterThanOrEqual(1)
      // Without the reuse each of the three verifying sealers recovers all 40 senders again (120).
      expect(recover.mock.calls.length).toBeLessThan(txs.length)
    } finally {
      recover.mockRestore()
    }
  })

  it('a sealer restarted from its LevelDB reopens at the same height with its consensus state and keeps committing', async () => {
    const storages = [0, 1, 2, 3].map(() => levelStorage(tempDir()))
    cluster = await createCluster(storages)
    const c = cluster
    const first = dagWorkload(USERS, 30)
    await c.submit(first)
    await c.runUntil(() => c.nodes.every((n) => n.pool.size === 0), 400)
    const node = c.nodes[2]!
    const height = node.store.head.number
    const headHash = hexOf(node.store.head.hash)
    const persisted = await node.consensus.get(Buffer.from('consortia/consensus/1/8'))
    // The PBFT safety state was stored and is for the next height.
    expect((decodeConsensusMessage(persisted!) as { height: number }).height).toBe(height + 1)
    await c.stop(node)

    const again = await c.start(2)
    expect(again.store.head.number).toBe(height)
    expect(hexOf(again.store.head.hash)).toBe(headHash)
    expect(await again.store.totalTransactionCount()).toBe(first.length)
    // The nonce window was rebuilt from the stored blocks: a committed transaction is refused.
    const replay = await again.pool.submit(first[0]!)
    expect(replay.ok).toBe(false)

    const more = dagWorkload(USERS, 20, first.length).slice(USERS)
    await c.submit(more)
    await c.runUntil(() => c.nodes.every((n) => n.pool.size === 0 && n.store.head.number > height), 400)
    const top = Math.min(...c.nodes.map((n) => n.store.head.number))
    for (let h = 1; h <= top; h++) {
      const hashes = await Promise.all(c.nodes.map(async (n) => hexOf((await n.store.hashByNumber(h))!)))
      expect(new Set(hashes).size).toBe(1)
    }
    expect(await again.store.totalTransactionCount()).toBe(first.length + more.length)
    expect(again.driver.failure).toBeUndefined()
  })

  it('with one sealer isolated the other three keep committing, and it catches up after the heal', async () => {
    cluster = await createCluster([memoryStorage(), memoryStorage(), memoryStorage(), memoryStorage()])
    const c = cluster
    const [a, b, d, cut] = c.nodes as [TestNode, TestNode, TestNode, TestNode]
    c.network.isolate(cut.id)
    const txs = dagWorkload(USERS, 60)
    await c.submit(txs)
    await c.runUntil(() => [a, b, d].every((n) => n.pool.size === 0), 2000)
    const height = a.store.head.number
    expect(height).toBeGreaterThanOrEqual(2)
    expect(cut.store.head.number).toBe(0)
    for (const n of [b, d]) expect(hexOf(n.store.head.hash)).toBe(hexOf(a.store.head.hash))

    c.network.heal()
    await c.runUntil(() => cut.store.head.number >= height, 2000)
    for (let h = 1; h <= height; h++)
      expect(cut.hashes.get(h) ?? hexOf((await cut.store.hashByNumber(h))!)).toBe(a.hashes.get(h))
    expect(cut.pool.size).toBe(0)
    expect(cut.driver.failure).toBeUndefined()
  })

  it('refuses a forged proposal from a byzantine leader (re-execution differs) and commits in a later view', async () => {
    // The sealer at index pbftLeader(1, 0, 4) = 1 of the sorted list is byzantine and not started.
    const storages = [0, 1, 2, 3].map(() => memoryStorage())
    const probe = await createCluster(
      storages.map(() => memoryStorage()),
      { absent: [0, 1, 2, 3] },
    )
    const leaderId = probe.sealerList[1]!
    const byzantine = probe.keys.findIndex((k) => hexOf(suite.publicKey(k)) === hexOf(leaderId))
    cluster = await createCluster(storages, { absent: [byzantine] })
    const c = cluster
    const honest = c.nodes.filter(Boolean)
    const txs = dagWorkload(USERS, 5)
    await c.submit(txs)
    const genesis = honest[0]!.store.head
    const transport = c.network.createTransport(leaderId)
    // A header that claims a dbHash the transactions do not produce (CVE-2022-28937 style).
    const header = buildBlockHeader(suite, {
      parentHash: genesis.hash,
      number: 1,
      timestamp: genesis.header.timestamp + 1,
      dbHash: new Uint8Array(32).fill(7),
      sealerList: c.sealerList,
      sealer: 1,
      transactions: [],
      receipts: [],
      gasUsed: 0n,
    })
    const block = {
      number: 1,
      hash: blockHeaderHash(header, suite.hash),
      parentHash: genesis.hash,
      txCount: 1,
      payload: { header: encodeBlockHeader(header), transactions: [txs[0]!] },
    }
    transport.broadcast({
      groupId: 1,
      moduleId: ModuleId.PBFT,
      packetType: 0,
      payload: encodeConsensusJSON({ type: 'prepare', height: 1, view: 0, block }),
    })
    await c.runUntil(() => honest.every((n) => n.pool.size === 0), 2000)
    for (const n of honest) {
      expect(n.driver.stats.rejected).toBeGreaterThanOrEqual(1)
      expect(hexOf((await n.store.hashByNumber(1))!)).not.toBe(hexOf(block.hash))
      expect(hexOf(n.store.head.hash)).toBe(hexOf(honest[0]!.store.head.hash))
    }
    await transport.close()
  })

  it('a sealer removed by a ConsensusPrecompiled transaction in block h leaves the sealer list at h + 1', async () => {
    cluster = await createCluster([memoryStorage(), memoryStorage(), memoryStorage(), memoryStorage()])
    const c = cluster
    const leaving = c.nodes[3]!
    await c.submit(dagWorkload(USERS, 0))
    await c.runUntil(() => c.nodes.every((n) => n.pool.size === 0), 400)
    // ConsensusPrecompiled (0x1003) remove(string nodeId): FISCO writes the change with enable_num = h + 1.
    const remove = dagTx(500, abiCall('remove(string)', [hexOf(leaving.id)]), 500n, precompileAddress(0x1003))
    await c.submit([remove])
    await c.runUntil(() => c.nodes.every((n) => n.pool.size === 0), 400)
    const at = await c.nodes[0]!.store.transactionLocation(txHash(remove, suite.hash))
    expect(at).toBeDefined()
    const h = at!.number
    expect((await c.nodes[0]!.store.receipt(txHash(remove, suite.hash)))?.status).toBe(0)
    expect((await c.nodes[0]!.store.headerByNumber(h))!.sealerList.length).toBe(4)
    for (const n of c.nodes) expect(n.driver.config.sealerList.length).toBe(3)
    expect(leaving.driver.selfIndex).toBeUndefined()
    // The three remaining sealers (quorum 3 of 3) keep committing; block h + 1 has the new list.
    const more = dagWorkload(USERS, 12, 1000).slice(USERS)
    await c.submit(more, c.nodes.slice(0, 3))
    await c.runUntil(() => c.nodes.slice(0, 3).every((n) => n.pool.size === 0), 800)
    const next = await c.nodes[0]!.store.headerByNumber(h + 1)
    expect(next!.sealerList.map(hexOf)).not.toContain(hexOf(leaving.id))
    expect(next!.sealerList.length).toBe(3)
    const b = await c.nodes[1]!.store.blockByNumber(h + 1)
    for (const sig of b!.block.signatureList) expect(sig.index).toBeLessThan(3)
  })
})

describe('consensus driver pacing and persistence (bench issue 14)', () => {
  const stateKey = Buffer.from(`consortia/consensus/1/${ModuleId.PBFT}`, 'utf8')
  const viewOf = async (n: TestNode) => {
    const raw = await n.consensus.get(stateKey)
    return raw === undefined ? 0 : (decodeConsensusMessage(raw) as { view: number }).view
  }

  it('an idle leader proposes an empty block only after emptyBlockMs (FISCO emptyBlockGenTime), not every tick', async () => {
    cluster = await createCluster([memoryStorage(), memoryStorage(), memoryStorage(), memoryStorage()])
    const { nodes } = cluster
    // 100 ms ticks, EMPTY_BLOCK_MS_DEFAULT 1000 ms: five ticks go by without an empty block.
    await cluster.runTicks(5)
    expect(await viewOf(nodes[0]!)).toBe(0)
    // Past 1 s the idle leader proposes an empty block: everyone moves to the next view.
    await cluster.runTicks(8)
    const view = await viewOf(nodes[0]!)
    expect(view).toBeGreaterThanOrEqual(1)
    // About one view per second, not one per tick.
    await cluster.runTicks(10)
    expect((await viewOf(nodes[0]!)) - view).toBeLessThanOrEqual(2)
    await cluster.close()
    // emptyBlockMs 0: the old pacing, an empty block at the next tick.
    cluster = await createCluster([memoryStorage(), memoryStorage(), memoryStorage(), memoryStorage()], {
      emptyBlockMs: 0,
    })
    await cluster.runTicks(5)
    expect(await viewOf(cluster.nodes[0]!)).toBeGreaterThanOrEqual(2)
    // Transactions are proposed without waiting for emptyBlockMs.
    await cluster.close()
    cluster = await createCluster([memoryStorage(), memoryStorage(), memoryStorage(), memoryStorage()])
    await cluster.submit(dagWorkload(USERS, 0))
    const ticks = await cluster.runUntil(() => cluster!.nodes.every((n) => n.store.head.number >= 1), 400)
    expect(ticks).toBeLessThan(10)
  })

  it('PBFT state is fsynced whenever a vote leaves with it; a silent new height is written without fsync', async () => {
    cluster = await createCluster([memoryStorage(), memoryStorage(), memoryStorage(), memoryStorage()])
    const { nodes } = cluster
    const writes: { sync: boolean; lastSign: string; lastCommit: string }[][] = nodes.map(() => [])
    nodes.forEach((n, i) => {
      const batch = n.consensus.batch.bind(n.consensus)
      n.consensus.batch = async (ops, options) => {
        const state = decodeConsensusMessage((ops[0] as { value: Uint8Array }).value) as {
          lastSign?: unknown
          lastCommit?: unknown
        }
        writes[i]!.push({
          sync: options?.sync === true,
          lastSign: JSON.stringify(encodeConsensusJSON(state.lastSign ?? null)),
          lastCommit: JSON.stringify(encodeConsensusJSON(state.lastCommit ?? null)),
        })
        return batch(ops, options)
      }
    })
    await cluster.submit(dagWorkload(USERS, 40))
    await cluster.runUntil(() => nodes.every((n) => n.pool.size === 0), 400)
    let lazy = 0
    for (const list of writes) {
      for (let k = 1; k < list.length; k++) {
        const w = list[k]!
        const before = list[k - 1]!
        // A new Sign or Commit vote is durable before its message leaves.
        if (w.lastSign !== before.lastSign || w.lastCommit !== before.lastCommit) expect(w.sync).toBe(true)
        if (!w.sync) lazy++
      }
    }
    expect(lazy).toBeGreaterThan(0)
  })

  it('Raft state is fsynced on every write (no lazySilentPersist)', async () => {
    cluster = await createCluster([memoryStorage(), memoryStorage(), memoryStorage()], { engine: 'raft' })
    const { nodes } = cluster
    const syncs: boolean[] = []
    for (const n of nodes) {
      const batch = n.consensus.batch.bind(n.consensus)
      n.consensus.batch = async (ops, options) => {
        syncs.push(options?.sync === true)
        return batch(ops, options)
      }
    }
    await cluster.submit(dagWorkload(USERS, 10))
    await cluster.runUntil(() => nodes.every((n) => n.pool.size === 0), 400)
    expect(syncs.length).toBeGreaterThan(0)
    expect(syncs.every((s) => s)).toBe(true)
  })
})
