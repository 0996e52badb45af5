/**
 * Ethereum-origin transactions inside the chain's model (`format: 'eth'`): strict decoding of
 * Ethereum signed envelopes (legacy, EIP-155, EIP-2930 `0x01`, EIP-1559 `0x02`), their signing
 * payloads, sender recovery through the chain's ECDSA suite, and the mapping onto
 * `EthTransaction`. Block transaction lists carry the Ethereum bytes unchanged; every node
 * re-derives the sender from them (`createBlockTransaction`).
 *
 * Telling the kinds apart needs no marker: a FISCO transaction is an RLP list of 13 (RC2) or
 * 10 (RC1) items, an Ethereum legacy transaction a list of 9 items, and a typed envelope
 * starts with a byte below 0x80 (a list starts at 0xc0).
 */
import type {
  Address,
  Bytes,
  CryptoSuite,
  EthAccessListEntry,
  EthTransaction,
  EthTxInfo,
  EthTxType,
  SignedTransaction,
  Transaction,
} from '@consortia/interface'
import { describe, type HashFn } from './bytes.js'
import { invalidInput, protocolError } from './errors.js'
import {
  decodeRLP,
  decodeUint,
  encodeRLP,
  expectBytes,
  expectFixedBytes,
  expectList,
  type RLPInput,
  type RLPItem,
  uintToBytes,
} from './rlp.js'
import { decodeTransaction, recoverSenderFromRaw, type TxDecodeOptions, txBytesMax } from './transaction.js'

/** Item count of an Ethereum legacy (and EIP-155) transaction. */
export const ethLegacyItems = 9

/** `blockLimit` of an Ethereum-origin transaction: it never expires by height (its nonce guards it). */
export const ETH_TX_BLOCK_LIMIT = (1n << 63n) - 1n

/** secp256k1 group order. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** Most entries of an access list, and most storage keys over all entries (bounds decode work). */
export const ETH_ACCESS_LIST_ITEMS_MAX = 4096

/** A decoded Ethereum envelope: every field, no signature work done yet. */
export interface DecodedEthTransaction {
  readonly info: EthTxInfo
  readonly gas: bigint
  readonly to: Address | null
  readonly value: bigint
  readonly data: Bytes
  readonly r: bigint
  readonly s: bigint
  /** The bytes the sender signed (`keccak256` of them is the signing hash). */
  readonly signingPayload: Bytes
}

/**
 * The Ethereum chain id of a group: the chain id itself for group 1, and
 * `chainId · 2^16 + groupId` for the others, so a transaction signed for one group can never
 * run in another group of the same chain.
 */
export function ethChainIdOf(chainId: bigint, groupId: number | bigint): bigint {
  const g = BigInt(groupId)
  return g === 1n ? chainId : (chainId << 16n) | g
}

/** Number of top-level items of an RLP list at the start of `raw`, or undefined when it is not one. */
function listItemCount(raw: Bytes): number | undefined {
  const b = raw[0]
  if (b === undefined || b < 0xc0) return undefined
  let pos: number
  let end: number
  if (b <= 0xf7) {
    pos = 1
    end = 1 + b - 0xc0
  } else {
    const n = b - 0xf7
    if (raw.length < 1 + n) return undefined
    let len = 0
    for (let i = 1; i <= n; i++) len = len * 256 + raw[i]!
    pos = 1 + n
    end = pos + len
  }
  if (end > raw.length) return undefined
  let count = 0
  while (pos < end) {
    const h = raw[pos]!
    if (h < 0x80) pos += 1
    else if (h <= 0xb7) pos += 1 + h - 0x80
    else if (h <= 0xf7 && h >= 0xc0) pos += 1 + h - 0xc0
    else {
      const n = h <= 0xbf ? h - 0xb7 : h - 0xf7
      if (pos + n >= raw.length) return undefined
      let len = 0
      for (let i = 1; i <= n; i++) len = len * 256 + raw[pos + i]!
      pos += 1 + n + len
    }
    count++
    if (count > 16) return count
  }
  return pos === end ? count : undefined
}

