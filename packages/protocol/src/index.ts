/**
 * @consortia/protocol — FISCO BCOS 2.x wire formats: a strict RLP codec, transactions (RC2 and
 * legacy RC1), signing and transaction hashes, sender recovery through an injected
 * `CryptoSuite`, block headers and blocks, receipts and logs, and logs blooms.
 *
 * Decoding is strict: wrong item counts, non-canonical RLP, oversize fields and trailing bytes
 * are rejected with a typed `ChainError<ProtocolErrorType>` before any signature work. Hashing
 * is injected (`HashFn`), so the same code serves Keccak-256 and SM3 chains.
 *
 * @example
 * ```ts
 * import { keccak_256 } from '@noble/hashes/sha3.js'
 * import { decodeTransaction, encodeTransaction, signingHash, txHash } from '@consortia/protocol'
 *
 * const raw = Uint8Array.from(Buffer.from(rawHex, 'hex'))
 * const tx = decodeTransaction(raw, { maxBytes: 64 * 1024 }) // throws ChainError on bad input
 * const toSign = signingHash(tx, keccak_256) // Hash(rlp(items 0..9))
 * const id = txHash(raw, keccak_256) // what sendRawTransaction returns
 * encodeTransaction(tx) // byte-identical to raw
 * ```
 */
export * from './block.js'
export * from './bloom.js'
export type { HashFn } from './bytes.js'
export {
  isProtocolError,
  type ProtocolError,
  type ProtocolErrorCode,
  type ProtocolErrorType,
} from './errors.js'
export * from './eth-transaction.js'
export * from './raw-transaction.js'
export * from './receipt.js'
export * from './rlp.js'
export * from './transaction.js'
