import { afterEach, describe, expect, it } from 'vitest'
import { dagWorkload } from './ledger-helpers.js'
import { createSyncCluster, type SyncCluster } from './sync-helpers.js'

const USERS = 10
let cluster: SyncCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

describe('tx sync', () => {
  it('transactions sent to one sealer reach the others once each and are committed by the group', async () => {
    cluster = await createSyncCluster({ nodes: 4, txCountLimit: 20 })
    const c = cluster
    const [entry, ...others] = c.running()
    const txs = dagWorkload(USERS, 30)
    const results = await entry!.pool.submitMany(txs)
    expect(results.every((r) => r.ok)).toBe(true)
    await c.runUntil(() => c.running().every((n) => n.pool.size === 0), 1500)
    for (const n of c.running()) expect(await n.store.totalTransactionCount()).toBe(txs.length)
    // The entry node forwarded each client transaction to the three other sealers, once.
    expect(entry!.txSync.stats.txsSent).toBe(txs.length * 3)
    for (const n of others) {
      // Received from the entry node (and maybe again from a peer: known, not admitted twice).
      expect(n.txSync.stats.txsAccepted + n.txSync.stats.txsRefused + n.txSync.stats.txsKnown).toBe(
        n.txSync.stats.txsReceived,
      )
      expect(n.txSync.stats.txsReceived).toBeGreaterThanOrEqual(txs.length)
      // A transaction from a peer goes on to 25% of the other sealers (at least one), once:
      // at most one copy per transaction it accepted.
      expect(n.txSync.stats.txsSent).toBeLessThanOrEqual(n.txSync.stats.txsAccepted)
    }
    const accepted = others.reduce((a, n) => a + n.txSync.stats.txsAccepted, 0)
    expect(accepted).toBeGreaterThan(0)
  })

  it('the forward queue is bounded (forwardQueueMax): beyond it accepted transactions are not forwarded', async () => {
    cluster = await createSyncCluster({ nodes: 4, txCountLimit: 20, txSync: { forwardQueueMax: 5 } })
    const c = cluster
    const entry = c.running()[0]!
    await entry.pool.submitMany(dagWorkload(USERS, 0))
    expect(entry.txSync.queued).toBe(5)
    expect(entry.txSync.stats.droppedForwardQueueFull).toBe(USERS - 5)
  })
})
