import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Bytes, isChainError, type Logger, silentLogger } from '@consortia/interface'
import {
  checkDataKey,
  DATA_KEY_BYTES_MIN,
  KV_CIPHERS,
  type KvCipher,
  openKeyFile,
  sealKeyFile,
} from '@consortia/kv-level'
import { kmInvalidArgument } from './errors.js'

/** Largest request body the key manager reads, in bytes (a sealed key file is a few KiB). */
export const KEY_MANAGER_REQUEST_BYTES_MAX = 64 * 1024
/** Time a client has to send a whole request, in milliseconds. */
export const KEY_MANAGER_REQUEST_TIMEOUT_MS = 10_000
/** Simultaneous connections the key manager accepts; more are dropped by the kernel backlog. */
export const KEY_MANAGER_CONNECTIONS_MAX = 64
/** Default port, as FISCO's `./key-manager 8150 <superKey>` example. */
export const KEY_MANAGER_DEFAULT_PORT = 8150

/** Options of {@link startKeyManager}. */
export interface KeyManagerInit {
  /**
   * The agency's super key (FISCO `superKey`): a string (its UTF-8 bytes) or bytes, at least
   * 16 bytes. FISCO accepts any non-empty string; a short one is guessable, so this refuses it.
   */
  readonly superKey: string | Bytes
  /** Port to listen on (default 8150; 0 picks a free one). */
  readonly port?: number
  /** Address to listen on (default 127.0.0.1: the key manager belongs on an internal network). */
  readonly host?: string
  /** Cipher of cipher data keys and sealed files (default `aes-256-gcm`; SM chains: `sm4-ctr-hmac-sm3`). */
  readonly cipher?: KvCipher
  /** Receives one `info` line per request (method and outcome, never keys). */
  readonly logger?: Logger
}

/** A running key manager. */
export interface KeyManager {
  /** `http://host:port` to give nodes (FISCO `key_manager_ip` + `key_manager_port`). */
  readonly url: string
  readonly port: number
  readonly cipher: KvCipher
  /** Stops listening and closes open connections. */
  close(): Promise<void>
}

/** The `result` object of every method, as FISCO's key manager answers. */
export interface KeyManagerResult {
  /** The method's output (a cipher data key, a data key in hex, or a sealed file); empty on error. */
  readonly dataKey: string
  /** 0 on success, 1 on failure. */
  readonly error: 0 | 1
  /** `success`, or why it failed. */
  readonly info: string
}

const superKeyBytes = (superKey: unknown): Bytes => {
  const bytes = typeof superKey === 'string' ? new TextEncoder().encode(superKey) : superKey
  if (!(bytes instanceof Uint8Array) || bytes.length < DATA_KEY_BYTES_MIN) {
    throw kmInvalidArgument(
      'superKey',
      `a string or bytes of at least ${DATA_KEY_BYTES_MIN} bytes`,
      bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof superKey,
    )
  }
  return bytes
}

/**
 * The three methods of FISCO's key manager (github.com/FISCO-BCOS/key-manager `KeyManager.cpp`),
 * over the super key. Cipher data keys and sealed files use `sealKeyFile` of
 * `@consortia/kv-level` (authenticated, random salt and nonce) instead of FISCO's AES-CBC, so
 * they are not byte-compatible with FISCO's, but the calls and answers have FISCO's shape.
 */
function createMethods(superKey: Bytes, cipher: KvCipher) {
  const decrypt = (cipherDataKey: string): Bytes => {
    const dataKey = openKeyFile(cipherDataKey, superKey)
    checkDataKey(dataKey)
    return dataKey
  }
  return {
    /** `encDataKey([dataKey])`: the data key (a string, its UTF-8 bytes) sealed under the super key. */
    encDataKey(params: readonly string[]): string {
      const dataKey = new TextEncoder().encode(params[0] ?? '')
      checkDataKey(dataKey)
      return sealKeyFile(dataKey, { dataKey: superKey, cipher })
    },
    /** `decDataKey([cipherDataKey])`: the data key, as hex of its bytes. */
    decDataKey(params: readonly string[]): string {
      return Buffer.from(decrypt(params[0] ?? '')).toString('hex')
    },
    /**
     * `encWithCipherKey([base64 content, cipherDataKey])`: the content (FISCO: a node.key file,
     * base64) sealed under the data key, as `encrypt_node_key.sh` writes it back to the file.
     */
    encWithCipherKey(params: readonly string[]): string {
      const content = params[0] ?? ''
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content) || content.length % 4 !== 0) {
        throw kmInvalidArgument('params[0]', 'base64 file content', `string(${content.length})`)
      }
      return sealKeyFile(Buffer.from(content, 'base64'), { dataKey: decrypt(params[1] ?? ''), cipher })
    },
  } as const
}

