import { ChainError } from '@consortia/interface'

/**
 * Every error `@consortia/protocol` throws, as `ChainError<ProtocolErrorType>`: branch on
 * `err.type.code`, log `err.getMetadata()`. `offset` is a byte offset into the decoded input.
 */
export type ProtocolErrorType =
  /** RLP input of zero bytes. */
  | { code: 'RLP_EMPTY' }
  /** An item (or its length prefix) runs past the end of the input. */
  | { code: 'RLP_TRUNCATED'; offset: number; needed: number; available: number }
  /** An item runs past the end of the list that contains it. */
  | { code: 'RLP_LIST_OVERRUN'; offset: number; itemEnd: number; listEnd: number }
  /** A long-form length (0xb8..0xbf, 0xf8..0xff) used for a payload shorter than 56 bytes. */
  | { code: 'RLP_NON_CANONICAL_SIZE'; offset: number; length: number }
  /** A long-form length whose first length byte is zero. */
  | { code: 'RLP_LEADING_ZERO_LENGTH'; offset: number }
  /** A one-byte string below 0x80 wrapped in a 0x81 prefix (it must be encoded as itself). */
  | { code: 'RLP_SINGLE_BYTE_NOT_CANONICAL'; offset: number; value: number }
  /** Bytes left after the first complete item. */
  | { code: 'RLP_TRAILING_BYTES'; offset: number; trailing: number }
  /** Lists nested deeper than the decoder's or encoder's `depthMax`. */
  | { code: 'RLP_TOO_DEEP'; offset: number; depthMax: number }
  /** A declared length of 2^32 bytes or more. */
  | { code: 'RLP_LENGTH_OVERFLOW'; offset: number; lengthBytes: number }
  /** A byte string found where a list was expected (`field` names the place). */
  | { code: 'RLP_EXPECTED_LIST'; field: string }
  /** A list found where a byte string was expected. */
  | { code: 'RLP_EXPECTED_BYTES'; field: string }
  /** A list with the wrong number of items. */
  | { code: 'RLP_WRONG_ITEM_COUNT'; field: string; expected: string; actual: number }
  /** A byte string of the wrong length (hash, address, bloom, node ID, signature). */
  | { code: 'RLP_WRONG_LENGTH'; field: string; expected: string; actual: number }
  /** An integer with leading zero bytes (zero must be the empty string). */
  | { code: 'RLP_INT_LEADING_ZERO'; field: string }
  /** An integer wider than its field allows (u256: 32 bytes). */
  | { code: 'RLP_INT_TOO_LARGE'; field: string; bytesMax: number; actual: number }
  /** A raw transaction longer than the caller's `maxBytes`. Checked before any parsing. */
  | { code: 'TX_TOO_LARGE'; bytes: number; maxBytes: number }
  /** An ECDSA `v` other than 27/28, or an SM2 public key that is not 63 or 64 bytes. */
  | { code: 'TX_BAD_V'; reason: string }
  /** The transaction's signature kind does not match the injected crypto suite. */
  | { code: 'TX_SUITE_MISMATCH'; signature: 'ecdsa' | 'sm2'; suite: string }
  /** The suite refused the signature (bad r/s, high s, no recovery, SM2 verify failed). */
  | { code: 'TX_BAD_SIGNATURE'; reason: string }
  /** An Ethereum typed envelope of a type this chain does not carry (only 0x01 and 0x02 are). */
  | { code: 'TX_ETH_UNSUPPORTED_TYPE'; type: number }
  /** A block longer than the caller's `maxBytes`. Checked before any parsing. */
  | { code: 'BLOCK_TOO_LARGE'; bytes: number; maxBytes: number }
  /** The FISCO transaction container inside a block (count, offsets, bodies) is malformed. */
  | { code: 'BLOCK_TXS_MALFORMED'; reason: string }
  /** A block carries more transactions than the caller's `maxTransactions`. */
  | { code: 'BLOCK_TOO_MANY_TXS'; count: number; maxTransactions: number }
  /** A block carries receipts, but not one per transaction. */
  | { code: 'BLOCK_RECEIPTS_MISMATCH'; transactions: number; receipts: number }
  /** The hash stored in a block differs from the hash of its header. */
  | { code: 'BLOCK_HASH_MISMATCH'; stored: string; computed: string }
  /** A caller passed a value of the wrong shape to an encoder or signer. */
  | { code: 'PROTOCOL_INVALID_INPUT'; field: string; expected: string; got: string }

/** Every code of `ProtocolErrorType`. */
export type ProtocolErrorCode = ProtocolErrorType['code']

/** Shorthand for the error class this package throws. */
export type ProtocolError = ChainError<ProtocolErrorType>

/** Every code, so `isProtocolError` can tell this package's errors from other ChainErrors. */
const PROTOCOL_CODES: Readonly<Record<ProtocolErrorCode, true>> = {
  RLP_EMPTY: true,
  RLP_TRUNCATED: true,
  RLP_LIST_OVERRUN: true,
  RLP_NON_CANONICAL_SIZE: true,
  RLP_LEADING_ZERO_LENGTH: true,
  RLP_SINGLE_BYTE_NOT_CANONICAL: true,
  RLP_TRAILING_BYTES: true,
  RLP_TOO_DEEP: true,
  RLP_LENGTH_OVERFLOW: true,
  RLP_EXPECTED_LIST: true,
  RLP_EXPECTED_BYTES: true,
  RLP_WRONG_ITEM_COUNT: true,
  RLP_WRONG_LENGTH: true,
  RLP_INT_LEADING_ZERO: true,
  RLP_INT_TOO_LARGE: true,
  TX_TOO_LARGE: true,
  TX_BAD_V: true,
  TX_SUITE_MISMATCH: true,
  TX_BAD_SIGNATURE: true,
  TX_ETH_UNSUPPORTED_TYPE: true,
  BLOCK_TOO_LARGE: true,
  BLOCK_TXS_MALFORMED: true,
  BLOCK_TOO_MANY_TXS: true,
  BLOCK_RECEIPTS_MISMATCH: true,
  BLOCK_HASH_MISMATCH: true,
  PROTOCOL_INVALID_INPUT: true,
}

/** True when `err` is an error of this package, optionally with the given code. */
export function isProtocolError(err: unknown, code?: ProtocolErrorCode): err is ProtocolError {
  if (!(err instanceof ChainError) || !Object.hasOwn(PROTOCOL_CODES, err.type.code)) return false
  return code === undefined || err.type.code === code
}

/** Creates a protocol error with a readable message. */
export function protocolError(type: ProtocolErrorType, message: string, cause?: unknown): ProtocolError {
  return new ChainError<ProtocolErrorType>(type, message, cause === undefined ? undefined : { cause })
}

/** Creates a labelled input error: `to: expected 20-byte address, got 19 bytes`. */
export function invalidInput(field: string, expected: string, got: string): ProtocolError {
  return protocolError(
    { code: 'PROTOCOL_INVALID_INPUT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}
