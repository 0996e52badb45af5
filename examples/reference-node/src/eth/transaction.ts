/**
 * Ethereum signed transactions for `eth_sendRawTransaction` (reference/interop.md §4): strict
 * decoding of legacy (pre-EIP-155 and EIP-155), EIP-2930 (`0x01`) and EIP-1559 (`0x02`)
 * transactions, sender recovery, replay protection, and the mapping onto the chain's
 * transaction model.
 *
 * Replay protection has three layers:
 * 1. **Across chains**: the signed chain id must equal the node's (EIP-155 `v`, or the typed
 *    `chainId` field). Pre-EIP-155 legacy transactions carry no chain id and are refused unless
 *    `allowUnprotected` is set.
 * 2. **Within the chain**: Ethereum nonces are sequential per account. `createEthNonceTracker`
 *    refuses a nonce below the account's next nonce (a replay or a duplicate) and one too far
 *    ahead (a gap the pool would hold forever).
 * 3. **In the FISCO nonce window**: the mapped transaction's FISCO nonce is
 *    `keccak256(rlp([sender, nonce]))`, so the same Ethereum transaction can never enter the
 *    pool or a block twice even if (1) and (2) were bypassed.
 */

import type { Address, Bytes, Hash32 } from '@consortia/interface'
import { ChainError } from '@consortia/interface'
import {
  type Hex,
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  type TransactionSerialized,
  toRlp,
} from 'viem'

/** Largest raw Ethereum transaction accepted (the same bound as FISCO transactions). */
export const ETH_TX_BYTES_MAX = 1024 * 1024

/** Most transactions one account may have pending (nonces ahead of its next committed nonce). */
export const ETH_PENDING_PER_ACCOUNT_MAX = 64

/** blockLimit given to a mapped Ethereum transaction: head + this (FISCO SDKs use 500). */
export const ETH_BLOCK_LIMIT_OFFSET = 500n

/** Half the secp256k1 group order: EIP-2 requires s ≤ n/2. */
const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

/** Why an Ethereum transaction was refused. */
export type EthTxErrorType =
  /** Not a decodable legacy/2930/1559 transaction (or an unsupported type such as 4844). */
  | { code: 'ETH_TX_MALFORMED'; reason: string }
  /** Over `ETH_TX_BYTES_MAX`. */
  | { code: 'ETH_TX_TOO_LARGE'; bytes: number; maxBytes: number }
  /** Signed for another chain. */
  | { code: 'ETH_TX_WRONG_CHAIN'; expected: string; got: string }
  /** A pre-EIP-155 legacy transaction (no chain id) while `allowUnprotected` is off. */
  | { code: 'ETH_TX_UNPROTECTED' }
  /** r or s out of range, high s, or no key recovers. */
  | { code: 'ETH_TX_BAD_SIGNATURE'; reason: string }
  /** The nonce was used already (replay or duplicate). */
  | { code: 'ETH_TX_NONCE_TOO_LOW'; sender: string; nonce: string; next: string }
  /** The nonce leaves a gap larger than `ETH_PENDING_PER_ACCOUNT_MAX`. */
  | { code: 'ETH_TX_NONCE_GAP'; sender: string; nonce: string; next: string; max: number }

function ethError(type: EthTxErrorType, message: string, cause?: unknown): ChainError<EthTxErrorType> {
  return new ChainError<EthTxErrorType>(type, message, cause === undefined ? undefined : { cause })
}

/** A decoded, signature-checked Ethereum transaction. */
export interface EthTransaction {
  readonly type: 'legacy' | 'eip155' | 'eip2930' | 'eip1559'
  /** The signed chain id; `undefined` for pre-EIP-155 legacy transactions. */
  readonly chainId: bigint | undefined
  readonly nonce: bigint
  readonly to: Address | null
  readonly value: bigint
  readonly data: Bytes
  readonly gas: bigint
  /** Legacy and 2930 gas price, or the 1559 max fee per gas. */
  readonly maxFeePerGas: bigint
  readonly maxPriorityFeePerGas: bigint
  /** `keccak256(raw)`, type byte included: what `eth_sendRawTransaction` must return. */
  readonly hash: Hash32
  readonly sender: Address
  readonly raw: Bytes
}

const hexOf = (b: Bytes): Hex => `0x${Buffer.from(b).toString('hex')}`
const bytesOf = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'))

/**
 * Decodes and checks an Ethereum signed transaction: size, strict decoding, supported type,
 * chain id, EIP-2 low s, sender recovery. Nonces are checked separately (`createEthNonceTracker`)
 * because they depend on chain state.
 */
