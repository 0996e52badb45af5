/**
 * AMDB table storage ports (FISCO 2.x libstorage/Table.h). Keys and field values are
 * strings, as in FISCO; a key may hold several rows.
 */

/** One row: field name → value. Hidden fields (`_status_`, `_num_`, `_id_`) are not included. */
export type Entry = Readonly<Record<string, string>>

/** Comparison operators of an AMDB `Condition`. */
export type ConditionOp = 'EQ' | 'NE' | 'GT' | 'GE' | 'LT' | 'LE'

/** A filter on the rows of one key, with optional paging (`limit` rows after skipping `offset`). */
export interface Condition {
  readonly clauses: readonly { readonly field: string; readonly op: ConditionOp; readonly value: string }[]
  readonly offset?: number
  readonly limit?: number
}

/** A table's schema as recorded in `_sys_tables_`. */
export interface TableInfo {
  readonly name: string
  readonly keyField: string
  readonly valueFields: readonly string[]
}

/** One AMDB table within a block's change set. Writes return the number of affected rows or a negative FISCO code. */
export interface Table {
  readonly info: TableInfo
  select(key: string, condition?: Condition): Promise<Entry[]>
  insert(key: string, entry: Entry): Promise<number>
  update(key: string, entry: Entry, condition?: Condition): Promise<number>
  remove(key: string, condition?: Condition): Promise<number>
}

/** Creates and opens tables; implemented by the AMDB package over a storage driver. */
export interface TableStore {
  /** Returns 0 on success or a negative FISCO code (e.g. table exists). */
  createTable(info: TableInfo): Promise<number>
  openTable(name: string): Promise<Table | undefined>
}
