/**
 * The parallel executor: a block's transactions run on worker threads, scheduled by the DAG of
 * their mutex keys (FISCO's parallel transaction framework) or speculatively (optimistic
 * mode), and are merged on the main thread in block order. Every worker result is validated
 * before it is merged: the values the transaction read must equal the values the block had
 * when its turn came. A result that fails, a barrier, a transaction a worker cannot reproduce
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
import { buildDAG, NodeKind, type ParallelMode, type TransactionDAG } from './dag.js'
import { type ItemValue, itemAddress } from './items.js'
import { RecordingWorld, readItem, replayStateOps, replayTableOps } from './main-view.js'
import { WorkerPool, type WorkerSlot } from './pool.js'
import type { FromWorker, ItemUpdates, TaskResult, WorkerData } from './protocol.js'
import { WORKER_CACHE_ENTRIES_MAX } from './worker-view.js'

/** Most worker threads one executor may start. */
export const PARALLEL_WORKERS_MAX = 64
/** Default bound on transactions in flight per worker (sent and not yet answered). */
export const PARALLEL_WORKER_QUEUE_MAX = 64
/** Default bound on transactions per message to a worker. */
export const PARALLEL_BATCH_MAX = 16
/** Default bound on how far past the next transaction to merge a worker may be given work. */
export const PARALLEL_WINDOW_MAX = 2048
/** Default smallest block sent to the workers; smaller blocks run on the serial path. */
export const PARALLEL_MIN_TRANSACTIONS = 32

/** Options of `createParallelExecutor`: the serial executor's, plus the parallel ones. */
export interface ParallelExecutorInit extends SerialExecutorInit {
  /**
   * Worker threads (default `min(availableParallelism(), 4)`, at most `PARALLEL_WORKERS_MAX`).
   * 1 means the serial path: no thread is started.
   */
  readonly workers?: number
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
  /** Workers that took part (0: the block ran on the serial path). */
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
  /** Item values the workers fetched from the main thread. */
  readonly fetched: number
}

