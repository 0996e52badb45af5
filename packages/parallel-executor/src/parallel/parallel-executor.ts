/**
 * The parallel executor: a block's transactions run on worker threads and on the main thread
 * (one of the lanes), scheduled by the DAG of their mutex keys (FISCO's parallel transaction
 * framework) or speculatively (optimistic mode), and are merged on the main thread in block
 * order. The main thread executes, through the serial executor's session, every transaction no
 * worker has started when the merge point reaches it (shared claim flags). Every worker result
 * is validated before it is merged: the values the transaction read must equal the values the
 * block had when its turn came. A result that fails, a barrier, a transaction a worker cannot reproduce
 * and anything a dead worker held run on the main thread through the serial executor's own
 * session, so receipts, state root and every table row are those of serial execution.
 */
import { availableParallelism } from 'node:os'
import type {
  BlockContext,
  ExecutionResult,
  Logger,
  Receipt,
  SignedTransaction,
  StateView,
  Table,
  TableStore,
} from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { executorError } from '../errors.js'
import {
  BLOCK_TRANSACTIONS_MAX,
  type BlockSession,
  createSerialExecutor,
  type SerialExecutor,
  type SerialExecutorComponents,
  type SerialExecutorInit,
} from '../executor.js'
import { decodeResults, packTransactions } from './codec.js'
import { buildDAG, NodeKind, type ParallelMode, type TransactionDAG } from './dag.js'
import {
  accountItem,
  codeItem,
  type ItemValue,
  itemAddress,
  parseItem,
  rowsItem,
  storageItem,
  tableInfoItem,
} from './items.js'
import { createLaneCosts, noteMainLane, noteParallelBlock, noteSerialBlock, workersPay } from './lanes.js'
import {
  RecordingWorld,
  readItem,
  readItemCached,
  replayStateOps,
  replayTableOps,
  replayTableOpsCached,
} from './main-view.js'
import { WorkerPool, type WorkerSlot } from './pool.js'
import {
  CLAIMED_BY_MAIN,
  type FromWorker,
  type ItemUpdates,
  type ItemVersion,
  type ReadValue,
  type TaskResult,
  UNCLAIMED,
  type WorkerData,
} from './protocol.js'
import { WORKER_CACHE_ENTRIES_MAX } from './worker-view.js'

/** Most execution lanes (the main thread and worker threads) one executor may use. */
export const PARALLEL_WORKERS_MAX = 64
/** Default bound on transactions in flight per worker (sent and not yet answered). */
export const PARALLEL_WORKER_QUEUE_MAX = 64
/** Default bound on transactions per message to a worker. */
export const PARALLEL_BATCH_MAX = 16
/** Default bound on how far past the next transaction to merge a worker may be given work. */
export const PARALLEL_WINDOW_MAX = 2048
/**
 * Default bound on item versions the main thread remembers across blocks (see `ItemVersion`):
 * when full it starts over, and the workers' caches are dropped at the next block (their
 * versions would no longer match).
 */
export const PARALLEL_ITEM_VERSIONS_MAX = 500_000
/**
 * Transactions the main lane executes in a row before it pauses for the worker threads (hands
 * out work, reads their results and read requests): without pauses the main lane would run
 * whole blocks while the workers wait for work or for an answer.
 */
export const PARALLEL_MAIN_LANE_BATCH_MAX = 8
/** Default smallest block sent to the workers; smaller blocks run on the serial path. */
export const PARALLEL_MIN_TRANSACTIONS = 32
/**
 * Default time a worker with work in hand may stay silent (no result, no read request, no
 * answer to `begin`) before it is treated as dead: terminated, its transactions run on the main
 * thread, and it is replaced at the next block.
 */
export const PARALLEL_WORKER_TIMEOUT_MS = 60_000
/**
 * With `mainLane: 'auto'`, blocks run in parallel only while merging a worker's result costs the
 * main thread less than this share of executing a transaction on the serial path (running
 * averages over recent blocks of each kind); otherwise they take the serial path.
 */
export const PARALLEL_MERGE_SHARE_MAX = 0.8
/**
 * With `mainLane: 'auto'`, one block in this many takes the path not chosen, to measure it again
 * (and two serial-path blocks in a row whose cost per transaction moved by more than 3× start a
 * parallel one at once: another workload). Parallel blocks skip the serial one while their main
 * lane's own executions confirm that merges are cheaper (`lanes.ts`).
 */
export const PARALLEL_PROBE_INTERVAL_BLOCKS = 16

/** The main thread's part in a parallel block (`ParallelExecutorInit.mainLane`). */
export type MainLane = 'auto' | 'always' | 'never'

