import type { KvBatchOp, KvStore } from '@consortia/interface'
import type { BatchDBOp, EncodingOpts } from '@ethereumjs/util'
import { bytesToHexRaw, concat, hexToBytesChecked } from './bytes.js'
import type { TrieDB } from './kv-db.js'
import { bytesToTrieValue, trieKeyToBytes, trieValueToBytes } from './kv-db.js'

/** Options of `BlockWriteBuffer`. */
export interface BlockWriteBufferInit {
  /** Prepended to every key in the store. */
  readonly keyPrefix: Uint8Array
  /** Most entries the read cache of committed values holds. */
  readonly readCacheMax: number
}

/**
 * The write buffer between the tries of one `MPTState` and its `KvStore`. It implements the
 * `@ethereumjs/util` `DB` interface, so every trie (account trie and all storage tries) writes its nodes
 * here instead of the store. Writes land in the top layer; `checkpoint` pushes a layer, `commit` merges it
 * down, `revert` drops it, so reverted transactions leave no garbage nodes behind. `blockOps`
 * turns the chosen keys of the bottom layer into one list of `KvBatchOp`s for an atomic block commit.
 *
 * Trie nodes and code blobs are content-addressed (the key is the hash of the value), so a value read
 * from the store can be cached without invalidation; the cache is an LRU bounded by `readCacheMax`.
 */
export class BlockWriteBuffer implements TrieDB {
  private readonly store: KvStore
  private readonly keyPrefix: Uint8Array
  private readonly readCacheMax: number
  // layers[0] holds the block's writes; one more layer per open checkpoint. `null` marks a delete.
  private layers: Map<string, Uint8Array | null>[] = [new Map()]
  private readonly readCache = new Map<string, Uint8Array>()
  private held = 0
  private changes = 0
  private storeReadCount = 0

  constructor(store: KvStore, init: BlockWriteBufferInit) {
    this.store = store
    this.keyPrefix = init.keyPrefix
    this.readCacheMax = init.readCacheMax
  }

  /** Entries held across all layers (an upper bound of what the block will write). */
  get heldEntries(): number {
    return this.held
  }

  /** Entries in the read cache. */
  get cachedEntries(): number {
    return this.readCache.size
  }

  /** Reads that missed the layers and the cache and went to the store. */
  get storeReads(): number {
    return this.storeReadCount
  }

  /** Counts every change to the layers, so a caller can tell whether anything changed since. */
  get version(): number {
    return this.changes
  }

  /** Number of open checkpoint layers. */
  get depth(): number {
    return this.layers.length - 1
  }

  /** Reads raw bytes by unprefixed-hex key: layers top-down, then the cache, then the store. */
  async getBytes(keyHex: string): Promise<Uint8Array | undefined> {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!
      if (layer.has(keyHex)) return layer.get(keyHex) ?? undefined
    }
    const cached = this.readCache.get(keyHex)
    if (cached !== undefined) {
      // Re-insert to mark as most recently used.
      this.readCache.delete(keyHex)
      this.readCache.set(keyHex, cached)
      return cached
    }
    this.storeReadCount++
    const value = await this.store.get(concat(this.keyPrefix, hexToBytesChecked(keyHex, 'trie db key')))
    if (value !== undefined) this.remember(keyHex, value)
    return value
  }

  /** Writes raw bytes by unprefixed-hex key into the top layer. */
  putBytes(keyHex: string, value: Uint8Array | null): void {
    const top = this.layers[this.layers.length - 1]!
    if (!top.has(keyHex)) this.held++
    top.set(keyHex, value)
    this.changes++
  }

  async get(key: string, opts?: EncodingOpts): Promise<string | Uint8Array | undefined> {
    const value = await this.getBytes(keyToHex(key))
    return value === undefined ? undefined : bytesToTrieValue(value, opts)
  }

  async put(key: string, value: string | Uint8Array, opts?: EncodingOpts): Promise<void> {
    this.putBytes(keyToHex(key), trieValueToBytes(value, opts))
  }

  async del(key: string): Promise<void> {
    this.putBytes(keyToHex(key), null)
  }

  async batch(ops: BatchDBOp<string, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === 'put') this.putBytes(keyToHex(op.key), trieValueToBytes(op.value, op.opts))
      else this.putBytes(keyToHex(op.key), null)
    }
  }

  /** Tries created on this buffer share it; a copy would lose the layers, so the buffer is its own copy. */
  shallowCopy(): TrieDB {
    return this
  }

  async open(): Promise<void> {}

  /** Opens a layer. */
  checkpoint(): void {
    this.changes++
    this.layers.push(new Map())
  }

  /** Merges the top layer into the one below. */
  commit(): void {
    this.changes++
    const top = this.layers.pop()!
    const below = this.layers[this.layers.length - 1]!
    this.held -= top.size
    const before = below.size
    for (const [k, v] of top) below.set(k, v)
    this.held += below.size - before
  }

  /** Drops the top layer. */
  revert(): void {
    this.changes++
    const top = this.layers.pop()!
    this.held -= top.size
  }

  /** A value written in this block (bottom layer), for the reachability walk at commit. */
  pendingValue(keyHex: string): Uint8Array | undefined {
    return this.layers[0]!.get(keyHex) ?? undefined
  }

  /** Keys written in this block (bottom layer). */
  pendingKeys(): IterableIterator<string> {
    return this.layers[0]!.keys()
  }

  /**
   * The block's writes whose key is in `keep`, as store ops (keys prefixed). Only valid with no open
   * checkpoint; the buffer keeps everything until `markWritten` or `clear`.
   */
  blockOps(keep: ReadonlySet<string>): KvBatchOp[] {
    const ops: KvBatchOp[] = []
    for (const keyHex of keep) {
      const value = this.layers[0]!.get(keyHex)
      if (value === undefined) continue
      const key = concat(this.keyPrefix, hexToBytesChecked(keyHex, 'trie db key'))
      ops.push(value === null ? { type: 'del', key } : { type: 'put', key, value })
    }
    return ops
  }

  /** The ops of `blockOps(keep)` reached the store: cache them and empty the buffer. */
  markWritten(keep: ReadonlySet<string>): void {
    for (const keyHex of keep) {
      const value = this.layers[0]!.get(keyHex)
      if (value === null) this.readCache.delete(keyHex)
      else if (value !== undefined) this.remember(keyHex, value)
    }
    this.clear()
  }

  /** Forgets every buffered write. */
  clear(): void {
    this.changes++
    this.layers = [new Map()]
    this.held = 0
  }

  private remember(keyHex: string, value: Uint8Array): void {
    if (this.readCacheMax <= 0) return
    this.readCache.delete(keyHex)
    this.readCache.set(keyHex, value)
    if (this.readCache.size > this.readCacheMax) {
      // Map iterates in insertion order: the first key is the least recently used.
      const oldest = this.readCache.keys().next().value as string
      this.readCache.delete(oldest)
    }
  }
}

function keyToHex(key: string | Uint8Array): string {
  return typeof key === 'string' ? key.toLowerCase() : bytesToHexRaw(trieKeyToBytes(key))
}
