import type { AccountState, Address, Bytes, Hash32, StateView } from '@consortia/interface'
import type { AccountFields, StateManagerInterface } from '@ethereumjs/common'
import { Account, type Address as EthAddress, KECCAK256_NULL, KECCAK256_RLP } from '@ethereumjs/util'
import { bytesEqual, bytesToHex } from './bytes.js'
import { executorError } from './errors.js'
import type { TableOverlay } from './table-overlay.js'

/** One byte of code reported for precompiled addresses, as FISCO reports code size 1 for them. */
const PRECOMPILE_CODE = new Uint8Array([0x00])

/**
 * Default bound on the accounts, codes and storage slots the adapter keeps in memory for one
 * block; past it the whole cache is dropped and refilled from the `StateView`.
 */
export const STATE_CACHE_ENTRIES_MAX = 100_000

/** Components of the adapter. */
export interface StateViewAdapterComponents {
  readonly state: StateView
  /** Table writes of precompiles share the EVM's savepoints. */
  readonly tables: TableOverlay
  /** The chain hash (code hashes). */
  readonly hash: (data: Uint8Array) => Hash32
  /** Whether an address (lower-case hex, no 0x) is a precompile or a transient table object. */
  readonly isPrecompiled: (addressHex: string) => boolean
  /**
   * Bound on cached accounts, codes and slots (default `STATE_CACHE_ENTRIES_MAX`); 0 turns the
   * cache off, so every read goes to the `StateView`.
   */
  readonly cacheEntriesMax?: number
  /**
   * Runs before every storage write (SSTORE) of the EVM; it may throw an `EVMError` to halt
   * the frame (the executor checks the permission to write the contract's storage here).
   */
  readonly beforeStorageWrite?: (address: Address) => Promise<void> | undefined
}

/** What the adapter knows of one address; `undefined` fields are not loaded yet. */
interface CachedAddress {
  /** `null`: the account does not exist. */
  account: AccountState | null | undefined
  code: Bytes | undefined
  readonly slots: Map<string, Bytes>
}

/**
 * Presents a Consortia `StateView` (plus the block's table overlay) to @ethereumjs/evm as
 * its `StateManagerInterface`. Code hashes are the chain's hash; the EVM's own empty-code
 * constant (Keccak-256 of nothing) is translated to the chain's empty hash and back, so
 * emptiness checks work on guomi chains. Savepoints of the state and the tables move together.
 *
 * Reads are cached for the block, write-through: the adapter is the only writer of the state
 * while a block executes (precompiles only read it), so a cached value is always the value
 * the `StateView` holds. A `revert` drops the cache, since the state rolls back beneath it.
 */
export class StateViewAdapter implements StateManagerInterface {
  private readonly state: StateView
  private readonly tables: TableOverlay
  private readonly hash: (data: Uint8Array) => Hash32
  private readonly emptyCodeHash: Hash32
  private readonly isPrecompiled: (addressHex: string) => boolean
  private readonly beforeStorageWrite: ((address: Address) => Promise<void> | undefined) | undefined
  private readonly original = new Map<string, Uint8Array>()
  private readonly cache = new Map<string, CachedAddress>()
  private readonly cacheEntriesMax: number
  private cacheEntries = 0

  /** Storage values as they were when the current transaction started (EIP-2200 gas). */
  readonly originalStorageCache: StateManagerInterface['originalStorageCache']

  constructor(components: StateViewAdapterComponents) {
    this.state = components.state
    this.tables = components.tables
    this.hash = components.hash
    this.emptyCodeHash = components.hash(new Uint8Array(0))
    this.isPrecompiled = components.isPrecompiled
    this.beforeStorageWrite = components.beforeStorageWrite
    this.cacheEntriesMax = components.cacheEntriesMax ?? STATE_CACHE_ENTRIES_MAX
    if (!Number.isSafeInteger(this.cacheEntriesMax) || this.cacheEntriesMax < 0) {
      throw executorError('INVALID_ARGUMENT', `expected cacheEntriesMax ≥ 0, got ${this.cacheEntriesMax}`)
    }
    this.originalStorageCache = {
      get: async (address: EthAddress, key: Uint8Array) => {
        const id = `${bytesToHex(address.bytes)}${bytesToHex(key)}`
        const cached = this.original.get(id)
        if (cached !== undefined) return cached
        // The first SSTORE gas check of a slot in a transaction runs before its first write.
        const value = await this.storageOf(address.bytes, key)
        this.original.set(id, value)
        return value
      },
      clear: () => this.original.clear(),
    }
  }

