import { createMemoryKvStore } from '@consortia/testkit'
import { createMPT } from '@ethereumjs/mpt'
import { describe, expect, it } from 'vitest'
import { BlockWriteBuffer } from '../src/block-buffer.js'
import { kvStoreToTrieDB } from '../src/kv-db.js'
import { pendingReachable } from '../src/reachable.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

describe('pendingReachable', () => {
  it.each([false, true])(
    'keeps exactly the nodes the final trie needs (secure=%s, inline nodes)',
    async (secure) => {
      const source = createMemoryKvStore()
      const buffer = new BlockWriteBuffer(source, { keyPrefix: new Uint8Array(), readCacheMax: 0 })
      const trie = await createMPT({ db: buffer, valueEncoding: 'view', useKeyHashing: secure })
      // Short keys and values make nodes under 32 bytes, which live inlined in their parents.
      const keys = ['do', 'dog', 'doge', 'horse', 'a', 'ab', 'abc', 'x', 'xy', 'xyz', 'z']
      for (const [i, k] of keys.entries()) await trie.put(utf8(k), utf8(`v${i}`))
      await trie.del(utf8('ab'))
      await trie.put(utf8('do'), utf8('a much longer value that does not fit inline in a branch'))
      const keep = new Set<string>()
      pendingReachable(
        trie.root(),
        (k) => buffer.pendingValue(k),
        () => {},
        keep,
      )
      const buffered = [...buffer.pendingKeys()].length
      expect(keep.size).toBeGreaterThan(0)
      expect(keep.size).toBeLessThan(buffered)

      const target = createMemoryKvStore()
      await target.batch(buffer.blockOps(keep))
      const reopened = await createMPT({
        db: kvStoreToTrieDB(target),
        valueEncoding: 'view',
        useKeyHashing: secure,
        root: trie.root(),
      })
      for (const k of keys) expect(await reopened.get(utf8(k), true)).toEqual(await trie.get(utf8(k), true))
      expect(await reopened.get(utf8('ab'), true)).toBeNull()
    },
  )

  it('stops at nodes that are not pending and reports leaf values', async () => {
    const values: string[] = []
    const keep = new Set<string>()
    pendingReachable(
      new Uint8Array(32),
      () => undefined,
      (v) => values.push(String(v)),
      keep,
    )
    expect(keep.size).toBe(0)
    expect(values).toEqual([])
  })
})
