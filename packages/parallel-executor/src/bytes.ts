import type { Address, Bytes } from '@consortia/interface'
import { executorError } from './errors.js'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lower-case hex without `0x`. */
export function bytesToHex(bytes: Bytes): string {
  // Short inputs are cheaper in JS; longer ones (addresses, slots, code) in Node's native hex.
  if (bytes.length < 8) {
    let out = ''
    for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number]
    return out
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Parses hex with or without `0x`; throws a labelled error on odd length or bad digits. */
export function hexToBytes(hex: string, label = 'hex'): Bytes {
  const h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) {
    throw executorError(
      'INVALID_ARGUMENT',
      `expected ${label} as even-length hex, got ${JSON.stringify(hex.slice(0, 80))}`,
    )
  }
  const out = new Uint8Array(h.length / 2)
  // Validated above, so Node's native hex decoder reads every digit pair.
  if (out.length > 0) Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(h, 'hex')
  return out
}

/** True when both byte arrays hold the same bytes. */
export function bytesEqual(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Bytes[]): Bytes {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/** Big-endian unsigned integer bytes without leading zeros (empty for 0). */
export function bigintToBytes(value: bigint): Bytes {
  if (value < 0n) throw executorError('INVALID_ARGUMENT', `expected a non-negative integer, got ${value}`)
  if (value === 0n) return new Uint8Array(0)
  let hex = value.toString(16)
  if (hex.length % 2 === 1) hex = `0${hex}`
  return hexToBytes(hex)
}

/** Big-endian unsigned integer of `bytes` (0 for empty). */
export function bytesToBigint(bytes: Bytes): bigint {
  if (bytes.length === 0) return 0n
  return BigInt(`0x${bytesToHex(bytes)}`)
}

/** Throws a labelled error unless `address` is 20 bytes. */
export function assertAddress(address: Address, label = 'address'): void {
  if (!(address instanceof Uint8Array) || address.length !== 20) {
    throw executorError(
      'INVALID_ARGUMENT',
      `expected 20-byte ${label}, got ${address?.length ?? typeof address}`,
    )
  }
}

/** A 20-byte address whose low bytes hold `value` (e.g. 0x1000 for SystemConfig). */
export function numberToAddress(value: number): Address {
  const out = new Uint8Array(20)
  let v = value
  for (let i = 19; i >= 0 && v > 0; i--) {
    out[i] = v & 0xff
    v = Math.floor(v / 256)
  }
  return out
}

/** The address as a `0x`-prefixed lower-case hex string. */
export function addressToHex(address: Address): `0x${string}` {
  return `0x${bytesToHex(address)}`
}
