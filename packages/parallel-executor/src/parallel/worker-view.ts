/**
 * The world a worker executes transactions in: a `StateView` and `TableStore` over item values
 * cached from the main thread (fetched on a miss), recording for each transaction the values
 * it read from outside, the state and table writes it made (to replay on the main thread) and
 * the final value of every item it wrote.
 */
import type {
  AccountState,
  Address,
  Bytes,
  CachedTable,
  CachedTableStore,
  Condition,
  Entry,
  Hash32,
  StateView,
  Table,
  TableInfo,
  TableStore,
} from '@consortia/interface'
import { bytesToHex } from '../bytes.js'
import { PrecompiledCode } from '../codes.js'
import { entryMatches, selectRows } from '../condition.js'
import {
  accountItem,
  codeItem,
  decodeAccount,
  decodeBytes,
  decodeInfo,
  decodeRows,
  encodeAccount,
  encodeBytes,
  encodeInfo,
  encodeRows,
  type ItemValue,
  isTransientAddress,
  itemAddress,
  rowsItem,
  storageItem,
  tableInfoItem,
} from './items.js'
import type { ItemUpdates, ItemVersion, ReadValue, StateOp, TableOp } from './protocol.js'

/** Default bound on item values a worker caches (the cache starts over when full). */
export const WORKER_CACHE_ENTRIES_MAX = 500_000

const ZERO_HASH = new Uint8Array(32)
const NONE = Symbol('none')

/** A value written by the transaction: decoded, plus how to encode it for the main thread. */
type Local =
  | { readonly kind: 'account'; readonly value: AccountState | undefined }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly kind: 'info'; readonly value: TableInfo | undefined }
  | { readonly kind: 'rows'; readonly value: readonly Entry[] }

/** A decoded schema that can be shared: frozen with its field list. */
function frozenInfo(value: ItemValue): TableInfo | undefined {
  const info = decodeInfo(value)
  if (info === undefined) return undefined
  Object.freeze(info.valueFields)
  return Object.freeze(info)
}

/** Decoded rows that can be shared: the list and every entry frozen (writes build new ones). */
function frozenRows(value: ItemValue): readonly Entry[] {
  const rows = decodeRows(value)
  for (const row of rows) Object.freeze(row)
  return Object.freeze(rows)
}

function encodeLocal(local: Local): ItemValue {
  switch (local.kind) {
    case 'account':
      return encodeAccount(local.value)
    case 'bytes':
      return encodeBytes(local.value)
    case 'info':
      return encodeInfo(local.value)
    case 'rows':
      return encodeRows(local.value)
  }
}

/** Committed values the main thread sent, with the version of each (when it gave them one). */
export interface FetchedValues {
  readonly values: readonly ItemValue[]
  readonly versions?: readonly ItemVersion[]
}

/** Options of a `WorkerView`. */
export interface WorkerViewInit {
  /** Fetches committed values of items the cache lacks from the main thread. */
  readonly fetch: (items: readonly string[]) => Promise<FetchedValues>
  /** Bound on cached values (default `WORKER_CACHE_ENTRIES_MAX`). */
  readonly cacheEntriesMax?: number
  /** The executor's `transientObjectsMax`: addresses in that range make a transaction unsafe. */
  readonly transientObjectsMax: number
}

/** The recorded effects of one transaction. */
export interface TransactionRecord {
  /** Flat pairs: item, the value read, or its version when the value came with one. */
  readonly reads: (string | ReadValue)[]
  readonly writes: (string | ItemValue)[]
  /** Flat pairs: the session's system-table reads so far, when they changed since the last record. */
  readonly session: (string | ItemValue)[] | undefined
  readonly stateOps: StateOp[]
  readonly tableOps: TableOp[]
  readonly unsafe: string | undefined
}

