import { isChainError } from '@consortia/interface'
import { createMemoryKvStore } from '@consortia/testkit'
import { createMPT } from '@ethereumjs/mpt'
import { describe, expect, it } from 'vitest'
import { kvStoreToTrieDB } from '../src/kv-db.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

describe('kvStoreToTrieDB', () => {
  it('stores raw bytes under decoded keys whatever the value encoding', async () => {
    const store = createMemoryKvStore()
    const db = kvStoreToTrieDB(store, { keyPrefix: utf8('p/') })
    await db.put('beef', 'cafe', { keyEncoding: 'string', valueEncoding: 'string' })
    expect(await store.get(Uint8Array.of(0x70, 0x2f, 0xbe, 0xef))).toEqual(Uint8Array.of(0xca, 0xfe))
    expect(await db.get('beef', { valueEncoding: 'view' })).toEqual(Uint8Array.of(0xca, 0xfe))
    expect(await db.get('beef', { valueEncoding: 'string' })).toBe('cafe')
    expect(await db.get('beef')).toBe('cafe')
    await db.del('beef')
    expect(await db.get('beef')).toBeUndefined()
  })

  it('applies a batch atomically through KvStore.batch', async () => {
    const store = createMemoryKvStore()
    const db = kvStoreToTrieDB(store)
    await db.batch([
      { type: 'put', key: '01', value: Uint8Array.of(1) },
      { type: 'put', key: '02', value: '02', opts: { valueEncoding: 'string' } },
      { type: 'del', key: '01' },
    ])
    expect(store.writeCount).toBe(1)
    expect(await db.get('01')).toBeUndefined()
    expect(await db.shallowCopy().get('02', { valueEncoding: 'view' })).toEqual(Uint8Array.of(2))
    await db.open()
  })

  it('refuses keys that are not hex and JSON values', async () => {
    const db = kvStoreToTrieDB(createMemoryKvStore())
    await expect(db.put('not hex', Uint8Array.of(1))).rejects.toSatisfy((e) =>
      isChainError(e, 'MPT_INVALID_INPUT'),
    )
    await expect(db.put('abc', Uint8Array.of(1))).rejects.toThrow('trie db key: expected even-length hex')
    await expect(db.put('ab', '{}', { valueEncoding: 'json' })).rejects.toThrow(
      'expected bytes or hex string',
    )
  })

  it('carries a trie written in string encoding and read back in byte encoding', async () => {
    const store = createMemoryKvStore()
    const a = await createMPT({ db: kvStoreToTrieDB(store) })
    await a.put(utf8('dog'), utf8('puppy'))
    const b = await createMPT({ db: kvStoreToTrieDB(store), valueEncoding: 'view', root: a.root() })
    expect(await b.get(utf8('dog'))).toEqual(utf8('puppy'))
  })
})