/** Options of `createParallelExecutor`: the serial executor's, plus the parallel ones. */
export interface ParallelExecutorInit extends SerialExecutorInit {
  /**
   * Execution lanes: the main thread and `workers - 1` worker threads (default
   * `min(availableParallelism(), 4)`, at most `PARALLEL_WORKERS_MAX`). 1 means the serial path:
   * no thread is started.
   */
  readonly workers?: number
  /**
   * The main thread's part. `auto` (default) and `always`: it is one of the lanes; it executes,
   * in block order, every transaction no worker has started when the merge point reaches it (no
   * validation needed: it sees exactly serial state). `auto` also takes the serial path while
   * merging a worker's result costs the main thread about as much as executing the transaction
   * (`PARALLEL_MERGE_SHARE_MAX`, measured over recent blocks). `never`: the main thread only
   * dispatches, validates and merges, and executes only barriers, conflicts and fallbacks, so
   * the worker threads run every other transaction (predictable: for tests and measurements).
   */
  readonly mainLane?: MainLane
  /**
   * `dag` (default): FISCO's scheduling; a transaction that declares no mutex keys (a contract
   * creation, an unregistered function) is a barrier. `optimistic`: such transactions run
   * speculatively in parallel and are validated (Block-STM style).
   */
  readonly mode?: ParallelMode
  /** Smallest block run in parallel (default `PARALLEL_MIN_TRANSACTIONS`). */
  readonly minTransactions?: number
  /** Transactions in flight per worker (default `PARALLEL_WORKER_QUEUE_MAX`). */
  readonly workerQueueMax?: number
  /** Transactions per message (default `PARALLEL_BATCH_MAX`). */
  readonly batchMax?: number
  /** How far ahead of the merge point work is handed out (default `PARALLEL_WINDOW_MAX`). */
  readonly windowMax?: number
  /** Item values each worker caches between transactions (default `WORKER_CACHE_ENTRIES_MAX`). */
  readonly workerCacheEntriesMax?: number
  /** Item versions remembered across blocks (default `PARALLEL_ITEM_VERSIONS_MAX`). */
  readonly itemVersionsMax?: number
  /**
   * Milliseconds a worker holding work may stay silent before it counts as hung and is treated
   * as dead (default `PARALLEL_WORKER_TIMEOUT_MS`).
   */
  readonly workerTimeoutMs?: number
  /**
   * URL of an ES module whose `precompiles()` returns `init.precompiles` again: workers cannot
   * receive functions, so they import them. Required when `init.precompiles` is not empty.
   */
  readonly precompilesModule?: string | URL
}

/** What one block's parallel run did (for benchmarks and tests). */
export interface ParallelBlockStats {
  /** Transactions in the block. */
  readonly transactions: number
  /**
   * Lanes that took part: the worker threads, plus the main thread unless `mainLane` is
   * `never` (0: the block ran on the serial path).
   */
  readonly workers: number
  readonly mode: ParallelMode
  /** DAG edges. */
  readonly edges: number
  /** Barriers (dag mode). */
  readonly barriers: number
  /** Worker results merged as they were. */
  readonly merged: number
  /** Worker results whose read set no longer held: re-executed on the main thread. */
  readonly conflicts: number
  /** Transactions a worker could not reproduce, or that a dead or failed worker held. */
  readonly fallbacks: number
  /**
   * Transactions the main lane executed because it reached them before any worker started them
   * (besides barriers, conflicts and fallbacks).
   */
  readonly onMain: number
  /** Item values the workers fetched from the main thread. */
  readonly fetched: number
  /** Workers given up on during the block because they did not answer within `workerTimeoutMs`. */
  readonly hung: number
}

/** A parallel FISCO executor. Call `close` to stop its workers. */
export interface ParallelExecutor extends SerialExecutor {
  /** Execution lanes this executor uses: the main thread and `workers - 1` worker threads (1: serial). */
  readonly workers: number
  readonly mode: ParallelMode
  /** Statistics of the last block executed. */
  readonly lastBlock: ParallelBlockStats | undefined
  /** Stops the workers; later blocks fail with `EXECUTOR_CLOSED`. */
  close(): Promise<void>
}

function positiveInt(value: number | undefined, fallback: number, label: string, max = 2 ** 31): number {
  const v = value ?? fallback
  if (!Number.isInteger(v) || v < 1 || v > max)
    throw executorError('INVALID_ARGUMENT', `expected ${label} as an integer in [1, ${max}], got ${v}`)
  return v
}

function isTableStore(value: unknown): value is TableStore {
  const v = value as Partial<TableStore> | undefined
  return typeof v?.openTable === 'function' && typeof v.createTable === 'function'
}

/**
 * Creates a parallel executor with the serial executor's semantics. Results (receipts, gas,
 * state root, every table row) are those of `createSerialExecutor` with the same options.
 *
 * @example
 * ```ts
 * // 4 lanes: the main thread and 3 worker threads.
 * const executor = createParallelExecutor({ workers: 4, mode: 'dag' }, { crypto: suite })
 * const { receipts, stateRoot } = await executor.execute(context, transactions, state)
 * await executor.close()
 * ```
 */
