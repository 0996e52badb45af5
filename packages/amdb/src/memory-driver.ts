import type { TableInfo } from '@consortia/interface'
import {
  applyRowOps,
  type BlockWrite,
  compareUtf8,
  createSerialQueue,
  groupByKey,
  type ListKeysOptions,
  pageLimitOf,
  type StorageDriver,
  type StoredRow,
  validateBlockWrite,
} from './driver.js'
import { amdbError } from './errors.js'

/** The contents of a memory driver; pass the same object to reopen it after `close()`. */
export interface MemoryDriverData {
  height: number
  readonly tables: Map<string, Map<string, readonly StoredRow[]>>
}

/** Options of `createMemoryDriver`. */
export interface MemoryDriverInit {
  /** Reuse the contents of an earlier memory driver (for restart tests). */
  readonly data?: MemoryDriverData
}

/** A memory driver, with its contents exposed for tests. */
export interface MemoryDriver extends StorageDriver {
  readonly data: MemoryDriverData
  selectRowsMany(info: TableInfo, keys: readonly string[]): Promise<StoredRow[][]>
}

/** Empty contents for `createMemoryDriver({ data })`. */
export function createMemoryDriverData(): MemoryDriverData {
  return { height: -1, tables: new Map() }
}

const freezeRow = (row: StoredRow): StoredRow =>
  Object.freeze({ id: row.id, num: row.num, key: row.key, fields: Object.freeze({ ...row.fields }) })

/** A `StorageDriver` that keeps everything in memory: tests, simulations, throw-away chains. */
export function createMemoryDriver(init: MemoryDriverInit = {}): MemoryDriver {
  const data = init.data ?? createMemoryDriverData()
  const serial = createSerialQueue()
  let closed = false
  const assertOpen = () => {
    if (closed) throw amdbError({ code: 'DRIVER_CLOSED' }, 'memory driver is closed')
  }
  return {
    name: 'memory',
    data,
    async selectRows(info: TableInfo, key: string) {
      assertOpen()
      return [...(data.tables.get(info.name)?.get(key) ?? [])]
    },
    async selectRowsMany(info: TableInfo, keys: readonly string[]) {
      assertOpen()
      const table = data.tables.get(info.name)
      return keys.map((key) => [...(table?.get(key) ?? [])])
    },
    async listKeys(info: TableInfo, options: ListKeysOptions) {
      assertOpen()
      const limit = pageLimitOf(options)
      const keys = [...(data.tables.get(info.name)?.keys() ?? [])].sort(compareUtf8)
      const after = options.after
      const from = after === undefined ? keys : keys.filter((k) => compareUtf8(k, after) > 0)
      return from.slice(0, limit)
    },
    commitBlock(block: BlockWrite) {
      return serial(async () => {
        assertOpen()
        validateBlockWrite(block, data.height)
        for (const write of block.tables) {
          let table = data.tables.get(write.info.name)
          if (table === undefined) {
            table = new Map()
            data.tables.set(write.info.name, table)
          }
          for (const [key, ops] of groupByKey(write)) {
            const rows = applyRowOps(table.get(key) ?? [], ops.puts.map(freezeRow), ops.deletes)
            if (rows.length === 0) table.delete(key)
            else table.set(key, rows)
          }
        }
        data.height = block.number
      })
    },
    async committedHeight() {
      assertOpen()
      return data.height
    },
    async close() {
      closed = true
    },
  }
}
