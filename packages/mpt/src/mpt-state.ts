import {
  type AccountState,
  type Address,
  type Bytes,
  ChainError,
  type Hash32,
  type KvBatchOp,
  type KvStore,
  type Logger,
  type StateView,
  silentLogger,
} from '@consortia/interface'
import { createMerkleProof, createMPT, type MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { decodeAccount, encodeAccount, type MPTAccount } from './account.js'
import { BlockWriteBuffer } from './block-buffer.js'
import { assertLength, bytesToHex0x, bytesToHexRaw, equalBytes, stripLeadingZeros } from './bytes.js'
import { invalidInput, type MPTErrorType } from './errors.js'
import { checkHashFn, type HashFn, keccak256 } from './hash.js'
import { accountProofOf, PROOF_SLOTS_MAX, type StateProof, storageProofOf } from './proof.js'
import { pendingReachable } from './reachable.js'

/** Default key prefix of everything `MPTState` writes to its store (`"mpt:"`). */
export const MPT_KEY_PREFIX_DEFAULT: Uint8Array = new TextEncoder().encode('mpt:')
/** Deepest checkpoint nesting (call frames plus transactions); the EVM's own call depth limit is 1024. */
export const MPT_CHECKPOINT_DEPTH_MAX = 1100
/** Most trie nodes and code blobs one block may write before `MPT_BLOCK_TOO_LARGE`. */
export const MPT_BLOCK_WRITES_MAX = 2_000_000
/** Most committed nodes kept in the read cache. */
export const MPT_READ_CACHE_MAX = 100_000
/** Most storage-trie handles kept open (one per recently touched contract). */
export const MPT_STORAGE_TRIE_CACHE_MAX = 4096
/** Most decoded account leaves cached (saves an account-trie walk per storage write). */
export const MPT_ACCOUNT_CACHE_MAX = 16_384

const HEAD_SUFFIX = new TextEncoder().encode('head')
// Code lives beside trie nodes, under "c" + codeHash (33 bytes: it cannot collide with a 32-byte node key).
const CODE_KEY_TAG = '63'

/** Options of `createMPTState`. */
export interface MPTStateInit {
  /** Where committed trie nodes, code and the head root live. */
  readonly store: KvStore
  /** Node, key and code hash (default Keccak-256). Pass SM3 on guomi chains. Must return 32 bytes. */
  readonly hash?: HashFn
  /** Open at this state root. Default: the root of the last `commitBlock` in `store`, else the empty state. */
  readonly root?: Hash32
  /** Prefix of every key written to `store` (default `MPT_KEY_PREFIX_DEFAULT`). */
  readonly keyPrefix?: Uint8Array
  /** Default `MPT_CHECKPOINT_DEPTH_MAX`. */
  readonly checkpointDepthMax?: number
  /** Default `MPT_BLOCK_WRITES_MAX`. */
  readonly blockWritesMax?: number
  /** Default `MPT_READ_CACHE_MAX`. */
  readonly readCacheMax?: number
  /** Default `MPT_STORAGE_TRIE_CACHE_MAX`. */
  readonly storageTrieCacheMax?: number
  /** Default `MPT_ACCOUNT_CACHE_MAX`. */
  readonly accountCacheMax?: number
  readonly logger?: Logger
}

/** Options of `MPTState.commitBlock`. */
export interface CommitBlockOptions {
  /** fsync before resolving (default true: a committed block must survive power loss). */
  readonly sync?: boolean
  /** More ops (the block, its indexes) to write in the same atomic batch as the state. */
  readonly extraOps?: readonly KvBatchOp[]
}

/** What `commitBlock` wrote. */
export interface BlockCommit {
  /** The state root now stored as head. */
  readonly stateRoot: Hash32
  /** Trie nodes and code blobs written (without the head pointer and `extraOps`). */
  readonly nodeWrites: number
  /** Ops in the one batch, all included. */
  readonly batchOps: number
}

/** A block's state write set, as `blockWriteSet` returns it. */
export interface BlockWriteSet {
  readonly stateRoot: Hash32
  /** Trie nodes, code blobs and the head pointer, keys already prefixed; write them in one batch. */
  readonly ops: readonly KvBatchOp[]
}

interface Frame {
  readonly accountRoot: Uint8Array
  /** Value of `pendingStorageRoots` for each address before its first change in this frame. */
  readonly journal: Map<string, Uint8Array | undefined>
}

/**
 * Opens the Merkle Patricia world state stored in `init.store`.
 *
 * @example
 * ```ts
 * const state = await createMPTState({ store: await createLevelKvStore({ location: './state' }) })
 * await state.putStorage(address, slot, value)
 * const { stateRoot } = await state.commitBlock()
 * ```
 */
export async function createMPTState(init: MPTStateInit): Promise<MPTState> {
  const hash = checkHashFn(init.hash ?? keccak256)
  const keyPrefix = init.keyPrefix ?? MPT_KEY_PREFIX_DEFAULT
  let root = init.root
  if (root !== undefined) assertLength(root, 32, 'root')
  else {
    const head = await init.store.get(headKey(keyPrefix))
    if (head !== undefined) root = head
  }
  const buffer = new BlockWriteBuffer(init.store, {
    keyPrefix,
    readCacheMax: init.readCacheMax ?? MPT_READ_CACHE_MAX,
  })
  const accountTrie = await openTrie(buffer, hash, root)
  if (root !== undefined && !(await accountTrie.checkRoot(root))) {
    throw new ChainError<MPTErrorType>(
      { code: 'MPT_MISSING_NODE', key: bytesToHex0x(root) },
      `state root ${bytesToHex0x(root)} is not in the store`,
    )
  }
  return new MPTState(init, hash, keyPrefix, buffer, accountTrie)
}

async function openTrie(
  buffer: BlockWriteBuffer,
  hash: HashFn,
  root?: Uint8Array,
): Promise<MerklePatriciaTrie> {
  return createMPT({
    db: buffer,
    valueEncoding: 'view',
    useKeyHashing: true,
    useKeyHashingFunction: hash,
    ...(root === undefined ? {} : { root }),
  })
}

function headKey(prefix: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + HEAD_SUFFIX.length)
  out.set(prefix)
  out.set(HEAD_SUFFIX, prefix.length)
  return out
}

