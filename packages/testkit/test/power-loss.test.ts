import { describe, expect, it } from 'vitest'
import { createPowerLossKvStore } from '../src/index.js'

const k = (s: string) => new TextEncoder().encode(s)
const v = (n: number) => Uint8Array.of(n)

describe('createPowerLossKvStore', () => {
  it('shows unsynced writes, loses them at the cut, keeps synced ones', async () => {
    const store = createPowerLossKvStore()
    await store.put(k('a'), v(1))
    await store.batch([{ type: 'put', key: k('b'), value: v(2) }], { sync: true })
    await store.put(k('c'), v(3))
    await store.del(k('a'))
    expect(await store.get(k('c'))).toEqual(v(3))
    expect(await store.get(k('a'))).toBeUndefined()
    expect(store.unsyncedBatches).toBe(2)
    const disk = store.powerLoss()
    expect(await disk.get(k('a'))).toEqual(v(1)) // written before the sync, made durable by it
    expect(await disk.get(k('b'))).toEqual(v(2))
    expect(await disk.get(k('c'))).toBeUndefined()
    await expect(store.get(k('a'))).rejects.toMatchObject({ type: { code: 'KV_CLOSED' } })
  })

  it('keeps the oldest unsynced batches whole when asked', async () => {
    const store = createPowerLossKvStore()
    await store.batch([
      { type: 'put', key: k('x1'), value: v(1) },
      { type: 'put', key: k('x2'), value: v(1) },
    ])
    await store.batch([
      { type: 'put', key: k('y1'), value: v(2) },
      { type: 'put', key: k('y2'), value: v(2) },
    ])
    const disk = store.powerLoss({ keepUnsyncedBatches: 1 })
    expect(await disk.getMany([k('x1'), k('x2'), k('y1'), k('y2')])).toEqual([
      v(1),
      v(1),
      undefined,
      undefined,
    ])
  })
})
