import type {
  CachedTable,
  CachedTableStore,
  Condition,
  Entry,
  Hash32,
  Logger,
  TableInfo,
} from '@consortia/interface'
import { isChainError, silentLogger } from '@consortia/interface'
import { applyPaging, type CompiledCondition, compileCondition, matchesCondition } from './condition.js'
import { createRowHashEncoder, dbHash, type HashFn, tableHash } from './db-hash.js'
import {
  type BlockWrite,
  compareUtf8,
  LIST_KEYS_PAGE_MAX,
  type StorageDriver,
  type StoredRow,
  type TableWrite,
} from './driver.js'
import { type AMDBErrorType, amdbError, FiscoCode } from './errors.js'
import {
  type AMDBTableInfo,
  CurrentStateKey,
  checkEntry,
  checkKey,
  checkTableInfo,
  checkUserTableInfo,
  ID_FIELD,
  NUM_FIELD,
  STATUS_FIELD,
  SYSTEM_TABLES,
  SysTable,
  tableInfoOf,
  userTableName,
} from './schema.js'

/** Default bound of one block's change log (each insert, update, remove or create is one entry). */
export const CHANGE_LOG_MAX = 10_000_000

/** A row with its hidden fields, as `selectWithHidden` returns it. */
export type HiddenEntry = Entry & { readonly _id_: string; readonly _num_: string; readonly _status_: string }

/** An AMDB table inside one block's change set. */
export interface AMDBTable extends CachedTable {
  readonly info: AMDBTableInfo
  /**
   * `select` when the key's rows are in memory (read in this block, or in the driver's read
   * cache), else `undefined`.
   */
  selectCached(key: string, condition?: Condition): Entry[] | undefined
  /** `insert` when no `set` is pending on the key, else `undefined` (nothing written). */
  insertCached(key: string, entry: Entry): number | undefined
  /** `update` when the key's rows are in memory, else `undefined` (nothing written). */
  updateCached(key: string, entry: Entry, condition?: Condition): number | undefined
  /** Like `select`, plus the hidden `_id_` (0 until the block commits), `_num_` and `_status_`. */
  selectWithHidden(key: string, condition?: Condition): Promise<HiddenEntry[]>
  /** Every key with live rows, committed or written in this block, in UTF-8 byte order. */
  keys(): Promise<string[]>
  /**
   * Writes `entry` to `key` without reading it first: if the key has no live row, inserts
   * `entry` (missing value fields become `""`); otherwise updates every live row with it, unless
   * they all already hold these values (then nothing changes). It is exactly `select` followed
   * by `insert` or `update`, so dbHash, reads and savepoints are the same, but when the key was
   * not read in this block the choice is left pending and made in one batched driver read by
   * `TableFactory.settle()` (which `commit()` and `StorageState.stateRoot()` call). Resolves to 1,
   * or a negative FISCO code for bad input (as `insert`), before anything is recorded.
   */
  set(key: string, entry: Entry): Promise<number>
}

/**
 * One block's change set over AMDB tables (FISCO MemoryTableFactory): tables opened or created
 * in it, a change log for per-transaction savepoints, the block's dbHash, and one atomic commit.
 */
export interface TableFactory extends CachedTableStore {
  /** The block this change set will commit as. */
  readonly number: number
  /** True after `commit` succeeded or `discard` was called. */
  readonly closed: boolean
  openTable(name: string): Promise<AMDBTable | undefined>
  /**
   * `openTable` without waiting: the table when it is open in this change set or built in,
   * `null` when the table list's row for `name` is in memory and there is no live one,
   * `undefined` when only `openTable` can tell.
   */
  openTableCached(name: string): AMDBTable | null | undefined
  /** Like `openTable`, but throws `TABLE_NOT_EXIST` (FISCO -50100) when the table is missing. */
  openTableOrThrow(name: string): Promise<AMDBTable>
  /** Creates `u_<name>` as TableFactoryPrecompiled does: names over 48 characters give -50002. */
  createUserTable(name: string, keyField: string, valueFields: readonly string[]): Promise<number>
  /** A mark in the change log; `rollback(mark)` undoes every change made after it. */
  savepoint(): number
  rollback(savepoint: number): void
  /**
   * Resolves pending `set` writes: reads the committed rows of their keys, one batched driver
   * read per table (`StorageDriver.selectRowsMany`), and applies them as insert or update.
   */
  settle(): Promise<void>
  /** Keys with a `set` still pending (0 after `settle()`). */
  readonly pendingKeys: number
  /**
   * The dbHash of the changes so far (consensus tables only). Throws `WRITES_PENDING` while
   * `set` writes are pending: `await settle()` first.
   */
  hash(): Hash32
  /** Number of entries in the change log. */
  readonly changeCount: number
  /** Assigns row ids and writes the whole change set through the driver in one atomic commit. */
  commit(): Promise<void>
  /** Drops the change set (a block that will not commit, e.g. a rejected proposal). */
  discard(): void
}