/**
 * The Merkle Patricia world state as a `StateView`: an account trie keyed by `hash(address)` holding
 * RLP `[nonce, balance, storageRoot, codeHash]`, one storage trie per account keyed by `hash(slot)`
 * holding RLP of the value without leading zeros, and code stored by its hash: the layout of the
 * Ethereum Yellow Paper, so roots and proofs match any Ethereum client when the hash is Keccak-256.
 *
 * All writes stay in memory until `commitBlock`, which writes the block's nodes, code and the new head
 * root in one atomic `KvStore.batch`: after a crash the store holds either the old head with all of its
 * nodes or the new one with all of its nodes. `checkpoint`/`commit`/`revert` nest per call frame.
 * Changed storage roots are folded into the account trie lazily (at `stateRoot`, `createProof` and block
 * commit), so a block of many slot writes to one contract rewrites its account leaf once.
 *
 * Calls are serialised internally; one `MPTState` serves one block executor at a time.
 */
export class MPTState implements StateView {
  private readonly store: KvStore
  private readonly hash: HashFn
  private readonly keyPrefix: Uint8Array
  private readonly buffer: BlockWriteBuffer
  private accountTrie: MerklePatriciaTrie
  private readonly logger: Logger
  private readonly checkpointDepthMax: number
  private readonly blockWritesMax: number
  private readonly storageTrieCacheMax: number
  private readonly accountCacheMax: number
  private readonly emptyRoot: Uint8Array
  private readonly emptyCodeHashBytes: Uint8Array
  /** Storage roots changed since their account leaf was last written, by address hex. */
  private readonly pendingStorageRoots = new Map<string, Uint8Array>()
  private readonly storageTries = new Map<string, MerklePatriciaTrie>()
  /** Account leaves as the account trie holds them (`null`: known absent), by address hex. */
  private readonly recordCache = new Map<string, MPTAccount | null>()
  private readonly frames: Frame[] = []
  private committedRoot: Uint8Array
  private queue: Promise<unknown> = Promise.resolve()
  private pendingChanges = 0
  private handedOut: { stateRoot: Uint8Array; keep: Set<string>; version: number } | undefined

