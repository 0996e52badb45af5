// Simulated PBFT throughput: blocks per second of wall time with every node in one
// process, and messages per block as the group grows. Fault-free network, 1-tick delay,
// the simulator's hash signer. Run:
//   node --conditions=source --import tsx packages/consensus-pbft/bench/simulate.ts
import { createSimulator } from '@consortia/testkit'
import { pbftAdapter } from '../test/support/sim-adapter.js'

const TICKS = Number(process.env.BENCH_TICKS ?? 8000)
const GOAL_BLOCKS_PER_S = 1000

interface Row {
  n: number
  blocks: number
  wallMs: number
  cpuMs: number
  messagesPerBlock: number
}

function measure(n: number): Row {
  const sim = createSimulator({
    seed: 1,
    nodeCount: n,
    adapter: pbftAdapter(),
    network: { delayMinTicks: 1, delayMaxTicks: 1 },
  })
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  sim.run(TICKS)
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  if (sim.violations.length > 0) throw new Error(`violation: ${JSON.stringify(sim.violations[0])}`)
  const blocks = sim.honestMinHeight()
  return {
    n,
    blocks,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    messagesPerBlock: sim.stats.messagesSent / blocks,
  }
}

// Warm up the JIT so the first row is not penalised.
measure(4)

const rows = [4, 7, 10, 16].map(measure)
const pad = (s: string | number, w: number) => String(s).padStart(w)
console.log(`PBFT in the deterministic simulator, ${TICKS} ticks per row, Node ${process.version}`)
console.log(
  `${pad('n', 3)} ${pad('blocks', 7)} ${pad('wall ms', 8)} ${pad('blocks/s', 9)} ${pad('blocks/cpu-s', 13)} ${pad('msgs/block', 11)} ${pad('msgs/block/n²', 14)}`,
)
for (const r of rows) {
  console.log(
    `${pad(r.n, 3)} ${pad(r.blocks, 7)} ${pad(r.wallMs.toFixed(0), 8)} ${pad(((r.blocks / r.wallMs) * 1000).toFixed(0), 9)} ${pad(((r.blocks / r.cpuMs) * 1000).toFixed(0), 13)} ${pad(r.messagesPerBlock.toFixed(1), 11)} ${pad((r.messagesPerBlock / (r.n * r.n)).toFixed(2), 14)}`,
  )
}
const n4 = rows[0]!
console.log(
  `n=4: ${((n4.blocks / n4.wallMs) * 1000).toFixed(0)} blocks/s = ${(((n4.blocks / n4.wallMs) * 1000) / GOAL_BLOCKS_PER_S).toFixed(2)}× the ${GOAL_BLOCKS_PER_S} blocks/s goal`,
)
