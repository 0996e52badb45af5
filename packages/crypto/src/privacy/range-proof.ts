/**
 * Pedersen commitments and a bit-decomposition range proof on secp256k1.
 *
 * References: T. P. Pedersen, "Non-Interactive and Information-Theoretic Secure Verifiable Secret
 * Sharing", CRYPTO 1991, LNCS 576 (commitment C = v·G + r·H); R. Cramer, I. Damgård,
 * B. Schoenmakers, "Proofs of Partial Knowledge and Simplified Design of Witness Hiding
 * Protocols", CRYPTO 1994, LNCS 839 (the OR composition of Σ-protocols used per bit);
 * Fiat–Shamir (CRYPTO 1986) for non-interactivity.
 *
 * To prove 0 ≤ v < 2^k for C = v·G + r·H: commit to each bit, C_i = b_i·G + r_i·H with
 * Σ 2^i·r_i = r, so that Σ 2^i·C_i = C; for every C_i prove in zero knowledge that C_i or
 * C_i − G is a multiple of H (a CDS OR-proof of two Schnorr proofs). Proof size 1 + 161·k bytes,
 * verification about 4k scalar multiplications. H is hash-to-curve of a fixed tag, so nobody
 * knows log_G(H) and the commitment is binding.
 */
import type { Bytes } from '@consortia/interface'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bigIntToBytes, concatBytes, invertMod, mod } from '../bytes.js'
import {
  framed,
  hashToSecpPoint,
  type MessageInput,
  messageBytes,
  type RandomSource,
  randomScalar,
  SECP_N,
  SECP_POINT_BYTES,
  SECP_SCALAR_BYTES,
  type SecpPoint,
  secpPointBytes,
  secpPointFromBytes,
  secpScalarFromBytes,
  systemRandom,
  taggedHashToScalar,
  u32,
} from './common.js'
import { privacyError } from './errors.js'

/** Largest range, in bits (values up to 2⁶⁴ − 1). */
export const RANGE_PROOF_BITS_MAX = 64

/** Largest context accepted, in bytes. */
export const RANGE_PROOF_CONTEXT_BYTES_MAX = 4096

/** Bytes per bit in a proof: C_i ‖ c₀ ‖ c₁ ‖ s₀ ‖ s₁. */
export const RANGE_PROOF_BIT_BYTES = SECP_POINT_BYTES + 4 * SECP_SCALAR_BYTES

/** Hash-to-curve DST of the second Pedersen generator H. */
export const PEDERSEN_H_DST = 'CONSORTIA-PEDERSEN-V1-H-secp256k1_XMD:SHA-256_SSWU_RO_'

/** Tag of the per-bit OR-proof challenge. */
export const RANGE_PROOF_TAG = 'consortia/range-proof/v1'

const G = secp256k1.Point.BASE
let cachedH: SecpPoint | undefined

/** The second Pedersen generator H = hash_to_curve("consortia pedersen H"). */
export function pedersenH(): SecpPoint {
  // Fixed-base tables (as noble keeps for G): H is multiplied 3–4 times per proven bit.
  cachedH ??= hashToSecpPoint(new TextEncoder().encode('consortia pedersen H'), PEDERSEN_H_DST).precompute(
    8,
    false,
  )
  return cachedH
}

function checkValue(value: bigint, label: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value >= SECP_N) {
    throw privacyError('INVALID_ARGUMENT', `expected ${label} as a bigint in [0, n)`, { field: label })
  }
  return value
}

function mulPoint(point: SecpPoint, k: bigint): SecpPoint {
  const e = mod(k, SECP_N)
  return e === 0n ? secp256k1.Point.ZERO : point.multiply(e)
}

/** Pedersen commitment v·G + r·H, compressed (33 bytes). */
export function pedersenCommit(value: bigint, blinding: bigint): Bytes {
  checkValue(value, 'value')
  checkValue(blinding, 'blinding')
  return secpPointBytes(mulPoint(G, value).add(mulPoint(pedersenH(), blinding)))
}

