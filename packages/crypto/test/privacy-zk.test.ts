import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes } from '../src/index.js'
import {
  PEDERSEN_H_DST,
  pedersenCommit,
  pedersenH,
  pedersenVerifyOpening,
  RANGE_PROOF_BIT_BYTES,
  RANGE_PROOF_BITS_MAX,
  rangeProve,
  rangeVerify,
  SCHNORR_POK_BYTES,
  SCHNORR_POK_CONTEXT_BYTES_MAX,
  SCHNORR_POK_TAG,
  schnorrProve,
  schnorrVerify,
} from '../src/privacy/index.js'
import { expectCode, seededRandom } from './privacy-helpers.js'

const N = secp256k1.Point.CURVE().n
const G = secp256k1.Point.BASE

describe('Schnorr proof of knowledge (Schnorr 1991, Fiat–Shamir)', () => {
  it('accepts honest proofs and rejects a wrong key, context or tampered byte', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 48, maxLength: 48 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: 0, max: SCHNORR_POK_BYTES - 1 }),
        (seed, context, flipAt) => {
          const secret = secp256k1.utils.randomSecretKey(seed)
          const Y = secp256k1.getPublicKey(secret, true)
          const proof = schnorrProve(secret, { context })
          expect(proof.length).toBe(SCHNORR_POK_BYTES)
          expect(schnorrVerify(Y, proof, { context })).toBe(true)
          expect(schnorrVerify(secp256k1.getPublicKey(secret, false), proof, { context })).toBe(true)
          expect(schnorrVerify(Y, proof, { context: concatBytes(context, Uint8Array.of(1)) })).toBe(false)
          expect(
            schnorrVerify(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true), proof, {
              context,
            }),
          ).toBe(false)
          const tampered = proof.slice()
          tampered[flipAt]! ^= 1
          expect(schnorrVerify(Y, tampered, { context })).toBe(false)
        },
      ),
      { seed: 91, numRuns: 10 },
    )
  })

  it('matches the documented equations: c = H(Y, s·G − c·Y, ctx), tagged SHA-256 mod n', () => {
    const secret = secp256k1.utils.randomSecretKey(new Uint8Array(48).fill(7))
    const x = bytesToBigInt(secret)
    const Y = secp256k1.getPublicKey(secret, true)
    const proof = schnorrProve(secret, { context: 'chain 1', random: seededRandom('k') })
    const c = bytesToBigInt(proof.subarray(0, 32))
    const s = bytesToBigInt(proof.subarray(32))
    // Recompute independently of the module: R = s·G − c·Y = k·G, framing = u32 length ‖ bytes.
    const R = G.multiply(s).subtract(G.multiply(x).multiply(c))
    const frame = (b: Uint8Array): Uint8Array => concatBytes(bigIntToBytes(BigInt(b.length), 4), b)
    const tag = sha256(new TextEncoder().encode(SCHNORR_POK_TAG))
    const ctx = new TextEncoder().encode('chain 1')
    const expected =
      bytesToBigInt(sha256(concatBytes(tag, tag, frame(Y), frame(R.toBytes(true)), frame(ctx)))) % N
    expect(c).toBe(expected)
  })

  it('rejects out-of-range scalars and malformed input', () => {
    const secret = secp256k1.utils.randomSecretKey(new Uint8Array(48).fill(3))
    const Y = secp256k1.getPublicKey(secret, true)
    const proof = schnorrProve(secret)
    const sPlusN = concatBytes(
      proof.subarray(0, 32),
      bigIntToBytes(bytesToBigInt(proof.subarray(32)) + N, 32),
    )
    expect(schnorrVerify(Y, sPlusN)).toBe(false)
    expectCode(() => schnorrVerify(Y, proof.subarray(1)), 'INVALID_LENGTH')
    expectCode(() => schnorrVerify(new Uint8Array(33), proof), 'INVALID_PUBLIC_KEY')
    expectCode(() => schnorrProve(new Uint8Array(32)), 'INVALID_PRIVATE_KEY')
    const huge = new Uint8Array(SCHNORR_POK_CONTEXT_BYTES_MAX + 1)
    expectCode(() => schnorrProve(secret, { context: huge }), 'LIMIT_EXCEEDED')
    expectCode(() => schnorrVerify(Y, proof, { context: huge }), 'LIMIT_EXCEEDED')
  })
})

