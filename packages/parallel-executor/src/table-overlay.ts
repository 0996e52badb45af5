import type {
  CachedTable,
  CachedTableStore,
  Condition,
  Entry,
  Logger,
  TableInfo,
  TableStore,
} from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { PrecompiledCode } from './codes.js'
import { entryMatches, selectRows } from './condition.js'
import { executorError } from './errors.js'

/** Default bound on the (table, key) row lists kept in memory between flushes. */
export const OVERLAY_CACHED_KEYS_MAX = 200_000

type Op =
  | { readonly kind: 'create'; readonly info: TableInfo }
  | {
      readonly kind: 'insert'
      readonly table: string
      readonly key: string
      readonly entry: Entry
      readonly count: number
    }
  | {
      readonly kind: 'update'
      readonly table: string
      readonly key: string
      readonly entry: Entry
      readonly condition: Condition | undefined
      readonly count: number
    }
  | {
      readonly kind: 'remove'
      readonly table: string
      readonly key: string
      readonly condition: Condition | undefined
      readonly count: number
    }

/**
 * The undo log of open savepoints, flat: entry `i` is a row list change (`key[i]` a string:
 * table `name[i]`, key `key[i]`, previous rows `previous[i]`) or a schema change (`key[i]`
 * undefined: table `name[i]`, previous schema `previous[i]`). No record object per write, and
 * the arrays keep their storage from one transaction to the next.
 */
class UndoLog {
  readonly name: string[] = []
  readonly key: (string | undefined)[] = []
  readonly previous: (readonly Entry[] | TableInfo | null | undefined)[] = []
  length = 0

  push(name: string, key: string | undefined, previous: readonly Entry[] | TableInfo | null | undefined) {
    const i = this.length++
    this.name[i] = name
    this.key[i] = key
    this.previous[i] = previous
  }

  /** Drops the entries from `length` on (their references too, so they can be collected). */
  truncate(length: number): void {
    for (let i = length; i < this.length; i++) this.previous[i] = undefined
    this.length = length
  }
}

/**
 * The table operations precompiles use: the block's `TableOverlay`, or a view of it that
 * checks each write against the permission layer first (see `GuardedTables`).
 */
export interface PrecompiledTables {
  /** The schema of `name`, or undefined when the table does not exist. */
  tableInfo(name: string): Promise<TableInfo | undefined>
  /** Creates a table; 0 on success or a negative FISCO code. */
  createTable(info: TableInfo): Promise<number>
  /** Rows of `key` that satisfy `condition`. */
  select(table: string, key: string, condition?: Condition): Promise<Entry[]>
  /** Inserts one row; the row count or a negative FISCO code. */
  insert(table: string, key: string, entry: Entry): Promise<number>
  /** Updates the rows of `key` matching `condition`; the row count or a negative FISCO code. */
  update(table: string, key: string, entry: Entry, condition?: Condition): Promise<number>
  /** Removes the rows of `key` matching `condition`; the row count. */
  remove(table: string, key: string, condition?: Condition): Promise<number>
  /**
   * The schema of `name` without waiting: the schema, `null` when the table is known not to
   * exist, `undefined` when only `tableInfo` can tell.
   */
  cachedInfo?(name: string): TableInfo | null | undefined
  /**
   * `select` when the key's rows are in memory, else `undefined`. Like the other `...Cached`
   * methods, a synchronous fast path: same result as the asynchronous method, or `undefined`
   * without doing anything, and the caller then uses the asynchronous one.
   */
  selectCached?(table: string, key: string, condition?: Condition): Entry[] | undefined
  /** `insert` when the schema and the key's rows are in memory, else `undefined` (nothing written). */
  insertCached?(table: string, key: string, entry: Entry): number | undefined
  /** `update` when the schema and the key's rows are in memory, else `undefined` (nothing written). */
  updateCached?(table: string, key: string, entry: Entry, condition?: Condition): number | undefined
}

