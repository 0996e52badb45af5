import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { KvStore } from '@consortia/interface'
import { createLevelKvStore } from '@consortia/kv-level'
import { createMemoryKvStore, createSeededRandom } from '@consortia/testkit'
import { createMerkleProof, verifyMerkleProof } from '@ethereumjs/mpt'
import { afterAll, describe, expect, it } from 'vitest'
import { bytesToHex0x, hexToBytesChecked } from '../src/bytes.js'
import { keccak256 } from '../src/hash.js'
import { createKvTrie } from '../src/trie.js'
import {
  type AnyOrderTrieVector,
  HEX_ENCODED_SECURE_TRIE_TEST,
  type OrderedTrieVector,
  TRIE_ANY_ORDER,
  TRIE_ANY_ORDER_SECURE_TRIE,
  TRIE_TEST,
  TRIE_TEST_SECURE_TRIE,
} from './fixtures/trie-tests.js'

// ethereum/tests convention: `0x…` is hex, anything else UTF-8.
const decode = (s: string): Uint8Array =>
  s.startsWith('0x') ? hexToBytesChecked(s, 'vector') : new TextEncoder().encode(s)

const levelRoot = mkdtempSync(join(tmpdir(), 'consortia-mpt-trietests-'))
let levelN = 0
afterAll(() => rmSync(levelRoot, { recursive: true, force: true }))

const backends: [string, () => Promise<KvStore>][] = [
  ['memory', async () => createMemoryKvStore()],
  ['LevelDB', () => createLevelKvStore({ location: join(levelRoot, `t${levelN++}`) })],
]

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rnd = createSeededRandom(seed)
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = rnd.nextInt(i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

async function runOrdered(
  open: () => Promise<KvStore>,
  vector: OrderedTrieVector,
  secure: boolean,
): Promise<string> {
  const store = await open()
  try {
    const trie = await createKvTrie(store, { secure })
    for (const [k, v] of vector.in) {
      if (v === null) await trie.del(decode(k))
      else await trie.put(decode(k), decode(v))
    }
    return bytesToHex0x(trie.root())
  } finally {
    await store.close()
  }
}

async function runAnyOrder(
  open: () => Promise<KvStore>,
  vector: AnyOrderTrieVector,
  secure: boolean,
  order: readonly [string, string][],
): Promise<string> {
  const store = await open()
  try {
    const trie = await createKvTrie(store, { secure })
    for (const [k, v] of order) await trie.put(decode(k), decode(v))
    // Every key proves its value against the root, and the trie reopened from the store reads it back.
    const reopened = await createKvTrie(store, { secure, root: trie.root() })
    for (const [k, v] of order) {
      const proof = await createMerkleProof(trie, decode(k))
      const proven = await verifyMerkleProof(decode(k), proof, { root: trie.root(), useKeyHashing: secure })
      expect(proven).toEqual(decode(v))
      expect(await reopened.get(decode(k))).toEqual(decode(v))
    }
    expect(Object.keys(vector.in).length).toBe(order.length)
    return bytesToHex0x(trie.root())
  } finally {
    await store.close()
  }
}

describe.each(backends)('ethereum/tests TrieTests on %s', (_name, open) => {
  describe('trietest.json', () => {
    it.each(Object.entries(TRIE_TEST))('%s', async (_id, vector) => {
      expect(await runOrdered(open, vector, false)).toBe(vector.root)
    })
  })
  describe('trietest_secureTrie.json', () => {
    it.each(Object.entries(TRIE_TEST_SECURE_TRIE))('%s', async (_id, vector) => {
      expect(await runOrdered(open, vector, true)).toBe(vector.root)
    })
  })
  const anyOrder: [string, Readonly<Record<string, AnyOrderTrieVector>>, boolean][] = [
    ['trieanyorder.json', TRIE_ANY_ORDER, false],
    ['trieanyorder_secureTrie.json', TRIE_ANY_ORDER_SECURE_TRIE, true],
    ['hex_encoded_securetrie_test.json', HEX_ENCODED_SECURE_TRIE_TEST, true],
  ]
  describe.each(anyOrder)('%s', (_file, vectors, secure) => {
    it.each(Object.entries(vectors))('%s in listed, reversed and shuffled order', async (_id, vector) => {
      const entries = Object.entries(vector.in)
      expect(await runAnyOrder(open, vector, secure, entries)).toBe(vector.root)
      expect(await runAnyOrder(open, vector, secure, [...entries].reverse())).toBe(vector.root)
      expect(await runAnyOrder(open, vector, secure, shuffled(entries, 7))).toBe(vector.root)
    })
  })
})

describe('createKvTrie', () => {
  it('has the Yellow Paper empty root and refuses a hash that is not 32 bytes', async () => {
    const trie = await createKvTrie(createMemoryKvStore())
    expect(bytesToHex0x(trie.root())).toBe(
      '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421',
    )
    await expect(
      createKvTrie(createMemoryKvStore(), { hash: (b) => keccak256(b).subarray(0, 20) }),
    ).rejects.toThrow(/hash: expected 32-byte digest, got 20/)
  })

  it('keeps tries apart under different key prefixes in one store', async () => {
    const store = createMemoryKvStore()
    const a = await createKvTrie(store, { keyPrefix: new TextEncoder().encode('a/') })
    await a.put(decode('dog'), decode('puppy'))
    const b = await createKvTrie(store, { keyPrefix: new TextEncoder().encode('b/'), root: a.root() })
    expect(await b.get(decode('dog'))).toBeNull()
    await expect(b.get(decode('dog'), true)).rejects.toThrow(/Missing node/)
    const a2 = await createKvTrie(store, { keyPrefix: new TextEncoder().encode('a/'), root: a.root() })
    expect(await a2.get(decode('dog'))).toEqual(decode('puppy'))
  })
})
