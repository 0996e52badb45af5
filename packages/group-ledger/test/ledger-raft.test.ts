import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { balances, createCluster, dagWorkload, hexOf, levelStorage, memoryStorage } from './ledger-helpers.js'

describe('consensus driver with Raft', () => {
  it('three sealers elect a leader, commit DagTransfer blocks without signatures and agree', async () => {
    const cluster = await createCluster([memoryStorage(), memoryStorage(), memoryStorage()], {
      engine: 'raft',
    })
    try {
      const { nodes } = cluster
      const txs = dagWorkload(8, 70)
      await cluster.submit(txs)
      await cluster.runUntil(() => nodes.every((n) => n.pool.size === 0), 1000)
      const height = nodes[0]!.store.head.number
      expect(height).toBeGreaterThanOrEqual(2)
      for (let h = 1; h <= height; h++) {
        const blocks = await Promise.all(nodes.map((n) => n.store.blockByNumber(h)))
        for (const b of blocks) expect(hexOf(b!.hash)).toBe(hexOf(blocks[0]!.hash))
        // Raft commits carry no certificate, and no empty blocks are sealed.
        expect(blocks[0]!.block.signatureList).toEqual([])
        expect(blocks[0]!.block.transactions.length).toBeGreaterThan(0)
      }
      expect(await nodes[1]!.store.totalTransactionCount()).toBe(txs.length)
      const b0 = await balances(nodes[0]!.amdb, 8)
      for (const n of nodes) expect(await balances(n.amdb, 8)).toEqual(b0)
      // Idle ticks with an empty pool seal nothing.
      await cluster.runTicks(30)
      expect(nodes[0]!.store.head.number).toBe(height)
    } finally {
      await cluster.close()
    }
  })

  it('a Raft sealer restarted from LevelDB resumes from its merged persisted log', async () => {
    const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'consortia-raft-')))
    const cluster = await createCluster(dirs.map(levelStorage), { engine: 'raft' })
    try {
      const c = cluster
      await c.submit(dagWorkload(5, 15))
      await c.runUntil(() => c.nodes.every((n) => n.pool.size === 0), 1000)
      const node = c.nodes[0]!
      const height = node.store.head.number
      await c.stop(node)
      const again = await c.start(0)
      expect(again.store.head.number).toBe(height)
      await c.submit(dagWorkload(5, 25, 100).slice(5))
      await c.runUntil(() => c.nodes.every((n) => n.pool.size === 0 && n.store.head.number > height), 1000)
      const top = Math.min(...c.nodes.map((n) => n.store.head.number))
      for (let h = 1; h <= top; h++) {
        const hashes = await Promise.all(c.nodes.map(async (n) => hexOf((await n.store.hashByNumber(h))!)))
        expect(new Set(hashes).size).toBe(1)
      }
      expect(again.driver.failure).toBeUndefined()
    } finally {
      await cluster.close()
      for (const d of dirs) rmSync(d, { recursive: true, force: true })
    }
  })
})