/** Options of a `TableOverlay`. */
export interface TableOverlayInit {
  /** Bound on cached (table, key) row lists; the cache is dropped at a flush once it is exceeded. */
  readonly cachedKeysMax?: number
  readonly logger?: Logger
}

/**
 * A write-back layer over a `TableStore` with nested savepoints, as FISCO's
 * `MemoryTableFactory::savepoint/rollback`: precompiles read and write rows here, a failed
 * call frame reverts its writes, and `flush` replays the surviving writes, in order, on the
 * underlying store. Rows are loaded per (table, key) on first use and kept until the cache
 * bound is passed, so repeated reads of one key in a block cost one store read.
 */
export class TableOverlay implements PrecompiledTables {
  private readonly base: TableStore
  private readonly infos = new Map<string, TableInfo | null>()
  private readonly baseTables = new Map<string, CachedTable>()
  private readonly rows = new RowCache()
  private ops: Op[] = []
  private readonly undo = new UndoLog()
  // Savepoint marks as two stacks of lengths (undo log, ops) with a depth counter: no object
  // per savepoint, and the arrays keep their storage between transactions.
  private readonly markUndo: number[] = []
  private readonly markOps: number[] = []
  private marks = 0
  private readonly cachedKeysMax: number
  private readonly log: Logger

  constructor(base: TableStore, init: TableOverlayInit = {}) {
    this.base = base
    this.cachedKeysMax = init.cachedKeysMax ?? OVERLAY_CACHED_KEYS_MAX
    if (!Number.isInteger(this.cachedKeysMax) || this.cachedKeysMax < 1) {
      throw executorError('INVALID_ARGUMENT', `expected cachedKeysMax ≥ 1, got ${this.cachedKeysMax}`)
    }
    this.log = init.logger ?? silentLogger
  }

  /** Number of (table, key) row lists held in memory. */
  get cachedKeys(): number {
    return this.rows.size
  }

  /** Nesting depth of open savepoints. */
  get depth(): number {
    return this.marks
  }

  /** Writes not yet replayed on the underlying store. */
  get pendingOps(): number {
    return this.ops.length
  }

  /**
   * Forgets every cached row list, schema and table handle, after the underlying store changed
   * beneath the overlay (the parallel executor applies other threads' writes to it). Only with
   * no savepoint open and nothing pending.
   */
  dropCache(): void {
    if (this.marks !== 0 || this.ops.length !== 0)
      throw executorError(
        'INVARIANT_VIOLATED',
        'table overlay dropCache with open savepoints or pending writes',
      )
    this.rows.clear()
    this.infos.clear()
    this.baseTables.clear()
  }

  /**
   * Parallel-executor hook: forgets the cached rows of one key, or (no key) the schema, handle
   * and every cached row of a table, changed beneath the overlay. Same conditions as `dropCache`.
   */
  forgetCached(table: string, key?: string): void {
    if (this.marks !== 0 || this.ops.length !== 0)
      throw executorError(
        'INVARIANT_VIOLATED',
        'table overlay forgetCached with open savepoints or pending writes',
      )
    if (key !== undefined) {
      this.rows.delete(table, key)
      return
    }
    this.rows.deleteTable(table)
    this.infos.delete(table)
    this.baseTables.delete(table)
  }

  /**
   * The schema of `name` if the overlay knows it without waiting (already looked up, or the
   * store answers synchronously through `openTableCached`): the schema, `null` when the table
   * is known not to exist, `undefined` when only `tableInfo` can tell.
   */
  cachedInfo(name: string): TableInfo | null | undefined {
    const known = this.infos.get(name)
    if (known !== undefined) return known
    const table = (this.base as CachedTableStore).openTableCached?.(name)
    return table === undefined ? undefined : this.noteLookup(name, table)
  }