  /** Use `createMPTState`, which checks the options and loads the head root. */
  constructor(
    init: MPTStateInit,
    hash: HashFn,
    keyPrefix: Uint8Array,
    buffer: BlockWriteBuffer,
    accountTrie: MerklePatriciaTrie,
  ) {
    this.store = init.store
    this.hash = hash
    this.keyPrefix = keyPrefix
    this.buffer = buffer
    this.accountTrie = accountTrie
    this.logger = init.logger ?? silentLogger
    this.checkpointDepthMax = init.checkpointDepthMax ?? MPT_CHECKPOINT_DEPTH_MAX
    this.blockWritesMax = init.blockWritesMax ?? MPT_BLOCK_WRITES_MAX
    this.storageTrieCacheMax = init.storageTrieCacheMax ?? MPT_STORAGE_TRIE_CACHE_MAX
    this.accountCacheMax = init.accountCacheMax ?? MPT_ACCOUNT_CACHE_MAX
    this.emptyRoot = accountTrie.EMPTY_TRIE_ROOT
    this.emptyCodeHashBytes = hash(new Uint8Array())
    this.committedRoot = accountTrie.root()
  }

  /** Root of the empty trie under this state's hash (Keccak-256: 0x56e81f…b421). */
  get emptyTrieRoot(): Hash32 {
    return this.emptyRoot.slice()
  }

  /** Hash of empty code, the `codeHash` of accounts without code (Keccak-256: 0xc5d246…a470). */
  get emptyCodeHash(): Hash32 {
    return this.emptyCodeHashBytes.slice()
  }

  /** The root stored as head by the last `commitBlock` (or the root this state was opened at). */
  get committedStateRoot(): Hash32 {
    return this.committedRoot.slice()
  }

  /** Open checkpoints. */
  get checkpointDepth(): number {
    return this.frames.length
  }

  /** Nodes and code blobs buffered for the next `commitBlock`, across all checkpoint layers. */
  get pendingWrites(): number {
    return this.buffer.heldEntries
  }

  /** Decoded account leaves currently cached. */
  get cachedAccounts(): number {
    return this.recordCache.size
  }

  /** Storage-trie handles currently cached. */
  get openStorageTries(): number {
    return this.storageTries.size
  }

  /** Committed nodes held in the read cache. */
  get readCacheEntries(): number {
    return this.buffer.cachedEntries
  }

  /** Node reads that went to the store (for benchmarks and cache tests). */
  get storeReads(): number {
    return this.buffer.storeReads
  }

  async getAccount(address: Address): Promise<AccountState | undefined> {
    assertLength(address, 20, 'address')
    return this.serial(async () => {
      const record = await this.readRecord(address)
      if (record === undefined) return undefined
      return { nonce: record.nonce, balance: record.balance, codeHash: record.codeHash.slice() }
    })
  }

  /** The account with its storage root, as the account trie will hold it. */
  async getAccountWithStorageRoot(address: Address): Promise<MPTAccount | undefined> {
    assertLength(address, 20, 'address')
    return this.serial(async () => {
      const record = await this.readRecord(address)
      return (
        record && { ...record, codeHash: record.codeHash.slice(), storageRoot: record.storageRoot.slice() }
      )
    })
  }

  async putAccount(address: Address, account: AccountState): Promise<void> {
    assertLength(address, 20, 'address')
    checkAccount(account)
    return this.serial(async () => {
      this.assertRoom()
      const record = await this.readRecord(address)
      await this.writeRecord(address, {
        nonce: account.nonce,
        balance: account.balance,
        codeHash: account.codeHash.slice(),
        storageRoot: record?.storageRoot ?? this.emptyRoot,
      })
    })
  }

  async deleteAccount(address: Address): Promise<void> {
    assertLength(address, 20, 'address')
    return this.serial(async () => {
      this.assertRoom()
      await this.onAccountTrie((trie) => trie.del(address))
      this.cacheRecord(bytesToHexRaw(address), null)
      this.setPending(bytesToHexRaw(address), undefined)
    })
  }

  async getCode(address: Address): Promise<Bytes> {
    assertLength(address, 20, 'address')
    return this.serial(async () => {
      const record = await this.readRecord(address)
      if (record === undefined || equalBytes(record.codeHash, this.emptyCodeHashBytes))
        return new Uint8Array()
      const code = await this.buffer.getBytes(CODE_KEY_TAG + bytesToHexRaw(record.codeHash))
      if (code === undefined) {
        throw new ChainError<MPTErrorType>(
          { code: 'MPT_MISSING_NODE', key: bytesToHex0x(record.codeHash) },
          `code ${bytesToHex0x(record.codeHash)} of ${bytesToHex0x(address)} is not in the store`,
        )
      }
      return code.slice()
    })
  }

