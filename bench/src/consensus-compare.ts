/**
 * PBFT against Raft in the deterministic simulator under the same profile (same node count,
 * seeds, ticks and fault schedule): blocks decided, wall-clock blocks per second, commit
 * latency in ticks, messages per block. Run by bench/run.ts as a child process:
 *
 *   node --conditions=source --import tsx bench/src/consensus-compare.ts [--quick] [--json]
 */
import { type CompareResult, compareEngines, type FaultProfileName } from '@consortia/testkit/compare'

const quick = process.argv.includes('--quick')
const json = process.argv.includes('--json')

/** One engine's figures under one profile. */
interface Row {
  profile: FaultProfileName
  nodes: number
  engine: string
  blocks: number
  blocksPerSecond: number
  latencyMeanTicks: number
  latencyP95Ticks: number
  messagesPerBlock: number
  violations: number
}

const rows: Row[] = []
const profiles: FaultProfileName[] = ['none', 'chaos']
const nodeCounts = quick ? [4] : [4, 7]
const seeds = quick ? 2 : 10
const ticks = quick ? 1500 : 5000
// One small unmeasured run so the first measured engine does not pay for the JIT.
compareEngines({ engines: ['pbft', 'raft'], nodes: 4, faults: 'none', seeds: 1, ticks: 300 })
for (const nodes of nodeCounts) {
  for (const profile of profiles) {
    for (const engine of ['pbft', 'raft'] as const) {
      const t0 = performance.now()
      const result: CompareResult = compareEngines({
        engines: [engine],
        nodes,
        faults: profile,
        seeds,
        ticks,
      })
      const wallMs = performance.now() - t0
      const r = result.results[0]
      if (r === undefined) throw new Error(`compareEngines returned no result for ${engine}`)
      rows.push({
        profile,
        nodes,
        engine,
        blocks: r.blocks,
        blocksPerSecond: (r.blocks / wallMs) * 1000,
        latencyMeanTicks: r.latencyMeanTicks,
        latencyP95Ticks: r.latencyP95Ticks,
        messagesPerBlock: r.messagesPerBlock,
        violations: r.violations,
      })
      process.stderr.write(`${engine} n=${nodes} ${profile}: ${r.blocks} blocks in ${wallMs.toFixed(0)} ms\n`)
    }
  }
}
console.log(`consensus simulator: ${seeds} seeds × ${ticks} ticks per row, Node ${process.version}`)
console.log(
  '| nodes | profile | engine | blocks | blocks/s (wall) | latency mean / p95 (ticks) | messages/block | violations |',
)
console.log('|---:|---|---|---:|---:|---:|---:|---:|')
for (const r of rows) {
  console.log(
    `| ${r.nodes} | ${r.profile} | ${r.engine} | ${r.blocks} | ${r.blocksPerSecond.toFixed(0)} | ${r.latencyMeanTicks.toFixed(1)} / ${r.latencyP95Ticks.toFixed(1)} | ${r.messagesPerBlock.toFixed(1)} | ${r.violations} |`,
  )
}
if (json) console.log(JSON.stringify({ bench: 'consensus', seeds, ticks, rows }))
if (rows.some((r) => r.violations > 0)) process.exitCode = 1
