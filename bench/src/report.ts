/** The results file of a run and its Markdown report. */
import type { ComponentResult, ExecutorRow } from './components.js'
import type { LevelResult, SubmitTransport } from './e2e.js'
import type { MachineInfo } from './machine.js'
import { machineLine } from './machine.js'
import { fmt, markdownTable } from './markdown.js'
import type { ProfileSummary } from './profile.js'
import type { ChartSeries } from './svg.js'
import { WORKLOAD_TITLES, type WorkloadName } from './workloads.js'

/** p99 commit latency limit of the saturation search. */
export const SATURATION_P99_MS = 1_000

/** One chain profile's end-to-end figures. */
export interface ProfileResult {
  /** The chain, e.g. `pbft-4-ecdsa-leveldb`. */
  readonly profile: string
  /** What was sent (older results files have none: DagTransfer). */
  readonly workload?: WorkloadName
  /** How it was sent (older results files have none: JSON-RPC). */
  readonly transport?: SubmitTransport
  readonly levels: readonly LevelResult[]
  /** Highest offered load with p99 ≤ SATURATION_P99_MS (undefined: none stayed under). */
  readonly saturationTPS?: number
  /** The saturation search's outcome (when the run searched instead of sweeping). */
  readonly search?: {
    /** Highest load whose p99 stayed under the limit and that kept up. */
    readonly peakTPS?: number
    /** Lowest load above the peak that did not. */
    readonly firstBadTPS?: number
    /** The load at 80 % of the peak and its p99. */
    readonly checkTPS?: number
    readonly checkP99Ms?: number
  }
  /** Node 0's CPU profile over the run (`--cpu-prof`). */
  readonly cpuProfile?: ProfileSummary & { readonly path: string }
  readonly error?: string
}

/** `pbft-4-ecdsa-leveldb dag/rpc`: the chain, workload and transport of a result. */
export function runLabel(p: Pick<ProfileResult, 'profile' | 'workload' | 'transport'>): string {
  return `${p.profile} ${p.workload ?? 'dag'}/${p.transport ?? 'rpc'}`
}

/** Signature recovery measured in the run: the ceiling a chain cannot pass on this machine. */
export interface RecoverCeiling {
  readonly suite: string
  /** Recoveries per second of wall clock on one thread (what the run got of the machine). */
  readonly perSecondOneCore: number
  /** Recoveries per CPU second (the core's speed, whatever else ran). */
  readonly perCpuSecond?: number
  readonly cores: number
}

/** Everything a run writes to `bench/results/<date>-<mode>.json`. */
export interface BenchResults {
  readonly schema: 1
  readonly mode: 'full' | 'quick'
  readonly machine: MachineInfo
  readonly settings: Readonly<Record<string, unknown>>
  readonly recoverCeiling: RecoverCeiling
  readonly components: readonly ComponentResult[]
  readonly e2e: readonly ProfileResult[]
  readonly durationS: number
}

/** The chart series of a results file: one per profile, its levels as points. */
export function chartSeries(results: Pick<BenchResults, 'e2e'>): ChartSeries[] {
  return results.e2e
    .filter((p) => p.levels.length > 0)
    .map((p) => ({
      name: runLabel(p),
      points: p.levels.map((l) => ({
        offeredTPS: l.offeredTPS,
        committedTPS: l.committedTPS,
        p99Ms: l.latency.p99Ms,
      })),
    }))
}

const mean = (xs: readonly (number | undefined)[]) => {
  const v = xs.filter((x): x is number => x !== undefined)
  return v.length === 0 ? undefined : v.reduce((a, b) => a + b, 0) / v.length
}

