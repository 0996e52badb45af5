import type { Hash32 } from '@consortia/interface'
import { amdbError } from './errors.js'
import { STATUS_FIELD } from './schema.js'

/** A hash function of the chain's crypto suite (Keccak-256 or SM3); must return 32 bytes. */
export type HashFn = (data: Uint8Array) => Uint8Array

/** The dbHash of a block that changed no consensus table. */
export const EMPTY_DB_HASH: Hash32 = new Uint8Array(32)

const u32 = (n: number): Buffer => {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(n, 0)
  return b
}
const lengthPrefixed = (s: string): Buffer => {
  const bytes = Buffer.from(s, 'utf8')
  return Buffer.concat([u32(bytes.length), bytes])
}

/**
 * The bytes that stand for one changed row in the dbHash: every field (key field, value fields
 * and `_status_`) sorted by name, each as length-prefixed name and value. `_id_` and `_num_` are
 * left out, so the hash depends on content, not on when ids were assigned.
 */
export function encodeRowForHash(
  keyField: string,
  key: string,
  fields: Readonly<Record<string, string>>,
  status: number,
): Buffer {
  const pairs: [string, string][] = [
    [keyField, key],
    [STATUS_FIELD, String(status)],
  ]
  for (const name in fields) pairs.push([name, fields[name]!])
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  // One allocation per row: this runs for every changed row whenever the dbHash is asked for.
  let size = 0
  for (const [name, value] of pairs) size += 8 + Buffer.byteLength(name) + Buffer.byteLength(value)
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (const [name, value] of pairs) {
    for (const s of [name, value]) {
      const n = Buffer.byteLength(s)
      out.writeUInt32BE(n, at)
      out.write(s, at + 4, n, 'utf8')
      at += 4 + n
    }
  }
  return out
}

/**
 * `encodeRowForHash` for the rows of one table, faster: the field order and the encoded names are
 * worked out once. Gives the same bytes as `encodeRowForHash` for rows whose fields are the
 * table's value fields (missing ones are skipped, as there).
 */
export function createRowHashEncoder(
  keyField: string,
  valueFields: readonly string[],
): (key: string, fields: Readonly<Record<string, string>>, status: number) => Buffer {
  const names = [keyField, STATUS_FIELD, ...valueFields].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const nameBytes = names.map((name) => Buffer.from(name, 'utf8'))
  const lengths = new Array<number>(names.length)
  const values = new Array<string>(names.length)
  return (key, fields, status) => {
    let size = 0
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!
      const value = name === keyField ? key : name === STATUS_FIELD ? String(status) : fields[name]
      values[i] = value as string
      lengths[i] = value === undefined ? -1 : Buffer.byteLength(value)
      if (value !== undefined) size += 8 + nameBytes[i]!.length + lengths[i]!
    }
    const out = Buffer.allocUnsafe(size)
    let at = 0
    for (let i = 0; i < names.length; i++) {
      const n = lengths[i]!
      if (n < 0) continue
      const name = nameBytes[i]!
      out.writeUInt32BE(name.length, at)
      name.copy(out, at + 4)
      at += 4 + name.length
      out.writeUInt32BE(n, at)
      out.write(values[i]!, at + 4, n, 'utf8')
      at += 4 + n
    }
    return out
  }
}

/** Hash of one table's changed rows: rows sorted bytewise, each length-prefixed, then hashed. */
export function tableHash(rows: Buffer[], hash: HashFn): Hash32 {
  rows.sort(Buffer.compare)
  let size = 0
  for (const row of rows) size += 4 + row.length
  const all = Buffer.allocUnsafe(size)
  let at = 0
  for (const row of rows) {
    all.writeUInt32BE(row.length, at)
    row.copy(all, at + 4)
    at += 4 + row.length
  }
  return checked(hash(all))
}

/**
 * The block's dbHash from the hashes of the consensus tables it changed (FISCO
 * MemoryTableFactory::hash): tables in name order, each as length-prefixed name and table hash.
 * 32 zero bytes when no consensus table changed.
 */
export function dbHash(tables: readonly { name: string; hash: Hash32 }[], hash: HashFn): Hash32 {
  if (tables.length === 0) return EMPTY_DB_HASH.slice()
  const sorted = [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const parts: Buffer[] = []
  for (const t of sorted) parts.push(lengthPrefixed(t.name), Buffer.from(t.hash))
  return checked(hash(Buffer.concat(parts)))
}

function checked(digest: Uint8Array): Hash32 {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw amdbError(
      { code: 'INVALID_ARGUMENT', label: 'hash' },
      `expected the hash function to return 32 bytes, got ${digest?.length}`,
    )
  }
  return digest
}
