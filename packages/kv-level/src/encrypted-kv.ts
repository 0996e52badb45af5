import {
  type Bytes,
  ChainError,
  type KvBatchOp,
  type KvIterateOptions,
  type KvStore,
  type Logger,
  silentLogger,
} from '@consortia/interface'
import {
  checkCipher,
  checkDataKey,
  createDataCipher,
  type DataCipher,
  KV_CIPHERS,
  type KvCipher,
  keyCheckEquals,
  randomSalt,
} from './cipher.js'
import { describeValue, type KvLevelErrorType, kvInvalidInput } from './errors.js'
import { createKeyCipher, ENCRYPTED_KEY_BYTES_MAX, type KeyCipher } from './key-cipher.js'
import {
  boundsRange,
  createScanCursors,
  ENCRYPTED_SCAN_CURSOR_BYTES_MAX,
  ENCRYPTED_SCAN_CURSORS_MAX,
  type GroupEntry,
  type SortedGroup,
  sortGroup,
} from './scan-cursors.js'

/**
 * Most entries one range scan of a key-encrypted store may gather: ciphertext order is not key
 * order, so `iterate` reads the whole prefix group of its bounds, decrypts and sorts it in memory.
 */
export const ENCRYPTED_SCAN_ENTRIES_MAX = 1_000_000

/**
 * Default bound of the cache of encrypted keys (plaintext key → ciphertext key, oldest dropped
 * first): a block commit reads and then writes the same keys, and hot keys (the AMDB height,
 * system tables, busy accounts) are read again and again.
 */
export const ENCRYPTED_KEY_CACHE_ENTRIES_MAX = 8192

/** Options of {@link createEncryptedKvStore}. */
export interface EncryptedKvInit {
  /** The data key (FISCO `dataKey`, from the key manager's `decDataKey`); held only in memory. */
  readonly dataKey: Bytes
  /** The cipher; must match the one the store was created with (see {@link kvCipherForSuite}). */
  readonly cipher: KvCipher
  /**
   * Encrypt keys too (header format 2, the default). Only read when the store is created: an
   * existing store keeps the format it was created with (format 1 stores keep plaintext keys).
   */
  readonly encryptKeys?: boolean
  /** Bound of one range scan of a key-encrypted store (default {@link ENCRYPTED_SCAN_ENTRIES_MAX}). */
  readonly scanEntriesMax?: number
  /** Entries of the encrypted-key cache (default {@link ENCRYPTED_KEY_CACHE_ENTRIES_MAX}; 0 turns it off). */
  readonly keyCacheEntriesMax?: number
  /**
   * Paged-scan cursors kept at once (default {@link ENCRYPTED_SCAN_CURSORS_MAX}; 0 turns them
   * off): a scan that stops at its `limit` keeps its decrypted, sorted group for the next page.
   */
  readonly scanCursorsMax?: number
  /** Bytes the paged-scan cursors may hold together (default {@link ENCRYPTED_SCAN_CURSOR_BYTES_MAX}). */
  readonly scanCursorBytesMax?: number
  /** Receives `debug` lines on open (default: silent). Never sees keys or values. */
  readonly logger?: Logger
}

/** An encrypting `KvStore` over another one. */
export interface EncryptedKvStore extends KvStore {
  /** The cipher in use. */
  readonly cipher: KvCipher
  /** Whether keys are encrypted on disk (format 2) or kept in plaintext (format 1). */
  readonly keysEncrypted: boolean
  /** Bound of one range scan (entries gathered before sorting). */
  readonly scanEntriesMax: number
  /** Entries now in the encrypted-key cache (at most `keyCacheEntriesMax`; 0 for format 1). */
  readonly keyCacheEntries: number
  /** Paged-scan cursors held now (at most `scanCursorsMax`; always 0 for format 1). */
  readonly scanCursors: number
  /** Bytes those cursors hold (at most `scanCursorBytesMax`). */
  readonly scanCursorBytes: number
}

