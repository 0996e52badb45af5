/**
 * Paillier additively homomorphic encryption.
 *
 * Reference: P. Paillier, "Public-Key Cryptosystems Based on Composite Degree Residuosity
 * Classes", EUROCRYPT 1999, LNCS 1592, pp. 223–238 — scheme 1 with g = n + 1 (§4), and
 * decryption by Chinese remaindering (§7, "Decryption using Chinese-remaindering").
 *
 * The hex ciphertext form is FISCO BCOS's (`paillierAdd(string,string)` at precompile 0x5003,
 * FISCO-BCOS/paillier-lib `paillierCpp/callpaillier.cpp` and `paillierJava/…/PaillierCipher.java`):
 *
 *     u16 big-endian byteLength(n) ‖ n (byteLength(n) bytes) ‖ c (2·byteLength(n) bytes)
 *
 * written as upper-case hex. FISCO's node only accepts 2048- and 4096-bit n
 * ({@link PAILLIER_FISCO_KEY_BITS}); this module handles every size from
 * {@link PAILLIER_KEY_BITS_MIN} to {@link PAILLIER_KEY_BITS_MAX}.
 */
import { createPrivateKey, generatePrimeSync, type KeyObject } from 'node:crypto'
import type { Bytes } from '@consortia/interface'
import {
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  concatBytes,
  hexToBytes,
  invertMod,
  mod,
} from '../bytes.js'
import { gcd, modPow, type RandomSource, randomScalar, systemRandom, u16 } from './common.js'
import { privacyError } from './errors.js'

/** Smallest modulus size accepted, in bits (1024 is for tests; use 2048 or more in production). */
export const PAILLIER_KEY_BITS_MIN = 1024

/** Largest modulus size accepted, in bits (FISCO's largest; bounds the cost of a bad input). */
export const PAILLIER_KEY_BITS_MAX = 4096

/** The modulus sizes FISCO BCOS's `paillierAdd` precompile accepts (`pkLen` 512 or 1024 hex chars). */
export const PAILLIER_FISCO_KEY_BITS: readonly number[] = [2048, 4096]

/** Default modulus size of {@link generatePaillierKeyPair}. */
export const PAILLIER_DEFAULT_KEY_BITS = 2048

/** A Paillier public key: the modulus n (g is fixed to n + 1). */
export interface PaillierPublicKey {
  /** The modulus n = p·q. */
  readonly n: bigint
  /** n², the ciphertext modulus. */
  readonly nSquared: bigint
  /** Bit length of n (a multiple of 8). */
  readonly bits: number
  /** Byte length of n, as written in the hex ciphertext prefix. */
  readonly byteLength: number
}

/** A Paillier private key with the CRT constants of Paillier §7. */
export interface PaillierPrivateKey {
  /** The matching public key. */
  readonly publicKey: PaillierPublicKey
  /** Prime factor p. */
  readonly p: bigint
  /** Prime factor q. */
  readonly q: bigint
  /** p². */
  readonly pSquared: bigint
  /** q². */
  readonly qSquared: bigint
  /** h_p = L_p(g^(p−1) mod p²)⁻¹ mod p. */
  readonly hp: bigint
  /** h_q = L_q(g^(q−1) mod q²)⁻¹ mod q. */
  readonly hq: bigint
  /** p⁻¹ mod q, for recombination. */
  readonly pInverseModQ: bigint
}

/** A key pair. */
export interface PaillierKeyPair {
  /** Public key (share it). */
  readonly publicKey: PaillierPublicKey
  /** Private key. */
  readonly privateKey: PaillierPrivateKey
}

/** A parsed ciphertext: the public key it was made under and the value c ∈ Z*_{n²}. */
export interface PaillierCiphertext {
  /** Public key embedded in (or attached to) the ciphertext. */
  readonly publicKey: PaillierPublicKey
  /** The ciphertext value. */
  readonly c: bigint
}

/** Options of {@link generatePaillierKeyPair}. */
export interface PaillierKeyGenInit {
  /** Modulus size in bits, a multiple of 16 in [1024, 4096]; default 2048. */
  bits?: number
}

