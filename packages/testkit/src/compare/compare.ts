import type { ConsensusEngine, Random } from '@consortia/interface'
import { createSeededRandom } from '../random.js'
import { type ConsensusSimulator, createSimulator } from '../simulator/simulator.js'
import type { SimBlock, SimEngineAdapter, SimInvariant, SimPayload } from '../simulator/types.js'
import { pbftSimAdapter } from './pbft.js'
import { raftSimAdapter } from './raft.js'

/** Engines the comparison knows by name. */
export type CompareEngineName = 'pbft' | 'raft'

/** Names of the built-in fault profiles. */
export type FaultProfileName = 'none' | 'lossy' | 'crash' | 'partition' | 'chaos'

/** A fault profile: what happens at the start of each chaos phase, drawn from the fault PRNG. */
export interface FaultProfile {
  readonly name: FaultProfileName
  readonly description: string
  /** Apply this phase's faults; `down` collects nodes to restart at the heal. */
  begin(sim: FaultTarget, random: Random, down: Set<number>): void
}

/** The simulator controls a fault profile uses (engine-agnostic). */
export interface FaultTarget {
  readonly nodeCount: number
  partition(groups: readonly (readonly number[])[]): void
  cut(from: number, to: number): void
  crash(i: number): void
  setNetwork(options: {
    dropRate?: number
    delayMinTicks?: number
    delayMaxTicks?: number
    duplicateRate?: number
  }): void
}

/** Nodes a profile may take down at once: within what both PBFT (f) and Raft tolerate. */
function downMax(n: number): number {
  return Math.floor((n - 1) / 3)
}

function crashSome(sim: FaultTarget, random: Random, down: Set<number>): void {
  const count = 1 + random.nextInt(Math.max(1, downMax(sim.nodeCount)))
  for (let k = 0; k < count && down.size < downMax(sim.nodeCount); k++) {
    const i = random.nextInt(sim.nodeCount)
    if (down.has(i)) continue
    down.add(i)
    sim.crash(i)
  }
}

function splitRandomly(sim: FaultTarget, random: Random): void {
  const a: number[] = []
  const b: number[] = []
  for (let i = 0; i < sim.nodeCount; i++) (random.nextInt(2) === 0 ? a : b).push(i)
  sim.partition([a, b])
}

/** The built-in fault profiles. Each chaos phase is followed by a heal. */
export const FAULT_PROFILES: Readonly<Record<FaultProfileName, FaultProfile>> = {
  none: { name: 'none', description: 'no faults: steady state', begin() {} },
  lossy: {
    name: 'lossy',
    description: '10–30% loss, 1–10 ticks of delay, 0–10% duplicates',
    begin(sim, random) {
      sim.setNetwork({
        dropRate: 0.1 + random.nextFloat() * 0.2,
        delayMinTicks: 1,
        delayMaxTicks: 1 + random.nextInt(10),
        duplicateRate: random.nextFloat() * 0.1,
      })
    },
  },
  crash: {
    name: 'crash',
    description: 'up to f=⌊(n−1)/3⌋ nodes crash; they restart at the heal',
    begin(sim, random, down) {
      crashSome(sim, random, down)
    },
  },
  partition: {
    name: 'partition',
    description: 'a random two-way split plus one asymmetric cut',
    begin(sim, random) {
      splitRandomly(sim, random)
      sim.cut(random.nextInt(sim.nodeCount), random.nextInt(sim.nodeCount))
    },
  },
  chaos: {
    name: 'chaos',
    description: 'crashes, a split, loss and long delays together',
    begin(sim, random, down) {
      crashSome(sim, random, down)
      if (random.nextInt(2) === 0) splitRandomly(sim, random)
      sim.setNetwork({
        dropRate: random.nextFloat() * 0.2,
        delayMinTicks: 1,
        delayMaxTicks: 1 + random.nextInt(8),
      })
    },
  },
}

/** Options of `compareEngines`. */
export interface CompareInit {
  readonly engines: readonly CompareEngineName[]
  readonly nodes: number
  readonly faults: FaultProfileName
  readonly seeds: number
  /** Ticks per seed. */
  readonly ticks?: number
  /** First seed (seeds are firstSeed .. firstSeed + seeds − 1). */
  readonly firstSeed?: number
  /** Chaos phase length in ticks; each is followed by a heal phase of the same length. */
  readonly phaseTicks?: number
}

