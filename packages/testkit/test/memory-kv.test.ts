import { isChainError } from '@consortia/interface'
import { describe, expect, it } from 'vitest'
import { createMemoryKvStore, kvStoreComplianceSuite } from '../src/index.js'

kvStoreComplianceSuite('memory', async () => createMemoryKvStore())

describe('memory KvStore limits', () => {
  it('refuses a batch that would exceed entriesMax, atomically', async () => {
    const store = createMemoryKvStore({ entriesMax: 3 })
    const k = (s: string) => new TextEncoder().encode(s)
    await store.batch([
      { type: 'put', key: k('a'), value: k('1') },
      { type: 'put', key: k('b'), value: k('1') },
    ])
    // Overwriting does not add entries.
    await store.put(k('a'), k('2'))
    const err = await store
      .batch([
        { type: 'put', key: k('c'), value: k('1') },
        { type: 'put', key: k('d'), value: k('1') },
      ])
      .catch((e: unknown) => e)
    expect(isChainError(err, 'KV_FULL')).toBe(true)
    expect(store.size).toBe(2)
    expect(await store.get(k('c'))).toBeUndefined()
  })

  it('refuses use after close', async () => {
    const store = createMemoryKvStore()
    await store.close()
    await expect(store.get(new Uint8Array([1]))).rejects.toMatchObject({ type: { code: 'KV_CLOSED' } })
  })
})
