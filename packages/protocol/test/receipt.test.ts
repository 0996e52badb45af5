import { createHash } from 'node:crypto'
import { ChainError, type Log, type Receipt } from '@consortia/interface'
import { keccak_256 } from '@noble/hashes/sha3.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bloomAdd,
  bloomBytes,
  bloomContains,
  bloomMerge,
  createBloom,
  decodeLog,
  decodeReceipt,
  decodeRLP,
  encodeLog,
  encodeReceipt,
  encodeRLP,
  isProtocolError,
  logsBloom,
  type ProtocolErrorCode,
  receiptHash,
} from '../src/index.js'
import { approvalLogBloom } from './fixtures/bloom-vectors.js'
import { batchReceiptsExample } from './fixtures/fisco-blocks.js'
import { singleLeafMerkleRoot } from './helpers/merkle.js'
import { hex, toHex } from './helpers/suites.js'

const sm3 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sm3').update(data).digest())

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' {
  try {
    fn()
  } catch (err) {
    if (!isProtocolError(err)) throw err
    return err.type.code
  }
  return 'none'
}

/** The receipt of api.md getBatchReceipts…: zero root, address and bloom (pre-2.9, no remainGas). */
const docReceipt: Receipt = {
  stateRoot: new Uint8Array(32),
  gasUsed: BigInt(batchReceiptsExample.receipt.gasUsed),
  contractAddress: hex(batchReceiptsExample.receipt.contractAddress),
  logsBloom: new Uint8Array(bloomBytes),
  status: Number(batchReceiptsExample.receipt.status),
  output: hex(batchReceiptsExample.receipt.output),
  logs: [],
}

describe('receipts', () => {
  it('recomputes the documented receiptsRoot 0x69a04fa6… from the pre-2.9 receipt', () => {
    const leafHash = receiptHash(docReceipt, keccak_256)
    expect(toHex(singleLeafMerkleRoot(leafHash, keccak_256))).toBe(batchReceiptsExample.receiptRoot)
    // The 2.9+ layout hashes differently, so it cannot be what the docs' chain stored.
    const withRemainGas = receiptHash({ ...docReceipt, remainGas: 0n }, keccak_256)
    expect(toHex(singleLeafMerkleRoot(withRemainGas, keccak_256))).not.toBe(batchReceiptsExample.receiptRoot)
  })

  it('decodes both layouts and re-encodes byte-identically', () => {
    const legacy = encodeReceipt(docReceipt)
    expect(decodeRLP(legacy)).toHaveLength(7)
    const decoded = decodeReceipt(legacy)
    expect(decoded).toEqual(docReceipt)
    expect('remainGas' in decoded).toBe(false)
    expect(toHex(encodeReceipt(decoded))).toBe(toHex(legacy))

    const modern: Receipt = { ...docReceipt, remainGas: 300_000_000n - 0x5798n, logs: [sampleLog()] }
    const bytes = encodeReceipt(modern)
    const items = decodeRLP(bytes) as Uint8Array[]
    expect(items).toHaveLength(8)
    expect(toHex(items[6]!)).toBe('0x11e14b68') // 300,000,000 − 0x5798
    expect(decodeReceipt(bytes)).toEqual(modern)
  })

  it('encodes the layout the flag asks for', () => {
    const modern: Receipt = { ...docReceipt, remainGas: 5n }
    expect(decodeRLP(encodeReceipt(modern, { layout: 'legacy' }))).toHaveLength(7)
    expect(decodeRLP(encodeReceipt(modern, { layout: 'v2.9' }))).toHaveLength(8)
    expect(decodeRLP(encodeReceipt(modern))).toHaveLength(8)
    expect(codeOf(() => encodeReceipt(docReceipt, { layout: 'v2.9' }))).toBe('PROTOCOL_INVALID_INPUT')
  })

  it('rejects malformed receipts with typed errors', () => {
    const items = decodeRLP(encodeReceipt(docReceipt)) as Uint8Array[]
    const withItem = (i: number, value: Uint8Array | unknown[]) => {
      const copy: unknown[] = [...items]
      copy[i] = value
      return encodeRLP(copy as Uint8Array[])
    }
    expect(codeOf(() => decodeReceipt(encodeRLP(items.slice(0, 6))))).toBe('RLP_WRONG_ITEM_COUNT')
    expect(codeOf(() => decodeReceipt(withItem(0, new Uint8Array(31))))).toBe('RLP_WRONG_LENGTH')
    expect(codeOf(() => decodeReceipt(withItem(2, new Uint8Array(21))))).toBe('RLP_WRONG_LENGTH')
    expect(codeOf(() => decodeReceipt(withItem(3, new Uint8Array(255))))).toBe('RLP_WRONG_LENGTH')
    expect(codeOf(() => decodeReceipt(withItem(4, hex('0x001a'))))).toBe('RLP_INT_LEADING_ZERO')
    expect(codeOf(() => decodeReceipt(withItem(4, hex('0x0100000000'))))).toBe('PROTOCOL_INVALID_INPUT')
    expect(codeOf(() => decodeReceipt(withItem(5, [])))).toBe('RLP_EXPECTED_BYTES')
    expect(codeOf(() => decodeReceipt(withItem(6, new Uint8Array(0))))).toBe('RLP_EXPECTED_LIST')
    expect(codeOf(() => decodeReceipt(withItem(6, [[new Uint8Array(20), []]])))).toBe('RLP_WRONG_ITEM_COUNT')
    expect(codeOf(() => decodeReceipt(Uint8Array.from([...encodeReceipt(docReceipt), 0x80])))).toBe(
      'RLP_TRAILING_BYTES',
    )
  })

  it('checks receipt fields on encode', () => {
    expect(codeOf(() => encodeReceipt({ ...docReceipt, status: -1 }))).toBe('PROTOCOL_INVALID_INPUT')
    expect(codeOf(() => encodeReceipt({ ...docReceipt, stateRoot: new Uint8Array(31) }))).toBe(
      'PROTOCOL_INVALID_INPUT',
    )
    expect(
      codeOf(() => encodeReceipt({ ...docReceipt, logs: [{ ...sampleLog(), topics: [new Uint8Array(1)] }] })),
    ).toBe('PROTOCOL_INVALID_INPUT')
  })
})

