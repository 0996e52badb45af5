/**
 * Main-thread side of the item model: reading an item's committed value from the block's
 * real state and tables, replaying a worker's recorded writes on them, and a recording
 * wrapper that tells which items a transaction executed on the main thread wrote.
 */
import type {
  Address,
  Bytes,
  CachedTable,
  CachedTableStore,
  Condition,
  Entry,
  StateView,
  Table,
  TableInfo,
  TableStore,
} from '@consortia/interface'
import { bytesToHex, hexToBytes } from '../bytes.js'
import { PrecompiledCode } from '../codes.js'
import { executorError } from '../errors.js'
import {
  accountItem,
  codeItem,
  encodeAccount,
  encodeBytes,
  encodeInfo,
  encodeRows,
  type ItemValue,
  parseItem,
  rowsItem,
  storageItem,
  tableInfoItem,
} from './items.js'
import type { StateOp, TableOp } from './protocol.js'

/**
 * Reads an item's current value from the block's state and tables. `handles` (optional) keeps
 * the block's open tables: a table that exists stays open for the rest of the block, so only
 * missing tables are looked up again.
 */
export async function readItem(
  item: string,
  state: StateView,
  tables: TableStore,
  blockHash: (n: number) => Promise<Uint8Array | undefined>,
  handles?: Map<string, Table>,
): Promise<ItemValue> {
  const open = async (name: string): Promise<Table | undefined> => {
    const known = handles?.get(name)
    if (known !== undefined) return known
    const table = await tables.openTable(name)
    if (table !== undefined) handles?.set(name, table)
    return table
  }
  const p = parseItem(item)
  switch (p.kind) {
    case 'account':
      return encodeAccount(await state.getAccount(hexToBytes(p.address)))
    case 'code':
      return encodeBytes(await state.getCode(hexToBytes(p.address)))
    case 'storage':
      return encodeBytes(await state.getStorage(hexToBytes(p.address), hexToBytes(p.slot)))
    case 'info':
      return encodeInfo((await open(p.table))?.info)
    case 'rows': {
      const table = await open(p.table)
      return encodeRows(table === undefined ? [] : await table.select(p.key))
    }
    case 'blockHash': {
      const hash = await blockHash(p.number)
      return hash === undefined ? null : bytesToHex(hash)
    }
  }
}

/**
 * The block's open table `name` (`handles`), else the store's answer without waiting
 * (`openTableCached`, kept in `handles` when found): `null` when the table does not exist,
 * `undefined` when only an asynchronous lookup can tell.
 */
function cachedHandle(
  tables: TableStore,
  handles: Map<string, Table>,
  name: string,
): CachedTable | null | undefined {
  const open = handles.get(name)
  if (open !== undefined) return open as CachedTable
  const known = (tables as CachedTableStore).openTableCached?.(name)
  if (known !== undefined && known !== null) handles.set(name, known)
  return known
}

/**
 * `readItem` without waiting, for a table item whose table the block has open (`handles`) or
 * the store knows (`openTableCached`) and whose rows the store holds in memory (`selectCached`):
 * the same value `readItem` gives, or `undefined` when only `readItem` can tell (world-state
 * items, rows not loaded, a table the store has to look up).
 */
export function readItemCached(
  item: string,
  tables: TableStore,
  handles: Map<string, Table>,
): ItemValue | undefined {
  const c = item[0]
  if (c !== 'r' && c !== 'i') return undefined
  const cut = c === 'r' ? item.indexOf('\u0000', 2) : item.length
  const table = cachedHandle(tables, handles, item.slice(2, cut))
  if (table === undefined) return undefined
  if (table === null) return c === 'r' ? encodeRows([]) : null
  if (c === 'i') return encodeInfo(table.info)
  const rows = table.selectCached?.(item.slice(cut + 1))
  return rows === undefined ? undefined : encodeRows(rows)
}

/** Replays a worker's state operations, in order, on the block's state. */
export async function replayStateOps(state: StateView, ops: readonly StateOp[]): Promise<void> {
  for (const op of ops) {
    switch (op[0]) {
      case 'put-account':
        await state.putAccount(op[1], op[2])
        break
      case 'put-storage':
        await state.putStorage(op[1], op[2], op[3])
        break
      case 'checkpoint':
        await state.checkpoint()
        break
      case 'commit':
        await state.commit()
        break
      case 'revert':
        await state.revert()
        break
    }
  }
}

function sameSchema(a: TableInfo, b: TableInfo): boolean {
  return (
    a.keyField === b.keyField &&
    a.valueFields.length === b.valueFields.length &&
    a.valueFields.every((f, i) => f === b.valueFields[i])
  )
}

function replayMismatch(op: string, table: string, expected: number, got: number) {
  return executorError(
    'TABLE_REPLAY_MISMATCH',
    `table ${op} on ${table} affected ${got} rows on the main thread, the worker computed ${expected}`,
    { table, op, expected, got },
  )
}

/**
 * `replayTableOps` without waiting, as far as it goes: replays inserts and updates, in order,
 * while the store takes them synchronously (a table already open or known to the store,
 * `insertCached`/`updateCached`). Returns how many operations it replayed; `replayTableOps`
 * replays the rest (`from` that count). Checks row counts as `replayTableOps` does.
 */
export function replayTableOpsCached(
  tables: TableStore,
  handles: Map<string, Table>,
  ops: readonly TableOp[],
): number {
  let done = 0
  for (; done < ops.length; done++) {
    const op = ops[done] as TableOp
    if (op[0] !== 'insert' && op[0] !== 'update') break
    const table = cachedHandle(tables, handles, op[1])
    if (table === undefined || table === null) break
    const rc =
      op[0] === 'insert' ? table.insertCached?.(op[2], op[3]) : table.updateCached?.(op[2], op[3], op[4])
    if (rc === undefined) break
    const expected = op[0] === 'insert' ? op[4] : op[5]
    if (rc !== expected) throw replayMismatch(op[0], op[1], expected, rc)
  }
  return done
}

