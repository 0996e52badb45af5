/**
 * FISCO BCOS 2.x JSON shapes of blocks, headers, transactions and receipts, as the 2.x API
 * documentation shows them (reference/interop.md §2.2): quantities as minimal `0x` hex, node IDs
 * as 128 hex characters without `0x`, block timestamps in hex milliseconds.
 */
import type {
  Block,
  BlockHeader,
  BlockNumber,
  Bytes,
  Hash32,
  Log,
  Receipt,
  SignedTransaction,
} from '@consortia/interface'
import type { LocatedReceipt, LocatedTransaction } from './backend.js'

const ZERO_ADDRESS = `0x${'0'.repeat(40)}`

/** `0x` + lower-case hex of the bytes (`0x` for none). */
export function dataHex(bytes: Bytes): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

/** Hex without `0x` (node IDs, proof entries). */
export function plainHex(bytes: Bytes): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** Minimal `0x` hex of a quantity (`0x0` for zero). */
export function quantityHex(value: bigint | number): string {
  return `0x${value.toString(16)}`
}

/** The JSON of a transaction signature: ECDSA `v` is the recovery id, SM2 `v` the public key. */
export function signatureJSON(stx: SignedTransaction): {
  r: string
  s: string
  signature: string
  v: string
} {
  const sig = stx.tx.signature
  const word = (n: bigint) => n.toString(16).padStart(64, '0')
  if (sig.kind === 'ecdsa') {
    const recid = sig.v - 27
    return {
      r: `0x${word(sig.r)}`,
      s: `0x${word(sig.s)}`,
      signature: `0x${word(sig.r)}${word(sig.s)}${recid.toString(16).padStart(2, '0')}`,
      v: quantityHex(recid),
    }
  }
  const pub = plainHex(sig.publicKey)
  return {
    r: `0x${word(sig.r)}`,
    s: `0x${word(sig.s)}`,
    signature: `0x${word(sig.r)}${word(sig.s)}${pub}`,
    v: `0x${pub}`,
  }
}

const toHex = (stx: SignedTransaction) => (stx.tx.to === null ? ZERO_ADDRESS : dataHex(stx.tx.to))

/** A committed transaction (`getTransactionByHash`, blocks with `includeTransactions`). */
export function transactionJSON(t: LocatedTransaction): Record<string, unknown> {
  const { tx } = t.tx
  return {
    blockHash: dataHex(t.blockHash),
    blockLimit: quantityHex(tx.blockLimit),
    blockNumber: quantityHex(t.blockNumber),
    chainId: quantityHex(tx.chainId),
    extraData: dataHex(tx.extraData),
    from: dataHex(t.tx.sender),
    gas: quantityHex(tx.gas),
    gasPrice: quantityHex(tx.gasPrice),
    groupId: quantityHex(tx.groupId),
    hash: dataHex(t.tx.hash),
    input: dataHex(tx.data),
    nonce: quantityHex(tx.nonce),
    signature: signatureJSON(t.tx),
    to: toHex(t.tx),
    transactionIndex: quantityHex(t.index),
    value: quantityHex(tx.value),
  }
}

/** The short transaction of `getTransactionByHashWithProof`. */
export function proofTransactionJSON(t: LocatedTransaction): Record<string, unknown> {
  const { tx } = t.tx
  return {
    blockHash: dataHex(t.blockHash),
    blockNumber: quantityHex(t.blockNumber),
    from: dataHex(t.tx.sender),
    gas: quantityHex(tx.gas),
    gasPrice: quantityHex(tx.gasPrice),
    hash: dataHex(t.tx.hash),
    input: dataHex(tx.data),
    nonce: quantityHex(tx.nonce),
    to: toHex(t.tx),
    transactionIndex: quantityHex(t.index),
    value: quantityHex(tx.value),
  }
}

/** A pooled transaction (`getPendingTransactions`). */
export function pendingTransactionJSON(stx: SignedTransaction): Record<string, unknown> {
  const { tx } = stx
  return {
    from: dataHex(stx.sender),
    gas: quantityHex(tx.gas),
    gasPrice: quantityHex(tx.gasPrice),
    hash: dataHex(stx.hash),
    input: dataHex(tx.data),
    nonce: quantityHex(tx.nonce),
    to: toHex(stx),
    value: quantityHex(tx.value),
  }
}

/** A log of a receipt: `{address, data, topics}`. */
export function logJSON(log: Log): Record<string, unknown> {
  return { address: dataHex(log.address), data: dataHex(log.data), topics: log.topics.map(dataHex) }
}

/** A receipt as `getTransactionReceipt` returns it. */
export function receiptJSON(r: LocatedReceipt): Record<string, unknown> {
  const { receipt } = r
  return {
    blockHash: dataHex(r.blockHash),
    blockNumber: quantityHex(r.blockNumber),
    contractAddress: dataHex(receipt.contractAddress),
    from: dataHex(r.tx.sender),
    gasUsed: quantityHex(receipt.gasUsed),
    input: dataHex(r.tx.tx.data),
    logs: receipt.logs.map(logJSON),
    logsBloom: dataHex(receipt.logsBloom),
    output: dataHex(receipt.output),
    root: dataHex(receipt.stateRoot),
    status: quantityHex(receipt.status),
    to: toHex(r.tx),
    transactionHash: dataHex(r.tx.hash),
    transactionIndex: quantityHex(r.index),
  }
}

