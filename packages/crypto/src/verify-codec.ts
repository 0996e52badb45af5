/**
 * Packed wire form of verify-pool batches: one ArrayBuffer of fixed-width rows each way, so a
 * batch of a thousand signatures is one transferred buffer, not a thousand cloned objects.
 *
 * Request row (`1 + 32 + signatureBytes` bytes): `status ‖ hash ‖ signature`. `status` is 0 for
 * an item the worker must recover; a non-zero status (an item the pool already rejected, such
 * as a wrong-length hash) is passed through untouched and the rest of the row stays zero.
 *
 * Result row (`VERIFY_RESULT_ROW_BYTES` = 65 bytes): `status ‖ publicKey`, status 0 = recovered.
 */
import type { Bytes, Hash32 } from '@consortia/interface'
import type { CryptoErrorCode } from './errors.js'
import { cryptoError } from './errors.js'

/** One signature to check: the signed 32-byte hash and the signature in the suite's byte form. */
export type RecoverItem = { hash: Hash32; signature: Bytes }

/** Per-item answer, in request order. */
export type RecoverResult = { ok: true; publicKey: Bytes } | { ok: false; code: CryptoErrorCode }

/** Bytes of one result row: status byte and 64-byte public key. */
export const VERIFY_RESULT_ROW_BYTES = 65

/** Status byte per error code; 0 means the key was recovered. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> & { readonly OTHER: number } = {
  INVALID_SIGNATURE: 1,
  SIGNATURE_MISMATCH: 2,
  INVALID_PUBLIC_KEY: 3,
  INVALID_LENGTH: 4,
  OTHER: 5,
}

/** Status byte of an item the pool rejected before sending it (wrong hash or signature length). */
export const STATUS_INVALID_LENGTH = 4
/** Status byte of an item no worker could answer (WORKER_FAILED). */
export const STATUS_WORKER_FAILED = 5

/** Error code of a non-zero status byte. */
export function codeOfStatus(status: number): CryptoErrorCode {
  switch (status) {
    case 1:
      return 'INVALID_SIGNATURE'
    case 2:
      return 'SIGNATURE_MISMATCH'
    case 3:
      return 'INVALID_PUBLIC_KEY'
    case 4:
      return 'INVALID_LENGTH'
    default:
      return 'WORKER_FAILED'
  }
}

/** Bytes of one request row for signatures of `signatureBytes`. */
export function recoverRowBytes(signatureBytes: number): number {
  return 1 + 32 + signatureBytes
}

/**
 * Pack `items[start, start + count)` into request rows. Items whose hash is not 32 bytes or
 * whose signature is not `signatureBytes` long get status INVALID_LENGTH and a zero row; they
 * never reach a suite, and their neighbours are unaffected.
 */
export function encodeRecoverRows(
  items: readonly RecoverItem[],
  signatureBytes: number,
  start = 0,
  count = items.length - start,
): Uint8Array {
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0) {
    throw cryptoError(
      'INVALID_ARGUMENT',
      `expected a non-negative integer range, got [${start}, +${count})`,
      {
        field: 'range',
      },
    )
  }
  if (start + count > items.length) {
    throw cryptoError(
      'INVALID_ARGUMENT',
      `range [${start}, ${start + count}) exceeds ${items.length} items`,
      {
        field: 'range',
      },
    )
  }
  const width = recoverRowBytes(signatureBytes)
  const rows = new Uint8Array(count * width)
  for (let i = 0, at = 0; i < count; i++, at += width) {
    const item = items[start + i]
    const hash = item?.hash
    const signature = item?.signature
    if (
      hash instanceof Uint8Array &&
      hash.length === 32 &&
      signature instanceof Uint8Array &&
      signature.length === signatureBytes
    ) {
      // Byte loops: for rows this short they beat TypedArray#set's per-call cost by about 3×.
      for (let j = 0; j < 32; j++) rows[at + 1 + j] = hash[j]!
      for (let j = 0; j < signatureBytes; j++) rows[at + 33 + j] = signature[j]!
    } else {
      rows[at] = STATUS_INVALID_LENGTH
    }
  }
  return rows
}

/** Rows back to items (for tests and tools); rows with a non-zero status come back as `undefined`. */
export function decodeRecoverRows(rows: Uint8Array, signatureBytes: number): (RecoverItem | undefined)[] {
  const width = recoverRowBytes(signatureBytes)
  if (rows.length % width !== 0) {
    throw cryptoError(
      'INVALID_LENGTH',
      `expected a multiple of ${width}-byte request rows, got ${rows.length} bytes`,
      { field: 'rows', expected: width, actual: rows.length },
    )
  }
  const out: (RecoverItem | undefined)[] = []
  for (let at = 0; at < rows.length; at += width) {
    out.push(
      rows[at] === 0
        ? { hash: rows.slice(at + 1, at + 33), signature: rows.slice(at + 33, at + width) }
        : undefined,
    )
  }
  return out
}

/** Results to result rows (what a worker sends back). */
export function encodeRecoverResults(results: readonly RecoverResult[]): Uint8Array {
  const out = new Uint8Array(results.length * VERIFY_RESULT_ROW_BYTES)
  results.forEach((r, i) => {
    const at = i * VERIFY_RESULT_ROW_BYTES
    if (r.ok) {
      if (r.publicKey.length !== 64) {
        throw cryptoError('INVALID_LENGTH', `expected 64-byte public key, got ${r.publicKey.length}`, {
          field: 'publicKey',
          expected: 64,
          actual: r.publicKey.length,
        })
      }
      out.set(r.publicKey, at + 1)
    } else {
      out[at] = STATUS_BY_CODE[r.code] ?? STATUS_BY_CODE.OTHER
    }
  })
  return out
}

/**
 * Result rows into `target[offset …]`, one fresh 64-byte key per recovered item (the rows'
 * buffer is not retained). Returns the number of rows read.
 */
export function decodeRecoverResults(rows: Uint8Array, target: RecoverResult[], offset = 0): number {
  if (rows.length % VERIFY_RESULT_ROW_BYTES !== 0) {
    throw cryptoError(
      'INVALID_LENGTH',
      `expected a multiple of ${VERIFY_RESULT_ROW_BYTES}-byte result rows, got ${rows.length} bytes`,
      { field: 'rows', expected: VERIFY_RESULT_ROW_BYTES, actual: rows.length },
    )
  }
  const count = rows.length / VERIFY_RESULT_ROW_BYTES
  for (let i = 0, at = 0; i < count; i++, at += VERIFY_RESULT_ROW_BYTES) {
    const status = rows[at]!
    if (status === 0) {
      const publicKey = new Uint8Array(64)
      for (let j = 0; j < 64; j++) publicKey[j] = rows[at + 1 + j]!
      target[offset + i] = { ok: true, publicKey }
    } else {
      target[offset + i] = { ok: false, code: codeOfStatus(status) }
    }
  }
  return count
}
