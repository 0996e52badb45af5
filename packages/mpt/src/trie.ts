import type { KvStore } from '@consortia/interface'
import { createMPT, type MerklePatriciaTrie } from '@ethereumjs/mpt'
import { checkHashFn, type HashFn, keccak256 } from './hash.js'
import { kvStoreToTrieDB } from './kv-db.js'

/** Options of `createKvTrie`. */
export interface KvTrieInit {
  /** Hash keys before use (a "secure" trie, as Ethereum's state and storage tries are). Default false. */
  readonly secure?: boolean
  /** Node and key hash (default Keccak-256; pass SM3 on guomi chains). */
  readonly hash?: HashFn
  /** Open at this root instead of the empty trie. */
  readonly root?: Uint8Array
  /** Prepended to every node key in the store. */
  readonly keyPrefix?: Uint8Array
}

/**
 * A plain `@ethereumjs/mpt` trie whose nodes live in `store`, written through on every change.
 * Use it for tries outside the world state (transaction and receipt roots, tests); the world state
 * itself is `MPTState`, which buffers a block's nodes and commits them atomically.
 *
 * @example
 * ```ts
 * const trie = await createKvTrie(createMemoryKvStore())
 * await trie.put(utf8('dog'), utf8('puppy'))
 * trie.root() // 32-byte root
 * ```
 */
export async function createKvTrie(store: KvStore, init: KvTrieInit = {}): Promise<MerklePatriciaTrie> {
  const hash = checkHashFn(init.hash ?? keccak256)
  const db = kvStoreToTrieDB(store, init.keyPrefix === undefined ? {} : { keyPrefix: init.keyPrefix })
  return createMPT({
    db,
    valueEncoding: 'view',
    useKeyHashing: init.secure ?? false,
    useKeyHashingFunction: hash,
    ...(init.root === undefined ? {} : { root: init.root }),
  })
}
