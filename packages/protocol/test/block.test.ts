import { type Block, type BlockHeader, ChainError, type Receipt } from '@consortia/interface'
import { keccak_256 } from '@noble/hashes/sha3.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  blockBytesMax,
  blockHeaderHash,
  blockTransactionsMax,
  bloomBytes,
  createSignedTransaction,
  decodeBlock,
  decodeBlockHeader,
  decodeBlockTransactions,
  decodeRLP,
  encodeBlock,
  encodeBlockHeader,
  encodeBlockTransactions,
  encodeRLP,
  isProtocolError,
  type ProtocolErrorCode,
  receiptHash,
} from '../src/index.js'
import {
  batchReceiptsExample,
  getBlockByHashExample,
  getBlockHeaderByHashExample,
  type HeaderJSON,
} from './fixtures/fisco-blocks.js'
import { txVectors } from './fixtures/fisco-transactions.js'
import { singleLeafMerkleRoot } from './helpers/merkle.js'
import { createTestECDSASuite, hex, toHex } from './helpers/suites.js'

function codeOf(fn: () => unknown): ProtocolErrorCode | 'none' {
  try {
    fn()
  } catch (err) {
    if (!isProtocolError(err)) throw err
    return err.type.code
  }
  return 'none'
}

function headerFromJSON(json: HeaderJSON): BlockHeader {
  return {
    parentHash: hex(json.parentHash),
    stateRoot: hex(json.stateRoot),
    transactionsRoot: hex(json.transactionsRoot),
    receiptsRoot: hex(json.receiptsRoot),
    dbHash: hex(json.dbHash),
    logsBloom: hex(json.logsBloom),
    number: Number(json.number),
    gasLimit: BigInt(json.gasLimit),
    gasUsed: BigInt(json.gasUsed),
    timestamp: Number(json.timestamp),
    extraData: json.extraData.map(hex),
    sealer: Number(json.sealer),
    sealerList: json.sealerList.map(hex),
  }
}

/** The receipt of api.md getBatchReceipts… (pre-2.9 layout), whose root equals the example block's. */
const docReceipt: Receipt = {
  stateRoot: new Uint8Array(32),
  gasUsed: BigInt(batchReceiptsExample.receipt.gasUsed),
  contractAddress: hex(batchReceiptsExample.receipt.contractAddress),
  logsBloom: new Uint8Array(bloomBytes),
  status: Number(batchReceiptsExample.receipt.status),
  output: hex(batchReceiptsExample.receipt.output),
  logs: [],
}

describe('block header hash (api.md examples)', () => {
  for (const example of [getBlockByHashExample, getBlockHeaderByHashExample]) {
    it(`recomputes ${example.hash} from the JSON fields`, () => {
      const header = headerFromJSON(example)
      expect(toHex(blockHeaderHash(header, keccak_256))).toBe(example.hash)
      const bytes = encodeBlockHeader(header)
      expect(decodeBlockHeader(bytes)).toEqual(header)
      expect(toHex(encodeBlockHeader(decodeBlockHeader(bytes)))).toBe(toHex(bytes))
    })

    it(`signatureList of ${example.hash.slice(0, 10)}… recovers to sealerList[index]`, () => {
      const suite = createTestECDSASuite()
      const hash = blockHeaderHash(headerFromJSON(example), keccak_256)
      for (const entry of example.signatureList) {
        const pub = suite.recover(hash, hex(entry.signature))
        expect(toHex(pub).slice(2)).toBe(example.sealerList[Number(entry.index)])
      }
    })
  }

  it('transactionsRoot of the getBlockByHash example is Hash(0x80 ‖ tx hash)', () => {
    const txHash = getBlockByHashExample.transactions![0]!
    expect(toHex(singleLeafMerkleRoot(hex(txHash), keccak_256))).toBe(getBlockByHashExample.transactionsRoot)
  })
})