function checkBits(bits: unknown): number {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits % 16 !== 0) {
    throw privacyError(
      'INVALID_ARGUMENT',
      `expected Paillier key bits as a multiple of 16, got ${String(bits)}`,
      {
        field: 'bits',
      },
    )
  }
  if (bits > PAILLIER_KEY_BITS_MAX) {
    throw privacyError('LIMIT_EXCEEDED', `Paillier key of ${bits} bits exceeds ${PAILLIER_KEY_BITS_MAX}`, {
      field: 'bits',
      limit: PAILLIER_KEY_BITS_MAX,
    })
  }
  if (bits < PAILLIER_KEY_BITS_MIN) {
    throw privacyError('INVALID_ARGUMENT', `Paillier key of ${bits} bits is below ${PAILLIER_KEY_BITS_MIN}`, {
      field: 'bits',
    })
  }
  return bits
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length
}

/**
 * Public key from the modulus n. n must be odd, at least {@link PAILLIER_KEY_BITS_MIN} bits and at
 * most {@link PAILLIER_KEY_BITS_MAX}, with a bit length that is a multiple of 8 (so that the FISCO
 * layout's `2·byteLength(n)` ciphertext field equals Java's `n.bitLength() / 4`).
 */
export function paillierPublicKey(n: bigint): PaillierPublicKey {
  if (typeof n !== 'bigint' || n <= 1n || n % 2n === 0n) {
    throw privacyError('INVALID_PUBLIC_KEY', 'expected Paillier modulus n as an odd bigint > 1', {
      field: 'n',
    })
  }
  const bits = bitLength(n)
  if (bits > PAILLIER_KEY_BITS_MAX) {
    throw privacyError(
      'LIMIT_EXCEEDED',
      `Paillier modulus of ${bits} bits exceeds ${PAILLIER_KEY_BITS_MAX}`,
      {
        field: 'n',
        limit: PAILLIER_KEY_BITS_MAX,
      },
    )
  }
  if (bits < PAILLIER_KEY_BITS_MIN || bits % 8 !== 0) {
    throw privacyError(
      'INVALID_PUBLIC_KEY',
      `expected a Paillier modulus of ≥ ${PAILLIER_KEY_BITS_MIN} bits, a multiple of 8, got ${bits}`,
      { field: 'n', bits },
    )
  }
  return { n, nSquared: n * n, bits, byteLength: bits / 8 }
}

/** L_x(u) = (u − 1) / x, Paillier's L function. */
function lFunction(u: bigint, x: bigint): bigint {
  return (u - 1n) / x
}

/**
 * Private key from the two primes (p ≠ q, same bit length so that gcd(n, φ(n)) = 1).
 * The primes are not re-tested for primality; use keys from {@link generatePaillierKeyPair} or an
 * RSA key generator.
 */
export function paillierPrivateKey(p: bigint, q: bigint): PaillierPrivateKey {
  if (typeof p !== 'bigint' || typeof q !== 'bigint' || p <= 2n || q <= 2n || p === q) {
    throw privacyError('INVALID_PRIVATE_KEY', 'expected two distinct odd primes p and q', { field: 'p' })
  }
  const publicKey = paillierPublicKey(p * q)
  const n = publicKey.n
  if (gcd(n, (p - 1n) * (q - 1n)) !== 1n) {
    throw privacyError('INVALID_PRIVATE_KEY', 'gcd(n, (p−1)(q−1)) ≠ 1', { field: 'p' })
  }
  const pSquared = p * p
  const qSquared = q * q
  const g = n + 1n
  const hp = invertMod(lFunction(modPow(g, p - 1n, pSquared), p), p)
  const hq = invertMod(lFunction(modPow(g, q - 1n, qSquared), q), q)
  return { publicKey, p, q, pSquared, qSquared, hp, hq, pInverseModQ: invertMod(p, q) }
}

/**
 * New key pair: two `bits/2`-bit primes from OpenSSL's Miller–Rabin generator
 * (`node:crypto.generatePrimeSync`, top two bits set, so n has exactly `bits` bits).
 */
