import { isChainError } from '@consortia/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeRecoverResults,
  decodeRecoverRows,
  encodeRecoverResults,
  encodeRecoverRows,
  type RecoverItem,
  type RecoverResult,
  recoverRowBytes,
  VERIFY_RESULT_ROW_BYTES,
} from '../src/index.js'

const CODES = [
  'INVALID_SIGNATURE',
  'SIGNATURE_MISMATCH',
  'INVALID_PUBLIC_KEY',
  'INVALID_LENGTH',
  'WORKER_FAILED',
] as const

describe('verify-pool packed codec', () => {
  it('round-trips request rows for ECDSA (65) and SM (128) signatures; malformed items become status rows', () => {
    for (const sigBytes of [65, 128]) {
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.record({
                hash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
                signature: fc.uint8Array({ minLength: sigBytes, maxLength: sigBytes }),
              }),
              fc.record({
                hash: fc.uint8Array({ minLength: 0, maxLength: 40 }),
                signature: fc.uint8Array({ minLength: 0, maxLength: 130 }),
              }),
            ),
            { maxLength: 40 },
          ),
          (items) => {
            const rows = encodeRecoverRows(items, sigBytes)
            expect(rows.length).toBe(items.length * recoverRowBytes(sigBytes))
            const back = decodeRecoverRows(rows, sigBytes)
            back.forEach((decoded, i) => {
              const item = items[i]!
              const wellFormed = item.hash.length === 32 && item.signature.length === sigBytes
              expect(rows[i * recoverRowBytes(sigBytes)]).toBe(wellFormed ? 0 : 4)
              expect(decoded).toEqual(wellFormed ? item : undefined)
            })
          },
        ),
        { numRuns: 60, seed: 3003 },
      )
    }
  })

  it('packs a sub-range and rejects ranges outside the items with typed errors', () => {
    const items: RecoverItem[] = [0, 1, 2, 3].map((i) => ({
      hash: new Uint8Array(32).fill(i),
      signature: new Uint8Array(65).fill(i + 10),
    }))
    const rows = encodeRecoverRows(items, 65, 1, 2)
    expect(decodeRecoverRows(rows, 65)).toEqual([items[1], items[2]])
    expect(() => encodeRecoverRows(items, 65, 3, 2)).toThrow('range [3, 5) exceeds 4 items')
    expect(() => encodeRecoverRows(items, 65, -1, 1)).toThrow(/non-negative integer range/)
    // Not Uint8Array at all: a status row, not an exception.
    const odd = [{ hash: 'x', signature: null }] as unknown as RecoverItem[]
    expect(encodeRecoverRows(odd, 65)[0]).toBe(4)
  })

  it('round-trips result rows with every code, at an offset, into fresh key copies', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc
              .uint8Array({ minLength: 64, maxLength: 64 })
              .map((publicKey): RecoverResult => ({ ok: true, publicKey })),
            fc.constantFrom(...CODES).map((code): RecoverResult => ({ ok: false, code })),
          ),
          { maxLength: 50 },
        ),
        fc.nat(5),
        (results, offset) => {
          const rows = encodeRecoverResults(results)
          expect(rows.length).toBe(results.length * VERIFY_RESULT_ROW_BYTES)
          const target: RecoverResult[] = new Array(offset + results.length)
          expect(decodeRecoverResults(rows, target, offset)).toBe(results.length)
          expect(target.slice(offset)).toEqual(results)
          rows.fill(0xaa)
          expect(target.slice(offset)).toEqual(results) // keys do not alias the rows buffer
        },
      ),
      { numRuns: 80, seed: 3004 },
    )
  })

  it('labels malformed buffers', () => {
    const err = (fn: () => unknown): unknown => {
      try {
        fn()
      } catch (e) {
        return e
      }
      return undefined
    }
    const a = err(() => decodeRecoverResults(new Uint8Array(66), []))
    expect(isChainError(a, 'INVALID_LENGTH')).toBe(true)
    expect((a as Error).message).toBe('expected a multiple of 65-byte result rows, got 66 bytes')
    const b = err(() => decodeRecoverRows(new Uint8Array(99), 65))
    expect(isChainError(b, 'INVALID_LENGTH')).toBe(true)
    expect((b as Error).message).toBe('expected a multiple of 98-byte request rows, got 99 bytes')
    const c = err(() => encodeRecoverResults([{ ok: true, publicKey: new Uint8Array(63) }]))
    expect((c as Error).message).toBe('expected 64-byte public key, got 63')
  })
})
