/**
 * @consortia/kv-level — the LevelDB `KvStore` of Consortia, on `classic-level`. AMDB's LevelDB
 * driver and MPT's state both store through it. `batch` is one atomic LevelDB write batch (a
 * chained batch, bounded by `batchOpsMax`), `{ sync: true }` fsyncs, point reads use LevelDB's
 * synchronous get by default, reads hand out owned copies, and failures are typed
 * (`KV_CLOSED`, `KV_IO`, `KV_BATCH_TOO_LARGE`, `KV_INVALID_INPUT`).
 *
 * Disk encryption (FISCO's storage security): `createEncryptedKvStore(inner, { dataKey, cipher })`
 * encrypts every key with a prefix-preserving cipher (`createKeyCipher`; prefix scans stay one
 * inner prefix scan, ranges are sorted after decryption, paged scans keep a bounded cursor),
 * seals every value with AES-256-GCM or SM4-CTR + HMAC-SM3 and checks the data key at open
 * (`KV_WRONG_KEY`, `KV_TAMPERED`, `KV_NOT_ENCRYPTED`, `KV_CIPHER_MISMATCH`,
 * `KV_SCAN_TOO_LARGE`); `sealKeyFile` / `openKeyFile` do the same for the node's private key file.
 *
 * @example
 * ```ts
 * import { createLevelKvStore } from '@consortia/kv-level'
 *
 * const store = await createLevelKvStore({ location: './data/state' })
 * const key = new TextEncoder().encode('height')
 * await store.batch([{ type: 'put', key, value: Uint8Array.of(7) }], { sync: true })
 * await store.get(key) // Uint8Array [7]
 * await store.close()
 *
 * const dataKey = crypto.getRandomValues(new Uint8Array(32)) // from the key manager in a node
 * const secret = await createEncryptedKvStore(await createLevelKvStore({ location: './data/enc' }), {
 *   dataKey,
 *   cipher: 'aes-256-gcm',
 * })
 * await secret.put(key, Uint8Array.of(7)) // K(key) → nonce ‖ ciphertext ‖ tag on disk
 * await secret.close()
 * ```
 */

export { createChecksumKvStore, KV_CHECKSUM_BYTES, type KvChecksumErrorType } from './checksum-kv.js'
export {
  checkDataKey,
  createDataCipher,
  DATA_KEY_BYTES_MAX,
  DATA_KEY_BYTES_MIN,
  type DataCipher,
  KV_CIPHER_OVERHEAD_BYTES,
  KV_CIPHERS,
  KV_KEY_CHECK_BYTES,
  KV_SALT_BYTES,
  type KvCipher,
  kvCipherForSuite,
} from './cipher.js'
export {
  createEncryptedKvStore,
  ENCRYPTED_KEY_CACHE_ENTRIES_MAX,
  ENCRYPTED_SCAN_ENTRIES_MAX,
  type EncryptedKvInit,
  type EncryptedKvStore,
  type KvEncryptionInfo,
  readKvEncryptionInfo,
} from './encrypted-kv.js'
export { describeValue, type KvLevelError, type KvLevelErrorType, kvInvalidInput } from './errors.js'
export { createKeyCipher, ENCRYPTED_KEY_BYTES_MAX, type KeyCipher } from './key-cipher.js'
export {
  createLevelKvStore,
  LEVEL_BATCH_OPS_MAX,
  LEVEL_CACHE_BYTES_DEFAULT,
  LEVEL_WRITE_BUFFER_BYTES_DEFAULT,
  type LevelKvInit,
  type LevelKvStore,
} from './level-kv.js'
export { ENCRYPTED_SCAN_CURSOR_BYTES_MAX, ENCRYPTED_SCAN_CURSORS_MAX } from './scan-cursors.js'
export {
  isSealedKeyFile,
  openKeyFile,
  SEALED_FILE_BYTES_MAX,
  type SealKeyFileInit,
  sealedKeyFileCipher,
  sealKeyFile,
} from './sealed-file.js'
