/** True when two byte strings are equal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** True for a Uint8Array of exactly `length` bytes. */
export function isBytesOfLength(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.length === length
}