/** Aggregated figures of one engine over all seeds. */
export interface EngineFigures {
  readonly engine: CompareEngineName
  /** Blocks decided (highest honest height), summed over seeds. */
  readonly blocks: number
  /** Mean ticks from a leader's proposal to the first node committing the block. */
  readonly latencyMeanTicks: number
  /** 95th percentile of the same. */
  readonly latencyP95Ticks: number
  /** Messages sent per decided block. */
  readonly messagesPerBlock: number
  /** PBFT view changes or Raft elections, per seed. */
  readonly roundsPerSeed: number
  /** Mean ticks from a heal until every node has committed a new block. */
  readonly recoveryMeanTicks: number
  /** Longest such recovery. */
  readonly recoveryMaxTicks: number
  /** Heals after which some node had not committed by the next chaos phase. */
  readonly unrecovered: number
  /** Invariant violations (must be zero). */
  readonly violations: number
  /** The first violations, with their seeds. */
  readonly violationSamples: readonly string[]
}

/** The result of `compareEngines`. */
export interface CompareResult {
  readonly config: Required<CompareInit>
  readonly profile: { readonly name: FaultProfileName; readonly description: string }
  readonly results: readonly EngineFigures[]
}

/** Seeds one comparison may run. */
export const COMPARE_SEEDS_MAX = 100_000
/** Latency samples kept per engine (a reservoir beyond this). */
export const COMPARE_LATENCY_SAMPLES_MAX = 200_000
/** Proposals awaiting their first commit, per run; the oldest are forgotten beyond it. */
export const COMPARE_PENDING_PROPOSALS_MAX = 10_000
/** Violation messages kept per engine. */
export const COMPARE_VIOLATION_SAMPLES_MAX = 5

interface Accumulator {
  blocks: number
  messages: number
  rounds: number
  latencies: number[]
  latencySeen: number
  reservoir: Random
  recoveries: number[]
  unrecovered: number
  violations: number
  samples: string[]
}

function hex(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, '0')
  return s
}

function adapterFor(
  name: CompareEngineName,
): SimEngineAdapter<unknown, unknown, ConsensusEngine<unknown, SimPayload, unknown>> {
  const adapter = name === 'pbft' ? pbftSimAdapter() : raftSimAdapter()
  return adapter as unknown as SimEngineAdapter<
    unknown,
    unknown,
    ConsensusEngine<unknown, SimPayload, unknown>
  >
}

type AnySim = ConsensusSimulator<unknown, unknown, ConsensusEngine<unknown, SimPayload, unknown>>