/** What the header record of an encrypted store says (nothing secret). */
export interface KvEncryptionInfo {
  /** Header format version: 1 (values encrypted) or 2 (keys and values encrypted). */
  readonly format: 1 | 2
  readonly cipher: KvCipher
  /** `format === 2`. */
  readonly keysEncrypted: boolean
}

// Layout in the inner store: 0x00 'consortia/kv-encryption' → header JSON (format, cipher, salt,
// keyCheck). Format 1: 0x01 ‖ key → 0x01 ‖ nonce ‖ ciphertext ‖ tag, aad = 0x01 ‖ key.
// Format 2: 0x01 ‖ K(key) → 0x02 ‖ nonce ‖ seal(u16 len ‖ key ‖ value) ‖ tag, aad = 0x02 ‖ K(key),
// where K is the prefix-preserving key cipher (key-cipher.ts), so a scan of the keys starting
// with P is a scan of the inner keys starting with 0x01 ‖ K(P).
const HEADER_KEY = Uint8Array.from([0x00, ...new TextEncoder().encode('consortia/kv-encryption')])
const DATA_TAG = 0x01
const DATA_END = Uint8Array.of(0x02)
const VALUE_FORMAT_PLAIN_KEYS = 0x01
const VALUE_FORMAT_SEALED_KEYS = 0x02

const tagged = (key: Bytes): Bytes => {
  const out = new Uint8Array(key.length + 1)
  out[0] = DATA_TAG
  out.set(key, 1)
  return out
}

const toHex = (b: Bytes): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const compareBytes = (a: Bytes, b: Bytes): number =>
  Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  )

function checkKey(field: string, key: unknown): asserts key is Bytes {
  if (!(key instanceof Uint8Array)) throw kvInvalidInput(field, 'Uint8Array', describeValue(key))
}

interface Header {
  readonly format: 1 | 2
  readonly cipher: KvCipher
  readonly salt: Bytes
  readonly keyCheck: Bytes
}

function parseHeader(raw: Bytes): Header {
  const bad = (why: string) =>
    new ChainError<KvLevelErrorType>(
      { code: 'KV_TAMPERED', operation: 'open' },
      `encryption header of the store is malformed (${why})`,
    )
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw))
  } catch {
    throw bad('not JSON')
  }
  const h = parsed as Record<string, unknown>
  if (typeof h !== 'object' || h === null) throw bad('not an object')
  if (h.format !== 1 && h.format !== 2) throw bad(`format ${String(h.format)}`)
  if (!KV_CIPHERS.includes(h.cipher as KvCipher)) throw bad(`cipher ${String(h.cipher)}`)
  const hex = (v: unknown, bytes: number, name: string): Bytes => {
    if (typeof v !== 'string' || !/^[0-9a-f]*$/.test(v) || v.length !== 2 * bytes) throw bad(name)
    return new Uint8Array(Buffer.from(v, 'hex'))
  }
  return {
    format: h.format,
    cipher: h.cipher as KvCipher,
    salt: hex(h.salt, 16, 'salt'),
    keyCheck: hex(h.keyCheck, 16, 'keyCheck'),
  }
}

/**
 * Reads the encryption header of a store without a key: `undefined` for a store that was never
 * opened through {@link createEncryptedKvStore}. A node uses it to refuse starting an encrypted
 * data directory without disk encryption configured (and the reverse).
 */
export async function readKvEncryptionInfo(inner: KvStore): Promise<KvEncryptionInfo | undefined> {
  const raw = await inner.get(HEADER_KEY)
  if (raw === undefined) return undefined
  const h = parseHeader(raw)
  return { format: h.format, cipher: h.cipher, keysEncrypted: h.format === 2 }
}

/** The longest common prefix of `a` and `b`. */
function commonPrefix(a: Bytes, b: Bytes): Bytes {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return a.subarray(0, i)
}