/** See the module comment. Not safe for two transactions at once: one at a time per worker. */
export class WorkerView implements StateView, TableStore, CachedTableStore {
  private readonly cache = new Map<string, ItemValue>()
  /**
   * The version of each cached value the main thread sent with one (a subset of `cache`'s
   * items). A read of such a value is recorded by its version: the main thread validates it by
   * comparing versions, and the value (a contract's code is thousands of characters) does not
   * travel back, nor is it decoded and compared there.
   */
  private readonly versions = new Map<string, ItemVersion>()
  /**
   * Decoded form of item values (accounts, code bytes, schemas, rows), reused while the item's
   * value is the same string: a transaction starts with cold session caches, and decoding the
   * same code or rows again for every transaction was most of a worker's extra cost over serial
   * execution. Bounded by the cache's bound (starts over when full). Accounts are handed out as
   * copies and schemas and rows frozen; code arrays are shared read-only, as the serial
   * executor's state cache shares them, so the EVM's per-array jump analysis is reused.
   */
  private readonly decodedCache = new Map<string, { readonly value: ItemValue; readonly decoded: unknown }>()
  private readonly cacheEntriesMax: number
  private readonly fetchItems: WorkerViewInit['fetch']
  private readonly objectsMax: number
  /**
   * First value of every system-table item (`_sys_*`) read in this block: a session caches
   * what it derives from them (the permission layer's effective ACLs), so every transaction's
   * read set carries them.
   */
  private sessionReads = new Map<string, ItemValue>()
  /** Size of `sessionReads` when it was last returned by `end`. */
  private sessionSent = 0
  /** First value read from outside, per item, for this transaction. */
  private reads = new Map<string, ItemValue>()
  /** The version of each value in `reads` that has one. */
  private readVersions = new Map<string, ItemVersion>()
  /** Items written by this transaction. */
  private local = new Map<string, Local>()
  /** Undo log of `local` for the state's savepoints. */
  private journal: { item: string; previous: Local | undefined }[] = []
  private marks: number[] = []
  private stateOps: StateOp[] = []
  private tableOps: TableOp[] = []
  private unsafe: string | undefined
  private readonly handles = new Map<string, CachedTable>()

  constructor(init: WorkerViewInit) {
    this.fetchItems = init.fetch
    this.cacheEntriesMax = init.cacheEntriesMax ?? WORKER_CACHE_ENTRIES_MAX
    this.objectsMax = init.transientObjectsMax
  }

  /** Number of cached item values. */
  get cachedEntries(): number {
    return this.cache.size
  }

  /** Number of cached decoded values (at most the cache's bound). */
  get decodedEntries(): number {
    return this.decodedCache.size
  }

  /** Applies values pushed by the main thread. */
  applyUpdates(updates: ItemUpdates): void {
    for (const item of updates.evict) {
      if (!item.startsWith('x:')) {
        this.cache.delete(item)
        this.versions.delete(item)
        continue
      }
      // Every item of an address (its storage was cleared or the account deleted).
      const address = item.slice(2)
      for (const key of this.cache.keys()) {
        if (itemAddress(key) !== address) continue
        this.cache.delete(key)
        this.versions.delete(key)
      }
    }
    const set = updates.set
    const versions = updates.versions
    for (let i = 0; i < set.length; i += 2)
      this.remember(set[i] as string, set[i + 1] as ItemValue, versions?.[i >> 1])
  }

  /** Forgets every cached value. */
  clearCache(): void {
    this.cache.clear()
    this.versions.clear()
    this.decodedCache.clear()
  }

  /** Number of cached values that have a version (at most the cache's bound). */
  get versionedEntries(): number {
    return this.versions.size
  }

  private remember(item: string, value: ItemValue, version: ItemVersion | undefined): void {
    if (!this.cache.has(item) && this.cache.size >= this.cacheEntriesMax) {
      this.cache.clear()
      this.versions.clear()
    }
    this.cache.set(item, value)
    if (version === undefined) this.versions.delete(item)
    else this.versions.set(item, version)
  }

  /** The value of an item that is never validated (earlier blocks' hashes): cached, not recorded. */
  async fetchOutside(item: string): Promise<readonly ItemValue[]> {
    if (this.cache.has(item)) return [this.cache.get(item) as ItemValue]
    const { values, versions } = await this.fetchItems([item])
    this.remember(item, values[0] ?? null, versions?.[0])
    return values
  }

  /** Starts a new block session: forgets the previous block's system-table reads. */
  beginSession(): void {
    this.sessionReads = new Map()
    this.sessionSent = 0
    this.begin()
  }

