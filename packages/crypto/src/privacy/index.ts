/**
 * @consortia/crypto/privacy — the privacy cryptography behind FISCO BCOS 2.x's CRYPTO_EXTENSION
 * precompiles, in TypeScript:
 *
 * - **Paillier** (EUROCRYPT 1999): key generation, encryption, CRT decryption, homomorphic
 *   addition and plaintext multiplication, and FISCO's hex ciphertext form
 *   (`u16 len(n) ‖ n ‖ c`) used by `paillierAdd(string,string)` at 0x5003.
 * - **LSAG** ring signatures (Liu–Wei–Wong, ACISP 2004) on secp256k1: sign, verify, link; the
 *   signature carries its ring, as `ringSigVerify(signature, message, paramInfo)` at 0x5005 expects.
 * - **BBS04** group signatures (Boneh–Boyen–Shacham, CRYPTO 2004) on BLS12-381: setup, join,
 *   sign, verify, open by the group manager, revocation; `groupSigVerify` at 0x5004.
 * - **Schnorr** proof of knowledge of a discrete log (Schnorr 1991 + Fiat–Shamir), 64 bytes.
 * - **Pedersen** commitments with a bit-decomposition range proof (CDS 1994 OR-proofs).
 * - **Precompile inputs**: `PRIVACY_PRECOMPILED` (addresses, signatures), `paillierAddArgs`,
 *   `groupSigVerifyArgs`, `ringSigVerifyArgs` build the string arguments of 0x5003–0x5005.
 *
 * @example
 * ```ts
 * import { generatePaillierKeyPair, paillierAddHex, paillierDecryptHex, paillierEncryptToHex } from '@consortia/crypto/privacy'
 *
 * const { publicKey, privateKey } = generatePaillierKeyPair({ bits: 2048 })
 * const sum = paillierAddHex(paillierEncryptToHex(publicKey, 20n), paillierEncryptToHex(publicKey, 22n))
 * paillierDecryptHex(privateKey, sum) // 42n
 * ```
 */
export * from './bbs04.js'
export {
  checkParamInfo,
  gcd,
  type MessageInput,
  modPow,
  type RandomSource,
  randomScalar,
  systemRandom,
} from './common.js'
export * from './errors.js'
export * from './lsag.js'
export * from './paillier.js'
export * from './precompile-inputs.js'
export * from './range-proof.js'
export * from './schnorr-pok.js'