/**
 * A prefix every key in the range from `low` to `high` starts with: their common prefix `P`, or
 * `P ‖ b` when the upper bound is exclusive and is `P ‖ (b + 1)` while `low` continues with `b`
 * (so `[t ‖ 0x00, t ‖ 0x01)`, AMDB's table range, and `[p, prefixEnd(p))`, a prefix scan, read
 * only their own group, not the keys of longer table names or prefixes).
 */
function rangePrefix(low: Bytes, high: Bytes, highExclusive: boolean): Bytes {
  const p = commonPrefix(low, high)
  const n = p.length
  if (highExclusive && high.length === n + 1 && low.length > n && low[n]! + 1 === high[n]) {
    return low.subarray(0, n + 1)
  }
  return p
}

/** The smallest byte string above every string that starts with `prefix` (it starts with DATA_TAG). */
function prefixEnd(prefix: Bytes): Bytes {
  const end = Uint8Array.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] !== 0xff) {
      end[i]! += 1
      return end.subarray(0, i + 1)
    }
  }
  return DATA_END
}

/**
 * Disk encryption for any `KvStore` (FISCO 2.x "storage security", `EncryptedLevelDB`), of keys
 * and values. Every value is sealed with a fresh random nonce and authenticated together with
 * its key, so a modified, truncated or moved value is refused with `KV_TAMPERED`. Keys go through
 * a deterministic prefix-preserving cipher ({@link createKeyCipher}), so a copied data directory
 * shows neither table names, account addresses nor hashes, while point reads stay one inner read
 * and a range scan reads one prefix group: the keys between two bounds all start with the bounds'
 * common prefix `P`, and those are exactly the inner keys starting with `K(P)`. The group is
 * decrypted (the plaintext key travels inside the sealed value), filtered to the bounds and
 * sorted, so `iterate` keeps the `KvStore` contract (unsigned byte order, reverse, limit); it
 * holds at most `scanEntriesMax` entries and throws `KV_SCAN_TOO_LARGE` above.
 *
 * What still leaks: key lengths, value lengths, which keys are equal, the common-prefix structure
 * of the keys (how many keys share how long a prefix) and the access pattern. Stores created
 * before keys were encrypted (header format 1) open in their format, with plaintext keys.
 *
 * The first open of an empty store writes a header record (format, cipher, random salt,
 * key-check value) under a reserved key; later opens check the data key against it, so a wrong
 * key fails at once with `KV_WRONG_KEY`, another cipher with `KV_CIPHER_MISMATCH`, and a
 * non-empty store without a header (unencrypted data) with `KV_NOT_ENCRYPTED`.
 *
 * Cipher keys come from the data key by HKDF with the store's salt. AES-256-GCM uses random
 * 96-bit nonces, within NIST SP 800-38D §8.3 for up to 2³² writes per data key; rotate the data
 * key (re-encrypt into a new store) before a store sees that many writes.
 *
 * @example
 * ```ts
 * const inner = await createLevelKvStore({ location: './data/state' })
 * const store = await createEncryptedKvStore(inner, { dataKey, cipher: 'aes-256-gcm' })
 * await store.put(key, value) // on disk: 0x01 ‖ K(key) → 0x02 ‖ nonce ‖ sealed(key, value) ‖ tag
 * ```
 */
