/**
 * Consensus driver throughput: four PBFT sealers (and three Raft sealers) in one process,
 * each with its own AMDB, block store, pool and serial executor, commit signed DagTransfer
 * transactions over the in-memory network. Prints committed transactions per second of
 * wall time (all sealers share this process's CPU, so a node alone is faster).
 *
 *   node --conditions=source --import tsx bench/ledger-bench.ts
 */
import { createCluster, dagWorkload, memoryStorage } from '../test/ledger-helpers.js'

const USERS = 100
const TRANSFERS = Number(process.env['BENCH_TRANSFERS'] ?? 1900)

async function run(engine: 'pbft' | 'raft', sealers: number): Promise<void> {
  const cluster = await createCluster(
    Array.from({ length: sealers }, () => memoryStorage()),
    { engine, txCountLimit: 500 },
  )
  try {
    const txs = dagWorkload(USERS, TRANSFERS)
    await cluster.submit(txs)
    const started = performance.now()
    await cluster.runUntil(() => cluster.nodes.every((n) => n.pool.size === 0), 100_000)
    const seconds = (performance.now() - started) / 1000
    const height = cluster.nodes[0]!.store.head.number
    console.log(
      `${engine.padEnd(4)} ${sealers} sealers: ${txs.length} txs in ${height} blocks, ${seconds.toFixed(2)} s, ` +
        `${(txs.length / seconds).toFixed(0)} tx/s (every sealer executes every block)`,
    )
  } finally {
    await cluster.close()
  }
}

await run('pbft', 4)
await run('raft', 3)
