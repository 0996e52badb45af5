import type {
  Address,
  Bytes,
  CryptoSuite,
  Hash32,
  SignedTransaction,
  Transaction,
  TxSignature,
} from '@consortia/interface'
import { describe, equalBytes, type HashFn } from './bytes.js'
import { invalidInput, protocolError } from './errors.js'
import { signingPayloadFromRaw, txSignatureBytesFromRaw } from './raw-transaction.js'
import {
  decodeRLP,
  decodeUint,
  encodeRLP,
  expectBytes,
  expectList,
  type RLPInput,
  type RLPItem,
  uintToBytes,
} from './rlp.js'

/**
 * Default upper bound of a raw transaction, checked before any parsing (attack catalogue A9).
 * FISCO 2.x has no separate limit below its 100 MiB message cap; 1 MiB holds any realistic
 * deploy (EVM init code is far smaller) while keeping a hostile client from pinning memory.
 */
export const txBytesMax = 1024 * 1024

/** Item count of the RC2 layout (FISCO ≥ 2.0.0-rc2). */
export const txItemsRC2 = 13

/** Item count of the legacy RC1 layout. */
export const txItemsRC1 = 10

/** ECDSA `v` carries the recovery id plus this base (FISCO `VBase`). */
export const ecdsaVBase = 27

/** A transaction without its signature: what gets signed. */
export type UnsignedTransaction = Omit<Transaction, 'signature'>

/** Options of `decodeTransaction` and `createSignedTransaction`. */
export interface TxDecodeOptions {
  /** Largest raw transaction accepted, in bytes. Default `txBytesMax`. */
  readonly maxBytes?: number
}

const U256_MAX = (1n << 256n) - 1n

function decodeTxSignature(v: Uint8Array, r: bigint, s: bigint): TxSignature {
  if (v.length === 1) {
    const value = v[0]!
    if (value !== ecdsaVBase && value !== ecdsaVBase + 1) {
      throw protocolError(
        { code: 'TX_BAD_V', reason: `ECDSA v must be 27 or 28, got ${value}` },
        `v: ECDSA v must be 27 or 28, got ${value}`,
      )
    }
    return { kind: 'ecdsa', v: value, r, s }
  }
  if (v.length === 64) return { kind: 'sm2', publicKey: v.slice(), r, s }
  if (v.length === 63) {
    // Some SDKs drop a leading zero byte of the key (reference/interop.md §6): restore it.
    const publicKey = new Uint8Array(64)
    publicKey.set(v, 1)
    return { kind: 'sm2', publicKey, r, s }
  }
  const reason =
    v.length === 0
      ? 'v is empty'
      : `v must be one byte (ECDSA 27/28) or a 64-byte SM2 public key, got ${v.length} bytes`
  throw protocolError({ code: 'TX_BAD_V', reason }, `v: ${reason}`)
}

/** Reads the fields of a decoded RLP list; every check here runs before any signature work. */
function transactionFromRLP(item: RLPItem): Transaction {
  const items = expectList(item, 'transaction', [txItemsRC2, txItemsRC1])
  const format = items.length === txItemsRC2 ? 'rc2' : 'rc1'
  const at = (i: number): RLPItem => items[i]!
  const nonce = decodeUint(at(0), 'nonce')
  const gasPrice = decodeUint(at(1), 'gasPrice')
  const gas = decodeUint(at(2), 'gas')
  const blockLimit = decodeUint(at(3), 'blockLimit')
  const toBytes = expectBytes(at(4), 'to')
  if (toBytes.length !== 0 && toBytes.length !== 20) {
    throw protocolError(
      { code: 'RLP_WRONG_LENGTH', field: 'to', expected: '0 or 20', actual: toBytes.length },
      `to: expected 20 bytes (or empty for contract creation), got ${toBytes.length}`,
    )
  }
  const value = decodeUint(at(5), 'value')
  const data = expectBytes(at(6), 'data').slice()
  let chainId = 0n
  let groupId = 0n
  let extraData = new Uint8Array(0)
  let sig = 7
  if (format === 'rc2') {
    chainId = decodeUint(at(7), 'chainId')
    groupId = decodeUint(at(8), 'groupId')
    extraData = expectBytes(at(9), 'extraData').slice()
    sig = 10
  }
  const v = expectBytes(at(sig), 'v')
  const r = decodeUint(at(sig + 1), 'r')
  const s = decodeUint(at(sig + 2), 's')
  return {
    format,
    nonce,
    gasPrice,
    gas,
    blockLimit,
    to: toBytes.length === 0 ? null : toBytes.slice(),
    value,
    data,
    chainId,
    groupId,
    extraData,
    signature: decodeTxSignature(v, r, s),
  }
}

