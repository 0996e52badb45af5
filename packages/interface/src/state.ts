import type { Address, Bytes, Hash32 } from './bytes.js'

/** An account as the executor sees it. There is no coin: `balance` stays 0 on FISCO-style chains. */
export interface AccountState {
  readonly nonce: bigint
  readonly balance: bigint
  /** Hash of the code, or the hash of empty bytes for externally owned accounts. */
  readonly codeHash: Hash32
}

/**
 * The world state an executor reads and writes while executing one block.
 * Two implementations exist: AMDB StorageState (tables) and MPT state (provable).
 * Writes stay in memory until the host commits the block's change set atomically;
 * `checkpoint`/`commit`/`revert` nest, one level per call frame or transaction.
 */
export interface StateView {
  getAccount(address: Address): Promise<AccountState | undefined>
  putAccount(address: Address, account: AccountState): Promise<void>
  deleteAccount(address: Address): Promise<void>
  getCode(address: Address): Promise<Bytes>
  putCode(address: Address, code: Bytes): Promise<void>
  /** A 32-byte slot; returns the value without leading zeros (empty when unset). */
  getStorage(address: Address, slot: Bytes): Promise<Bytes>
  putStorage(address: Address, slot: Bytes, value: Bytes): Promise<void>
  clearStorage(address: Address): Promise<void>
  checkpoint(): Promise<void>
  commit(): Promise<void>
  revert(): Promise<void>
  /** The state root (MPT) or the dbHash of this block's changes (AMDB), as of the last write. */
  stateRoot(): Promise<Hash32>
}