  /** Accounts, codes and slots held in the cache (each counts one). */
  get cachedEntries(): number {
    return this.cacheEntries
  }

  private entryOf(addressHex: string): CachedAddress | undefined {
    if (this.cacheEntriesMax === 0) return undefined
    let entry = this.cache.get(addressHex)
    if (entry === undefined) {
      if (this.cacheEntries >= this.cacheEntriesMax) this.dropCache()
      entry = { account: undefined, code: undefined, slots: new Map() }
      this.cache.set(addressHex, entry)
    }
    return entry
  }

  /** Counts one more cached value and drops everything once the bound is passed. */
  private counted(): void {
    this.cacheEntries++
    if (this.cacheEntries > this.cacheEntriesMax) this.dropCache()
  }

  private dropCache(): void {
    this.cache.clear()
    this.cacheEntries = 0
  }

  private forget(addressHex: string): void {
    const entry = this.cache.get(addressHex)
    if (entry === undefined) return
    this.cacheEntries -=
      entry.slots.size + (entry.account === undefined ? 0 : 1) + (entry.code === undefined ? 0 : 1)
    this.cache.delete(addressHex)
  }

  private toEthCodeHash(codeHash: Hash32): Uint8Array {
    return bytesEqual(codeHash, this.emptyCodeHash) ? KECCAK256_NULL : codeHash
  }

  private fromEthCodeHash(codeHash: Uint8Array): Hash32 {
    return bytesEqual(codeHash, KECCAK256_NULL) ? this.emptyCodeHash : codeHash
  }

  /** The account at `address` as the state holds it (cached). */
  async accountOf(address: Address): Promise<AccountState | undefined> {
    const entry = this.entryOf(bytesToHex(address))
    if (entry !== undefined && entry.account !== undefined) return entry.account ?? undefined
    const a = await this.state.getAccount(address)
    if (entry !== undefined && entry.account === undefined) {
      entry.account = a ?? null
      this.counted()
    }
    return a
  }

  /**
   * `accountOf` without waiting: the account when the cache holds the answer (`null`: the
   * state has none), `undefined` when only `accountOf` can tell. Adds nothing to the cache.
   */
  accountOfCached(address: Address): AccountState | null | undefined {
    return this.cache.get(bytesToHex(address))?.account
  }

  /** The code at `address` as the state holds it, without the precompile marker (cached). */
  async codeOf(address: Address): Promise<Bytes> {
    const entry = this.entryOf(bytesToHex(address))
    if (entry?.code !== undefined) return entry.code
    const code = await this.state.getCode(address)
    if (entry !== undefined && entry.code === undefined) {
      entry.code = code
      this.counted()
    }
    return code
  }

  private async storageOf(address: Address, key: Uint8Array): Promise<Bytes> {
    const entry = this.entryOf(bytesToHex(address))
    if (entry === undefined) return this.state.getStorage(address, key)
    const slot = bytesToHex(key)
    const cached = entry.slots.get(slot)
    if (cached !== undefined) return cached
    const value = await this.state.getStorage(address, key)
    if (!entry.slots.has(slot)) {
      entry.slots.set(slot, value)
      this.counted()
    }
    return value
  }

  async getAccount(address: EthAddress): Promise<Account | undefined> {
    const a = await this.accountOf(address.bytes)
    if (a === undefined) return undefined
    // A fresh object every time: the EVM mutates the accounts it reads (nonce++).
    return new Account(a.nonce, a.balance, KECCAK256_RLP, this.toEthCodeHash(a.codeHash))
  }

  async putAccount(address: EthAddress, account?: Account): Promise<void> {
    if (account === undefined) {
      await this.deleteAccount(address)
      return
    }
    const next: AccountState = {
      nonce: account.nonce,
      balance: account.balance,
      // A copy: the cache keeps it, and the EVM owns the array it passed.
      codeHash: this.fromEthCodeHash(account.codeHash).slice(),
    }
    await this.writeAccount(address.bytes, next)
  }

  private async writeAccount(address: Address, next: AccountState): Promise<void> {
    const hex = bytesToHex(address)
    // Unset first: if the write throws, the cache must not claim the old value.
    const before = this.cache.get(hex)
    if (before !== undefined && before.account !== undefined) {
      before.account = undefined
      this.cacheEntries--
    }
    await this.state.putAccount(address, next)
    const entry = this.entryOf(hex)
    if (entry !== undefined && entry.account === undefined) {
      entry.account = next
      this.counted()
    }
  }

