import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bigIntToBytes, bytesToHex } from '../src/index.js'
import {
  LSAG_PARAM_INFO,
  LSAG_RING_SIZE_MAX,
  type LSAGSignature,
  lsagLink,
  lsagSign,
  lsagSignatureFromBytes,
  lsagSignatureFromString,
  lsagSignatureToBytes,
  lsagSignatureToString,
  lsagVerify,
  lsagVerifyString,
} from '../src/privacy/index.js'
import { expectCode, seededRandom } from './privacy-helpers.js'

const N = secp256k1.Point.CURVE().n
const random = seededRandom('lsag keys')
const keys = Array.from({ length: 6 }, () => secp256k1.utils.randomSecretKey(random(48)))
const pubs = keys.map((k) => secp256k1.getPublicKey(k, true))
const ring = pubs.slice(0, 5)
const outsider = keys[5]!

describe('LSAG (Liu–Wei–Wong 2004) on secp256k1', () => {
  it('verifies signatures from every ring position', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.uint8Array({ maxLength: 64 }), (index, message) => {
        const sig = lsagSign(message, ring, keys[index]!)
        expect(lsagVerify(message, sig)).toBe(true)
        expect(sig.ring.map(bytesToHex)).toEqual(ring.map(bytesToHex))
      }),
      { seed: 5, numRuns: 6 },
    )
  })

  it('signs a ring of one and finds the index from the key', () => {
    const sig = lsagSign('solo', [pubs[0]!], keys[0]!)
    expect(lsagVerify('solo', sig)).toBe(true)
    expect(lsagVerify('solo', lsagSign('x', ring, keys[2]!, { index: 2 }))).toBe(false)
  })

  it('is deterministic under a seeded random source', () => {
    const a = lsagSign('m', ring, keys[1]!, { random: seededRandom('sig') })
    const b = lsagSign('m', ring, keys[1]!, { random: seededRandom('sig') })
    expect(bytesToHex(lsagSignatureToBytes(a))).toBe(bytesToHex(lsagSignatureToBytes(b)))
  })

  describe('soundness: tampered or forged signatures are rejected', () => {
    const sig = lsagSign('transfer 10', ring, keys[2]!)
    const flip = (v: bigint): bigint => (v + 1n) % N
    const cases: [string, LSAGSignature][] = [
      ['challenge', { ...sig, challenge: flip(sig.challenge) }],
      ['a response', { ...sig, responses: sig.responses.map((s, i) => (i === 3 ? flip(s) : s)) }],
      ['the signer response', { ...sig, responses: sig.responses.map((s, i) => (i === 2 ? flip(s) : s)) }],
      ['key image', { ...sig, keyImage: lsagSign('other', ring, keys[0]!).keyImage }],
      ['ring order', { ...sig, ring: [ring[1]!, ring[0]!, ...ring.slice(2)] }],
      ['a ring member', { ...sig, ring: ring.map((p, i) => (i === 4 ? pubs[5]! : p)) }],
      ['scalar ≥ n', { ...sig, challenge: sig.challenge + N }],
    ]
    for (const [what, bad] of cases) {
      it(`rejects a changed ${what}`, () => {
        expect(lsagVerify('transfer 10', bad)).toBe(false)
      })
    }

    it('rejects a changed message', () => {
      expect(lsagVerify('transfer 11', sig)).toBe(false)
    })

    it('rejects a non-member: it cannot sign, and its signature over another ring does not transfer', () => {
      expectCode(() => lsagSign('m', ring, outsider), 'INVALID_PRIVATE_KEY')
      expectCode(() => lsagSign('m', ring, keys[0]!, { index: 1 }), 'INVALID_ARGUMENT')
      const own = lsagSign('m', [...ring.slice(0, 4), pubs[5]!], outsider)
      expect(lsagVerify('m', { ...own, ring })).toBe(false)
    })
  })

  it('links two signatures by the same key over the same ring, and only those', () => {
    const a = lsagSign('vote 1', ring, keys[3]!)
    const b = lsagSign('vote 2', ring, keys[3]!)
    const c = lsagSign('vote 1', ring, keys[4]!)
    const otherRing = [pubs[5]!, ...ring.slice(1)]
    const d = lsagSign('vote 1', otherRing, keys[3]!)
    expect(lsagLink(a, b)).toBe(true)
    expect(lsagLink(a, c)).toBe(false)
    expect(lsagLink(a, d)).toBe(false) // LWW04: h = H₂(L) makes linkability per ring
    expect(bytesToHex(a.keyImage)).toBe(bytesToHex(b.keyImage))
  })

  it('round-trips the binary and the FISCO-shaped string forms', () => {
    const sig = lsagSign('hello', ring, keys[0]!)
    const bytes = lsagSignatureToBytes(sig)
    expect(bytes.length).toBe(67 + 65 * ring.length)
    expect(lsagVerify('hello', lsagSignatureFromBytes(bytes))).toBe(true)
    const text = lsagSignatureToString(sig)
    const json = JSON.parse(text) as Record<string, string>
    expect(Object.keys(json).sort()).toEqual(
      ['C', 'Y', 'num', ...ring.flatMap((_, i) => [`pk${i}`, `s${i}`])].sort(),
    )
    expect(json.num).toBe('5')
    expect(lsagVerify('hello', lsagSignatureFromString(text))).toBe(true)
    expect(lsagVerifyString(text, 'hello', LSAG_PARAM_INFO)).toBe(true)
    expect(lsagVerifyString(text, 'hellO')).toBe(false)
  })

  it('throws typed errors for malformed input', () => {
    const sig = lsagSign('hello', ring, keys[0]!)
    const text = lsagSignatureToString(sig)
    expectCode(() => lsagVerifyString(text, 'hello', '{"p":"23","q":"11","g":"4"}'), 'UNSUPPORTED')
    expectCode(() => lsagVerifyString(text, 'hello', 'not json'), 'INVALID_ARGUMENT')
    expectCode(() => lsagSignatureFromString('{'), 'INVALID_SIGNATURE')
    expectCode(() => lsagSignatureFromString(text.replace('"num":"5"', '"num":"6"')), 'INVALID_SIGNATURE')
    const json = JSON.parse(text) as Record<string, string>
    expectCode(
      () => lsagSignatureFromString(JSON.stringify({ ...json, s0: bytesToHex(bigIntToBytes(N, 32)) })),
      'INVALID_ARGUMENT',
    )
    const bytes = lsagSignatureToBytes(sig)
    expectCode(() => lsagSignatureFromBytes(bytes.subarray(0, bytes.length - 1)), 'INVALID_SIGNATURE')
    const offCurve = lsagSignatureToBytes(sig)
    offCurve[34] = 0x05 // key image prefix byte → not a SEC1 point
    expectCode(() => lsagSignatureFromBytes(offCurve), 'INVALID_PUBLIC_KEY')
    expectCode(() => lsagSign('m', [ring[0]!, ring[0]!], keys[0]!), 'INVALID_ARGUMENT')
    expectCode(() => lsagSign('m', [], keys[0]!), 'INVALID_ARGUMENT')
    expectCode(() => lsagSign('m', [new Uint8Array(32)], keys[0]!), 'INVALID_LENGTH')
    expectCode(() => lsagSign('m', ring, new Uint8Array(32)), 'INVALID_PRIVATE_KEY')
  })

  it(`refuses rings above LSAG_RING_SIZE_MAX (${LSAG_RING_SIZE_MAX}) before any curve work`, () => {
    const huge = Array.from({ length: LSAG_RING_SIZE_MAX + 1 }, () => ring[0]!)
    expectCode(() => lsagSign('m', huge, keys[0]!), 'LIMIT_EXCEEDED')
    const header = new Uint8Array(2 + 32 + 33)
    header[0] = (LSAG_RING_SIZE_MAX + 1) >> 8
    header[1] = (LSAG_RING_SIZE_MAX + 1) & 0xff
    expectCode(() => lsagSignatureFromBytes(header), 'LIMIT_EXCEEDED')
    const text = JSON.stringify({ Y: '00', C: '00', num: String(LSAG_RING_SIZE_MAX + 1) })
    expectCode(() => lsagSignatureFromString(text), 'LIMIT_EXCEEDED')
  })
})
