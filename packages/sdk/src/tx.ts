import { randomBytes } from 'node:crypto'
import type { Bytes, CryptoSuite, Hex, Transaction } from '@consortia/interface'
import { encodeTransaction, signingHash, type UnsignedTransaction } from '@consortia/protocol'
import { describe, invalidInput } from './errors.js'
import { bytesToHex, hexToBytes } from './hex.js'

/** Fields of an RC2 transaction; what is omitted gets a default. */
export interface TransactionFieldsInit {
  /** Recipient; `null`/omitted deploys. */
  readonly to?: string | null
  readonly data: string
  /** Default: 16 random bytes (like the FISCO Node.js SDK's uuid nonce). */
  readonly nonce?: bigint
  readonly gasPrice?: bigint
  readonly gas: bigint
  readonly blockLimit: bigint
  readonly value?: bigint
  readonly chainId: bigint
  readonly groupId: bigint
  /** Default empty. */
  readonly extraData?: string
}

/** A random transaction nonce: 16 random bytes as an unsigned integer. */
export function randomNonce(): bigint {
  return BigInt(`0x${randomBytes(16).toString('hex')}`)
}

/** The unsigned RC2 fields of a transaction. */
export function createTransactionFields(init: TransactionFieldsInit): UnsignedTransaction {
  return {
    format: 'rc2',
    nonce: init.nonce ?? randomNonce(),
    gasPrice: init.gasPrice ?? 0n,
    gas: init.gas,
    blockLimit: init.blockLimit,
    to: init.to === undefined || init.to === null || init.to === '' ? null : hexToBytes(init.to, 'to', 20),
    value: init.value ?? 0n,
    data: hexToBytes(init.data, 'data'),
    chainId: init.chainId,
    groupId: init.groupId,
    extraData: init.extraData === undefined ? new Uint8Array(0) : hexToBytes(init.extraData, 'extraData'),
  }
}

/** The hash the sender signs: `Hash(rlp(items 0..9))` with the suite's hash. */
export function transactionSigningHash(fields: UnsignedTransaction, suite: CryptoSuite): Bytes {
  return signingHash(fields, (d) => suite.hash(d))
}

function bytesToBig(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes))
}

/**
 * Attaches a signature in the suite's byte form (ECDSA `r‖s‖recid`, 65 bytes; SM2 `r‖s‖pub`,
 * 128 bytes) and encodes the signed RLP. Returns the raw bytes and `Hash(raw)`, the tx hash
 * the node answers.
 */
export function encodeSignedTransaction(
  fields: UnsignedTransaction,
  signature: Bytes,
  suite: CryptoSuite,
): { raw: Hex; txHash: Hex; tx: Transaction } {
  if (!(signature instanceof Uint8Array) || signature.length !== suite.signatureBytes) {
    throw invalidInput(
      'signature',
      `${suite.signatureBytes}-byte ${suite.name} signature`,
      describe(signature),
    )
  }
  const r = bytesToBig(signature.subarray(0, 32))
  const s = bytesToBig(signature.subarray(32, 64))
  let tx: Transaction
  if (suite.name === 'sm') {
    tx = { ...fields, signature: { kind: 'sm2', publicKey: signature.slice(64, 128), r, s } }
  } else {
    const recid = signature[64] as number
    if (recid > 1) throw invalidInput('signature recovery id', '0 or 1', String(recid))
    tx = { ...fields, signature: { kind: 'ecdsa', v: 27 + recid, r, s } }
  }
  const raw = encodeTransaction(tx)
  return { raw: bytesToHex(raw), txHash: bytesToHex(suite.hash(raw)), tx }
}