describe('Pedersen commitments and the bit-decomposition range proof (CDS 1994)', () => {
  it('derives H by hash-to-curve and opens commitments', () => {
    expect(PEDERSEN_H_DST).toContain('secp256k1_XMD:SHA-256_SSWU_RO_')
    expect(pedersenH().equals(G)).toBe(false)
    const C = pedersenCommit(42n, 7n)
    expect(pedersenVerifyOpening(C, 42n, 7n)).toBe(true)
    expect(pedersenVerifyOpening(C, 43n, 7n)).toBe(false)
    expect(pedersenVerifyOpening(C, 42n, 8n)).toBe(false)
  })

  it('proves and verifies values across the range, bound to the context', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 16n) - 1n }), (value) => {
        const { commitment, blinding, proof } = rangeProve(value, 16, { context: 'ctx' })
        expect(proof.length).toBe(1 + 16 * RANGE_PROOF_BIT_BYTES)
        expect(pedersenVerifyOpening(commitment, value, blinding)).toBe(true)
        expect(rangeVerify(commitment, proof, 16, { context: 'ctx' })).toBe(true)
        expect(rangeVerify(commitment, proof, 16, { context: 'other' })).toBe(false)
      }),
      { seed: 33, numRuns: 3 },
    )
    for (const v of [0n, 1n, 255n]) {
      const { commitment, proof } = rangeProve(v, 8, { blinding: 99n })
      expect(bytesToHex(commitment)).toBe(bytesToHex(pedersenCommit(v, 99n)))
      expect(rangeVerify(commitment, proof, 8)).toBe(true)
    }
  })

  it('rejects a proof against another commitment, and tampered proofs', () => {
    const { commitment, proof } = rangeProve(200n, 8)
    const other = pedersenCommit(200n, 5n)
    expect(rangeVerify(other, proof, 8)).toBe(false)
    const swapped = proof.slice()
    // Exchange c₀ and c₁ of bit 3: the sum still matches, the per-bit equations do not.
    const at = 1 + 3 * RANGE_PROOF_BIT_BYTES + 33
    swapped.set(proof.subarray(at + 32, at + 64), at)
    swapped.set(proof.subarray(at, at + 32), at + 32)
    expect(rangeVerify(commitment, swapped, 8)).toBe(false)
    const responseFlip = proof.slice()
    responseFlip[1 + 5 * RANGE_PROOF_BIT_BYTES + 33 + 64 + 31]! ^= 1
    expect(rangeVerify(commitment, responseFlip, 8)).toBe(false)
  })

  it('cannot prove an out-of-range value: a cheating prover’s bit of 2 fails', () => {
    // Honest proof of 1 in 1 bit, then shift the bit commitment and the commitment by G:
    // C′ = C + G commits to 2, and C₀′ = C₀ + G is the (forged) commitment to bit "2".
    const { commitment, proof } = rangeProve(1n, 1, { blinding: 11n })
    const C = secp256k1.Point.fromBytes(commitment).add(G)
    const forged = proof.slice()
    forged.set(secp256k1.Point.fromBytes(proof.subarray(1, 34)).add(G).toBytes(true), 1)
    expect(rangeVerify(C.toBytes(true), forged, 1)).toBe(false)
    expectCode(() => rangeProve(2n, 1), 'INVALID_ARGUMENT')
    expectCode(() => rangeProve(-1n, 8), 'INVALID_ARGUMENT')
  })

  it(`hits RANGE_PROOF_BITS_MAX (${RANGE_PROOF_BITS_MAX}): 2⁶⁴ − 1 proves, 65 bits are refused`, () => {
    const max = (1n << BigInt(RANGE_PROOF_BITS_MAX)) - 1n
    const { commitment, proof } = rangeProve(max, RANGE_PROOF_BITS_MAX)
    expect(rangeVerify(commitment, proof, RANGE_PROOF_BITS_MAX)).toBe(true)
    expectCode(() => rangeProve(1n, RANGE_PROOF_BITS_MAX + 1), 'LIMIT_EXCEEDED')
    expectCode(() => rangeVerify(commitment, proof, RANGE_PROOF_BITS_MAX + 1), 'LIMIT_EXCEEDED')
    expectCode(() => rangeVerify(commitment, proof, 63), 'INVALID_PROOF')
    expectCode(() => rangeVerify(commitment, proof.subarray(1), 64), 'INVALID_PROOF')
  })
})