describe('block header strict decoding', () => {
  const items = decodeRLP(encodeBlockHeader(headerFromJSON(getBlockHeaderByHashExample))) as unknown[]
  const withItem = (i: number, value: unknown) => {
    const copy = [...items]
    copy[i] = value
    return encodeRLP(copy as Uint8Array[])
  }
  const cases: [string, () => Uint8Array, ProtocolErrorCode][] = [
    ['12 items', () => encodeRLP(items.slice(0, 12) as Uint8Array[]), 'RLP_WRONG_ITEM_COUNT'],
    ['14 items', () => encodeRLP([...items, new Uint8Array(0)] as Uint8Array[]), 'RLP_WRONG_ITEM_COUNT'],
    ['31-byte parentHash', () => withItem(0, new Uint8Array(31)), 'RLP_WRONG_LENGTH'],
    ['255-byte logsBloom', () => withItem(5, new Uint8Array(255)), 'RLP_WRONG_LENGTH'],
    ['number with a leading zero', () => withItem(6, hex('0x0001')), 'RLP_INT_LEADING_ZERO'],
    ['number over 2^53', () => withItem(6, hex('0x20000000000000')), 'RLP_INT_TOO_LARGE'],
    ['gasLimit of 33 bytes', () => withItem(7, new Uint8Array(33).fill(1)), 'RLP_INT_TOO_LARGE'],
    ['extraData as bytes', () => withItem(10, new Uint8Array(0)), 'RLP_EXPECTED_LIST'],
    ['extraData with a nested list', () => withItem(10, [[]]), 'RLP_EXPECTED_BYTES'],
    ['63-byte sealer node ID', () => withItem(12, [new Uint8Array(63)]), 'RLP_WRONG_LENGTH'],
  ]
  for (const [name, build, code] of cases) {
    it(`${name} → ${code}`, () => expect(codeOf(() => decodeBlockHeader(build()))).toBe(code))
  }

  it('checks header fields on encode with labelled errors', () => {
    const header = headerFromJSON(getBlockByHashExample)
    expect(() => encodeBlockHeader({ ...header, dbHash: new Uint8Array(31) })).toThrow(
      'header.dbHash: expected 32-byte value, got 31 bytes',
    )
    expect(codeOf(() => encodeBlockHeader({ ...header, number: -1 }))).toBe('PROTOCOL_INVALID_INPUT')
    expect(codeOf(() => encodeBlockHeader({ ...header, sealerList: [new Uint8Array(65)] }))).toBe(
      'PROTOCOL_INVALID_INPUT',
    )
  })
})

describe("FISCO's block transaction container", () => {
  it('is u32le count ‖ u32le offsets[count + 1] ‖ raw txs', () => {
    const raws = [hex('0xc180'), hex('0xc28001')]
    expect(toHex(encodeBlockTransactions(raws))).toBe(
      // count 2, offsets 0, 2, 5, then the bodies
      '0x02000000000000000200000005000000c180c28001',
    )
    expect(decodeBlockTransactions(encodeBlockTransactions(raws)).map(toHex)).toEqual(raws.map(toHex))
    expect(encodeBlockTransactions([])).toHaveLength(0)
    expect(decodeBlockTransactions(new Uint8Array(0))).toEqual([])
  })

  const malformed: [string, string][] = [
    ['too short for the count', '0x0100'],
    ['count 0 in a non-empty container', '0x00000000000000000000000000'],
    ['count 2^32 - 1 with ten bytes of body', '0xffffffff000000000000'],
    ['first offset not 0', '0x01000000010000000200000080'],
    ['offsets going backwards', '0x020000000000000002000000010000008080'],
    ['an empty transaction', '0x02000000000000000000000001000000c0'],
    ['last offset short of the end', '0x010000000000000001000000c0c0'],
    ['last offset past the end', '0x010000000000000003000000c0c0'],
  ]
  for (const [name, bytes] of malformed) {
    it(`rejects ${name}`, () => {
      const code = codeOf(() => decodeBlockTransactions(hex(bytes), { maxTransactions: 2 ** 32 }))
      expect(code).toBe('BLOCK_TXS_MALFORMED')
    })
  }

  it('stops at maxTransactions (default blockTransactionsMax) before reading offsets', () => {
    const raws = Array.from({ length: 5 }, () => hex('0xc0'))
    const bytes = encodeBlockTransactions(raws)
    expect(decodeBlockTransactions(bytes, { maxTransactions: 5 })).toHaveLength(5)
    expect(codeOf(() => decodeBlockTransactions(bytes, { maxTransactions: 4 }))).toBe('BLOCK_TOO_MANY_TXS')
    const huge = new Uint8Array(12)
    new DataView(huge.buffer).setUint32(0, blockTransactionsMax + 1, true)
    expect(codeOf(() => decodeBlockTransactions(huge))).toBe('BLOCK_TOO_MANY_TXS')
  })
})