/** Check an opening (value, blinding) of a commitment. */
export function pedersenVerifyOpening(commitment: Bytes, value: bigint, blinding: bigint): boolean {
  const C = secpPointFromBytes(commitment, 'commitment')
  return C.equals(
    mulPoint(G, checkValue(value, 'value')).add(mulPoint(pedersenH(), checkValue(blinding, 'blinding'))),
  )
}

function checkBits(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1) {
    throw privacyError('INVALID_ARGUMENT', `expected range bits as a positive integer, got ${bits}`, {
      field: 'bits',
    })
  }
  if (bits > RANGE_PROOF_BITS_MAX) {
    throw privacyError('LIMIT_EXCEEDED', `range of ${bits} bits exceeds ${RANGE_PROOF_BITS_MAX}`, {
      field: 'bits',
      limit: RANGE_PROOF_BITS_MAX,
    })
  }
  return bits
}

function contextBytes(context: MessageInput | undefined): Bytes {
  const bytes = context === undefined ? new Uint8Array(0) : messageBytes(context, 'context')
  if (bytes.length > RANGE_PROOF_CONTEXT_BYTES_MAX) {
    throw privacyError(
      'LIMIT_EXCEEDED',
      `context of ${bytes.length} bytes exceeds ${RANGE_PROOF_CONTEXT_BYTES_MAX}`,
      {
        field: 'context',
        limit: RANGE_PROOF_CONTEXT_BYTES_MAX,
      },
    )
  }
  return bytes
}

function bitChallenge(
  commitment: Bytes,
  bits: number,
  index: number,
  Ci: Bytes,
  A0: SecpPoint,
  A1: SecpPoint,
  context: Bytes,
): bigint {
  return taggedHashToScalar(
    RANGE_PROOF_TAG,
    framed(commitment, Uint8Array.of(bits), u32(index), Ci, secpPointBytes(A0), secpPointBytes(A1), context),
  )
}

/** Options of {@link rangeProve}. */
export interface RangeProveOptions {
  /** Blinding r of the commitment (default random). */
  blinding?: bigint
  /** Bytes the proof is bound to (default empty). */
  context?: MessageInput
  /** Random source (default system CSPRNG). */
  random?: RandomSource
}

/** Output of {@link rangeProve}. */
export interface RangeProof {
  /** C = v·G + r·H, compressed. */
  readonly commitment: Bytes
  /** r (keep it secret; it opens the commitment). */
  readonly blinding: bigint
  /** `u8 bits ‖ bits × (C_i ‖ c₀ ‖ c₁ ‖ s₀ ‖ s₁)`. */
  readonly proof: Bytes
}

