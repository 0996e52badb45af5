import type { Bytes, Hash32, Log, Receipt } from '@consortia/interface'
import { bloomBytes } from './bloom.js'
import { describe, type HashFn } from './bytes.js'
import { invalidInput } from './errors.js'
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

/**
 * Receipt RLP layouts. `v2.9`: `[stateRoot, gasUsed, contractAddress, logsBloom, status, output,
 * remainGas, logs]` (FISCO ≥ 2.9). `legacy`: the same without `remainGas` (7 items).
 */
export type ReceiptLayout = 'v2.9' | 'legacy'

/** Options of `encodeReceipt` and `receiptHash`. */
export interface ReceiptEncodeOptions {
  /** Default: `v2.9` when the receipt has `remainGas`, else `legacy`. */
  readonly layout?: ReceiptLayout
}

/** Largest receipt status: FISCO stores it as a `uint32_t` `TransactionException`. */
export const receiptStatusMax = 0xffffffff

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

/** The RLP structure of a log: `[address, [topics…], data]`. */
export function logToRLP(log: Log, field = 'log'): RLPInput {
  return [
    checkFixed(log.address, `${field}.address`, 20),
    log.topics.map((t, i) => checkFixed(t, `${field}.topics[${i}]`, 32)),
    checkBytes(log.data, `${field}.data`),
  ]
}

/** Reads a log from its decoded RLP list, strictly. */
export function logFromRLP(item: RLPItem, field = 'log'): Log {
  const [address, topics, data] = expectList(item, field, [3]) as [RLPItem, RLPItem, RLPItem]
  return {
    address: expectFixedBytes(address, `${field}.address`, 20).slice(),
    topics: expectList(topics, `${field}.topics`).map((t, i) =>
      expectFixedBytes(t, `${field}.topics[${i}]`, 32).slice(),
    ),
    data: expectBytes(data, `${field}.data`).slice(),
  }
}

/** Encodes one log as RLP. */
export function encodeLog(log: Log): Bytes {
  return encodeRLP(logToRLP(log))
}

/** Decodes one RLP log strictly. */
export function decodeLog(bytes: Bytes): Log {
  return logFromRLP(decodeRLP(bytes))
}

/** The RLP structure of a receipt in the chosen layout. */
export function receiptToRLP(receipt: Receipt, options?: ReceiptEncodeOptions): RLPInput {
  const layout = options?.layout ?? (receipt.remainGas === undefined ? 'legacy' : 'v2.9')
  if (layout !== 'v2.9' && layout !== 'legacy')
    throw invalidInput('layout', "'v2.9' or 'legacy'", String(layout))
  if (!Number.isInteger(receipt.status) || receipt.status < 0 || receipt.status > receiptStatusMax) {
    throw invalidInput('receipt.status', 'an integer in [0, 2^32)', String(receipt.status))
  }
  const items: RLPInput[] = [
    checkFixed(receipt.stateRoot, 'receipt.stateRoot', 32),
    uintToBytes(receipt.gasUsed, 'receipt.gasUsed'),
    checkFixed(receipt.contractAddress, 'receipt.contractAddress', 20),
    checkFixed(receipt.logsBloom, 'receipt.logsBloom', bloomBytes),
    uintToBytes(receipt.status, 'receipt.status'),
    checkBytes(receipt.output, 'receipt.output'),
  ]
  if (layout === 'v2.9') {
    if (receipt.remainGas === undefined)
      throw invalidInput('receipt.remainGas', 'a u256 for layout v2.9', 'undefined')
    items.push(uintToBytes(receipt.remainGas, 'receipt.remainGas'))
  }
  items.push(receipt.logs.map((log, i) => logToRLP(log, `receipt.logs[${i}]`)))
  return items
}

/** Reads a receipt from its decoded RLP list; the layout follows from the item count (8 or 7). */
export function receiptFromRLP(item: RLPItem, field = 'receipt'): Receipt {
  const items = expectList(item, field, [8, 7])
  const at = (i: number): RLPItem => items[i]!
  const stateRoot = expectFixedBytes(at(0), `${field}.stateRoot`, 32).slice()
  const gasUsed = decodeUint(at(1), `${field}.gasUsed`)
  const contractAddress = expectFixedBytes(at(2), `${field}.contractAddress`, 20).slice()
  const logsBloom = expectFixedBytes(at(3), `${field}.logsBloom`, bloomBytes).slice()
  const status = decodeSafeUint(at(4), `${field}.status`)
  if (status > receiptStatusMax) {
    throw invalidInput(`${field}.status`, 'an integer in [0, 2^32)', String(status))
  }
  const output = expectBytes(at(5), `${field}.output`).slice()
  const hasRemainGas = items.length === 8
  const remainGas = hasRemainGas ? decodeUint(at(6), `${field}.remainGas`) : undefined
  const logs = expectList(at(hasRemainGas ? 7 : 6), `${field}.logs`).map((l, i) =>
    logFromRLP(l, `${field}.logs[${i}]`),
  )
  const base = { stateRoot, gasUsed, contractAddress, logsBloom, status, output, logs }
  return remainGas === undefined ? base : { ...base, remainGas }
}

/** Encodes a receipt: 2.9+ layout with `remainGas`, or the legacy 7-item layout (see `ReceiptLayout`). */
export function encodeReceipt(receipt: Receipt, options?: ReceiptEncodeOptions): Bytes {
  return encodeRLP(receiptToRLP(receipt, options))
}

/** Decodes a receipt of either layout strictly; `remainGas` is set only for the 2.9+ layout. */
export function decodeReceipt(bytes: Bytes): Receipt {
  return receiptFromRLP(decodeRLP(bytes))
}

/** `Hash(receiptRLP)`: the item hash of the receipts Merkle root. */
export function receiptHash(receipt: Receipt, hash: HashFn, options?: ReceiptEncodeOptions): Hash32 {
  return hash(encodeReceipt(receipt, options))
}