/**
 * Strictly decodes a raw FISCO 2.x transaction (RC2, 13 items, or legacy RC1, 10 items).
 * Rejects, with a typed `ChainError`, input over `maxBytes`, any non-canonical RLP, trailing
 * bytes, other item counts, lists in byte fields, a `to` that is not 0 or 20 bytes, integers
 * with leading zeros or over 32 bytes, ECDSA `v` other than 27/28 and SM2 keys that are not
 * 63 or 64 bytes (63 is left-padded). No signature work happens here.
 */
export function decodeTransaction(raw: Bytes, options?: TxDecodeOptions): Transaction {
  const maxBytes = options?.maxBytes ?? txBytesMax
  if (!(raw instanceof Uint8Array)) throw invalidInput('raw transaction', 'Uint8Array', describe(raw))
  if (raw.length > maxBytes) {
    throw protocolError(
      { code: 'TX_TOO_LARGE', bytes: raw.length, maxBytes },
      `transaction of ${raw.length} bytes exceeds the limit of ${maxBytes}`,
    )
  }
  return transactionFromRLP(decodeRLP(raw))
}

function checkUint(value: bigint, field: string): Uint8Array {
  if (typeof value !== 'bigint' || value < 0n || value > U256_MAX) {
    throw invalidInput(field, 'a u256 bigint', describe(value))
  }
  return uintToBytes(value, field)
}

function checkBytes(value: Bytes, field: string): Bytes {
  if (!(value instanceof Uint8Array)) throw invalidInput(field, 'Uint8Array', describe(value))
  return value
}

/** The RLP items 0..9 (RC2) or 0..6 (RC1): the part of a transaction that is signed. */
function unsignedItems(tx: UnsignedTransaction): Bytes[] {
  if (tx.format !== 'rc1' && tx.format !== 'rc2') {
    throw invalidInput('format', "'rc1' or 'rc2'", String(tx.format))
  }
  let to: Bytes = new Uint8Array(0)
  if (tx.to !== null) {
    checkBytes(tx.to, 'to')
    if (tx.to.length !== 20) throw invalidInput('to', '20-byte address or null', describe(tx.to))
    to = tx.to
  }
  const items: Bytes[] = [
    checkUint(tx.nonce, 'nonce'),
    checkUint(tx.gasPrice, 'gasPrice'),
    checkUint(tx.gas, 'gas'),
    checkUint(tx.blockLimit, 'blockLimit'),
    to,
    checkUint(tx.value, 'value'),
    checkBytes(tx.data, 'data'),
  ]
  if (tx.format === 'rc2') {
    items.push(
      checkUint(tx.chainId, 'chainId'),
      checkUint(tx.groupId, 'groupId'),
      checkBytes(tx.extraData, 'extraData'),
    )
  } else if (tx.chainId !== 0n || tx.groupId !== 0n || tx.extraData.length !== 0) {
    // RC1 has no place for these; dropping them silently would sign something else than asked.
    throw invalidInput('rc1 transaction', 'chainId 0, groupId 0 and empty extraData', 'other values')
  }
  return items
}