interface WorkingRow {
  readonly id: number
  readonly num: number
  readonly key: string
  /**
   * Never changed in place (an update replaces it with a new object), so it may be the very
   * object a driver or its read cache holds, and an undo record keeps the previous one as is.
   */
  fields: Readonly<Record<string, string>>
  status: 0 | 1
  readonly isNew: boolean
  dirty: boolean
  /** The row's dbHash bytes while its fields and status stay as they are (cleared on change). */
  encoded: Buffer | undefined
}

interface KeyState {
  loaded: boolean
  loading: Promise<void> | undefined
  rows: WorkingRow[]
  /**
   * `set` writes on a key not loaded yet, in order. Only a key with no rows written in this
   * block can have them (a `set` after an insert, or an insert after a `set`, loads the key).
   */
  pending: SetChange[]
}

interface TableState {
  readonly info: AMDBTableInfo
  readonly keys: Map<string, KeyState>
  version: number
  hashVersion: number
  hashValue: Hash32 | undefined
  handle: AMDBTable | undefined
  encodeRow: ((key: string, fields: Readonly<Record<string, string>>, status: number) => Buffer) | undefined
}

type Change =
  | {
      readonly kind: 'insert'
      readonly table: TableState
      readonly keyState: KeyState
      readonly row: WorkingRow
    }
  | {
      // One row updated (the common case): its previous fields object and dirty flag.
      readonly kind: 'update1'
      readonly table: TableState
      readonly row: WorkingRow
      readonly old: Readonly<Record<string, string>>
      readonly wasDirty: boolean
    }
  | {
      readonly kind: 'update'
      readonly table: TableState
      readonly rows: readonly { row: WorkingRow; old: Readonly<Record<string, string>>; wasDirty: boolean }[]
    }
  | {
      readonly kind: 'remove'
      readonly table: TableState
      readonly rows: readonly { row: WorkingRow; wasDirty: boolean }[]
    }
  | { readonly kind: 'create'; readonly name: string }
  | SetChange

/** A `set`: pending until its key is loaded, then its effect is the insert or update it made (null: none). */
interface SetChange {
  readonly kind: 'set'
  readonly table: TableState
  readonly keyState: KeyState
  readonly key: string
  readonly entry: Entry
  effect: Change | null | undefined
}

/** Components of a table factory. */
export interface TableFactoryInit {
  readonly driver: StorageDriver
  readonly hash: HashFn
  readonly number: number
  readonly logger?: Logger
  /** Most entries the change log may hold (default `CHANGE_LOG_MAX`). */
  readonly changeLogMax?: number
}

// The stored row's fields object is shared, not copied: working rows never change it in place.
const toWorking = (row: StoredRow): WorkingRow => ({
  id: row.id,
  num: row.num,
  key: row.key,
  fields: row.fields,
  status: 0,
  isNew: false,
  dirty: false,
  encoded: undefined,
})

const isChanged = (row: WorkingRow) => (row.isNew ? row.status === 0 : row.dirty)

