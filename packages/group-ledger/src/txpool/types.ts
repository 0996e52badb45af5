import type {
  Address,
  BlockHeader,
  BlockNumber,
  Bytes,
  Hash32,
  SignedTransaction,
  TxStatusCode,
} from '@consortia/interface'
import { TxStatus } from '@consortia/interface'
import type { DecodedEthTransaction } from '@consortia/protocol'

/**
 * Why the pool refused a transaction. Each reason maps to one FISCO 2.x status code
 * (`REJECT_STATUS`), so RPC layers can answer exactly as a FISCO node does.
 */
export type RejectReason =
  /** Not a Uint8Array, or not a well-formed FISCO transaction (RLP, item count, field sizes, v). → 10005 */
  | 'MALFORMED'
  /** Longer than `txBytesMax`; refused before decoding. → 10005 */
  | 'TX_TOO_LARGE'
  /** The same transaction hash is already in the pool. → 10000 */
  | 'ALREADY_KNOWN'
  /** The transaction hash is already on chain. → 10001 */
  | 'ALREADY_IN_CHAIN'
  /** chainId differs from the node's chain id. → 10002 */
  | 'INVALID_CHAIN_ID'
  /** groupId differs from this group. → 10003 */
  | 'INVALID_GROUP_ID'
  /** blockLimit outside `(current, current + blockLimitMax]`. → 16 */
  | 'BLOCK_LIMIT'
  /** The nonce was used by a transaction of the last `blocksMax` blocks. → 15 */
  | 'NONCE_IN_CHAIN'
  /** The nonce is used by a transaction already in the pool. → 15 */
  | 'NONCE_IN_POOL'
  /** The pool holds `txCountMax` transactions. → 28 */
  | 'POOL_FULL'
  /** Accepting it would pass `memoryBytesMax`. → 10006 */
  | 'POOL_MEMORY_FULL'
  /** The sender already has `senderTxCountMax` transactions in the pool. → 28 */
  | 'SENDER_LIMIT'
  /** The signature does not recover (or verify), is high-s, or is of the other suite. → 10005 */
  | 'BAD_SIGNATURE'

/** FISCO status code of each rejection reason (reference/fisco-2x.md §1.2). */
export const REJECT_STATUS: Readonly<Record<RejectReason, TxStatusCode>> = {
  MALFORMED: TxStatus.MalformedTx,
  TX_TOO_LARGE: TxStatus.MalformedTx,
  ALREADY_KNOWN: TxStatus.AlreadyKnown,
  ALREADY_IN_CHAIN: TxStatus.AlreadyInChain,
  INVALID_CHAIN_ID: TxStatus.InvalidChainId,
  INVALID_GROUP_ID: TxStatus.InvalidGroupId,
  BLOCK_LIMIT: TxStatus.BlockLimitCheckFail,
  NONCE_IN_CHAIN: TxStatus.NonceCheckFail,
  NONCE_IN_POOL: TxStatus.NonceCheckFail,
  POOL_FULL: TxStatus.TxPoolIsFull,
  POOL_MEMORY_FULL: TxStatus.OverGroupMemoryLimit,
  SENDER_LIMIT: TxStatus.TxPoolIsFull,
  BAD_SIGNATURE: TxStatus.MalformedTx,
}

/**
 * Why an accepted transaction left the pool without being committed. The submitter sees it
 * as a `dropped` event and through `outcome(hash)`.
 */
export type DropReason =
  /** Not sealed within `expirationMs` of its arrival (FISCO `txs_expiration_time`). → 29 */
  | 'EXPIRED'
  /** A block at or past its blockLimit committed without it. → 16 */
  | 'BLOCK_LIMIT_PASSED'
  /** Another transaction with the same nonce committed. → 15 */
  | 'NONCE_USED'
  /** Removed by `drop()` (for example, found invalid at block verification). */
  | 'REMOVED'

/** FISCO status code reported for each drop reason (`REMOVED` carries the caller's code). */
export const DROP_STATUS: Readonly<Record<Exclude<DropReason, 'REMOVED'>, TxStatusCode>> = {
  EXPIRED: TxStatus.TransactionRefused,
  BLOCK_LIMIT_PASSED: TxStatus.BlockLimitCheckFail,
  NONCE_USED: TxStatus.NonceCheckFail,
}

