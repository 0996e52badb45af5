/**
 * Messages between the parallel executor (main thread) and its workers. A block's
 * transactions travel once, packed (`codec.ts`), with `begin`; `run` names them by index;
 * results come back as encoded batches in transferable buffers.
 */
import type { AccountState, BlockContext, Condition, Entry, Receipt, TableInfo } from '@consortia/interface'
import type { PermissionSettings } from '../permission-wiring.js'
import type { PackedTransactions } from './codec.js'
import type { ItemValue } from './items.js'

/** The serialisable part of `SerialExecutorInit` a worker builds its executor from. */
export interface WorkerExecutorInit {
  readonly hardfork?: 'istanbul' | 'berlin' | 'london' | 'paris' | 'shanghai' | 'cancun' | 'prague'
  readonly transientObjectsMax?: number
  readonly cachedTableKeysMax?: number
  readonly receiptStateRoot?: 'zero' | 'per-transaction'
  readonly precompiledFastPath?: boolean
  readonly stateCacheEntriesMax?: number
  readonly permission?: PermissionSettings | false
}

/** `workerData` of a worker thread. */
export interface WorkerData {
  readonly init: WorkerExecutorInit
  /** Chain suite name; the worker builds its own copy (hash and signatures are the same). */
  readonly suite: 'ecdsa' | 'sm'
  /** Build an SM suite for the Crypto precompile's `sm2Verify` on a non-guomi chain. */
  readonly sm: boolean
  /** URL of an ES module whose `precompiles()` returns the user precompiles (`init.precompiles`). */
  readonly precompilesModule: string | undefined
  /** Bound on cached item values the worker keeps between transactions and blocks. */
  readonly cacheEntriesMax: number
}

/** One recorded `StateView` write or savepoint operation, replayed in order on the main thread. */
export type StateOp =
  | readonly ['put-account', Uint8Array, AccountState]
  | readonly ['put-storage', Uint8Array, Uint8Array, Uint8Array]
  | readonly ['checkpoint']
  | readonly ['commit']
  | readonly ['revert']

/** One recorded `TableStore` write with the row count the worker's view computed. */
export type TableOp =
  | readonly ['create', TableInfo]
  | readonly ['insert', string, string, Entry, number]
  | readonly ['update', string, string, Entry, Condition | undefined, number]
  | readonly ['remove', string, string, Condition | undefined, number]

/**
 * A version the main thread gives an item value it sends to workers. Each version stands for
 * exactly one (item, value) pair for the executor's whole life: versions are never reused, and
 * an item keeps its version only while its value stays equal. So a read recorded by version is
 * validated by comparing versions: equal versions mean equal values.
 */
export type ItemVersion = number

/** A read's recorded value: the value itself, or the version it was sent with (a number). */
export type ReadValue = ItemValue | ItemVersion

/** Item values pushed to a worker: new committed values, and items to forget. */
export interface ItemUpdates {
  /** Flat pairs: item, value. */
  readonly set: readonly (string | ItemValue)[]
  /** The version of each pair of `set`, in order (absent: the values carry no version). */
  readonly versions?: readonly ItemVersion[]
  readonly evict: readonly string[]
}

/** Claim flag of a transaction nobody has started (see `begin`'s `claims`). */
export const UNCLAIMED = 0
/** Claim flag of a transaction a worker executes. */
export const CLAIMED_BY_WORKER = 1
/** Claim flag of a transaction the main thread executes. */
export const CLAIMED_BY_MAIN = 2

/** Main → worker. */
export type ToWorker =
  | {
      readonly type: 'begin'
      readonly block: number
      readonly context: BlockContext
      /** The block's transactions, packed once for every worker. */
      readonly txs: PackedTransactions
      readonly updates: ItemUpdates
      /** Drop the whole cache first (the previous block did not end normally). */
      readonly reset: boolean
      /**
       * One claim flag per transaction, on a `SharedArrayBuffer` shared by every worker and the
       * main thread: a transaction is executed by whoever changes its flag from `UNCLAIMED` first
       * (`Atomics.compareExchange`). Absent: every transaction sent to a worker is its own.
       */
      readonly claims?: Uint8Array
    }
  | {
      readonly type: 'run'
      readonly block: number
      readonly updates: ItemUpdates
      /** Indices of the block's transactions to execute, in this order. */
      readonly tasks: readonly number[]
    }
  | {
      readonly type: 'values'
      readonly id: number
      readonly values: readonly ItemValue[]
      /** The version of each value, in order. */
      readonly versions: readonly ItemVersion[]
    }
  | { readonly type: 'end'; readonly block: number; readonly updates: ItemUpdates }

/** The outcome of one transaction on a worker. */
export interface TaskResult {
  readonly index: number
  /** Set when the transaction must be executed on the main thread instead (and why). */
  readonly unsafe?: string
  readonly receipt?: Receipt
  /**
   * Flat pairs: item, value as first read from outside the transaction, or the value's version
   * when the main thread sent it with one (no value travels back for those).
   */
  readonly reads?: readonly (string | ReadValue)[]
  /** Flat pairs: item, final value of every item the transaction wrote. */
  readonly writes?: readonly (string | ItemValue)[]
  readonly stateOps?: readonly StateOp[]
  readonly tableOps?: readonly TableOp[]
  /**
   * Flat pairs: every system-table item (`_sys_*`) the worker's session has read in this block,
   * with the value it read. Sent only when the list grew since the worker's last result: the
   * session caches what it derives from them, so they are validated for every result, but only
   * re-checked when the list or a system table changed.
   */
  readonly session?: readonly (string | ItemValue)[]
}

/** Worker → main. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'begun'; readonly block: number; readonly reads: readonly (string | ReadValue)[] }
  | { readonly type: 'read'; readonly id: number; readonly items: readonly string[] }
  | {
      readonly type: 'results'
      readonly block: number
      /** `encodeResults` of a batch of `TaskResult`s (the buffer is transferred). */
      readonly data: Uint8Array
    }
  | { readonly type: 'broken'; readonly block: number; readonly message: string }
