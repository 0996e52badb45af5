import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isChainError } from '@consortia/interface'
import { kvStoreComplianceSuite } from '@consortia/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { openLevelKvStore } from '../src/leveldb-kv.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-mpt-level-'))
let n = 0
const fresh = () => join(root, `db-${n++}`)
afterAll(() => rmSync(root, { recursive: true, force: true }))

kvStoreComplianceSuite('LevelDB (classic-level)', () => openLevelKvStore(fresh()))

describe('openLevelKvStore', () => {
  const enc = (s: string) => new TextEncoder().encode(s)

  it('keeps data across close and reopen', async () => {
    const location = fresh()
    const a = await openLevelKvStore(location)
    await a.batch([{ type: 'put', key: enc('k'), value: enc('v') }], { sync: true })
    await a.close()
    const b = await openLevelKvStore(location)
    expect(await b.get(enc('k'))).toEqual(enc('v'))
    expect(b.location).toBe(location)
    await b.close()
  })

  it('refuses a batch above batchOpsMax, writing nothing', async () => {
    const store = await openLevelKvStore(fresh(), { batchOpsMax: 3 })
    const ops = [1, 2, 3, 4].map((i) => ({ type: 'put' as const, key: enc(`k${i}`), value: enc('v') }))
    await expect(store.batch(ops)).rejects.toSatisfy((e) => isChainError(e, 'KV_BATCH_TOO_LARGE'))
    expect(await store.get(enc('k1'))).toBeUndefined()
    await store.batch(ops.slice(0, 3))
    expect(await store.get(enc('k3'))).toEqual(enc('v'))
    await store.close()
  })

  it('throws KV_CLOSED after close', async () => {
    const store = await openLevelKvStore(fresh())
    await store.close()
    await expect(store.get(enc('k'))).rejects.toSatisfy((e) => isChainError(e, 'KV_CLOSED'))
    await expect(store.put(enc('k'), enc('v'))).rejects.toSatisfy((e) => isChainError(e, 'KV_CLOSED'))
    expect(() => store.iterate()).toThrow(/closed/)
  })

  it('reports an open failure as KV_IO', async () => {
    const location = fresh()
    const first = await openLevelKvStore(location)
    await expect(openLevelKvStore(location)).rejects.toSatisfy((e) => isChainError(e, 'KV_IO'))
    await first.close()
    await expect(openLevelKvStore(location, { errorIfExists: true })).rejects.toSatisfy((e) =>
      isChainError(e, 'KV_IO'),
    )
  })
})
