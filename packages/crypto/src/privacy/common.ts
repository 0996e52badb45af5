import { randomBytes as nodeRandomBytes } from 'node:crypto'
import type { Bytes } from '@consortia/interface'
import { secp256k1, secp256k1_hasher } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToBigInt, bytesToHex, concatBytes, mod } from '../bytes.js'
import { privacyError } from './errors.js'

/**
 * Source of random bytes: `(length) => bytes`. Defaults to `node:crypto.randomBytes`;
 * tests pass a seeded source to make a run reproducible.
 */
export type RandomSource = (length: number) => Bytes

/** The default {@link RandomSource}: the operating system CSPRNG through `node:crypto`. */
export const systemRandom: RandomSource = (length) => new Uint8Array(nodeRandomBytes(length))

/**
 * A uniform integer in [1, order − 1]: 16 extra random bytes reduced modulo `order − 1`
 * (bias below 2⁻¹²⁸), plus one.
 */
export function randomScalar(order: bigint, random: RandomSource = systemRandom): bigint {
  const byteLength = Math.ceil(order.toString(2).length / 8) + 16
  return mod(bytesToBigInt(random(byteLength)), order - 1n) + 1n
}

/**
 * `base^exponent mod modulus` for a non-negative exponent, by fixed 5-bit windows
 * (about 1.2 multiplications per exponent bit instead of 1.5 for square-and-multiply).
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus === 1n) return 0n
  if (exponent < 0n) throw privacyError('INVALID_ARGUMENT', 'expected a non-negative exponent')
  const b = mod(base, modulus)
  const windowBits = 5n
  const table: bigint[] = [1n, b]
  for (let i = 2; i < 32; i++) table.push((table[i - 1]! * b) % modulus)
  const bits = exponent.toString(2).length
  const windows = Math.ceil(bits / 5)
  let result = 1n
  for (let w = windows - 1; w >= 0; w--) {
    for (let k = 0; k < 5 && result !== 1n; k++) result = (result * result) % modulus
    const digit = Number((exponent >> (BigInt(w) * windowBits)) & 31n)
    if (digit !== 0) result = (result * table[digit]!) % modulus
  }
  return result
}

/** Greatest common divisor of two non-negative integers. */
export function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a
  let y = b < 0n ? -b : b
  while (y !== 0n) {
    const t = x % y
    x = y
    y = t
  }
  return x
}

/** Big-endian u16 length prefix. */
export function u16(value: number): Bytes {
  return Uint8Array.of((value >> 8) & 0xff, value & 0xff)
}