/**
 * True when `raw` is an Ethereum envelope rather than a FISCO transaction: a typed envelope
 * (first byte below 0x80) or an RLP list of 9 items. Cheap (walks the top-level headers only).
 */
export function isEthTransactionRaw(raw: Bytes): boolean {
  if (!(raw instanceof Uint8Array) || raw.length === 0) return false
  if (raw[0]! < 0x80) return true
  return listItemCount(raw) === ethLegacyItems
}

function address(item: RLPItem, field: string): Address | null {
  const bytes = expectBytes(item, field)
  if (bytes.length === 0) return null
  if (bytes.length !== 20) {
    throw protocolError(
      { code: 'RLP_WRONG_LENGTH', field, expected: '0 or 20', actual: bytes.length },
      `${field}: expected 20 bytes (or empty for contract creation), got ${bytes.length}`,
    )
  }
  return bytes.slice()
}

function accessList(item: RLPItem): EthAccessListEntry[] {
  const entries = expectList(item, 'accessList')
  let total = entries.length
  return entries.map((entry, i) => {
    const [addr, keys] = expectList(entry, `accessList[${i}]`, [2]) as [RLPItem, RLPItem]
    const keyItems = expectList(keys, `accessList[${i}].storageKeys`)
    total += keyItems.length
    if (total > ETH_ACCESS_LIST_ITEMS_MAX) {
      throw protocolError(
        {
          code: 'RLP_WRONG_ITEM_COUNT',
          field: 'accessList',
          expected: `at most ${ETH_ACCESS_LIST_ITEMS_MAX} entries and keys`,
          actual: total,
        },
        `accessList: more than ${ETH_ACCESS_LIST_ITEMS_MAX} entries and keys`,
      )
    }
    return {
      address: expectFixedBytes(addr, `accessList[${i}].address`, 20).slice(),
      storageKeys: keyItems.map((k, j) =>
        expectFixedBytes(k, `accessList[${i}].storageKeys[${j}]`, 32).slice(),
      ),
    }
  })
}

function parity(item: RLPItem): number {
  const v = decodeUint(item, 'yParity')
  if (v > 1n) {
    throw protocolError({ code: 'TX_BAD_V', reason: `yParity must be 0 or 1, got ${v}` }, `yParity: ${v}`)
  }
  return Number(v)
}

/**
 * Strictly decodes an Ethereum signed envelope (no signature work): size first, canonical RLP,
 * exact item counts, 0/20-byte `to`, 20/32-byte access list entries, `v`/`yParity` shapes.
 * Throws `TX_ETH_UNSUPPORTED_TYPE` for typed envelopes other than 0x01 and 0x02 (blob and
 * set-code transactions have no meaning on this chain).
 */
