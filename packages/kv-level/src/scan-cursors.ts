import type { Bytes } from '@consortia/interface'

/**
 * Default bound of the paged-scan cursors of a key-encrypted store: how many decrypted, sorted
 * prefix groups are kept between pages (least recently used dropped first, so abandoned scans
 * go away as new ones start).
 */
export const ENCRYPTED_SCAN_CURSORS_MAX = 8

/**
 * Default bound of the bytes the paged-scan cursors hold together (keys, values and
 * `SCAN_CURSOR_ENTRY_OVERHEAD_BYTES` per entry); a group above it is scanned without a cursor.
 */
export const ENCRYPTED_SCAN_CURSOR_BYTES_MAX = 64 * 1024 * 1024

/** Bytes counted per cached entry beyond its key and value (array slot, views, tuple). */
export const SCAN_CURSOR_ENTRY_OVERHEAD_BYTES = 96

/** One decrypted entry of a prefix group: the key as a Buffer view (for `Buffer.compare`), the value. */
export type GroupEntry = readonly [Buffer, Bytes]

/** A prefix group read in full, decrypted and sorted by key (unsigned byte order). */
export interface SortedGroup {
  /** Inner-store key prefix of the group (`0x01 ‖ K(P)`): every key written into it starts so. */
  readonly groupStart: Bytes
  readonly entries: readonly GroupEntry[]
  /** Estimated memory: keys, values and the per-entry overhead. */
  readonly bytes: number
}

/** The range bounds of one `iterate` call. */
export interface ScanBounds {
  readonly gt?: Bytes | undefined
  readonly gte?: Bytes | undefined
  readonly lt?: Bytes | undefined
  readonly lte?: Bytes | undefined
}

const view = (b: Bytes): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/** Sorts decrypted entries by key and measures them. */
export function sortGroup(groupStart: Bytes, entries: GroupEntry[]): SortedGroup {
  entries.sort((a, b) => Buffer.compare(a[0], b[0]))
  let bytes = 0
  for (const [k, v] of entries) bytes += k.length + v.length + SCAN_CURSOR_ENTRY_OVERHEAD_BYTES
  return { groupStart, entries, bytes }
}

/** First index whose key is ≥ `key` (`strict`: > `key`). */
function searchIndex(entries: readonly GroupEntry[], key: Bytes, strict: boolean): number {
  const target = view(key)
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const c = Buffer.compare(entries[mid]![0], target)
    if (c < 0 || (strict && c === 0)) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The half-open index range `[start, end)` of the sorted entries inside `bounds` (binary search). */
export function boundsRange(entries: readonly GroupEntry[], bounds: ScanBounds): [number, number] {
  let start = 0
  let end = entries.length
  if (bounds.gt !== undefined) start = Math.max(start, searchIndex(entries, bounds.gt, true))
  if (bounds.gte !== undefined) start = Math.max(start, searchIndex(entries, bounds.gte, false))
  if (bounds.lt !== undefined) end = Math.min(end, searchIndex(entries, bounds.lt, false))
  if (bounds.lte !== undefined) end = Math.min(end, searchIndex(entries, bounds.lte, true))
  return [start, Math.max(start, end)]
}

/** The paged-scan cursors of one store. See {@link createScanCursors}. */
export interface ScanCursors {
  /** Cursors held now. */
  readonly size: number
  /** Bytes they hold now. */
  readonly bytes: number
  /**
   * The cached group of `groupStart`, or of a shorter prefix of it (a wider group holds every
   * key of the narrower one: the key cipher preserves prefixes), marked most recently used.
   */
  take(groupStart: Bytes): SortedGroup | undefined
  /** Keep `group` for the next page; false (and nothing kept) when it alone is over the byte bound. */
  keep(group: SortedGroup): boolean
  /** The scan of this group ended: drop its cursor. */
  release(groupStart: Bytes): void
  /** Drop every cursor whose group holds one of these inner keys (a write to them). */
  invalidate(innerKeys: readonly Bytes[]): void
  clear(): void
}

const idOf = (b: Bytes): string => view(b).toString('latin1')

function startsWith(key: Bytes, prefix: Bytes): boolean {
  if (key.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false
  return true
}

/**
 * Cursors for paged range scans of a key-encrypted store (`iterate({ gt: lastKey, lt, limit })`
 * page after page, as AMDB lists a table): the decrypted, sorted prefix group of the first page
 * is kept, so each later page is a binary search plus its own entries instead of re-reading and
 * re-sorting the whole group. At most `cursorsMax` groups and `bytesMax` bytes are held, least
 * recently used dropped first; a cursor goes when its scan ends (a page shorter than its
 * limit), when a write touches its group, or when the store closes. `cursorsMax` 0 keeps none.
 */
export function createScanCursors(limits: { cursorsMax: number; bytesMax: number }): ScanCursors {
  const groups = new Map<string, SortedGroup>()
  let bytes = 0
  const drop = (id: string) => {
    const group = groups.get(id)
    if (group === undefined) return
    groups.delete(id)
    bytes -= group.bytes
  }
  return {
    get size() {
      return groups.size
    },
    get bytes() {
      return bytes
    },
    take(groupStart) {
      let id = idOf(groupStart)
      let group = groups.get(id)
      if (group === undefined) {
        // A later page's bounds can share a longer prefix than the first page's did.
        for (const [otherId, other] of groups) {
          if (startsWith(groupStart, other.groupStart)) {
            id = otherId
            group = other
            break
          }
        }
      }
      if (group !== undefined) {
        groups.delete(id)
        groups.set(id, group)
      }
      return group
    },
    keep(group) {
      const id = idOf(group.groupStart)
      drop(id)
      if (limits.cursorsMax === 0 || group.bytes > limits.bytesMax) return false
      while (groups.size >= limits.cursorsMax || bytes + group.bytes > limits.bytesMax) {
        drop(groups.keys().next().value as string)
      }
      groups.set(id, group)
      bytes += group.bytes
      return true
    },
    release(groupStart) {
      drop(idOf(groupStart))
    },
    invalidate(innerKeys) {
      if (groups.size === 0) return
      for (const [id, group] of [...groups]) {
        if (innerKeys.some((k) => startsWith(k, group.groupStart))) drop(id)
      }
    },
    clear() {
      groups.clear()
      bytes = 0
    },
  }
}
