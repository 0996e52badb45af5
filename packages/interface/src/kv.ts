import type { Bytes } from './bytes.js'

/** One write in an atomic batch. */
export type KvBatchOp =
  | { readonly type: 'put'; readonly key: Bytes; readonly value: Bytes }
  | { readonly type: 'del'; readonly key: Bytes }

/** Range options for `KvStore.iterate`; keys compare as unsigned bytes. */
export interface KvIterateOptions {
  readonly gt?: Bytes
  readonly gte?: Bytes
  readonly lt?: Bytes
  readonly lte?: Bytes
  readonly reverse?: boolean
  /** Stop after this many entries. */
  readonly limit?: number
}

/**
 * An ordered byte-key/byte-value store: LevelDB on disk, a map in memory (testkit).
 * `batch` is atomic: after a crash either every op of a batch is visible or none.
 */
export interface KvStore {
  get(key: Bytes): Promise<Bytes | undefined>
  getMany(keys: readonly Bytes[]): Promise<(Bytes | undefined)[]>
  put(key: Bytes, value: Bytes): Promise<void>
  del(key: Bytes): Promise<void>
  /** Apply all ops atomically; `sync` asks for durability before the promise resolves. */
  batch(ops: readonly KvBatchOp[], options?: { readonly sync?: boolean }): Promise<void>
  iterate(options?: KvIterateOptions): AsyncIterable<readonly [Bytes, Bytes]>
  close(): Promise<void>
}