export async function decodeEthTransaction(
  raw: Bytes,
  options: { chainId: bigint; allowUnprotected?: boolean; maxBytes?: number },
): Promise<EthTransaction> {
  const maxBytes = options.maxBytes ?? ETH_TX_BYTES_MAX
  if (raw.length > maxBytes) {
    throw ethError(
      { code: 'ETH_TX_TOO_LARGE', bytes: raw.length, maxBytes },
      `transaction of ${raw.length} bytes is over ${maxBytes}`,
    )
  }
  const serialized = hexOf(raw) as TransactionSerialized
  let parsed: ReturnType<typeof parseTransaction>
  try {
    parsed = parseTransaction(serialized)
  } catch (err) {
    throw ethError(
      { code: 'ETH_TX_MALFORMED', reason: (err as Error).message.split('\n')[0]! },
      `malformed Ethereum transaction: ${(err as Error).message.split('\n')[0]}`,
      err,
    )
  }
  const kind = parsed.type
  if (kind !== 'legacy' && kind !== 'eip2930' && kind !== 'eip1559') {
    throw ethError(
      { code: 'ETH_TX_MALFORMED', reason: `unsupported transaction type ${String(kind)}` },
      `unsupported Ethereum transaction type ${String(kind)}`,
    )
  }
  if (parsed.r === undefined || parsed.s === undefined) {
    throw ethError(
      { code: 'ETH_TX_BAD_SIGNATURE', reason: 'unsigned transaction' },
      'the transaction is not signed',
    )
  }
  const r = BigInt(parsed.r)
  const s = BigInt(parsed.s)
  if (r === 0n || s === 0n || s > SECP256K1_HALF_N) {
    throw ethError(
      { code: 'ETH_TX_BAD_SIGNATURE', reason: 'r or s out of range (EIP-2 low s)' },
      'invalid signature: r or s out of range (EIP-2 requires s ≤ n/2)',
    )
  }
  let type: EthTransaction['type'] = kind
  let chainId: bigint | undefined
  if (kind === 'legacy') {
    const v = parsed.v ?? 0n
    if (v === 27n || v === 28n) {
      if (options.allowUnprotected !== true) {
        throw ethError(
          { code: 'ETH_TX_UNPROTECTED' },
          'pre-EIP-155 transaction without chain id refused (replay protection); sign with EIP-155',
        )
      }
      type = 'legacy'
    } else {
      type = 'eip155'
      chainId = BigInt(parsed.chainId ?? -1)
    }
  } else {
    if (parsed.chainId === undefined) {
      throw ethError(
        { code: 'ETH_TX_MALFORMED', reason: 'typed transaction without chainId' },
        'malformed Ethereum transaction: no chainId',
      )
    }
    chainId = BigInt(parsed.chainId)
  }
  if (chainId !== undefined && chainId !== options.chainId) {
    throw ethError(
      { code: 'ETH_TX_WRONG_CHAIN', expected: options.chainId.toString(), got: chainId.toString() },
      `transaction signed for chain ${chainId}, this chain is ${options.chainId}`,
    )
  }
  let sender: Hex
  try {
    sender = await recoverTransactionAddress({ serializedTransaction: serialized as never })
  } catch (err) {
    throw ethError(
      { code: 'ETH_TX_BAD_SIGNATURE', reason: (err as Error).message.split('\n')[0]! },
      'invalid signature: no public key recovers',
      err,
    )
  }
  const gasPrice = 'gasPrice' in parsed && parsed.gasPrice !== undefined ? parsed.gasPrice : undefined
  return {
    type,
    chainId,
    nonce: BigInt(parsed.nonce ?? 0),
    to: parsed.to === undefined || parsed.to === null ? null : bytesOf(parsed.to),
    value: parsed.value ?? 0n,
    data: bytesOf(parsed.data ?? '0x'),
    gas: parsed.gas ?? 0n,
    maxFeePerGas: gasPrice ?? ('maxFeePerGas' in parsed ? (parsed.maxFeePerGas ?? 0n) : 0n),
    maxPriorityFeePerGas:
      'maxPriorityFeePerGas' in parsed ? (parsed.maxPriorityFeePerGas ?? 0n) : (gasPrice ?? 0n),
    hash: bytesOf(keccak256(serialized)),
    sender: bytesOf(sender),
    raw,
  }
}

/** Per-account sequential nonces for Ethereum transactions, with the pending ones counted. */
export interface EthNonceTracker {
  /** Throws `ETH_TX_NONCE_TOO_LOW` / `ETH_TX_NONCE_GAP`, else records `nonce` as pending. */
  admit(sender: Address, nonce: bigint): Promise<void>
  /** A pending transaction left the pool without committing (expired, refused): forget it. */
  drop(sender: Address, nonce: bigint): void
  /** A transaction of `sender` committed: its nonce becomes the committed base. */
  committed(sender: Address, nonce: bigint): void
  /** `eth_getTransactionCount(sender, tag)`: committed count, or with `pending` the next free nonce. */
  count(sender: Address, tag: 'latest' | 'pending'): Promise<bigint>
}