/** The answer to one submitted transaction, in submission order. */
export type AdmitResult =
  | {
      readonly ok: true
      /** Always 0 (FISCO `None`). */
      readonly status: 0
      readonly hash: Hash32
      /** Derived from the signature; any sender the client claimed is ignored. */
      readonly sender: Address
    }
  | {
      readonly ok: false
      /** FISCO status code (`REJECT_STATUS[reason]`). */
      readonly status: TxStatusCode
      readonly reason: RejectReason
      /** Human-readable detail, e.g. `blockLimit 5 outside (10, 1010]`. */
      readonly message: string
      /** Present once the transaction decoded far enough to be hashed. */
      readonly hash?: Hash32
    }

/** What `submit` accepts: raw signed bytes, or anything carrying them (a decoded tx from a peer). Only `raw` is trusted. */
export type TxInput = Bytes | { readonly raw: Bytes } | RecoveredEthTxInput

/**
 * An Ethereum envelope the caller already decoded (`decodeEthTransaction` of
 * @consortia/protocol, from these `raw` bytes) and whose sender it recovered with the chain's
 * ECDSA suite (`recoverEthSender`): the pool skips both and runs every other check. Only for
 * the node's own admission code (its eth RPC); bytes from peers go in as `raw`.
 */
export interface RecoveredEthTxInput {
  readonly raw: Bytes
  readonly ethRecovered: { readonly eth: DecodedEthTransaction; readonly sender: Address }
}

/** What a submitter can learn about a transaction the pool has seen. */
export type TxOutcome =
  | { readonly state: 'pending'; readonly sealed: boolean }
  | { readonly state: 'committed'; readonly blockNumber: BlockNumber; readonly index: number }
  | {
      readonly state: 'dropped'
      readonly status: TxStatusCode
      readonly reason: DropReason | RejectReason
    }

/** Events for submitters (RPC receipt callbacks, channel push) and for gossip. */
export type TxPoolEvent =
  | { readonly type: 'accepted'; readonly hash: Hash32; readonly sender: Address }
  | {
      readonly type: 'committed'
      readonly hash: Hash32
      readonly blockNumber: BlockNumber
      readonly index: number
    }
  | {
      readonly type: 'dropped'
      readonly hash: Hash32
      readonly status: TxStatusCode
      readonly reason: DropReason
    }

/** A listener of pool events; exceptions it throws are logged and swallowed. */
export type TxPoolListener = (event: TxPoolEvent) => void

/** What the pool needs to know about the chain. */
export interface TxPoolChain {
  /** Height of the last committed block. */
  currentNumber(): BlockNumber
  /** True when a transaction with this hash is on chain. */
  hasTransaction(hash: Hash32): Promise<boolean>
}

/** The part of a committed block the pool reads; a full `Block` fits. */
export interface CommittedBlock {
  readonly header: Pick<BlockHeader, 'number'>
  readonly transactions: readonly Pick<SignedTransaction, 'hash' | 'tx'>[]
}

/** Limits of one `fetchForSealing` call. */
export interface SealingLimits {
  /** Most transactions to return (a block's tx count limit). */
  readonly txCountMax: number
  /** Most raw bytes in total. */
  readonly bytesMax?: number
  /** Most gas (sum of each tx's `gas`) in total, e.g. a block gas limit. */
  readonly gasMax?: bigint
  /** Mark the returned transactions as sealed so the next fetch skips them (default true). */
  readonly mark?: boolean
}

/** What `onBlockCommitted` did. */
export interface CommitSummary {
  readonly blockNumber: BlockNumber
  /** Pool transactions the block included. */
  readonly committed: number
  /** Pool transactions dropped because of the block (nonce used, blockLimit passed, expired). */
  readonly dropped: number
}

/** What replaying the journal at start did. */
export interface ReplaySummary {
  /** Journal records read. */
  readonly records: number
  /** Transactions back in the pool. */
  readonly restored: number
  /** Records dropped (now on chain, expired, blockLimit passed, nonce used, ...), each visible via `outcome`. */
  readonly dropped: number
}