  /** Starts recording a new transaction. */
  begin(): void {
    this.reads = new Map()
    this.readVersions = new Map()
    this.local = new Map()
    this.journal = []
    this.marks = []
    this.stateOps = []
    this.tableOps = []
    this.unsafe = undefined
  }

  /**
   * Stops recording and returns what the transaction read and wrote. `session` lists every
   * system-table value the block's session has read so far, when that list grew since the
   * last `end` (the main thread keeps the previous list otherwise).
   */
  end(): TransactionRecord {
    const reads: (string | ReadValue)[] = []
    const versions = this.readVersions
    for (const [item, value] of this.reads) {
      const version = versions.get(item)
      reads.push(item, version === undefined ? value : version)
    }
    const writes: (string | ItemValue)[] = []
    for (const [item, local] of this.local) writes.push(item, encodeLocal(local))
    let session: (string | ItemValue)[] | undefined
    if (this.sessionReads.size !== this.sessionSent) {
      session = []
      for (const [item, value] of this.sessionReads) session.push(item, value)
      this.sessionSent = this.sessionReads.size
    }
    const record = {
      reads,
      writes,
      session,
      stateOps: this.stateOps,
      tableOps: this.tableOps,
      unsafe: this.unsafe ?? (this.marks.length !== 0 ? 'unbalanced state savepoints' : undefined),
    }
    this.begin()
    return record
  }

  /** Marks the transaction as one only the main thread can execute (it still runs to the end here). */
  markUnsafe(reason: string): void {
    this.unsafe ??= reason
  }

  private async outside(item: string): Promise<ItemValue> {
    const known = this.outsideCached(item)
    if (known !== NONE) return known
    const fetched = await this.fetchItems([item])
    const value = fetched.values[0] ?? null
    const version = fetched.versions?.[0]
    this.remember(item, value, version)
    // Another read of the same item may have finished while this one waited.
    if (this.reads.has(item)) return this.reads.get(item) as ItemValue
    this.recordRead(item, value, version)
    return value
  }

  /**
   * `outside` without waiting: the value when this transaction read the item already or the
   * cache holds it (recorded as `outside` records it), `NONE` when it has to be fetched.
   */
  private outsideCached(item: string): ItemValue | typeof NONE {
    const seen = this.reads.get(item)
    if (seen !== undefined || this.reads.has(item)) return seen as ItemValue
    const value = this.cache.get(item)
    if (value === undefined) return NONE
    this.recordRead(item, value, this.versions.get(item))
    return value
  }

  private recordRead(item: string, value: ItemValue, version: ItemVersion | undefined): void {
    this.reads.set(item, value)
    // Recorded with the version it came with: the value and its version were sent together.
    if (version !== undefined) this.readVersions.set(item, version)
    if ((item.startsWith('r:_sys_') || item.startsWith('i:_sys_')) && !this.sessionReads.has(item))
      this.sessionReads.set(item, value)
  }

  /**
   * `outside(item)` decoded by `decode`, from the decoded cache while the value is unchanged.
   * The decoded value is shared between transactions: callers copy or freeze it.
   */
  private async outsideDecoded<T>(item: string, decode: (value: ItemValue) => T): Promise<T> {
    return this.decoded(item, await this.outside(item), decode)
  }

  /** `outsideDecoded` without waiting, `NONE` when the value has to be fetched. */
  private outsideDecodedCached<T>(item: string, decode: (value: ItemValue) => T): T | typeof NONE {
    const value = this.outsideCached(item)
    return value === NONE ? NONE : this.decoded(item, value, decode)
  }

  private decoded<T>(item: string, value: ItemValue, decode: (value: ItemValue) => T): T {
    const hit = this.decodedCache.get(item)
    if (hit !== undefined && hit.value === value) return hit.decoded as T
    const decoded = decode(value)
    if (hit === undefined && this.decodedCache.size >= this.cacheEntriesMax) this.decodedCache.clear()
    this.decodedCache.set(item, { value, decoded })
    return decoded
  }

  private write(item: string, next: Local): void {
    if (this.marks.length > 0) this.journal.push({ item, previous: this.local.get(item) })
    this.local.set(item, next)
  }

