import { ChainError } from '@consortia/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeRLP,
  decodeSafeUint,
  decodeUint,
  encodeRLP,
  expectBytes,
  expectFixedBytes,
  expectList,
  isProtocolError,
  type ProtocolErrorCode,
  type RLPInput,
  type RLPItem,
  rlpDepthMax,
  uintToBytes,
} from '../src/index.js'
import { invalidRLPTests, type RLPTestValue, randomRLPTests, validRLPTests } from './fixtures/rlp-tests.js'
import { hex, toHex } from './helpers/suites.js'

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' {
  try {
    fn()
  } catch (err) {
    if (!isProtocolError(err)) throw err
    return err.type.code
  }
  return 'none'
}

/** Turns an ethereum/tests `in` value into encoder input: strings as bytes, `#n`/numbers as integers. */
function toInput(value: RLPTestValue): RLPInput {
  if (Array.isArray(value)) return value.map(toInput)
  if (typeof value === 'number') return uintToBytes(value)
  if (typeof value === 'string' && value.startsWith('#'))
    return uintToBytes(BigInt(value.slice(1)), 'bigint', 64)
  // Test strings use \u0000-style escapes for raw bytes below 0x80.
  return Uint8Array.from(Buffer.from(value as string, 'latin1'))
}

describe('ethereum/tests RLPTests/rlptest.json', () => {
  for (const [name, test] of Object.entries(validRLPTests)) {
    it(`${name}: encodes to out and decodes back`, () => {
      const input = toInput(test.in)
      const encoded = encodeRLP(input)
      expect(toHex(encoded)).toBe(test.out.toLowerCase())
      const decoded = decodeRLP(hex(test.out))
      expect(decoded).toEqual(input)
      expect(toHex(encodeRLP(decoded))).toBe(test.out.toLowerCase())
    })
  }

  it('bigint "#" values decode as canonical integers', () => {
    expect(decodeUint(decodeRLP(hex(validRLPTests['bigint']!.out)), 'bigint', 33)).toBe(
      115792089237316195423570985008687907853269984665640564039457584007913129639936n,
    )
    expect(codeOf(() => decodeUint(decodeRLP(hex(validRLPTests['bigint']!.out)), 'bigint'))).toBe(
      'RLP_INT_TOO_LARGE',
    )
    expect(decodeUint(decodeRLP(hex(validRLPTests['mediumint4']!.out)), 'm')).toBe(
      83729609699884896815286331701780722n,
    )
  })

  for (const [name, test] of Object.entries(randomRLPTests)) {
    it(`RandomRLPTests/example.json ${name}: decodes and re-encodes`, () => {
      expect(toHex(encodeRLP(decodeRLP(hex(test.out))))).toBe(test.out)
    })
  }
})

/** The typed code each invalid vector must produce (our reading of why it is invalid). */
const invalidCodes: Record<string, ProtocolErrorCode> = {
  int32Overflow: 'RLP_LENGTH_OVERFLOW',
  int32Overflow2: 'RLP_LENGTH_OVERFLOW',
  wrongSizeList: 'RLP_NON_CANONICAL_SIZE',
  wrongSizeList2: 'RLP_NON_CANONICAL_SIZE',
  incorrectLengthInArray: 'RLP_LEADING_ZERO_LENGTH',
  randomRLP: 'RLP_LEADING_ZERO_LENGTH',
  bytesShouldBeSingleByte00: 'RLP_SINGLE_BYTE_NOT_CANONICAL',
  bytesShouldBeSingleByte01: 'RLP_SINGLE_BYTE_NOT_CANONICAL',
  bytesShouldBeSingleByte7F: 'RLP_SINGLE_BYTE_NOT_CANONICAL',
  leadingZerosInLongLengthArray1: 'RLP_LEADING_ZERO_LENGTH',
  leadingZerosInLongLengthArray2: 'RLP_LEADING_ZERO_LENGTH',
  leadingZerosInLongLengthList1: 'RLP_LEADING_ZERO_LENGTH',
  leadingZerosInLongLengthList2: 'RLP_LEADING_ZERO_LENGTH',
  nonOptimalLongLengthArray1: 'RLP_NON_CANONICAL_SIZE',
  nonOptimalLongLengthArray2: 'RLP_NON_CANONICAL_SIZE',
  nonOptimalLongLengthList1: 'RLP_NON_CANONICAL_SIZE',
  nonOptimalLongLengthList2: 'RLP_NON_CANONICAL_SIZE',
  emptyEncoding: 'RLP_EMPTY',
  lessThanShortLengthArray1: 'RLP_TRUNCATED',
  lessThanShortLengthArray2: 'RLP_TRUNCATED',
  lessThanShortLengthList1: 'RLP_TRUNCATED',
  lessThanShortLengthList2: 'RLP_TRUNCATED',
  lessThanLongLengthArray1: 'RLP_TRUNCATED',
  lessThanLongLengthArray2: 'RLP_TRUNCATED',
  lessThanLongLengthList1: 'RLP_TRUNCATED',
  lessThanLongLengthList2: 'RLP_LENGTH_OVERFLOW',
}

