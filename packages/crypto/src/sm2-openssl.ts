import { constants, createHash, createPublicKey, verify as opensslVerify, publicEncrypt } from 'node:crypto'
import { bigIntToBytes, bytesToBigInt, invertMod, mod } from './bytes.js'
import type { SM2CurveParams } from './sm2-curves.js'

/*
 * SM2 verification on OpenSSL's ECDSA verify.
 *
 * SM2 accepts (r, s) for digest e and key P iff x1 ≡ r − e (mod n), where (x1, y1) = s·G + t·P
 * and t = r + s mod n. OpenSSL's ECDSA verify computes one double multiplication
 * u1·G + u2·Q in C, about 8× faster than generic JS, but it hashes its input, so the usual
 * reparametrisation (pick e' so that u1 = s and u2 = t) cannot be used: e' = H(data) is not
 * ours to choose.
 *
 * We get the missing degree of freedom from the curve instead. The isomorphism
 * φ(x, y) = (λx, u³y) with λ = u² maps the curve onto y² = x³ + λ²a·x + λ³b, keeps the group
 * order, and scales x-coordinates by λ. For a fixed message D with digest e0 we take the ECDSA
 * signature (r', s') = (t·e0/s, e0/s) mod n, so that u1 = s and u2 = t, and we set
 * λ = r' / X mod p for the target X = r − e mod n. OpenSSL then checks
 * x(φ(s·G + t·P)) = λ·x1 ≡ r' (mod n), which holds iff x1 = X whenever r' + n ≥ p (we retry
 * with another D otherwise). λ must be a square for u to exist; half of the D's qualify.
 * The isomorphic curve is passed as an SPKI with explicit parameters, built per signature.
 * When x1 = X + n is possible (X + n < p, probability about 2^-128) that target is tried
 * too. Anything unusual (X = 0, no square λ among the D's, OpenSSL refusing the key) is
 * answered by the caller's JS fallback.
 */

/** Number of fixed ECDSA messages D tried per signature (each succeeds with probability 1/2). */
const DIGEST_CANDIDATES_MAX = 24

const OID_EC_PUBLIC_KEY = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
const OID_PRIME_FIELD = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x01, 0x01]

function derLength(length: number): number[] {
  if (length < 0x80) return [length]
  if (length < 0x100) return [0x81, length]
  return [0x82, length >> 8, length & 0xff]
}

function tlv(tag: number, body: number[]): number[] {
  return [tag, ...derLength(body.length), ...body]
}

function derUInt(value: bigint): number[] {
  let bytes = Array.from(bigIntToBytes(value, 33))
  while (bytes.length > 1 && bytes[0] === 0 && (bytes[1]! & 0x80) === 0) bytes = bytes.slice(1)
  return tlv(0x02, bytes)
}

/** Fixed SPKI layout with zeroed a, b, G and Q; offsets say where the per-signature values go. */
type SpkiTemplate = {
  der: Uint8Array
  offsetA: number
  offsetB: number
  offsetG: number
  offsetQ: number
}

const MARK = 0xee

function buildTemplate(curve: SM2CurveParams): SpkiTemplate {
  // Marker-filled placeholders let us find the offsets after DER encoding.
  const markA = new Array(32).fill(MARK)
  const markB = new Array(32).fill(MARK - 1)
  const markG = new Array(64).fill(MARK - 2)
  const markQ = new Array(64).fill(MARK - 3)
  const params = tlv(0x30, [
    ...derUInt(1n),
    ...tlv(0x30, [...OID_PRIME_FIELD, ...derUInt(curve.p)]),
    ...tlv(0x30, [...tlv(0x04, markA), ...tlv(0x04, markB)]),
    ...tlv(0x04, [0x04, ...markG]),
    ...derUInt(curve.n),
    ...derUInt(1n),
  ])
  const algorithm = tlv(0x30, [...OID_EC_PUBLIC_KEY, ...params])
  const spki = tlv(0x30, [...algorithm, ...tlv(0x03, [0x00, 0x04, ...markQ])])
  const der = Uint8Array.from(spki)
  const find = (mark: number, length: number): number => {
    for (let i = 0; i + length <= der.length; i++) {
      let all = true
      for (let j = 0; j < length && all; j++) all = der[i + j] === mark
      if (all) return i
    }
    throw new Error('SPKI template marker not found')
  }
  return {
    der,
    offsetA: find(MARK, 32),
    offsetB: find(MARK - 1, 32),
    offsetG: find(MARK - 2, 64),
    offsetQ: find(MARK - 3, 64),
  }
}

function writeScalar(target: Uint8Array, offset: number, value: bigint): void {
  const hex = value.toString(16).padStart(64, '0')
  for (let i = 0; i < 32; i++) target[offset + i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
}

/** Left-to-right 4-bit fixed-window exponentiation. */
function powMod(base: bigint, exponent: bigint, m: bigint): bigint {
  const table: bigint[] = [1n, base % m]
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * table[1]!) % m)
  const hex = exponent.toString(16)
  let acc = 1n
  for (let i = 0; i < hex.length; i++) {
    if (i > 0) {
      acc = (acc * acc) % m
      acc = (acc * acc) % m
      acc = (acc * acc) % m
      acc = (acc * acc) % m
    }
    const digit = Number.parseInt(hex[i]!, 16)
    if (digit !== 0) acc = (acc * table[digit]!) % m
  }
  return acc
}

