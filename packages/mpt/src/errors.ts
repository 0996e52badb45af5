import { ChainError } from '@consortia/interface'

/**
 * Every error `@consortia/mpt` throws, as `ChainError<MPTErrorType>`: branch on `err.type.code`,
 * log `err.getMetadata()`.
 */
export type MPTErrorType =
  /** A caller passed a value of the wrong shape (length, range, encoding). */
  | { code: 'MPT_INVALID_INPUT'; field: string; expected: string; got: string }
  /** A trie node or a code blob the state refers to is not in the store. */
  | { code: 'MPT_MISSING_NODE'; key: string }
  /** An account record in the trie does not decode as `[nonce, balance, storageRoot, codeHash]`. */
  | { code: 'MPT_CORRUPT_ACCOUNT'; address: string }
  /** `checkpoint` nested deeper than `checkpointDepthMax`. */
  | { code: 'MPT_CHECKPOINT_DEPTH'; checkpointDepthMax: number }
  /** `commit`/`revert` without an open checkpoint. */
  | { code: 'MPT_NO_CHECKPOINT'; operation: 'commit' | 'revert' }
  /** `commitBlock`/`discardBlock` while checkpoints are still open. */
  | { code: 'MPT_CHECKPOINT_OPEN'; depth: number }
  /** `markBlockWritten` without a `blockWriteSet`, or after the state changed since it. */
  | { code: 'MPT_WRITE_SET_STALE' }
  /** One block wrote more trie nodes and code blobs than `blockWritesMax`. */
  | { code: 'MPT_BLOCK_TOO_LARGE'; blockWritesMax: number }
  /** A proof does not verify against the expected root, or disagrees with its claimed values. */
  | { code: 'MPT_INVALID_PROOF'; reason: string }

/** Shorthand for the error class this package throws. */
export type MPTError = ChainError<MPTErrorType>

/** Creates a labelled input error: `expected 32-byte slot, got 31`. */
export function invalidInput(field: string, expected: string, got: string): MPTError {
  return new ChainError<MPTErrorType>(
    { code: 'MPT_INVALID_INPUT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}