export function createParallelExecutor(
  init: ParallelExecutorInit,
  components: SerialExecutorComponents,
): ParallelExecutor {
  const log: Logger = components.logger ?? silentLogger
  const serial = createSerialExecutor(init, components)
  const workers = positiveInt(
    init.workers,
    Math.min(availableParallelism(), 4),
    'workers',
    PARALLEL_WORKERS_MAX,
  )
  const mode: ParallelMode = init.mode ?? 'dag'
  if (mode !== 'dag' && mode !== 'optimistic')
    throw executorError('INVALID_ARGUMENT', `expected mode 'dag' or 'optimistic', got ${String(mode)}`)
  const minTransactions = positiveInt(init.minTransactions, PARALLEL_MIN_TRANSACTIONS, 'minTransactions')
  const queueMax = positiveInt(init.workerQueueMax, PARALLEL_WORKER_QUEUE_MAX, 'workerQueueMax')
  const batchMax = positiveInt(init.batchMax, PARALLEL_BATCH_MAX, 'batchMax')
  const windowMax = positiveInt(init.windowMax, PARALLEL_WINDOW_MAX, 'windowMax')
  const cacheEntriesMax = positiveInt(
    init.workerCacheEntriesMax,
    WORKER_CACHE_ENTRIES_MAX,
    'workerCacheEntriesMax',
  )
  const timeoutMs = positiveInt(init.workerTimeoutMs, PARALLEL_WORKER_TIMEOUT_MS, 'workerTimeoutMs')
  const versionsMax = positiveInt(init.itemVersionsMax, PARALLEL_ITEM_VERSIONS_MAX, 'itemVersionsMax')
  const mainLane: MainLane = init.mainLane ?? 'auto'
  if (mainLane !== 'auto' && mainLane !== 'always' && mainLane !== 'never')
    throw executorError(
      'INVALID_ARGUMENT',
      `expected mainLane 'auto', 'always' or 'never', got ${String(mainLane)}`,
    )
  const suiteName = components.crypto.name
  if (workers > 1 && suiteName !== 'ecdsa' && suiteName !== 'sm')
    throw executorError(
      'MISSING_COMPONENT',
      `workers need a named suite ('ecdsa' or 'sm'), got ${String(suiteName)}`,
    )
  if (workers > 1 && (init.precompiles?.length ?? 0) > 0 && init.precompilesModule === undefined) {
    throw executorError(
      'MISSING_COMPONENT',
      'init.precompiles needs init.precompilesModule: workers import user precompiles from a module',
    )
  }
  const workerData: WorkerData = {
    init: {
      ...(init.hardfork !== undefined ? { hardfork: init.hardfork } : {}),
      ...(init.transientObjectsMax !== undefined ? { transientObjectsMax: init.transientObjectsMax } : {}),
      ...(init.cachedTableKeysMax !== undefined ? { cachedTableKeysMax: init.cachedTableKeysMax } : {}),
      ...(init.receiptStateRoot !== undefined ? { receiptStateRoot: init.receiptStateRoot } : {}),
      ...(init.precompiledFastPath !== undefined ? { precompiledFastPath: init.precompiledFastPath } : {}),
      ...(init.stateCacheEntriesMax !== undefined ? { stateCacheEntriesMax: init.stateCacheEntriesMax } : {}),
      ...(init.permission !== undefined ? { permission: init.permission } : {}),
    },
    suite: suiteName as 'ecdsa' | 'sm',
    sm: components.sm !== undefined,
    precompilesModule: init.precompilesModule === undefined ? undefined : String(init.precompilesModule),
    cacheEntriesMax,
  }

  let pool: WorkerPool | undefined
  let closed = false
  let running = false
  let lastBlock: ParallelBlockStats | undefined
  /** Height of the last block this executor ran in parallel to the end. */
  let lastExecuted: number | undefined
  /** Items the workers' sessions read when a block opens: sent fresh with every `begin`. */
  const sessionItems = new Set<string>()
  /**
   * The last value, with its version, of every item sent to workers, kept across blocks. An
   * item loaded or written again with an equal value keeps its version, so a value a worker
   * cached in an earlier block is still validated by version; any other value gets a new one.
   */
  const versions = new Map<string, Versioned>()
  let lastVersion = 0
  /** `versions` started over: the workers' cached versions no longer match. */
  let versionsDropped = false
  const versioned = (item: string, value: ItemValue): Versioned => {
    const last = versions.get(item)
    if (last !== undefined && last.value === value) return last
    if (last === undefined && versions.size >= versionsMax) {
      versions.clear()
      versionsDropped = true
    }
    const entry: Versioned = { value, version: ++lastVersion }
    versions.set(item, entry)
    return entry
  }

  /** Main-thread costs measured in parallel blocks, deciding whether worker threads pay. */
  const costs = createLaneCosts()
  let world: RecordingWorld | undefined
  const main = createSerialExecutor(init, {
    ...components,
    tables: () => {
      if (world === undefined) throw executorError('INVARIANT_VIOLATED', 'main-thread world not set')
      return world.tables
    },
  })

  function tablesOf(state: StateView): TableStore {
    if (components.tables !== undefined) return components.tables(state)
    if (isTableStore(state)) return state
    const attached = (state as { tables?: unknown }).tables
    if (isTableStore(attached)) return attached
    throw executorError(
      'MISSING_COMPONENT',
      'no TableStore: pass components.tables or a StateView that is also a TableStore',
    )
  }

  async function execute(
    context: BlockContext,
    transactions: readonly SignedTransaction[],
    state: StateView,
  ): Promise<ExecutionResult> {
    if (closed) throw executorError('EXECUTOR_CLOSED', 'the parallel executor is closed')
    if (running) throw executorError('INVALID_ARGUMENT', 'a parallel executor runs one block at a time')
    if (transactions.length > BLOCK_TRANSACTIONS_MAX) {
      throw executorError(
        'INVALID_ARGUMENT',
        `expected at most ${BLOCK_TRANSACTIONS_MAX} transactions, got ${transactions.length}`,
      )
    }
    const small = workers === 1 || transactions.length < minTransactions
    // `auto`: the serial path when a merge costs about what serial execution does (`lanes.ts`).
    const notWorthIt =
      !small &&
      mainLane === 'auto' &&
      !workersPay(costs, PARALLEL_MERGE_SHARE_MAX, PARALLEL_PROBE_INTERVAL_BLOCKS)
    if (small || notWorthIt) {
      // The workers' caches miss whatever this block changes.
      for (const slot of pool?.slots ?? []) slot.stale = true
      lastExecuted = undefined
      lastBlock = serialStats(transactions.length)
      const t0 = performance.now()
      const result = await serial.execute(context, transactions, state)
      if (notWorthIt) noteSerialBlock(costs, performance.now() - t0, transactions.length)
      return result
    }
    running = true
    try {
      pool ??= new WorkerPool(workers - 1, workerData, log)
      return await runBlock(context, transactions, state, pool)
    } finally {
      running = false
      pool?.idle()
    }
  }

  function serialStats(n: number): ParallelBlockStats {
    return {
      transactions: n,
      workers: 0,
      mode,
      edges: 0,
      barriers: 0,
      merged: 0,
      conflicts: 0,
      fallbacks: 0,
      onMain: 0,
      fetched: 0,
      hung: 0,
    }
  }

  async function runBlock(
    context: BlockContext,
    txs: readonly SignedTransaction[],
    state: StateView,
    workerPool: WorkerPool,
  ): Promise<ExecutionResult> {
    const n = txs.length
    const tables = tablesOf(state)
    const recording = new RecordingWorld(state, tables)
    world = recording
    const session: BlockSession = await main.openBlock(context, recording.state)
    const blockHash = async (number: number) =>
      number === context.number - 1 ? context.parentHash : await components.blockHash?.(number)

    // --- the DAG ---
    const keyTables = cachingTables(tables)
    const keys: (readonly string[] | undefined)[] = []
    for (const tx of txs) keys.push(await serial.criticalKeys(tx, keyTables))
    const dag: TransactionDAG = buildDAG(keys, mode)
    // Sent once to every worker; `run` messages name transactions by index.
    const packed = packTransactions(txs)

    // --- committed values, and what the workers still have to hear about ---
    /** Committed values of the block's items as it advances, with their versions. */
    const known = new Map<string, Versioned>()
    /**
     * Known items per address, by kind: world-state items (`a:`, `c:`, `s:`), the schema and
     * account rows of the address's StorageState table `c_<address>` (`i:`, `r:` with a key
     * that is not a slot) and that table's slot rows. A write of one kind stales its
     * counterparts of the other (`aliases`); keeping them apart makes that lookup proportional
     * to the few items concerned, not to every storage slot of the address the block touched.
     */
    const byAddress = {
      state: new Map<string, Set<string>>(),
      table: new Map<string, Set<string>>(),
      slotRows: new Map<string, Set<string>>(),
    }
    const kindOf = (item: string) => {
      if (item[0] !== 'i' && item[0] !== 'r') return byAddress.state
      return item[0] === 'r' && SLOT_ROW.test(item.slice(item.indexOf('\u0000') + 1))
        ? byAddress.slotRows
        : byAddress.table
    }
    const setLog: (string | ItemValue)[] = []
    /** The version of each pair of `setLog`. */
    const versionLog: ItemVersion[] = []
    const logSet = (item: string, entry: Versioned) => {
      setLog.push(item, entry.value)
      versionLog.push(entry.version)
    }
    const evictLog: string[] = []
    /** Counts writes to system tables in this block: session reads need re-checking after one. */
    let sysEpoch = 0
    const changed = (item: string) => {
      if ((item[0] === 'r' || item[0] === 'i') && item.startsWith('_sys_', 2)) sysEpoch++
    }
    const note = (item: string, value: ItemValue): Versioned => {
      if (!known.has(item)) {
        const address = itemAddress(item)
        if (address !== undefined) {
          const kind = kindOf(item)
          let set = kind.get(address)
          if (set === undefined) {
            set = new Set()
            kind.set(address, set)
          }
          set.add(item)
        }
      }
      const entry = versioned(item, value)
      known.set(item, entry)
      return entry
    }
    /** The block's open tables, for reading items (an open table stays valid for the block). */
    const readHandles = new Map<string, Table>()
    const load = async (item: string): Promise<Versioned> => {
      const entry = known.get(item)
      if (entry !== undefined) return entry
      const value = await readItem(item, state, tables, blockHash, readHandles)
      // Earlier blocks' hashes are never validated (nor noted), only sent.
      return item[0] === 'h' ? versioned(item, value) : note(item, value)
    }
    /**
     * `load` without waiting: the entry when the item is known or its table's rows are in the
     * store's memory (`readItemCached`), else `undefined` (then `load`).
     */
    const loadCached = (item: string): Versioned | undefined => {
      const entry = known.get(item)
      if (entry !== undefined) return entry
      const value = readItemCached(item, tables, readHandles)
      return value === undefined ? undefined : note(item, value)
    }
    /** Whether a read recorded by a worker (a value, or a version) matches `entry`. */
    const matches = (entry: Versioned, read: ReadValue | undefined) =>
      typeof read === 'number' ? entry.version === read : entry.value === read
    // One user of the block's state at a time: loads, merges and main-thread execution.
    let lock: Promise<unknown> = Promise.resolve()
    const locked = <T>(fn: () => Promise<T>): Promise<T> => {
      const run = lock.then(fn)
      lock = run.catch(() => {})
      return run
    }

    // --- workers ---
    const slots = await workerPool.live()
    // Worker caches carry over only onto the next block of the same chain: a block executed
    // again (the last one was discarded), a jump, or a failed block drops them.
    const continues = lastExecuted !== undefined && context.number === lastExecuted + 1
    lastExecuted = undefined
    if (!continues || versionsDropped) for (const slot of slots) slot.stale = true
    versionsDropped = false
    const cursors = new Map<WorkerSlot, { set: number; evict: number }>()
    const usable = new Set<WorkerSlot>()
    const inflight = new Map<WorkerSlot, Set<number>>()
    const results: (TaskResult | undefined)[] = new Array(n).fill(undefined)
    const lost = new Uint8Array(n)
    const dispatched = new Uint8Array(n)
    let fetched = 0
    let merged = 0
    let conflicts = 0
    let fallbacks = 0
    let onMain = 0
    let hung = 0
    /** Main-thread milliseconds and count of decoding, validating and merging results. */
    let mergeMs = 0
    let merges = 0
    /** Main-thread milliseconds of executing the transactions the main lane took (`onMain`). */
    let laneMs = 0
    /** Claim flags shared with the workers (`begin`), when the main thread is a lane. */
    const claims = mainLane !== 'never' ? new Uint8Array(new SharedArrayBuffer(n)) : undefined
    let failure: unknown
    let wake: () => void = () => {}
    /**
     * Each worker session's system-table reads (flat item/value pairs), and the `sysEpoch` at
     * which they last all matched the committed values (-1: not checked yet).
     */
    interface SessionReads {
      readonly items: readonly (string | ItemValue)[]
      okEpoch: number
    }
    const currentSession = new Map<WorkerSlot, SessionReads>()
    /** The session reads in force when each result was computed. */
    const sessionOf: (SessionReads | undefined)[] = new Array(n).fill(undefined)

    // --- hung workers: silent for `timeoutMs` while holding work ---
    const lastHeard = new Map<WorkerSlot, number>()
    const beginPending = new Set<WorkerSlot>()
    /** Read requests each worker waits on: the main thread owes the answer, not the worker. */
    const owed = new Map<WorkerSlot, number>()
    const owe = (slot: WorkerSlot, delta: number) => owed.set(slot, (owed.get(slot) ?? 0) + delta)
    const post = (slot: WorkerSlot, msg: Parameters<WorkerSlot['post']>[0]) => {
      lastHeard.set(slot, performance.now())
      slot.post(msg)
    }
    /** The item names each worker numbered in this block's results (`ItemNames`). */
    const names = new Map<WorkerSlot, string[]>()
    const namesOf = (slot: WorkerSlot): string[] => {
      let list = names.get(slot)
      if (list === undefined) {
        list = []
        names.set(slot, list)
      }
      return list
    }
    /**
     * Read requests whose items are not known yet: answered under the lock, between
     * transactions (after the current `advance`, or at its next pause for the workers).
     */
    const waitingReads: { slot: WorkerSlot; id: number; items: readonly string[] }[] = []
    const answerReads = async (): Promise<void> => {
      for (let request = waitingReads.shift(); request !== undefined; request = waitingReads.shift()) {
        const all: Versioned[] = []
        for (const item of request.items) all.push(loadCached(item) ?? (await load(item)))
        owe(request.slot, -1)
        if (request.slot.alive)
          post(request.slot, {
            type: 'values',
            id: request.id,
            values: all.map((e) => e.value),
            versions: all.map((e) => e.version),
          })
      }
    }

    const watchdog = setInterval(
      () => {
        const now = performance.now()
        for (const slot of slots) {
          if (!slot.alive) continue
          const busy = beginPending.has(slot) || (inflight.get(slot)?.size ?? 0) > 0
          if (busy && (owed.get(slot) ?? 0) === 0 && now - (lastHeard.get(slot) ?? now) > timeoutMs) {
            hung++
            log.warn('parallel executor worker hung: treated as dead', { worker: slot.id, timeoutMs })
            slot.kill(`no answer in ${timeoutMs} ms`)
          }
        }
      },
      Math.max(1, Math.min(1000, Math.floor(timeoutMs / 4))),
    )

    const updatesFor = (slot: WorkerSlot): ItemUpdates => {
      const c = cursors.get(slot) ?? { set: 0, evict: 0 }
      const updates = {
        set: setLog.slice(c.set),
        versions: versionLog.slice(c.set >> 1),
        evict: evictLog.slice(c.evict),
      }
      cursors.set(slot, { set: setLog.length, evict: evictLog.length })
      return updates
    }
    const abandon = (slot: WorkerSlot) => {
      usable.delete(slot)
      for (const index of inflight.get(slot) ?? []) if (results[index] === undefined) lost[index] = 1
      inflight.get(slot)?.clear()
      slot.stale = true
      wake()
    }

    for (const slot of slots) {
      inflight.set(slot, new Set())
      slot.onDeath = () => abandon(slot)
      slot.onMessage = (msg: FromWorker) => {
        lastHeard.set(slot, performance.now())
        onMessage(slot, msg)
      }
    }
    const begun = new Map<WorkerSlot, (reads: readonly (string | ReadValue)[] | undefined) => void>()
    try {
      // Open a session on every worker, with fresh values of what sessions read last time.
      const beginUpdates: (string | ItemValue)[] = []
      const beginVersions: ItemVersion[] = []
      await locked(async () => {
        for (const item of sessionItems) {
          const entry = await load(item)
          beginUpdates.push(item, entry.value)
          beginVersions.push(entry.version)
        }
      })
      const begins = slots.map(
        (slot) =>
          new Promise<readonly (string | ReadValue)[] | undefined>((resolve) => {
            begun.set(slot, resolve)
            const previous = slot.onDeath
            slot.onDeath = (reason) => {
              beginPending.delete(slot)
              resolve(undefined)
              previous?.(reason)
            }
            beginPending.add(slot)
            post(slot, {
              type: 'begin',
              block: context.number,
              context,
              txs: packed,
              updates: { set: beginUpdates, versions: beginVersions, evict: [] },
              reset: slot.stale,
              ...(claims !== undefined ? { claims } : {}),
            })
            slot.stale = false
          }),
      )
      const beginReads = await Promise.all(begins)
      await locked(async () => {
        for (let w = 0; w < slots.length; w++) {
          const slot = slots[w] as WorkerSlot
          const reads = beginReads[w]
          if (reads === undefined || !slot.alive) continue
          let valid = true
          const sys: (string | ItemValue)[] = []
          for (let i = 0; i < reads.length; i += 2) {
            const item = reads[i] as string
            sessionItems.add(item)
            const entry = await load(item)
            if (!matches(entry, reads[i + 1])) valid = false
            // The value itself (the read may be a version): session reads are checked by value.
            if ((item[0] === 'r' || item[0] === 'i') && item.startsWith('_sys_', 2))
              sys.push(item, entry.value)
          }
          if (valid) {
            usable.add(slot)
            // Checked just now, before any transaction of the block changed a system table.
            currentSession.set(slot, { items: sys, okEpoch: sysEpoch })
          } else slot.stale = true
        }
      })
      for (const slot of usable) cursors.set(slot, { set: 0, evict: 0 })
    } catch (err) {
      clearInterval(watchdog)
      throw err
    }

    function onMessage(slot: WorkerSlot, msg: FromWorker): void {
      switch (msg.type) {
        case 'begun':
          beginPending.delete(slot)
          begun.get(slot)?.(msg.block === context.number ? msg.reads : undefined)
          return
        case 'read': {
          fetched += msg.items.length
          const values: ItemValue[] = []
          const valueVersions: ItemVersion[] = []
          let missing = false
          for (const item of msg.items) {
            const entry = known.get(item)
            if (entry === undefined) {
              missing = true
              break
            }
            values.push(entry.value)
            valueVersions.push(entry.version)
          }
          if (!missing) {
            post(slot, { type: 'values', id: msg.id, values, versions: valueVersions })
            return
          }
          owe(slot, 1)
          waitingReads.push({ slot, id: msg.id, items: msg.items })
          locked(answerReads).catch((err) => {
            failure ??= err
            wake()
          })
          return
        }
        case 'results': {
          if (msg.block !== context.number) return
          let list: TaskResult[]
          const t0 = performance.now()
          try {
            list = decodeResults(msg.data, namesOf(slot))
          } catch (err) {
            failure ??= err
            wake()
            return
          }
          mergeMs += performance.now() - t0
          const set = inflight.get(slot)
          for (const r of list) {
            set?.delete(r.index)
            if (r.session !== undefined) currentSession.set(slot, { items: r.session, okEpoch: -1 })
            if (results[r.index] === undefined && lost[r.index] === 0) {
              results[r.index] = r
              sessionOf[r.index] = currentSession.get(slot)
            }
          }
          wake()
          return
        }
        case 'broken':
          log.warn('parallel executor worker gave up on the block', { worker: slot.id, reason: msg.message })
          usable.delete(slot)
          slot.stale = true
          wake()
          return
        default:
          return
      }
    }

    // --- scheduling ---
    const heap = new IndexHeap()
    const pending = Int32Array.from(dag.predecessors)
    let barriers = 0
    for (let i = 0; i < n; i++) {
      if (dag.kinds[i] === NodeKind.Barrier) barriers++
      else if (pending[i] === 0) heap.push(i)
    }
    let next = 0

    const dispatch = () => {
      for (const slot of usable) {
        const queue = inflight.get(slot) as Set<number>
        while (queue.size < queueMax && heap.size > 0 && (heap.peek() as number) < next + windowMax) {
          const tasks: number[] = []
          while (tasks.length < batchMax && queue.size < queueMax && heap.size > 0) {
            const index = heap.peek() as number
            if (index >= next + windowMax) break
            heap.pop()
            if (index < next || dispatched[index] === 1) continue
            dispatched[index] = 1
            queue.add(index)
            tasks.push(index)
          }
          if (tasks.length === 0) break
          // With the main lane a worker runs each batch from its end: the main thread takes the
          // batch's first transactions meanwhile (claims), and the two meet in the middle.
          if (claims !== undefined) tasks.reverse()
          post(slot, { type: 'run', block: context.number, updates: updatesFor(slot), tasks })
        }
      }
    }

    const release = (i: number) => {
      for (const s of dag.successors[i] ?? []) {
        pending[s] = (pending[s] as number) - 1
        if (pending[s] === 0 && dag.kinds[s] !== NodeKind.Barrier) heap.push(s)
      }
    }

    /**
     * Makes the main session forget what it cached of an item a merged result wrote, and of the
     * item's StorageState counterparts (account `A` lives in table `c_A` too).
     */
    const forgetOnMain = (item: string) => {
      const p = parseItem(item)
      switch (p.kind) {
        case 'account':
        case 'code':
          session.forget(p)
          session.forget({ kind: 'table', table: `c_${p.address}` })
          return
        case 'storage':
          session.forget(p)
          session.forget({ kind: 'rows', table: `c_${p.address}`, key: p.slot })
          return
        case 'info':
        case 'rows': {
          session.forget(p.kind === 'info' ? { kind: 'table', table: p.table } : p)
          const address = itemAddress(item)
          if (address !== undefined) session.forget({ kind: 'address', address })
          return
        }
        default:
          return
      }
    }
    /** Executes transaction `i` through the block's session; returns the execution's milliseconds. */
    const runOnMain = async (i: number): Promise<number> => {
      recording.take()
      const t0 = performance.now()
      await session.executeTransaction(txs[i] as SignedTransaction)
      const ms = performance.now() - t0
      const written = recording.take()
      const refresh = new Set<string>()
      for (const item of written) {
        if (item.startsWith('x:')) {
          const address = item.slice(2)
          for (const kind of [byAddress.state, byAddress.table, byAddress.slotRows]) {
            for (const k of kind.get(address) ?? []) known.delete(k)
            kind.delete(address)
          }
          evictLog.push(item)
          continue
        }
        refresh.add(item)
        aliases(item, refresh)
      }
      const refreshing = refreshItems([...refresh])
      if (refreshing !== undefined) await refreshing
      return ms
    }
    /**
     * Re-reads the committed values of `items` (written in the block, or counterparts of what
     * was) from `from` on and logs them for the workers: without waiting while they are in
     * memory, else the rest asynchronously, in the same order.
     */
    const refreshItems = (items: readonly string[], from = 0): Promise<void> | undefined => {
      for (let k = from; k < items.length; k++) {
        const item = items[k] as string
        changed(item)
        known.delete(item)
        const entry = loadCached(item)
        if (entry === undefined) return refreshLoading(items, k)
        logSet(item, entry)
      }
      return undefined
    }
    /** `refreshItems` at item `k`, whose value has to be loaded, and on. */
    const refreshLoading = async (items: readonly string[], k: number): Promise<void> => {
      const item = items[k] as string
      logSet(item, await load(item))
      const rest = refreshItems(items, k + 1)
      if (rest !== undefined) await rest
    }
    /**
     * StorageState keeps account `A` in table `c_A` (rows `nonce`, `balance`, `code`, …, and one
     * row per storage slot): a write of one kind stales its counterparts of the other kind.
     */
    const aliases = (item: string, into: Set<string>) => {
      const address = itemAddress(item)
      if (address === undefined) return
      const addAll = (kind: Map<string, Set<string>>) => {
        const set = kind.get(address)
        if (set !== undefined) for (const other of set) into.add(other)
      }
      const addOne = (kind: Map<string, Set<string>>, other: string) => {
        if (kind.get(address)?.has(other) === true) into.add(other)
      }
      switch (item[0]) {
        case 's': {
          addOne(byAddress.slotRows, rowsItem(`c_${address}`, item.slice(43)))
          // A storage write creates `c_A` and its account rows when the table does not exist;
          // once it exists (tables are never dropped) only the slot's own row changes.
          const info = known.get(tableInfoItem(`c_${address}`))
          if (info === undefined || info.value === null) addAll(byAddress.table)
          return
        }
        case 'a':
        case 'c':
          addAll(byAddress.table)
          return
        case 'r': {
          const key = item.slice(item.indexOf('\u0000') + 1)
          if (SLOT_ROW.test(key)) addOne(byAddress.state, storageItem(address, key))
          else {
            addOne(byAddress.state, accountItem(address))
            addOne(byAddress.state, codeItem(address))
          }
          return
        }
        default:
          addAll(byAddress.state)
      }
    }
    const handles = new Map<string, Table>()
    /**
     * Applies a validated result to the block: its state and table writes, its receipt, and the
     * committed values of the items it wrote. Without waiting (`undefined`) when the store takes
     * the writes synchronously and every item to refresh is in memory, as for a block of
     * precompile calls; otherwise the rest is done asynchronously, in the same order.
     */
    const merge = (r: TaskResult): Promise<void> | undefined => {
      const tableOps = r.tableOps ?? []
      if ((r.stateOps?.length ?? 0) > 0) return mergeFrom(r, 0)
      const done = replayTableOpsCached(tables, handles, tableOps)
      if (done < tableOps.length) return mergeFrom(r, done)
      if (session.recordCached(r.receipt as Receipt) === undefined) return mergeFrom(r, done)
      return mergeWrites(r)
    }
    /**
     * `merge` from table operation `tableFrom` on, waiting. State operations come first; only a
     * result that has some starts here at once (`tableFrom` 0), so for the others there are none.
     */
    const mergeFrom = async (r: TaskResult, tableFrom: number): Promise<void> => {
      await replayStateOps(state, r.stateOps ?? [])
      await replayTableOps(tables, handles, r.tableOps ?? [], tableFrom)
      await session.record(r.receipt as Receipt)
      await mergeWrites(r)
    }
    const mergeWrites = (r: TaskResult): Promise<void> | undefined => {
      const writes = r.writes ?? []
      const refresh = new Set<string>()
      for (let k = 0; k < writes.length; k += 2) {
        const item = writes[k] as string
        forgetOnMain(item)
        changed(item)
        logSet(item, note(item, writes[k + 1] as ItemValue))
        aliases(item, refresh)
      }
      if (refresh.size === 0) return undefined
      for (let k = 0; k < writes.length; k += 2) refresh.delete(writes[k] as string)
      return refreshItems([...refresh])
    }
    /**
     * Whether result `r` of transaction `i` still holds: every value it read equals the value
     * the block has now. Without waiting while every item read is in memory.
     */
    const valid = (i: number, r: TaskResult): boolean | Promise<boolean> => {
      const reads = r.reads ?? []
      for (let k = 0; k < reads.length; k += 2) {
        const item = reads[k] as string
        const current = loadCached(item)
        if (current === undefined) return validFrom(i, r, k)
        if (!matches(current, reads[k + 1])) return invalidRead(item, current)
      }
      return sessionValid(i)
    }
    // The worker may have cached a value the block never wrote (state changed outside this
    // executor since it cached it): send the committed one, or every later transaction reading
    // it would fail the same way.
    const invalidRead = (item: string, current: Versioned): false => {
      logSet(item, current)
      return false
    }
    const validFrom = async (i: number, r: TaskResult, from: number): Promise<boolean> => {
      const reads = r.reads ?? []
      for (let k = from; k < reads.length; k += 2) {
        const item = reads[k] as string
        const current = known.get(item) ?? (await load(item))
        if (!matches(current, reads[k + 1])) return invalidRead(item, current)
      }
      return sessionValid(i)
    }
    /**
     * The session's system-table reads: unchanged since they last matched unless a system
     * table was written in between.
     */
    const sessionValid = (i: number): boolean | Promise<boolean> => {
      const reads = sessionOf[i]
      if (reads === undefined) return false
      if (reads.okEpoch === sysEpoch) return true
      const items = reads.items
      for (let k = 0; k < items.length; k += 2) {
        const current = loadCached(items[k] as string)
        if (current === undefined) return sessionValidFrom(reads, k)
        if (current.value !== items[k + 1]) return false
      }
      reads.okEpoch = sysEpoch
      return true
    }
    const sessionValidFrom = async (reads: SessionReads, from: number): Promise<boolean> => {
      const items = reads.items
      for (let k = from; k < items.length; k += 2) {
        const item = items[k] as string
        const current = known.get(item) ?? (await load(item))
        if (current.value !== items[k + 1]) return false
      }
      reads.okEpoch = sysEpoch
      return true
    }
    const gasLimitReached = () => context.gasLimit > 0n && session.gasUsed >= context.gasLimit

    /**
     * A pause of the main lane for the worker threads: hands out work, lets their messages in
     * (results, read requests) and answers the read requests that waited for the lock.
     */
    const pauseForWorkers = async () => {
      dispatch()
      await new Promise<void>((resolve) => setImmediate(resolve))
      await answerReads()
    }
    /** Transactions the main lane ran since its last pause. */
    let laneRun = 0

    /** Merges or re-executes transactions in block order as far as results allow. */
    const advance = () =>
      locked(async () => {
        while (next < n) {
          const i = next
          const r = results[i]
          const t0 = performance.now()
          const mustRunOnMain =
            dag.kinds[i] === NodeKind.Barrier ||
            lost[i] === 1 ||
            (r === undefined && dispatched[i] === 0 && usable.size === 0)
          if (mustRunOnMain) {
            if (dag.kinds[i] !== NodeKind.Barrier) fallbacks++
            await runOnMain(i)
          } else if (r === undefined) {
            // The main lane takes what no worker has started: never handed out, or claimed
            // first. Otherwise a worker is on it: wait for its result.
            if (claims === undefined) break
            if (dispatched[i] === 1) {
              if (Atomics.compareExchange(claims, i, UNCLAIMED, CLAIMED_BY_MAIN) !== UNCLAIMED) break
              for (const queue of inflight.values()) queue.delete(i)
            } else {
              Atomics.store(claims, i, CLAIMED_BY_MAIN)
              // A dispatch while it runs must not hand it out.
              dispatched[i] = 1
            }
            onMain++
            laneRun++
            laneMs += await runOnMain(i)
          } else if (r.unsafe !== undefined) {
            fallbacks++
            await runOnMain(i)
          } else {
            let ok = !gasLimitReached() && valid(i, r)
            if (typeof ok !== 'boolean') ok = await ok
            if (!ok) {
              conflicts++
              await runOnMain(i)
            } else {
              merged++
              const merging = merge(r)
              if (merging !== undefined) await merging
            }
          }
          if (r !== undefined) {
            mergeMs += performance.now() - t0
            merges++
          }
          results[i] = undefined
          sessionOf[i] = undefined
          next++
          release(i)
          // The main lane does not out-run idle workers: they get work and their results are read.
          if (laneRun >= PARALLEL_MAIN_LANE_BATCH_MAX) {
            laneRun = 0
            await pauseForWorkers()
          }
        }
      })

    try {
      await new Promise<void>((resolve, reject) => {
        let scheduled = false
        const step = () => {
          scheduled = false
          advance().then(() => {
            if (failure !== undefined) reject(failure)
            else if (next >= n) resolve()
            else dispatch()
          }, reject)
        }
        wake = () => {
          if (!scheduled) {
            scheduled = true
            queueMicrotask(step)
          }
        }
        dispatch()
        wake()
      })
    } finally {
      clearInterval(watchdog)
      wake = () => {}
      for (const slot of slots) {
        if (slot.alive)
          slot.post({
            type: 'end',
            block: context.number,
            updates: usable.has(slot) ? updatesFor(slot) : { set: [], evict: [] },
          })
        if (!usable.has(slot)) slot.stale = true
        slot.onMessage = undefined
        slot.onDeath = undefined
      }
      world = undefined
    }
    lastExecuted = context.number
    lastBlock = {
      transactions: n,
      workers: usable.size + (claims !== undefined ? 1 : 0),
      mode,
      edges: dag.edges,
      barriers,
      merged,
      conflicts,
      fallbacks,
      onMain,
      fetched,
      hung,
    }
    if (claims !== undefined) {
      noteParallelBlock(costs, mergeMs, merges)
      noteMainLane(costs, laneMs, onMain)
    }
    return session.finish()
  }

  return {
    execute,
    openBlock: serial.openBlock,
    criticalKeys: serial.criticalKeys,
    workers,
    mode,
    get lastBlock() {
      return lastBlock
    },
    async close() {
      closed = true
      await pool?.close()
    },
  }
}