/** A receipt of `getBatchReceipts…` (no block fields, no input, no bloom). */
export function batchReceiptJSON(r: LocatedReceipt): Record<string, unknown> {
  const { receipt } = r
  return {
    contractAddress: dataHex(receipt.contractAddress),
    from: dataHex(r.tx.sender),
    gasUsed: quantityHex(receipt.gasUsed),
    logs: receipt.logs.map(logJSON),
    output: dataHex(receipt.output),
    status: quantityHex(receipt.status),
    to: toHex(r.tx),
    transactionHash: dataHex(r.tx.hash),
    transactionIndex: quantityHex(r.index),
  }
}

/** Names of FISCO receipt status codes (the channel receipt push carries `statusMsg`). */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'None',
  1: 'Unknown',
  2: 'BadRLP',
  3: 'InvalidFormat',
  4: 'OutOfGasIntrinsic',
  5: 'InvalidSignature',
  6: 'InvalidNonce',
  7: 'NotEnoughCash',
  8: 'OutOfGasBase',
  9: 'BlockGasLimitReached',
  10: 'BadInstruction',
  11: 'BadJumpDestination',
  12: 'OutOfGas',
  13: 'OutOfStack',
  14: 'StackUnderflow',
  15: 'NonceCheckFail',
  16: 'BlockLimitCheckFail',
  17: 'FilterCheckFail',
  18: 'NoDeployPermission',
  19: 'NoCallPermission',
  20: 'NoTxPermission',
  21: 'PrecompiledError',
  22: 'RevertInstruction',
  23: 'InvalidZeroSignatureFormat',
  24: 'AddressAlreadyUsed',
  25: 'PermissionDenied',
  26: 'CallAddressError',
  27: 'GasOverflow',
  28: 'TxPoolIsFull',
  29: 'TransactionRefused',
  30: 'ContractFrozen',
  31: 'AccountFrozen',
  10000: 'AlreadyKnown',
  10001: 'AlreadyInChain',
  10002: 'InvalidChainId',
  10003: 'InvalidGroupId',
  10004: 'RequestNotBelongToTheGroup',
  10005: 'MalformedTx',
  10006: 'OverGroupMemoryLimit',
}

/** The FISCO name of a receipt status (`Unknown` for codes it does not define). */
export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? 'Unknown'
}

/** The bare receipt of a channel `0x1000` push (interop.md §3.3): the receipt plus `remainGas` and `statusMsg`. */
export function pushedReceiptJSON(r: LocatedReceipt): Record<string, unknown> {
  return {
    ...receiptJSON(r),
    remainGas: quantityHex(r.receipt.remainGas ?? 0n),
    statusMsg: statusName(r.receipt.status),
  }
}

/** Header fields shared by blocks and headers. */
export function headerJSON(
  header: BlockHeader,
  hash: Hash32,
  signatures?: Block['signatureList'],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    dbHash: dataHex(header.dbHash),
    extraData: header.extraData.map(dataHex),
    gasLimit: quantityHex(header.gasLimit),
    gasUsed: quantityHex(header.gasUsed),
    hash: dataHex(hash),
    logsBloom: dataHex(header.logsBloom),
    number: quantityHex(header.number),
    parentHash: dataHex(header.parentHash),
    receiptsRoot: dataHex(header.receiptsRoot),
    sealer: quantityHex(header.sealer),
    sealerList: header.sealerList.map(plainHex),
  }
  if (signatures !== undefined) {
    out['signatureList'] = signatures.map((s) => ({
      index: quantityHex(s.index),
      signature: dataHex(s.signature),
    }))
  }
  out['stateRoot'] = dataHex(header.stateRoot)
  out['timestamp'] = quantityHex(header.timestamp)
  out['transactionsRoot'] = dataHex(header.transactionsRoot)
  return out
}

/** A block (`getBlockByHash`/`getBlockByNumber`), with full transactions or their hashes. */
export function blockJSON(
  block: Block,
  hash: Hash32,
  number: BlockNumber,
  includeTransactions: boolean,
): Record<string, unknown> {
  // As the 2.x doc examples show: the signature list only comes with full transactions.
  const header = headerJSON(block.header, hash, includeTransactions ? block.signatureList : undefined)
  const transactionsRoot = header['transactionsRoot']
  delete header['transactionsRoot']
  header['transactions'] = block.transactions.map((tx, index) =>
    includeTransactions
      ? transactionJSON({ tx, blockHash: hash, blockNumber: number, index })
      : dataHex(tx.hash),
  )
  header['transactionsRoot'] = transactionsRoot
  return header
}

/** Re-exported for receipts built from a block and an index. */
export function locatedReceipt(
  block: { block: Block; hash: Hash32; receipts: readonly Receipt[] },
  index: number,
): LocatedReceipt | undefined {
  const tx = block.block.transactions[index]
  const receipt = block.receipts[index]
  if (tx === undefined || receipt === undefined) return undefined
  return { tx, receipt, blockHash: block.hash, blockNumber: block.block.header.number, index }
}
