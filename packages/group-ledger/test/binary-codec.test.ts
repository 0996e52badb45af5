import { isChainError } from '@consortia/interface'
import { createSeededRandom } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import {
  CONSENSUS_BIGINT_BYTES_MAX,
  CONSENSUS_BINARY_MAGIC,
  CONSENSUS_MESSAGE_DEPTH_MAX,
  decodeConsensusJSON,
  decodeConsensusMessage,
  encodeConsensusBinary,
  encodeConsensusJSON,
  isConsensusBinary,
} from '../src/index.js'

/** A seeded source of floats in [0, 1) for the generated values (testkit's seeded PRNG). */
function prng(seed: number): () => number {
  const random = createSeededRandom(seed)
  return () => random.nextFloat()
}

/** A random value of the model both codecs carry (JSON values, bytes, bigints, undefined fields). */
function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 9 : 11))
  switch (pick) {
    case 0:
      return null
    case 1:
      return next() < 0.5
    case 2:
      return Math.floor((next() - 0.5) * 2 ** 40)
    case 3:
      return [0, -1, 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0.5, -1e300, 2.75][
        Math.floor(next() * 8)
      ]
    case 4:
      return ['', 'prepare', 'ünïcødé ✓', '__proto__x', 'a'.repeat(200)][Math.floor(next() * 5)]
    case 5:
      return Uint8Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256))
    case 6:
      return (
        (BigInt(Math.floor(next() * 2 ** 48)) << BigInt(Math.floor(next() * 200))) * (next() < 0.3 ? -1n : 1n)
      )
    case 7:
      return [0n, 1n, -1n, 255n, 256n, 2n ** 256n - 1n][Math.floor(next() * 6)]
    case 8:
      return undefined
    case 9:
      return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1))
    default: {
      const out: Record<string, unknown> = {}
      const n = Math.floor(next() * 5)
      for (let i = 0; i < n; i++) out[`k${Math.floor(next() * 8)}`] = randomValue(next, depth + 1)
      return out
    }
  }
}