export function decodeEthTransaction(raw: Bytes, options?: TxDecodeOptions): DecodedEthTransaction {
  const maxBytes = options?.maxBytes ?? txBytesMax
  if (!(raw instanceof Uint8Array)) throw invalidInput('raw transaction', 'Uint8Array', describe(raw))
  if (raw.length > maxBytes) {
    throw protocolError(
      { code: 'TX_TOO_LARGE', bytes: raw.length, maxBytes },
      `transaction of ${raw.length} bytes exceeds the limit of ${maxBytes}`,
    )
  }
  const first = raw[0]
  if (first !== undefined && first < 0x80) {
    if (first !== 0x01 && first !== 0x02) {
      throw protocolError(
        { code: 'TX_ETH_UNSUPPORTED_TYPE', type: first },
        `Ethereum transaction type 0x${first.toString(16).padStart(2, '0')} is not supported (0x01, 0x02 and legacy are)`,
      )
    }
    const is1559 = first === 0x02
    const items = expectList(decodeRLP(raw.subarray(1)), 'transaction', [is1559 ? 12 : 11])
    const at = (i: number) => items[i]!
    const chainId = decodeUint(at(0), 'chainId')
    const nonce = decodeUint(at(1), 'nonce', 8)
    const priority = decodeUint(at(2), is1559 ? 'maxPriorityFeePerGas' : 'gasPrice')
    const k = is1559 ? 1 : 0
    const maxFee = is1559 ? decodeUint(at(3), 'maxFeePerGas') : priority
    const signed = is1559 ? 9 : 8
    const body = encodeRLP(items.slice(0, signed) as RLPInput[])
    const signingPayload = new Uint8Array(1 + body.length)
    signingPayload[0] = first
    signingPayload.set(body, 1)
    const type: EthTxType = is1559 ? 'eip1559' : 'eip2930'
    return {
      info: {
        type,
        chainId,
        nonce,
        maxFeePerGas: maxFee,
        maxPriorityFeePerGas: priority,
        accessList: accessList(at(7 + k)),
        yParity: parity(at(8 + k)),
      },
      gas: decodeUint(at(3 + k), 'gas'),
      to: address(at(4 + k), 'to'),
      value: decodeUint(at(5 + k), 'value'),
      data: expectBytes(at(6 + k), 'data').slice(),
      r: decodeUint(at(9 + k), 'r'),
      s: decodeUint(at(10 + k), 's'),
      signingPayload,
    }
  }
  const items = expectList(decodeRLP(raw), 'transaction', [ethLegacyItems])
  const at = (i: number) => items[i]!
  const v = decodeUint(at(6), 'v')
  let chainId: bigint | undefined
  let yParity: number
  let type: EthTxType
  if (v === 27n || v === 28n) {
    type = 'legacy'
    yParity = Number(v - 27n)
  } else if (v >= 35n) {
    type = 'eip155'
    chainId = (v - 35n) / 2n
    yParity = Number((v - 35n) % 2n)
  } else {
    throw protocolError(
      { code: 'TX_BAD_V', reason: `legacy v must be 27, 28 or ≥ 35 (EIP-155), got ${v}` },
      `v: legacy v must be 27, 28 or ≥ 35 (EIP-155), got ${v}`,
    )
  }
  const gasPrice = decodeUint(at(1), 'gasPrice')
  const unsigned: RLPInput[] = items.slice(0, 6) as RLPInput[]
  if (chainId !== undefined)
    unsigned.push(uintToBytes(chainId, 'chainId'), new Uint8Array(0), new Uint8Array(0))
  return {
    info: {
      type,
      chainId,
      nonce: decodeUint(at(0), 'nonce', 8),
      maxFeePerGas: gasPrice,
      maxPriorityFeePerGas: gasPrice,
      accessList: [],
      yParity,
    },
    gas: decodeUint(at(2), 'gas'),
    to: address(at(3), 'to'),
    value: decodeUint(at(4), 'value'),
    data: expectBytes(at(5), 'data').slice(),
    r: decodeUint(at(7), 'r'),
    s: decodeUint(at(8), 's'),
    signingPayload: encodeRLP(unsigned),
  }
}

/**
 * The 65-byte `r‖s‖yParity` signature of a decoded envelope, as the ECDSA suite's `recover`
 * takes it. Throws `TX_BAD_SIGNATURE` for r or s outside 1..n−1 and for a high s (EIP-2).
 */
export function ethSignatureBytes(tx: DecodedEthTransaction): Bytes {
  if (tx.r === 0n || tx.r >= SECP256K1_N || tx.s === 0n || tx.s > SECP256K1_N / 2n) {
    const reason = 'r or s out of range (EIP-2 requires 0 < s ≤ n/2)'
    throw protocolError({ code: 'TX_BAD_SIGNATURE', reason }, `invalid transaction signature: ${reason}`)
  }
  const out = new Uint8Array(65)
  const put = (value: bigint, at: number) => {
    const b = uintToBytes(value, 'signature')
    out.set(b, at + 32 - b.length)
  }
  put(tx.r, 0)
  put(tx.s, 32)
  out[64] = tx.info.yParity
  return out
}

/**
 * The FISCO replay key of an Ethereum transaction: `keccak256(rlp([sender, nonce]))` as a u256
 * (the FISCO `nonce` field), unique per sender and Ethereum nonce, so the nonce window and the
 * pool refuse a second transaction with the same sender and nonce.
 */
