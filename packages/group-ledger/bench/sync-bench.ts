/**
 * Block sync catch-up throughput: one PBFT sealer seals N one-transaction blocks while two
 * observers follow; then a third observer, N blocks behind, downloads and imports them
 * (certificate check, re-execution, one atomic write per block). Runs once with ranges of 32
 * blocks (FISCO c_maxRequestBlocks) and once with ranges of 4, and prints blocks/s and ratios.
 *
 *   node --conditions=source --import tsx bench/sync-bench.ts [blocks=500]
 */
import { abiCall, dagTx, precompileAddress } from '../test/ledger-helpers.js'
import { createSyncCluster, hexOf, type SyncNode } from '../test/sync-helpers.js'

const blocks = Number(process.argv[2] ?? 500)

async function run(requestBlocksMax: number) {
  const c = await createSyncCluster({
    nodes: 4,
    sealers: [0],
    txCountLimit: 1,
    blockSync: { requestBlocksMax },
  })
  const [sealer, b, d, late] = c.running() as [SyncNode, SyncNode, SyncNode, SyncNode]
  const adds = [b, d, late].map((n, i) =>
    dagTx(100_000 + i, abiCall('addObserver(string)', [hexOf(n.id)]), 500n, precompileAddress(0x1003)),
  )
  await sealer.pool.submitMany(adds)
  await c.runUntil(() => [b, d, late].every((n) => n.blockSync.role === 'observer'), 400)
  await c.stop(late.index)
  const t0 = performance.now()
  for (let done = 0; done < blocks; ) {
    const batch = Math.min(250, blocks - done)
    const limit = BigInt(sealer.store.head.number + 900)
    await sealer.pool.submitMany(
      Array.from({ length: batch }, (_, i) =>
        dagTx(done + i, abiCall('userAdd(string,uint256)', [`u${done + i}`, 1n]), limit),
      ),
    )
    await c.runUntil(() => sealer.pool.size === 0, 20 * batch)
    done += batch
  }
  const top = sealer.store.head.number
  await c.runUntil(() => [b, d].every((n) => n.store.head.number === top), 5000)
  const produced = performance.now() - t0
  const back = await c.start(late.index)
  const t1 = performance.now()
  await c.runUntil(() => back.store.head.number >= top, 5000)
  const caughtUp = performance.now() - t1
  const requests = back.blockSync.stats.requestsSent
  await c.close()
  return { produced, caughtUp, requests }
}

const wide = await run(32)
const narrow = await run(4)
const rate = (ms: number) => Math.round((blocks / ms) * 1000)
console.log(`blocks: ${blocks} (one transaction each), one sealer, two following observers`)
console.log(`seal + follow (sealer and 2 observers in one process): ${rate(wide.produced)} blocks/s`)
console.log(`catch-up, ranges of 32: ${rate(wide.caughtUp)} blocks/s (${wide.requests} requests)`)
console.log(`catch-up, ranges of 4:  ${rate(narrow.caughtUp)} blocks/s (${narrow.requests} requests)`)
console.log(`ratio 32 / 4: ${(narrow.caughtUp / wide.caughtUp).toFixed(2)}x`)
