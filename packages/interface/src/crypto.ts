import type { Address, Bytes, Hash32 } from './bytes.js'

/** Names of the two FISCO crypto suites: standard (secp256k1 + Keccak-256) and guomi (SM2 + SM3). */
export type CryptoSuiteName = 'ecdsa' | 'sm'

/**
 * Everything other packages know about cryptography. A chain picks one suite at genesis.
 * Signatures use FISCO's byte forms: ECDSA r‖s‖v (65 bytes, v = recovery id 0/1);
 * SM2 r‖s‖pub (128 bytes).
 */
export interface CryptoSuite {
  readonly name: CryptoSuiteName
  /** Signature length in bytes: 65 (ECDSA) or 128 (SM2). */
  readonly signatureBytes: number
  /** Keccak-256 or SM3. */
  hash(data: Bytes): Hash32
  /** Sign a 32-byte hash with a 32-byte private key. */
  sign(hash: Hash32, privateKey: Bytes): Bytes
  /** Verify a signature in this suite's byte form against a 64-byte public key. */
  verify(hash: Hash32, signature: Bytes, publicKey: Bytes): boolean
  /**
   * The 64-byte public key that made `signature` over `hash`: recovered for ECDSA,
   * verified and taken from the signature for SM2. Throws a ChainError when invalid.
   */
  recover(hash: Hash32, signature: Bytes): Bytes
  /** The 64-byte public key X‖Y of a private key. */
  publicKey(privateKey: Bytes): Bytes
  /** `Hash(pub64)[12:]`. */
  address(publicKey: Bytes): Address
  /** A fresh random private key. */
  randomPrivateKey(): Bytes
}