/** An item's value and the version it is sent to workers with. */
interface Versioned {
  readonly value: ItemValue
  readonly version: ItemVersion
}

/** Row keys of StorageState account tables that hold a storage slot (the slot in hex). */
const SLOT_ROW = /^[0-9a-f]{64}$/

/** Read-only memo of `openTable` and key selects, for computing a block's mutex keys. */
function cachingTables(tables: TableStore): TableStore {
  const opened = new Map<string, Promise<Table | undefined>>()
  return {
    createTable: () => {
      throw executorError('INVARIANT_VIOLATED', 'mutex key extraction does not create tables')
    },
    openTable(name) {
      let p = opened.get(name)
      if (p === undefined) {
        p = tables.openTable(name).then((table) => {
          if (table === undefined) return undefined
          const rows = new Map<string, Promise<import('@consortia/interface').Entry[]>>()
          return {
            info: table.info,
            select(key, condition) {
              if (condition !== undefined) return table.select(key, condition)
              let r = rows.get(key)
              if (r === undefined) {
                r = table.select(key)
                rows.set(key, r)
              }
              return r.then((list) => list.map((e) => ({ ...e })))
            },
            insert: () => Promise.reject(executorError('INVARIANT_VIOLATED', 'read-only tables')),
            update: () => Promise.reject(executorError('INVARIANT_VIOLATED', 'read-only tables')),
            remove: () => Promise.reject(executorError('INVARIANT_VIOLATED', 'read-only tables')),
          } satisfies Table
        })
        opened.set(name, p)
      }
      return p
    },
  }
}

/** A binary min-heap of transaction indices: the lowest index is handed out first. */
class IndexHeap {
  private readonly items: number[] = []

  get size(): number {
    return this.items.length
  }

  peek(): number | undefined {
    return this.items[0]
  }

  push(value: number): void {
    const a = this.items
    a.push(value)
    let i = a.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((a[parent] as number) <= value) break
      a[i] = a[parent] as number
      i = parent
    }
    a[i] = value
  }

  pop(): number | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last !== undefined) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= a.length) break
        const r = l + 1
        const c = r < a.length && (a[r] as number) < (a[l] as number) ? r : l
        if ((a[c] as number) >= last) break
        a[i] = a[c] as number
        i = c
      }
      a[i] = last
    }
    return top
  }
}
