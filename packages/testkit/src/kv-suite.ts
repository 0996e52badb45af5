import type { Bytes, KvStore } from '@consortia/interface'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSeededRandom } from './random.js'

const enc = (s: string): Bytes => new TextEncoder().encode(s)
const dec = (b: Bytes | undefined): string | undefined =>
  b === undefined ? undefined : new TextDecoder().decode(b)

async function collect(iter: AsyncIterable<readonly [Bytes, Bytes]>): Promise<string[]> {
  const out: string[] = []
  for await (const [k, v] of iter) out.push(`${dec(k)}=${dec(v)}`)
  return out
}

/**
 * The compliance suite every `KvStore` implementation must pass. Call it inside a test
 * file; `open` must return a new, empty store each time.
 *
 * @example
 * ```ts
 * kvStoreComplianceSuite('memory', async () => createMemoryKvStore())
 * ```
 */
export function kvStoreComplianceSuite(name: string, open: () => Promise<KvStore>): void {
  describe(`KvStore compliance: ${name}`, () => {
    let store: KvStore
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('gets what it puts, and nothing after del', async () => {
      expect(await store.get(enc('a'))).toBeUndefined()
      await store.put(enc('a'), enc('1'))
      expect(dec(await store.get(enc('a')))).toBe('1')
      await store.put(enc('a'), enc('2'))
      expect(dec(await store.get(enc('a')))).toBe('2')
      await store.del(enc('a'))
      expect(await store.get(enc('a'))).toBeUndefined()
      await store.del(enc('never-written'))
    })

    it('stores empty values and binary keys exactly', async () => {
      const key = new Uint8Array([0, 255, 0, 1])
      await store.put(key, new Uint8Array())
      const got = await store.get(key)
      expect(got).toBeInstanceOf(Uint8Array)
      expect(got?.length).toBe(0)
      const value = new Uint8Array(256).map((_, i) => i)
      await store.put(enc('bin'), value)
      expect(await store.get(enc('bin'))).toEqual(value)
    })

    it('does not alias the caller’s buffers', async () => {
      const key = enc('k')
      const value = enc('v1')
      await store.put(key, value)
      value[1] = 0x39
      key[0] = 0x6a
      expect(dec(await store.get(enc('k')))).toBe('v1')
      const got = (await store.get(enc('k')))!
      got[0] = 0
      expect(dec(await store.get(enc('k')))).toBe('v1')
    })

    it('getMany answers in order, undefined for missing keys', async () => {
      await store.batch([
        { type: 'put', key: enc('x'), value: enc('1') },
        { type: 'put', key: enc('z'), value: enc('3') },
      ])
      const got = await store.getMany([enc('z'), enc('y'), enc('x')])
      expect(got.map(dec)).toEqual(['3', undefined, '1'])
    })

    it('applies a batch with puts and dels in op order', async () => {
      await store.put(enc('gone'), enc('0'))
      await store.batch(
        [
          { type: 'put', key: enc('a'), value: enc('1') },
          { type: 'put', key: enc('a'), value: enc('2') },
          { type: 'del', key: enc('gone') },
          { type: 'put', key: enc('b'), value: enc('3') },
          { type: 'del', key: enc('b') },
        ],
        { sync: true },
      )
      expect(await collect(store.iterate())).toEqual(['a=2'])
    })

    it('iterates in unsigned byte order with bounds, reverse and limit', async () => {
      const keys = ['b', 'a', 'c', 'ab', 'ba', '\u00e9', '']
      await store.batch(keys.map((k) => ({ type: 'put' as const, key: enc(k), value: enc(`v${k}`) })))
      const all = await collect(store.iterate())
      // '\u00e9' is 0xc3 0xa9 in UTF-8: it sorts after every ASCII key; '' sorts first.
      expect(all).toEqual(['=v', 'a=va', 'ab=vab', 'b=vb', 'ba=vba', 'c=vc', '\u00e9=v\u00e9'])
      expect(await collect(store.iterate({ gte: enc('ab'), lt: enc('c') }))).toEqual([
        'ab=vab',
        'b=vb',
        'ba=vba',
      ])
      expect(await collect(store.iterate({ gt: enc('ab'), lte: enc('c') }))).toEqual([
        'b=vb',
        'ba=vba',
        'c=vc',
      ])
      expect(await collect(store.iterate({ reverse: true, limit: 2 }))).toEqual(['\u00e9=v\u00e9', 'c=vc'])
      expect(await collect(store.iterate({ gte: enc('b'), reverse: true, limit: 10 }))).toEqual([
        '\u00e9=v\u00e9',
        'c=vc',
        'ba=vba',
        'b=vb',
      ])
      expect(await collect(store.iterate({ gt: enc('zz') }))).toEqual(['\u00e9=v\u00e9'])
      expect(await collect(store.iterate({ gt: enc('\u00e9') }))).toEqual([])
    })

    it('matches a model under a seeded random workload', async () => {
      const rnd = createSeededRandom(20261126)
      const model = new Map<string, string>()
      for (let round = 0; round < 40; round++) {
        const ops = []
        for (let i = 0; i < 1 + rnd.nextInt(20); i++) {
          const k = `k${rnd.nextInt(50).toString().padStart(2, '0')}`
          if (rnd.nextInt(4) === 0) {
            ops.push({ type: 'del' as const, key: enc(k) })
            model.delete(k)
          } else {
            const v = `v${rnd.nextU32()}`
            ops.push({ type: 'put' as const, key: enc(k), value: enc(v) })
            model.set(k, v)
          }
        }
        await store.batch(ops)
      }
      const expected = [...model.keys()].sort().map((k) => `${k}=${model.get(k)}`)
      expect(await collect(store.iterate())).toEqual(expected)
      for (const [k, v] of model) expect(dec(await store.get(enc(k)))).toBe(v)
    })
  })
}
