import { createHmac, hkdfSync } from 'node:crypto'
import { type Bytes, isChainError, type KvStore, type Logger, silentLogger } from '@consortia/interface'
import {
  checkDataKey,
  createEncryptedKvStore,
  createLevelKvStore,
  type EncryptedKvStore,
  isSealedKeyFile,
  KV_CIPHERS,
  type KvCipher,
  type LevelKvInit,
  openKeyFile,
  readKvEncryptionInfo,
} from '@consortia/kv-level'
import { keyManagerError, kmInvalidArgument } from './errors.js'

/** Default time a key manager call may take, in milliseconds. */
export const KEY_MANAGER_TIMEOUT_MS = 5_000
/** Largest answer the client reads from a key manager, in bytes. */
export const KEY_MANAGER_RESPONSE_BYTES_MAX = 256 * 1024

/** Options of the key manager client calls. */
export interface KeyManagerCallOptions {
  /** Give up after this long (default {@link KEY_MANAGER_TIMEOUT_MS}). */
  readonly timeoutMs?: number
}

/** `http://ip:port` from FISCO's `[storage_security] key_manager_ip` and `key_manager_port`. */
export function keyManagerUrl(ip: string, port: number): string {
  if (typeof ip !== 'string' || ip.length === 0)
    throw kmInvalidArgument('key_manager_ip', 'a host', String(ip))
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw kmInvalidArgument('key_manager_port', 'an integer port 1..65535', String(port))
  }
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`
}

const checkUrl = (url: unknown): string => {
  if (typeof url !== 'string' || !/^https?:\/\/[^\s/]+/.test(url)) {
    throw kmInvalidArgument('url', 'an http(s):// URL of a key manager', String(url).slice(0, 80))
  }
  return url
}

/**
 * Calls one key manager method and returns its `result.dataKey`. Connection failures and
 * timeouts are `KM_UNREACHABLE`, `error: 1` answers `KM_REFUSED` (with the manager's reason),
 * anything off-protocol `KM_BAD_RESPONSE`.
 */
export async function callKeyManager(
  url: string,
  method: 'encDataKey' | 'decDataKey' | 'encWithCipherKey',
  params: readonly string[],
  options: KeyManagerCallOptions = {},
): Promise<string> {
  checkUrl(url)
  const timeoutMs = options.timeoutMs ?? KEY_MANAGER_TIMEOUT_MS
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw kmInvalidArgument('timeoutMs', 'a positive integer', String(timeoutMs))
  }
  let response: Response
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }),
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    const reason =
      (err as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (err as Error).message)
    throw keyManagerError(
      { code: 'KM_UNREACHABLE', url, reason },
      `key manager at ${url} is unreachable (${reason})`,
      err,
    )
  }
  const bad = (reason: string) =>
    keyManagerError({ code: 'KM_BAD_RESPONSE', url, reason }, `key manager at ${url}: ${reason}`)
  const length = Number(response.headers.get('content-length') ?? 0)
  if (length > KEY_MANAGER_RESPONSE_BYTES_MAX) {
    await response.body?.cancel()
    throw bad(`answer of ${length} bytes exceeds ${KEY_MANAGER_RESPONSE_BYTES_MAX}`)
  }
  const text = await response.text()
  if (text.length > KEY_MANAGER_RESPONSE_BYTES_MAX) {
    throw bad(`answer of ${text.length} bytes exceeds ${KEY_MANAGER_RESPONSE_BYTES_MAX}`)
  }
  let body: { result?: { dataKey?: unknown; error?: unknown; info?: unknown }; error?: { message?: unknown } }
  try {
    body = JSON.parse(text) as typeof body
  } catch {
    throw bad(`HTTP ${response.status}, answer is not JSON`)
  }
  if (body?.error !== undefined) {
    const info = String(body.error?.message ?? 'JSON-RPC error')
    throw keyManagerError(
      { code: 'KM_REFUSED', url, method, info },
      `key manager at ${url} refused ${method}: ${info}`,
    )
  }
  const result = body?.result
  if (result === undefined || result === null || typeof result !== 'object') throw bad('answer has no result')
  if (result.error !== 0) {
    const info = String(result.info ?? 'unknown error')
    throw keyManagerError(
      { code: 'KM_REFUSED', url, method, info },
      `key manager at ${url} refused ${method}: ${info}`,
    )
  }
  if (typeof result.dataKey !== 'string' || result.dataKey.length === 0) throw bad('result.dataKey is empty')
  return result.dataKey
}

/**
 * FISCO's `decDataKey` flow: asks the key manager at `url` to decrypt the node's
 * `cipherDataKey` and returns the data key bytes, to be held only in memory.
 */
export async function fetchDataKey(
  url: string,
  cipherDataKey: string,
  options: KeyManagerCallOptions = {},
): Promise<Bytes> {
  if (typeof cipherDataKey !== 'string' || cipherDataKey.length === 0) {
    throw kmInvalidArgument(
      'cipherDataKey',
      'the non-empty cipher_data_key of the node',
      typeof cipherDataKey,
    )
  }
  const hex = await callKeyManager(url, 'decDataKey', [cipherDataKey], options)
  if (!/^([0-9a-f]{2})+$/i.test(hex)) {
    throw keyManagerError(
      { code: 'KM_BAD_RESPONSE', url, reason: 'data key is not hex' },
      `key manager at ${url}: data key is not hex`,
    )
  }
  const dataKey = new Uint8Array(Buffer.from(hex, 'hex'))
  checkDataKey(dataKey)
  return dataKey
}

/** `encDataKey`: the cipher data key of `dataKey` (at least 16 bytes of UTF-8), for `[storage_security]`. */
export function requestCipherDataKey(
  url: string,
  dataKey: string,
  options: KeyManagerCallOptions = {},
): Promise<string> {
  return callKeyManager(url, 'encDataKey', [dataKey], options)
}

/**
 * `encWithCipherKey`: the node key file `content` sealed under the node's data key (what FISCO's
 * `encrypt_node_key.sh` writes over `node.key`). Open it with `openKeyFile` of `@consortia/kv-level`.
 */
export function requestSealedKeyFile(
  url: string,
  content: Bytes | string,
  cipherDataKey: string,
  options: KeyManagerCallOptions = {},
): Promise<string> {
  const base64 = Buffer.from(
    typeof content === 'string' ? new TextEncoder().encode(content) : content,
  ).toString('base64')
  return callKeyManager(url, 'encWithCipherKey', [base64, cipherDataKey], options)
}

/** FISCO's `[storage_security]` section, with the key manager as a URL (see {@link keyManagerUrl}). */
export interface StorageSecurityInit {
  readonly keyManagerUrl: string
  /** `cipher_data_key`: the node's data key sealed by the key manager (`encDataKey`). */
  readonly cipherDataKey: string
  /** The chain's cipher (`kvCipherForSuite(suite)` of `@consortia/kv-level`). */
  readonly cipher: KvCipher
  readonly timeoutMs?: number
  readonly logger?: Logger
}

/**
 * A node's disk encryption, ready to use: the data key lives only inside this object (it is
 * never logged or returned). Every store the node opens goes through {@link StorageSecurity.openStore}.
 */
export interface StorageSecurity {
  readonly cipher: KvCipher
  /** Opens (creating if needed) an encrypted LevelDB store: `KV_WRONG_KEY` if another key wrote it. */
  openStore(init: LevelKvInit): Promise<EncryptedKvStore>
  /** Wraps any `KvStore` (closing it when the wrapper closes). */
  wrapStore(inner: KvStore): Promise<EncryptedKvStore>
  /** Opens a sealed key file (`node.key` after `requestSealedKeyFile`). */
  openKeyFile(text: Bytes | string): Bytes
  /**
   * A keyed fingerprint (hex HMAC-SHA-256 under a key derived from the data key) of `text`, for
   * identifiers that files outside the stores must compare but not show, such as the node ID in
   * the data directory marker: equal for equal text under one data key, meaningless without it.
   */
  fingerprint(label: string, text: string): string
}

/**
 * What `consortia start` calls first when `[storage_security] enable=true`: fetches the data
 * key from the key manager (FISCO's `decDataKey` at startup). When the key manager cannot be
 * reached or refuses, it throws a `KM_UNREACHABLE` / `KM_REFUSED` error whose message says the
 * node refuses to start, so the node never runs, and never creates stores, without its key.
 */
export async function loadStorageSecurity(init: StorageSecurityInit): Promise<StorageSecurity> {
  if (init === null || typeof init !== 'object')
    throw kmInvalidArgument('init', 'an options object', typeof init)
  const { cipher } = init
  if (!KV_CIPHERS.includes(cipher)) throw kmInvalidArgument('cipher', KV_CIPHERS.join(' or '), String(cipher))
  const logger = (init.logger ?? silentLogger).child({ component: 'storage-security' })
  let dataKey: Bytes
  try {
    dataKey = await fetchDataKey(init.keyManagerUrl, init.cipherDataKey, { timeoutMs: init.timeoutMs })
  } catch (err) {
    if (
      isChainError(err, 'KM_UNREACHABLE') ||
      isChainError(err, 'KM_REFUSED') ||
      isChainError(err, 'KM_BAD_RESPONSE')
    ) {
      throw keyManagerError(
        err.type as Parameters<typeof keyManagerError>[0],
        `disk encryption is enabled but the data key could not be fetched: ${err.message}; ` +
          'the node refuses to start without it (start the key manager, or check [storage_security])',
        err,
      )
    }
    throw err
  }
  logger.info('data key fetched', { keyManager: init.keyManagerUrl, cipher })
  const fingerprintKey = Buffer.from(
    hkdfSync('sha256', dataKey, new Uint8Array(0), 'consortia/reference-node/fingerprint', 32),
  )
  return {
    cipher,
    async openStore(levelInit) {
      const inner = await createLevelKvStore(levelInit)
      try {
        return await createEncryptedKvStore(inner, { dataKey, cipher, logger })
      } catch (err) {
        await inner.close()
        throw err
      }
    },
    wrapStore(inner) {
      return createEncryptedKvStore(inner, { dataKey, cipher, logger })
    },
    openKeyFile(text) {
      return openKeyFile(text, dataKey)
    },
    fingerprint(label, text) {
      return createHmac('sha256', fingerprintKey).update(`${label}\u0000${text}`).digest('hex')
    },
  }
}

/**
 * The node key file's PEM text: a sealed file (FISCO `encrypt_node_key.sh`, here
 * `requestSealedKeyFile`) is opened with the data key; a PEM is returned as is. A sealed file
 * without `security` (disk encryption not configured) is `KM_NO_DATA_KEY`.
 */
export function nodeKeyPem(
  text: string,
  security: StorageSecurity | undefined,
  file = 'conf/node.key',
): string {
  if (!isSealedKeyFile(text)) return text
  if (security === undefined) {
    throw keyManagerError(
      { code: 'KM_NO_DATA_KEY', what: file },
      `${file} is sealed (disk encryption) but [storage_security] is not enabled; the node refuses to start without its data key`,
    )
  }
  return new TextDecoder().decode(security.openKeyFile(text))
}

/**
 * For nodes without disk encryption: refuses a store that was written encrypted (its header is
 * there), so that a node started without `[storage_security]` does not treat ciphertext as data.
 */
export async function assertUnencryptedStore(inner: KvStore, what: string): Promise<void> {
  const info = await readKvEncryptionInfo(inner)
  if (info !== undefined) {
    throw keyManagerError(
      { code: 'KM_NO_DATA_KEY', what },
      `${what} is encrypted (${info.cipher}) but [storage_security] is not enabled; the node refuses to start without its data key`,
    )
  }
}