describe('ethereum/tests RLPTests/invalidRLPTest.json (attack catalogue A1)', () => {
  it('covers every vector of the file', () => {
    expect(Object.keys(invalidRLPTests).sort()).toEqual(Object.keys(invalidCodes).sort())
    expect(Object.keys(invalidRLPTests)).toHaveLength(26)
  })
  for (const [name, test] of Object.entries(invalidRLPTests)) {
    it(`${name} is rejected with ${invalidCodes[name]}`, () => {
      expect(codeOf(() => decodeRLP(hex(test.out)))).toBe(invalidCodes[name])
    })
  }
})

describe('strict decoding (attack catalogue A1: random bytes, deep nesting, huge declared lengths)', () => {
  it('rejects an item that overruns its list while the input continues', () => {
    // c2 declares 2 payload bytes; its child 0x82 declares 2 more, ending inside the outer list.
    expect(codeOf(() => decodeRLP(hex('0xc4c2820102')))).toBe('RLP_LIST_OVERRUN')
  })

  it('rejects trailing bytes after a complete item', () => {
    expect(codeOf(() => decodeRLP(hex('0x8000')))).toBe('RLP_TRAILING_BYTES')
    expect(codeOf(() => decodeRLP(hex('0xc0c0')))).toBe('RLP_TRAILING_BYTES')
  })

  it('rejects a declared length of 2^64 - 1 without allocating it', () => {
    const input = hex('0xbfffffffffffffffff00')
    expect(codeOf(() => decodeRLP(input))).toBe('RLP_LENGTH_OVERFLOW')
    // 2^32 - 1 is representable but far beyond the input: truncated, checked before any read.
    expect(codeOf(() => decodeRLP(hex('0xbbffffffff00')))).toBe('RLP_TRUNCATED')
  })

  it('rejects 10^5 nested lists without overflowing the stack', () => {
    const depth = 100_000
    // An honest encoding: every level declares the real size of the level inside it.
    const nested = nestedListBytes(depth)
    expect(codeOf(() => decodeRLP(nested))).toBe('RLP_TOO_DEEP')
    // Even with the limit lifted, the iterative decoder walks all levels without recursion.
    let item = decodeRLP(nested, { depthMax: depth })
    let levels = 1
    while (Array.isArray(item) && item.length === 1) {
      item = item[0]!
      levels++
    }
    expect(levels).toBe(depth)
  })

  it('accepts exactly depthMax levels and rejects one more', () => {
    expect(codeOf(() => decodeRLP(nestedListBytes(rlpDepthMax)))).toBe('none')
    expect(codeOf(() => decodeRLP(nestedListBytes(rlpDepthMax + 1)))).toBe('RLP_TOO_DEEP')
    let value: RLPInput = []
    for (let i = 1; i < rlpDepthMax; i++) value = [value]
    expect(toHex(encodeRLP(value))).toBe(toHex(nestedListBytes(rlpDepthMax)))
    expect(codeOf(() => encodeRLP([value]))).toBe('RLP_TOO_DEEP')
  })

  it('returns views into the input for byte strings', () => {
    const input = hex('0xc483010203')
    const item = decodeRLP(input) as Uint8Array[]
    expect(item[0]!.buffer).toBe(input.buffer)
  })
})

/** An honest RLP encoding of `depth` nested lists around an empty list, built without recursion. */
function nestedListBytes(depth: number): Uint8Array {
  const headers: Uint8Array[] = []
  let payload = 0
  for (let level = 0; level < depth; level++) {
    const header =
      payload < 56
        ? Uint8Array.of(0xc0 + payload)
        : (() => {
            const len = uintToBytes(payload)
            return Uint8Array.of(0xf7 + len.length, ...len)
          })()
    headers.push(header)
    payload += header.length
  }
  const out = new Uint8Array(payload)
  let pos = 0
  for (let level = depth - 1; level >= 0; level--) {
    out.set(headers[level]!, pos)
    pos += headers[level]!.length
  }
  return out
}

describe('errors', () => {
  it('isProtocolError tells errors of this package from other ChainErrors', () => {
    let caught: unknown
    try {
      decodeRLP(new Uint8Array(0))
    } catch (err) {
      caught = err
    }
    expect(isProtocolError(caught)).toBe(true)
    expect(isProtocolError(caught, 'RLP_EMPTY')).toBe(true)
    expect(isProtocolError(caught, 'RLP_TRUNCATED')).toBe(false)
    expect(isProtocolError(new ChainError({ code: 'KV_CLOSED' }))).toBe(false)
    expect(isProtocolError(new Error('RLP_EMPTY'))).toBe(false)
  })
})

