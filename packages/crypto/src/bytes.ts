import type { Bytes } from '@consortia/interface'
import { cryptoError } from './errors.js'

/** Throw INVALID_LENGTH unless `value` is a Uint8Array of exactly `length` bytes. */
export function expectBytes(value: unknown, length: number, label: string): asserts value is Bytes {
  if (!(value instanceof Uint8Array)) {
    throw cryptoError('INVALID_LENGTH', `expected ${length}-byte ${label}, got ${typeof value}`, {
      field: label,
      expected: length,
    })
  }
  if (value.length !== length) {
    throw cryptoError('INVALID_LENGTH', `expected ${length}-byte ${label}, got ${value.length}`, {
      field: label,
      expected: length,
      actual: value.length,
    })
  }
}

/** Throw INVALID_ARGUMENT unless `value` is a Uint8Array. */
export function expectAnyBytes(value: unknown, label: string): asserts value is Bytes {
  if (!(value instanceof Uint8Array)) {
    throw cryptoError('INVALID_ARGUMENT', `expected ${label} as Uint8Array, got ${typeof value}`, {
      field: label,
    })
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lower-case hex without `0x`. */
export function bytesToHex(bytes: Bytes): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]
  return out
}

/** Parse hex with or without `0x`; throws INVALID_ARGUMENT on odd length or non-hex characters. */
export function hexToBytes(hex: string, label = 'hex'): Bytes {
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw cryptoError('INVALID_ARGUMENT', `expected ${label} as even-length hex`, { field: label })
  }
  const out = new Uint8Array(body.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(body.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** Big-endian unsigned integer of `bytes` (empty → 0n). */
export function bytesToBigInt(bytes: Bytes): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`)
}

/** `value` as `length` big-endian bytes; the caller guarantees it fits. */
export function bigIntToBytes(value: bigint, length: number): Bytes {
  const hex = value.toString(16).padStart(length * 2, '0')
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: Bytes[]): Bytes {
  let total = 0
  for (const p of parts) total += p.length
  const out = new Uint8Array(total)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/** Constant-shape byte equality. */
export function bytesEqual(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/** Modular inverse by the extended Euclidean algorithm; `a` must be non-zero mod `m`. */
export function invertMod(a: bigint, m: bigint): bigint {
  let r0 = ((a % m) + m) % m
  let r1 = m
  let x0 = 1n
  let x1 = 0n
  while (r1 !== 0n) {
    const q = r0 / r1
    const r2 = r0 - q * r1
    r0 = r1
    r1 = r2
    const x2 = x0 - q * x1
    x0 = x1
    x1 = x2
  }
  return ((x0 % m) + m) % m
}

/** Non-negative `a mod m`. */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m
  return r < 0n ? r + m : r
}