export function ethReplayKey(sender: Address, nonce: bigint, keccak256: HashFn): bigint {
  const digest = keccak256(encodeRLP([sender, uintToBytes(nonce, 'nonce')]))
  let out = 0n
  for (const b of digest) out = (out << 8n) | BigInt(b)
  return out
}

/** The chain-model `EthTransaction` of a decoded envelope whose sender is known. */
export function ethTransactionOf(
  tx: DecodedEthTransaction,
  sender: Address,
  keccak256: HashFn,
): EthTransaction {
  return {
    format: 'eth',
    nonce: ethReplayKey(sender, tx.info.nonce, keccak256),
    gasPrice: tx.info.maxFeePerGas,
    gas: tx.gas,
    blockLimit: ETH_TX_BLOCK_LIMIT,
    to: tx.to,
    value: tx.value,
    data: tx.data,
    chainId: tx.info.chainId ?? 0n,
    groupId: 0n,
    extraData: new Uint8Array(0),
    signature: { kind: 'ecdsa', v: 27 + tx.info.yParity, r: tx.r, s: tx.s },
    eth: tx.info,
  }
}

function checkSuite(suite: CryptoSuite): void {
  if (suite.name !== 'ecdsa') {
    throw protocolError(
      { code: 'TX_SUITE_MISMATCH', signature: 'ecdsa', suite: suite.name },
      `an Ethereum transaction cannot be checked by the ${suite.name} suite (secp256k1 and Keccak-256 only)`,
    )
  }
}

/** Recovers the sender of a decoded envelope with the chain's ECDSA suite. */
export function recoverEthSender(tx: DecodedEthTransaction, suite: CryptoSuite): Address {
  checkSuite(suite)
  const signature = ethSignatureBytes(tx)
  let publicKey: Bytes
  try {
    publicKey = suite.recover(suite.hash(tx.signingPayload), signature)
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw protocolError({ code: 'TX_BAD_SIGNATURE', reason }, `invalid transaction signature: ${reason}`, err)
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 64) {
    const reason = `suite returned ${describe(publicKey)} instead of a 64-byte public key`
    throw protocolError({ code: 'TX_BAD_SIGNATURE', reason }, `invalid transaction signature: ${reason}`)
  }
  return suite.address(publicKey)
}

/**
 * Decodes an Ethereum envelope, recovers its sender and maps it: hash `keccak256(raw)`,
 * `raw` kept as given. Only ECDSA (secp256k1 + Keccak-256) chains carry Ethereum transactions.
 */
export function createSignedEthTransaction(
  raw: Bytes,
  suite: CryptoSuite,
  options?: TxDecodeOptions,
): SignedTransaction {
  checkSuite(suite)
  const decoded = decodeEthTransaction(raw, options)
  const sender = recoverEthSender(decoded, suite)
  return { tx: ethTransactionOf(decoded, sender, suite.hash), raw, hash: suite.hash(raw), sender }
}

/** A block transaction decoded structurally: a FISCO transaction or an Ethereum envelope. */
export type DecodedBlockTransaction =
  | { readonly kind: 'fisco'; readonly tx: Transaction }
  | { readonly kind: 'eth'; readonly tx: DecodedEthTransaction }

/** Structural decode of one raw transaction of a block, either kind (no signature work). */
export function decodeBlockTransaction(raw: Bytes, options?: TxDecodeOptions): DecodedBlockTransaction {
  return isEthTransactionRaw(raw)
    ? { kind: 'eth', tx: decodeEthTransaction(raw, options) }
    : { kind: 'fisco', tx: decodeTransaction(raw, options) }
}

/** The signed transaction of a structurally decoded block transaction: sender re-derived from `raw`. */
export function signBlockTransaction(
  decoded: DecodedBlockTransaction,
  raw: Bytes,
  suite: CryptoSuite,
): SignedTransaction {
  if (decoded.kind === 'fisco') {
    return {
      tx: decoded.tx,
      raw,
      hash: suite.hash(raw),
      sender: recoverSenderFromRaw(decoded.tx, raw, suite),
    }
  }
  checkSuite(suite)
  const sender = recoverEthSender(decoded.tx, suite)
  return { tx: ethTransactionOf(decoded.tx, sender, suite.hash), raw, hash: suite.hash(raw), sender }
}

