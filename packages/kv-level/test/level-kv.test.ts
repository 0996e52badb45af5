import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isChainError } from '@consortia/interface'
import { kvStoreComplianceSuite } from '@consortia/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { createLevelKvStore, LEVEL_BATCH_OPS_MAX, type LevelKvInit } from '../src/index.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-kv-level-'))
let n = 0
const fresh = () => join(root, `db-${n++}`)
afterAll(() => rmSync(root, { recursive: true, force: true }))

const enc = (s: string) => new TextEncoder().encode(s)
const isCode = (code: string) => (e: unknown) => isChainError(e, code)

kvStoreComplianceSuite('LevelDB, synchronous reads', () => createLevelKvStore({ location: fresh() }))
kvStoreComplianceSuite('LevelDB, asynchronous reads', () =>
  createLevelKvStore({ location: fresh(), syncReads: false }),
)

describe.each([true, false])('createLevelKvStore (syncReads %s)', (syncReads) => {
  const open = (init: Partial<LevelKvInit> = {}) =>
    createLevelKvStore({ location: fresh(), syncReads, ...init })

  it('keeps data across close and reopen', async () => {
    const location = fresh()
    const a = await createLevelKvStore({ location, syncReads })
    await a.batch([{ type: 'put', key: enc('k'), value: enc('v') }], { sync: true })
    await a.close()
    const b = await createLevelKvStore({ location, syncReads })
    expect(await b.get(enc('k'))).toEqual(enc('v'))
    expect(b.location).toBe(location)
    expect(b.syncReads).toBe(syncReads)
    await b.close()
  })

  it('hands out owned copies and keeps its own copy of what it was given', async () => {
    const store = await open()
    const key = enc('key')
    const value = enc('value')
    await store.batch([{ type: 'put', key, value }])
    value.fill(0) // the caller reuses its buffer after batch returns
    key.fill(0)
    const got = (await store.get(enc('key')))!
    expect(got).toEqual(enc('value'))
    expect(got.byteOffset).toBe(0)
    expect(got.buffer.byteLength).toBe(got.byteLength) // not a view into a shared pool
    got.fill(1)
    expect(await store.get(enc('key'))).toEqual(enc('value'))
    const [many] = await store.getMany([enc('key')])
    many!.fill(2)
    expect((await store.getMany([enc('key')]))[0]).toEqual(enc('value'))
    for await (const [k, v] of store.iterate()) {
      expect(k.buffer.byteLength).toBe(k.byteLength)
      v.fill(3)
    }
    expect(await store.get(enc('key'))).toEqual(enc('value'))
    await store.close()
  })

  it('applies a batch in order: a later op on the same key wins', async () => {
    const store = await open()
    await store.batch([
      { type: 'put', key: enc('a'), value: enc('1') },
      { type: 'del', key: enc('a') },
      { type: 'put', key: enc('b'), value: enc('1') },
      { type: 'put', key: enc('b'), value: enc('2') },
    ])
    expect(await store.getMany([enc('a'), enc('b')])).toEqual([undefined, enc('2')])
    await store.close()
  })
})

