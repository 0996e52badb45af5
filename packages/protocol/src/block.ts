import type {
  Block,
  BlockHeader,
  BlockSignature,
  Bytes,
  CryptoSuite,
  Hash32,
  Receipt,
  SignedTransaction,
} from '@consortia/interface'
import { bloomBytes } from './bloom.js'
import { bytesToHex, describe, equalBytes, type HashFn } from './bytes.js'
import { invalidInput, protocolError } from './errors.js'
import { decodeBlockTransaction, signBlockTransaction } from './eth-transaction.js'
import { type ReceiptLayout, receiptFromRLP, receiptToRLP } from './receipt.js'
import {
  decodeRLP,
  decodeSafeUint,
  decodeUint,
  encodeRLP,
  expectBytes,
  expectFixedBytes,
  expectList,
  type RLPInput,
  type RLPItem,
  uintToBytes,
} from './rlp.js'
import type { TxDecodeOptions } from './transaction.js'

/** Default upper bound of an encoded block: FISCO's `P2PMessage::MAX_MESSAGE_LENGTH` (100 MiB). */
export const blockBytesMax = 100 * 1024 * 1024

/** Default upper bound of the transactions in one block. */
export const blockTransactionsMax = 100_000

/** Item count of a block header. */
export const blockHeaderItems = 13

/** Item count of an encoded FISCO 2.x block: `[header, txs, hash, sigList, receipts]`. */
export const blockItems = 5

function checkFixed(value: Bytes, field: string, length: number): Bytes {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw invalidInput(field, `${length}-byte value`, describe(value))
  }
  return value
}

function checkBytes(value: Bytes, field: string): Bytes {
  if (!(value instanceof Uint8Array)) throw invalidInput(field, 'Uint8Array', describe(value))
  return value
}

function checkSafe(value: number, field: string): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidInput(field, 'a non-negative safe integer', String(value))
  }
  return uintToBytes(value, field)
}

/**
 * The RLP structure of a header (reference/interop.md §1.4, FISCO `BlockHeader::streamRLPFields`):
 * `[parentHash, stateRoot, transactionsRoot, receiptsRoot, dbHash, logsBloom, number, gasLimit,
 * gasUsed, timestamp, [extraData…], sealer, [sealerList…]]`.
 */
export function blockHeaderToRLP(header: BlockHeader): RLPInput {
  return [
    checkFixed(header.parentHash, 'header.parentHash', 32),
    checkFixed(header.stateRoot, 'header.stateRoot', 32),
    checkFixed(header.transactionsRoot, 'header.transactionsRoot', 32),
    checkFixed(header.receiptsRoot, 'header.receiptsRoot', 32),
    checkFixed(header.dbHash, 'header.dbHash', 32),
    checkFixed(header.logsBloom, 'header.logsBloom', bloomBytes),
    checkSafe(header.number, 'header.number'),
    uintToBytes(header.gasLimit, 'header.gasLimit'),
    uintToBytes(header.gasUsed, 'header.gasUsed'),
    checkSafe(header.timestamp, 'header.timestamp'),
    header.extraData.map((e, i) => checkBytes(e, `header.extraData[${i}]`)),
    checkSafe(header.sealer, 'header.sealer'),
    header.sealerList.map((id, i) => checkFixed(id, `header.sealerList[${i}]`, 64)),
  ]
}

/** Reads a header from its decoded RLP list, strictly (13 items, exact lengths, canonical integers). */
export function blockHeaderFromRLP(item: RLPItem, field = 'header'): BlockHeader {
  const items = expectList(item, field, [blockHeaderItems])
  const at = (i: number): RLPItem => items[i]!
  return {
    parentHash: expectFixedBytes(at(0), `${field}.parentHash`, 32).slice(),
    stateRoot: expectFixedBytes(at(1), `${field}.stateRoot`, 32).slice(),
    transactionsRoot: expectFixedBytes(at(2), `${field}.transactionsRoot`, 32).slice(),
    receiptsRoot: expectFixedBytes(at(3), `${field}.receiptsRoot`, 32).slice(),
    dbHash: expectFixedBytes(at(4), `${field}.dbHash`, 32).slice(),
    logsBloom: expectFixedBytes(at(5), `${field}.logsBloom`, bloomBytes).slice(),
    number: decodeSafeUint(at(6), `${field}.number`),
    gasLimit: decodeUint(at(7), `${field}.gasLimit`),
    gasUsed: decodeUint(at(8), `${field}.gasUsed`),
    timestamp: decodeSafeUint(at(9), `${field}.timestamp`),
    extraData: expectList(at(10), `${field}.extraData`).map((e, i) =>
      expectBytes(e, `${field}.extraData[${i}]`).slice(),
    ),
    sealer: decodeSafeUint(at(11), `${field}.sealer`),
    sealerList: expectList(at(12), `${field}.sealerList`).map((id, i) =>
      expectFixedBytes(id, `${field}.sealerList[${i}]`, 64).slice(),
    ),
  }
}

