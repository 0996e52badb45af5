import type { Condition, Entry, Table, TableStore } from './table.js'

/**
 * Synchronous fast paths a `Table` may offer for rows it already holds in memory. Each method
 * does exactly what its asynchronous namesake does and returns its result, or returns
 * `undefined` WITHOUT doing anything when it would have to wait (rows not loaded, a pending
 * write to resolve, a schema not looked up yet); the caller then uses the asynchronous method.
 * Hot paths (a block executor replaying thousands of row writes) save a promise per call.
 */
export interface CachedTable extends Table {
  /** `select` when the key's rows are in memory, else `undefined`. */
  selectCached?(key: string, condition?: Condition): Entry[] | undefined
  /** `insert` when it needs no read, else `undefined` (nothing written). */
  insertCached?(key: string, entry: Entry): number | undefined
  /** `update` when the key's rows are in memory, else `undefined` (nothing written). */
  updateCached?(key: string, entry: Entry, condition?: Condition): number | undefined
}

/** A `TableStore` that can open a table it already knows without waiting. */
export interface CachedTableStore extends TableStore {
  /**
   * The table when the store knows it without a read: the table, `null` when it is known not to
   * exist, `undefined` when only `openTable` can tell.
   */
  openTableCached?(name: string): CachedTable | null | undefined
}