export function generatePaillierKeyPair(init: PaillierKeyGenInit = {}): PaillierKeyPair {
  const bits = checkBits(init.bits ?? PAILLIER_DEFAULT_KEY_BITS)
  for (;;) {
    const p = generatePrimeSync(bits / 2, { bigint: true })
    const q = generatePrimeSync(bits / 2, { bigint: true })
    if (p === q || bitLength(p * q) !== bits) continue
    const privateKey = paillierPrivateKey(p, q)
    return { publicKey: privateKey.publicKey, privateKey }
  }
}

function jwkBigInt(value: unknown, label: string): bigint {
  if (typeof value !== 'string') {
    throw privacyError('INVALID_KEY_FILE', `RSA key lacks ${label}`, { field: label })
  }
  return bytesToBigInt(new Uint8Array(Buffer.from(value, 'base64url')))
}

/**
 * Paillier key pair from an RSA private key (PEM string or KeyObject). FISCO's Java Paillier
 * library uses RSA key pairs as Paillier keys (n = RSA modulus), so its keys load here.
 */
export function paillierKeyPairFromRSA(key: string | KeyObject): PaillierKeyPair {
  let object: KeyObject
  try {
    object = typeof key === 'string' ? createPrivateKey(key) : key
  } catch (cause) {
    throw privacyError('INVALID_KEY_FILE', 'RSA private key does not parse', { field: 'key' }, { cause })
  }
  if (object.type !== 'private' || object.asymmetricKeyType !== 'rsa') {
    throw privacyError('INVALID_KEY_FILE', 'expected an RSA private key', { field: 'key' })
  }
  const jwk = object.export({ format: 'jwk' })
  const privateKey = paillierPrivateKey(jwkBigInt(jwk.p, 'p'), jwkBigInt(jwk.q, 'q'))
  return { publicKey: privateKey.publicKey, privateKey }
}

function checkPublicKey(publicKey: PaillierPublicKey): void {
  if (
    typeof publicKey !== 'object' ||
    publicKey === null ||
    typeof publicKey.n !== 'bigint' ||
    publicKey.nSquared !== publicKey.n * publicKey.n
  ) {
    throw privacyError('INVALID_PUBLIC_KEY', 'expected a Paillier public key from paillierPublicKey()', {
      field: 'publicKey',
    })
  }
}

/** Options of {@link paillierEncrypt}. */
export interface PaillierEncryptOptions {
  /** Random source for r (default system CSPRNG). */
  random?: RandomSource
  /** Explicit r ∈ Z*_n (for test vectors); overrides `random`. */
  r?: bigint
}

/**
 * Encrypt m: c = g^m · rⁿ mod n² with g = n + 1, so g^m = 1 + m·n (mod n²).
 * m must satisfy −n < m < n; negative m is encoded as m + n, as FISCO's Java library does
 * (decrypt it with {@link paillierDecryptSigned}).
 */
export function paillierEncrypt(
  publicKey: PaillierPublicKey,
  m: bigint,
  options: PaillierEncryptOptions = {},
): PaillierCiphertext {
  checkPublicKey(publicKey)
  const { n, nSquared } = publicKey
  if (typeof m !== 'bigint' || m >= n || m <= -n) {
    throw privacyError('INVALID_ARGUMENT', 'expected plaintext as a bigint with |m| < n', { field: 'm' })
  }
  let r = options.r
  if (r === undefined) {
    do r = randomScalar(n, options.random ?? systemRandom)
    while (gcd(r, n) !== 1n)
  } else if (typeof r !== 'bigint' || r <= 0n || r >= n || gcd(r, n) !== 1n) {
    throw privacyError('INVALID_ARGUMENT', 'expected r as a unit of Z_n', { field: 'r' })
  }
  const gm = (1n + mod(m, n) * n) % nSquared
  return { publicKey, c: (gm * modPow(r, n, nSquared)) % nSquared }
}

function checkSameKey(a: PaillierPublicKey, b: PaillierPublicKey, label: string): void {
  if (a.n !== b.n) {
    throw privacyError('KEY_MISMATCH', `${label} was made under another Paillier public key`, {
      field: label,
    })
  }
}

