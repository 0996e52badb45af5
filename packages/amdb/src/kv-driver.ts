import type { Bytes, KvBatchOp, KvStore, TableInfo } from '@consortia/interface'
import {
  applyRowOps,
  type BlockWrite,
  createSerialQueue,
  groupByKey,
  type ListKeysOptions,
  pageLimitOf,
  type StorageDriver,
  type StoredRow,
  validateBlockWrite,
} from './driver.js'
import { amdbError } from './errors.js'
import { createLevelDBKvStore, type LevelDBKvInit } from './leveldb-kv.js'

// Layout: 0x00 'height' → decimal committed height;
//         0x01 table 0x00 key → JSON [[id, num, {field: value}], ...] of the key's live rows.
// Table names hold only [A-Za-z0-9$_@], so 0x00 ends them and a table's keys are contiguous.
const HEIGHT_KEY = Uint8Array.from([0x00, ...Buffer.from('height')])
const ROW_TAG = 0x01

const tablePrefix = (table: string, end = 0x00): Uint8Array => {
  const out = new Uint8Array(table.length + 2)
  out[0] = ROW_TAG
  out.set(Buffer.from(table, 'latin1'), 1)
  out[table.length + 1] = end
  return out
}
const rowKey = (table: string, key: string): Uint8Array => {
  const prefix = tablePrefix(table)
  const k = Buffer.from(key, 'utf8')
  const out = new Uint8Array(prefix.length + k.length)
  out.set(prefix)
  out.set(k, prefix.length)
  return out
}

const encodeRows = (rows: readonly StoredRow[]): Bytes =>
  Buffer.from(JSON.stringify(rows.map((r) => [r.id, r.num, r.fields])), 'utf8')

const decodeRows = (table: string, key: string, raw: Bytes): StoredRow[] => {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'))
  } catch (err) {
    throw amdbError({ code: 'CORRUPT_DATA', table }, `rows of ${table}/${key} are not JSON`, err)
  }
  if (!Array.isArray(parsed))
    throw amdbError({ code: 'CORRUPT_DATA', table }, `rows of ${table}/${key} malformed`)
  return parsed.map((r: unknown) => {
    if (
      !Array.isArray(r) ||
      typeof r[0] !== 'number' ||
      typeof r[1] !== 'number' ||
      typeof r[2] !== 'object'
    ) {
      throw amdbError({ code: 'CORRUPT_DATA', table }, `row of ${table}/${key} malformed`)
    }
    return { id: r[0], num: r[1], key, fields: r[2] as Record<string, string> }
  })
}

/** Options of `createKvDriver`. */
export interface KvDriverInit {
  /** Name reported by the driver (default `kv`). */
  readonly name?: string
  /** Ask the store for durability before a block commit resolves (default true). */
  readonly sync?: boolean
}

/**
 * A `StorageDriver` over any ordered `KvStore`: each key's live rows are one value, and a
 * block commits as one atomic `batch` that also records the height.
 */
export async function createKvDriver(kv: KvStore, init: KvDriverInit = {}): Promise<StorageDriver> {
  const sync = init.sync ?? true
  const serial = createSerialQueue()
  const rawHeight = await kv.get(HEIGHT_KEY)
  let height = rawHeight === undefined ? -1 : Number(Buffer.from(rawHeight).toString('latin1'))
  if (!Number.isSafeInteger(height) || height < -1) {
    throw amdbError({ code: 'CORRUPT_DATA' }, 'stored block height is not a number')
  }
  let closed = false
  const assertOpen = () => {
    if (closed) throw amdbError({ code: 'DRIVER_CLOSED' }, `${init.name ?? 'kv'} driver is closed`)
  }

  return {
    name: init.name ?? 'kv',
    async selectRows(info: TableInfo, key: string) {
      assertOpen()
      const raw = await kv.get(rowKey(info.name, key))
      return raw === undefined ? [] : decodeRows(info.name, key, raw)
    },
    async listKeys(info: TableInfo, options: ListKeysOptions) {
      assertOpen()
      const limit = pageLimitOf(options)
      const prefix = tablePrefix(info.name)
      const range =
        options.after === undefined
          ? { gte: prefix, lt: tablePrefix(info.name, 0x01), limit }
          : { gt: rowKey(info.name, options.after), lt: tablePrefix(info.name, 0x01), limit }
      const keys: string[] = []
      for await (const [k] of kv.iterate(range)) {
        keys.push(
          Buffer.from(k.buffer, k.byteOffset + prefix.length, k.byteLength - prefix.length).toString('utf8'),
        )
      }
      return keys
    },
    commitBlock(block: BlockWrite) {
      return serial(async () => {
        assertOpen()
        validateBlockWrite(block, height)
        const touched: {
          table: string
          key: string
          dbKey: Uint8Array
          puts: StoredRow[]
          deletes: Set<number>
        }[] = []
        for (const write of block.tables) {
          for (const [key, ops] of groupByKey(write)) {
            touched.push({ table: write.info.name, key, dbKey: rowKey(write.info.name, key), ...ops })
          }
        }
        const current = await kv.getMany(touched.map((t) => t.dbKey))
        const ops: KvBatchOp[] = []
        touched.forEach((t, i) => {
          const raw = current[i]
          const rows = applyRowOps(
            raw === undefined ? [] : decodeRows(t.table, t.key, raw),
            t.puts,
            t.deletes,
          )
          if (rows.length === 0) {
            if (raw !== undefined) ops.push({ type: 'del', key: t.dbKey })
          } else {
            ops.push({ type: 'put', key: t.dbKey, value: encodeRows(rows) })
          }
        })
        ops.push({ type: 'put', key: HEIGHT_KEY, value: Buffer.from(String(block.number), 'latin1') })
        await kv.batch(ops, { sync })
        height = block.number
      })
    },
    async committedHeight() {
      assertOpen()
      return height
    },
    async close() {
      if (closed) return
      closed = true
      await serial(async () => undefined)
      await kv.close()
    },
  }
}

/**
 * The embedded default: AMDB on LevelDB (`classic-level`). One LevelDB write batch per block,
 * written with `sync`, so a crash leaves the whole block or none of it.
 */
export async function createLevelDBDriver(
  init: LevelDBKvInit & { readonly sync?: boolean },
): Promise<StorageDriver> {
  const kv = await createLevelDBKvStore(init)
  return createKvDriver(kv, { name: 'leveldb', sync: init.sync ?? true })
}
