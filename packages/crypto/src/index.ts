/**
 * @consortia/crypto — the two FISCO BCOS 2.x crypto suites behind the `CryptoSuite` port:
 * `ecdsa` (secp256k1 + Keccak-256, native libsecp256k1 when available, noble otherwise) and
 * `sm` (SM2 + SM3, with SM2 verification on OpenSSL), plus SM4, the 16-ary transaction and
 * receipt Merkle tree with `…WithProof` proofs, PEM and node key files, and a worker-thread
 * pool for batch signature recovery.
 *
 * @example
 * ```ts
 * import { createCryptoSuite, merkleRoot } from '@consortia/crypto'
 *
 * const suite = createCryptoSuite('sm')
 * const key = suite.randomPrivateKey()
 * const hash = suite.hash(new TextEncoder().encode('payload'))
 * const signature = suite.sign(hash, key) // r‖s‖pub, 128 bytes
 * const sender = suite.address(suite.recover(hash, signature))
 * const root = merkleRoot(suite, [hash])
 * ```
 */
export * from './bytes.js'
export * from './ecdsa.js'
export * from './errors.js'
export * from './keys.js'
export * from './lru.js'
export * from './merkle.js'
export * from './sm-suite.js'
export * from './sm2.js'
export * from './sm3.js'
export * from './sm4.js'
export * from './suite.js'
export * from './verify-pool.js'