  /** The schema of `name`, or undefined when the table does not exist. */
  async tableInfo(name: string): Promise<TableInfo | undefined> {
    const known = this.infos.get(name)
    if (known !== undefined) return known ?? undefined
    return this.noteLookup(name, (await this.base.openTable(name)) ?? null) ?? undefined
  }

  /** Records what a store lookup of `name` found (`null`: no such table); returns its schema. */
  private noteLookup(name: string, table: CachedTable | null): TableInfo | null {
    if (table === null) {
      this.infos.set(name, null)
      return null
    }
    this.baseTables.set(name, table)
    this.infos.set(name, table.info)
    return table.info
  }

  /**
   * Looks `name` up in the store again when the overlay has recorded it as missing, and
   * returns its schema. Tables can appear in the store behind the overlay's back: the AMDB
   * StorageState creates an account's `c_<address>` table directly when the EVM creates the
   * account. The new lookup is undone by `revert`, with the savepoint it happened in.
   */
  async recheckTable(name: string): Promise<TableInfo | undefined> {
    if (this.infos.get(name) !== null) return this.tableInfo(name)
    const table = await this.base.openTable(name)
    if (table === undefined) return undefined
    this.recordInfo(name)
    this.baseTables.set(name, table)
    this.infos.set(name, table.info)
    return table.info
  }

  /**
   * `recheckTable` without waiting: the schema when the overlay knows the table, `null` when
   * the overlay and the store both know it is missing, `undefined` when only `recheckTable`
   * can tell (nothing is recorded then).
   */
  recheckTableCached(name: string): TableInfo | null | undefined {
    const known = this.cachedInfo(name)
    if (known !== null) return known
    const store = this.base as CachedTableStore
    return store.openTableCached?.(name) === null ? null : undefined
  }

  /** Creates a table; 0 on success, `-50001` when it exists. */
  async createTable(info: TableInfo): Promise<number> {
    if ((await this.tableInfo(info.name)) !== undefined) return PrecompiledCode.TableNameAlreadyExists
    const frozen: TableInfo = Object.freeze({
      name: info.name,
      keyField: info.keyField,
      valueFields: Object.freeze([...info.valueFields]),
    })
    this.recordInfo(info.name)
    this.infos.set(info.name, frozen)
    this.ops.push({ kind: 'create', info: frozen })
    return 0
  }

  /** Rows of `key` that satisfy `condition`. Throws when the table does not exist. */
  async select(table: string, key: string, condition?: Condition): Promise<Entry[]> {
    const rows = this.rows.get(table, key) ?? (await this.loadRows(table, key))
    return selectRows(rows, condition)
  }

  /** `select` when the key's rows are in memory (read or written earlier), else `undefined`. */
  selectCached(table: string, key: string, condition?: Condition): Entry[] | undefined {
    const rows = this.rowsCached(table, key)
    return rows === undefined ? undefined : selectRows(rows, condition)
  }

  /** Inserts one row (the key field is set to `key`); returns 1, or `-50008` for an unknown field. */
  async insert(table: string, key: string, entry: Entry): Promise<number> {
    const info = this.infos.get(table) || (await this.requireInfo(table))
    if (!fieldsValid(info, Object.keys(entry))) return PrecompiledCode.TableInvalidField
    const rows = this.rows.get(table, key) ?? (await this.loadRows(table, key))
    return this.insertInto(info, table, key, entry, rows)
  }

  /** `insert` when the schema and the key's rows are in memory, else `undefined` (nothing written). */
  insertCached(table: string, key: string, entry: Entry): number | undefined {
    const info = this.cachedInfo(table)
    if (!info) return undefined
    if (!fieldsValid(info, Object.keys(entry))) return PrecompiledCode.TableInvalidField
    const rows = this.rowsCached(table, key)
    return rows === undefined ? undefined : this.insertInto(info, table, key, entry, rows)
  }

