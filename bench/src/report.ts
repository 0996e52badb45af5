/** The results file of a run and its Markdown report. */
import type { ComponentResult, ExecutorRow } from './components.js'
import type { LevelResult } from './e2e.js'
import type { MachineInfo } from './machine.js'
import { machineLine } from './machine.js'
import { fmt, markdownTable } from './markdown.js'
import type { ChartSeries } from './svg.js'

/** p99 commit latency limit of the saturation search. */
export const SATURATION_P99_MS = 1_000

/** One chain profile's end-to-end figures. */
export interface ProfileResult {
  readonly profile: string
  readonly levels: readonly LevelResult[]
  /** Highest offered load with p99 ≤ SATURATION_P99_MS (undefined: none stayed under). */
  readonly saturationTPS?: number
  readonly error?: string
}

/** Signature recovery measured in the run: the ceiling a chain cannot pass on this machine. */
export interface RecoverCeiling {
  readonly suite: string
  readonly perSecondOneCore: number
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
      name: p.profile,
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
    '## End to end: DagTransfer `userTransfer` over JSON-RPC',
    '',
  ]
  const e2eRows: string[][] = []
  for (const p of r.e2e) {
    if (p.error !== undefined)
      e2eRows.push([p.profile, 'failed', p.error.slice(0, 120), '', '', '', '', '', '', ''])
    for (const l of p.levels) {
      e2eRows.push([
        p.profile,
        fmt(l.offeredTPS),
        fmt(l.sentTPS),
        fmt(l.committedTPS),
        fmt(l.peakTPS),
        fmt(l.latency.p50Ms),
        fmt(l.latency.p99Ms),
        `${fmt(l.committed)}/${fmt(l.accepted)}${l.refused + l.transportErrors > 0 ? ` (${fmt(l.refused + l.transportErrors)} refused)` : ''}`,
        fmt(mean(l.cpuPercentPerNode)),
        `${l.receiptsChecked - l.receiptsFailed}/${l.receiptsChecked}`,
      ])
    }
  }
  out.push(
    markdownTable(
      [
        { header: 'chain' },
        { header: 'offered tx/s', align: 'right' },
        { header: 'sent tx/s', align: 'right' },
        { header: 'committed TPS', align: 'right' },
        { header: `peak TPS (2 s)`, align: 'right' },
        { header: 'p50 ms', align: 'right' },
        { header: 'p99 ms', align: 'right' },
        { header: 'committed/accepted', align: 'right' },
        { header: 'CPU/node %', align: 'right' },
        { header: 'receipts ok', align: 'right' },
      ],
      e2eRows,
    ),
    '',
    'committed TPS = committed transactions / (timestamp of the last block holding one − first submit); ' +
      'latency = submit until node 0 served the block holding the transaction (polled every 50 ms); ' +
      'CPU/node = mean over the nodes, % of one core.',
    '',
  )
  // Saturation and targets.
  const ceilingPerNode4 = (r.recoverCeiling.perSecondOneCore * r.recoverCeiling.cores) / 4
  const targetRows: string[][] = []
  for (const p of r.e2e) {
    const best = Math.max(0, ...p.levels.map((l) => l.committedTPS))
    if (p.error !== undefined) {
      targetRows.push([p.profile, 'failed', '—', ''])
      continue
    }
    targetRows.push([
      p.profile,
      fmt(best),
      p.saturationTPS === undefined ? 'none ≤ 1 s' : fmt(p.saturationTPS),
      p.profile.startsWith('pbft-4-ecdsa')
        ? `≥ 50% of ${fmt(ceilingPerNode4)} (recover ceiling, 4 nodes): ${fmt((best / ceilingPerNode4) * 100, 1)}%`
        : '',
    ])
  }
  out.push(
    '## Saturation and targets',
    '',
    `Signature recovery measured in this run: ${fmt(r.recoverCeiling.perSecondOneCore)}/s on one core (${r.recoverCeiling.suite}), ` +
      `${r.recoverCeiling.cores} cores → a 4-node chain whose every node recovers every transaction cannot pass ${fmt(ceilingPerNode4)} TPS here.`,
    '',
    markdownTable(
      [
        { header: 'chain' },
        { header: 'best committed TPS', align: 'right' },
        { header: `highest load with p99 ≤ ${SATURATION_P99_MS} ms`, align: 'right' },
        { header: 'target (issue 14)' },
      ],
      targetRows,
    ),
    '',
    'Targets on a 16-core machine (run `bench/scripts/run-on-large-machine.sh`): ≥ 12,000 TPS precompiled transfers and ' +
      '≥ 6,000 TPS Solidity transfers with 4 PBFT nodes; p99 ≤ 1 s at 80% of peak.',
    '',
  )
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