export async function createEncryptedKvStore(
  inner: KvStore,
  init: EncryptedKvInit,
): Promise<EncryptedKvStore> {
  if (init === null || typeof init !== 'object') {
    throw kvInvalidInput('init', 'an options object with dataKey and cipher', describeValue(init))
  }
  checkDataKey(init.dataKey)
  checkCipher(init.cipher)
  const scanEntriesMax = init.scanEntriesMax ?? ENCRYPTED_SCAN_ENTRIES_MAX
  if (!Number.isSafeInteger(scanEntriesMax) || scanEntriesMax < 1) {
    throw kvInvalidInput('scanEntriesMax', 'a positive integer', describeValue(scanEntriesMax))
  }
  const keyCacheEntriesMax = init.keyCacheEntriesMax ?? ENCRYPTED_KEY_CACHE_ENTRIES_MAX
  if (!Number.isSafeInteger(keyCacheEntriesMax) || keyCacheEntriesMax < 0) {
    throw kvInvalidInput('keyCacheEntriesMax', 'a non-negative integer', describeValue(keyCacheEntriesMax))
  }
  const scanCursorsMax = init.scanCursorsMax ?? ENCRYPTED_SCAN_CURSORS_MAX
  if (!Number.isSafeInteger(scanCursorsMax) || scanCursorsMax < 0) {
    throw kvInvalidInput('scanCursorsMax', 'a non-negative integer', describeValue(scanCursorsMax))
  }
  const scanCursorBytesMax = init.scanCursorBytesMax ?? ENCRYPTED_SCAN_CURSOR_BYTES_MAX
  if (!Number.isSafeInteger(scanCursorBytesMax) || scanCursorBytesMax < 0) {
    throw kvInvalidInput('scanCursorBytesMax', 'a non-negative integer', describeValue(scanCursorBytesMax))
  }
  if (init.encryptKeys !== undefined && typeof init.encryptKeys !== 'boolean') {
    throw kvInvalidInput('encryptKeys', 'a boolean', describeValue(init.encryptKeys))
  }
  const logger = (init.logger ?? silentLogger).child({ component: 'kv-encrypted' })
  const { cipher } = init
  let data: DataCipher
  let format: 1 | 2
  let salt: Bytes
  const rawHeader = await inner.get(HEADER_KEY)
  if (rawHeader !== undefined) {
    const header = parseHeader(rawHeader)
    if (header.cipher !== cipher) {
      throw new ChainError<KvLevelErrorType>(
        { code: 'KV_CIPHER_MISMATCH', stored: header.cipher, requested: cipher },
        `the store is encrypted with ${header.cipher}, not ${cipher}`,
      )
    }
    data = createDataCipher(init.dataKey, header.salt, cipher)
    if (!keyCheckEquals(data.keyCheck, header.keyCheck)) {
      throw new ChainError<KvLevelErrorType>(
        { code: 'KV_WRONG_KEY', what: 'store' },
        'the data key does not match the key this store was encrypted with',
      )
    }
    format = header.format
    salt = header.salt
    logger.debug('encrypted store opened', { cipher, format })
  } else {
    for await (const _ of inner.iterate({ limit: 1 })) {
      throw new ChainError<KvLevelErrorType>(
        { code: 'KV_NOT_ENCRYPTED' },
        'the store already holds unencrypted data; disk encryption must be chosen before the first start',
      )
    }
    salt = randomSalt()
    format = init.encryptKeys === false ? 1 : 2
    data = createDataCipher(init.dataKey, salt, cipher)
    const header = JSON.stringify({ format, cipher, salt: toHex(salt), keyCheck: toHex(data.keyCheck) })
    await inner.batch([{ type: 'put', key: HEADER_KEY, value: new TextEncoder().encode(header) }], {
      sync: true,
    })
    logger.debug('encrypted store created', { cipher, format })
  }
  const keyCache = new Map<string, Bytes>()
  const codec =
    format === 1
      ? plainKeyCodec(data)
      : sealedKeyCodec(data, createKeyCipher(init.dataKey, salt, cipher), keyCache, keyCacheEntriesMax)

  const tampered = (operation: string, key: Bytes) =>
    new ChainError<KvLevelErrorType>(
      { code: 'KV_TAMPERED', operation, keyHex: toHex(key.subarray(0, 64)) },
      `stored value of a ${key.length}-byte key failed authentication (modified, truncated or moved)`,
    )
  const pointRead = (operation: string, key: Bytes, innerKey: Bytes, raw: Bytes | undefined) => {
    if (raw === undefined) return undefined
    const entry = codec.open(innerKey, raw)
    if (entry === undefined || compareBytes(entry[0], key) !== 0) throw tampered(operation, key)
    return entry[1]
  }

  // Paged scans of a key-encrypted store: the sorted group of a page that stopped at its limit
  // is kept for the next page. Every write drops the cursors of the groups it touches, before
  // and after the inner write; a group read while any write ran is not kept (`writeGeneration`),
  // so a page never answers from data older than the writes that finished before it started.
  const cursors = createScanCursors({ cursorsMax: scanCursorsMax, bytesMax: scanCursorBytesMax })
  let writeGeneration = 0
  const readGroup = (groupStart: Bytes) => readSortedGroup(inner, groupStart, codec, tampered, scanEntriesMax)

  const store: EncryptedKvStore = {
    cipher,
    keysEncrypted: format === 2,
    scanEntriesMax,
    get keyCacheEntries() {
      return keyCache.size
    },
    get scanCursors() {
      return cursors.size
    },
    get scanCursorBytes() {
      return cursors.bytes
    },
    async get(key) {
      checkKey('key', key)
      const innerKey = codec.innerKey('key', key)
      return pointRead('get', key, innerKey, await inner.get(innerKey))
    },
    async getMany(keys) {
      if (!Array.isArray(keys)) throw kvInvalidInput('keys', 'an array of Uint8Array', describeValue(keys))
      for (let i = 0; i < keys.length; i++) checkKey(`keys[${i}]`, keys[i])
      const innerKeys = keys.map((k, i) => codec.innerKey(`keys[${i}]`, k))
      const raws = await inner.getMany(innerKeys)
      return raws.map((raw, i) => pointRead('getMany', keys[i]!, innerKeys[i]!, raw))
    },
    put(key, value) {
      return store.batch([{ type: 'put', key, value }])
    },
    del(key) {
      return store.batch([{ type: 'del', key }])
    },
    async batch(ops: readonly KvBatchOp[], options?: { readonly sync?: boolean }) {
      if (!Array.isArray(ops)) throw kvInvalidInput('ops', 'an array of batch ops', describeValue(ops))
      // Checked before sealing anything, so bad input writes nothing (the inner store checks again).
      const sealed = ops.map((op, i): KvBatchOp => {
        checkKey(`ops[${i}].key`, op?.key)
        if (op.type === 'put') {
          checkKey(`ops[${i}].value`, op.value)
          const innerKey = codec.innerKey(`ops[${i}].key`, op.key)
          return { type: 'put', key: innerKey, value: codec.seal(innerKey, op.key, op.value) }
        }
        if (op.type === 'del') return { type: 'del', key: codec.innerKey(`ops[${i}].key`, op.key) }
        throw kvInvalidInput(`ops[${i}].type`, "'put' or 'del'", describeValue(op.type))
      })
      if (format === 1) return inner.batch(sealed, options)
      const innerKeys = sealed.map((op) => op.key)
      writeGeneration++
      cursors.invalidate(innerKeys)
      try {
        await inner.batch(sealed, options)
      } finally {
        writeGeneration++
        cursors.invalidate(innerKeys)
      }
    },
    iterate(options: KvIterateOptions = {}) {
      for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
        const value = options[bound]
        if (value !== undefined) checkKey(bound, value)
      }
      const { limit } = options
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < -1)) {
        throw kvInvalidInput('limit', 'a non-negative integer (or -1 for none)', describeValue(limit))
      }
      if (format === 1) {
        const range: { gt?: Bytes; gte?: Bytes; lt?: Bytes; lte?: Bytes } = {}
        for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
          const value = options[bound]
          if (value !== undefined) range[bound] = tagged(value)
        }
        if (range.gt === undefined && range.gte === undefined) range.gte = Uint8Array.of(DATA_TAG)
        if (range.lt === undefined && range.lte === undefined) range.lt = DATA_END
        return openEntries(inner.iterate({ ...options, ...range }), codec, tampered)
      }
      // Key-encrypted: every key in the range starts with the common prefix of its bounds.
      const low = options.gt ?? options.gte
      const high = options.lt ?? options.lte
      const prefix =
        low !== undefined && high !== undefined
          ? rangePrefix(low, high, options.lt !== undefined)
          : new Uint8Array(0)
      const groupStart = codec.innerKey('gte', prefix)
      return scanGroup(groupStart, options)
    },
    close() {
      cursors.clear()
      return inner.close()
    },
  }
  /** One page of a key-encrypted scan: from the group's cursor, or the group read and sorted now. */
  async function* scanGroup(
    groupStart: Bytes,
    options: KvIterateOptions,
  ): AsyncGenerator<readonly [Bytes, Bytes]> {
    let group = cursors.take(groupStart)
    let shared = group !== undefined
    if (group === undefined) {
      const generation = writeGeneration
      group = await readGroup(groupStart)
      if (keepsCursor(group, options)) shared = generation === writeGeneration && cursors.keep(group)
    }
    if (shared && !keepsCursor(group, options)) {
      // The scan ends with this page.
      cursors.release(group.groupStart)
    }
    yield* pageOf(group, options, shared)
  }

  return store
}

