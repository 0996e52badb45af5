/**
 * The key manager of the reference node (FISCO BCOS 2.x "storage security"): an HTTP JSON-RPC
 * service that holds an agency's super key and answers `encDataKey`, `decDataKey` and
 * `encWithCipherKey`, plus the node-side client. A node with `[storage_security] enable=true`
 * calls {@link loadStorageSecurity} before opening any store: it fetches the data key
 * (`decDataKey`), keeps it only in memory, and refuses to start when the key manager is down.
 *
 * @example
 * ```ts
 * import { loadStorageSecurity, requestCipherDataKey, startKeyManager } from './key-manager/index.js'
 *
 * const km = await startKeyManager({ superKey: 'agency super key, 16+ bytes', port: 0 })
 * const cipherDataKey = await requestCipherDataKey(km.url, 'node0 data key, 16+ bytes')
 * const security = await loadStorageSecurity({ keyManagerUrl: km.url, cipherDataKey, cipher: 'aes-256-gcm' })
 * const store = await security.openStore({ location: './data/group1/amdb' })
 * await store.close()
 * await km.close()
 * ```
 */
export {
  assertUnencryptedStore,
  callKeyManager,
  fetchDataKey,
  KEY_MANAGER_RESPONSE_BYTES_MAX,
  KEY_MANAGER_TIMEOUT_MS,
  type KeyManagerCallOptions,
  keyManagerUrl,
  loadStorageSecurity,
  nodeKeyPem,
  requestCipherDataKey,
  requestSealedKeyFile,
  type StorageSecurity,
  type StorageSecurityInit,
} from './client.js'
export {
  type KeyManagerError,
  type KeyManagerErrorCode,
  type KeyManagerErrorType,
  keyManagerError,
  kmInvalidArgument,
} from './errors.js'
export {
  KEY_MANAGER_CONNECTIONS_MAX,
  KEY_MANAGER_DEFAULT_PORT,
  KEY_MANAGER_REQUEST_BYTES_MAX,
  KEY_MANAGER_REQUEST_TIMEOUT_MS,
  type KeyManager,
  type KeyManagerInit,
  type KeyManagerResult,
  startKeyManager,
} from './server.js'
