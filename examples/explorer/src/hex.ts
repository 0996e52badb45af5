import { invalidInput } from './errors.js'

const HEX = /^(0x)?([0-9a-fA-F]*)$/

/** Bytes of a hex string (with or without 0x); `bytes` checks the length. */
export function hexToBytes(hex: string, field: string, bytes?: number): Uint8Array {
  const m = HEX.exec(hex)
  if (m === null || m[2]!.length % 2 !== 0) throw invalidInput(field, 'an even-length hex string', hex)
  const body = m[2]!
  if (bytes !== undefined && body.length !== bytes * 2) {
    throw invalidInput(field, `${bytes} bytes`, `${body.length / 2} bytes`)
  }
  const out = new Uint8Array(body.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(body.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** Lower-case hex of `bytes`, 0x-prefixed. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '0x'
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/** A JSON-RPC quantity ("0x1a" or a decimal number) as a safe integer. */
export function quantityToNumber(value: unknown, field: string): number {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 0) throw invalidInput(field, 'a non-negative quantity', value)
  return n
}

/** `0x1234abcd…9f8e`: a long hex value shortened for tables. */
export function shortHex(hex: string, keep = 8): string {
  return hex.length <= keep * 2 + 3 ? hex : `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}`
}
