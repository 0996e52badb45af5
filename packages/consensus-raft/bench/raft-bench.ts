// Raft benchmarks: prints figures, asserts nothing. Run from the repository root:
//   node --conditions=source --import tsx packages/consensus-raft/bench/raft-bench.ts
import {
  createSeededRandom,
  createSimBlock,
  runRandomScenario,
  SIM_GENESIS,
  type SimPayload,
} from '@consortia/testkit'
import { raftSimAdapter } from '@consortia/testkit/compare'
import {
  createRaftEngine,
  mergeRaftPersist,
  type RaftEngine,
  type RaftMessage,
  type RaftPersistedState,
} from '../src/index.js'

/** Blocks per second through an n-node group on one thread, messages delivered at once. */
function engineThroughput(n: number, blocks: number): { blocksPerSecond: number; messagesPerBlock: number } {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`)
  const engines: RaftEngine<SimPayload>[] = ids.map((self, i) =>
    createRaftEngine<SimPayload>(
      { sealers: ids, self, head: SIM_GENESIS },
      { random: createSeededRandom(i + 1) },
    ),
  )
  const storage: (RaftPersistedState<SimPayload> | undefined)[] = ids.map(() => undefined)
  const heads = ids.map(() => SIM_GENESIS)
  const queue: { from: number; to: number; body: RaftMessage<SimPayload> }[] = []
  let messages = 0
  let wantPropose = false
  const drain = (i: number) => {
    const e = engines[i]!
    while (e.hasReady()) {
      const rd = e.ready()
      if (rd.persist !== undefined) storage[i] = mergeRaftPersist(storage[i], rd.persist)
      for (const m of rd.messages) {
        const targets = m.to === 'all' ? ids.map((_, j) => j).filter((j) => j !== i) : [m.to]
        for (const to of targets) queue.push({ from: i, to, body: m.body })
      }
      for (const c of rd.committed) heads[i] = { number: c.block.number, hash: c.block.hash }
      if (i === 0) wantPropose = rd.shouldPropose
      e.advance(rd)
    }
  }
  const pump = () => {
    while (queue.length > 0) {
      const batch = queue.splice(0, queue.length)
      messages += batch.length
      for (const env of batch) {
        engines[env.to]!.step({ from: env.from, body: env.body })
        drain(env.to)
      }
    }
  }
  engines[0]!.campaign()
  drain(0)
  pump()
  const t0 = performance.now()
  const m0 = messages
  for (let b = 0; b < blocks; b++) {
    if (!wantPropose) throw new Error('leader not ready to propose')
    const head = heads[0]!
    engines[0]!.propose(createSimBlock(head.number + 1, head.hash, 100, { proposer: 0, nonce: b }))
    drain(0)
    pump()
  }
  const ms = performance.now() - t0
  return { blocksPerSecond: (blocks / ms) * 1000, messagesPerBlock: (messages - m0) / blocks }
}

function simThroughput(
  n: number,
  seeds: number,
  ticks: number,
): { ticksPerSecond: number; blocksPerRun: number } {
  const t0 = performance.now()
  let blocks = 0
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runRandomScenario({ seed, nodeCount: n, adapter: raftSimAdapter(), ticks })
    if (r.violations.length > 0) throw new Error(`seed ${seed}: ${r.violations[0]!.message}`)
    blocks += r.stats.committedHeight
  }
  const ms = performance.now() - t0
  return { ticksPerSecond: ((seeds * ticks) / ms) * 1000, blocksPerRun: blocks / seeds }
}

for (const n of [3, 5, 7]) engineThroughput(n, 2000) // warm-up
for (const n of [3, 5, 7]) {
  // Best of three: the machine is shared, so the fastest run is the least disturbed one.
  const runs = [0, 1, 2].map(() => engineThroughput(n, 5000))
  const r = runs.reduce((a, b) => (b.blocksPerSecond > a.blocksPerSecond ? b : a))
  console.log(
    `engine n=${n}: ${Math.round(r.blocksPerSecond).toLocaleString('en')} blocks/s, ${r.messagesPerBlock.toFixed(1)} messages/block`,
  )
}
for (const n of [3, 5]) {
  const r = simThroughput(n, 20, 5000)
  console.log(
    `simulator n=${n} (random faults, Figure 3 checked every step): ${Math.round(r.ticksPerSecond).toLocaleString('en')} ticks/s, ${r.blocksPerRun.toFixed(0)} blocks per 5,000-tick run`,
  )
}