/** Encodes a block header as RLP. */
export function encodeBlockHeader(header: BlockHeader): Bytes {
  return encodeRLP(blockHeaderToRLP(header))
}

/** Decodes an RLP block header strictly. */
export function decodeBlockHeader(bytes: Bytes): BlockHeader {
  return blockHeaderFromRLP(decodeRLP(bytes))
}

/** The block hash: `Hash(rlp(header))`. */
export function blockHeaderHash(header: BlockHeader, hash: HashFn): Hash32 {
  return hash(encodeBlockHeader(header))
}

const OFFSET_BYTES = 4
const U32_MAX = 0xffffffff

/**
 * FISCO 2.x packs a block's transactions into one byte string so that nodes can decode them in
 * parallel (`TxsParallelParser`): `u32 count ‖ u32 offsets[count + 1] ‖ tx RLPs`, little-endian
 * (FISCO writes native `uint32_t` on x86-64), offsets relative to the first tx, the last offset
 * being the end. No transactions give the empty string.
 */
export function encodeBlockTransactions(raws: readonly Bytes[]): Uint8Array {
  if (raws.length === 0) return new Uint8Array(0)
  let body = 0
  for (const raw of raws) body += raw.length
  const start = OFFSET_BYTES * (raws.length + 2)
  if (body > U32_MAX || raws.length > U32_MAX) {
    throw invalidInput('block transactions', 'at most 2^32 - 1 bytes', `${body} bytes`)
  }
  const out = new Uint8Array(start + body)
  const view = new DataView(out.buffer)
  view.setUint32(0, raws.length, true)
  let offset = 0
  for (let i = 0; i < raws.length; i++) {
    view.setUint32(OFFSET_BYTES * (i + 1), offset, true)
    out.set(raws[i]!, start + offset)
    offset += raws[i]!.length
  }
  view.setUint32(OFFSET_BYTES * (raws.length + 1), offset, true)
  return out
}

/** Options of `decodeBlockTransactions`. */
export interface BlockTransactionsOptions {
  /** Most transactions accepted. Default `blockTransactionsMax`. */
  readonly maxTransactions?: number
}

function malformed(reason: string): never {
  throw protocolError({ code: 'BLOCK_TXS_MALFORMED', reason }, `block transactions: ${reason}`)
}

/**
 * Splits FISCO's transaction container (see `encodeBlockTransactions`) into raw transactions
 * (views into `bytes`). Stricter than FISCO: the first offset must be 0, offsets must grow,
 * no transaction may be empty and the last offset must end the container exactly.
 */
