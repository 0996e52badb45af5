/**
 * @consortia/testkit — what tests of every Consortia package share: an in-memory
 * `KvStore`, a manual clock, a seeded random source, compliance suites that each
 * implementation of a port must pass, and the deterministic consensus simulator.
 *
 * @example
 * ```ts
 * import { createMemoryKvStore, kvStoreComplianceSuite } from '@consortia/testkit'
 *
 * kvStoreComplianceSuite('memory', async () => createMemoryKvStore())
 * ```
 */
export { compareBytes } from './bytes.js'
export { createManualClock, type ManualClock } from './clock.js'
export {
  type DataDrivenCase,
  type DataDrivenMismatch,
  dataDrivenBool,
  dataDrivenNumber,
  parseDataDriven,
  parseDataDrivenArgs,
  runDataDrivenFile,
} from './datadriven.js'
export * from './fuzz.js'
export { kvStoreComplianceSuite } from './kv-suite.js'
export {
  createMemoryKvStore,
  type MemoryKvErrorType,
  type MemoryKvInit,
  type MemoryKvStore,
} from './memory-kv.js'
export * from './memory-transport.js'
export * from './power-loss.js'
export { createSeededRandom } from './random.js'
export * from './reliability.js'
export * from './simulator/index.js'
export { stateViewComplianceSuite } from './state-view-suite.js'
