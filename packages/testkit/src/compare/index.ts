/**
 * @consortia/testkit/compare — the PBFT and Raft engines plugged into the deterministic
 * simulator, and `compareEngines`, which runs them under the same seeded fault profiles
 * (the `consortia-sim compare` command).
 *
 * @example
 * ```ts
 * import { compareEngines, formatCompareTable } from '@consortia/testkit/compare'
 *
 * const result = compareEngines({ engines: ['pbft', 'raft'], nodes: 4, faults: 'crash', seeds: 10 })
 * process.stdout.write(formatCompareTable(result))
 * ```
 */
export { type CliIO, main as runSimCommand } from './cli.js'
export {
  COMPARE_COLUMNS,
  COMPARE_LATENCY_SAMPLES_MAX,
  COMPARE_PENDING_PROPOSALS_MAX,
  COMPARE_SEEDS_MAX,
  COMPARE_VIOLATION_SAMPLES_MAX,
  type CompareEngineName,
  type CompareInit,
  type CompareResult,
  compareEngines,
  compareToSVG,
  type EngineFigures,
  FAULT_PROFILES,
  type FaultProfile,
  type FaultProfileName,
  type FaultTarget,
  formatCompareTable,
} from './compare.js'
export * from './pbft.js'
export * from './raft.js'