/**
 * x^exponent mod m for a fixed odd 256-bit m and exponent, in OpenSSL: a raw RSA public-key
 * operation (no padding) with modulus m and public exponent `exponent` is exactly that
 * power, on OpenSSL's Montgomery code (about 5× faster than BigInt here; m need not be an
 * RSA modulus: for moduli under 3072 bits OpenSSL accepts any exponent below m). Checked against
 * `powMod` on a few values; `undefined` when this OpenSSL refuses the key or disagrees.
 */
function createOpenSSLPowMod(m: bigint, exponent: bigint): ((x: bigint) => bigint) | undefined {
  const base64url = (v: bigint): string => Buffer.from(bigIntToBytes(v, 32)).toString('base64url')
  try {
    const key = createPublicKey({
      key: { kty: 'RSA', n: base64url(m), e: base64url(exponent) },
      format: 'jwk',
    })
    const input = Buffer.alloc(32)
    const pow = (x: bigint): bigint => {
      if (x === 0n) return 0n
      writeScalar(input, 0, x)
      return bytesToBigInt(publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, input))
    }
    for (const x of [1n, 2n, 0x5eedn, m - 2n, m - 1n, (m * 2n) / 3n]) {
      if (pow(x) !== powMod(x, exponent, m)) return undefined
    }
    return pow
  } catch {
    return undefined
  }
}

/** Answer of the OpenSSL path: a verdict, or `undefined` when the caller must use its fallback. */
export type OpenSSLVerdict = boolean | undefined

/** SM2 verification through OpenSSL for one curve, set up once. */
export interface OpenSSLSM2Verifier {
  /** Verify (r, s) for digest e and the affine public key (px, py), already validated. */
  verify(e: bigint, r: bigint, s: bigint, px: bigint, py: bigint): OpenSSLVerdict
}

/**
 * Set up the OpenSSL path for `curve`, or return undefined when it cannot work here: p not
 * ≡ 3 mod 4 (square roots by one exponentiation) or coordinates not 32 bytes wide. The caller
 * self-tests the result against its JS implementation before trusting it.
 */
export function createOpenSSLSM2Verifier(curve: SM2CurveParams): OpenSSLSM2Verifier | undefined {
  const { p, n, a, b, Gx, Gy } = curve
  if (p % 4n !== 3n || p >= 1n << 256n || p < 1n << 255n || n >= 1n << 256n) return undefined
  const nBits = n.toString(2).length
  const template = buildTemplate(curve)
  const sqrtExponent = (p + 1n) / 4n
  // Square roots: one exponentiation each, about two per signature (half the λ are squares).
  const sqrt = createOpenSSLPowMod(p, sqrtExponent) ?? ((x: bigint) => powMod(x, sqrtExponent, p))
  const digests: { data: Uint8Array; e0: bigint }[] = []
  for (let i = 0; digests.length < DIGEST_CANDIDATES_MAX; i++) {
    const data = Uint8Array.of(0x53, 0x4d, 0x32, i & 0xff, i >> 8)
    const digest = createHash('sha256').update(data).digest()
    // OpenSSL's ECDSA uses the leftmost bits(n) bits of the digest.
    let e0 = bytesToBigInt(digest)
    if (nBits < 256) e0 >>= BigInt(256 - nBits)
    if (e0 % n !== 0n) digests.push({ data, e0: e0 % n })
  }
  const signature = new Uint8Array(64)

  function check(target: bigint, t: bigint, sInv: bigint, px: bigint, py: bigint): OpenSSLVerdict {
    const targetInv = invertMod(target, p)
    for (const { data, e0 } of digests) {
      const sPrime = (e0 * sInv) % n
      const rPrime = (t * sPrime) % n
      if (rPrime + n < p) continue
      const lambda = (rPrime * targetInv) % p
      const u = sqrt(lambda)
      if ((u * u) % p !== lambda) continue
      const lambda2 = (lambda * lambda) % p
      const u3 = (u * lambda) % p
      const der = template.der.slice()
      writeScalar(der, template.offsetA, (lambda2 * a) % p)
      writeScalar(der, template.offsetB, (((lambda2 * lambda) % p) * b) % p)
      writeScalar(der, template.offsetG, (lambda * Gx) % p)
      writeScalar(der, template.offsetG + 32, (u3 * Gy) % p)
      writeScalar(der, template.offsetQ, (lambda * px) % p)
      writeScalar(der, template.offsetQ + 32, (u3 * py) % p)
      writeScalar(signature, 0, rPrime)
      writeScalar(signature, 32, sPrime)
      try {
        // The DER goes straight to verify: no KeyObject (and its finalizer) per signature.
        return opensslVerify(
          'sha256',
          data,
          { key: Buffer.from(der.buffer), format: 'der', type: 'spki', dsaEncoding: 'ieee-p1363' },
          signature,
        )
      } catch {
        return undefined
      }
    }
    return undefined
  }

  const verifier: OpenSSLSM2Verifier = {
    verify(e, r, s, px, py) {
      const t = (r + s) % n
      if (t === 0n) return false
      const target = mod(r - e, n)
      if (target === 0n) return undefined
      const sInv = invertMod(s, n)
      const first = check(target, t, sInv, px, py)
      if (first !== false) return first
      if (target + n < p) return check(target + n, t, sInv, px, py)
      return false
    },
  }
  return verifier
}
