import type { Address, Hash32 } from './bytes.js'
import type { Transaction } from './chain.js'

/**
 * Ethereum transaction envelopes a chain may carry as `format: 'eth'` (reference/interop.md §4):
 * pre-EIP-155 legacy, EIP-155 legacy, EIP-2930 (`0x01`) and EIP-1559 (`0x02`).
 */
export type EthTxType = 'legacy' | 'eip155' | 'eip2930' | 'eip1559'

/** One EIP-2930 access list entry. */
export interface EthAccessListEntry {
  readonly address: Address
  readonly storageKeys: readonly Hash32[]
}

/** The Ethereum-only fields of an Ethereum-origin transaction, as signed by its sender. */
export interface EthTxInfo {
  readonly type: EthTxType
  /** The signed chain id; `undefined` for pre-EIP-155 legacy transactions. */
  readonly chainId: bigint | undefined
  /** The sender's sequential Ethereum nonce (the FISCO `nonce` field holds the replay key instead). */
  readonly nonce: bigint
  /** Legacy and 2930: the gas price; 1559: the max fee per gas. */
  readonly maxFeePerGas: bigint
  /** 1559: the priority fee; legacy and 2930: the gas price. */
  readonly maxPriorityFeePerGas: bigint
  readonly accessList: readonly EthAccessListEntry[]
  /** Signature parity (0 or 1). */
  readonly yParity: number
}

/**
 * An Ethereum-origin transaction in the chain's model. Its `raw` bytes (in the
 * `SignedTransaction`) are the Ethereum signed envelope, its hash is `keccak256(raw)` and its
 * sender is recovered from the Ethereum signature. The FISCO fields are derived: `nonce` is the
 * replay key `keccak256(rlp([sender, eth.nonce]))`, `gasPrice` the max fee, `blockLimit` has no
 * meaning (the executor checks `eth.nonce` against the sender's account nonce instead),
 * `chainId` is the signed chain id (0 when none), `groupId` 0 and `extraData` empty.
 */
export interface EthTransaction extends Transaction {
  readonly format: 'eth'
  readonly eth: EthTxInfo
}

/** True when `tx` is an Ethereum-origin transaction (`format: 'eth'`). */
export function isEthTransaction(tx: Transaction): tx is EthTransaction {
  return tx.format === 'eth' && (tx as { eth?: unknown }).eth !== undefined
}