  async deleteAccount(address: EthAddress): Promise<void> {
    this.forget(bytesToHex(address.bytes))
    await this.state.deleteAccount(address.bytes)
  }

  async modifyAccountFields(address: EthAddress, fields: AccountFields): Promise<void> {
    const current = (await this.getAccount(address)) ?? new Account()
    if (fields.nonce !== undefined) current.nonce = fields.nonce
    if (fields.balance !== undefined) current.balance = fields.balance
    if (fields.codeHash !== undefined) current.codeHash = fields.codeHash
    await this.putAccount(address, current)
  }

  async putCode(address: EthAddress, value: Uint8Array): Promise<void> {
    this.forget(bytesToHex(address.bytes))
    await this.state.putCode(address.bytes, value)
    const current = (await this.state.getAccount(address.bytes)) ?? {
      nonce: 0n,
      balance: 0n,
      codeHash: this.emptyCodeHash,
    }
    await this.writeAccount(address.bytes, { ...current, codeHash: this.hash(value) })
  }

  async getCode(address: EthAddress): Promise<Uint8Array> {
    const code = await this.codeOf(address.bytes)
    if (code.length === 0 && this.isPrecompiled(bytesToHex(address.bytes))) return PRECOMPILE_CODE
    return code
  }

  async getCodeSize(address: EthAddress): Promise<number> {
    return (await this.getCode(address)).length
  }

  getStorage(address: EthAddress, key: Uint8Array): Promise<Uint8Array> {
    return this.storageOf(address.bytes, key)
  }

  async putStorage(address: EthAddress, key: Uint8Array, value: Uint8Array): Promise<void> {
    // Undefined: the check was answered without waiting.
    const check = this.beforeStorageWrite?.(address.bytes)
    if (check !== undefined) await check
    let start = 0
    while (start < value.length && value[start] === 0) start++
    const word = value.subarray(start)
    const hex = bytesToHex(address.bytes)
    const slot = bytesToHex(key)
    const before = this.cache.get(hex)
    if (before?.slots.delete(slot) === true) this.cacheEntries--
    await this.state.putStorage(address.bytes, key, word)
    const entry = this.entryOf(hex)
    if (entry !== undefined && !entry.slots.has(slot)) {
      entry.slots.set(slot, word)
      this.counted()
    }
  }

  async clearStorage(address: EthAddress): Promise<void> {
    this.forget(bytesToHex(address.bytes))
    await this.state.clearStorage(address.bytes)
  }

  async checkpoint(): Promise<void> {
    await this.state.checkpoint()
    this.tables.checkpoint()
  }

  async commit(): Promise<void> {
    await this.state.commit()
    this.tables.commit()
  }

  async revert(): Promise<void> {
    this.dropCache()
    await this.state.revert()
    this.tables.revert()
  }

  getStateRoot(): Promise<Uint8Array> {
    return this.state.stateRoot()
  }

  setStateRoot(): Promise<void> {
    throw executorError('UNSUPPORTED_STATE_OPERATION', 'setStateRoot: a StateView is bound to one block')
  }

  hasStateRoot(): Promise<boolean> {
    throw executorError('UNSUPPORTED_STATE_OPERATION', 'hasStateRoot: a StateView is bound to one block')
  }

  clearCaches(): void {
    this.original.clear()
    this.dropCache()
  }

  /**
   * Parallel-executor hook: forgets the cached account, code, one storage slot (hex key as
   * `bytesToHex` writes it) or everything (`all`) of one address (hex), changed beneath the
   * adapter by writes it did not make.
   */
  forgetCached(addressHex: string, part: 'account' | 'code' | 'all' | { readonly slot: string }): void {
    const entry = this.cache.get(addressHex)
    if (part === 'all') {
      this.forget(addressHex)
      for (const id of this.original.keys()) if (id.startsWith(addressHex)) this.original.delete(id)
      return
    }
    if (typeof part === 'object') this.original.delete(`${addressHex}${part.slot}`)
    if (entry === undefined) return
    if (part === 'account') {
      if (entry.account !== undefined) this.cacheEntries--
      entry.account = undefined
    } else if (part === 'code') {
      if (entry.code !== undefined) this.cacheEntries--
      entry.code = undefined
    } else if (entry.slots.delete(part.slot)) this.cacheEntries--
  }

  shallowCopy(): StateManagerInterface {
    throw executorError('UNSUPPORTED_STATE_OPERATION', 'shallowCopy: a StateView cannot be copied')
  }
}
