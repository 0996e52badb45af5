import type { TableInfo } from '@consortia/interface'
import { amdbError } from './errors.js'
import {
  checkKey,
  checkTableInfo,
  FIELD_VALUE_BYTES_MAX,
  isWellFormedString,
  SYSTEM_TABLES,
  utf8Bytes,
} from './schema.js'

/**
 * One committed row as a driver stores it. Only live rows are stored: a row removed in a
 * block is deleted from the database when that block commits.
 */
export interface StoredRow {
  /** `_id_`: unique in the database, assigned in commit order. */
  readonly id: number
  /** `_num_`: the block that last wrote the row. */
  readonly num: number
  /** The value of the table's key field. */
  readonly key: string
  /** Value fields (every field of the schema), without the key field. */
  readonly fields: Readonly<Record<string, string>>
}

/** The writes of one block to one table. */
export interface TableWrite {
  readonly info: TableInfo
  /** Rows to insert or replace, matched by `id`. */
  readonly puts: readonly StoredRow[]
  /** Rows to delete. */
  readonly deletes: readonly { readonly key: string; readonly id: number }[]
  /**
   * Optional, for some keys of `puts`/`deletes`: every live row of the key after this block, in
   * id order — the committed rows with `puts` and `deletes` applied — given when the change set
   * had read the key's committed rows. A driver that stores a key's rows together (the kv
   * driver) writes these without reading the key again; others may ignore it.
   */
  readonly keyRows?: ReadonlyMap<string, readonly StoredRow[]>
}

/** One block's change set, as a driver commits it: all of it or nothing. */
export interface BlockWrite {
  /** Must be the committed height + 1 (0 for the first block). */
  readonly number: number
  readonly tables: readonly TableWrite[]
}

/** Options of `StorageDriver.listKeys`. */
export interface ListKeysOptions {
  /** Only keys after this one (UTF-8 byte order). */
  readonly after?: string
  /** At most this many keys; capped at `LIST_KEYS_PAGE_MAX`. */
  readonly limit: number
}

/** The most keys one `listKeys` call returns. */
export const LIST_KEYS_PAGE_MAX = 10_000

/**
 * The port every AMDB storage backend implements (FISCO libstorage `Storage`): read the
 * committed rows of one key, list a table's keys, commit one block atomically, and report the
 * committed height. Drivers must pass the compliance suite in packages/amdb/test.
 */
export interface StorageDriver {
  /** Short name for logs and benchmarks: `memory`, `leveldb`, `mysql`, ... */
  readonly name: string
  /** Committed live rows of `key`, in `id` order. A table the driver never stored reads as empty. */
  selectRows(info: TableInfo, key: string): Promise<StoredRow[]>
  /**
   * Committed live rows of each key, in `keys` order: what `selectRows` gives for each, in as
   * few round trips as the backend allows. Optional; AMDB falls back to one `selectRows` per key.
   */
  selectRowsMany?(info: TableInfo, keys: readonly string[]): Promise<StoredRow[][]>
  /**
   * What `selectRows` gives, without waiting, when the driver holds the key's rows in memory
   * (the read cache in front of every AMDB driver does); `undefined` otherwise. Optional.
   */
  selectRowsCached?(info: TableInfo, key: string): StoredRow[] | undefined
  /** Keys that hold live rows, in UTF-8 byte order. */
  listKeys(info: TableInfo, options: ListKeysOptions): Promise<string[]>
  /** Writes one block's change set atomically (and durably, for disk drivers). */
  commitBlock(block: BlockWrite): Promise<void>
  /** Number of the last committed block; -1 before the first. */
  committedHeight(): Promise<number>
  close(): Promise<void>
}

const AT_OR_ABOVE_SURROGATES = /[\uD800-\uFFFF]/

/** Compares two strings by their UTF-8 bytes, the order LevelDB and SQL VARBINARY use. */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0
  // Without units at or above U+D800 (hex keys, ASCII names) the engine's own order is UTF-8's.
  if (!AT_OR_ABOVE_SURROGATES.test(a) && !AT_OR_ABOVE_SURROGATES.test(b)) return a < b ? -1 : 1
  // UTF-16 code-unit order equals UTF-8 byte order except when a surrogate (U+D800..U+DFFF)
  // meets a unit at or above U+E000; only then are bytes compared.
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    if ((x >= 0xd800 || y >= 0xd800) && !(x < 0xd800 && y < 0xd800)) {
      return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
    }
    return x < y ? -1 : 1
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0
}

/** Clamps a `listKeys` limit to `LIST_KEYS_PAGE_MAX`, rejecting nonsense. */
export function pageLimitOf(options: ListKeysOptions): number {
  if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
    throw amdbError(
      { code: 'INVALID_ARGUMENT', limit: options.limit },
      `expected limit >= 1, got ${options.limit}`,
    )
  }
  return Math.min(options.limit, LIST_KEYS_PAGE_MAX)
}

/**
 * Merges one key's committed rows with a block's deletes and puts (by id); the result stays in
 * id order. Drivers that store a key's rows together use it, and so does the read cache.
 */
