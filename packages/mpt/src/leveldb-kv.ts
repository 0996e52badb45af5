import {
  type Bytes,
  ChainError,
  type KvBatchOp,
  type KvIterateOptions,
  type KvStore,
} from '@consortia/interface'
import { ClassicLevel } from 'classic-level'
import type { MPTErrorType } from './errors.js'

/** Default for `LevelKvInit.batchOpsMax`: far above one block of state writes, well below memory trouble. */
export const LEVEL_BATCH_OPS_MAX = 2_000_000

/** Options of `openLevelKvStore`. */
export interface LevelKvInit {
  /** Create the database directory when missing (default true). */
  readonly createIfMissing?: boolean
  /** Fail when the database already exists (default false). */
  readonly errorIfExists?: boolean
  /** Refuse a `batch` with more ops than this (default `LEVEL_BATCH_OPS_MAX`). */
  readonly batchOpsMax?: number
}

/** A `KvStore` on LevelDB, with access to the location it was opened at. */
export interface LevelKvStore extends KvStore {
  /** The directory the database lives in. */
  readonly location: string
}

type View = ClassicLevel<Uint8Array, Uint8Array>

const ENCODINGS = { keyEncoding: 'view', valueEncoding: 'view' } as const

function ioError(operation: string, cause: unknown): ChainError<MPTErrorType> {
  return new ChainError<MPTErrorType>({ code: 'KV_IO', operation }, `LevelDB ${operation} failed`, { cause })
}

/**
 * Opens (creating if needed) a LevelDB database at `location` as a `KvStore`.
 * Keys order as unsigned bytes; `batch` is one LevelDB write batch, so it is atomic across crashes;
 * `{ sync: true }` fsyncs the write-ahead log before resolving.
 *
 * @example
 * ```ts
 * const store = await openLevelKvStore('./data/state')
 * await store.batch([{ type: 'put', key: k, value: v }], { sync: true })
 * await store.close()
 * ```
 */
export async function openLevelKvStore(location: string, init: LevelKvInit = {}): Promise<LevelKvStore> {
  const batchOpsMax = init.batchOpsMax ?? LEVEL_BATCH_OPS_MAX
  const db: View = new ClassicLevel<Uint8Array, Uint8Array>(location, {
    ...ENCODINGS,
    createIfMissing: init.createIfMissing ?? true,
    errorIfExists: init.errorIfExists ?? false,
  })
  try {
    await db.open()
  } catch (cause) {
    throw ioError('open', cause)
  }
  let closed = false

  const assertOpen = () => {
    if (closed) throw new ChainError<MPTErrorType>({ code: 'KV_CLOSED' }, 'LevelDB store is closed')
  }
  // LevelDB hands out Buffers that may share a pool; callers get plain, owned Uint8Arrays.
  const own = (b: Uint8Array | undefined): Bytes | undefined =>
    b === undefined ? undefined : Uint8Array.from(b)

  const store: LevelKvStore = {
    location,
    async get(key) {
      assertOpen()
      try {
        return own(await db.get(key))
      } catch (cause) {
        throw ioError('get', cause)
      }
    },
    async getMany(keys) {
      assertOpen()
      if (keys.length === 0) return []
      try {
        return (await db.getMany([...keys])).map(own)
      } catch (cause) {
        throw ioError('getMany', cause)
      }
    },
    async put(key, value) {
      await store.batch([{ type: 'put', key, value }])
    },
    async del(key) {
      await store.batch([{ type: 'del', key }])
    },
    async batch(ops: readonly KvBatchOp[], options?: { readonly sync?: boolean }) {
      assertOpen()
      if (ops.length > batchOpsMax) {
        throw new ChainError<MPTErrorType>(
          { code: 'KV_BATCH_TOO_LARGE', batchOpsMax, ops: ops.length },
          `batch of ${ops.length} ops exceeds batchOpsMax ${batchOpsMax}`,
        )
      }
      if (ops.length === 0) return
      // A chained batch: several times faster than the array form for large blocks. It copies
      // each key and value into the native batch as it is added, so callers may reuse their buffers.
      const chained = db.batch()
      try {
        for (const op of ops) {
          if (op.type === 'put') chained.put(op.key, op.value)
          else chained.del(op.key)
        }
        await chained.write({ sync: options?.sync ?? false })
      } catch (cause) {
        await chained.close().catch(() => undefined)
        throw ioError('batch', cause)
      }
    },
    iterate(options: KvIterateOptions = {}) {
      assertOpen()
      return iterateLevel(db, options)
    },
    async close() {
      if (closed) return
      closed = true
      try {
        await db.close()
      } catch (cause) {
        throw ioError('close', cause)
      }
    },
  }
  return store
}

async function* iterateLevel(db: View, o: KvIterateOptions): AsyncGenerator<readonly [Bytes, Bytes]> {
  const range: { gt?: Bytes; gte?: Bytes; lt?: Bytes; lte?: Bytes } = {}
  if (o.gt !== undefined) range.gt = o.gt
  if (o.gte !== undefined) range.gte = o.gte
  if (o.lt !== undefined) range.lt = o.lt
  if (o.lte !== undefined) range.lte = o.lte
  const it = db.iterator({ ...range, reverse: o.reverse ?? false, limit: o.limit ?? -1 })
  try {
    for await (const [key, value] of it) yield [Uint8Array.from(key), Uint8Array.from(value)] as const
  } finally {
    await it.close()
  }
}