describe('createLevelKvStore limits and errors', () => {
  it('refuses a batch above batchOpsMax, writing nothing; a batch of exactly batchOpsMax passes', async () => {
    const store = await createLevelKvStore({ location: fresh(), batchOpsMax: 3 })
    expect(store.batchOpsMax).toBe(3)
    const ops = [1, 2, 3, 4].map((i) => ({ type: 'put' as const, key: enc(`k${i}`), value: enc('v') }))
    const err = await store.batch(ops).catch((e: unknown) => e)
    expect(isChainError(err, 'KV_BATCH_TOO_LARGE')).toBe(true)
    expect((err as { type: unknown }).type).toEqual({ code: 'KV_BATCH_TOO_LARGE', batchOpsMax: 3, ops: 4 })
    expect(await store.get(enc('k1'))).toBeUndefined()
    await store.batch(ops.slice(0, 3))
    expect(await store.get(enc('k3'))).toEqual(enc('v'))
    await store.close()
  })

  it('defaults batchOpsMax to LEVEL_BATCH_OPS_MAX', async () => {
    const store = await createLevelKvStore({ location: fresh() })
    expect(store.batchOpsMax).toBe(LEVEL_BATCH_OPS_MAX)
    expect(store.syncReads).toBe(true)
    await store.close()
  })

  it('throws KV_CLOSED after close, and close is idempotent', async () => {
    const store = await createLevelKvStore({ location: fresh() })
    await store.close()
    await store.close()
    await expect(store.get(enc('k'))).rejects.toSatisfy(isCode('KV_CLOSED'))
    await expect(store.getMany([enc('k')])).rejects.toSatisfy(isCode('KV_CLOSED'))
    await expect(store.put(enc('k'), enc('v'))).rejects.toSatisfy(isCode('KV_CLOSED'))
    await expect(store.del(enc('k'))).rejects.toSatisfy(isCode('KV_CLOSED'))
    await expect(store.batch([])).rejects.toSatisfy(isCode('KV_CLOSED'))
    expect(() => store.iterate()).toThrow(/closed/)
  })

  it('reports open failures as KV_IO with the location', async () => {
    const location = fresh()
    const first = await createLevelKvStore({ location })
    const locked = await createLevelKvStore({ location }).catch((e: unknown) => e)
    expect(isChainError(locked, 'KV_IO')).toBe(true)
    expect((locked as { type: unknown }).type).toEqual({ code: 'KV_IO', operation: 'open', location })
    await first.close()
    await expect(createLevelKvStore({ location, errorIfExists: true })).rejects.toSatisfy(isCode('KV_IO'))
    await expect(createLevelKvStore({ location: fresh(), createIfMissing: false })).rejects.toSatisfy(
      isCode('KV_IO'),
    )
  })

  it('labels bad options and bad arguments as KV_INVALID_INPUT', async () => {
    await expect(createLevelKvStore({ location: '' })).rejects.toThrow(
      'location: expected a non-empty directory path, got string(0)',
    )
    await expect(createLevelKvStore({ location: fresh(), batchOpsMax: 0 })).rejects.toThrow(
      'batchOpsMax: expected a positive integer, got number 0',
    )
    await expect(createLevelKvStore({ location: fresh(), cacheBytes: 1.5 })).rejects.toSatisfy(
      isCode('KV_INVALID_INPUT'),
    )
    const store = await createLevelKvStore({ location: fresh() })
    await expect(store.get('k' as unknown as Uint8Array)).rejects.toThrow(
      'key: expected Uint8Array, got string(1)',
    )
    await expect(store.getMany([enc('a'), 7 as unknown as Uint8Array])).rejects.toThrow(
      'keys[1]: expected Uint8Array, got number 7',
    )
    // A bad op anywhere in a batch writes nothing, not even the good ops before it.
    const bad = [
      { type: 'put', key: enc('good'), value: enc('v') },
      { type: 'put', key: enc('bad'), value: 'v' },
    ] as unknown as Parameters<typeof store.batch>[0]
    await expect(store.batch(bad)).rejects.toThrow('ops[1].value: expected Uint8Array, got string(1)')
    const badType = [{ type: 'merge', key: enc('x') }] as unknown as Parameters<typeof store.batch>[0]
    await expect(store.batch(badType)).rejects.toSatisfy(isCode('KV_INVALID_INPUT'))
    expect(await store.get(enc('good'))).toBeUndefined()
    expect(() => store.iterate({ gt: 'a' as unknown as Uint8Array })).toThrow('gt: expected Uint8Array')
    expect(() => store.iterate({ limit: -2 })).toThrow('limit: expected a non-negative integer')
    await store.close()
  })
})
