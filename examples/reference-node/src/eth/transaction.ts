/**
 * Ethereum signed transactions for `eth_sendRawTransaction` (reference/interop.md §4): strict
 * decoding of legacy (pre-EIP-155 and EIP-155), EIP-2930 (`0x01`) and EIP-1559 (`0x02`)
 * transactions, sender recovery and the chain-id check at admission.
 *
 * Replay protection across chains: the signed chain id must equal the group's (EIP-155 `v`, or
 * the typed `chainId` field); pre-EIP-155 legacy transactions carry no chain id and are refused
 * unless `allowUnprotected` is set. Within the chain, the node admits nonces in order
 * (`./backend.ts`), the pool's nonce window holds `ethReplayKey(sender, nonce)` and the executor
 * checks each sender's account nonce (`@consortia/protocol`, `@consortia/parallel-executor`).
 */

import type { Address, Bytes, Hash32 } from '@consortia/interface'
import { ChainError } from '@consortia/interface'
import {
  type Hex,
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  type TransactionSerialized,
} from 'viem'

/** Largest raw Ethereum transaction accepted (the same bound as FISCO transactions). */
export const ETH_TX_BYTES_MAX = 1024 * 1024

/** Most transactions one account may have pending (nonces ahead of its next committed nonce). */
export const ETH_PENDING_PER_ACCOUNT_MAX = 64

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
 * chain id, EIP-2 low s, sender recovery. Nonces are checked separately (`createEthBackend`)
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