type MethodName = keyof ReturnType<typeof createMethods>
const METHOD_PARAMS: Readonly<Record<MethodName, number>> = {
  encDataKey: 1,
  decDataKey: 1,
  encWithCipherKey: 2,
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

const rpcError = (id: unknown, code: number, message: string) => ({
  jsonrpc: '2.0',
  id: id ?? null,
  error: { code, message },
})

/**
 * Starts a key manager: an HTTP JSON-RPC 2.0 service holding the agency's super key and
 * answering FISCO's `encDataKey`, `decDataKey` and `encWithCipherKey`. Every method answers
 * `{ dataKey, error, info }` as FISCO's does (`error: 1` with the reason on failure); malformed
 * JSON-RPC gets the standard error codes (-32700, -32600, -32601, -32602). Requests above
 * {@link KEY_MANAGER_REQUEST_BYTES_MAX} get HTTP 413. There is no authentication, as in FISCO:
 * run it on the agency's internal network (it listens on 127.0.0.1 unless told otherwise).
 *
 * @example
 * ```ts
 * const km = await startKeyManager({ superKey: process.env.SUPER_KEY!, port: 8150 })
 * // curl -X POST --data '{"jsonrpc":"2.0","method":"encDataKey","params":["<data key>"],"id":1}' http://127.0.0.1:8150
 * await km.close()
 * ```
 */
export async function startKeyManager(init: KeyManagerInit): Promise<KeyManager> {
  if (init === null || typeof init !== 'object')
    throw kmInvalidArgument('init', 'an options object', typeof init)
  const superKey = superKeyBytes(init.superKey)
  const cipher = init.cipher ?? 'aes-256-gcm'
  if (!KV_CIPHERS.includes(cipher)) throw kmInvalidArgument('cipher', KV_CIPHERS.join(' or '), String(cipher))
  const port = init.port ?? KEY_MANAGER_DEFAULT_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw kmInvalidArgument('port', 'an integer port 0..65535', String(port))
  }
  const host = init.host ?? '127.0.0.1'
  const logger = (init.logger ?? silentLogger).child({ component: 'key-manager' })
  const methods = createMethods(superKey, cipher)

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST')
      send(res, 405, rpcError(null, -32600, 'only POST is accepted'))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let refused = false
    req.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size > KEY_MANAGER_REQUEST_BYTES_MAX) {
        refused = true
        logger.info('request refused', { reason: 'too large', bytes: size })
        res.setHeader('connection', 'close')
        send(res, 413, rpcError(null, -32600, `request exceeds ${KEY_MANAGER_REQUEST_BYTES_MAX} bytes`))
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (refused) return
      let request: { id?: unknown; method?: unknown; params?: unknown }
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof request
      } catch {
        send(res, 200, rpcError(null, -32700, 'Parse error'))
        return
      }
      if (request === null || typeof request !== 'object' || Array.isArray(request)) {
        send(res, 200, rpcError(null, -32600, 'Invalid Request'))
        return
      }
      const { id, method, params } = request
      if (typeof method !== 'string' || !Object.hasOwn(METHOD_PARAMS, method)) {
        send(res, 200, rpcError(id, -32601, `Method not found: ${String(method).slice(0, 64)}`))
        return
      }
      const name = method as MethodName
      if (
        !Array.isArray(params) ||
        params.length < METHOD_PARAMS[name] ||
        params.some((p) => typeof p !== 'string')
      ) {
        send(res, 200, rpcError(id, -32602, `Invalid params: ${name} takes ${METHOD_PARAMS[name]} string(s)`))
        return
      }
      let result: KeyManagerResult
      try {
        result = { dataKey: methods[name](params as string[]), error: 0, info: 'success' }
      } catch (err) {
        const info = isChainError(err) ? err.message : 'internal error'
        if (!isChainError(err)) logger.error('method failed', { method: name }, err)
        result = { dataKey: '', error: 1, info }
      }
      logger.info('request', { method: name, error: result.error })
      send(res, 200, { jsonrpc: '2.0', id: id ?? null, result })
    })
  }

  const server = createServer({ requestTimeout: KEY_MANAGER_REQUEST_TIMEOUT_MS }, handle)
  server.maxConnections = KEY_MANAGER_CONNECTIONS_MAX
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`
  logger.info('key manager listening', { url, cipher })
  return {
    url,
    port: bound,
    cipher,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}
