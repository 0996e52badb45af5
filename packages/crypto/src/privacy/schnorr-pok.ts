/**
 * Non-interactive Schnorr proof of knowledge of a discrete logarithm on secp256k1.
 *
 * References: C. P. Schnorr, "Efficient Signature Generation by Smart Cards", Journal of
 * Cryptology 4(3), 1991, pp. 161–174 (the identification protocol: commit R = k·G, challenge c,
 * response s = k + c·x); A. Fiat, A. Shamir, "How to Prove Yourself", CRYPTO 1986 (c = H(…)).
 * The challenge hashes the statement (G, Y) and a caller-chosen context (a chain id, a contract
 * address, a sender) so that a proof cannot be replayed in another setting.
 *
 * Wire form, 64 bytes — two EVM words: `c ‖ s`. Verification recomputes R = s·G − c·Y and checks
 * c = H(Y, R, context), with H = SHA-256 tagged hash (BIP-340 style) reduced mod n: one SHA-256
 * and two scalar multiplications, which a contract or precompile can do.
 */
import type { Bytes } from '@consortia/interface'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bigIntToBytes, bytesToBigInt, concatBytes, mod } from '../bytes.js'
import {
  framed,
  type MessageInput,
  messageBytes,
  type RandomSource,
  randomScalar,
  SECP_N,
  SECP_SCALAR_BYTES,
  secpPointBytes,
  secpPointFromBytes,
  secpPrivateKey,
  systemRandom,
  taggedHashToScalar,
} from './common.js'
import { privacyError } from './errors.js'

/** Proof length: c ‖ s. */
export const SCHNORR_POK_BYTES = 64

/** Largest context accepted, in bytes. */
export const SCHNORR_POK_CONTEXT_BYTES_MAX = 4096

/** Tag of the challenge hash. */
export const SCHNORR_POK_TAG = 'consortia/schnorr-pok/v1'

const G = secp256k1.Point.BASE

/** Options of {@link schnorrProve}. */
export interface SchnorrProveOptions {
  /** Bytes the proof is bound to (default empty). */
  context?: MessageInput
  /** Random source for the nonce k (default system CSPRNG). */
  random?: RandomSource
}

function contextBytes(context: MessageInput | undefined): Bytes {
  const bytes = context === undefined ? new Uint8Array(0) : messageBytes(context, 'context')
  if (bytes.length > SCHNORR_POK_CONTEXT_BYTES_MAX) {
    throw privacyError(
      'LIMIT_EXCEEDED',
      `context of ${bytes.length} bytes exceeds ${SCHNORR_POK_CONTEXT_BYTES_MAX}`,
      {
        field: 'context',
        limit: SCHNORR_POK_CONTEXT_BYTES_MAX,
      },
    )
  }
  return bytes
}

function challenge(publicKey: Bytes, R: Bytes, context: Bytes): bigint {
  return taggedHashToScalar(SCHNORR_POK_TAG, framed(publicKey, R, context))
}

/**
 * Prove knowledge of x for Y = x·G. Returns the 64-byte proof `c ‖ s`; the statement Y is
 * `secp256k1.getPublicKey(x, true)`.
 */
export function schnorrProve(secret: Bytes, options: SchnorrProveOptions = {}): Bytes {
  const x = secpPrivateKey(secret, 'secret')
  const context = contextBytes(options.context)
  const Y = secpPointBytes(G.multiply(x))
  const k = randomScalar(SECP_N, options.random ?? systemRandom)
  const c = challenge(Y, secpPointBytes(G.multiply(k)), context)
  const s = mod(k + c * x, SECP_N)
  return concatBytes(bigIntToBytes(c, SECP_SCALAR_BYTES), bigIntToBytes(s, SECP_SCALAR_BYTES))
}

/**
 * Verify a proof for the public key Y (33- or 65-byte SEC1) and context. Returns false for a proof
 * that does not verify or holds out-of-range scalars; throws for a malformed key or proof length.
 */
export function schnorrVerify(
  publicKey: Bytes,
  proof: Bytes,
  options: { context?: MessageInput } = {},
): boolean {
  const Y = secpPointFromBytes(publicKey, 'publicKey')
  if (!(proof instanceof Uint8Array) || proof.length !== SCHNORR_POK_BYTES) {
    throw privacyError(
      'INVALID_LENGTH',
      `expected ${SCHNORR_POK_BYTES}-byte proof, got ${proof instanceof Uint8Array ? proof.length : typeof proof}`,
      { field: 'proof', expected: SCHNORR_POK_BYTES },
    )
  }
  const context = contextBytes(options.context)
  const c = bytesToBigInt(proof.subarray(0, SECP_SCALAR_BYTES))
  const s = bytesToBigInt(proof.subarray(SECP_SCALAR_BYTES))
  if (c >= SECP_N || s >= SECP_N) return false
  const R = G.multiplyUnsafe(s).add(Y.multiplyUnsafe(c).negate())
  return challenge(secpPointBytes(Y), secpPointBytes(R), context) === c
}