/** -1 or no limit means all, as in LevelDB. */
const limitOf = (options: KvIterateOptions): number =>
  options.limit === undefined || options.limit === -1 ? Number.POSITIVE_INFINITY : options.limit

/** True when the page fills its limit: the caller may ask for the next page. */
function keepsCursor(group: SortedGroup, options: KvIterateOptions): boolean {
  const limit = limitOf(options)
  if (!Number.isFinite(limit) || limit === 0) return false
  const [start, end] = boundsRange(group.entries, options)
  return end - start >= limit
}

/** The entries of a sorted group inside the caller's bounds, in order, up to the limit (copies when the group is shared). */
function* pageOf(
  group: SortedGroup,
  options: KvIterateOptions,
  shared: boolean,
): Generator<readonly [Bytes, Bytes]> {
  const [start, end] = boundsRange(group.entries, options)
  const count = Math.min(end - start, limitOf(options))
  const { entries } = group
  for (let i = 0; i < count; i++) {
    const [k, v] = entries[options.reverse === true ? end - 1 - i : start + i]!
    yield shared
      ? [new Uint8Array(k), new Uint8Array(v)]
      : [new Uint8Array(k.buffer, k.byteOffset, k.length), v]
  }
}

/** How keys and values of one header format are laid out in the inner store. */
interface KeyCodec {
  /** The inner key of a caller key (checks its length where keys are encrypted). */
  innerKey(field: string, key: Bytes): Bytes
  seal(innerKey: Bytes, key: Bytes, value: Bytes): Bytes
  /** `[key, value]`, or `undefined` when authentication fails. */
  open(innerKey: Bytes, raw: Bytes): readonly [Bytes, Bytes] | undefined
}