export function decodeBlockTransactions(bytes: Bytes, options?: BlockTransactionsOptions): Uint8Array[] {
  const maxTransactions = options?.maxTransactions ?? blockTransactionsMax
  if (bytes.length === 0) return []
  if (bytes.length < OFFSET_BYTES) malformed(`${bytes.length} bytes cannot hold the count`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = view.getUint32(0, true)
  if (count === 0) malformed('count 0 in a non-empty container')
  if (count > maxTransactions) {
    throw protocolError(
      { code: 'BLOCK_TOO_MANY_TXS', count, maxTransactions },
      `block carries ${count} transactions; the limit is ${maxTransactions}`,
    )
  }
  // The offset table is checked against the real size before anything proportional to `count` exists.
  const start = OFFSET_BYTES * (count + 2)
  if (start >= bytes.length) malformed(`${count} transactions need more than ${bytes.length} bytes`)
  const body = bytes.length - start
  const raws: Uint8Array[] = []
  let previous = view.getUint32(OFFSET_BYTES, true)
  if (previous !== 0) malformed(`first offset is ${previous}, expected 0`)
  for (let i = 1; i <= count; i++) {
    const offset = view.getUint32(OFFSET_BYTES * (i + 1), true)
    if (offset <= previous || offset > body) malformed(`offset ${i} (${offset}) out of order or past the end`)
    raws.push(bytes.subarray(start + previous, start + offset))
    previous = offset
  }
  if (previous !== body) malformed(`last offset ${previous} leaves ${body - previous} bytes unused`)
  return raws
}

/** Options of `encodeBlock`. */
export interface BlockEncodeOptions {
  /** Receipts to store with the block (one per transaction), or none (a proposal). */
  readonly receipts?: readonly Receipt[]
  /** Receipt layout; default per receipt (see `ReceiptEncodeOptions`). */
  readonly receiptLayout?: ReceiptLayout
}

/**
 * Encodes a block as FISCO 2.x does (`Block::encode`, libethcore/Block.cpp):
 * `[header, txContainer, headerHash, [[index, signature]…], [receipts…]]`, where `txContainer`
 * is the byte string of `encodeBlockTransactions` over the transactions' raw bytes.
 */
export function encodeBlock(block: Block, hash: HashFn, options?: BlockEncodeOptions): Bytes {
  const receipts = options?.receipts ?? []
  if (receipts.length !== 0 && receipts.length !== block.transactions.length) {
    throw invalidInput('receipts', `none or ${block.transactions.length} receipts`, `${receipts.length}`)
  }
  const header = blockHeaderToRLP(block.header)
  const headerBytes = encodeRLP(header)
  const layout = options?.receiptLayout
  return encodeRLP([
    header,
    encodeBlockTransactions(block.transactions.map((tx) => tx.raw)),
    hash(headerBytes),
    block.signatureList.map((sig, i) => [
      checkSafe(sig.index, `signatureList[${i}].index`),
      checkBytes(sig.signature, `signatureList[${i}].signature`),
    ]),
    receipts.map((r) => receiptToRLP(r, layout === undefined ? undefined : { layout })),
  ])
}

/** Options of `decodeBlock`. */
export interface BlockDecodeOptions extends BlockTransactionsOptions {
  /** Largest encoded block accepted. Default `blockBytesMax`. */
  readonly maxBytes?: number
  /** Options for each transaction (its own `maxBytes`). */
  readonly transaction?: TxDecodeOptions
}

/** A decoded block with the hash it was stored under and the receipts it carried. */
export interface DecodedBlock {
  readonly block: Block
  /** The header hash, checked against the hash stored in the block. */
  readonly hash: Hash32
  /** One receipt per transaction, or none when the block carried none (a proposal). */
  readonly receipts: readonly Receipt[]
}

/**
 * Decodes a FISCO 2.x block strictly (see `encodeBlock`). Every structural check (RLP, header,
 * each transaction, signature list, receipts, stored hash) completes before the suite recovers
 * any sender. Signature entries must be `suite.signatureBytes` long.
 */
export function decodeBlock(bytes: Bytes, suite: CryptoSuite, options?: BlockDecodeOptions): DecodedBlock {
  const maxBytes = options?.maxBytes ?? blockBytesMax
  if (!(bytes instanceof Uint8Array)) throw invalidInput('block', 'Uint8Array', describe(bytes))
  if (bytes.length > maxBytes) {
    throw protocolError(
      { code: 'BLOCK_TOO_LARGE', bytes: bytes.length, maxBytes },
      `block of ${bytes.length} bytes exceeds the limit of ${maxBytes}`,
    )
  }
  const items = expectList(decodeRLP(bytes), 'block', [blockItems])
  const at = (i: number): RLPItem => items[i]!
  const header = blockHeaderFromRLP(at(0), 'block.header')
  const raws = decodeBlockTransactions(expectBytes(at(1), 'block.transactions'), options).map((raw) =>
    raw.slice(),
  )
  const txs = raws.map((raw) => decodeBlockTransaction(raw, options?.transaction))
  const stored = expectFixedBytes(at(2), 'block.hash', 32)
  const signatureList: BlockSignature[] = expectList(at(3), 'block.signatureList').map((entry, i) => {
    const [index, signature] = expectList(entry, `block.signatureList[${i}]`, [2]) as [RLPItem, RLPItem]
    return {
      index: decodeSafeUint(index, `block.signatureList[${i}].index`),
      signature: expectFixedBytes(
        signature,
        `block.signatureList[${i}].signature`,
        suite.signatureBytes,
      ).slice(),
    }
  })
  const receipts = expectList(at(4), 'block.receipts').map((r, i) =>
    receiptFromRLP(r, `block.receipts[${i}]`),
  )
  if (receipts.length !== 0 && receipts.length !== txs.length) {
    throw protocolError(
      { code: 'BLOCK_RECEIPTS_MISMATCH', transactions: txs.length, receipts: receipts.length },
      `block carries ${receipts.length} receipts for ${txs.length} transactions`,
    )
  }
  // Canonical decoding guarantees that re-encoding the header gives the bytes received.
  const hash = suite.hash(encodeRLP(at(0)))
  if (!equalBytes(hash, stored)) {
    throw protocolError(
      { code: 'BLOCK_HASH_MISMATCH', stored: bytesToHex(stored), computed: bytesToHex(hash) },
      `block hash ${bytesToHex(stored)} differs from its header hash ${bytesToHex(hash)}`,
    )
  }
  // Either kind (FISCO or an Ethereum envelope): the sender comes from the raw bytes' own signature.
  const transactions: SignedTransaction[] = txs.map((tx, i) => signBlockTransaction(tx, raws[i]!, suite))
  return { block: { header, transactions, signatureList }, hash, receipts }
}