/** The Markdown report of a results file. */
export function markdownReport(r: BenchResults): string {
  const out: string[] = [
    `# Consortia benchmark (${r.mode})`,
    '',
    `Machine: ${machineLine(r.machine)}. Date ${r.machine.date}. Run took ${fmt(r.durationS)} s.`,
    '',
    '## End to end',
    '',
    `Workloads: ${Object.entries(WORKLOAD_TITLES)
      .map(([k, v]) => `\`${k}\` ${v}`)
      .join(
        '; ',
      )}. Transports: \`rpc\` JSON-RPC batches over HTTP, \`channel\` channel-protocol frames over TLS.`,
    '',
  ]
  const e2eRows: string[][] = []
  for (const p of r.e2e) {
    if (p.error !== undefined)
      e2eRows.push([runLabel(p), 'failed', p.error.slice(0, 120), '', '', '', '', '', '', '', '', ''])
    for (const l of p.levels) {
      e2eRows.push([
        runLabel(p),
        fmt(l.offeredTPS),
        fmt(l.sentTPS),
        fmt(l.committedTPS),
        fmt(l.peakTPS),
        fmt(l.latency.p50Ms),
        fmt(l.latency.p99Ms),
        `${fmt(l.committed)}/${fmt(l.accepted)}${l.refused + l.transportErrors > 0 ? ` (${fmt(l.refused + l.transportErrors)} refused)` : ''}`,
        fmt(mean(l.cpuPercentPerNode)),
        l.nodeCpuMsPerTx === undefined ? '—' : fmt(l.nodeCpuMsPerTx, 2),
        l.generatorCpuMsPerTx === undefined ? '—' : fmt(l.generatorCpuMsPerTx, 2),
        `${l.receiptsChecked - l.receiptsFailed}/${l.receiptsChecked}`,
      ])
    }
  }
  out.push(
    markdownTable(
      [
        { header: 'chain workload/transport' },
        { header: 'offered tx/s', align: 'right' },
        { header: 'sent tx/s', align: 'right' },
        { header: 'committed TPS', align: 'right' },
        { header: `peak TPS (2 s)`, align: 'right' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'committed/accepted', align: 'right' },
        { header: 'CPU/node %', align: 'right' },
        { header: 'node CPU ms/tx', align: 'right' },
        { header: 'generator CPU ms/tx', align: 'right' },
        { header: 'receipts ok', align: 'right' },
      ],
      e2eRows,
    ),
    '',
    'committed TPS = committed transactions / (timestamp of the last block holding one − first submit); ' +
      'latency = submit until node 0 served the block holding the transaction (polled every 50 ms); ' +
      'CPU/node = mean over the nodes, % of one core; node CPU ms/tx = CPU time of all nodes together per committed transaction ' +
      '(cores × 1,000 / it is the TPS the nodes could reach with the whole machine to themselves).',
    '',
  )
  // Saturation and targets.
  const ceilingPerNode4 = (r.recoverCeiling.perSecondOneCore * r.recoverCeiling.cores) / 4
  const targetRows: string[][] = []
  for (const p of r.e2e) {
    const best = Math.max(0, ...p.levels.map((l) => l.committedTPS))
    if (p.error !== undefined) {
      targetRows.push([runLabel(p), 'failed', '—', '', '', ''])
      continue
    }
    const s = p.search
    const peakLevel = p.levels.find((l) => l.offeredTPS === s?.peakTPS)
    targetRows.push([
      runLabel(p),
      fmt(best),
      s === undefined
        ? p.saturationTPS === undefined
          ? 'none ≤ 1 s'
          : fmt(p.saturationTPS)
        : s.peakTPS === undefined
          ? 'none'
          : `${fmt(s.peakTPS)}${peakLevel !== undefined ? ` (${fmt(peakLevel.committedTPS)} TPS)` : ''}${s.firstBadTPS !== undefined ? `; ${fmt(s.firstBadTPS)} was not` : ''}`,
      s?.checkTPS === undefined ? '—' : `${fmt(s.checkTPS)}: ${fmt(s.checkP99Ms ?? Number.NaN)} ms`,
      s?.checkP99Ms === undefined ? '' : s.checkP99Ms <= SATURATION_P99_MS ? 'met' : 'missed',
      p.profile.startsWith('pbft-4-ecdsa') && (p.workload ?? 'dag') === 'dag'
        ? `≥ 50% of ${fmt(ceilingPerNode4)} (recover ceiling, 4 nodes): ${fmt((best / ceilingPerNode4) * 100, 1)}%`
        : '',
    ])
  }
  out.push(
    '## Saturation and targets',
    '',
    `Signature recovery measured in this run: ${fmt(r.recoverCeiling.perSecondOneCore)}/s on one core (${r.recoverCeiling.suite}), ` +
      `${r.recoverCeiling.cores} cores → a 4-node chain whose every node recovers every transaction cannot pass ${fmt(ceilingPerNode4)} TPS here` +
      (r.recoverCeiling.perCpuSecond !== undefined
        ? ` (per CPU second: ${fmt(r.recoverCeiling.perCpuSecond)}/s, so ${fmt((r.recoverCeiling.perCpuSecond * r.recoverCeiling.cores) / 4)} TPS on an idle machine).`
        : '.'),
    '',
    markdownTable(
      [
        { header: 'chain workload/transport' },
        { header: 'best committed TPS', align: 'right' },
        { header: `peak: highest load with p99 < ${SATURATION_P99_MS} ms`, align: 'right' },
        { header: 'p99 at 80 % of peak', align: 'right' },
        { header: 'p99 ≤ 1 s at 80 %' },
        { header: 'recovery target (issue 14)' },
      ],
      targetRows,
    ),
    '',
    'Targets on a 16-core machine (run `bench/scripts/run-on-large-machine.sh`): ≥ 12,000 TPS precompiled transfers and ' +
      '≥ 6,000 TPS Solidity transfers with 4 PBFT nodes; p99 ≤ 1 s at 80% of peak.',
    '',
  )
  const profiled = r.e2e.filter((p) => p.cpuProfile !== undefined)
  if (profiled.length > 0) out.push('## Where node 0 spent its time (`--cpu-prof`)', '')
  for (const p of profiled) {
    const c = p.cpuProfile as NonNullable<ProfileResult['cpuProfile']>
    out.push(
      `### ${runLabel(p)}`,
      '',
      `Profile \`${c.path}\`: ${fmt(c.durationMs / 1000, 1)} s sampled, main thread busy ${fmt(c.busyPercent, 1)} % ` +
        '(set-up and every level, so mostly the saturated ones).',
      '',
      markdownTable(
        [{ header: 'area' }, { header: 'self ms', align: 'right' }, { header: '%', align: 'right' }],
        c.areas.map((a) => [a.name, fmt(a.selfMs), fmt(a.percent, 1)]),
      ),
      '',
      markdownTable(
        [{ header: 'function' }, { header: 'self ms', align: 'right' }, { header: '%', align: 'right' }],
        c.topFunctions.map((a) => [`\`${a.name}\``, fmt(a.selfMs), fmt(a.percent, 1)]),
      ),
      '',
    )
  }
  out.push('## Components', '')
  for (const c of r.components) {
    out.push(
      `### ${c.title}`,
      '',
      `\`${c.command}\` — ${c.ok ? 'ok' : `FAILED: ${c.error}`}, ${fmt(c.durationS, 1)} s`,
      '',
    )
    const table = componentTable(c)
    if (table !== undefined) out.push(table, '')
  }
  return `${out.join('\n')}\n`
}

