/**
 * Fuzzing of every decoder that reads bytes from the network (issue 17, attack catalogue rows on
 * malformed RLP, transactions and blocks): 50,000 hostile inputs per target by default — random bytes,
 * RLP length bombs, deep nesting, and mutations of the FISCO documentation's own encodings. Each
 * input must either decode or be refused with a typed `ProtocolError`, in under 100 ms, without the
 * heap growing without bound. `CONSORTIA_FUZZ_RUNS` raises the count for the long tier.
 */
import type { Block, BlockHeader, Receipt } from '@consortia/interface'
import { type FuzzTarget, formatFuzzReport, runFuzz } from '@consortia/testkit'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import {
  bloomBytes,
  createSignedTransaction,
  decodeBlock,
  decodeBlockHeader,
  decodeBlockTransactions,
  decodeLog,
  decodeReceipt,
  decodeRLP,
  decodeTransaction,
  encodeBlock,
  encodeBlockHeader,
  encodeBlockTransactions,
  encodeLog,
  encodeReceipt,
  isProtocolError,
} from '../src/index.js'
import { batchReceiptsExample, getBlockByHashExample } from './fixtures/fisco-blocks.js'
import { txVectors } from './fixtures/fisco-transactions.js'
import { validRLPTests } from './fixtures/rlp-tests.js'
import { createTestECDSASuite, hex } from './helpers/suites.js'

const suite = createTestECDSASuite()
const txs = txVectors.map((v) => hex(v.raw))

/** Header of the api.md getBlockByHash example (source: FISCO BCOS 2.x JSON-RPC docs). */
const header: BlockHeader = {
  parentHash: hex(getBlockByHashExample.parentHash),
  stateRoot: hex(getBlockByHashExample.stateRoot),
  transactionsRoot: hex(getBlockByHashExample.transactionsRoot),
  receiptsRoot: hex(getBlockByHashExample.receiptsRoot),
  dbHash: hex(getBlockByHashExample.dbHash),
  logsBloom: hex(getBlockByHashExample.logsBloom),
  number: Number(getBlockByHashExample.number),
  gasLimit: BigInt(getBlockByHashExample.gasLimit),
  gasUsed: BigInt(getBlockByHashExample.gasUsed),
  timestamp: Number(getBlockByHashExample.timestamp),
  extraData: getBlockByHashExample.extraData.map(hex),
  sealer: Number(getBlockByHashExample.sealer),
  sealerList: getBlockByHashExample.sealerList.map(hex),
}
const receipt: Receipt = {
  stateRoot: new Uint8Array(32),
  gasUsed: BigInt(batchReceiptsExample.receipt.gasUsed),
  contractAddress: hex(batchReceiptsExample.receipt.contractAddress),
  logsBloom: new Uint8Array(bloomBytes),
  status: Number(batchReceiptsExample.receipt.status),
  output: hex(batchReceiptsExample.receipt.output),
  logs: [{ address: new Uint8Array(20).fill(7), topics: [new Uint8Array(32).fill(1)], data: hex('0x0102') }],
}
const block: Block = {
  header,
  transactions: [createSignedTransaction(txs[4]!, suite)],
  signatureList: getBlockByHashExample.signatureList.map((s) => ({
    index: Number(s.index),
    signature: hex(s.signature),
  })),
}

const targets: FuzzTarget[] = [
  {
    name: 'protocol.decodeRLP',
    seeds: Object.values(validRLPTests).map((t) => hex(t.out)),
    run: (input) => decodeRLP(input),
    isExpected: (err) => isProtocolError(err),
  },
  {
    name: 'protocol.decodeTransaction',
    seeds: txs,
    run: (input) => decodeTransaction(input),
    isExpected: (err) => isProtocolError(err),
  },
  {
    name: 'protocol.decodeBlockHeader',
    seeds: [encodeBlockHeader(header)],
    run: (input) => decodeBlockHeader(input),
    isExpected: (err) => isProtocolError(err),
  },
  {
    name: 'protocol.decodeBlockTransactions',
    seeds: [encodeBlockTransactions(txs), encodeBlockTransactions([])],
    run: (input) => decodeBlockTransactions(input),
    isExpected: (err) => isProtocolError(err),
  },
  {
    name: 'protocol.decodeBlock',
    seeds: [encodeBlock(block, keccak_256, { receipts: [receipt] }), encodeBlock(block, keccak_256)],
    run: (input) => decodeBlock(input, suite),
    isExpected: (err) => isProtocolError(err),
  },
  {
    name: 'protocol.decodeReceipt',
    seeds: [encodeReceipt(receipt)],
    run: (input) => decodeReceipt(input),
    isExpected: (err) => isProtocolError(err),
  },
  {
    name: 'protocol.decodeLog',
    seeds: [encodeLog(receipt.logs[0]!)],
    run: (input) => decodeLog(input),
    isExpected: (err) => isProtocolError(err),
  },
]

describe('fuzzing the network decoders (attack catalogue A1, A2, A9)', () => {
  for (const target of targets) {
    it(`${target.name} survives hostile input`, () => {
      const report = runFuzz(target)
      console.info(formatFuzzReport(report))
      expect(report.failures).toEqual([])
      // The mutators must reach past the first check: some inputs decode, some are refused.
      expect(report.refused).toBeGreaterThan(0)
    }, 240_000)
  }
})
