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

/** Options of {@link createEncryptedKvStore}. */
export interface EncryptedKvInit {
  /** The data key (FISCO `dataKey`, from the key manager's `decDataKey`); held only in memory. */
  readonly dataKey: Bytes
  /** The cipher; must match the one the store was created with (see {@link kvCipherForSuite}). */
  readonly cipher: KvCipher
  /** Receives `debug` lines on open (default: silent). Never sees keys or values. */
  readonly logger?: Logger
}

/** An encrypting `KvStore` over another one. */
export interface EncryptedKvStore extends KvStore {
  /** The cipher in use. */
  readonly cipher: KvCipher
}

/** What the header record of an encrypted store says (nothing secret). */
export interface KvEncryptionInfo {
  /** Header format version (1). */
  readonly format: number
  readonly cipher: KvCipher
}

// Layout in the inner store: 0x00 'consortia/kv-encryption' → header JSON (format, cipher, salt,
// keyCheck); 0x01 ‖ key → 0x01 (value format) ‖ nonce ‖ ciphertext ‖ tag, with aad = 0x01 ‖ key.
// The caller's keys keep their byte order under the 0x01 prefix, so ranges map one to one.
const HEADER_KEY = Uint8Array.from([0x00, ...new TextEncoder().encode('consortia/kv-encryption')])
const DATA_TAG = 0x01
const DATA_END = Uint8Array.of(0x02)
const VALUE_FORMAT = 0x01
const HEADER_FORMAT = 1

const innerKey = (key: Bytes): Bytes => {
  const out = new Uint8Array(key.length + 1)
  out[0] = DATA_TAG
  out.set(key, 1)
  return out
}

const toHex = (b: Bytes): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

function checkKey(field: string, key: unknown): asserts key is Bytes {
  if (!(key instanceof Uint8Array)) throw kvInvalidInput(field, 'Uint8Array', describeValue(key))
}