function sampleLog(): Log {
  return {
    address: hex(approvalLogBloom.address),
    topics: approvalLogBloom.topics.map(hex),
    data: hex(`0x${'00'.repeat(31)}64`),
  }
}

describe('logs', () => {
  it('encode as [address, [topics…], data] and decode strictly', () => {
    const log = sampleLog()
    const bytes = encodeLog(log)
    const [address, topics, data] = decodeRLP(bytes) as [Uint8Array, Uint8Array[], Uint8Array]
    expect(toHex(address)).toBe(approvalLogBloom.address)
    expect(topics.map(toHex)).toEqual(approvalLogBloom.topics)
    expect(data).toHaveLength(32)
    expect(decodeLog(bytes)).toEqual(log)
    expect(codeOf(() => decodeLog(encodeRLP([new Uint8Array(19), [], new Uint8Array(0)])))).toBe(
      'RLP_WRONG_LENGTH',
    )
    expect(
      codeOf(() => decodeLog(encodeRLP([new Uint8Array(20), [new Uint8Array(31)], new Uint8Array(0)]))),
    ).toBe('RLP_WRONG_LENGTH')
    expect(
      codeOf(() => decodeLog(encodeRLP([new Uint8Array(20), new Uint8Array(0), new Uint8Array(0)]))),
    ).toBe('RLP_EXPECTED_LIST')
  })
})

describe('logs bloom', () => {
  it('matches the ethereumjs Approval-log vector (Keccak-256)', () => {
    expect(toHex(logsBloom([sampleLog()], keccak_256))).toBe(approvalLogBloom.bloom)
  })

  it('sets three bits per value from the first three byte pairs of Hash(value)', () => {
    const bloom = createBloom()
    const value = hex('0x1d7022f5b17d2f8b695918fb48fa1089c9f85401')
    bloomAdd(bloom, value, keccak_256)
    const h = keccak_256(value)
    const expected = createBloom()
    for (const i of [0, 2, 4]) {
      const bit = ((h[i]! << 8) | h[i + 1]!) & 2047
      expected[255 - Math.floor(bit / 8)]! |= 1 << (bit % 8)
    }
    expect(toHex(bloom)).toBe(toHex(expected))
    let bits = 0
    for (const b of bloom) bits += b.toString(2).split('1').length - 1
    expect(bits).toBeGreaterThanOrEqual(1)
    expect(bits).toBeLessThanOrEqual(3)
  })

  it('uses the injected hash (SM3 on guomi chains)', () => {
    const log = sampleLog()
    const smBloom = logsBloom([log], sm3)
    expect(toHex(smBloom)).not.toBe(approvalLogBloom.bloom)
    expect(bloomContains(smBloom, log.address, sm3)).toBe(true)
    for (const topic of log.topics) expect(bloomContains(smBloom, topic, sm3)).toBe(true)
  })

  it('never gives a false negative, and merges blooms', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 20 }),
        (values) => {
          const a = createBloom()
          const b = createBloom()
          for (const [i, v] of values.entries()) bloomAdd(i % 2 === 0 ? a : b, v, keccak_256)
          bloomMerge(a, b)
          for (const v of values) expect(bloomContains(a, v, keccak_256)).toBe(true)
        },
      ),
      { seed: 5, numRuns: 200 },
    )
    expect(bloomContains(createBloom(), hex('0x01'), keccak_256)).toBe(false)
  })

  it('rejects blooms that are not 256 bytes', () => {
    expect(() => bloomAdd(new Uint8Array(255), hex('0x01'), keccak_256)).toThrow(ChainError)
    expect(() => bloomMerge(createBloom(), new Uint8Array(257))).toThrow(ChainError)
  })
})