function runOne(name: CompareEngineName, seed: number, init: Required<CompareInit>, acc: Accumulator): void {
  const base = adapterFor(name)
  const instances: ConsensusEngine<unknown, SimPayload, unknown>[] = []
  const proposedAt = new Map<string, number>()
  const decided = new Set<number>()
  let sim: AnySim | undefined
  const latencyProbe: SimInvariant = {
    name: 'latency-probe',
    onCommit(event) {
      const { number, hash } = event.committed.block
      if (decided.has(number)) return undefined
      decided.add(number)
      const key = hex(hash)
      const at = proposedAt.get(key)
      if (at !== undefined) {
        proposedAt.delete(key)
        acc.latencySeen++
        const sample = event.tick - at
        if (acc.latencies.length < COMPARE_LATENCY_SAMPLES_MAX) acc.latencies.push(sample)
        else {
          // Reservoir sampling keeps a uniform sample once the cap is reached.
          const slot = acc.reservoir.nextInt(acc.latencySeen)
          if (slot < COMPARE_LATENCY_SAMPLES_MAX) acc.latencies[slot] = sample
        }
      }
      return undefined
    },
  }
  // Instrumented adapter: record every engine instance (for its round count) and the tick
  // of every proposal (for commit latency).
  const adapter: typeof base = {
    ...base,
    create(ctx) {
      const engine = base.create(ctx)
      instances.push(engine)
      const propose = engine.propose.bind(engine)
      engine.propose = (block: SimBlock) => {
        const key = hex(block.hash)
        if (!proposedAt.has(key)) {
          proposedAt.set(key, sim?.tick ?? 0)
          if (proposedAt.size > COMPARE_PENDING_PROPOSALS_MAX) {
            proposedAt.delete(proposedAt.keys().next().value as string)
          }
        }
        propose(block)
      }
      return engine
    },
  }
  sim = createSimulator({ seed, nodeCount: init.nodes, adapter, invariants: [latencyProbe] }) as AnySim
  // Faults come from their own PRNG, so every engine sees the same schedule for a seed.
  const faults = createSeededRandom((seed ^ 0x46415554) >>> 0)
  const profile = FAULT_PROFILES[init.faults]
  const down = new Set<number>()
  while (sim.tick < init.ticks && sim.violations.length === 0) {
    profile.begin(sim, faults, down)
    const chaosEnd = Math.min(init.ticks, sim.tick + init.phaseTicks)
    while (sim.tick < chaosEnd && sim.violations.length === 0) sim.step()
    if (sim.tick >= init.ticks) break
    // Heal everything and time the recovery.
    sim.heal()
    sim.setNetwork({ dropRate: 0, duplicateRate: 0, delayMinTicks: 1, delayMaxTicks: 3 })
    for (const i of down) sim.restart(i)
    down.clear()
    if (init.faults === 'none') {
      const end = Math.min(init.ticks, sim.tick + init.phaseTicks)
      while (sim.tick < end && sim.violations.length === 0) sim.step()
      continue
    }
    const healedAt = sim.tick
    const baseHeight = sim.honestMaxHeight()
    const healEnd = Math.min(init.ticks, sim.tick + init.phaseTicks)
    let recovered = false
    while (sim.tick < healEnd && sim.violations.length === 0) {
      sim.step()
      if (!recovered && sim.honestMinHeight() > baseHeight) {
        recovered = true
        acc.recoveries.push(sim.tick - healedAt)
      }
    }
    if (!recovered && sim.tick < init.ticks) acc.unrecovered++
  }
  acc.blocks += sim.honestMaxHeight()
  acc.messages += sim.stats.messagesSent
  for (const e of instances) acc.rounds += base.round?.(e) ?? 0
  acc.violations += sim.violations.length
  for (const v of sim.violations) {
    if (acc.samples.length < COMPARE_VIOLATION_SAMPLES_MAX)
      acc.samples.push(`seed ${v.seed} tick ${v.tick} ${v.invariant}: ${v.message}`)
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length
}

/**
 * Run every engine under the same seeded fault profile and aggregate commit latency,
 * messages per block, view changes or elections, recovery after heal and invariant
 * violations. Deterministic: the same arguments give the same figures.
 */
export function compareEngines(init: CompareInit): CompareResult {
  const config: Required<CompareInit> = {
    engines: init.engines,
    nodes: init.nodes,
    faults: init.faults,
    seeds: init.seeds,
    ticks: init.ticks ?? 5000,
    firstSeed: init.firstSeed ?? 1,
    phaseTicks: init.phaseTicks ?? 400,
  }
  if (config.engines.length === 0) throw new RangeError('expected at least one engine')
  for (const e of config.engines) {
    if (e !== 'pbft' && e !== 'raft') throw new RangeError(`expected engine pbft or raft, got ${e}`)
  }
  if (!(config.faults in FAULT_PROFILES)) {
    throw new RangeError(
      `expected faults one of ${Object.keys(FAULT_PROFILES).join(', ')}, got ${config.faults}`,
    )
  }
  if (!Number.isSafeInteger(config.nodes) || config.nodes < 1 || config.nodes > 64) {
    throw new RangeError(`expected nodes in [1, 64], got ${config.nodes}`)
  }
  if (!Number.isSafeInteger(config.seeds) || config.seeds < 1 || config.seeds > COMPARE_SEEDS_MAX) {
    throw new RangeError(`expected seeds in [1, ${COMPARE_SEEDS_MAX}], got ${config.seeds}`)
  }
  if (!Number.isSafeInteger(config.ticks) || config.ticks < 1)
    throw new RangeError(`expected ticks >= 1, got ${config.ticks}`)
  if (!Number.isSafeInteger(config.phaseTicks) || config.phaseTicks < 1) {
    throw new RangeError(`expected phaseTicks >= 1, got ${config.phaseTicks}`)
  }
  const results: EngineFigures[] = []
  for (const engine of config.engines) {
    const acc: Accumulator = {
      blocks: 0,
      messages: 0,
      rounds: 0,
      latencies: [],
      latencySeen: 0,
      reservoir: createSeededRandom(0x5eed),
      recoveries: [],
      unrecovered: 0,
      violations: 0,
      samples: [],
    }
    for (let s = 0; s < config.seeds; s++) runOne(engine, config.firstSeed + s, config, acc)
    const sorted = [...acc.latencies].sort((a, b) => a - b)
    results.push({
      engine,
      blocks: acc.blocks,
      latencyMeanTicks: mean(acc.latencies),
      latencyP95Ticks: percentile(sorted, 0.95),
      messagesPerBlock: acc.blocks === 0 ? Number.NaN : acc.messages / acc.blocks,
      roundsPerSeed: acc.rounds / config.seeds,
      recoveryMeanTicks: mean(acc.recoveries),
      recoveryMaxTicks: acc.recoveries.length === 0 ? Number.NaN : Math.max(...acc.recoveries),
      unrecovered: acc.unrecovered,
      violations: acc.violations,
      violationSamples: acc.samples,
    })
  }
  const profile = FAULT_PROFILES[config.faults]
  return { config, profile: { name: profile.name, description: profile.description }, results }
}

/** Column headers of `formatCompareTable`, in order. */
export const COMPARE_COLUMNS = [
  'engine',
  'blocks',
  'latency mean (ticks)',
  'latency p95 (ticks)',
  'msgs/block',
  'view changes/elections per seed',
  'recovery mean (ticks)',
  'recovery max (ticks)',
  'unrecovered',
  'safety violations',
] as const

function fmt(x: number, digits = 1): string {
  return Number.isNaN(x) ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(digits)
}

/** The comparison as a plain-text table, one row per engine. */
export function formatCompareTable(result: CompareResult): string {
  const rows: string[][] = [[...COMPARE_COLUMNS]]
  for (const r of result.results) {
    rows.push([
      r.engine,
      String(r.blocks),
      fmt(r.latencyMeanTicks),
      fmt(r.latencyP95Ticks),
      fmt(r.messagesPerBlock),
      fmt(r.roundsPerSeed),
      fmt(r.recoveryMeanTicks),
      fmt(r.recoveryMaxTicks),
      String(r.unrecovered),
      String(r.violations),
    ])
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  const line = (row: string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')
  const { config, profile } = result
  const head = `consortia-sim compare: n=${config.nodes}, faults=${profile.name} (${profile.description}), ${config.seeds} seeds × ${config.ticks} ticks`
  const out = [
    head,
    line(rows[0]!),
    line(rows[0]!.map((_, c) => '-'.repeat(widths[c]!))),
    ...rows.slice(1).map(line),
  ]
  for (const r of result.results) for (const v of r.violationSamples) out.push(`${r.engine} VIOLATION ${v}`)
  return out.join('\n')
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * A hand-written SVG bar chart: one panel per figure (latency, messages per block, view
 * changes or elections, recovery), one bar per engine, values printed on the bars.
 */
export function compareToSVG(result: CompareResult): string {
  const panels: { title: string; value: (r: EngineFigures) => number }[] = [
    { title: 'commit latency, mean (ticks)', value: (r) => r.latencyMeanTicks },
    { title: 'messages per block', value: (r) => r.messagesPerBlock },
    { title: 'view changes / elections per seed', value: (r) => r.roundsPerSeed },
    { title: 'recovery after heal, mean (ticks)', value: (r) => r.recoveryMeanTicks },
  ]
  const colors = ['#4c78a8', '#f58518', '#54a24b', '#e45756']
  const panelW = 220
  const panelH = 180
  const top = 50
  const width = panels.length * panelW + 20
  const height = top + panelH + 70
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(`n=${result.config.nodes}, faults=${result.profile.name}, ${result.config.seeds} seeds × ${result.config.ticks} ticks`)}</text>`,
  ]
  panels.forEach((panel, p) => {
    const x0 = 10 + p * panelW
    const values = result.results.map(panel.value)
    const max = Math.max(1e-9, ...values.filter((v) => !Number.isNaN(v)))
    const barW = Math.min(50, (panelW - 40) / Math.max(1, values.length) - 10)
    parts.push(
      `<text x="${x0 + panelW / 2 - 10}" y="${top - 10}" text-anchor="middle">${escapeXml(panel.title)}</text>`,
    )
    parts.push(
      `<line x1="${x0 + 10}" y1="${top + panelH}" x2="${x0 + panelW - 30}" y2="${top + panelH}" stroke="#333"/>`,
    )
    values.forEach((v, i) => {
      const h = Number.isNaN(v) ? 0 : (v / max) * (panelH - 20)
      const x = x0 + 20 + i * (barW + 10)
      const y = top + panelH - h
      parts.push(
        `<rect x="${x}" y="${y.toFixed(1)}" width="${barW}" height="${h.toFixed(1)}" fill="${colors[i % colors.length]}"/>`,
      )
      parts.push(`<text x="${x + barW / 2}" y="${(y - 4).toFixed(1)}" text-anchor="middle">${fmt(v)}</text>`)
      parts.push(
        `<text x="${x + barW / 2}" y="${top + panelH + 15}" text-anchor="middle">${escapeXml(result.results[i]!.engine)}</text>`,
      )
    })
  })
  const v = result.results.map((r) => `${r.engine}: ${r.violations}`).join(', ')
  parts.push(`<text x="10" y="${height - 15}">${escapeXml(`safety violations — ${v}`)}</text>`)
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
