import {
  type Bytes,
  ChainError,
  type KvBatchOp,
  type KvIterateOptions,
  type KvStore,
} from '@consortia/interface'
import { bytesToHexRaw, compareBytes } from './bytes.js'

/** Error codes of the memory store. */
export type MemoryKvErrorType = { code: 'KV_CLOSED' } | { code: 'KV_FULL'; entriesMax: number }

/** Options of `createMemoryKvStore`. */
export interface MemoryKvInit {
  /** Refuse writes that would hold more than this many entries (default 10,000,000). */
  readonly entriesMax?: number
}

/** A `KvStore` whose writes can be inspected, for tests. */
export interface MemoryKvStore extends KvStore {
  /** Number of entries held. */
  readonly size: number
  /** Number of `batch` calls that completed (put/del count as one each). */
  readonly writeCount: number
}

const ENTRIES_MAX_DEFAULT = 10_000_000

/**
 * An in-memory, ordered `KvStore` with the same semantics as the LevelDB one:
 * keys ordered as unsigned bytes, atomic batches, values copied in and out.
 */
export function createMemoryKvStore(init: MemoryKvInit = {}): MemoryKvStore {
  const entriesMax = init.entriesMax ?? ENTRIES_MAX_DEFAULT
  const values = new Map<string, Bytes>()
  // Sorted keys; binary search keeps put/del O(log n + move) and iteration ordered.
  const keys: Bytes[] = []
  let closed = false
  let writeCount = 0

  const assertOpen = () => {
    if (closed) throw new ChainError<MemoryKvErrorType>({ code: 'KV_CLOSED' }, 'memory store is closed')
  }
  const search = (key: Bytes): number => {
    let lo = 0
    let hi = keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareBytes(keys[mid]!, key) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  const applyPut = (key: Bytes, value: Bytes) => {
    const id = bytesToHexRaw(key)
    if (!values.has(id)) {
      keys.splice(search(key), 0, key.slice())
    }
    values.set(id, value.slice())
  }
  const applyDel = (key: Bytes) => {
    const id = bytesToHexRaw(key)
    if (!values.delete(id)) return
    const at = search(key)
    keys.splice(at, 1)
  }
  const checkCapacity = (ops: readonly KvBatchOp[]) => {
    let added = 0
    for (const op of ops) if (op.type === 'put' && !values.has(bytesToHexRaw(op.key))) added++
    if (values.size + added > entriesMax) {
      throw new ChainError<MemoryKvErrorType>(
        { code: 'KV_FULL', entriesMax },
        `memory store holds at most ${entriesMax} entries`,
      )
    }
  }

  const store: MemoryKvStore = {
    get size() {
      return values.size
    },
    get writeCount() {
      return writeCount
    },
    async get(key) {
      assertOpen()
      return values.get(bytesToHexRaw(key))?.slice()
    },
    async getMany(list) {
      assertOpen()
      return list.map((key) => values.get(bytesToHexRaw(key))?.slice())
    },
    async put(key, value) {
      await store.batch([{ type: 'put', key, value }])
    },
    async del(key) {
      await store.batch([{ type: 'del', key }])
    },
    async batch(ops) {
      assertOpen()
      checkCapacity(ops)
      for (const op of ops) {
        if (op.type === 'put') applyPut(op.key, op.value)
        else applyDel(op.key)
      }
      writeCount++
    },
    iterate(options: KvIterateOptions = {}) {
      assertOpen()
      return iterateRange(keys, values, options)
    },
    async close() {
      closed = true
    },
  }
  return store
}

function inRange(key: Bytes, o: KvIterateOptions): boolean {
  if (o.gt !== undefined && compareBytes(key, o.gt) <= 0) return false
  if (o.gte !== undefined && compareBytes(key, o.gte) < 0) return false
  if (o.lt !== undefined && compareBytes(key, o.lt) >= 0) return false
  if (o.lte !== undefined && compareBytes(key, o.lte) > 0) return false
  return true
}

async function* iterateRange(
  keys: readonly Bytes[],
  values: ReadonlyMap<string, Bytes>,
  options: KvIterateOptions,
): AsyncGenerator<readonly [Bytes, Bytes]> {
  // Snapshot so writes during iteration do not disturb it, as LevelDB iterators read a snapshot.
  const snapshot: (readonly [Bytes, Bytes])[] = []
  for (const key of keys) {
    if (inRange(key, options)) snapshot.push([key.slice(), values.get(bytesToHexRaw(key))!.slice()])
  }
  if (options.reverse) snapshot.reverse()
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  let emitted = 0
  for (const entry of snapshot) {
    if (emitted >= limit) return
    emitted++
    yield entry
  }
}