interface Header {
  readonly format: number
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
  if (h.format !== HEADER_FORMAT) throw bad(`format ${String(h.format)}`)
  if (!KV_CIPHERS.includes(h.cipher as KvCipher)) throw bad(`cipher ${String(h.cipher)}`)
  const hex = (v: unknown, bytes: number, name: string): Bytes => {
    if (typeof v !== 'string' || !/^[0-9a-f]*$/.test(v) || v.length !== 2 * bytes) throw bad(name)
    return new Uint8Array(Buffer.from(v, 'hex'))
  }
  return {
    format: HEADER_FORMAT,
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
  return { format: h.format, cipher: h.cipher }
}

/**
 * Disk encryption for any `KvStore` (FISCO 2.x "storage security", `EncryptedLevelDB`): every
 * value is sealed with a fresh random nonce and authenticated together with its key, so a copied
 * data directory shows no value bytes and a modified, truncated or moved value is refused with
 * `KV_TAMPERED`. Keys stay in plaintext, as in FISCO, because AMDB lists a table's keys with
 * range scans and MPT keys are hashes already; do not put secrets in keys.
 *
 * The first open of an empty store writes a header record (cipher, random salt, key-check value)
 * under a reserved key; later opens check the data key against it, so a wrong key fails at once
 * with `KV_WRONG_KEY`, another cipher with `KV_CIPHER_MISMATCH`, and a non-empty store without
 * a header (unencrypted data) with `KV_NOT_ENCRYPTED`. The header is invisible to callers:
 * their keys live under a one-byte prefix, and `iterate` sees only them.
 *
 * Cipher keys come from the data key by HKDF with the store's salt. AES-256-GCM uses random
 * 96-bit nonces, within NIST SP 800-38D §8.3 for up to 2³² writes per data key; rotate the data
 * key (re-encrypt into a new store) before a store sees that many writes.
 *
 * @example
 * ```ts
 * const inner = await createLevelKvStore({ location: './data/state' })
 * const store = await createEncryptedKvStore(inner, { dataKey, cipher: 'aes-256-gcm' })
 * await store.put(key, value) // on disk: nonce ‖ ciphertext ‖ tag
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
  const logger = (init.logger ?? silentLogger).child({ component: 'kv-encrypted' })
  const { cipher } = init
  let data: DataCipher
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
    logger.debug('encrypted store opened', { cipher })
  } else {
    for await (const _ of inner.iterate({ limit: 1 })) {
      throw new ChainError<KvLevelErrorType>(
        { code: 'KV_NOT_ENCRYPTED' },
        'the store already holds unencrypted data; disk encryption must be chosen before the first start',
      )
    }
    const salt = randomSalt()
    data = createDataCipher(init.dataKey, salt, cipher)
    const header = JSON.stringify({
      format: HEADER_FORMAT,
      cipher,
      salt: toHex(salt),
      keyCheck: toHex(data.keyCheck),
    })
    await inner.batch([{ type: 'put', key: HEADER_KEY, value: new TextEncoder().encode(header) }], {
      sync: true,
    })
    logger.debug('encrypted store created', { cipher })
  }

  const seal = (key: Bytes, value: Bytes): Bytes => {
    const aad = innerKey(key)
    aad[0] = VALUE_FORMAT
    const body = data.seal(value, aad)
    const out = new Uint8Array(body.length + 1)
    out[0] = VALUE_FORMAT
    out.set(body, 1)
    return out
  }
  const open = (operation: string, key: Bytes, raw: Bytes | undefined): Bytes | undefined => {
    if (raw === undefined) return undefined
    const aad = innerKey(key)
    aad[0] = VALUE_FORMAT
    const plain = raw.length > 0 && raw[0] === VALUE_FORMAT ? data.open(raw.subarray(1), aad) : undefined
    if (plain === undefined) {
      throw new ChainError<KvLevelErrorType>(
        { code: 'KV_TAMPERED', operation, keyHex: toHex(key.subarray(0, 64)) },
        `stored value of a ${key.length}-byte key failed authentication (modified, truncated or moved)`,
      )
    }
    return Uint8Array.from(plain)
  }

  const store: EncryptedKvStore = {
    cipher,
    async get(key) {
      checkKey('key', key)
      return open('get', key, await inner.get(innerKey(key)))
    },
    async getMany(keys) {
      if (!Array.isArray(keys)) throw kvInvalidInput('keys', 'an array of Uint8Array', describeValue(keys))
      for (let i = 0; i < keys.length; i++) checkKey(`keys[${i}]`, keys[i])
      const raws = await inner.getMany(keys.map(innerKey))
      return raws.map((raw, i) => open('getMany', keys[i]!, raw))
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
          return { type: 'put', key: innerKey(op.key), value: seal(op.key, op.value) }
        }
        if (op.type === 'del') return { type: 'del', key: innerKey(op.key) }
        throw kvInvalidInput(`ops[${i}].type`, "'put' or 'del'", describeValue(op.type))
      })
      await inner.batch(sealed, options)
    },
    iterate(options: KvIterateOptions = {}) {
      const range: { gt?: Bytes; gte?: Bytes; lt?: Bytes; lte?: Bytes } = {}
      for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
        const value = options[bound]
        if (value !== undefined) {
          checkKey(bound, value)
          range[bound] = innerKey(value)
        }
      }
      if (range.gt === undefined && range.gte === undefined) range.gte = Uint8Array.of(DATA_TAG)
      if (range.lt === undefined && range.lte === undefined) range.lt = DATA_END
      const source = inner.iterate({ ...options, ...range })
      return decryptEntries(source, open)
    },
    close() {
      return inner.close()
    },
  }
  return store
}

async function* decryptEntries(
  source: AsyncIterable<readonly [Bytes, Bytes]>,
  open: (operation: string, key: Bytes, raw: Bytes) => Bytes | undefined,
): AsyncGenerator<readonly [Bytes, Bytes]> {
  for await (const [k, v] of source) {
    const key = k.slice(1)
    yield [key, open('iterate', key, v) as Bytes] as const
  }
}