  private insertInto(info: TableInfo, table: string, key: string, entry: Entry, rows: readonly Entry[]) {
    const row = Object.freeze({ ...entry, [info.keyField]: key })
    this.setRows(table, key, [...rows, row])
    this.ops.push({ kind: 'insert', table, key, entry: Object.freeze({ ...entry }), count: 1 })
    return 1
  }

  /**
   * Sets the fields of `entryIn` on every row of `key` matching `condition`; returns the row
   * count, or -51503 when the entry changes the key field.
   */
  async update(table: string, key: string, entryIn: Entry, condition?: Condition): Promise<number> {
    const info = this.infos.get(table) || (await this.requireInfo(table))
    const entry = updateEntry(info, key, entryIn)
    if (typeof entry === 'number') return entry
    const rows = this.rows.get(table, key) ?? (await this.loadRows(table, key))
    return this.updateIn(table, key, entry, condition, rows)
  }

  /** `update` when the schema and the key's rows are in memory, else `undefined` (nothing written). */
  updateCached(table: string, key: string, entryIn: Entry, condition?: Condition): number | undefined {
    const info = this.cachedInfo(table)
    if (!info) return undefined
    const entry = updateEntry(info, key, entryIn)
    if (typeof entry === 'number') return entry
    const rows = this.rowsCached(table, key)
    return rows === undefined ? undefined : this.updateIn(table, key, entry, condition, rows)
  }

  private updateIn(
    table: string,
    key: string,
    entry: Entry,
    condition: Condition | undefined,
    rows: readonly Entry[],
  ): number {
    let count = 0
    const next: Entry[] = []
    for (const r of rows) {
      if (!entryMatches(r, condition)) {
        next.push(r)
        continue
      }
      count++
      next.push(Object.freeze({ ...r, ...entry }))
    }
    if (count > 0) this.setRows(table, key, next)
    this.ops.push({ kind: 'update', table, key, entry, condition, count })
    return count
  }

  /** Removes the rows of `key` matching `condition`; returns the row count. */
  async remove(table: string, key: string, condition?: Condition): Promise<number> {
    if (!this.infos.get(table)) await this.requireInfo(table)
    const rows = this.rows.get(table, key) ?? (await this.loadRows(table, key))
    const next = rows.filter((r) => !entryMatches(r, condition))
    const count = rows.length - next.length
    if (count > 0) this.setRows(table, key, next)
    this.ops.push({ kind: 'remove', table, key, condition, count })
    return count
  }

  /** Opens a savepoint. */
  checkpoint(): void {
    const depth = this.marks++
    this.markUndo[depth] = this.undo.length
    this.markOps[depth] = this.ops.length
  }

  /** Keeps the writes since the last savepoint (they join the enclosing one). */
  commit(): void {
    if (this.marks === 0) throw executorError('INVARIANT_VIOLATED', 'table overlay commit without checkpoint')
    if (--this.marks === 0) this.undo.truncate(0)
  }

  /** Drops the writes since the last savepoint. */
  revert(): void {
    if (this.marks === 0) throw executorError('INVARIANT_VIOLATED', 'table overlay revert without checkpoint')
    const depth = --this.marks
    const markUndo = this.markUndo[depth] as number
    const undo = this.undo
    for (let i = undo.length - 1; i >= markUndo; i--) {
      const name = undo.name[i] as string
      const key = undo.key[i]
      if (key !== undefined) {
        const previous = undo.previous[i] as readonly Entry[] | undefined
        if (previous === undefined) this.rows.delete(name, key)
        else this.rows.set(name, key, previous)
      } else {
        const previous = undo.previous[i] as TableInfo | null | undefined
        if (previous === undefined) this.infos.delete(name)
        else this.infos.set(name, previous)
        // A table looked up again inside the savepoint may be gone from the store with it.
        if (previous == null) this.baseTables.delete(name)
      }
    }
    undo.truncate(markUndo)
    this.ops.length = this.markOps[depth] as number
  }

