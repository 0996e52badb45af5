/**
 * @consortia/kv-level — the LevelDB `KvStore` of Consortia, on `classic-level`. AMDB's LevelDB
 * driver and MPT's state both store through it. `batch` is one atomic LevelDB write batch (a
 * chained batch, bounded by `batchOpsMax`), `{ sync: true }` fsyncs, point reads use LevelDB's
 * synchronous get by default, reads hand out owned copies, and failures are typed
 * (`KV_CLOSED`, `KV_IO`, `KV_BATCH_TOO_LARGE`, `KV_INVALID_INPUT`).
 *
 * @example
 * ```ts
 * import { createLevelKvStore } from '@consortia/kv-level'
 *
 * const store = await createLevelKvStore({ location: './data/state' })
 * const key = new TextEncoder().encode('height')
 * await store.batch([{ type: 'put', key, value: Uint8Array.of(7) }], { sync: true })
 * await store.get(key) // Uint8Array [7]
 * await store.close()
 * ```
 */
export { describeValue, type KvLevelError, type KvLevelErrorType, kvInvalidInput } from './errors.js'
export {
  createLevelKvStore,
  LEVEL_BATCH_OPS_MAX,
  LEVEL_CACHE_BYTES_DEFAULT,
  LEVEL_WRITE_BUFFER_BYTES_DEFAULT,
  type LevelKvInit,
  type LevelKvStore,
} from './level-kv.js'