/** Commit to `value` and prove 0 ≤ value < 2^bits. */
export function rangeProve(value: bigint, bits: number, options: RangeProveOptions = {}): RangeProof {
  checkBits(bits)
  if (typeof value !== 'bigint' || value < 0n || value >= 1n << BigInt(bits)) {
    throw privacyError('INVALID_ARGUMENT', `value is not in [0, 2^${bits})`, { field: 'value' })
  }
  const random = options.random ?? systemRandom
  const context = contextBytes(options.context)
  const blinding =
    options.blinding === undefined ? randomScalar(SECP_N, random) : checkValue(options.blinding, 'blinding')
  const H = pedersenH()
  const commitment = pedersenCommit(value, blinding)
  // r_i random for i < k−1; r_{k−1} closes Σ 2^i·r_i = r.
  const r: bigint[] = []
  let sum = 0n
  for (let i = 0; i < bits - 1; i++) {
    r.push(randomScalar(SECP_N, random))
    sum = mod(sum + (1n << BigInt(i)) * r[i]!, SECP_N)
  }
  r.push(mod((blinding - sum) * invertMod(1n << BigInt(bits - 1), SECP_N), SECP_N))
  const parts: Bytes[] = [Uint8Array.of(bits)]
  for (let i = 0; i < bits; i++) {
    const b = Number((value >> BigInt(i)) & 1n)
    const Ci = mulPoint(G, BigInt(b)).add(mulPoint(H, r[i]!))
    const CiBytes = secpPointBytes(Ci)
    const P = [Ci, Ci.subtract(G)]
    const c: bigint[] = [0n, 0n]
    const s: bigint[] = [0n, 0n]
    const A: SecpPoint[] = [secp256k1.Point.ZERO, secp256k1.Point.ZERO]
    const fake = 1 - b
    const w = randomScalar(SECP_N, random)
    A[b] = H.multiply(w)
    c[fake] = randomScalar(SECP_N, random)
    s[fake] = randomScalar(SECP_N, random)
    A[fake] = H.multiply(s[fake]!).subtract(mulPoint(P[fake]!, c[fake]!))
    const e = bitChallenge(commitment, bits, i, CiBytes, A[0]!, A[1]!, context)
    c[b] = mod(e - c[fake]!, SECP_N)
    s[b] = mod(w + c[b]! * r[i]!, SECP_N)
    parts.push(CiBytes, ...[c[0]!, c[1]!, s[0]!, s[1]!].map((x) => bigIntToBytes(x, SECP_SCALAR_BYTES)))
  }
  return { commitment, blinding, proof: concatBytes(...parts) }
}

/**
 * Verify that `commitment` holds a value in [0, 2^bits). Returns false for a proof that does not
 * verify; throws for malformed input (lengths, points off the curve, a bit count other than
 * `bits`, bits above {@link RANGE_PROOF_BITS_MAX}).
 */
export function rangeVerify(
  commitment: Bytes,
  proof: Bytes,
  bits: number,
  options: { context?: MessageInput } = {},
): boolean {
  checkBits(bits)
  const C = secpPointFromBytes(commitment, 'commitment')
  const commitmentBytes = secpPointBytes(C)
  const context = contextBytes(options.context)
  const expected = 1 + bits * RANGE_PROOF_BIT_BYTES
  if (!(proof instanceof Uint8Array) || proof.length !== expected || proof[0] !== bits) {
    throw privacyError(
      'INVALID_PROOF',
      `expected ${expected}-byte range proof for ${bits} bits, got ${proof instanceof Uint8Array ? proof.length : typeof proof}`,
      { field: 'proof', expected },
    )
  }
  const H = pedersenH()
  let sum = secp256k1.Point.ZERO
  for (let i = 0; i < bits; i++) {
    let offset = 1 + i * RANGE_PROOF_BIT_BYTES
    const CiBytes = proof.subarray(offset, offset + SECP_POINT_BYTES)
    const Ci = secpPointFromBytes(CiBytes, `proof C_${i}`)
    offset += SECP_POINT_BYTES
    const scalar = (k: number): bigint =>
      secpScalarFromBytes(
        proof.subarray(offset + k * SECP_SCALAR_BYTES, offset + (k + 1) * SECP_SCALAR_BYTES),
        `proof scalar ${i}.${k}`,
      )
    const [c0, c1, s0, s1] = [scalar(0), scalar(1), scalar(2), scalar(3)] as [bigint, bigint, bigint, bigint]
    const A0 = H.multiplyUnsafe(s0).subtract(Ci.multiplyUnsafe(c0))
    const A1 = H.multiplyUnsafe(s1).subtract(Ci.subtract(G).multiplyUnsafe(c1))
    const e = bitChallenge(commitmentBytes, bits, i, secpPointBytes(Ci), A0, A1, context)
    if (mod(c0 + c1, SECP_N) !== e) return false
    sum = sum.add(Ci.multiplyUnsafe(1n << BigInt(i)))
  }
  return sum.equals(C)
}
