/**
 * Ethereum signed transactions for `eth_sendRawTransaction` (reference/interop.md §4): strict
 * decoding of legacy (pre-EIP-155 and EIP-155), EIP-2930 (`0x01`) and EIP-1559 (`0x02`)
 * transactions by @consortia/protocol's decoder, sender recovery with the chain's crypto suite
 * and the chain-id check at admission, done once: the pool reuses the result.
 *
 * Replay protection across chains: the signed chain id must equal the group's (EIP-155 `v`, or
 * the typed `chainId` field); pre-EIP-155 legacy transactions carry no chain id and are refused
 * unless `allowUnprotected` is set. Within the chain, the node admits nonces in order
 * (`./backend.ts`), the pool's nonce window holds `ethReplayKey(sender, nonce)` and the executor
 * checks each sender's account nonce (`@consortia/protocol`, `@consortia/parallel-executor`).
 */

import { createCryptoSuite } from '@consortia/crypto'
import type { Address, Bytes, CryptoSuite, Hash32 } from '@consortia/interface'
import { ChainError } from '@consortia/interface'
import {
  type DecodedEthTransaction,
  decodeEthTransaction as decodeEthEnvelope,
  ethSignatureBytes,
  isProtocolError,
  recoverEthSender,
} from '@consortia/protocol'

/** Largest raw Ethereum transaction accepted (the same bound as FISCO transactions). */
export const ETH_TX_BYTES_MAX = 1024 * 1024

/** Most transactions one account may have pending (nonces ahead of its next committed nonce). */
export const ETH_PENDING_PER_ACCOUNT_MAX = 64

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
  /**
   * The protocol decoder's envelope (`decodeEthTransaction` of @consortia/protocol) that
   * `sender` was recovered from: the tx pool admits it with `{ raw, eth: decoded, sender }`
   * without decoding or recovering again.
   */
  readonly decoded: DecodedEthTransaction
}

/** Options of {@link decodeEthTransaction}. */
export interface EthDecodeOptions {
  /** The group's Ethereum chain id (`ethChainIdOf(chainId, groupId)`). */
  readonly chainId: bigint
  /** Admit pre-EIP-155 legacy transactions (no chain id); default false. */
  readonly allowUnprotected?: boolean
  /** Size bound (default {@link ETH_TX_BYTES_MAX}). */
  readonly maxBytes?: number
  /**
   * The chain's crypto suite (must be `ecdsa`: secp256k1 + Keccak-256); its `recover` is the
   * native libsecp256k1 one when that loads. Default: a shared `createCryptoSuite('ecdsa')`.
   */
  readonly suite?: CryptoSuite
}

let defaultSuite: CryptoSuite | undefined
const ecdsaSuite = (): CryptoSuite => {
  defaultSuite ??= createCryptoSuite('ecdsa')
  return defaultSuite
}

const reasonOf = (err: unknown): string =>
  isProtocolError(err) ? `${err.type.code}: ${err.message}` : err instanceof Error ? err.message : String(err)

/**
 * Decodes and checks an Ethereum signed transaction through the protocol package's strict
 * decoder and the chain's crypto suite, once: size, strict decoding, supported type, EIP-2 low
 * s, chain id, sender recovery. Nonces are checked separately (`createEthBackend`) because they
 * depend on chain state. The result carries the decoded envelope and recovered sender, which
 * the pool takes as they are (`TxInput` `{ raw, eth, sender }`).
 */
export async function decodeEthTransaction(raw: Bytes, options: EthDecodeOptions): Promise<EthTransaction> {
  const maxBytes = options.maxBytes ?? ETH_TX_BYTES_MAX
  if (raw.length > maxBytes) {
    throw ethError(
      { code: 'ETH_TX_TOO_LARGE', bytes: raw.length, maxBytes },
      `transaction of ${raw.length} bytes is over ${maxBytes}`,
    )
  }
  const suite = options.suite ?? ecdsaSuite()
  if (suite.name !== 'ecdsa') {
    const reason = `the ${suite.name} suite cannot check Ethereum (secp256k1) signatures`
    throw ethError({ code: 'ETH_TX_BAD_SIGNATURE', reason }, `invalid signature: ${reason}`)
  }
  let decoded: DecodedEthTransaction
  try {
    decoded = decodeEthEnvelope(raw, { maxBytes })
  } catch (err) {
    if (!isProtocolError(err)) throw err
    // e.g. "Ethereum transaction type 0x03 is not supported (0x01, 0x02 and legacy are)".
    const message =
      err.type.code === 'TX_ETH_UNSUPPORTED_TYPE'
        ? err.message
        : `malformed Ethereum transaction: ${err.message}`
    throw ethError({ code: 'ETH_TX_MALFORMED', reason: reasonOf(err) }, message, err)
  }
  const { info } = decoded
  try {
    ethSignatureBytes(decoded)
  } catch (err) {
    throw ethError(
      { code: 'ETH_TX_BAD_SIGNATURE', reason: 'r or s out of range (EIP-2 low s)' },
      'invalid signature: r or s out of range (EIP-2 requires s ≤ n/2)',
      err,
    )
  }
  if (info.type === 'legacy' && options.allowUnprotected !== true) {
    throw ethError(
      { code: 'ETH_TX_UNPROTECTED' },
      'pre-EIP-155 transaction without chain id refused (replay protection); sign with EIP-155',
    )
  }
  const chainId = info.chainId
  if (chainId !== undefined && chainId !== options.chainId) {
    throw ethError(
      { code: 'ETH_TX_WRONG_CHAIN', expected: options.chainId.toString(), got: chainId.toString() },
      `transaction signed for chain ${chainId}, this chain is ${options.chainId}`,
    )
  }
  let sender: Address
  try {
    sender = recoverEthSender(decoded, suite)
  } catch (err) {
    throw ethError(
      { code: 'ETH_TX_BAD_SIGNATURE', reason: reasonOf(err) },
      'invalid signature: no public key recovers',
      err,
    )
  }
  return {
    type: info.type,
    chainId,
    nonce: info.nonce,
    to: decoded.to,
    value: decoded.value,
    data: decoded.data,
    gas: decoded.gas,
    maxFeePerGas: info.maxFeePerGas,
    maxPriorityFeePerGas: info.maxPriorityFeePerGas,
    hash: suite.hash(raw),
    sender,
    raw,
    decoded,
  }
}
