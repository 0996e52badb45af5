/**
 * The parallel executor: DAG and optimistic scheduling on the main thread and worker threads,
 * merged in block order.
 */
export type { BlockSession } from '../executor.js'
export { RESULT_ITEM_NAMES_MAX } from './codec.js'
export { buildDAG, NodeKind, type ParallelMode, type TransactionDAG } from './dag.js'
export {
  createParallelExecutor,
  type MainLane,
  PARALLEL_BATCH_MAX,
  PARALLEL_ITEM_VERSIONS_MAX,
  PARALLEL_MAIN_LANE_BATCH_MAX,
  PARALLEL_MERGE_SHARE_MAX,
  PARALLEL_MIN_TRANSACTIONS,
  PARALLEL_PROBE_INTERVAL_BLOCKS,
  PARALLEL_WINDOW_MAX,
  PARALLEL_WORKER_QUEUE_MAX,
  PARALLEL_WORKER_TIMEOUT_MS,
  PARALLEL_WORKERS_MAX,
  type ParallelBlockStats,
  type ParallelExecutor,
  type ParallelExecutorInit,
} from './parallel-executor.js'
export { PARALLEL_RESPAWNS_MAX } from './pool.js'
export { WORKER_CACHE_ENTRIES_MAX } from './worker-view.js'
