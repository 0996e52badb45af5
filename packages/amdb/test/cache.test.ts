import type { TableInfo } from '@consortia/interface'
import { describe, expect, it } from 'vitest'
import {
  type BlockWrite,
  createCachedDriver,
  createMemoryDriver,
  type StorageDriver,
  SysTable,
} from '../src/index.js'

const T: TableInfo = { name: 'u_c', keyField: 'k', valueFields: ['v'] }
const fill = async (driver: StorageDriver, keys: number, valueBytes: number) => {
  await driver.commitBlock({
    number: 0,
    tables: [
      {
        info: T,
        puts: Array.from({ length: keys }, (_, i) => ({
          id: i + 1,
          num: 0,
          key: `k${i}`,
          fields: { v: String(i).padEnd(valueBytes, '.') },
        })),
        deletes: [],
      },
    ],
  })
}

describe('Read cache (cacheBytesMax, LRU)', () => {
  it('never holds more than cacheBytesMax and evicts the least recently used key', async () => {
    const inner = createMemoryDriver()
    await fill(inner, 100, 200)
    const cacheBytesMax = 4000
    const cached = createCachedDriver(inner, { cacheBytesMax })
    await cached.selectRows(T, 'k0')
    const one = cached.stats().bytes
    expect(one).toBeGreaterThan(400)
    for (let i = 1; i < 100; i++) {
      await cached.selectRows(T, `k${i}`)
      // Keep k0 recently used: it must survive every eviction.
      await cached.selectRows(T, 'k0')
      expect(cached.stats().bytes).toBeLessThanOrEqual(cacheBytesMax)
    }
    const s = cached.stats()
    expect(s.entries).toBe(Math.floor(cacheBytesMax / one))
    expect(s.evictions).toBe(100 - s.entries)
    expect(s.hits).toBe(99)
    expect(s.misses).toBe(100)
    await cached.selectRows(T, 'k0')
    expect(cached.stats().hits).toBe(100)
    await cached.selectRows(T, 'k1')
    expect(cached.stats().misses).toBe(101)
  })

  it('does not cache a key larger than the whole cache', async () => {
    const inner = createMemoryDriver()
    await fill(inner, 1, 10_000)
    const cached = createCachedDriver(inner, { cacheBytesMax: 1000 })
    expect((await cached.selectRows(T, 'k0'))[0]?.fields['v']).toHaveLength(10_000)
    expect(cached.stats()).toMatchObject({ entries: 0, bytes: 0 })
  })

  it('caches empty answers, and updates cached keys when a block commits', async () => {
    const cached = createCachedDriver(createMemoryDriver(), { cacheBytesMax: 1 << 20 })
    expect(await cached.selectRows(T, 'a')).toEqual([])
    expect(await cached.selectRows(T, 'a')).toEqual([])
    expect(cached.stats()).toMatchObject({ hits: 1, misses: 1 })
    await cached.commitBlock({
      number: 0,
      tables: [{ info: T, puts: [{ id: 1, num: 0, key: 'a', fields: { v: 'x' } }], deletes: [] }],
    })
    expect(await cached.selectRows(T, 'a')).toEqual([{ id: 1, num: 0, key: 'a', fields: { v: 'x' } }])
    await cached.commitBlock({ number: 1, tables: [{ info: T, puts: [], deletes: [{ key: 'a', id: 1 }] }] })
    expect(await cached.selectRows(T, 'a')).toEqual([])
    expect(cached.stats()).toMatchObject({ hits: 3, misses: 1 })
  })

  it('does not keep a read that raced with a commit', async () => {
    const inner = createMemoryDriver()
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => {
      release = r
    })
    const slow: StorageDriver = {
      ...inner,
      async selectRows(info, key) {
        const rows = await inner.selectRows(info, key)
        await gate
        return rows
      },
    }
    const cached = createCachedDriver(slow, { cacheBytesMax: 1 << 20 })
    const stale = cached.selectRows(T, 'a')
    const block: BlockWrite = {
      number: 0,
      tables: [{ info: T, puts: [{ id: 1, num: 0, key: 'a', fields: { v: 'new' } }], deletes: [] }],
    }
    await cached.commitBlock(block)
    release()
    expect(await stale).toEqual([])
    expect(cached.stats().entries).toBe(0)
    expect(await cached.selectRows(T, 'a')).toHaveLength(1)
  })

  it('bypasses tables with enableCache = false (raw blocks, tx index)', async () => {
    const cached = createCachedDriver(createMemoryDriver(), { cacheBytesMax: 1 << 20 })
    const info = { name: SysTable.hash2Block, keyField: 'hash', valueFields: ['value'] }
    await cached.selectRows(info, '0x01')
    await cached.selectRows(info, '0x01')
    expect(cached.stats()).toMatchObject({ hits: 0, misses: 0, entries: 0 })
  })

  it('with cacheBytesMax 0 caches nothing', async () => {
    const cached = createCachedDriver(createMemoryDriver(), { cacheBytesMax: 0 })
    await cached.selectRows(T, 'a')
    expect(cached.stats().entries).toBe(0)
    expect(() => createCachedDriver(createMemoryDriver(), { cacheBytesMax: -1 })).toThrow(/cacheBytesMax/)
  })
})