function signatureItems(sig: TxSignature): Bytes[] {
  if (sig.kind === 'ecdsa') {
    if (sig.v !== ecdsaVBase && sig.v !== ecdsaVBase + 1)
      throw invalidInput('signature.v', '27 or 28', String(sig.v))
    return [Uint8Array.of(sig.v), checkUint(sig.r, 'signature.r'), checkUint(sig.s, 'signature.s')]
  }
  if (sig.kind === 'sm2') {
    checkBytes(sig.publicKey, 'signature.publicKey')
    if (sig.publicKey.length !== 64) {
      throw invalidInput('signature.publicKey', '64-byte SM2 public key', describe(sig.publicKey))
    }
    return [sig.publicKey, checkUint(sig.r, 'signature.r'), checkUint(sig.s, 'signature.s')]
  }
  throw invalidInput('signature.kind', "'ecdsa' or 'sm2'", String((sig as { kind: unknown }).kind))
}

/**
 * Encodes a signed transaction in its own layout (RC2: 13 items; RC1: 10 items, for
 * re-encoding legacy transactions). The output of `decodeTransaction` re-encodes to the same
 * bytes, except a 63-byte SM2 key, which is written back as the padded 64-byte key.
 */
export function encodeTransaction(tx: Transaction): Bytes {
  const items: RLPInput[] = [...unsignedItems(tx), ...signatureItems(tx.signature)]
  return encodeRLP(items)
}

/** The signed payload: `rlp(items 0..9)` for RC2, `rlp(items 0..6)` for RC1. */
export function signingPayload(tx: UnsignedTransaction): Bytes {
  return encodeRLP(unsignedItems(tx))
}

/** The hash a sender signs: `Hash(signingPayload(tx))` (FISCO `sha3(WithoutSignature)`). */
export function signingHash(tx: UnsignedTransaction, hash: HashFn): Hash32 {
  return hash(signingPayload(tx))
}

/** The transaction hash: `Hash(raw)` over the exact signed bytes. */
export function txHash(raw: Bytes, hash: HashFn): Hash32 {
  return hash(raw)
}

function u256Bytes(value: bigint, field: string): Uint8Array {
  const min = checkUint(value, field)
  const out = new Uint8Array(32)
  out.set(min, 32 - min.length)
  return out
}

/**
 * A transaction signature in the suite's byte form: ECDSA `r‖s‖(v−27)` (65 bytes),
 * SM2 `r‖s‖pub` (128 bytes).
 */
export function txSignatureToBytes(sig: TxSignature): Bytes {
  if (sig.kind === 'ecdsa') {
    signatureItems(sig)
    const out = new Uint8Array(65)
    out.set(u256Bytes(sig.r, 'signature.r'), 0)
    out.set(u256Bytes(sig.s, 'signature.s'), 32)
    out[64] = sig.v - ecdsaVBase
    return out
  }
  signatureItems(sig)
  const out = new Uint8Array(128)
  out.set(u256Bytes(sig.r, 'signature.r'), 0)
  out.set(u256Bytes(sig.s, 'signature.s'), 32)
  out.set(sig.publicKey, 64)
  return out
}

function suiteHash(suite: CryptoSuite): HashFn {
  return (data) => suite.hash(data)
}

/**
 * The sender of `tx`: `suite.address(pub)`, where `pub = suite.recover(signingHash, sigBytes)`.
 * ECDSA recovers the key; SM2 verifies against the key in `v`. Throws `TX_SUITE_MISMATCH`
 * when the signature kind does not match the suite and `TX_BAD_SIGNATURE` when the suite
 * refuses the signature.
 */
export function recoverSender(tx: Transaction, suite: CryptoSuite): Address {
  checkSignatureSuite(tx, suite)
  const sigBytes = txSignatureToBytes(tx.signature)
  return senderOf(tx, suite, signingHash(tx, suiteHash(suite)), sigBytes)
}

/**
 * `recoverSender` for a transaction `decodeTransaction` decoded from `raw`: the signed payload
 * and the signature bytes are cut out of `raw` (`signingPayloadFromRaw`,
 * `txSignatureBytesFromRaw`) instead of re-encoded from the decoded fields. Same sender, same
 * errors; `raw` must be the bytes `tx` was decoded from.
 */
