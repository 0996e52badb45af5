/**
 * The figures of a fault run: seeds, faults injected by kind, transactions sent /
 * acknowledged / found on chain, blocks checked and violations (which must be 0).
 */
import { FAULT_KINDS, type FaultKind } from './schedule.js'

/** Most violation messages a report keeps (the count goes on past it). */
export const REPORT_VIOLATIONS_MAX = 100

/** What a fault run found. */
export interface FaultReport {
  /** One label per seed run, e.g. `1 on 4 nodes`. */
  readonly seeds: string[]
  readonly faults: Record<FaultKind, number>
  /** Transactions the load generator submitted (sendRawTransaction answered a hash). */
  txSent: number
  /** Transactions whose receipt the client received. */
  txAcknowledged: number
  /** Acknowledged transactions found on chain exactly once, on every honest node. */
  txFoundOnChain: number
  /** Submissions the nodes refused or that failed in transit (expected while a node is faulty). */
  txRejected: number
  /** Blocks whose hash was compared across every honest node. */
  blocksChecked: number
  /** Violation count (every one is a bug; the first `REPORT_VIOLATIONS_MAX` are kept). */
  violationCount: number
  readonly violations: string[]
}

/** An empty report. */
export function createFaultReport(): FaultReport {
  return {
    seeds: [],
    faults: { kill: 0, pause: 0, partition: 0 },
    txSent: 0,
    txAcknowledged: 0,
    txFoundOnChain: 0,
    txRejected: 0,
    blocksChecked: 0,
    violationCount: 0,
    violations: [],
  }
}

/** Records a violation (a broken safety or liveness property). */
export function addViolation(report: FaultReport, message: string): void {
  report.violationCount++
  if (report.violations.length < REPORT_VIOLATIONS_MAX) report.violations.push(message)
}

/** Adds the figures of `other` to `into` (several seeds, one report). */
export function mergeFaultReports(into: FaultReport, other: FaultReport): FaultReport {
  into.seeds.push(...other.seeds)
  for (const k of FAULT_KINDS) into.faults[k] += other.faults[k]
  into.txSent += other.txSent
  into.txAcknowledged += other.txAcknowledged
  into.txFoundOnChain += other.txFoundOnChain
  into.txRejected += other.txRejected
  into.blocksChecked += other.blocksChecked
  for (const v of other.violations) addViolation(into, v)
  into.violationCount += other.violationCount - other.violations.length
  return into
}

/** The report as printable lines. */
export function formatFaultReport(report: FaultReport): string {
  const faults = FAULT_KINDS.map((k) => `${k} ${report.faults[k]}`).join(', ')
  const total = FAULT_KINDS.reduce((s, k) => s + report.faults[k], 0)
  const lines = [
    'fault-network report',
    `  seeds run:               ${report.seeds.length} (${report.seeds.join(', ')})`,
    `  faults injected:         ${total} (${faults})`,
    `  transactions sent:       ${report.txSent} (${report.txRejected} more refused or lost in transit)`,
    `  acknowledged (receipt):  ${report.txAcknowledged}`,
    `  found on chain once:     ${report.txFoundOnChain} of ${report.txAcknowledged}`,
    `  blocks checked:          ${report.blocksChecked}`,
    `  violations:              ${report.violationCount}`,
    ...report.violations.map((v) => `    - ${v}`),
  ]
  return lines.join('\n')
}