function exampleBlock(): Block {
  const suite = createTestECDSASuite()
  const tx = createSignedTransaction(hex(txVectors[4]!.raw), suite)
  return {
    header: headerFromJSON(getBlockByHashExample),
    transactions: [tx],
    signatureList: getBlockByHashExample.signatureList.map((s) => ({
      index: Number(s.index),
      signature: hex(s.signature),
    })),
  }
}

describe('blocks [header, txs, hash, sigList, receipts]', () => {
  it('round-trips the api.md example block with its receipt, checking roots and sender', () => {
    const block = exampleBlock()
    const bytes = encodeBlock(block, keccak_256, { receipts: [docReceipt] })
    const items = decodeRLP(bytes) as unknown[]
    expect(items).toHaveLength(5)
    expect(toHex(items[2] as Uint8Array)).toBe(getBlockByHashExample.hash)

    const suite = createTestECDSASuite()
    const decoded = decodeBlock(bytes, suite)
    expect(toHex(decoded.hash)).toBe(getBlockByHashExample.hash)
    expect(decoded.block).toEqual(block)
    expect(decoded.receipts).toEqual([docReceipt])
    expect(toHex(decoded.block.transactions[0]!.sender)).toBe(txVectors[4]!.sender)
    expect(toHex(encodeBlock(decoded.block, keccak_256, { receipts: decoded.receipts }))).toBe(toHex(bytes))

    // The roots in the header are those of its contents.
    const txRoot = singleLeafMerkleRoot(decoded.block.transactions[0]!.hash, keccak_256)
    expect(toHex(txRoot)).toBe(getBlockByHashExample.transactionsRoot)
    const receiptRoot = singleLeafMerkleRoot(receiptHash(decoded.receipts[0]!, keccak_256), keccak_256)
    expect(toHex(receiptRoot)).toBe(getBlockByHashExample.receiptsRoot)
  })

  it('encodes a proposal without receipts', () => {
    const bytes = encodeBlock(exampleBlock(), keccak_256)
    const decoded = decodeBlock(bytes, createTestECDSASuite())
    expect(decoded.receipts).toEqual([])
    expect(toHex((decodeRLP(bytes) as Uint8Array[])[4]!)).toBe('0x')
  })

  it('encodes an empty block with an empty transaction container', () => {
    const block: Block = { ...exampleBlock(), transactions: [] }
    const bytes = encodeBlock(block, keccak_256)
    expect(toHex((decodeRLP(bytes) as Uint8Array[])[1]!)).toBe('0x')
    expect(decodeBlock(bytes, createTestECDSASuite()).block.transactions).toEqual([])
  })

  const base = (): unknown[] =>
    decodeRLP(encodeBlock(exampleBlock(), keccak_256, { receipts: [docReceipt] })) as unknown[]
  const rebuild = (edit: (items: unknown[]) => void): Uint8Array => {
    const items = base()
    edit(items)
    return encodeRLP(items as Uint8Array[])
  }
  const cases: [string, () => Uint8Array, ProtocolErrorCode][] = [
    ['4 items (early rc1 layout)', () => rebuild((i) => i.pop()), 'RLP_WRONG_ITEM_COUNT'],
    ['6 items', () => rebuild((i) => i.push([])), 'RLP_WRONG_ITEM_COUNT'],
    ['header not a list', () => rebuild((i) => (i[0] = new Uint8Array(0))), 'RLP_EXPECTED_LIST'],
    ['txs given as a list', () => rebuild((i) => (i[1] = [])), 'RLP_EXPECTED_BYTES'],
    [
      'a malformed transaction inside',
      () =>
        rebuild((i) => {
          const bad = Uint8Array.from([...hex(txVectors[4]!.raw), 0x00]) // trailing byte
          i[1] = encodeBlockTransactions([bad])
        }),
      'RLP_TRAILING_BYTES',
    ],
    ['31-byte stored hash', () => rebuild((i) => (i[2] = new Uint8Array(31))), 'RLP_WRONG_LENGTH'],
    ['a wrong stored hash', () => rebuild((i) => (i[2] = new Uint8Array(32))), 'BLOCK_HASH_MISMATCH'],
    [
      'a 64-byte ECDSA block signature',
      () => rebuild((i) => (i[3] = [[new Uint8Array(0), new Uint8Array(64)]])),
      'RLP_WRONG_LENGTH',
    ],
    [
      'a signature entry of 3 items',
      () => rebuild((i) => (i[3] = [[new Uint8Array(0), new Uint8Array(65), new Uint8Array(0)]])),
      'RLP_WRONG_ITEM_COUNT',
    ],
    [
      'two receipts for one transaction',
      () => rebuild((i) => (i[4] = [...(i[4] as unknown[]), ...(i[4] as unknown[])])),
      'BLOCK_RECEIPTS_MISMATCH',
    ],
    ['trailing bytes', () => Uint8Array.from([...rebuild(() => {}), 0xc0]), 'RLP_TRAILING_BYTES'],
  ]
  for (const [name, build, code] of cases) {
    it(`rejects ${name} with ${code} before any signature work`, () => {
      const suite = createTestECDSASuite()
      expect(codeOf(() => decodeBlock(build(), suite))).toBe(code)
      expect(suite.recoverCalls).toBe(0)
    })
  }

  it('rejects a block over maxBytes before parsing (BLOCK_TOO_LARGE)', () => {
    const bytes = encodeBlock(exampleBlock(), keccak_256)
    const suite = createTestECDSASuite()
    expect(codeOf(() => decodeBlock(bytes, suite, { maxBytes: bytes.length - 1 }))).toBe('BLOCK_TOO_LARGE')
    expect(codeOf(() => decodeBlock(bytes, suite, { transaction: { maxBytes: 100 } }))).toBe('TX_TOO_LARGE')
    expect(suite.recoverCalls).toBe(0)
  })

  it('applies the default blockBytesMax (100 MiB) before parsing', () => {
    const suite = createTestECDSASuite()
    // Zero-filled: would fail as RLP, but the size check comes first.
    expect(codeOf(() => decodeBlock(new Uint8Array(blockBytesMax + 1), suite))).toBe('BLOCK_TOO_LARGE')
    expect(codeOf(() => decodeBlock(new Uint8Array(1).fill(0xc0), suite))).toBe('RLP_WRONG_ITEM_COUNT')
  })

  it('refuses receipts that do not match the transactions on encode', () => {
    expect(() => encodeBlock(exampleBlock(), keccak_256, { receipts: [docReceipt, docReceipt] })).toThrow(
      ChainError,
    )
  })
})

describe('properties', () => {
  const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
  const header: fc.Arbitrary<BlockHeader> = fc.record({
    parentHash: hash32,
    stateRoot: hash32,
    transactionsRoot: hash32,
    receiptsRoot: hash32,
    dbHash: hash32,
    logsBloom: fc.uint8Array({ minLength: 256, maxLength: 256 }),
    number: fc.maxSafeNat(),
    gasLimit: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
    gasUsed: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
    timestamp: fc.maxSafeNat(),
    extraData: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 }),
    sealer: fc.nat(),
    sealerList: fc.array(fc.uint8Array({ minLength: 64, maxLength: 64 }), { maxLength: 7 }),
  })

  it('header encode → decode is the identity', () => {
    fc.assert(
      fc.property(header, (h) => {
        const bytes = encodeBlockHeader(h)
        expect(decodeBlockHeader(bytes)).toEqual(h)
      }),
      { seed: 99, numRuns: 200 },
    )
  })

  it('decoding random bytes as a block throws nothing but ChainError', () => {
    const suite = createTestECDSASuite()
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeBlock(bytes, suite)
        } catch (err) {
          expect(err).toBeInstanceOf(ChainError)
        }
      }),
      { seed: 100, numRuns: 1000 },
    )
  })
})