  private address(address: Address): string {
    const hex = bytesToHex(address)
    if (isTransientAddress(hex, this.objectsMax)) this.markUnsafe(`transient object 0x${hex}`)
    return hex
  }

  // --- StateView ---

  async getAccount(address: Address): Promise<AccountState | undefined> {
    const item = accountItem(this.address(address))
    const local = this.local.get(item)
    if (local !== undefined) return local.value as AccountState | undefined
    const account = await this.outsideDecoded(item, decodeAccount)
    return account === undefined
      ? undefined
      : { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash.slice() }
  }

  async putAccount(address: Address, account: AccountState): Promise<void> {
    const value = { nonce: account.nonce, balance: account.balance, codeHash: account.codeHash.slice() }
    this.stateOps.push(['put-account', address.slice(), value])
    this.write(accountItem(this.address(address)), { kind: 'account', value })
  }

  async deleteAccount(address: Address): Promise<void> {
    this.markUnsafe('deleteAccount')
    this.write(accountItem(this.address(address)), { kind: 'account', value: undefined })
  }

  async getCode(address: Address): Promise<Bytes> {
    const item = codeItem(this.address(address))
    const local = this.local.get(item)
    if (local !== undefined) return (local.value as Uint8Array).slice()
    // Shared, not copied: code is only read (the serial executor's state cache shares it the
    // same way), and the EVM keeps one jump-destination analysis per code array and block, so
    // a fresh copy per transaction meant a fresh analysis per transaction (and, past the
    // EVM's `jumpAnalysesMax`, none cached at all).
    return this.outsideDecoded(item, decodeBytes)
  }

  async putCode(address: Address, code: Bytes): Promise<void> {
    this.markUnsafe('putCode')
    this.write(codeItem(this.address(address)), { kind: 'bytes', value: code.slice() })
  }

  async getStorage(address: Address, slot: Bytes): Promise<Bytes> {
    const item = storageItem(this.address(address), bytesToHex(slot))
    const local = this.local.get(item)
    if (local !== undefined) return (local.value as Uint8Array).slice()
    return (await this.outsideDecoded(item, decodeBytes)).slice()
  }

  async putStorage(address: Address, slot: Bytes, value: Bytes): Promise<void> {
    let start = 0
    while (start < value.length && value[start] === 0) start++
    const word = value.slice(start)
    this.stateOps.push(['put-storage', address.slice(), slot.slice(), value.slice()])
    this.write(storageItem(this.address(address), bytesToHex(slot)), { kind: 'bytes', value: word })
  }

  async clearStorage(address: Address): Promise<void> {
    this.address(address)
    this.markUnsafe('clearStorage')
  }

  async checkpoint(): Promise<void> {
    this.stateOps.push(['checkpoint'])
    this.marks.push(this.journal.length)
  }

  async commit(): Promise<void> {
    this.stateOps.push(['commit'])
    if (this.marks.pop() === undefined) this.markUnsafe('state commit without checkpoint')
    if (this.marks.length === 0) this.journal.length = 0
  }

  async revert(): Promise<void> {
    this.stateOps.push(['revert'])
    const mark = this.marks.pop()
    if (mark === undefined) {
      this.markUnsafe('state revert without checkpoint')
      return
    }
    for (let i = this.journal.length - 1; i >= mark; i--) {
      const u = this.journal[i] as { item: string; previous: Local | undefined }
      if (u.previous === undefined) this.local.delete(u.item)
      else this.local.set(u.item, u.previous)
    }
    this.journal.length = mark
  }

  /** Workers compute no roots: the main thread's state gives the block's root. */
  async stateRoot(): Promise<Hash32> {
    return ZERO_HASH
  }

  // --- TableStore ---

  private async info(name: string): Promise<TableInfo | undefined> {
    const known = this.infoCached(name)
    return known !== NONE ? known : this.outsideDecoded(tableInfoItem(name), frozenInfo)
  }

  /** `info` without waiting, `NONE` when the schema has to be fetched. */
  private infoCached(name: string): TableInfo | undefined | typeof NONE {
    const item = tableInfoItem(name)
    const local = this.local.get(item)
    if (local !== undefined) return local.value as TableInfo | undefined
    return this.outsideDecodedCached(item, frozenInfo)
  }

