import { type Bytes, ChainError } from '@consortia/interface'
import {
  checkCipher,
  checkDataKey,
  createDataCipher,
  KV_CIPHERS,
  KV_KEY_CHECK_BYTES,
  KV_SALT_BYTES,
  type KvCipher,
  keyCheckEquals,
  randomSalt,
} from './cipher.js'
import { describeValue, type KvLevelErrorType, kvInvalidInput } from './errors.js'

/** Largest content {@link sealKeyFile} seals (key files are a few hundred bytes). */
export const SEALED_FILE_BYTES_MAX = 1024 * 1024

// Binary form: 'CSK1' ‖ cipher id (1) ‖ salt (16) ‖ key check (16) ‖ nonce ‖ ciphertext ‖ tag;
// the first 37 bytes are the aad. The file holds it as one line of lower-case hex, as FISCO's
// `encrypt_node_key.sh` writes an encrypted node.key.
const MAGIC = new TextEncoder().encode('CSK1')
const HEADER_BYTES = MAGIC.length + 1 + KV_SALT_BYTES + KV_KEY_CHECK_BYTES

/** Options of {@link sealKeyFile}. */
export interface SealKeyFileInit {
  /** The data key (or, in the key manager, its super key). */
  readonly dataKey: Bytes
  readonly cipher: KvCipher
}

const bytesOf = (content: Bytes | string, field: string): Bytes => {
  if (typeof content === 'string') return new TextEncoder().encode(content)
  if (content instanceof Uint8Array) return content
  throw kvInvalidInput(field, 'a Uint8Array or string', describeValue(content))
}

/**
 * Seals a file's content (a node private key PEM) under a data key: a random salt, a
 * key-check value and the authenticated ciphertext, as one line of hex. Open it with
 * {@link openKeyFile}. The key manager seals data keys under its super key the same way.
 */
export function sealKeyFile(content: Bytes | string, init: SealKeyFileInit): string {
  if (init === null || typeof init !== 'object') {
    throw kvInvalidInput('init', 'an options object with dataKey and cipher', describeValue(init))
  }
  checkDataKey(init.dataKey)
  checkCipher(init.cipher)
  const plain = bytesOf(content, 'content')
  if (plain.length > SEALED_FILE_BYTES_MAX) {
    throw kvInvalidInput('content', `at most ${SEALED_FILE_BYTES_MAX} bytes`, `${plain.length} bytes`)
  }
  const salt = randomSalt()
  const data = createDataCipher(init.dataKey, salt, init.cipher)
  const header = new Uint8Array(HEADER_BYTES)
  header.set(MAGIC, 0)
  header[MAGIC.length] = KV_CIPHERS.indexOf(init.cipher)
  header.set(salt, MAGIC.length + 1)
  header.set(data.keyCheck, MAGIC.length + 1 + KV_SALT_BYTES)
  const body = data.seal(plain, header)
  return Buffer.concat([header, body]).toString('hex')
}

/** True when `text` looks like {@link sealKeyFile}'s output (so a node knows it needs its data key). */
export function isSealedKeyFile(text: Bytes | string): boolean {
  const s = typeof text === 'string' ? text : new TextDecoder().decode(text)
  const t = s.trim()
  return /^[0-9a-f]+$/.test(t) && t.startsWith(Buffer.from(MAGIC).toString('hex'))
}

/**
 * Opens a {@link sealKeyFile} result (surrounding whitespace ignored) and returns the content.
 * A wrong data key fails with `KV_WRONG_KEY`, a modified file with `KV_TAMPERED`, anything that
 * is not a sealed file with `KV_INVALID_INPUT`.
 */
export function openKeyFile(text: Bytes | string, dataKey: Bytes): Bytes {
  checkDataKey(dataKey)
  const s = (typeof text === 'string' ? text : new TextDecoder().decode(bytesOf(text, 'text'))).trim()
  if (!isSealedKeyFile(s) || s.length % 2 !== 0 || s.length < 2 * HEADER_BYTES) {
    throw kvInvalidInput('text', 'a sealed key file (hex starting with CSK1)', `string(${s.length})`)
  }
  const raw = new Uint8Array(Buffer.from(s, 'hex'))
  const header = raw.subarray(0, HEADER_BYTES)
  const cipher = KV_CIPHERS[header[MAGIC.length]!]
  if (cipher === undefined) {
    throw new ChainError<KvLevelErrorType>(
      { code: 'KV_TAMPERED', operation: 'openKeyFile' },
      `sealed file names unknown cipher id ${header[MAGIC.length]}`,
    )
  }
  const salt = header.subarray(MAGIC.length + 1, MAGIC.length + 1 + KV_SALT_BYTES)
  const keyCheck = header.subarray(MAGIC.length + 1 + KV_SALT_BYTES)
  const data = createDataCipher(dataKey, salt, cipher)
  if (!keyCheckEquals(data.keyCheck, keyCheck)) {
    throw new ChainError<KvLevelErrorType>(
      { code: 'KV_WRONG_KEY', what: 'file' },
      'the data key does not match the key this file was sealed with',
    )
  }
  const plain = data.open(raw.subarray(HEADER_BYTES), header)
  if (plain === undefined) {
    throw new ChainError<KvLevelErrorType>(
      { code: 'KV_TAMPERED', operation: 'openKeyFile' },
      'sealed file failed authentication (modified or truncated)',
    )
  }
  return Uint8Array.from(plain)
}

/** The cipher a sealed file was written with, or `undefined` when `text` is not one. */
export function sealedKeyFileCipher(text: Bytes | string): KvCipher | undefined {
  if (!isSealedKeyFile(text)) return undefined
  const s = (typeof text === 'string' ? text : new TextDecoder().decode(text)).trim()
  const id = Number.parseInt(s.slice(2 * MAGIC.length, 2 * MAGIC.length + 2), 16)
  return KV_CIPHERS[id]
}