  /** Stores `code` by its hash and points the account at it, creating an empty account if needed. */
  async putCode(address: Address, code: Bytes): Promise<void> {
    assertLength(address, 20, 'address')
    if (!(code instanceof Uint8Array)) throw invalidInput('code', 'Uint8Array', typeof code)
    return this.serial(async () => {
      this.assertRoom()
      const codeHash = this.hash(code)
      if (code.length > 0) this.buffer.putBytes(CODE_KEY_TAG + bytesToHexRaw(codeHash), code.slice())
      const record = await this.readRecord(address)
      await this.writeRecord(address, {
        nonce: record?.nonce ?? 0n,
        balance: record?.balance ?? 0n,
        storageRoot: record?.storageRoot ?? this.emptyRoot,
        codeHash,
      })
    })
  }

  async getStorage(address: Address, slot: Bytes): Promise<Bytes> {
    assertLength(address, 20, 'address')
    assertLength(slot, 32, 'slot')
    return this.serial(async () => {
      const record = await this.readRecord(address)
      if (record === undefined || equalBytes(record.storageRoot, this.emptyRoot)) return new Uint8Array()
      const trie = await this.storageTrie(bytesToHexRaw(address), record.storageRoot)
      const raw = await this.trieGet(trie, slot)
      if (raw === null) return new Uint8Array()
      const value = RLP.decode(raw)
      if (!(value instanceof Uint8Array)) {
        throw new ChainError<MPTErrorType>(
          { code: 'MPT_CORRUPT_ACCOUNT', address: bytesToHex0x(address) },
          `storage value of ${bytesToHex0x(address)} is not an RLP string`,
        )
      }
      return value.slice()
    })
  }

  /**
   * Writes a slot (a zero value deletes it). An address without an account gets an empty one
   * (nonce 0, balance 0, no code) at once, which stays when its storage is cleared again.
   */
  async putStorage(address: Address, slot: Bytes, value: Bytes): Promise<void> {
    assertLength(address, 20, 'address')
    assertLength(slot, 32, 'slot')
    if (!(value instanceof Uint8Array) || value.length > 32) {
      throw invalidInput(
        'value',
        'at most 32 bytes',
        value instanceof Uint8Array ? String(value.length) : typeof value,
      )
    }
    const stripped = stripLeadingZeros(value)
    return this.serial(async () => {
      this.assertRoom()
      const addressHex = bytesToHexRaw(address)
      const record = await this.readRecord(address)
      const trie = await this.storageTrie(addressHex, record?.storageRoot ?? this.emptyRoot)
      try {
        if (stripped.length === 0) await trie.del(slot)
        else await trie.put(slot, RLP.encode(stripped))
      } catch (err) {
        // A failed write may leave the trie's lock held; never reuse that handle.
        this.storageTries.delete(addressHex)
        throw wrapTrieError(err)
      }
      if (record === undefined) {
        // Create the account now, not at fold time, so the root never depends on when it was asked for.
        await this.writeRecord(address, {
          nonce: 0n,
          balance: 0n,
          codeHash: this.emptyCodeHashBytes,
          storageRoot: trie.root(),
        })
      } else {
        this.setPending(addressHex, trie.root())
      }
    })
  }

  async clearStorage(address: Address): Promise<void> {
    assertLength(address, 20, 'address')
    return this.serial(async () => {
      const record = await this.readRecord(address)
      if (record === undefined) return
      this.setPending(bytesToHexRaw(address), this.emptyRoot)
    })
  }

  async checkpoint(): Promise<void> {
    return this.serial(async () => {
      if (this.frames.length >= this.checkpointDepthMax) {
        throw new ChainError<MPTErrorType>(
          { code: 'MPT_CHECKPOINT_DEPTH', checkpointDepthMax: this.checkpointDepthMax },
          `checkpoints nest at most ${this.checkpointDepthMax} deep`,
        )
      }
      this.frames.push({ accountRoot: this.accountTrie.root(), journal: new Map() })
      this.buffer.checkpoint()
    })
  }

