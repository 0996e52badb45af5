/**
 * Whether a parallel executor whose main thread is one of the lanes should use its worker
 * threads: a worker's result still costs the main thread its decoding, validation and merge, so
 * worker threads pay only while that is clearly cheaper than executing the transaction on the
 * serial path. Both costs are running averages, per transaction, over recent blocks: merges over
 * parallel blocks, execution over blocks taken on the serial path. Whichever path is not chosen
 * is taken again once in a while to measure it anew — except that a parallel block measures
 * serial execution too: the transactions the main lane executes itself run through the block's
 * serial session. While those confirm that merges are cheaper, the serial path is not taken to
 * measure it (a serial block leaves the workers' caches stale for the next parallel one).
 */

/** Weight of the newest block in the running averages. */
export const LANE_COSTS_WEIGHT = 0.5
/** Fewest merges a parallel block needs for its average to count (fewer: noise). */
export const LANE_COSTS_SAMPLES_MIN = 8
/**
 * Serial-path blocks whose cost per transaction differs from the running average by more than
 * this factor (either way), `LANE_WORKLOAD_CHANGE_BLOCKS` in a row, are a different workload: the
 * merge cost is measured again at once. (One block is not enough: on a loaded machine a block
 * of cheap transactions swings by 2× on its own.)
 */
export const LANE_WORKLOAD_CHANGE_FACTOR = 3
/** Serial-path blocks in a row beyond `LANE_WORKLOAD_CHANGE_FACTOR` that make another workload. */
export const LANE_WORKLOAD_CHANGE_BLOCKS = 2

/** Running averages of main-thread costs, in milliseconds per transaction. */
export interface LaneCosts {
  /** Executing a block on the serial path, per transaction (NaN: not measured yet). */
  serialMs: number
  /** Decoding, validating and merging one worker result (NaN: not measured yet). */
  mergeMs: number
  /** Blocks since the path not chosen was last taken. */
  sinceOther: number
  /** The next block runs in parallel to measure merges again (the workload changed). */
  probe: boolean
  /** Serial-path blocks in a row whose cost per transaction was far from `serialMs`. */
  farBlocks: number
  /**
   * Executing a transaction on the main lane of a parallel block (through the block's serial
   * session), per transaction (NaN: not measured yet).
   */
  laneMs: number
  /** `laneMs` took in a new block since the path not chosen was last taken or skipped. */
  laneFresh: boolean
}

/** Costs not measured yet: the first block runs in parallel, the next serially. */
export function createLaneCosts(): LaneCosts {
  return {
    serialMs: Number.NaN,
    mergeMs: Number.NaN,
    sinceOther: 0,
    probe: false,
    farBlocks: 0,
    laneMs: Number.NaN,
    laneFresh: false,
  }
}

function average(old: number, value: number): number {
  return Number.isNaN(old) ? value : old + LANE_COSTS_WEIGHT * (value - old)
}

/** Folds a parallel block's merges (`ms` over `merges` results) into the running average. */
export function noteParallelBlock(costs: LaneCosts, ms: number, merges: number): void {
  costs.probe = false
  if (merges >= LANE_COSTS_SAMPLES_MIN) costs.mergeMs = average(costs.mergeMs, ms / merges)
}

/**
 * Folds the main lane's executions of a parallel block (`ms` for `transactions`, executions
 * only) into its running average; fewer than `LANE_COSTS_SAMPLES_MIN` do not count.
 */
export function noteMainLane(costs: LaneCosts, ms: number, transactions: number): void {
  if (transactions < LANE_COSTS_SAMPLES_MIN) return
  costs.laneMs = average(costs.laneMs, ms / transactions)
  costs.laneFresh = true
}

/**
 * Folds a serial-path block (`ms` of execution for `transactions`) into the running average; a
 * cost per transaction far from it in `LANE_WORKLOAD_CHANGE_BLOCKS` blocks in a row means another
 * workload, whose merges the next block measures.
 */
export function noteSerialBlock(costs: LaneCosts, ms: number, transactions: number): void {
  if (transactions === 0) return
  const perTx = ms / transactions
  const old = costs.serialMs
  const far =
    !Number.isNaN(old) &&
    (perTx > old * LANE_WORKLOAD_CHANGE_FACTOR || perTx * LANE_WORKLOAD_CHANGE_FACTOR < old)
  costs.farBlocks = far ? costs.farBlocks + 1 : 0
  if (costs.farBlocks >= LANE_WORKLOAD_CHANGE_BLOCKS) {
    costs.farBlocks = 0
    costs.serialMs = perTx
    costs.mergeMs = Number.NaN
    costs.laneMs = Number.NaN
    costs.laneFresh = false
    costs.probe = true
    return
  }
  // A far block alone is not averaged in: it may be noise, or the first of a new workload.
  if (!far) costs.serialMs = average(old, perTx)
}

/**
 * Whether the next block should run in parallel. Unknown merge cost (first block, too few
 * samples, another workload): yes. Unknown serial cost: no, to measure it. Otherwise yes while a
 * merge costs less than `mergeShareMax` of a serial transaction — but every
 * `probeIntervalBlocks`-th block takes the other path, to keep both averages current, unless
 * parallel is chosen and the main lane's executions since the last such block say the same
 * (a merge below `mergeShareMax` of a main-lane transaction too).
 */
export function workersPay(costs: LaneCosts, mergeShareMax: number, probeIntervalBlocks: number): boolean {
  if (costs.probe || Number.isNaN(costs.mergeMs)) return true
  if (Number.isNaN(costs.serialMs)) return false
  const pay = costs.mergeMs < mergeShareMax * costs.serialMs
  costs.sinceOther++
  if (costs.sinceOther < probeIntervalBlocks) return pay
  costs.sinceOther = 0
  if (pay && costs.laneFresh && costs.mergeMs < mergeShareMax * costs.laneMs) {
    costs.laneFresh = false
    return true
  }
  costs.laneFresh = false
  return !pay
}
