import type { Bytes, KvBatchOp, KvIterateOptions, KvStore } from '@consortia/interface'
import { ClassicLevel } from 'classic-level'
import { amdbError } from './errors.js'

/** Options of `createLevelDBKvStore`. */
export interface LevelDBKvInit {
  /** Directory of the database; created when missing. */
  readonly location: string
  /** LevelDB block cache, in bytes (default 8 MiB, LevelDB's own default). */
  readonly cacheBytes?: number
  /** LevelDB write buffer, in bytes (default 4 MiB). */
  readonly writeBufferBytes?: number
  /**
   * Serve `get`/`getMany` with LevelDB's synchronous get (default true): no thread-pool hop,
   * tens of times faster for point reads, but a read that misses the OS page cache blocks the
   * event loop for one disk read. Set false when the data set is far larger than memory.
   */
  readonly syncReads?: boolean
}

/** A `KvStore` on LevelDB, with the path it opened. */
export interface LevelDBKvStore extends KvStore {
  readonly location: string
}

/**
 * Opens a LevelDB database (through `classic-level`) as a `KvStore`. `batch` maps to one
 * LevelDB write batch, atomic across crashes; `{ sync: true }` waits for fsync.
 */
export async function createLevelDBKvStore(init: LevelDBKvInit): Promise<LevelDBKvStore> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(init.location, {
    keyEncoding: 'view',
    valueEncoding: 'view',
    cacheSize: init.cacheBytes ?? 8 * 1024 * 1024,
    writeBufferSize: init.writeBufferBytes ?? 4 * 1024 * 1024,
  })
  try {
    await db.open()
  } catch (err) {
    throw amdbError(
      { code: 'STORAGE_FAILURE', location: init.location },
      `cannot open LevelDB at ${init.location}`,
      err,
    )
  }
  const syncReads = init.syncReads ?? true
  const wrap = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (err) {
      if (db.status !== 'open')
        throw amdbError({ code: 'DRIVER_CLOSED' }, `LevelDB ${what}: database is closed`, err)
      throw amdbError({ code: 'STORAGE_FAILURE', location: init.location }, `LevelDB ${what} failed`, err)
    }
  }
  // LevelDB may hand out views of one shared buffer; copy so callers own what they get.
  const own = (b: Uint8Array | undefined) => (b === undefined ? undefined : new Uint8Array(b))

  return {
    location: init.location,
    get: (key: Bytes) => wrap('get', async () => own(syncReads ? db.getSync(key) : await db.get(key))),
    getMany: (keys: readonly Bytes[]) =>
      wrap('getMany', async () =>
        (syncReads ? keys.map((k) => db.getSync(k)) : await db.getMany([...keys])).map(own),
      ),
    put: (key: Bytes, value: Bytes) => wrap('put', () => db.put(key, value)),
    del: (key: Bytes) => wrap('del', () => db.del(key)),
    batch: (ops: readonly KvBatchOp[], options?: { readonly sync?: boolean }) =>
      wrap('batch', () =>
        db.batch(
          ops.map((op) =>
            op.type === 'put'
              ? { type: 'put' as const, key: op.key, value: op.value }
              : { type: 'del' as const, key: op.key },
          ),
          { sync: options?.sync ?? false },
        ),
      ),
    iterate(options: KvIterateOptions = {}): AsyncIterable<readonly [Bytes, Bytes]> {
      const range: Record<string, unknown> = {}
      for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
        if (options[bound] !== undefined) range[bound] = options[bound]
      }
      if (options.reverse) range['reverse'] = true
      if (options.limit !== undefined) range['limit'] = options.limit
      return {
        async *[Symbol.asyncIterator]() {
          const it = db.iterator(range)
          try {
            for await (const [key, value] of it) yield [own(key)!, own(value)!] as const
          } catch (err) {
            throw amdbError(
              { code: 'STORAGE_FAILURE', location: init.location },
              'LevelDB iterate failed',
              err,
            )
          } finally {
            await it.close()
          }
        },
      }
    },
    async close() {
      if (db.status === 'open' || db.status === 'opening') await db.close()
    },
  }
}