/**
 * Decodes one raw transaction of either kind (FISCO RC2/RC1 or an Ethereum envelope) and
 * derives its sender from its own signature: what nodes do with every transaction of a
 * proposal or a block.
 */
export function createBlockTransaction(
  raw: Bytes,
  suite: CryptoSuite,
  options?: TxDecodeOptions,
): SignedTransaction {
  return signBlockTransaction(decodeBlockTransaction(raw, options), raw, suite)
}

/** Fields of an Ethereum transaction to sign (`signEthTransaction`). */
export interface EthTransactionFields {
  /** `eip155` (legacy with chain id), `eip2930` or `eip1559`; access lists are empty. */
  readonly type: 'eip155' | 'eip2930' | 'eip1559'
  readonly chainId: bigint
  readonly nonce: bigint
  /** Gas price (`eip155`, `eip2930`) or max fee per gas (`eip1559`). */
  readonly maxFeePerGas: bigint
  /** `eip1559` only (default 0). */
  readonly maxPriorityFeePerGas?: bigint
  readonly gas: bigint
  readonly to: Address | null
  readonly value: bigint
  readonly data: Bytes
}

/**
 * Signs an Ethereum transaction with the chain's ECDSA suite and returns its raw envelope:
 * what a wallet sends to `eth_sendRawTransaction`. For tools and tests that have no Ethereum
 * library at hand.
 */
export function signEthTransaction(
  fields: EthTransactionFields,
  privateKey: Bytes,
  suite: CryptoSuite,
): Bytes {
  checkSuite(suite)
  const u = (v: bigint, f: string) => uintToBytes(v, f)
  const to = fields.to ?? new Uint8Array(0)
  const common: RLPInput[] = [u(fields.value, 'value'), fields.data]
  let unsigned: RLPInput[]
  let prefix: number | undefined
  if (fields.type === 'eip155') {
    unsigned = [
      u(fields.nonce, 'nonce'),
      u(fields.maxFeePerGas, 'gasPrice'),
      u(fields.gas, 'gas'),
      to,
      ...common,
    ]
  } else if (fields.type === 'eip2930') {
    prefix = 0x01
    unsigned = [
      u(fields.chainId, 'chainId'),
      u(fields.nonce, 'nonce'),
      u(fields.maxFeePerGas, 'gasPrice'),
      u(fields.gas, 'gas'),
      to,
      ...common,
      [],
    ]
  } else {
    prefix = 0x02
    unsigned = [
      u(fields.chainId, 'chainId'),
      u(fields.nonce, 'nonce'),
      u(fields.maxPriorityFeePerGas ?? 0n, 'maxPriorityFeePerGas'),
      u(fields.maxFeePerGas, 'maxFeePerGas'),
      u(fields.gas, 'gas'),
      to,
      ...common,
      [],
    ]
  }
  const withPrefix = (body: Uint8Array) => {
    if (prefix === undefined) return body
    const out = new Uint8Array(body.length + 1)
    out[0] = prefix
    out.set(body, 1)
    return out
  }
  const payload =
    prefix === undefined
      ? encodeRLP([...unsigned, u(fields.chainId, 'chainId'), new Uint8Array(0), new Uint8Array(0)])
      : withPrefix(encodeRLP(unsigned))
  const sig = suite.sign(suite.hash(payload), privateKey)
  const strip = (b: Uint8Array) => {
    let i = 0
    while (i < b.length && b[i] === 0) i++
    return b.subarray(i)
  }
  const recid = BigInt(sig[64]!)
  const v = prefix === undefined ? u(fields.chainId * 2n + 35n + recid, 'v') : u(recid, 'yParity')
  return withPrefix(encodeRLP([...unsigned, v, strip(sig.subarray(0, 32)), strip(sig.subarray(32, 64))]))
}