  async commit(): Promise<void> {
    return this.serial(async () => {
      const frame = this.popFrame('commit')
      const parent = this.frames[this.frames.length - 1]
      if (parent !== undefined) {
        for (const [k, v] of frame.journal) if (!parent.journal.has(k)) parent.journal.set(k, v)
      }
      this.buffer.commit()
    })
  }

  async revert(): Promise<void> {
    return this.serial(async () => {
      const frame = this.popFrame('revert')
      this.accountTrie.root(frame.accountRoot)
      // Leaves cached since the checkpoint may be gone; reverts are rare enough to start over.
      this.recordCache.clear()
      for (const [k, v] of frame.journal) {
        if (v === undefined) this.pendingStorageRoots.delete(k)
        else this.pendingStorageRoots.set(k, v)
      }
      this.buffer.revert()
    })
  }

  async stateRoot(): Promise<Hash32> {
    return this.serial(async () => {
      await this.foldStorageRoots()
      return this.accountTrie.root().slice()
    })
  }

  /**
   * An `eth_getProof`-shaped proof of `address` and `slots` against the current `stateRoot()`
   * (uncommitted writes included). Verify it with `verifyProof`.
   */
  async createProof(address: Address, slots: readonly Bytes[] = []): Promise<StateProof> {
    assertLength(address, 20, 'address')
    if (slots.length > PROOF_SLOTS_MAX)
      throw invalidInput('slots', `at most ${PROOF_SLOTS_MAX}`, String(slots.length))
    for (const [i, slot] of slots.entries()) assertLength(slot, 32, `slots[${i}]`)
    return this.serial(async () => {
      await this.foldStorageRoots()
      const accountNodes = await createMerkleProof(this.accountTrie, address).catch((e) => {
        throw wrapTrieError(e)
      })
      const record = await this.readRecord(address)
      const storage = []
      for (const slot of slots) {
        if (record === undefined || equalBytes(record.storageRoot, this.emptyRoot)) {
          storage.push(storageProofOf(slot, new Uint8Array(), []))
          continue
        }
        const trie = await this.storageTrie(bytesToHexRaw(address), record.storageRoot)
        const nodes = await createMerkleProof(trie, slot).catch((e) => {
          throw wrapTrieError(e)
        })
        const raw = await this.trieGet(trie, slot)
        storage.push(
          storageProofOf(slot, raw === null ? new Uint8Array() : (RLP.decode(raw) as Uint8Array), nodes),
        )
      }
      return accountProofOf(address, record, accountNodes, storage, {
        emptyRoot: this.emptyRoot,
        emptyCodeHash: this.emptyCodeHashBytes,
      })
    })
  }

  /**
   * The pending block's write set without writing it: trie nodes, code and the head pointer, for a host
   * that writes the state together with its own data. Call `markBlockWritten` once that batch is stored.
   */
  async blockWriteSet(): Promise<BlockWriteSet> {
    return this.serial(async () => {
      const { stateRoot, ops, keep } = await this.prepareBlock()
      this.handedOut = { stateRoot, keep, version: this.version() }
      return { stateRoot, ops }
    })
  }

  /**
   * Tells the state that the ops of the last `blockWriteSet` reached the store. Fails with
   * `MPT_WRITE_SET_STALE` if the state changed since: those changes were not in the handed-out set.
   */
  async markBlockWritten(): Promise<void> {
    return this.serial(async () => {
      const handed = this.handedOut
      if (handed === undefined || handed.version !== this.version()) {
        throw new ChainError<MPTErrorType>(
          { code: 'MPT_WRITE_SET_STALE' },
          handed === undefined ? 'no write set was handed out' : 'the state changed after blockWriteSet',
        )
      }
      this.handedOut = undefined
      this.buffer.markWritten(handed.keep)
      this.committedRoot = handed.stateRoot
    })
  }

