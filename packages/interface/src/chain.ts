import type { Address, BlockNumber, Bytes, Hash32, NodeId } from './bytes.js'

/**
 * The signature carried by a FISCO 2.x transaction.
 * - ECDSA: `v` is the RLP byte (recovery id + 27), `r` and `s` are u256.
 * - SM2: the 64-byte public key travels in the `v` slot; there is no recovery.
 */
export type TxSignature =
  | { readonly kind: 'ecdsa'; readonly v: number; readonly r: bigint; readonly s: bigint }
  | { readonly kind: 'sm2'; readonly publicKey: Bytes; readonly r: bigint; readonly s: bigint }

/**
 * Transaction layout: `rc2` (13 items, FISCO ≥ 2.0.0-rc2), legacy `rc1` (10 items, decode only),
 * or `eth`, an Ethereum-signed envelope carried as is (see `EthTransaction`).
 */
export type TxFormat = 'rc1' | 'rc2' | 'eth'

/**
 * A FISCO BCOS 2.x transaction, fields in RLP order.
 * `chainId`, `groupId` and `extraData` are absent (0n / empty) in the legacy rc1 layout.
 */
export interface Transaction {
  readonly format: TxFormat
  /** Client-chosen random u256, unique over the last 1000 blocks and the pool (not a sequence). */
  readonly nonce: bigint
  readonly gasPrice: bigint
  readonly gas: bigint
  /** Last block height at which the transaction may be included. */
  readonly blockLimit: bigint
  /** Recipient; `null` for contract creation. */
  readonly to: Address | null
  readonly value: bigint
  readonly data: Bytes
  readonly chainId: bigint
  readonly groupId: bigint
  readonly extraData: Bytes
  readonly signature: TxSignature
}

/** A transaction together with its exact wire bytes and derived identity. */
export interface SignedTransaction {
  readonly tx: Transaction
  /** The signed RLP bytes, exactly as received or encoded. */
  readonly raw: Bytes
  /** `Hash(raw)`. */
  readonly hash: Hash32
  /** Derived from the signature (ECDSA recovery or the SM2 key), never from a client hint. */
  readonly sender: Address
}

/** A block header in FISCO 2.x field order (reference/interop.md §1.4). */
export interface BlockHeader {
  readonly parentHash: Hash32
  readonly stateRoot: Hash32
  readonly transactionsRoot: Hash32
  readonly receiptsRoot: Hash32
  readonly dbHash: Hash32
  /** 256-byte logs bloom. */
  readonly logsBloom: Bytes
  readonly number: BlockNumber
  readonly gasLimit: bigint
  readonly gasUsed: bigint
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number
  readonly extraData: readonly Bytes[]
  /** Index of the sealer in `sealerList`. */
  readonly sealer: number
  readonly sealerList: readonly NodeId[]
}

/** One sealer's signature over a block hash, as stored in a committed block. */
export interface BlockSignature {
  /** Index of the signer in the header's sealer list. */
  readonly index: number
  /** ECDSA: r‖s‖v (v = recovery id 0/1, 65 bytes); SM2: r‖s‖pub (128 bytes). */
  readonly signature: Bytes
}

/** A block: header, transactions and the consensus signatures that committed it. */
export interface Block {
  readonly header: BlockHeader
  readonly transactions: readonly SignedTransaction[]
  readonly signatureList: readonly BlockSignature[]
}

/** An event log emitted during execution. */
export interface Log {
  readonly address: Address
  readonly topics: readonly Hash32[]
  readonly data: Bytes
}

/** A transaction receipt (FISCO 2.9+ layout; `remainGas` is absent in the older layout). */
export interface Receipt {
  readonly stateRoot: Hash32
  readonly gasUsed: bigint
  /** Created contract address, or 20 zero bytes. */
  readonly contractAddress: Address
  /** 256-byte bloom of this receipt's logs. */
  readonly logsBloom: Bytes
  /** FISCO receipt status (0 = ok; see `TxStatus`). */
  readonly status: number
  readonly output: Bytes
  readonly remainGas?: bigint
  readonly logs: readonly Log[]
}

/**
 * FISCO BCOS 2.x transaction and receipt status codes
 * (reference/fisco-2x.md §1.2, FISCO doc api.md "交易回执状态").
 */
export const TxStatus = {
  None: 0,
  Unknown: 1,
  BadRLP: 2,
  InvalidFormat: 3,
  OutOfGasIntrinsic: 4,
  InvalidSignature: 5,
  InvalidNonce: 6,
  NotEnoughCash: 7,
  OutOfGasBase: 8,
  BlockGasLimitReached: 9,
  BadInstruction: 10,
  BadJumpDestination: 11,
  OutOfGas: 12,
  OutOfStack: 13,
  StackUnderflow: 14,
  NonceCheckFail: 15,
  BlockLimitCheckFail: 16,
  FilterCheckFail: 17,
  NoDeployPermission: 18,
  NoCallPermission: 19,
  NoTxPermission: 20,
  PrecompiledError: 21,
  RevertInstruction: 22,
  InvalidZeroSignatureFormat: 23,
  AddressAlreadyUsed: 24,
  PermissionDenied: 25,
  CallAddressError: 26,
  GasOverflow: 27,
  TxPoolIsFull: 28,
  TransactionRefused: 29,
  ContractFrozen: 30,
  AccountFrozen: 31,
  AlreadyKnown: 10000,
  AlreadyInChain: 10001,
  InvalidChainId: 10002,
  InvalidGroupId: 10003,
  RequestNotBelongToTheGroup: 10004,
  MalformedTx: 10005,
  OverGroupMemoryLimit: 10006,
} as const

/** A FISCO status code value. */
export type TxStatusCode = (typeof TxStatus)[keyof typeof TxStatus]