describe('field helpers', () => {
  it('encode canonical unsigned integers', () => {
    expect(toHex(uintToBytes(0n))).toBe('0x')
    expect(toHex(uintToBytes(0))).toBe('0x')
    expect(toHex(uintToBytes(0x0f4240n))).toBe('0x0f4240')
    expect(toHex(uintToBytes(1n << 255n))).toBe(`0x80${'00'.repeat(31)}`)
    expect(toHex(uintToBytes(Number.MAX_SAFE_INTEGER))).toBe('0x1fffffffffffff')
    expect(codeOf(() => uintToBytes(1n << 256n))).toBe('PROTOCOL_INVALID_INPUT')
    expect(codeOf(() => uintToBytes(-1n))).toBe('PROTOCOL_INVALID_INPUT')
    expect(codeOf(() => uintToBytes(1.5))).toBe('PROTOCOL_INVALID_INPUT')
    expect(codeOf(() => uintToBytes(256n, 'status', 1))).toBe('PROTOCOL_INVALID_INPUT')
  })

  it('decode canonical unsigned integers strictly', () => {
    expect(decodeUint(new Uint8Array(0), 'x')).toBe(0n)
    expect(decodeUint(hex(`0x${'ff'.repeat(32)}`), 'x')).toBe((1n << 256n) - 1n)
    expect(decodeUint(hex('0x0102030405060708090a0b0c0d'), 'x')).toBe(
      0x0102030405060708090a0b0cn * 256n + 13n,
    )
    expect(codeOf(() => decodeUint(hex('0x00'), 'x'))).toBe('RLP_INT_LEADING_ZERO')
    expect(codeOf(() => decodeUint(hex(`0x01${'00'.repeat(32)}`), 'x'))).toBe('RLP_INT_TOO_LARGE')
    expect(codeOf(() => decodeUint([], 'x'))).toBe('RLP_EXPECTED_BYTES')
    expect(decodeSafeUint(hex('0x1fffffffffffff'), 'n')).toBe(Number.MAX_SAFE_INTEGER)
    expect(codeOf(() => decodeSafeUint(hex('0x20000000000000'), 'n'))).toBe('RLP_INT_TOO_LARGE')
    expect(codeOf(() => decodeSafeUint(hex('0x0100000000000000'), 'n'))).toBe('RLP_INT_TOO_LARGE')
  })

  it('check exact lengths and shapes with labelled errors', () => {
    expect(expectFixedBytes(new Uint8Array(32), 'hash', 32)).toHaveLength(32)
    try {
      expectFixedBytes(new Uint8Array(31), 'parentHash', 32)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ChainError)
      expect((err as Error).message).toBe('parentHash: expected 32 bytes, got 31')
    }
    expect(codeOf(() => expectBytes([], 'data'))).toBe('RLP_EXPECTED_BYTES')
    expect(codeOf(() => expectList(new Uint8Array(0), 'logs'))).toBe('RLP_EXPECTED_LIST')
    expect(codeOf(() => expectList([new Uint8Array(0)], 'log', [3]))).toBe('RLP_WRONG_ITEM_COUNT')
  })
})

const rlpTree: fc.Arbitrary<RLPItem> = fc.letrec<{ item: RLPItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 80 }),
    fc.array(tie('item'), { maxLength: 6 }),
  ),
})).item

describe('properties', () => {
  it('decode(encode(x)) = x for arbitrary nested structures', () => {
    fc.assert(
      fc.property(rlpTree, (tree) => {
        let depth = 0
        const measure = (t: RLPItem, d: number): void => {
          if (Array.isArray(t)) {
            depth = Math.max(depth, d + 1)
            for (const c of t) measure(c, d + 1)
          }
        }
        measure(tree, 0)
        fc.pre(depth <= rlpDepthMax)
        const encoded = encodeRLP(tree)
        expect(decodeRLP(encoded)).toEqual(tree)
      }),
      { seed: 42, numRuns: 500 },
    )
  })

  it('u256 integers round-trip through their canonical bytes', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (value) => {
        const bytes = uintToBytes(value)
        expect(bytes[0]).not.toBe(0)
        expect(bytes.length).toBe(value === 0n ? 0 : Math.ceil(value.toString(2).length / 8))
        expect(decodeUint(bytes, 'value')).toBe(value)
        expect(decodeUint(decodeRLP(encodeRLP(bytes)), 'value')).toBe(value)
      }),
      { seed: 45, numRuns: 1000 },
    )
  })

  it('single byte strings and long strings round-trip at the boundaries', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 255 }), (length, fill) => {
        const value = new Uint8Array(length).fill(fill)
        expect(decodeRLP(encodeRLP(value))).toEqual(value)
      }),
      { seed: 43, numRuns: 500 },
    )
  })

  it('decoding random bytes throws nothing but ChainError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (input) => {
        try {
          const item = decodeRLP(input)
          // Anything accepted is canonical: it re-encodes to the same bytes.
          expect(toHex(encodeRLP(item))).toBe(toHex(input))
        } catch (err) {
          expect(err).toBeInstanceOf(ChainError)
        }
      }),
      { seed: 44, numRuns: 5000 },
    )
  })
})