  /**
   * Writes the block's trie nodes, code and the new head root (plus `extraOps`) in ONE atomic
   * `KvStore.batch`. Only nodes reachable from the new root are written: the intermediate nodes
   * `@ethereumjs/mpt` creates on every write are dropped. Fails with `MPT_CHECKPOINT_OPEN` while
   * checkpoints are open. If the batch fails, nothing is lost: the writes stay buffered and the call
   * can be retried.
   */
  async commitBlock(options: CommitBlockOptions = {}): Promise<BlockCommit> {
    return this.serial(async () => {
      const { stateRoot, ops, keep } = await this.prepareBlock()
      const nodeWrites = ops.length - 1
      if (options.extraOps !== undefined) ops.push(...options.extraOps)
      await this.store.batch(ops, { sync: options.sync ?? true })
      this.buffer.markWritten(keep)
      this.committedRoot = stateRoot
      this.logger.debug('mpt block committed', { stateRoot: bytesToHex0x(stateRoot), nodeWrites })
      return { stateRoot, nodeWrites, batchOps: ops.length }
    })
  }

  /** Drops every uncommitted write and returns to the last committed root. */
  async discardBlock(): Promise<void> {
    return this.serial(async () => {
      this.assertNoCheckpoint()
      this.buffer.clear()
      this.pendingStorageRoots.clear()
      this.storageTries.clear()
      this.recordCache.clear()
      this.accountTrie.root(this.committedRoot)
    })
  }

