import { createHash, createHmac, getHashes } from 'node:crypto'
import type { Bytes, Hash32 } from '@consortia/interface'
import { expectAnyBytes } from './bytes.js'
import { cryptoError } from './errors.js'

let sm3Supported: boolean | undefined

/** True when this Node.js build's OpenSSL provides SM3 (`createHash('sm3')`). */
export function isSM3Available(): boolean {
  sm3Supported ??= getHashes().includes('sm3')
  return sm3Supported
}

/** Throw UNSUPPORTED when SM3 is missing, so suites fail at creation instead of mid-block. */
export function assertSM3Available(): void {
  if (!isSM3Available()) {
    throw cryptoError('UNSUPPORTED', "this Node.js build's OpenSSL has no SM3 digest", { field: 'sm3' })
  }
}

/** SM3 digest (GB/T 32905-2016) of `data`, through Node's OpenSSL. */
export function sm3(data: Bytes): Hash32 {
  expectAnyBytes(data, 'data')
  const h = createHash('sm3').update(data).digest()
  return new Uint8Array(h.buffer, h.byteOffset, h.byteLength)
}

/** SM3 over several parts, without concatenating them first. */
export function sm3Parts(...parts: Bytes[]): Hash32 {
  const h = createHash('sm3')
  for (const p of parts) h.update(p)
  const out = h.digest()
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/** HMAC-SM3 of `data` under `key`. */
export function hmacSM3(key: Bytes, data: Bytes): Bytes {
  expectAnyBytes(key, 'key')
  expectAnyBytes(data, 'data')
  const h = createHmac('sm3', key).update(data).digest()
  return new Uint8Array(h.buffer, h.byteOffset, h.byteLength)
}