describe('binary consensus codec', () => {
  it('carries exactly what the JSON codec carries (1,000 generated values, fixed seed)', () => {
    const next = prng(20261126)
    for (let i = 0; i < 1000; i++) {
      const value = { v: randomValue(next, 0) }
      const bytes = encodeConsensusBinary(value)
      expect(isConsensusBinary(bytes)).toBe(true)
      expect(decodeConsensusMessage(bytes)).toEqual(decodeConsensusJSON(encodeConsensusJSON(value)))
    }
  })

  it('encodes a known value to known bytes', () => {
    const bytes = encodeConsensusBinary({
      t: 'x',
      n: 300,
      b: Uint8Array.of(1, 255),
      g: -256n,
      u: undefined,
      a: [true, null],
    })
    expect(Buffer.from(bytes).toString('hex')).toBe(
      [
        'cb01', // magic, version 1
        '0b05', // object, 5 fields (u left out)
        '0174',
        '060178', // "t": string "x"
        '016e',
        '03ac02', // "n": uint 300 (LEB128 ac 02)
        '0162',
        '070201ff', // "b": bytes 01 ff
        '0167',
        '09020100', // "g": negative bigint, 2 bytes 01 00
        '0161',
        '0a020200', // "a": array [true, null]
      ].join(''),
    )
  })

  it('is about half the size of JSON-hex for byte-heavy messages', () => {
    const txs = Array.from({ length: 100 }, (_, i) => new Uint8Array(300).fill(i))
    const message = { type: 'prepare', height: 9, view: 0, block: { payload: { transactions: txs } } }
    const binary = encodeConsensusBinary(message).length
    const json = encodeConsensusJSON(message).length
    expect(binary).toBeLessThan(json * 0.52)
    expect(binary).toBeGreaterThan(100 * 300)
  })

  it('decodeConsensusMessage still reads the JSON form (messages and state written by earlier versions)', () => {
    const value = { type: 'sign', height: 3, hash: new Uint8Array([1, 2, 255]), gas: 2n ** 70n }
    expect(decodeConsensusMessage(encodeConsensusJSON(value))).toEqual(value)
    expect(isConsensusBinary(encodeConsensusJSON(value))).toBe(false)
  })

  it('refuses malformed binary input with labelled LEDGER_INVALID_INPUT errors', () => {
    const bin = (...bytes: number[]) => Uint8Array.from([...CONSENSUS_BINARY_MAGIC, ...bytes])
    const refused = (bytes: Uint8Array, message: string) => {
      let err: unknown
      try {
        decodeConsensusMessage(bytes)
      } catch (e) {
        err = e
      }
      expect(isChainError(err, 'LEDGER_INVALID_INPUT')).toBe(true)
      expect(String((err as Error).message)).toContain(message)
    }
    refused(bin(), 'truncated')
    refused(bin(0x07, 0x05, 1, 2), 'truncated') // 5 bytes announced, 2 there
    refused(bin(0x0a, 0x03, 0x00), 'truncated') // array of 3, one item
    refused(bin(0x00, 0x00), '1 trailing bytes')
    refused(bin(0x0c), 'message tag: expected a value tag 0..11, got 12')
    refused(bin(0x03, 0x80, 0x00), 'minimal encoding') // padded varint
    refused(bin(0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 'a safe integer')
    refused(bin(0x04, 0x00), '-0')
    refused(bin(0x08, 0x02, 0x00, 0x01), 'a leading zero')
    refused(bin(0x09, 0x00), '-0')
    refused(bin(0x05, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0), 'finite numbers') // +Infinity
    // CONSENSUS_BIGINT_BYTES_MAX: one byte more is refused, the limit itself is accepted.
    const big = (n: number) => bin(0x08, n, ...new Array<number>(n).fill(0xff))
    refused(big(CONSENSUS_BIGINT_BYTES_MAX + 1), `at most ${CONSENSUS_BIGINT_BYTES_MAX} bytes`)
    expect(decodeConsensusMessage(big(CONSENSUS_BIGINT_BYTES_MAX))).toBe(
      2n ** BigInt(8 * CONSENSUS_BIGINT_BYTES_MAX) - 1n,
    )
    // CONSENSUS_MESSAGE_DEPTH_MAX: nesting one deeper is refused on both sides.
    const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)])
    expect(decodeConsensusMessage(encodeConsensusBinary(nested(CONSENSUS_MESSAGE_DEPTH_MAX)))).toEqual(
      nested(CONSENSUS_MESSAGE_DEPTH_MAX),
    )
    expect(() => encodeConsensusBinary(nested(CONSENSUS_MESSAGE_DEPTH_MAX + 1))).toThrow('depth')
    refused(
      bin(...new Array<number>(CONSENSUS_MESSAGE_DEPTH_MAX + 1).fill(0).flatMap(() => [0x0a, 0x01]), 0x00),
      'depth',
    )
    // maxBytes, and values the JSON form refuses too.
    expect(() => decodeConsensusMessage(encodeConsensusBinary('abc'), 4)).toThrow('at most 4 bytes')
    expect(() => encodeConsensusBinary({ x: Number.NaN })).toThrow('finite numbers')
    expect(() => encodeConsensusBinary({ f: () => 1 })).toThrow('JSON-like values')
  })

  it('never lets a __proto__ key reach the prototype', () => {
    const bytes = Uint8Array.from([
      ...CONSENSUS_BINARY_MAGIC,
      0x0b,
      0x01,
      0x09,
      ...Buffer.from('__proto__'),
      0x0b,
      0x01,
      0x01,
      0x78,
      0x02,
    ])
    const v = decodeConsensusMessage(bytes) as Record<string, unknown>
    expect(Object.keys(v)).toEqual([])
    expect(({} as Record<string, unknown>)['x']).toBeUndefined()
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
  })

  it('random bytes after the magic either decode or throw LEDGER_INVALID_INPUT (2,000 inputs, fixed seed)', () => {
    const next = prng(7)
    let decoded = 0
    for (let i = 0; i < 2000; i++) {
      const body = Uint8Array.from({ length: 1 + Math.floor(next() * 40) }, () =>
        next() < 0.5 ? Math.floor(next() * 13) : Math.floor(next() * 256),
      )
      try {
        decodeConsensusMessage(Uint8Array.from([...CONSENSUS_BINARY_MAGIC, ...body]))
        decoded++
      } catch (err) {
        expect(isChainError(err, 'LEDGER_INVALID_INPUT')).toBe(true)
      }
    }
    expect(decoded).toBeGreaterThan(0)
  })
})