/**
 * Creates a tracker. `committedCount(sender)` is the account's number of committed Ethereum
 * transactions (read from state by the caller on first use of an account; cached after).
 */
export function createEthNonceTracker(
  committedCount: (sender: Address) => Promise<bigint> | bigint,
): EthNonceTracker {
  const accounts = new Map<string, { next: bigint; pending: Set<bigint> }>()
  const key = (a: Address) => hexOf(a)
  async function account(sender: Address) {
    let a = accounts.get(key(sender))
    if (a === undefined) {
      a = { next: await committedCount(sender), pending: new Set() }
      accounts.set(key(sender), a)
    }
    return a
  }
  const firstFree = (a: { next: bigint; pending: Set<bigint> }) => {
    let n = a.next
    while (a.pending.has(n)) n++
    return n
  }
  return {
    async admit(sender, nonce) {
      const a = await account(sender)
      if (nonce < a.next || a.pending.has(nonce)) {
        throw ethError(
          {
            code: 'ETH_TX_NONCE_TOO_LOW',
            sender: key(sender),
            nonce: nonce.toString(),
            next: firstFree(a).toString(),
          },
          `nonce too low: ${nonce} for ${key(sender)}, next is ${firstFree(a)}`,
        )
      }
      if (
        nonce >= a.next + BigInt(ETH_PENDING_PER_ACCOUNT_MAX) ||
        a.pending.size >= ETH_PENDING_PER_ACCOUNT_MAX
      ) {
        throw ethError(
          {
            code: 'ETH_TX_NONCE_GAP',
            sender: key(sender),
            nonce: nonce.toString(),
            next: a.next.toString(),
            max: ETH_PENDING_PER_ACCOUNT_MAX,
          },
          `nonce ${nonce} too far ahead of ${a.next} (at most ${ETH_PENDING_PER_ACCOUNT_MAX} pending per account)`,
        )
      }
      a.pending.add(nonce)
    },
    drop(sender, nonce) {
      accounts.get(key(sender))?.pending.delete(nonce)
    },
    committed(sender, nonce) {
      const a = accounts.get(key(sender))
      if (a === undefined) return
      a.pending.delete(nonce)
      if (nonce >= a.next) a.next = nonce + 1n
      for (const p of a.pending) if (p < a.next) a.pending.delete(p)
    },
    async count(sender, tag) {
      const a = await account(sender)
      return tag === 'latest' ? a.next : firstFree(a)
    },
  }
}

/** The chain-model view of an Ethereum transaction: FISCO RC2 fields plus its Ethereum origin. */
export interface MappedEthTransaction {
  /** RC2 fields as the pool and executor read them (no FISCO signature: see `origin`). */
  readonly fields: {
    readonly format: 'rc2'
    readonly nonce: bigint
    readonly gasPrice: bigint
    readonly gas: bigint
    readonly blockLimit: bigint
    readonly to: Address | null
    readonly value: bigint
    readonly data: Bytes
    readonly chainId: bigint
    readonly groupId: bigint
    readonly extraData: Bytes
  }
  /** The sender recovered from the Ethereum signature and the Ethereum identity of the tx. */
  readonly origin: {
    readonly kind: 'ethereum'
    readonly sender: Address
    readonly hash: Hash32
    readonly ethNonce: bigint
    readonly raw: Bytes
  }
}

/** `extraData` marker of mapped transactions, so blocks and receipts can tell them apart. */
export const ETH_EXTRA_DATA = new TextEncoder().encode('eth')

/**
 * Maps a checked Ethereum transaction onto the chain's model: FISCO nonce
 * `keccak256(rlp([sender, ethNonce]))` (unique per sender and nonce, so the nonce window refuses
 * a replay), blockLimit `head + ETH_BLOCK_LIMIT_OFFSET`, the node's chain id and the target group.
 */
export function mapEthTransaction(
  tx: EthTransaction,
  target: { groupId: bigint; chainId: bigint; headNumber: bigint },
): MappedEthTransaction {
  const digits = tx.nonce.toString(16)
  const nonceHex: Hex = tx.nonce === 0n ? '0x' : `0x${digits.length % 2 === 0 ? digits : `0${digits}`}`
  const fiscoNonce = BigInt(keccak256(toRlp([hexOf(tx.sender), nonceHex])))
  return {
    fields: {
      format: 'rc2',
      nonce: fiscoNonce,
      gasPrice: tx.maxFeePerGas,
      gas: tx.gas,
      blockLimit: target.headNumber + ETH_BLOCK_LIMIT_OFFSET,
      to: tx.to,
      value: tx.value,
      data: tx.data,
      chainId: target.chainId,
      groupId: target.groupId,
      extraData: ETH_EXTRA_DATA,
    },
    origin: { kind: 'ethereum', sender: tx.sender, hash: tx.hash, ethNonce: tx.nonce, raw: tx.raw },
  }
}
