import { crc32 } from 'node:zlib'
import { type Bytes, ChainError, type KvBatchOp, type KvStore } from '@consortia/interface'

/** Bytes a checksummed value carries after the value: CRC-32 of key ‖ value, big-endian. */
export const KV_CHECKSUM_BYTES = 4

/**
 * The error a checksummed store throws when a stored value fails its check: a bit flip on disk,
 * a torn or truncated value, or a value moved to another key. Nothing wrong is ever returned.
 */
export type KvChecksumErrorType = {
  code: 'KV_CORRUPT'
  operation: 'get' | 'getMany' | 'iterate'
  keyHex: string
}

const hexOf = (key: Bytes): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')

function checksumOf(key: Bytes, value: Bytes): number {
  return crc32(value, crc32(key))
}

function seal(key: Bytes, value: Bytes): Uint8Array {
  const out = new Uint8Array(value.length + KV_CHECKSUM_BYTES)
  out.set(value)
  new DataView(out.buffer).setUint32(value.length, checksumOf(key, value))
  return out
}

function open(key: Bytes, stored: Bytes, operation: KvChecksumErrorType['operation']): Uint8Array {
  if (stored.length >= KV_CHECKSUM_BYTES) {
    const value = stored.subarray(0, stored.length - KV_CHECKSUM_BYTES)
    const view = new DataView(stored.buffer, stored.byteOffset, stored.byteLength)
    if (view.getUint32(value.length) === checksumOf(key, value)) return value.slice()
  }
  throw new ChainError<KvChecksumErrorType>(
    { code: 'KV_CORRUPT', operation, keyHex: hexOf(key) },
    `stored value of key ${hexOf(key).slice(0, 32)} fails its checksum: the data directory is corrupt`,
  )
}

/**
 * Wraps a `KvStore` so every value carries a CRC-32 over its key and bytes. LevelDB checks its
 * own log records, but by default not the blocks of its table files, so a bit flipped on disk
 * would otherwise come back as a wrong value; through this wrapper it comes back as `KV_CORRUPT`,
 * and a node refuses to run on it. (The encrypted store authenticates values itself and does not
 * need this.) Keys, order and batch atomicity are those of the inner store.
 */
export function createChecksumKvStore(inner: KvStore): KvStore {
  const sealOps = (ops: readonly KvBatchOp[]): KvBatchOp[] =>
    ops.map((op) => (op.type === 'put' ? { type: 'put', key: op.key, value: seal(op.key, op.value) } : op))
  return {
    async get(key) {
      const stored = await inner.get(key)
      return stored === undefined ? undefined : open(key, stored, 'get')
    },
    async getMany(keys) {
      const stored = await inner.getMany(keys)
      return stored.map((value, i) =>
        value === undefined ? undefined : open(keys[i] as Bytes, value, 'getMany'),
      )
    },
    put: (key, value) => inner.put(key, seal(key, value)),
    del: (key) => inner.del(key),
    batch: (ops, options) => inner.batch(sealOps(ops), options),
    async *iterate(options) {
      for await (const [key, value] of inner.iterate(options))
        yield [key, open(key, value, 'iterate')] as const
    },
    close: () => inner.close(),
  }
}