function plainKeyCodec(data: DataCipher): KeyCodec {
  const aadOf = (innerKey: Bytes): Bytes => {
    const aad = Uint8Array.from(innerKey)
    aad[0] = VALUE_FORMAT_PLAIN_KEYS
    return aad
  }
  return {
    innerKey: (_field, key) => tagged(key),
    seal(innerKey, _key, value) {
      const body = data.seal(value, aadOf(innerKey))
      const out = new Uint8Array(body.length + 1)
      out[0] = VALUE_FORMAT_PLAIN_KEYS
      out.set(body, 1)
      return out
    },
    open(innerKey, raw) {
      if (raw.length === 0 || raw[0] !== VALUE_FORMAT_PLAIN_KEYS) return undefined
      const plain = data.open(raw.subarray(1), aadOf(innerKey))
      return plain === undefined ? undefined : [innerKey.slice(1), Uint8Array.from(plain)]
    },
  }
}

function sealedKeyCodec(
  data: DataCipher,
  keys: KeyCipher,
  cache: Map<string, Bytes>,
  cacheMax: number,
): KeyCodec {
  const encryptCached = (key: Bytes): Bytes => {
    if (cacheMax === 0) return tagged(keys.encrypt(key))
    const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
    let inner = cache.get(id)
    if (inner === undefined) {
      inner = tagged(keys.encrypt(key))
      if (cache.size >= cacheMax) cache.delete(cache.keys().next().value as string)
      cache.set(id, inner)
    }
    return inner
  }
  const aadOf = (innerKey: Bytes): Bytes => {
    const aad = Uint8Array.from(innerKey)
    aad[0] = VALUE_FORMAT_SEALED_KEYS
    return aad
  }
  return {
    innerKey(field, key) {
      if (key.length > ENCRYPTED_KEY_BYTES_MAX) {
        throw kvInvalidInput(field, `at most ${ENCRYPTED_KEY_BYTES_MAX} bytes`, `${key.length} bytes`)
      }
      return encryptCached(key)
    },
    seal(innerKey, key, value) {
      const plain = new Uint8Array(2 + key.length + value.length)
      plain[0] = key.length >> 8
      plain[1] = key.length & 0xff
      plain.set(key, 2)
      plain.set(value, 2 + key.length)
      const body = data.seal(plain, aadOf(innerKey))
      const out = new Uint8Array(body.length + 1)
      out[0] = VALUE_FORMAT_SEALED_KEYS
      out.set(body, 1)
      return out
    },
    open(innerKey, raw) {
      if (raw.length === 0 || raw[0] !== VALUE_FORMAT_SEALED_KEYS) return undefined
      const plain = data.open(raw.subarray(1), aadOf(innerKey))
      if (plain === undefined || plain.length < 2) return undefined
      const keyBytes = (plain[0]! << 8) | plain[1]!
      if (keyBytes !== innerKey.length - 1 || plain.length < 2 + keyBytes) return undefined
      return [Uint8Array.from(plain.subarray(2, 2 + keyBytes)), Uint8Array.from(plain.subarray(2 + keyBytes))]
    },
  }
}

