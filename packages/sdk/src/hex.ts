import type { Bytes, Hex } from '@consortia/interface'
import { describe, invalidInput } from './errors.js'

const HEX_RE = /^(0x)?[0-9a-fA-F]*$/

/** `0x`-prefixed lower-case hex of `bytes`. */
export function bytesToHex(bytes: Bytes): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

/**
 * Bytes of a hex string (with or without `0x`). `bytes` checks the length:
 * `expected 20-byte address, got 19 bytes`.
 */
export function hexToBytes(text: string, field: string, bytes?: number): Uint8Array {
  if (typeof text !== 'string' || !HEX_RE.test(text) || text.length % 2 !== 0) {
    throw invalidInput(field, 'even-length hex', describe(text))
  }
  const out = Uint8Array.from(Buffer.from(text.startsWith('0x') ? text.slice(2) : text, 'hex'))
  if (bytes !== undefined && out.length !== bytes)
    throw invalidInput(field, `${bytes}-byte hex`, `${out.length} bytes`)
  return out
}

/** Normalises an address to lower-case `0x` hex, checking it is 20 bytes. */
export function toAddress(text: string, field = 'address'): Hex {
  return bytesToHex(hexToBytes(text, field, 20))
}

/** `0x`-prefixed minimal hex of a non-negative integer (`0x0` for zero). */
export function toQuantity(value: bigint | number): Hex {
  return `0x${BigInt(value).toString(16)}`
}

/**
 * A block number or count from a node answer: `0x` hex, a decimal string or a JSON number
 * (interop.md §2.1 allows all three).
 */
export function parseQuantity(value: unknown, field: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
  if (typeof value === 'string') {
    if (/^0x[0-9a-fA-F]+$/.test(value)) return BigInt(value)
    if (/^[0-9]+$/.test(value)) return BigInt(value)
  }
  throw invalidInput(field, 'a hex or decimal quantity', describe(value))
}

/** `parseQuantity` as a safe JS number (heights, indexes). */
export function parseNumber(value: unknown, field: string): number {
  const n = parseQuantity(value, field)
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidInput(field, 'a safe integer', n.toString())
  return Number(n)
}

/** Strips `0x` and lower-cases: the form FISCO uses for node IDs. */
export function stripHexPrefix(text: string): string {
  return (text.startsWith('0x') ? text.slice(2) : text).toLowerCase()
}
