import { invalidInput } from './errors.js'

const HEX_RE = /^[0-9a-fA-F]*$/

/** Lower-case hex without `0x`. */
export function bytesToHexRaw(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** `0x`-prefixed lower-case hex. */
export function bytesToHex0x(bytes: Uint8Array): `0x${string}` {
  return `0x${bytesToHexRaw(bytes)}`
}

/** Parses hex with or without `0x`; `field` labels the error. */
export function hexToBytesChecked(hex: string, field: string): Uint8Array {
  const raw = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (raw.length % 2 !== 0 || !HEX_RE.test(raw)) {
    throw invalidInput(field, 'even-length hex', JSON.stringify(hex.slice(0, 16)))
  }
  const buf = Buffer.from(raw, 'hex')
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

/** Throws a labelled error unless `bytes` is a Uint8Array of exactly `length` bytes. */
export function assertLength(bytes: unknown, length: number, field: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw invalidInput(field, `${length}-byte Uint8Array`, typeof bytes)
  if (bytes.length !== length) throw invalidInput(field, `${length}-byte ${field}`, String(bytes.length))
}

/** Byte equality. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Concatenates byte arrays. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Drops leading zero bytes (the form Ethereum stores storage values and account integers in). */
export function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let i = 0
  while (i < bytes.length && bytes[i] === 0) i++
  return bytes.subarray(i)
}

/** Big-endian minimal bytes of a non-negative bigint (0 → empty). */
export function bigintToBytes(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array()
  let hex = value.toString(16)
  if (hex.length % 2 === 1) hex = `0${hex}`
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** Big-endian bytes to bigint (empty → 0). */
export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  return BigInt(`0x${bytesToHexRaw(bytes)}`)
}
