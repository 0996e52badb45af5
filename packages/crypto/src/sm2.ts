import { randomBytes } from 'node:crypto'
import type { Bytes, Hash32, Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { type WeierstrassPoint, weierstrass } from '@noble/curves/abstract/weierstrass.js'
import {
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  concatBytes,
  expectAnyBytes,
  expectBytes,
  invertMod,
  mod,
} from './bytes.js'
import { cryptoError } from './errors.js'
import { LRUCache } from './lru.js'
import { SM2_P256, type SM2CurveParams } from './sm2-curves.js'
import { createOpenSSLSM2Verifier, type OpenSSLSM2Verifier } from './sm2-openssl.js'
import { assertSM3Available, hmacSM3, sm3Parts } from './sm3.js'

export { SM2_EXAMPLE_FP256, SM2_P256, type SM2CurveParams } from './sm2-curves.js'

/** The default SM2 user ID, `1234567812345678`, which FISCO uses for every signature. */
export const SM2_DEFAULT_ID: Bytes = new TextEncoder().encode('1234567812345678')
/** Longest user ID: ENTL is the ID length in bits in 16 bits. */
export const SM2_ID_BYTES_MAX = 8191
/** Default size of the per-public-key cache (parsed point and default Z_A). */
export const SM2_PUBLIC_KEY_CACHE_MAX = 4096

/** Which implementation checks SM2 signatures. */
export type SM2VerifyBackendName = 'openssl' | 'noble'

/** Options of `createSM2`. */
export type SM2Init = {
  /** `auto` (default): OpenSSL when it passes a self-test on this curve, else noble. */
  verifyBackend?: 'auto' | SM2VerifyBackendName
  /** Entries of the public-key cache (default `SM2_PUBLIC_KEY_CACHE_MAX`). */
  publicKeyCacheMax?: number
  logger?: Logger
}

/** Options of one SM2 signature. */
export type SM2SignOptions = {
  /** User ID for Z_A (default `SM2_DEFAULT_ID`). */
  id?: Bytes
}

/** SM2 digital signatures (GB/T 32918.2) on one curve, with SM3 as the hash. */
export interface SM2 {
  readonly curve: SM2CurveParams
  /** The implementation `verify` runs on. */
  readonly verifyBackend: SM2VerifyBackendName
  /** The 64-byte X‖Y public key of a 32-byte private key in [1, n−2]. */
  publicKey(privateKey: Bytes): Bytes
  /** True when `publicKey` is 64 bytes and a point of the curve. */
  isValidPublicKey(publicKey: Bytes): boolean
  /** Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ Gx ‖ Gy ‖ X ‖ Y), coordinates as 32-byte big-endian. */
  computeZA(publicKey: Bytes, id?: Bytes): Hash32
  /** e = SM3(Z_A ‖ M). */
  digest(message: Bytes, publicKey: Bytes, id?: Bytes): Hash32
  /** Sign `message` (FISCO: the 32-byte transaction hash); returns r‖s (64 bytes). */
  sign(message: Bytes, privateKey: Bytes, options?: SM2SignOptions): Bytes
  /**
   * Verify r‖s over `message`. Returns false for out-of-range or non-verifying signatures;
   * throws INVALID_LENGTH / INVALID_PUBLIC_KEY for malformed input.
   */
  verify(message: Bytes, signature: Bytes, publicKey: Bytes, options?: SM2SignOptions): boolean
  /** Verify r‖s against a precomputed digest e (skips Z_A). */
  verifyDigest(e: Hash32, signature: Bytes, publicKey: Bytes): boolean
  /** A random private key in [1, n−2]. */
  randomPrivateKey(): Bytes
}

type ParsedKey = { x: bigint; y: bigint; point?: WeierstrassPoint<bigint>; zaDefault?: Hash32 }

function checkCurve(curve: SM2CurveParams): void {
  const { p, a, b, n, Gx, Gy } = curve
  const ok =
    p > 3n &&
    p < 1n << 256n &&
    n > 1n &&
    n < 1n << 256n &&
    a >= 0n &&
    a < p &&
    b >= 0n &&
    b < p &&
    Gx < p &&
    Gy < p &&
    mod(Gy * Gy - (Gx * Gx * Gx + a * Gx + b), p) === 0n
  if (!ok)
    throw cryptoError('UNSUPPORTED_CURVE', `curve ${curve.name} has parameters out of range`, {
      curve: curve.name,
    })
}

/**
 * Create SM2 on `curve` (default sm2p256v1). The code is generic over the curve parameters,
 * so the GB/T example curve runs the same code as the recommended one.
 *
 * @example
 * ```ts
 * const sm2 = createSM2()
 * const d = sm2.randomPrivateKey()
 * const msg = new Uint8Array(32)
 * const sig = sm2.sign(msg, d)
 * sm2.verify(msg, sig, sm2.publicKey(d)) // true
 * ```
 */
export function createSM2(curve: SM2CurveParams = SM2_P256, init: SM2Init = {}): SM2 {
  assertSM3Available()
  checkCurve(curve)
  const logger = init.logger ?? silentLogger
  const { p, a, b, n, Gx, Gy } = curve
  const Point = weierstrass({ p, n, h: 1n, a, b, Gx, Gy })
  const cache = new LRUCache<string, ParsedKey>(init.publicKeyCacheMax ?? SM2_PUBLIC_KEY_CACHE_MAX)
  const curveBytes = concatBytes(
    bigIntToBytes(a, 32),
    bigIntToBytes(b, 32),
    bigIntToBytes(Gx, 32),
    bigIntToBytes(Gy, 32),
  )
  let basePrecomputed = false

  function baseMultiply(k: bigint): WeierstrassPoint<bigint> {
    if (!basePrecomputed) {
      Point.BASE.precompute(8)
      basePrecomputed = true
    }
    return Point.BASE.multiply(k)
  }

  function parseKey(publicKey: Bytes): ParsedKey {
    expectBytes(publicKey, 64, 'public key')
    const hex = bytesToHex(publicKey)
    const hit = cache.get(hex)
    if (hit !== undefined) return hit
    const x = bytesToBigInt(publicKey.subarray(0, 32))
    const y = bytesToBigInt(publicKey.subarray(32, 64))
    if (x >= p || y >= p || mod(y * y - (x * x * x + a * x + b), p) !== 0n) {
      throw cryptoError('INVALID_PUBLIC_KEY', `public key is not a point on ${curve.name}`, {
        field: 'publicKey',
        curve: curve.name,
      })
    }
    const parsed: ParsedKey = { x, y }
    cache.set(hex, parsed)
    return parsed
  }

  function checkId(id: Bytes): void {
    expectAnyBytes(id, 'id')
    if (id.length > SM2_ID_BYTES_MAX) {
      throw cryptoError('INVALID_ARGUMENT', `SM2 ID longer than ${SM2_ID_BYTES_MAX} bytes`, { field: 'id' })
    }
  }

  function za(publicKey: Bytes, parsed: ParsedKey, id: Bytes | undefined): Hash32 {
    if (id === undefined && parsed.zaDefault !== undefined) return parsed.zaDefault
    const idBytes = id ?? SM2_DEFAULT_ID
    checkId(idBytes)
    const entl = Uint8Array.of((idBytes.length * 8) >> 8, (idBytes.length * 8) & 0xff)
    const z = sm3Parts(entl, idBytes, curveBytes, publicKey)
    if (id === undefined) parsed.zaDefault = z
    return z
  }

  function checkPrivateKey(privateKey: Bytes): bigint {
    expectBytes(privateKey, 32, 'private key')
    const d = bytesToBigInt(privateKey)
    // d = n − 1 makes 1 + d non-invertible, so GB/T restricts d to [1, n−2].
    if (d === 0n || d >= n - 1n) {
      throw cryptoError('INVALID_PRIVATE_KEY', 'SM2 private key must be in [1, n-2]', { field: 'privateKey' })
    }
    return d
  }

  function publicKeyOf(d: bigint): Bytes {
    return baseMultiply(d).toBytes(false).slice(1)
  }

  function splitSignature(signature: Bytes): { r: bigint; s: bigint } | undefined {
    expectBytes(signature, 64, 'SM2 signature r‖s')
    const r = bytesToBigInt(signature.subarray(0, 32))
    const s = bytesToBigInt(signature.subarray(32, 64))
    if (r === 0n || r >= n || s === 0n || s >= n) return undefined
    return { r, s }
  }

  function nobleVerify(e: bigint, r: bigint, s: bigint, key: ParsedKey): boolean {
    const t = (r + s) % n
    if (t === 0n) return false
    key.point ??= Point.fromAffine({ x: key.x, y: key.y })
    const R = Point.BASE.mulAddUnsafe(s, key.point, t)
    if (R.is0()) return false
    return (e + R.x) % n === r
  }

  let openssl: OpenSSLSM2Verifier | undefined
  const wanted = init.verifyBackend ?? 'auto'
  if (wanted !== 'noble') {
    openssl = createOpenSSLSM2Verifier(curve)
    if (openssl !== undefined && !selfTest(openssl)) openssl = undefined
    if (openssl === undefined && wanted === 'openssl') {
      throw cryptoError('UNSUPPORTED', `OpenSSL cannot verify SM2 on ${curve.name} here`, {
        curve: curve.name,
      })
    }
  }
  logger.debug('sm2 created', { curve: curve.name, verifyBackend: openssl ? 'openssl' : 'noble' })

  function verifyParsed(e: bigint, r: bigint, s: bigint, key: ParsedKey): boolean {
    if (openssl !== undefined) {
      const verdict = openssl.verify(e, r, s, key.x, key.y)
      if (verdict !== undefined) return verdict
    }
    return nobleVerify(e, r, s, key)
  }

  /** Sign the digest `e` with `d`; `nonce(i)` gives the i-th candidate k in [1, n−1]. */
  function signDigest(e: bigint, d: bigint, nonce: (attempt: number) => bigint): Bytes {
    const dInv = invertMod(1n + d, n)
    for (let attempt = 0; ; attempt++) {
      const k = nonce(attempt)
      const x1 = baseMultiply(k).x
      const r = (e + x1) % n
      if (r === 0n || r + k === n) continue
      const s = mod(dInv * (k - r * d), n)
      if (s === 0n) continue
      return concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32))
    }
  }

  function selfTest(candidate: OpenSSLSM2Verifier): boolean {
    // Two keys and a corrupted signature: the OpenSSL path must agree with the JS check.
    for (let i = 1; i <= 2; i++) {
      const d = 0x5eed0000n + BigInt(i)
      const key = { x: 0n, y: 0n } as ParsedKey
      const pub = publicKeyOf(d)
      key.x = bytesToBigInt(pub.subarray(0, 32))
      key.y = bytesToBigInt(pub.subarray(32))
      const e = BigInt(0x1234 + i)
      const sig = signDigest(e, d, (attempt) => 0xabcdefn + BigInt(attempt + i))
      const r = bytesToBigInt(sig.subarray(0, 32))
      const s = bytesToBigInt(sig.subarray(32))
      if (candidate.verify(e, r, s, key.x, key.y) !== true) return false
      if (candidate.verify(e + 1n, r, s, key.x, key.y) !== false) return false
    }
    return true
  }

  function digestBigInt(message: Bytes, publicKey: Bytes, parsed: ParsedKey, id: Bytes | undefined): bigint {
    expectAnyBytes(message, 'message')
    return bytesToBigInt(sm3Parts(za(publicKey, parsed, id), message))
  }

  return {
    curve,
    verifyBackend: openssl !== undefined ? 'openssl' : 'noble',
    publicKey(privateKey) {
      return publicKeyOf(checkPrivateKey(privateKey))
    },
    isValidPublicKey(publicKey) {
      try {
        parseKey(publicKey)
        return true
      } catch {
        return false
      }
    },
    computeZA(publicKey, id) {
      return za(publicKey, parseKey(publicKey), id)
    },
    digest(message, publicKey, id) {
      return bigIntToBytes(digestBigInt(message, publicKey, parseKey(publicKey), id), 32)
    },
    sign(message, privateKey, options = {}) {
      const d = checkPrivateKey(privateKey)
      const publicKey = publicKeyOf(d)
      const e = digestBigInt(message, publicKey, parseKey(publicKey), options.id)
      // Hedged deterministic nonce: HMAC-SM3 keyed by d over (e, fresh randomness, counter),
      // 64 bytes reduced mod n−1 so the bias is below 2^-128.
      const eBytes = bigIntToBytes(e, 32)
      const entropy = randomBytes(32)
      return signDigest(e, d, (attempt) => {
        const counter = Uint8Array.of(
          attempt >>> 24,
          (attempt >>> 16) & 0xff,
          (attempt >>> 8) & 0xff,
          attempt & 0xff,
        )
        const h1 = hmacSM3(privateKey, concatBytes(eBytes, entropy, counter, Uint8Array.of(1)))
        const h2 = hmacSM3(privateKey, concatBytes(eBytes, entropy, counter, Uint8Array.of(2)))
        return (bytesToBigInt(concatBytes(h1, h2)) % (n - 1n)) + 1n
      })
    },
    verify(message, signature, publicKey, options = {}) {
      const parsed = parseKey(publicKey)
      const rs = splitSignature(signature)
      const e = digestBigInt(message, publicKey, parsed, options.id)
      if (rs === undefined) return false
      return verifyParsed(e, rs.r, rs.s, parsed)
    },
    verifyDigest(e, signature, publicKey) {
      expectBytes(e, 32, 'SM2 digest e')
      const parsed = parseKey(publicKey)
      const rs = splitSignature(signature)
      if (rs === undefined) return false
      return verifyParsed(bytesToBigInt(e), rs.r, rs.s, parsed)
    },
    randomPrivateKey() {
      for (;;) {
        const d = bytesToBigInt(randomBytes(48)) % n
        if (d >= 1n && d <= n - 2n) return bigIntToBytes(d, 32)
      }
    },
  }
}

/**
 * Sign with a caller-chosen nonce k. For reproducing published test vectors only: reusing or
 * leaking k reveals the private key.
 */
export function sm2SignWithNonceForTests(
  sm2: SM2,
  message: Bytes,
  privateKey: Bytes,
  k: bigint,
  id?: Bytes,
): Bytes {
  const { n, Gx, Gy, a, b, p } = sm2.curve
  const Point = weierstrass({ p, n, h: 1n, a, b, Gx, Gy })
  const d = bytesToBigInt(privateKey)
  const e = bytesToBigInt(sm2.digest(message, sm2.publicKey(privateKey), id))
  if (k <= 0n || k >= n) throw cryptoError('INVALID_ARGUMENT', 'nonce k must be in [1, n-1]', { field: 'k' })
  const x1 = Point.BASE.multiply(k).x
  const r = (e + x1) % n
  const s = mod(invertMod(1n + d, n) * (k - r * d), n)
  if (r === 0n || r + k === n || s === 0n) {
    throw cryptoError('INVALID_ARGUMENT', 'nonce k gives a degenerate signature', { field: 'k' })
  }
  return concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32))
}