  /**
   * Replays the pending writes on the underlying store, in order, and checks that the store
   * affected the same number of rows as the overlay did. Only at depth 0.
   */
  async flush(): Promise<void> {
    if (this.marks !== 0) throw executorError('INVARIANT_VIOLATED', 'table overlay flush inside a savepoint')
    const ops = this.ops
    this.ops = []
    for (const op of ops) {
      if (op.kind === 'create') {
        const rc = await this.base.createTable(op.info)
        // The same table created in the store meanwhile (an account table the StateView
        // created while the overlay held the creation) is the table the overlay meant.
        if (
          rc !== 0 &&
          !(rc === PrecompiledCode.TableNameAlreadyExists && (await this.sameSchema(op.info)))
        ) {
          throw replayMismatch(op.info.name, 'create', 0, rc)
        }
        continue
      }
      const table = this.baseTables.get(op.table) ?? (await this.baseTable(op.table))
      let rc: number
      if (op.kind === 'insert') rc = await table.insert(op.key, op.entry)
      else if (op.kind === 'update') rc = await table.update(op.key, op.entry, op.condition)
      else rc = await table.remove(op.key, op.condition)
      if (rc !== op.count) throw replayMismatch(op.table, op.kind, op.count, rc)
    }
    this.trimCache()
  }

  /**
   * `flush` without waiting, as far as it goes: replays pending writes, in order, while the
   * store can take them synchronously (inserts and updates of tables already opened, through
   * the store's `insertCached`/`updateCached`). Returns true when nothing is left pending;
   * otherwise `flush()` replays the rest. Only at depth 0.
   */
  flushCached(): boolean {
    if (this.marks !== 0) throw executorError('INVARIANT_VIOLATED', 'table overlay flush inside a savepoint')
    const ops = this.ops
    let done = 0
    for (; done < ops.length; done++) {
      const op = ops[done] as Op
      if (op.kind === 'create') break
      const table = this.baseTables.get(op.table)
      if (table === undefined) break
      const rc =
        op.kind === 'insert'
          ? table.insertCached?.(op.key, op.entry)
          : op.kind === 'update'
            ? table.updateCached?.(op.key, op.entry, op.condition)
            : undefined
      if (rc === undefined) break
      if (rc !== op.count) {
        // As `flush`: the writes after a mismatch are not replayed.
        this.ops = []
        throw replayMismatch(op.table, op.kind, op.count, rc)
      }
    }
    if (done < ops.length) {
      this.ops = done === 0 ? ops : ops.slice(done)
      return false
    }
    this.ops = []
    this.trimCache()
    return true
  }

  private trimCache(): void {
    if (this.rows.size > this.cachedKeysMax) {
      this.log.debug('table overlay cache dropped', {
        cachedKeys: this.rows.size,
        cachedKeysMax: this.cachedKeysMax,
      })
      this.rows.clear()
    }
  }

  private async sameSchema(info: TableInfo): Promise<boolean> {
    const existing = await this.base.openTable(info.name)
    if (existing === undefined) return false
    const a = existing.info
    if (a.keyField !== info.keyField || a.valueFields.length !== info.valueFields.length) return false
    if (a.valueFields.some((f, i) => f !== info.valueFields[i])) return false
    this.baseTables.set(info.name, existing)
    return true
  }

  private async baseTable(name: string): Promise<CachedTable> {
    let table = this.baseTables.get(name)
    if (table === undefined) {
      table = await this.base.openTable(name)
      if (table === undefined)
        throw executorError('TABLE_REPLAY_MISMATCH', `table ${name} vanished from the store`)
      this.baseTables.set(name, table)
    }
    return table
  }

  private async requireInfo(name: string): Promise<TableInfo> {
    const info = await this.tableInfo(name)
    if (info === undefined)
      throw executorError('INVALID_ARGUMENT', `table ${name} does not exist`, { table: name })
    return info
  }

