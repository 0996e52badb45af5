import type { TableInfo } from '@consortia/interface'
import { applyRowOps, type BlockWrite, groupByKey, type StorageDriver, type StoredRow } from './driver.js'
import { amdbError } from './errors.js'
import { SYSTEM_TABLES } from './schema.js'

/** Default read-cache size: FISCO's `[storage] max_capacity` default, 32 MiB. */
export const CACHE_BYTES_DEFAULT = 32 * 1024 * 1024

/** Options of `createCachedDriver`. */
export interface CachedDriverInit {
  /** Upper bound of the estimated bytes the cache holds (default `CACHE_BYTES_DEFAULT`; 0 disables). */
  readonly cacheBytesMax?: number
}

/** Counters of a read cache. */
export interface CacheStats {
  readonly hits: number
  readonly misses: number
  readonly evictions: number
  /** Estimated bytes held now; never above `cacheBytesMax`. */
  readonly bytes: number
  readonly entries: number
  readonly cacheBytesMax: number
}

/** A driver with a read cache in front of it. */
export interface CachedDriver extends StorageDriver {
  readonly inner: StorageDriver
  stats(): CacheStats
}

interface CacheEntry {
  rows: readonly StoredRow[]
  bytes: number
}

// Rough heap cost: UTF-16 strings plus object overhead; it only has to grow with the data.
const ENTRY_OVERHEAD_BYTES = 96
const ROW_OVERHEAD_BYTES = 64
const rowsBytes = (cacheKey: string, rows: readonly StoredRow[]): number => {
  let n = ENTRY_OVERHEAD_BYTES + 2 * cacheKey.length
  for (const row of rows) {
    n += ROW_OVERHEAD_BYTES + 2 * row.key.length
    for (const f in row.fields) n += 16 + 2 * (f.length + row.fields[f]!.length)
  }
  return n
}

/**
 * Puts an LRU read cache, bounded by `cacheBytesMax`, in front of a driver (FISCO
 * CachedStorage, read side). Caches a key's committed rows, empty results included; a commit
 * updates the keys it touches after the driver has stored them. Tables with
 * `enableCache = false` (raw blocks, tx index) bypass it.
 */
export function createCachedDriver(inner: StorageDriver, init: CachedDriverInit = {}): CachedDriver {
  const cacheBytesMax = init.cacheBytesMax ?? CACHE_BYTES_DEFAULT
  if (!Number.isSafeInteger(cacheBytesMax) || cacheBytesMax < 0) {
    throw amdbError({ code: 'INVALID_ARGUMENT' }, `expected cacheBytesMax >= 0, got ${cacheBytesMax}`)
  }
  const entries = new Map<string, CacheEntry>()
  let bytes = 0
  let hits = 0
  let misses = 0
  let evictions = 0
  // Bumped around every commit: a read that overlapped a commit must not fill the cache.
  let epoch = 0

  const cacheKeyOf = (table: string, key: string) => `${table}\u0000${key}`
  const cacheable = (info: TableInfo) =>
    cacheBytesMax > 0 && (SYSTEM_TABLES.get(info.name)?.enableCache ?? true)
  const drop = (cacheKey: string) => {
    const old = entries.get(cacheKey)
    if (old === undefined) return
    entries.delete(cacheKey)
    bytes -= old.bytes
  }
  const store = (cacheKey: string, rows: readonly StoredRow[]) => {
    drop(cacheKey)
    const size = rowsBytes(cacheKey, rows)
    if (size > cacheBytesMax) return
    entries.set(cacheKey, { rows, bytes: size })
    bytes += size
    // Map iteration order is insertion order: the first entry is the least recently used.
    for (const [oldest, entry] of entries) {
      if (bytes <= cacheBytesMax) break
      entries.delete(oldest)
      bytes -= entry.bytes
      evictions++
    }
  }

  return {
    name: `${inner.name}+cache`,
    inner,
    async selectRows(info, key) {
      if (!cacheable(info)) return inner.selectRows(info, key)
      const cacheKey = cacheKeyOf(info.name, key)
      const hit = entries.get(cacheKey)
      if (hit !== undefined) {
        hits++
        entries.delete(cacheKey)
        entries.set(cacheKey, hit)
        return [...hit.rows]
      }
      misses++
      const startEpoch = epoch
      const rows = await inner.selectRows(info, key)
      if (epoch === startEpoch) store(cacheKey, rows)
      return [...rows]
    },
    selectRowsCached(info, key) {
      if (!cacheable(info)) return undefined
      const cacheKey = cacheKeyOf(info.name, key)
      const hit = entries.get(cacheKey)
      if (hit === undefined) return undefined
      hits++
      entries.delete(cacheKey)
      entries.set(cacheKey, hit)
      return [...hit.rows]
    },
    async selectRowsMany(info, keys) {
      const readMany = (wanted: readonly string[]) =>
        inner.selectRowsMany
          ? inner.selectRowsMany(info, wanted)
          : Promise.all(wanted.map((key) => inner.selectRows(info, key)))
      if (!cacheable(info)) return readMany(keys)
      const out: StoredRow[][] = new Array(keys.length)
      const missed: number[] = []
      keys.forEach((key, i) => {
        const cacheKey = cacheKeyOf(info.name, key)
        const hit = entries.get(cacheKey)
        if (hit === undefined) {
          missed.push(i)
          return
        }
        hits++
        entries.delete(cacheKey)
        entries.set(cacheKey, hit)
        out[i] = [...hit.rows]
      })
      if (missed.length === 0) return out
      misses += missed.length
      const startEpoch = epoch
      const fetched = await readMany(missed.map((i) => keys[i]!))
      missed.forEach((at, j) => {
        const rows = fetched[j] ?? []
        if (epoch === startEpoch) store(cacheKeyOf(info.name, keys[at]!), rows)
        out[at] = [...rows]
      })
      return out
    },
    listKeys(info, options) {
      return inner.listKeys(info, options)
    },
    async commitBlock(block: BlockWrite) {
      epoch++
      try {
        await inner.commitBlock(block)
      } catch (err) {
        // The outcome may be unknown (a lost connection during COMMIT): forget what it touched.
        for (const write of block.tables)
          for (const key of groupByKey(write).keys()) drop(cacheKeyOf(write.info.name, key))
        throw err
      } finally {
        epoch++
      }
      for (const write of block.tables) {
        if (!cacheable(write.info)) continue
        for (const [key, ops] of groupByKey(write)) {
          const cacheKey = cacheKeyOf(write.info.name, key)
          const cached = entries.get(cacheKey)
          if (cached !== undefined) store(cacheKey, applyRowOps(cached.rows, ops.puts, ops.deletes))
        }
      }
    },
    committedHeight() {
      return inner.committedHeight()
    },
    async close() {
      entries.clear()
      bytes = 0
      await inner.close()
    },
    stats() {
      return { hits, misses, evictions, bytes, entries: entries.size, cacheBytesMax }
    },
  }
}