/** Big-endian u32 length prefix. */
export function u32(value: number): Bytes {
  return Uint8Array.of((value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff)
}

/** A message given as bytes or as a string (UTF-8, as FISCO's precompiles take `string message`). */
export type MessageInput = Bytes | string

/** The bytes of a {@link MessageInput}. */
export function messageBytes(message: MessageInput, label = 'message'): Bytes {
  if (typeof message === 'string') return new TextEncoder().encode(message)
  if (message instanceof Uint8Array) return message
  throw privacyError('INVALID_ARGUMENT', `expected ${label} as Uint8Array or string, got ${typeof message}`, {
    field: label,
  })
}

/** Length-prefixed (u32) concatenation, so that different splits of the same bytes hash differently. */
export function framed(...parts: Bytes[]): Bytes {
  const out: Bytes[] = []
  for (const p of parts) out.push(u32(p.length), p)
  return concatBytes(...out)
}

// --- secp256k1 helpers shared by LSAG, Schnorr and the range proof ----------------------------

/** secp256k1 point type of @noble/curves. */
export type SecpPoint = InstanceType<typeof secp256k1.Point>

/** The secp256k1 group order n. */
export const SECP_N = secp256k1.Point.CURVE().n

/** Compressed point length on secp256k1. */
export const SECP_POINT_BYTES = 33

/** secp256k1 scalar length. */
export const SECP_SCALAR_BYTES = 32

/**
 * BIP-340 tagged hash `SHA256(SHA256(tag) ‖ SHA256(tag) ‖ data)` reduced modulo n: simple to
 * reproduce in a contract or precompile (one SHA-256 over a fixed prefix), bias below 2⁻¹²⁷
 * because n is within 2¹²⁹ of 2²⁵⁶.
 */
export function taggedHashToScalar(tag: string, ...parts: Bytes[]): bigint {
  const tagHash = sha256(new TextEncoder().encode(tag))
  return mod(bytesToBigInt(sha256(concatBytes(tagHash, tagHash, ...parts))), SECP_N)
}

/** Compressed encoding of a point; the identity (which honest runs never meet) is 33 zero bytes. */
export function secpPointBytes(point: SecpPoint): Bytes {
  return point.equals(secp256k1.Point.ZERO) ? new Uint8Array(SECP_POINT_BYTES) : point.toBytes(true)
}

/** Parse a 33-byte compressed or 65-byte uncompressed secp256k1 point; rejects the identity. */
export function secpPointFromBytes(bytes: Bytes, label: string): SecpPoint {
  if (!(bytes instanceof Uint8Array) || (bytes.length !== 33 && bytes.length !== 65)) {
    throw privacyError(
      'INVALID_LENGTH',
      `expected 33- or 65-byte ${label}, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
      { field: label },
    )
  }
  try {
    const point = secp256k1.Point.fromBytes(bytes)
    point.assertValidity()
    return point
  } catch (cause) {
    throw privacyError(
      'INVALID_PUBLIC_KEY',
      `${label} is not a point of secp256k1`,
      { field: label },
      { cause },
    )
  }
}

/** Parse a 32-byte big-endian scalar in [0, n) (or [1, n) with `nonZero`). */
export function secpScalarFromBytes(bytes: Bytes, label: string, nonZero = false): bigint {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SECP_SCALAR_BYTES) {
    throw privacyError(
      'INVALID_LENGTH',
      `expected 32-byte ${label}, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
      { field: label },
    )
  }
  const value = bytesToBigInt(bytes)
  if (value >= SECP_N || (nonZero && value === 0n)) {
    throw privacyError('INVALID_ARGUMENT', `${label} is not a scalar below the secp256k1 order`, {
      field: label,
    })
  }
  return value
}

/** Parse a secp256k1 private key (32 bytes, in [1, n)). */
export function secpPrivateKey(bytes: Bytes, label = 'privateKey'): bigint {
  try {
    return secpScalarFromBytes(bytes, label, true)
  } catch (err) {
    if ((err as { code?: string }).code === 'INVALID_LENGTH') throw err
    throw privacyError('INVALID_PRIVATE_KEY', `${label} is zero or not below the secp256k1 order`, {
      field: label,
    })
  }
}

/** Hex of a point for map keys. */
export function secpPointKey(point: SecpPoint): string {
  return bytesToHex(secpPointBytes(point))
}

/**
 * Hash-to-curve on secp256k1 (RFC 9380 suite `secp256k1_XMD:SHA-256_SSWU_RO_`) with a
 * domain-separation tag; used for the LSAG base `h = H₂(L)` and the Pedersen base `H`.
 */
export function hashToSecpPoint(message: Bytes, dst: string): SecpPoint {
  return secp256k1_hasher.hashToCurve(message, { DST: dst }) as SecpPoint
}

/**
 * Checks a FISCO-style `paramInfo` JSON against the scheme's own: every field of `expected`
 * must be present with the same value. Malformed JSON is INVALID_ARGUMENT; other parameters
 * are UNSUPPORTED.
 */
export function checkParamInfo(paramInfo: string, expected: string): void {
  let params: unknown
  try {
    params = JSON.parse(paramInfo)
  } catch (cause) {
    throw privacyError('INVALID_ARGUMENT', 'paramInfo is not JSON', { field: 'paramInfo' }, { cause })
  }
  const want = JSON.parse(expected) as Record<string, string>
  const given = params as Record<string, unknown>
  if (typeof given !== 'object' || given === null || Object.keys(want).some((k) => given[k] !== want[k])) {
    throw privacyError('UNSUPPORTED', `paramInfo does not name ${expected}`, { field: 'paramInfo' })
  }
}
