import type { Bytes, Hash32 } from '@consortia/interface'

/** A hash function over bytes: Keccak-256 on standard chains, SM3 on guomi chains (`suite.hash`). */
export type HashFn = (data: Bytes) => Hash32

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lower-case hex with a `0x` prefix, for error metadata and messages. */
export function bytesToHex(bytes: Bytes): `0x${string}` {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!]
  return `0x${out}`
}

/** True when both byte strings have the same length and content. */
export function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Concatenates byte strings into one new array. */
export function concatBytes(parts: readonly Bytes[]): Uint8Array {
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

/** A value's shape in words, for labelled input errors. */
export function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (value === null) return 'null'
  return typeof value
}