type Tampered = (operation: string, key: Bytes) => Error

async function* openEntries(
  source: AsyncIterable<readonly [Bytes, Bytes]>,
  codec: KeyCodec,
  tampered: Tampered,
): AsyncGenerator<readonly [Bytes, Bytes]> {
  for await (const [k, v] of source) {
    const entry = codec.open(k, v)
    if (entry === undefined) throw tampered('iterate', k.subarray(1))
    yield entry
  }
}

/** Reads a whole prefix group (at most `scanEntriesMax` entries), decrypts and sorts it. */
async function readSortedGroup(
  inner: KvStore,
  groupStart: Bytes,
  codec: KeyCodec,
  tampered: Tampered,
  scanEntriesMax: number,
): Promise<SortedGroup> {
  const entries: GroupEntry[] = []
  for await (const [k, v] of inner.iterate({ gte: groupStart, lt: prefixEnd(groupStart) })) {
    if (entries.length >= scanEntriesMax) {
      throw new ChainError<KvLevelErrorType>(
        { code: 'KV_SCAN_TOO_LARGE', scanEntriesMax },
        `range scan covers more than scanEntriesMax (${scanEntriesMax}) encrypted entries; narrow its bounds to a longer common prefix`,
      )
    }
    const entry = codec.open(k, v)
    if (entry === undefined) throw tampered('iterate', k.subarray(1))
    const key = entry[0]
    entries.push([Buffer.from(key.buffer, key.byteOffset, key.byteLength), entry[1]])
  }
  return sortGroup(groupStart, entries)
}