  async createTable(info: TableInfo): Promise<number> {
    if ((await this.info(info.name)) !== undefined) return PrecompiledCode.TableNameAlreadyExists
    const copy = { name: info.name, keyField: info.keyField, valueFields: [...info.valueFields] }
    this.tableOps.push(['create', copy])
    this.local.set(tableInfoItem(info.name), { kind: 'info', value: copy })
    return 0
  }

  async openTable(name: string): Promise<Table | undefined> {
    const info = await this.info(name)
    return info === undefined ? undefined : this.handleOf(info)
  }

  /**
   * `openTable` without waiting: the table, `null` when it does not exist, `undefined` when its
   * schema has to be fetched. Reads are recorded as `openTable` records them.
   */
  openTableCached(name: string): CachedTable | null | undefined {
    const info = this.infoCached(name)
    if (info === NONE) return undefined
    return info === undefined ? null : this.handleOf(info)
  }

  private handleOf(info: TableInfo): CachedTable {
    let handle = this.handles.get(info.name)
    if (handle === undefined || handle.info.keyField !== info.keyField) {
      handle = this.tableHandle(info)
      this.handles.set(info.name, handle)
    }
    return handle
  }

  private async rows(table: string, key: string): Promise<readonly Entry[]> {
    const known = this.rowsCached(table, key)
    return known !== NONE ? known : this.outsideDecoded(rowsItem(table, key), frozenRows)
  }

  /** `rows` without waiting, `NONE` when the rows have to be fetched. */
  private rowsCached(table: string, key: string): readonly Entry[] | typeof NONE {
    const item = rowsItem(table, key)
    const local = this.local.get(item)
    if (local !== undefined) return local.value as readonly Entry[]
    // A table this transaction created has no rows outside it.
    if (this.local.has(tableInfoItem(table))) return []
    return this.outsideDecodedCached(item, frozenRows)
  }

  private tableHandle(info: TableInfo): CachedTable {
    const name = info.name
    const setRows = (key: string, rows: readonly Entry[]) =>
      this.local.set(rowsItem(name, key), { kind: 'rows', value: rows })
    const insert = (key: string, entry: Entry, rows: readonly Entry[]) => {
      setRows(key, [...rows, Object.freeze({ ...entry, [info.keyField]: key })])
      this.tableOps.push(['insert', name, key, { ...entry }, 1])
      return 1
    }
    const update = (key: string, entry: Entry, condition: Condition | undefined, rows: readonly Entry[]) => {
      let count = 0
      const next = rows.map((r) => {
        if (!entryMatches(r, condition)) return r
        count++
        return Object.freeze({ ...r, ...entry })
      })
      if (count > 0) setRows(key, next)
      this.tableOps.push(['update', name, key, { ...entry }, condition, count])
      return count
    }
    const remove = (key: string, condition: Condition | undefined, rows: readonly Entry[]) => {
      const next = rows.filter((r) => !entryMatches(r, condition))
      const count = rows.length - next.length
      if (count > 0) setRows(key, next)
      this.tableOps.push(['remove', name, key, condition, count])
      return count
    }
    return {
      info,
      select: async (key: string, condition?: Condition) => selectRows(await this.rows(name, key), condition),
      insert: async (key: string, entry: Entry) => insert(key, entry, await this.rows(name, key)),
      update: async (key: string, entry: Entry, condition?: Condition) =>
        update(key, entry, condition, await this.rows(name, key)),
      remove: async (key: string, condition?: Condition) =>
        remove(key, condition, await this.rows(name, key)),
      // Without waiting while the rows are cached: the same reads and writes are recorded.
      selectCached: (key: string, condition?: Condition) => {
        const rows = this.rowsCached(name, key)
        return rows === NONE ? undefined : selectRows(rows, condition)
      },
      insertCached: (key: string, entry: Entry) => {
        const rows = this.rowsCached(name, key)
        return rows === NONE ? undefined : insert(key, entry, rows)
      },
      updateCached: (key: string, entry: Entry, condition?: Condition) => {
        const rows = this.rowsCached(name, key)
        return rows === NONE ? undefined : update(key, entry, condition, rows)
      },
    }
  }
}