  /** Folds storage roots, then picks the block's live nodes and code, plus the head pointer. */
  private async prepareBlock(): Promise<{ stateRoot: Uint8Array; ops: KvBatchOp[]; keep: Set<string> }> {
    this.assertNoCheckpoint()
    await this.foldStorageRoots()
    const stateRoot = this.accountTrie.root().slice()
    const keep = new Set<string>()
    const storageRoots: Uint8Array[] = []
    const pending = (keyHex: string) => this.buffer.pendingValue(keyHex)
    pendingReachable(stateRoot, pending, (leaf) => storageRoots.push(storageRootOfLeaf(leaf)), keep)
    for (const root of storageRoots) pendingReachable(root, pending, () => {}, keep)
    for (const keyHex of this.buffer.pendingKeys()) {
      // Code blobs: "c" + 32-byte hash. Reverted code never got here (its layer was dropped).
      if (keyHex.length === 66 && keyHex.startsWith(CODE_KEY_TAG)) keep.add(keyHex)
    }
    const ops = this.buffer.blockOps(keep)
    ops.push({ type: 'put', key: headKey(this.keyPrefix), value: stateRoot })
    return { stateRoot, ops, keep }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private assertRoom(): void {
    // Checked before a write starts, never inside one, so a trie is never left half-updated.
    if (this.buffer.heldEntries >= this.blockWritesMax) {
      throw new ChainError<MPTErrorType>(
        { code: 'MPT_BLOCK_TOO_LARGE', blockWritesMax: this.blockWritesMax },
        `block writes more than ${this.blockWritesMax} trie nodes`,
      )
    }
  }

  private assertNoCheckpoint(): void {
    if (this.frames.length > 0) {
      throw new ChainError<MPTErrorType>(
        { code: 'MPT_CHECKPOINT_OPEN', depth: this.frames.length },
        `${this.frames.length} checkpoint(s) still open`,
      )
    }
  }

  private popFrame(operation: 'commit' | 'revert'): Frame {
    const frame = this.frames.pop()
    if (frame === undefined) {
      throw new ChainError<MPTErrorType>(
        { code: 'MPT_NO_CHECKPOINT', operation },
        `${operation} without checkpoint`,
      )
    }
    return frame
  }

  /** Changes so far (buffer layers and pending storage roots): equal versions mean an unchanged state. */
  private version(): number {
    return this.buffer.version + this.pendingChanges
  }

  private setPending(addressHex: string, root: Uint8Array | undefined): void {
    this.pendingChanges++
    const frame = this.frames[this.frames.length - 1]
    if (frame !== undefined && !frame.journal.has(addressHex)) {
      frame.journal.set(addressHex, this.pendingStorageRoots.get(addressHex))
    }
    if (root === undefined) this.pendingStorageRoots.delete(addressHex)
    else this.pendingStorageRoots.set(addressHex, root)
  }

  private async readRecord(address: Address): Promise<MPTAccount | undefined> {
    const addressHex = bytesToHexRaw(address)
    const record = await this.storedRecord(address, addressHex)
    if (record === undefined) return undefined
    const pending = this.pendingStorageRoots.get(addressHex)
    return pending === undefined ? record : { ...record, storageRoot: pending }
  }

  /** The account leaf as the account trie holds it now, through the record cache. */
  private async storedRecord(address: Address, addressHex: string): Promise<MPTAccount | undefined> {
    const cached = this.recordCache.get(addressHex)
    if (cached !== undefined) return cached ?? undefined
    const raw = await this.trieGet(this.accountTrie, address)
    const record = raw === null ? undefined : decodeAccount(raw, address)
    this.cacheRecord(addressHex, record ?? null)
    return record
  }

  private cacheRecord(addressHex: string, record: MPTAccount | null): void {
    if (this.accountCacheMax <= 0) return
    this.recordCache.delete(addressHex)
    this.recordCache.set(addressHex, record)
    if (this.recordCache.size > this.accountCacheMax) {
      this.recordCache.delete(this.recordCache.keys().next().value as string)
    }
  }

  /** A read that throws `MPT_MISSING_NODE` on a missing node instead of reading it as absent. */
  private async trieGet(trie: MerklePatriciaTrie, key: Uint8Array): Promise<Uint8Array | null> {
    // The empty trie's root node is never stored; there is nothing to find.
    if (equalBytes(trie.root(), this.emptyRoot)) return null
    try {
      return await trie.get(key, true)
    } catch (err) {
      throw wrapTrieError(err)
    }
  }

  private async writeRecord(address: Address, record: MPTAccount): Promise<void> {
    await this.onAccountTrie((trie) => trie.put(address, encodeAccount(record)))
    const addressHex = bytesToHexRaw(address)
    this.cacheRecord(addressHex, record)
    this.setPending(addressHex, undefined)
  }

  private async onAccountTrie(fn: (trie: MerklePatriciaTrie) => Promise<void>): Promise<void> {
    const before = this.accountTrie.root()
    try {
      await fn(this.accountTrie)
    } catch (err) {
      // A failed write may leave the trie's lock held: reopen at the root it had.
      this.recordCache.clear()
      this.accountTrie = await openTrie(this.buffer, this.hash, before)
      throw wrapTrieError(err)
    }
  }

  private async foldStorageRoots(): Promise<void> {
    if (this.pendingStorageRoots.size === 0) return
    for (const [addressHex, root] of [...this.pendingStorageRoots]) {
      const address = Uint8Array.from(Buffer.from(addressHex, 'hex'))
      const record = await this.storedRecord(address, addressHex)
      if (record === undefined) {
        // Unreachable through the public API (deleteAccount drops the pending root); never resurrect.
        this.setPending(addressHex, undefined)
        continue
      }
      await this.writeRecord(address, { ...record, storageRoot: root })
    }
  }

  private async storageTrie(addressHex: string, root: Uint8Array): Promise<MerklePatriciaTrie> {
    let trie = this.storageTries.get(addressHex)
    if (trie === undefined) {
      if (this.storageTries.size >= this.storageTrieCacheMax) {
        const oldest = this.storageTries.keys().next().value as string
        this.storageTries.delete(oldest)
      }
      trie = await openTrie(this.buffer, this.hash, root)
      this.storageTries.set(addressHex, trie)
    } else {
      // Move to the back: the Map's order is the eviction order.
      this.storageTries.delete(addressHex)
      this.storageTries.set(addressHex, trie)
      trie.root(root)
    }
    return trie
  }
}

function storageRootOfLeaf(leaf: Uint8Array): Uint8Array {
  // Account-trie leaves are written by this class only; the address label is not known here.
  return decodeAccount(leaf, new Uint8Array(20)).storageRoot
}

function checkAccount(account: AccountState): void {
  if (typeof account !== 'object' || account === null)
    throw invalidInput('account', 'AccountState', typeof account)
  if (typeof account.nonce !== 'bigint' || account.nonce < 0n) {
    throw invalidInput('account.nonce', 'non-negative bigint', String(account.nonce))
  }
  if (typeof account.balance !== 'bigint' || account.balance < 0n) {
    throw invalidInput('account.balance', 'non-negative bigint', String(account.balance))
  }
  assertLength(account.codeHash, 32, 'account.codeHash')
}

function wrapTrieError(err: unknown): unknown {
  if (err instanceof ChainError) return err
  if (err instanceof Error && /Missing node in DB/.test(err.message)) {
    return new ChainError<MPTErrorType>(
      { code: 'MPT_MISSING_NODE', key: 'unknown' },
      'a trie node the state refers to is not in the store',
      { cause: err },
    )
  }
  return err
}