/** A Markdown table of one component's machine-readable figures (undefined if it has none). */
export function componentTable(c: ComponentResult): string | undefined {
  const data = c.data as { rows?: unknown[] } | undefined
  const rows = data?.rows
  if (!Array.isArray(rows) || rows.length === 0) return undefined
  switch (c.name) {
    case 'crypto':
      return markdownTable(
        [
          { header: 'group' },
          { header: 'operation' },
          { header: 'per second', align: 'right' },
          { header: 'ratio' },
        ],
        (rows as { group: string; name: string; perSecond: number; ratio: string }[]).map((x) => [
          x.group,
          x.name,
          fmt(x.perSecond),
          x.ratio,
        ]),
      )
    case 'storage':
      return markdownTable(
        [
          { header: 'backend' },
          { header: 'rows/s', align: 'right' },
          { header: 'vs MPT', align: 'right' },
          { header: 'reads/s', align: 'right' },
          { header: 'vs MPT', align: 'right' },
        ],
        (
          rows as {
            backend: string
            rowsPerSec: number
            rowsVsMPT: number
            readsPerSec: number
            readsVsMPT: number
          }[]
        ).map((x) => [
          x.backend,
          fmt(x.rowsPerSec),
          `${fmt(x.rowsVsMPT, 2)}×`,
          fmt(x.readsPerSec),
          `${fmt(x.readsVsMPT, 2)}×`,
        ]),
      )
    case 'executor':
      return markdownTable(
        [
          { header: 'state' },
          { header: 'workload' },
          { header: 'path' },
          { header: 'tx/s', align: 'right' },
          { header: 'tx/CPU-s', align: 'right' },
          { header: 'with commit', align: 'right' },
          { header: 'vs EVM path', align: 'right' },
        ],
        (rows as ExecutorRow[]).map((x) => [
          x.state,
          x.workload,
          x.path,
          fmt(x.txPerSec),
          fmt(x.txPerCpuSec),
          fmt(x.withCommitPerSec),
          `${fmt(x.speedup, 2)}×`,
        ]),
      )
    case 'consensus':
      return markdownTable(
        [
          { header: 'nodes', align: 'right' },
          { header: 'profile' },
          { header: 'engine' },
          { header: 'blocks', align: 'right' },
          { header: 'blocks/s (wall)', align: 'right' },
          { header: 'latency mean (ticks)', align: 'right' },
          { header: 'p95 (ticks)', align: 'right' },
          { header: 'messages/block', align: 'right' },
          { header: 'violations', align: 'right' },
        ],
        (
          rows as {
            nodes: number
            profile: string
            engine: string
            blocks: number
            blocksPerSecond: number
            latencyMeanTicks: number
            latencyP95Ticks: number
            messagesPerBlock: number
            violations: number
          }[]
        ).map((x) => [
          String(x.nodes),
          x.profile,
          x.engine,
          fmt(x.blocks),
          fmt(x.blocksPerSecond),
          fmt(x.latencyMeanTicks, 1),
          fmt(x.latencyP95Ticks, 1),
          fmt(x.messagesPerBlock, 1),
          String(x.violations),
        ]),
      )
    case 'p2p':
      return markdownTable(
        [
          { header: 'curve' },
          { header: 'TLS' },
          { header: 'payload B', align: 'right' },
          { header: 'messages', align: 'right' },
          { header: 'msg/s', align: 'right' },
          { header: 'MB/s', align: 'right' },
        ],
        (
          rows as {
            curve: string
            tls: string
            payloadBytes: number
            messages: number
            msgPerS: number
            mbPerS: number
          }[]
        ).map((x) => [
          x.curve,
          x.tls,
          fmt(x.payloadBytes),
          fmt(x.messages),
          fmt(x.msgPerS),
          fmt(x.mbPerS, 1),
        ]),
      )
    default: {
      // A bench read from its own Markdown table: shown as it printed it.
      const header = (data as { header?: unknown }).header
      if (!Array.isArray(header) || !rows.every((r) => Array.isArray(r) && r.length === header.length))
        return undefined
      return markdownTable(
        header.map((h) => ({ header: String(h) })),
        (rows as unknown[][]).map((r) => r.map(String)),
      )
    }
  }
}