/** Creates the change set of block `number` over a driver. Use `AMDB.openBlock` instead. */
export function createTableFactory(init: TableFactoryInit): TableFactory {
  const { driver, hash, number } = init
  const logger = init.logger ?? silentLogger
  const changeLogMax = init.changeLogMax ?? CHANGE_LOG_MAX
  const states = new Map<string, TableState>()
  const log: Change[] = []
  let closed = false
  let committing = false

  const assertFactoryOpen = () => {
    if (closed || committing) {
      throw amdbError(
        { code: 'BLOCK_CLOSED', number },
        `block ${number} change set is ${committing ? 'committing' : 'closed'}`,
      )
    }
  }
  // Changes are recorded before they are applied, so a full log refuses a write untouched.
  const reserve = (entries: number) => {
    if (log.length + entries > changeLogMax) {
      throw amdbError({ code: 'CHANGE_LOG_FULL', changeLogMax, number }, `block ${number} change log is full`)
    }
  }
  const record = (change: Change) => {
    reserve(1)
    log.push(change)
  }

  const stateOf = (info: AMDBTableInfo): TableState => {
    const existing = states.get(info.name)
    if (existing !== undefined) return existing
    const state: TableState = {
      info,
      keys: new Map(),
      version: 0,
      hashVersion: -1,
      hashValue: undefined,
      handle: undefined,
      encodeRow: undefined,
    }
    states.set(info.name, state)
    return state
  }
  const sysTables = () => stateOf(SYSTEM_TABLES.get(SysTable.tables)!)

  const keyStateOf = (state: TableState, key: string): KeyState => {
    let ks = state.keys.get(key)
    if (ks === undefined) {
      ks = { loaded: false, loading: undefined, rows: [], pending: [] }
      state.keys.set(key, ks)
    }
    return ks
  }

  // Key states with pending `set`s, and the table each belongs to.
  const pendingKeys = new Map<KeyState, TableState>()

  // Committed rows arrived: they come before this block's inserts; pending `set`s apply in order.
  const fill = (state: TableState, ks: KeyState, rows: readonly StoredRow[]) => {
    ks.rows = [...rows.map(toWorking), ...ks.rows]
    ks.loaded = true
    ks.loading = undefined
    for (const change of ks.pending) change.effect = applySet(state, ks, change.key, change.entry)
    ks.pending = []
    pendingKeys.delete(ks)
  }

  // The key's state when its rows are already in memory (no await needed).
  const loadedKey = (state: TableState, key: string): KeyState | undefined => {
    const ks = state.keys.get(key)
    return ks?.loaded === true ? ks : undefined
  }

  // `load` without waiting: the key's state when its rows are in memory here or in the
  // driver's read cache (then filled as `load` fills it), else undefined.
  const loadCached = (state: TableState, key: string): KeyState | undefined => {
    const known = state.keys.get(key)
    if (known?.loaded === true) return known
    if (known?.loading !== undefined || driver.selectRowsCached === undefined) return undefined
    const rows = driver.selectRowsCached(state.info, key)
    if (rows === undefined) return undefined
    const ks = known ?? keyStateOf(state, key)
    fill(state, ks, rows)
    return ks
  }

  const load = async (state: TableState, key: string): Promise<KeyState> => {
    const ks = keyStateOf(state, key)
    if (ks.loaded) return ks
    if (ks.loading === undefined) {
      ks.loading = driver.selectRows(state.info, key).then(
        (rows) => fill(state, ks, rows),
        (err) => {
          ks.loading = undefined
          throw err
        },
      )
    }
    await ks.loading
    return ks
  }

  // One driver read for many keys of a table (the settle of pending `set`s).
  const loadMany = (state: TableState, keys: readonly string[]): Promise<void> => {
    const targets = keys.map((key) => keyStateOf(state, key))
    const read = driver.selectRowsMany
      ? driver.selectRowsMany(state.info, keys)
      : Promise.all(keys.map((key) => driver.selectRows(state.info, key)))
    const batch = read.then(
      (rowsOfKeys) => {
        targets.forEach((ks, i) => {
          if (!ks.loaded) fill(state, ks, rowsOfKeys[i] ?? [])
        })
      },
      (err) => {
        for (const ks of targets) ks.loading = undefined
        throw err
      },
    )
    for (const ks of targets) ks.loading = batch
    return batch
  }

  const settle = async () => {
    while (pendingKeys.size > 0) {
      const inFlight = new Set<Promise<void>>()
      const byTable = new Map<TableState, string[]>()
      for (const [ks, state] of pendingKeys) {
        if (ks.loading !== undefined) {
          inFlight.add(ks.loading)
          continue
        }
        let keys = byTable.get(state)
        if (keys === undefined) {
          keys = []
          byTable.set(state, keys)
        }
        keys.push(ks.pending[0]!.key)
      }
      for (const [state, keys] of byTable) inFlight.add(loadMany(state, keys))
      await Promise.all(inFlight)
    }
  }

  // The live rows of a key that match `condition`. The result may be `ks.rows` itself (no
  // clauses, no paging, every row live): callers read it at once and never keep it.
  const matching = (state: TableState, ks: KeyState, condition: CompiledCondition): WorkingRow[] => {
    const keyField = state.info.keyField
    if (condition.clauses.length === 0) {
      const all = ks.rows
      let live = true
      for (let i = 0; i < all.length; i++) if ((all[i] as WorkingRow).status !== 0) live = false
      return applyPaging(live ? all : all.filter((row) => row.status === 0), condition)
    }
    const rows = ks.rows.filter(
      (row) => row.status === 0 && matchesCondition({ ...row.fields, [keyField]: row.key }, condition),
    )
    return applyPaging(rows, condition)
  }

  // The apply* helpers change the working rows and return the change for the log; callers
  // reserve a log entry first, so a full log refuses a write untouched.
  function applyInsert(state: TableState, ks: KeyState, key: string, entry: Entry): Change {
    const fields: Record<string, string> = {}
    for (const f of state.info.valueFields) fields[f] = entry[f] ?? ''
    const row: WorkingRow = {
      id: 0,
      num: number,
      key,
      fields,
      status: 0,
      isNew: true,
      dirty: true,
      encoded: undefined,
    }
    ks.rows.push(row)
    state.version++
    return { kind: 'insert', table: state, keyState: ks, row }
  }

  // Copy-on-write: each row gets a new fields object (its fields, then the entry's), and the
  // undo record keeps the previous object itself, no per-field copies.
  function applyUpdate(state: TableState, rows: readonly WorkingRow[], entry: Entry): Change {
    if (rows.length === 1) {
      const row = rows[0] as WorkingRow
      const change: Change = { kind: 'update1', table: state, row, old: row.fields, wasDirty: row.dirty }
      row.fields = { ...row.fields, ...entry }
      row.dirty = true
      row.encoded = undefined
      state.version++
      return change
    }
    const changes: { row: WorkingRow; old: Readonly<Record<string, string>>; wasDirty: boolean }[] = []
    for (const row of rows) {
      changes.push({ row, old: row.fields, wasDirty: row.dirty })
      row.fields = { ...row.fields, ...entry }
      row.dirty = true
      row.encoded = undefined
    }
    state.version++
    return { kind: 'update', table: state, rows: changes }
  }

  // `set` on a loaded key: `select` then `insert` or `update`, as StorageState did it.
  function applySet(state: TableState, ks: KeyState, key: string, entry: Entry): Change | null {
    const live = ks.rows.filter((row) => row.status === 0)
    if (live.length === 0) return applyInsert(state, ks, key, entry)
    const names = Object.keys(entry).filter((f) => f !== state.info.keyField)
    if (live.every((row) => names.every((f) => row.fields[f] === entry[f]))) return null
    const values: Record<string, string> = {}
    for (const f of names) values[f] = entry[f]!
    return applyUpdate(state, live, values)
  }

  const insertRow = (state: TableState, key: string, entry: Entry) => {
    reserve(1)
    log.push(applyInsert(state, keyStateOf(state, key), key, entry))
  }

  // Writes answer a FISCO code instead of throwing for bad input, as the precompiles do.
  const writeCode = (err: unknown): number => {
    if (isChainError(err, 'INVALID_CONDITION')) {
      return ((err.type as AMDBErrorType).fiscoCode as number | undefined) ?? FiscoCode.conditionParseError
    }
    throw err
  }

  const handleOf = (state: TableState): AMDBTable => {
    if (state.handle !== undefined) return state.handle
    const { info } = state
    // A handle outlives a rolled-back createTable; it must not write into a table that is gone.
    const assertOpen = () => {
      assertFactoryOpen()
      if (states.get(info.name) !== state) {
        throw amdbError(
          { code: 'TABLE_NOT_EXIST', fiscoCode: FiscoCode.tableNotExist, table: info.name },
          `table ${info.name} was rolled back`,
        )
      }
    }
    // The rows `select` returns: copies of the live rows matching `compiled`, key field set.
    const entriesOf = (ks: KeyState, compiled: CompiledCondition): Entry[] => {
      const rows = matching(state, ks, compiled)
      const out: Entry[] = []
      for (const row of rows) {
        const entry: Record<string, string> = { ...row.fields }
        entry[info.keyField] = row.key
        out.push(entry)
      }
      return out
    }
    // What `update` and `remove` check before touching rows: a FISCO code to answer, or the
    // compiled condition.
    const writeChecks = (key: string, condition: Condition | undefined): CompiledCondition | number => {
      assertOpen()
      let compiled: CompiledCondition
      try {
        compiled = compileCondition(condition)
      } catch (err) {
        return writeCode(err)
      }
      const code = checkKey(key)
      return code !== 0 ? code : compiled
    }
    // `writeChecks`, then the entry's fields.
    const updateChecks = (
      key: string,
      entry: Entry,
      condition: Condition | undefined,
    ): CompiledCondition | number => {
      const checked = writeChecks(key, condition)
      if (typeof checked === 'number') return checked
      const code = checkEntry(info, key, entry, true)
      return code !== 0 ? code : checked
    }
    // `update` on a key whose rows are in memory: the number of rows updated.
    const updateRows = (ks: KeyState, compiled: CompiledCondition, entry: Entry): number => {
      const rows = matching(state, ks, compiled)
      reserve(1)
      log.push(applyUpdate(state, rows, entry))
      return rows.length
    }
    const handle: AMDBTable = {
      info,
      async select(key, condition) {
        assertOpen()
        const compiled = compileCondition(condition)
        if (checkKey(key) !== 0) return []
        const ks = loadedKey(state, key) ?? (await load(state, key))
        return entriesOf(ks, compiled)
      },
      selectCached(key, condition) {
        assertOpen()
        const compiled = compileCondition(condition)
        if (checkKey(key) !== 0) return []
        const ks = loadCached(state, key)
        return ks === undefined ? undefined : entriesOf(ks, compiled)
      },
      async selectWithHidden(key, condition) {
        assertOpen()
        const compiled = compileCondition(condition)
        if (checkKey(key) !== 0) return []
        const ks = await load(state, key)
        return matching(state, ks, compiled).map((row) => ({
          ...row.fields,
          [info.keyField]: row.key,
          [ID_FIELD]: String(row.id),
          [NUM_FIELD]: String(row.num),
          [STATUS_FIELD]: String(row.status),
        }))
      },
      async insert(key, entry) {
        assertOpen()
        const code = checkKey(key) || checkEntry(info, key, entry, false)
        if (code !== 0) return code
        // A `set` pending on the key must be resolved first: the insert comes after it.
        if ((state.keys.get(key)?.pending.length ?? 0) > 0) {
          await load(state, key)
          assertOpen()
        }
        insertRow(state, key, entry)
        return 1
      },
      insertCached(key, entry) {
        assertOpen()
        const code = checkKey(key) || checkEntry(info, key, entry, false)
        if (code !== 0) return code
        if ((state.keys.get(key)?.pending.length ?? 0) > 0) return undefined
        insertRow(state, key, entry)
        return 1
      },
      async set(key, entry) {
        assertOpen()
        const code = checkKey(key) || checkEntry(info, key, entry, false)
        if (code !== 0) return code
        const own: Entry = { ...entry }
        let ks = keyStateOf(state, key)
        if (!ks.loaded && ks.rows.length > 0) {
          ks = await load(state, key)
          assertOpen()
        }
        reserve(1)
        if (ks.loaded) {
          const effect = applySet(state, ks, key, own)
          if (effect !== null) log.push(effect)
          return 1
        }
        const change: SetChange = {
          kind: 'set',
          table: state,
          keyState: ks,
          key,
          entry: own,
          effect: undefined,
        }
        log.push(change)
        ks.pending.push(change)
        pendingKeys.set(ks, state)
        state.version++
        return 1
      },
      async update(key, entry, condition) {
        const checked = updateChecks(key, entry, condition)
        if (typeof checked === 'number') return checked
        let ks = loadedKey(state, key)
        if (ks === undefined) {
          ks = await load(state, key)
          assertOpen()
        }
        return updateRows(ks, checked, entry)
      },
      updateCached(key, entry, condition) {
        const checked = updateChecks(key, entry, condition)
        if (typeof checked === 'number') return checked
        const ks = loadCached(state, key)
        return ks === undefined ? undefined : updateRows(ks, checked, entry)
      },
      async remove(key, condition) {
        const compiled = writeChecks(key, condition)
        if (typeof compiled === 'number') return compiled
        const ks = await load(state, key)
        assertOpen()
        const rows = matching(state, ks, compiled)
        record({ kind: 'remove', table: state, rows: rows.map((row) => ({ row, wasDirty: row.dirty })) })
        for (const row of rows) {
          row.status = 1
          row.dirty = true
          row.encoded = undefined
        }
        state.version++
        return rows.length
      },
      async keys() {
        assertOpen()
        const committed = new Set<string>()
        let after: string | undefined
        for (;;) {
          const page = await driver.listKeys(info, { after, limit: LIST_KEYS_PAGE_MAX })
          for (const k of page) committed.add(k)
          if (page.length < LIST_KEYS_PAGE_MAX) break
          after = page[page.length - 1]
        }
        const live: string[] = []
        for (const k of new Set([...committed, ...state.keys.keys()])) {
          const ks = state.keys.get(k)
          // An unloaded key state holds only this block's inserts or pending sets (which always
          // leave a live row); its committed rows are untouched.
          const isLive =
            ks === undefined ||
            ks.rows.some((r) => r.status === 0) ||
            ks.pending.length > 0 ||
            (!ks.loaded && committed.has(k))
          if (isLive) live.push(k)
        }
        return live.sort(compareUtf8)
      },
    }
    state.handle = handle
    return handle
  }

  // The table `name` names without a read: its handle when it is open or built in, null for a
  // name no table can have, undefined when only `_sys_tables_` can tell.
  const knownTable = (name: string): AMDBTable | null | undefined => {
    assertFactoryOpen()
    if (typeof name !== 'string') return null
    const open = states.get(name)
    if (open !== undefined) return handleOf(open)
    const builtIn = SYSTEM_TABLES.get(name)
    if (builtIn !== undefined) return handleOf(stateOf(builtIn))
    return checkKey(name) !== 0 ? null : undefined
  }

  const openTable = async (name: string): Promise<AMDBTable | undefined> => {
    const known = knownTable(name)
    if (known !== undefined) return known ?? undefined
    const sys = sysTables()
    const ks = await load(sys, name)
    assertFactoryOpen()
    const again = states.get(name)
    if (again !== undefined) return handleOf(again)
    const row = ks.rows.find((r) => r.status === 0)
    if (row === undefined) return undefined
    const valueField = row.fields['value_field'] ?? ''
    const info = tableInfoOf({
      name,
      keyField: row.fields['key_field'] ?? '',
      valueFields: valueField === '' ? [] : valueField.split(','),
    })
    return handleOf(stateOf(info))
  }

  const openTableCached = (name: string): AMDBTable | null | undefined => {
    const known = knownTable(name)
    if (known !== undefined) return known
    const ks = loadedKey(sysTables(), name)
    if (ks === undefined) return undefined
    // A live row means a table `openTable` would open (and register): leave that to it.
    return ks.rows.some((r) => r.status === 0) ? undefined : null
  }

  const createTable = async (info: TableInfo): Promise<number> => {
    assertFactoryOpen()
    if (SYSTEM_TABLES.has(info?.name)) return FiscoCode.tableNameAlreadyExist
    const code = checkTableInfo(info)
    if (code !== 0) return code
    if ((await openTable(info.name)) !== undefined) return FiscoCode.tableNameAlreadyExist
    assertFactoryOpen()
    // Re-checked after the await: a concurrent createTable of the same name may have won.
    if (states.has(info.name)) return FiscoCode.tableNameAlreadyExist
    const full = tableInfoOf(info)
    reserve(2)
    insertRow(sysTables(), full.name, { key_field: full.keyField, value_field: full.valueFields.join(',') })
    stateOf(full)
    record({ kind: 'create', name: full.name })
    return FiscoCode.success
  }

  const undo = (change: Change) => {
    switch (change.kind) {
      case 'insert': {
        const at = change.keyState.rows.lastIndexOf(change.row)
        if (at >= 0) change.keyState.rows.splice(at, 1)
        change.table.version++
        break
      }
      case 'update1':
        change.row.fields = change.old
        change.row.dirty = change.wasDirty
        change.row.encoded = undefined
        change.table.version++
        break
      case 'update':
        for (let i = change.rows.length - 1; i >= 0; i--) {
          const { row, old, wasDirty } = change.rows[i]!
          row.fields = old
          row.dirty = wasDirty
          row.encoded = undefined
        }
        change.table.version++
        break
      case 'remove':
        for (const { row, wasDirty } of change.rows) {
          row.status = 0
          row.dirty = wasDirty
          row.encoded = undefined
        }
        change.table.version++
        break
      case 'create':
        states.delete(change.name)
        break
      case 'set':
        if (change.effect === undefined) {
          const ks = change.keyState
          const at = ks.pending.lastIndexOf(change)
          if (at >= 0) ks.pending.splice(at, 1)
          if (ks.pending.length === 0) pendingKeys.delete(ks)
        } else if (change.effect !== null) {
          undo(change.effect)
        }
        change.table.version++
        break
    }
  }

  const rollback = (savepoint: number) => {
    assertFactoryOpen()
    if (!Number.isSafeInteger(savepoint) || savepoint < 0 || savepoint > log.length) {
      throw amdbError(
        { code: 'INVALID_ARGUMENT', savepoint, changeCount: log.length },
        `expected a savepoint in [0, ${log.length}], got ${savepoint}`,
      )
    }
    while (log.length > savepoint) undo(log.pop()!)
  }

  const tableHashOf = (state: TableState): Hash32 | undefined => {
    if (state.hashVersion === state.version) return state.hashValue
    const rows: Buffer[] = []
    state.encodeRow ??= createRowHashEncoder(state.info.keyField, state.info.valueFields)
    for (const ks of state.keys.values()) {
      for (const row of ks.rows) {
        if (!isChanged(row)) continue
        row.encoded ??= state.encodeRow(row.key, row.fields, row.status)
        rows.push(row.encoded)
      }
    }
    state.hashValue = rows.length === 0 ? undefined : tableHash(rows, hash)
    state.hashVersion = state.version
    return state.hashValue
  }

  const collectWrite = (firstId: number): { write: BlockWrite; lastId: number } => {
    let id = firstId - 1
    const tables: TableWrite[] = []
    for (const name of [...states.keys()].sort(compareUtf8)) {
      const state = states.get(name)!
      const puts: StoredRow[] = []
      const deletes: { key: string; id: number }[] = []
      const keyRows = new Map<string, StoredRow[]>()
      for (const key of [...state.keys.keys()].sort(compareUtf8)) {
        const ks = state.keys.get(key)!
        let touched = false
        // A loaded key's rows are all known: hand the driver the key's rows after the block too.
        const after: StoredRow[] | undefined = ks.loaded ? [] : undefined
        for (const row of ks.rows) {
          let stored: StoredRow | undefined
          if (row.isNew) {
            if (row.status === 0) {
              stored = { id: ++id, num: number, key, fields: row.fields }
              puts.push(stored)
              touched = true
            }
          } else if (row.dirty) {
            touched = true
            if (row.status === 1) deletes.push({ key, id: row.id })
            else {
              stored = { id: row.id, num: number, key, fields: row.fields }
              puts.push(stored)
            }
          } else if (row.status === 0) {
            stored = { id: row.id, num: row.num, key, fields: row.fields }
          }
          if (stored !== undefined) after?.push(stored)
        }
        if (touched && after !== undefined)
          keyRows.set(
            key,
            after.sort((a, b) => a.id - b.id),
          )
      }
      if (puts.length > 0 || deletes.length > 0) tables.push({ info: state.info, puts, deletes, keyRows })
    }
    return { write: { number, tables }, lastId: id }
  }

  const countNewRows = () => {
    let n = 0
    for (const state of states.values()) {
      for (const ks of state.keys.values()) for (const row of ks.rows) if (row.isNew && row.status === 0) n++
    }
    return n
  }

  const factory: TableFactory = {
    number,
    get closed() {
      return closed
    },
    get changeCount() {
      return log.length
    },
    openTable,
    openTableCached,
    async openTableOrThrow(name) {
      const table = await openTable(name)
      if (table === undefined) {
        throw amdbError(
          { code: 'TABLE_NOT_EXIST', fiscoCode: FiscoCode.tableNotExist, table: name },
          `table ${name} does not exist`,
        )
      }
      return table
    },
    createTable,
    async createUserTable(name, keyField, valueFields) {
      assertFactoryOpen()
      const code = checkUserTableInfo(name, keyField, valueFields)
      if (code !== 0) return code
      return createTable({ name: userTableName(name), keyField, valueFields })
    },
    savepoint() {
      assertFactoryOpen()
      return log.length
    },
    rollback,
    get pendingKeys() {
      return pendingKeys.size
    },
    async settle() {
      if (pendingKeys.size === 0) return // also after commit, so stateRoot() stays readable
      assertFactoryOpen()
      await settle()
    },
    hash() {
      if (pendingKeys.size > 0) {
        throw amdbError(
          { code: 'WRITES_PENDING', number, pendingKeys: pendingKeys.size },
          `block ${number} has ${pendingKeys.size} keys with pending set writes: await settle() before hash()`,
        )
      }
      const tables: { name: string; hash: Hash32 }[] = []
      for (const state of states.values()) {
        if (!state.info.enableConsensus) continue
        const h = tableHashOf(state)
        if (h !== undefined) tables.push({ name: state.info.name, hash: h })
      }
      return dbHash(tables, hash)
    },
    async commit() {
      assertFactoryOpen()
      const mark = log.length
      let ok = false
      try {
        await settle()
        let firstId = 1
        if (countNewRows() > 0) {
          // `_sys_current_state_`.current_id holds the last row id handed out (FISCO keeps it there too).
          const current = await openTable(SysTable.currentState)
          const rows = await current!.select(CurrentStateKey.currentId)
          const base = rows.length === 0 ? 0 : Number(rows[0]!['value'])
          if (!Number.isSafeInteger(base) || base < 0) {
            throw amdbError({ code: 'CORRUPT_DATA' }, `current_id is not a row id: ${rows[0]?.['value']}`)
          }
          if (rows.length === 0) await current!.insert(CurrentStateKey.currentId, { value: '0' })
          // Counted after the insert above: the current_id row itself gets an id too.
          await current!.update(CurrentStateKey.currentId, { value: String(base + countNewRows()) })
          firstId = base + 1
        }
        committing = true
        if (pendingKeys.size > 0) {
          throw amdbError(
            { code: 'WRITES_PENDING', number, pendingKeys: pendingKeys.size },
            `block ${number}: set writes raced the commit`,
          )
        }
        const { write } = collectWrite(firstId)
        await driver.commitBlock(write)
        ok = true
        closed = true
        logger.debug('block committed', { number, tables: write.tables.length, changes: mark })
      } finally {
        committing = false
        if (!ok && !closed) rollback(mark)
      }
    },
    discard() {
      closed = true
    },
  }
  return factory
}
