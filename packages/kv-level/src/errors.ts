import { ChainError } from '@consortia/interface'

/**
 * Every error `@consortia/kv-level` throws, as `ChainError<KvLevelErrorType>`: branch on
 * `err.type.code`, log `err.getMetadata()`.
 */
export type KvLevelErrorType =
  /** An option or argument of the wrong shape (`key: expected Uint8Array, got string`). */
  | { code: 'KV_INVALID_INPUT'; field: string; expected: string; got: string }
  /** The store was used after `close()`. */
  | { code: 'KV_CLOSED'; location: string }
  /** LevelDB failed an operation (open, read, write, iterate, close); the cause is attached. */
  | { code: 'KV_IO'; operation: string; location: string }
  /** One `batch` call carried more ops than the store's `batchOpsMax`; nothing was written. */
  | { code: 'KV_BATCH_TOO_LARGE'; batchOpsMax: number; ops: number }
  /**
   * The data key does not match the one the store (or sealed file) was written with: its
   * key-check value differs. Nothing was read or written.
   */
  | { code: 'KV_WRONG_KEY'; what: 'store' | 'file' }
  /**
   * A stored value or sealed file failed authentication under the right key: it was modified,
   * truncated, or moved to another key.
   */
  | { code: 'KV_TAMPERED'; operation: string; keyHex?: string }
  /** An encrypted store was opened on a store that already holds unencrypted data. */
  | { code: 'KV_NOT_ENCRYPTED' }
  /** The store (or sealed file) was written with another cipher than the one asked for. */
  | { code: 'KV_CIPHER_MISMATCH'; stored: string; requested: string }
  /**
   * A range scan of a key-encrypted store covers more entries than its `scanEntriesMax`
   * (the entries of one prefix group are sorted in memory); nothing was yielded.
   */
  | { code: 'KV_SCAN_TOO_LARGE'; scanEntriesMax: number }

/** Shorthand for the error class this package throws. */
export type KvLevelError = ChainError<KvLevelErrorType>

/** A labelled input error: `batchOpsMax: expected a positive integer, got 0`. */
export function kvInvalidInput(field: string, expected: string, got: string): KvLevelError {
  return new ChainError<KvLevelErrorType>(
    { code: 'KV_INVALID_INPUT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}

/** Describes a value for a labelled error without printing its contents. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`
  if (typeof value === 'object') return value.constructor?.name ?? 'object'
  if (typeof value === 'string') return `string(${value.length})`
  return `${typeof value} ${String(value)}`
}