/**
 * Replays a worker's table writes, in order (from operation `from`), on the block's tables and
 * checks that every write affected the rows the worker's view computed
 * (`TABLE_REPLAY_MISMATCH` otherwise).
 */
export async function replayTableOps(
  tables: TableStore,
  handles: Map<string, Table>,
  ops: readonly TableOp[],
  from = 0,
): Promise<void> {
  const open = async (name: string): Promise<Table> => {
    let table = handles.get(name)
    if (table === undefined) {
      table = await tables.openTable(name)
      if (table === undefined)
        throw executorError('TABLE_REPLAY_MISMATCH', `table ${name} is missing on the main thread`)
      handles.set(name, table)
    }
    return table
  }
  for (let k = from; k < ops.length; k++) {
    const op = ops[k] as TableOp
    if (op[0] === 'create') {
      const rc = await tables.createTable(op[1])
      if (rc === 0) continue
      const existing =
        rc === PrecompiledCode.TableNameAlreadyExists ? await tables.openTable(op[1].name) : undefined
      if (existing === undefined || !sameSchema(existing.info, op[1]))
        throw executorError('TABLE_REPLAY_MISMATCH', `create ${op[1].name} returned ${rc}`, {
          table: op[1].name,
        })
      continue
    }
    const table = await open(op[1])
    let rc: number
    let expected: number
    if (op[0] === 'insert') {
      rc = await table.insert(op[2], op[3])
      expected = op[4]
    } else if (op[0] === 'update') {
      rc = await table.update(op[2], op[3], op[4])
      expected = op[5]
    } else {
      rc = await table.remove(op[2], op[3])
      expected = op[4]
    }
    if (rc !== expected) throw replayMismatch(op[0], op[1], expected, rc)
  }
}

/**
 * Wraps the block's state and tables for transactions executed on the main thread: every write
 * passes through and names the item it changed; `deleteAccount`/`clearStorage` name the whole
 * address (`x:<address>`).
 */
export class RecordingWorld {
  readonly state: StateView
  readonly tables: TableStore
  private written = new Set<string>()

  constructor(state: StateView, tables: TableStore) {
    const mark = (item: string) => this.written.add(item)
    const hex = (a: Address) => bytesToHex(a)
    this.state = {
      getAccount: (a) => state.getAccount(a),
      async putAccount(a, account) {
        mark(accountItem(hex(a)))
        await state.putAccount(a, account)
      },
      async deleteAccount(a) {
        mark(`x:${hex(a)}`)
        await state.deleteAccount(a)
      },
      getCode: (a) => state.getCode(a),
      async putCode(a, code: Bytes) {
        mark(codeItem(hex(a)))
        mark(accountItem(hex(a)))
        await state.putCode(a, code)
      },
      getStorage: (a, slot) => state.getStorage(a, slot),
      async putStorage(a, slot, value) {
        mark(storageItem(hex(a), bytesToHex(slot)))
        await state.putStorage(a, slot, value)
      },
      async clearStorage(a) {
        mark(`x:${hex(a)}`)
        await state.clearStorage(a)
      },
      checkpoint: () => state.checkpoint(),
      commit: () => state.commit(),
      revert: () => state.revert(),
      stateRoot: () => state.stateRoot(),
    }
    // One wrapper per table of the block, with the store's synchronous fast paths (the main
    // session's precompile calls run without waiting when their rows are in memory).
    const wrapped = new WeakMap<Table, CachedTable>()
    const wrapTable = (table: CachedTable): CachedTable => {
      const known = wrapped.get(table)
      if (known !== undefined) return known
      const name = table.info.name
      const wrapper: CachedTable = {
        info: table.info,
        select: (key: string, condition?: Condition) => table.select(key, condition),
        insert(key: string, entry: Entry) {
          mark(rowsItem(name, key))
          return table.insert(key, entry)
        },
        update(key: string, entry: Entry, condition?: Condition) {
          mark(rowsItem(name, key))
          return table.update(key, entry, condition)
        },
        remove(key: string, condition?: Condition) {
          mark(rowsItem(name, key))
          return table.remove(key, condition)
        },
        ...(table.selectCached === undefined
          ? {}
          : { selectCached: (key: string, condition?: Condition) => table.selectCached?.(key, condition) }),
        ...(table.insertCached === undefined
          ? {}
          : {
              insertCached(key: string, entry: Entry) {
                const rc = table.insertCached?.(key, entry)
                if (rc !== undefined) mark(rowsItem(name, key))
                return rc
              },
            }),
        ...(table.updateCached === undefined
          ? {}
          : {
              updateCached(key: string, entry: Entry, condition?: Condition) {
                const rc = table.updateCached?.(key, entry, condition)
                if (rc !== undefined) mark(rowsItem(name, key))
                return rc
              },
            }),
      }
      wrapped.set(table, wrapper)
      return wrapper
    }
    const store = tables as CachedTableStore
    const cachedStore: CachedTableStore = {
      async createTable(info) {
        mark(tableInfoItem(info.name))
        return tables.createTable(info)
      },
      async openTable(name) {
        const table = await tables.openTable(name)
        return table === undefined ? undefined : wrapTable(table)
      },
    }
    if (store.openTableCached !== undefined) {
      cachedStore.openTableCached = (name: string) => {
        const table = store.openTableCached?.(name)
        return table === undefined || table === null ? table : wrapTable(table)
      }
    }
    this.tables = cachedStore
  }

  /** The items written since the last call. */
  take(): Set<string> {
    const items = this.written
    this.written = new Set()
    return items
  }
}