function checkCiphertextValue(ciphertext: PaillierCiphertext, label: string): void {
  if (typeof ciphertext !== 'object' || ciphertext === null || typeof ciphertext.c !== 'bigint') {
    throw privacyError('INVALID_CIPHERTEXT', `expected ${label} as a PaillierCiphertext`, { field: label })
  }
  checkPublicKey(ciphertext.publicKey)
  const { c } = ciphertext
  if (c <= 0n || c >= ciphertext.publicKey.nSquared) {
    throw privacyError('INVALID_CIPHERTEXT', `${label} is not in [1, n²)`, { field: label })
  }
}

/**
 * Decrypt to m ∈ [0, n) by Chinese remaindering (Paillier §7):
 * m_p = L_p(c^(p−1) mod p²)·h_p mod p, m_q likewise, m = CRT(m_p, m_q).
 * Throws KEY_MISMATCH when the ciphertext was made under another key.
 */
export function paillierDecrypt(privateKey: PaillierPrivateKey, ciphertext: PaillierCiphertext): bigint {
  checkCiphertextValue(ciphertext, 'ciphertext')
  checkSameKey(privateKey.publicKey, ciphertext.publicKey, 'ciphertext')
  const { p, q, pSquared, qSquared, hp, hq, pInverseModQ } = privateKey
  const { c } = ciphertext
  const mp = (lFunction(modPow(c % pSquared, p - 1n, pSquared), p) * hp) % p
  const mq = (lFunction(modPow(c % qSquared, q - 1n, qSquared), q) * hq) % q
  return mp + p * mod((mq - mp) * pInverseModQ, q)
}

/**
 * Decrypt to a signed value in (−n/2, n/2]: results above n/2 are returned as m − n, so that
 * encrypting −5 and adding 7 decrypts to 2. (FISCO's Java library uses the threshold
 * 2^(bits/2) instead of n/2; both agree for |m| < 2^(bits/2).)
 */
export function paillierDecryptSigned(
  privateKey: PaillierPrivateKey,
  ciphertext: PaillierCiphertext,
): bigint {
  const m = paillierDecrypt(privateKey, ciphertext)
  const n = privateKey.publicKey.n
  return m > n / 2n ? m - n : m
}

/** Homomorphic addition: Enc(a)·Enc(b) mod n² = Enc(a + b mod n). Both must share one key. */
export function paillierAdd(a: PaillierCiphertext, b: PaillierCiphertext): PaillierCiphertext {
  checkCiphertextValue(a, 'a')
  checkCiphertextValue(b, 'b')
  checkSameKey(a.publicKey, b.publicKey, 'b')
  return { publicKey: a.publicKey, c: (a.c * b.c) % a.publicKey.nSquared }
}

/** Homomorphic multiplication by a plaintext constant k: Enc(a)^k = Enc(k·a mod n); k may be negative. */
export function paillierMultiply(a: PaillierCiphertext, k: bigint): PaillierCiphertext {
  checkCiphertextValue(a, 'a')
  if (typeof k !== 'bigint') throw privacyError('INVALID_ARGUMENT', 'expected k as a bigint', { field: 'k' })
  const { n, nSquared } = a.publicKey
  return { publicKey: a.publicKey, c: modPow(a.c, mod(k, n), nSquared) }
}

/** Serialize in FISCO's layout: `u16 len(n) ‖ n ‖ c (2·len(n) bytes)`. */
export function paillierCiphertextToBytes(ciphertext: PaillierCiphertext): Bytes {
  checkCiphertextValue(ciphertext, 'ciphertext')
  const { n, byteLength } = ciphertext.publicKey
  return concatBytes(
    u16(byteLength),
    bigIntToBytes(n, byteLength),
    bigIntToBytes(ciphertext.c, 2 * byteLength),
  )
}

/** Upper-case hex of {@link paillierCiphertextToBytes}, as FISCO's C++ and Java libraries print it. */
export function paillierCiphertextToHex(ciphertext: PaillierCiphertext): string {
  return bytesToHex(paillierCiphertextToBytes(ciphertext)).toUpperCase()
}

