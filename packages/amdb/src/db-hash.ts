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

/** Hash of one table's changed rows: rows sorted bytewise, each length-prefixed, then hashed. */
export function tableHash(rows: Buffer[], hash: HashFn): Hash32 {
  rows.sort(Buffer.compare)
  const parts: Buffer[] = []
  for (const row of rows) parts.push(u32(row.length), row)
  return checked(hash(Buffer.concat(parts)))
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