  private async loadRows(table: string, key: string): Promise<readonly Entry[]> {
    const cached = this.rows.get(table, key)
    if (cached !== undefined) return cached
    await this.requireInfo(table)
    // A table created in this overlay and not yet flushed has no rows in the store.
    const pending = this.ops.some((op) => op.kind === 'create' && op.info.name === table)
    const loaded = pending
      ? []
      : (await (await this.baseTable(table)).select(key)).map((e) => Object.freeze({ ...e }))
    this.rows.set(table, key, loaded)
    return loaded
  }

  /**
   * `loadRows` without waiting: the key's rows when the overlay holds them, or when the table is
   * known and the store's table hands them over synchronously (`selectCached`); else undefined.
   */
  private rowsCached(table: string, key: string): readonly Entry[] | undefined {
    const cached = this.rows.get(table, key)
    if (cached !== undefined) return cached
    if (!this.cachedInfo(table)) return undefined
    let loaded: readonly Entry[]
    if (this.ops.some((op) => op.kind === 'create' && op.info.name === table)) loaded = []
    else {
      const rows = this.baseTables.get(table)?.selectCached?.(key)
      if (rows === undefined) return undefined
      loaded = rows.map((e) => Object.freeze({ ...e }))
    }
    this.rows.set(table, key, loaded)
    return loaded
  }

  private setRows(table: string, key: string, next: readonly Entry[]): void {
    if (this.marks > 0) this.undo.push(table, key, this.rows.get(table, key))
    this.rows.set(table, key, next)
  }

  private recordInfo(name: string): void {
    if (this.marks > 0) this.undo.push(name, undefined, this.infos.get(name))
  }
}

/** Row lists by table, then key (no composite string keys to build on every access). */
class RowCache {
  private readonly byTable = new Map<string, Map<string, readonly Entry[]>>()
  /** Number of (table, key) lists held. */
  size = 0

  get(table: string, key: string): readonly Entry[] | undefined {
    return this.byTable.get(table)?.get(key)
  }

  set(table: string, key: string, rows: readonly Entry[]): void {
    let keys = this.byTable.get(table)
    if (keys === undefined) {
      keys = new Map()
      this.byTable.set(table, keys)
    }
    if (!keys.has(key)) this.size++
    keys.set(key, rows)
  }

  delete(table: string, key: string): void {
    if (this.byTable.get(table)?.delete(key) === true) this.size--
  }

  deleteTable(table: string): void {
    const keys = this.byTable.get(table)
    if (keys === undefined) return
    this.size -= keys.size
    this.byTable.delete(table)
  }

  clear(): void {
    this.byTable.clear()
    this.size = 0
  }
}

/**
 * The entry an update replays: a frozen copy of `entryIn` without the key field, or a FISCO
 * code (-50008 unknown field; -51503 when the entry changes the key field: AMDB refuses it,
 * restating the key is allowed).
 */
function updateEntry(info: TableInfo, key: string, entryIn: Entry): Entry | number {
  // One pass over the fields: the checks of `fieldsValid` and the key field, then the copy.
  const keyField = info.keyField
  const fields = Object.keys(entryIn)
  if (!fieldsValid(info, fields)) return PrecompiledCode.TableInvalidField
  if (keyField in entryIn && entryIn[keyField] !== key) return PrecompiledCode.InvalidUpdateTableKey
  const entry: Record<string, string> = {}
  for (const field of fields) if (field !== keyField) entry[field] = entryIn[field] as string
  return Object.freeze(entry)
}

/** Whether every one of `fields` (an entry's field names) is the key field or a value field. */
function fieldsValid(info: TableInfo, fields: readonly string[]): boolean {
  for (const field of fields) {
    if (field !== info.keyField && !info.valueFields.includes(field)) return false
  }
  return true
}

function replayMismatch(table: string, op: string, expected: number, got: number) {
  return executorError(
    'TABLE_REPLAY_MISMATCH',
    `table store ${op} on ${table} affected ${got} rows, overlay expected ${expected}`,
    { table, op, expected, got },
  )
}
