import type { CachedTable, CachedTableStore, Entry, TableInfo } from '@consortia/interface'
import { permissionError } from './errors.js'

/** Thin helpers over the `TableStore` port: reads that tolerate a missing table, checked writes. */
export class Store {
  private readonly opened = new Map<string, CachedTable>()

  constructor(readonly tables: CachedTableStore) {}

  /** The table, or undefined when it does not exist. */
  async open(name: string): Promise<CachedTable | undefined> {
    const cached = this.opened.get(name)
    if (cached !== undefined) return cached
    const table = await this.tables.openTable(name)
    if (table !== undefined) this.opened.set(name, table)
    return table
  }

  /** The table, created with `info` when it does not exist yet. */
  async openOrCreate(info: TableInfo): Promise<CachedTable> {
    const existing = await this.open(info.name)
    if (existing !== undefined) return existing
    const rc = await this.tables.createTable(info)
    if (rc < 0) {
      throw permissionError(
        { code: 'STORE_WRITE_FAILED', fiscoCode: rc, table: info.name },
        `cannot create ${info.name}: FISCO code ${rc}`,
      )
    }
    const created = await this.open(info.name)
    if (created === undefined) {
      throw permissionError(
        { code: 'STORE_WRITE_FAILED', table: info.name },
        `table ${info.name} missing right after creation`,
      )
    }
    return created
  }

  /** All rows of `key`, or none when the table does not exist. */
  async rows(name: string, key: string): Promise<Entry[]> {
    const table = await this.open(name)
    return table === undefined ? [] : table.select(key)
  }

  /**
   * `rows` without waiting: the rows when the table and the key's rows are in memory (the
   * table opened before, or known to the store; a table known not to exist has none), else
   * `undefined`, and `rows` must be used.
   */
  rowsCached(name: string, key: string): Entry[] | undefined {
    let table = this.opened.get(name)
    if (table === undefined) {
      const known = this.tables.openTableCached?.(name)
      if (known === null) return []
      if (known === undefined) return undefined
      this.opened.set(name, known)
      table = known
    }
    return table.selectCached?.(key)
  }

  /** Throws STORE_WRITE_FAILED when a write returned a negative FISCO code; returns the row count. */
  checked(result: number, table: string, op: string): number {
    if (result < 0) {
      throw permissionError(
        { code: 'STORE_WRITE_FAILED', fiscoCode: result, table },
        `${op} on ${table} refused by the table store with FISCO code ${result}`,
      )
    }
    return result
  }
}
