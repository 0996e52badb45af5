import type { KvStore } from '@consortia/interface'
import type { BatchDBOp, DB, EncodingOpts } from '@ethereumjs/util'
import { bytesToHexRaw, concat, hexToBytesChecked } from './bytes.js'
import { invalidInput } from './errors.js'

/** The database shape `@ethereumjs/mpt` reads and writes: hex-string keys, byte or hex values. */
export type TrieDB = DB<string, string | Uint8Array>

/** Options of `kvStoreToTrieDB`. */
export interface KvTrieDBInit {
  /** Prepended to every key in the KvStore, so tries can share a store with other data. */
  readonly keyPrefix?: Uint8Array
}

/**
 * Maps a key as `@ethereumjs/mpt` passes it (unprefixed hex, its `KeyEncoding.String` form) to KvStore bytes.
 * Byte keys pass through unchanged.
 */
export function trieKeyToBytes(key: string | Uint8Array): Uint8Array {
  return typeof key === 'string' ? hexToBytesChecked(key, 'trie db key') : key
}

/**
 * A value as `@ethereumjs/mpt` passes it: bytes under `ValueEncoding.Bytes`, unprefixed hex under
 * `ValueEncoding.String` (its default). JSON values are not part of trie storage and are refused.
 */
export function trieValueToBytes(value: string | Uint8Array, opts?: EncodingOpts): Uint8Array {
  if (value instanceof Uint8Array) return value
  if (opts?.valueEncoding === 'json') throw invalidInput('trie db value', 'bytes or hex string', 'json')
  return hexToBytesChecked(value, 'trie db value')
}

/** The form a read returns under the requested value encoding. */
export function bytesToTrieValue(bytes: Uint8Array, opts?: EncodingOpts): string | Uint8Array {
  return opts?.valueEncoding === 'view' ? bytes : bytesToHexRaw(bytes)
}

/**
 * Adapts our `KvStore` port to the `DB` interface of `@ethereumjs/util`, so a `MerklePatriciaTrie` can
 * live on LevelDB or any other store. Keys are stored as raw bytes (the trie's hex keys decoded), values
 * as raw bytes whatever the value encoding, so a trie written in one encoding reads back in the other.
 * Every write goes straight to the store; for buffered, atomic per-block writes use `MPTState`.
 *
 * @example
 * ```ts
 * const trie = await createMPT({ db: kvStoreToTrieDB(store), valueEncoding: 'view' })
 * ```
 */
export function kvStoreToTrieDB(store: KvStore, init: KvTrieDBInit = {}): TrieDB {
  const prefix = init.keyPrefix ?? new Uint8Array()
  const keyOf = (key: string | Uint8Array) => concat(prefix, trieKeyToBytes(key))
  const db: TrieDB = {
    async get(key, opts) {
      const value = await store.get(keyOf(key))
      return value === undefined ? undefined : bytesToTrieValue(value, opts)
    },
    async put(key, value, opts) {
      await store.put(keyOf(key), trieValueToBytes(value, opts))
    },
    async del(key) {
      await store.del(keyOf(key))
    },
    async batch(ops: BatchDBOp<string, string | Uint8Array>[]) {
      await store.batch(
        ops.map((op) =>
          op.type === 'put'
            ? { type: 'put' as const, key: keyOf(op.key), value: trieValueToBytes(op.value, op.opts) }
            : { type: 'del' as const, key: keyOf(op.key) },
        ),
      )
    },
    shallowCopy() {
      return kvStoreToTrieDB(store, init)
    },
    async open() {},
  }
  return db
}