/**
 * Parse FISCO's layout. Checks: at least 2 bytes, total length 2 + 3·len(n), n canonical
 * (no leading zero byte) and a valid public key, c ∈ [1, n²) with gcd(c, n) = 1.
 * Failures are INVALID_CIPHERTEXT, except a modulus above {@link PAILLIER_KEY_BITS_MAX} (LIMIT_EXCEEDED).
 */
export function paillierCiphertextFromBytes(bytes: Bytes): PaillierCiphertext {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2) {
    throw privacyError('INVALID_CIPHERTEXT', 'expected a Paillier ciphertext of at least 2 bytes', {
      field: 'ciphertext',
    })
  }
  const byteLength = (bytes[0]! << 8) | bytes[1]!
  if (byteLength * 8 > PAILLIER_KEY_BITS_MAX) {
    throw privacyError(
      'LIMIT_EXCEEDED',
      `Paillier modulus of ${byteLength} bytes exceeds ${PAILLIER_KEY_BITS_MAX} bits`,
      {
        field: 'ciphertext',
        limit: PAILLIER_KEY_BITS_MAX,
      },
    )
  }
  const expected = 2 + 3 * byteLength
  if (byteLength === 0 || bytes.length !== expected) {
    throw privacyError(
      'INVALID_CIPHERTEXT',
      `expected ${expected}-byte Paillier ciphertext for a ${byteLength}-byte modulus, got ${bytes.length}`,
      { field: 'ciphertext', expected, actual: bytes.length },
    )
  }
  if (bytes[2] === 0) {
    throw privacyError('INVALID_CIPHERTEXT', 'Paillier modulus has a leading zero byte', {
      field: 'ciphertext',
    })
  }
  let publicKey: PaillierPublicKey
  try {
    publicKey = paillierPublicKey(bytesToBigInt(bytes.subarray(2, 2 + byteLength)))
  } catch (cause) {
    throw privacyError(
      'INVALID_CIPHERTEXT',
      'Paillier ciphertext holds an invalid modulus',
      { field: 'ciphertext' },
      {
        cause,
      },
    )
  }
  const c = bytesToBigInt(bytes.subarray(2 + byteLength))
  if (c === 0n || c >= publicKey.nSquared || gcd(c, publicKey.n) !== 1n) {
    throw privacyError('INVALID_CIPHERTEXT', 'Paillier ciphertext is not a unit below n²', {
      field: 'ciphertext',
    })
  }
  return { publicKey, c }
}

/** Parse FISCO's hex form (upper or lower case, optional `0x`); bad hex is INVALID_CIPHERTEXT. */
export function paillierCiphertextFromHex(hex: string): PaillierCiphertext {
  if (typeof hex !== 'string') {
    throw privacyError('INVALID_CIPHERTEXT', `expected ciphertext as hex string, got ${typeof hex}`, {
      field: 'ciphertext',
    })
  }
  let bytes: Bytes
  try {
    bytes = hexToBytes(hex, 'ciphertext')
  } catch (cause) {
    throw privacyError(
      'INVALID_CIPHERTEXT',
      'expected ciphertext as even-length hex',
      { field: 'ciphertext' },
      {
        cause,
      },
    )
  }
  return paillierCiphertextFromBytes(bytes)
}

/**
 * `paillierAdd(string,string)` on hex ciphertexts, the operation of FISCO's 0x5003 precompile:
 * parse both, require the same n (KEY_MISMATCH otherwise), multiply modulo n², return
 * upper-case hex with the first operand's header.
 */
export function paillierAddHex(a: string, b: string): string {
  return paillierCiphertextToHex(paillierAdd(paillierCiphertextFromHex(a), paillierCiphertextFromHex(b)))
}

/** Encrypt and serialize to FISCO hex in one step. */
export function paillierEncryptToHex(
  publicKey: PaillierPublicKey,
  m: bigint,
  options: PaillierEncryptOptions = {},
): string {
  return paillierCiphertextToHex(paillierEncrypt(publicKey, m, options))
}

/** Parse FISCO hex and decrypt (signed, see {@link paillierDecryptSigned}). */
export function paillierDecryptHex(privateKey: PaillierPrivateKey, hex: string): bigint {
  return paillierDecryptSigned(privateKey, paillierCiphertextFromHex(hex))
}
