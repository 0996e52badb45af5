import { type Bytes, ChainError, type KvBatchOp, type KvStore } from '@consortia/interface'
import { createMemoryKvStore, type MemoryKvStore } from './memory-kv.js'

/** Unsynced batches a power-loss store holds before it refuses writes (a bound like a page cache's). */
export const POWER_LOSS_UNSYNCED_BATCHES_MAX = 100_000

/** How much of the unsynced tail survives a simulated power cut. */
export interface PowerLossOptions {
  /**
   * Unsynced batches, oldest first, that reached the disk before the cut (the OS flushed them on its
   * own). Default 0: everything not synced is lost. Each batch survives whole or not at all, as in
   * LevelDB, whose write-ahead log records are checksummed.
   */
  readonly keepUnsyncedBatches?: number
}

/**
 * A `KvStore` that models a disk under power loss (in the spirit of LazyFS): writes without `sync`
 * sit in a volatile tail that reads see; a `sync` batch makes the tail and itself durable; a
 * `powerLoss()` discards the volatile tail (or keeps an older part of it) and returns the store a
 * restarted process would open.
 */
export interface PowerLossKvStore extends KvStore {
  /** Batches written since the last sync. */
  readonly unsyncedBatches: number
  /** Simulates the cut: this store is closed; the returned store holds what survived. */
  powerLoss(options?: PowerLossOptions): MemoryKvStore
}

/** Creates a {@link PowerLossKvStore} over an empty in-memory disk. */
export function createPowerLossKvStore(): PowerLossKvStore {
  const durable = createMemoryKvStore()
  const visible = createMemoryKvStore()
  let tail: KvBatchOp[][] = []
  let closed = false
  const assertOpen = () => {
    if (closed) throw new ChainError({ code: 'KV_CLOSED' }, 'the store lost power; open the returned one')
  }
  const copyOps = (ops: readonly KvBatchOp[]): KvBatchOp[] =>
    ops.map((op) =>
      op.type === 'put'
        ? { type: 'put', key: op.key.slice(), value: op.value.slice() }
        : { type: 'del', key: op.key.slice() },
    )
  const store: PowerLossKvStore = {
    get unsyncedBatches() {
      return tail.length
    },
    get: async (key: Bytes) => {
      assertOpen()
      return visible.get(key)
    },
    getMany: async (keys) => {
      assertOpen()
      return visible.getMany(keys)
    },
    put: (key, value) => store.batch([{ type: 'put', key, value }]),
    del: (key) => store.batch([{ type: 'del', key }]),
    async batch(ops, options) {
      assertOpen()
      if (tail.length >= POWER_LOSS_UNSYNCED_BATCHES_MAX && options?.sync !== true) {
        throw new ChainError(
          { code: 'KV_FULL', unsyncedBatchesMax: POWER_LOSS_UNSYNCED_BATCHES_MAX },
          `more than ${POWER_LOSS_UNSYNCED_BATCHES_MAX} unsynced batches`,
        )
      }
      await visible.batch(ops)
      tail.push(copyOps(ops))
      if (options?.sync === true) {
        for (const batch of tail) await durable.batch(batch)
        tail = []
      }
    },
    iterate(options) {
      assertOpen()
      return visible.iterate(options)
    },
    async close() {
      closed = true
    },
    powerLoss(options = {}) {
      closed = true
      const keep = Math.min(options.keepUnsyncedBatches ?? 0, tail.length)
      // The memory store's batch is synchronous apart from its promise wrapper.
      for (const batch of tail.slice(0, keep)) void durable.batch(batch)
      tail = []
      return durable
    },
  }
  return store
}