export function recoverSenderFromRaw(tx: Transaction, raw: Bytes, suite: CryptoSuite): Address {
  checkSignatureSuite(tx, suite)
  const sigBytes = txSignatureBytesFromRaw(raw, tx)
  const payload = signingPayloadFromRaw(raw, tx.format === 'rc2' ? txItemsRC2 - 3 : txItemsRC1 - 3)
  return senderOf(tx, suite, suite.hash(payload), sigBytes)
}

function checkSignatureSuite(tx: Transaction, suite: CryptoSuite): void {
  const wanted = tx.signature.kind === 'ecdsa' ? 'ecdsa' : 'sm'
  if (suite.name !== wanted) {
    throw protocolError(
      { code: 'TX_SUITE_MISMATCH', signature: tx.signature.kind, suite: suite.name },
      `an ${tx.signature.kind} signature cannot be checked by the ${suite.name} suite`,
    )
  }
}

function senderOf(tx: Transaction, suite: CryptoSuite, hash: Hash32, sigBytes: Bytes): Address {
  let publicKey: Bytes
  try {
    publicKey = suite.recover(hash, sigBytes)
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw protocolError({ code: 'TX_BAD_SIGNATURE', reason }, `invalid transaction signature: ${reason}`, err)
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 64) {
    const reason = `suite returned ${describe(publicKey)} instead of a 64-byte public key`
    throw protocolError({ code: 'TX_BAD_SIGNATURE', reason }, `invalid transaction signature: ${reason}`)
  }
  if (tx.signature.kind === 'sm2' && !equalBytes(publicKey, tx.signature.publicKey)) {
    const reason = 'SM2 key returned by the suite differs from the key in v'
    throw protocolError({ code: 'TX_BAD_SIGNATURE', reason }, `invalid transaction signature: ${reason}`)
  }
  return suite.address(publicKey)
}

/**
 * Decodes `raw` strictly (see `decodeTransaction`), then hashes it and derives the sender
 * from the signature. All structural checks finish before the suite is asked to recover.
 * `raw` is kept as given (not copied) and `hash` is `Hash(raw)`.
 */
export function createSignedTransaction(
  raw: Bytes,
  suite: CryptoSuite,
  options?: TxDecodeOptions,
): SignedTransaction {
  const tx = decodeTransaction(raw, options)
  const sender = recoverSender(tx, suite)
  return { tx, raw, hash: suite.hash(raw), sender }
}

/**
 * Signs `fields` with `privateKey` and returns the signed transaction. ECDSA suites give
 * `v = recid + 27`; SM2 suites put the signer's 64-byte key in `v`.
 */
export function signTransaction(
  fields: UnsignedTransaction,
  privateKey: Bytes,
  suite: CryptoSuite,
): Transaction {
  checkBytes(privateKey, 'privateKey')
  if (privateKey.length !== 32) throw invalidInput('privateKey', '32-byte private key', describe(privateKey))
  const hash = signingHash(fields, suiteHash(suite))
  const sig = suite.sign(hash, privateKey)
  if (!(sig instanceof Uint8Array) || sig.length !== suite.signatureBytes) {
    throw invalidInput('suite.sign result', `${suite.signatureBytes}-byte signature`, describe(sig))
  }
  const r = decodeUint(stripZeros(sig.subarray(0, 32)), 'signature.r')
  const s = decodeUint(stripZeros(sig.subarray(32, 64)), 'signature.s')
  let signature: TxSignature
  if (suite.name === 'ecdsa') {
    const recid = sig[64]!
    if (recid > 1) throw invalidInput('suite.sign recovery id', '0 or 1', String(recid))
    signature = { kind: 'ecdsa', v: recid + ecdsaVBase, r, s }
  } else {
    signature = { kind: 'sm2', publicKey: sig.slice(64, 128), r, s }
  }
  return { ...fields, signature }
}

function stripZeros(bytes: Uint8Array): Uint8Array {
  let i = 0
  while (i < bytes.length && bytes[i] === 0) i++
  return bytes.subarray(i)
}