export function applyRowOps(
  rows: readonly StoredRow[],
  puts: readonly StoredRow[],
  deletedIds: ReadonlySet<number>,
): StoredRow[] {
  const byId = new Map<number, StoredRow>()
  for (const row of rows) if (!deletedIds.has(row.id)) byId.set(row.id, row)
  for (const row of puts) byId.set(row.id, row)
  return [...byId.values()].sort((a, b) => a.id - b.id)
}

/** Groups a table write by key: puts and deleted ids of each touched key. */
export function groupByKey(write: TableWrite): Map<string, { puts: StoredRow[]; deletes: Set<number> }> {
  const out = new Map<string, { puts: StoredRow[]; deletes: Set<number> }>()
  const slot = (key: string) => {
    let s = out.get(key)
    if (s === undefined) {
      s = { puts: [], deletes: new Set() }
      out.set(key, s)
    }
    return s
  }
  for (const d of write.deletes) slot(d.key).deletes.add(d.id)
  for (const p of write.puts) slot(p.key).puts.push(p)
  return out
}

/**
 * Checks a block before any byte is written, so a driver never stops half-way on bad input:
 * block number, table names and fields (identifiers reach SQL), keys, ids and value sizes.
 */
export function validateBlockWrite(block: BlockWrite, committedHeight: number): void {
  if (!Number.isSafeInteger(block.number) || block.number !== committedHeight + 1) {
    throw amdbError(
      { code: 'BLOCK_NUMBER_MISMATCH', number: block.number, committedHeight },
      `expected block ${committedHeight + 1}, got ${block.number}`,
    )
  }
  const seen = new Set<string>()
  for (const write of block.tables) {
    const { info } = write
    if (seen.has(info.name)) {
      throw amdbError(
        { code: 'INVALID_ARGUMENT', table: info.name },
        `table ${info.name} appears twice in block`,
      )
    }
    seen.add(info.name)
    if (!SYSTEM_TABLES.has(info.name) && checkTableInfo(info) !== 0) {
      throw amdbError({ code: 'INVALID_ARGUMENT', table: info.name }, `invalid table schema for ${info.name}`)
    }
    for (const row of write.puts) {
      if (!Number.isSafeInteger(row.id) || row.id < 1 || !Number.isSafeInteger(row.num) || row.num < 0) {
        throw amdbError(
          { code: 'INVALID_ARGUMENT', table: info.name, id: row.id },
          `invalid row id ${row.id}`,
        )
      }
      if (checkKey(row.key) !== 0) {
        throw amdbError({ code: 'INVALID_ARGUMENT', table: info.name }, `invalid key in table ${info.name}`)
      }
      for (const field of info.valueFields) {
        const value = row.fields[field]
        if (
          typeof value !== 'string' ||
          !isWellFormedString(value) ||
          utf8Bytes(value) > FIELD_VALUE_BYTES_MAX
        ) {
          throw amdbError(
            { code: 'INVALID_ARGUMENT', table: info.name, field },
            `row ${row.id} of ${info.name}: field ${field} missing, ill-formed or over ${FIELD_VALUE_BYTES_MAX} bytes`,
          )
        }
      }
    }
    for (const d of write.deletes) {
      if (!Number.isSafeInteger(d.id) || d.id < 1 || checkKey(d.key) !== 0) {
        throw amdbError(
          { code: 'INVALID_ARGUMENT', table: info.name, id: d.id },
          `invalid delete of row ${d.id}`,
        )
      }
    }
  }
}

const sameFields = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const names = Object.keys(a)
  return names.length === Object.keys(b).length && names.every((f) => a[f] === b[f])
}

/**
 * Checks `TableWrite.keyRows` of one key against the block's own puts and deletes of that key,
 * for a driver about to write those rows without reading: the rows are the key's, in increasing
 * id order, every put is among them and no deleted id is. Throws `INVALID_ARGUMENT` otherwise.
 */
export function checkKeyRows(
  info: TableInfo,
  key: string,
  rows: readonly StoredRow[],
  ops: { readonly puts: readonly StoredRow[]; readonly deletes: ReadonlySet<number> },
): void {
  const bad = (why: string) =>
    amdbError({ code: 'INVALID_ARGUMENT', table: info.name }, `keyRows of ${info.name}/${key}: ${why}`)
  let lastId = 0
  for (const row of rows) {
    if (row.key !== key || !Number.isSafeInteger(row.id) || row.id <= lastId)
      throw bad("rows must be the key's, in increasing id order")
    if (ops.deletes.has(row.id)) throw bad(`deleted row ${row.id} is still there`)
    lastId = row.id
  }
  for (const put of ops.puts) {
    if (rows.includes(put)) continue
    const row = rows.find((r) => r.id === put.id)
    if (row === undefined || row.num !== put.num || !sameFields(row.fields, put.fields))
      throw bad(`put row ${put.id} is missing or differs`)
  }
}

/** Runs async jobs one at a time, in call order (one block commit at a time per driver). */
export function createSerialQueue(): <T>(job: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(job: () => Promise<T>) => {
    const run = tail.then(job, job)
    tail = run.catch(() => undefined)
    return run
  }
}