/** A parallel FISCO executor. Call `close` to stop its workers. */
export interface ParallelExecutor extends SerialExecutor {
  /** Worker threads this executor uses (1: serial). */
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
    if (workers === 1 || transactions.length < minTransactions) {
      // The workers' caches miss whatever this block changes.
      for (const slot of pool?.slots ?? []) slot.stale = true
      lastExecuted = undefined
      lastBlock = serialStats(transactions.length)
      return serial.execute(context, transactions, state)
    }
    running = true
    try {
      pool ??= new WorkerPool(workers, workerData, log)
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
      fetched: 0,
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

    // --- committed values, and what the workers still have to hear about ---
    const known = new Map<string, ItemValue>()
    const byAddress = new Map<string, Set<string>>()
    const setLog: (string | ItemValue)[] = []
    const evictLog: string[] = []
    const note = (item: string, value: ItemValue) => {
      if (!known.has(item)) {
        const address = itemAddress(item)
        if (address !== undefined) {
          let set = byAddress.get(address)
          if (set === undefined) {
            set = new Set()
            byAddress.set(address, set)
          }
          set.add(item)
        }
      }
      known.set(item, value)
    }
    const load = async (item: string): Promise<ItemValue> => {
      if (known.has(item)) return known.get(item) as ItemValue
      const value = await readItem(item, state, tables, blockHash)
      if (item[0] !== 'h') note(item, value)
      return value
    }
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
    if (!continues) for (const slot of slots) slot.stale = true
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
    let failure: unknown
    let wake: () => void = () => {}

    const updatesFor = (slot: WorkerSlot): ItemUpdates => {
      const c = cursors.get(slot) ?? { set: 0, evict: 0 }
      const updates = { set: setLog.slice(c.set), evict: evictLog.slice(c.evict) }
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
      slot.onMessage = (msg: FromWorker) => onMessage(slot, msg)
    }
    // Open a session on every worker, with fresh values of what sessions read last time.
    const beginUpdates: (string | ItemValue)[] = []
    await locked(async () => {
      for (const item of sessionItems) beginUpdates.push(item, await load(item))
    })
    const begun = new Map<WorkerSlot, (reads: readonly (string | ItemValue)[] | undefined) => void>()
    const begins = slots.map(
      (slot) =>
        new Promise<readonly (string | ItemValue)[] | undefined>((resolve) => {
          begun.set(slot, resolve)
          const previous = slot.onDeath
          slot.onDeath = (reason) => {
            resolve(undefined)
            previous?.(reason)
          }
          slot.post({
            type: 'begin',
            block: context.number,
            context,
            updates: { set: beginUpdates, evict: [] },
            reset: slot.stale,
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
        for (let i = 0; i < reads.length; i += 2) {
          sessionItems.add(reads[i] as string)
          if ((await load(reads[i] as string)) !== reads[i + 1]) valid = false
        }
        if (valid) usable.add(slot)
        else slot.stale = true
      }
    })
    for (const slot of usable) cursors.set(slot, { set: 0, evict: 0 })

    function onMessage(slot: WorkerSlot, msg: FromWorker): void {
      switch (msg.type) {
        case 'begun':
          begun.get(slot)?.(msg.block === context.number ? msg.reads : undefined)
          return
        case 'read': {
          fetched += msg.items.length
          const values: ItemValue[] = []
          let missing = false
          for (const item of msg.items) {
            if (known.has(item)) values.push(known.get(item) as ItemValue)
            else missing = true
          }
          if (!missing) {
            slot.post({ type: 'values', id: msg.id, values })
            return
          }
          locked(async () => {
            const all: ItemValue[] = []
            for (const item of msg.items) all.push(await load(item))
            return all
          }).then(
            (all) => {
              if (slot.alive) slot.post({ type: 'values', id: msg.id, values: all })
            },
            (err) => {
              failure ??= err
              wake()
            },
          )
          return
        }
        case 'results': {
          const set = inflight.get(slot)
          for (const r of msg.results) {
            set?.delete(r.index)
            if (results[r.index] === undefined && lost[r.index] === 0) results[r.index] = r
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
          const tasks: { index: number; tx: SignedTransaction }[] = []
          while (tasks.length < batchMax && queue.size < queueMax && heap.size > 0) {
            const index = heap.peek() as number
            if (index >= next + windowMax) break
            heap.pop()
            if (index < next || dispatched[index] === 1) continue
            dispatched[index] = 1
            queue.add(index)
            tasks.push({ index, tx: txs[index] as SignedTransaction })
          }
          if (tasks.length === 0) break
          slot.post({ type: 'run', block: context.number, updates: updatesFor(slot), tasks })
        }
      }
    }

    const release = (i: number) => {
      for (const s of dag.successors[i] ?? []) {
        pending[s] = (pending[s] as number) - 1
        if (pending[s] === 0 && dag.kinds[s] !== NodeKind.Barrier) heap.push(s)
      }
    }

    let dirty = false
    const runOnMain = async (i: number) => {
      if (dirty) session.dropCaches()
      dirty = false
      recording.take()
      await session.executeTransaction(txs[i] as SignedTransaction)
      const written = recording.take()
      const refresh = new Set<string>()
      for (const item of written) {
        if (item.startsWith('x:')) {
          const address = item.slice(2)
          for (const k of byAddress.get(address) ?? []) known.delete(k)
          byAddress.delete(address)
          evictLog.push(item)
          continue
        }
        refresh.add(item)
        aliases(item, refresh)
      }
      for (const item of refresh) {
        known.delete(item)
        setLog.push(item, await load(item))
      }
    }
    /** StorageState keeps account `A` in table `c_A`: a write of one kind stales the other. */
    const aliases = (item: string, into: Set<string>) => {
      const address = itemAddress(item)
      if (address === undefined) return
      const tableKind = item[0] === 'i' || item[0] === 'r'
      for (const other of byAddress.get(address) ?? []) {
        const otherTableKind = other[0] === 'i' || other[0] === 'r'
        if (otherTableKind !== tableKind) into.add(other)
      }
    }
    const handles = new Map<string, Table>()
    const merge = async (r: TaskResult) => {
      await replayStateOps(state, r.stateOps ?? [])
      await replayTableOps(tables, handles, r.tableOps ?? [])
      dirty = true
      await session.record(r.receipt as Receipt)
      const writes = r.writes ?? []
      const refresh = new Set<string>()
      for (let k = 0; k < writes.length; k += 2) {
        const item = writes[k] as string
        note(item, writes[k + 1] as ItemValue)
        setLog.push(item, writes[k + 1] as ItemValue)
        aliases(item, refresh)
      }
      for (let k = 0; k < writes.length; k += 2) refresh.delete(writes[k] as string)
      for (const item of refresh) {
        known.delete(item)
        setLog.push(item, await load(item))
      }
    }
    const valid = async (r: TaskResult): Promise<boolean> => {
      const reads = r.reads ?? []
      for (let k = 0; k < reads.length; k += 2) {
        const item = reads[k] as string
        // Most items are known already: no await (and no microtask) for them.
        const current = known.has(item) ? known.get(item) : await load(item)
        if (current !== reads[k + 1]) return false
      }
      return true
    }
    const gasLimitReached = () => context.gasLimit > 0n && session.gasUsed >= context.gasLimit

    /** Merges or re-executes transactions in block order as far as results allow. */
    const advance = () =>
      locked(async () => {
        while (next < n) {
          const i = next
          const r = results[i]
          const onMain =
            dag.kinds[i] === NodeKind.Barrier ||
            lost[i] === 1 ||
            (r === undefined && dispatched[i] === 0 && usable.size === 0)
          if (onMain) {
            if (dag.kinds[i] !== NodeKind.Barrier) fallbacks++
            await runOnMain(i)
          } else if (r === undefined) {
            break
          } else if (r.unsafe !== undefined) {
            fallbacks++
            await runOnMain(i)
          } else if (gasLimitReached() || !(await valid(r))) {
            conflicts++
            await runOnMain(i)
          } else {
            merged++
            await merge(r)
          }
          results[i] = undefined
          next++
          release(i)
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
      workers: usable.size,
      mode,
      edges: dag.edges,
      barriers,
      merged,
      conflicts,
      fallbacks,
      fetched,
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
