import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAMDB, createKvDriver } from '@consortia/amdb'
import { keccak256 } from '@consortia/crypto'
import { isChainError } from '@consortia/interface'
import { createLevelKvStore, isSealedKeyFile, KV_CIPHERS, openKeyFile } from '@consortia/kv-level'
import { afterAll, describe, expect, it } from 'vitest'
import {
  assertUnencryptedStore,
  callKeyManager,
  fetchDataKey,
  KEY_MANAGER_REQUEST_BYTES_MAX,
  keyManagerUrl,
  loadStorageSecurity,
  nodeKeyPem,
  requestCipherDataKey,
  requestSealedKeyFile,
  startKeyManager,
} from '../src/key-manager/index.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-km-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const SUPER_KEY = 'agency-A super key 2026'
const DATA_KEY = 'node0 data key: 0123456789abcdef'
const enc = (s: string) => new TextEncoder().encode(s)
const isCode = (code: string) => (e: unknown) => isChainError(e, code)

const PEM = `-----BEGIN PRIVATE KEY-----
MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgc2VjcmV0LW5vZGUta2V5
LWZvci10aGUtdGVzdHOhRANCAAQ=
-----END PRIVATE KEY-----
`

async function rpc(url: string, body: string | object, method = 'POST') {
  const res = await fetch(url, {
    method,
    body: method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

function grepDir(dir: string, needle: string): number {
  let hits = 0
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) hits += grepDir(path, needle)
    else if (readFileSync(path).includes(Buffer.from(needle))) hits++
  }
  return hits
}

describe('key manager over HTTP', () => {
  it.each(KV_CIPHERS)('round-trips encDataKey → decDataKey → encWithCipherKey (%s)', async (cipher) => {
    const km = await startKeyManager({ superKey: SUPER_KEY, port: 0, cipher })
    try {
      expect(km.url).toBe(`http://127.0.0.1:${km.port}`)
      const cipherDataKey = await requestCipherDataKey(km.url, DATA_KEY)
      expect(cipherDataKey).toMatch(/^[0-9a-f]+$/)
      expect(cipherDataKey).not.toContain(Buffer.from(DATA_KEY).toString('hex'))
      const dataKey = await fetchDataKey(km.url, cipherDataKey)
      expect(new TextDecoder().decode(dataKey)).toBe(DATA_KEY)
      // The raw answer has FISCO's shape.
      const raw = await rpc(km.url, { jsonrpc: '2.0', method: 'decDataKey', params: [cipherDataKey], id: 83 })
      expect(raw.json).toEqual({
        jsonrpc: '2.0',
        id: 83,
        result: { dataKey: Buffer.from(DATA_KEY).toString('hex'), error: 0, info: 'success' },
      })
      const sealed = await requestSealedKeyFile(km.url, PEM, cipherDataKey)
      expect(isSealedKeyFile(sealed)).toBe(true)
      expect(new TextDecoder().decode(openKeyFile(sealed, dataKey))).toBe(PEM)
    } finally {
      await km.close()
    }
  })

  it('answers errors as FISCO does (error: 1 with the reason) and JSON-RPC errors for bad requests', async () => {
    const km = await startKeyManager({ superKey: SUPER_KEY, port: 0 })
    const other = await startKeyManager({ superKey: 'another agency super key', port: 0 })
    try {
      const foreign = await requestCipherDataKey(other.url, DATA_KEY)
      const refused = await rpc(km.url, { jsonrpc: '2.0', method: 'decDataKey', params: [foreign], id: 1 })
      expect(refused.json.result).toEqual({
        dataKey: '',
        error: 1,
        info: 'the data key does not match the key this file was sealed with',
      })
      await expect(fetchDataKey(km.url, foreign)).rejects.toSatisfy(
        (e: unknown) => isChainError(e, 'KM_REFUSED') && e.getMetadata().method === 'decDataKey',
      )
      await expect(fetchDataKey(km.url, 'zz')).rejects.toSatisfy(isCode('KM_REFUSED'))
      await expect(requestCipherDataKey(km.url, 'short')).rejects.toThrow('dataKey: expected 16..1024 bytes')
      const cdk = await requestCipherDataKey(km.url, DATA_KEY)
      await expect(callKeyManager(km.url, 'encWithCipherKey', ['not base64!', cdk])).rejects.toThrow(
        'params[0]: expected base64 file content',
      )

      expect((await rpc(km.url, '{nope')).json.error).toEqual({ code: -32700, message: 'Parse error' })
      expect((await rpc(km.url, '[1]')).json.error).toMatchObject({ code: -32600 })
      expect(
        (await rpc(km.url, { jsonrpc: '2.0', method: 'getDataKey', params: [], id: 2 })).json,
      ).toMatchObject({
        id: 2,
        error: { code: -32601 },
      })
      expect(
        (await rpc(km.url, { jsonrpc: '2.0', method: 'decDataKey', params: [7], id: 3 })).json,
      ).toMatchObject({
        error: { code: -32602 },
      })
      expect((await rpc(km.url, {}, 'GET')).status).toBe(405)
    } finally {
      await km.close()
      await other.close()
    }
  })

  it(`refuses requests above KEY_MANAGER_REQUEST_BYTES_MAX (${KEY_MANAGER_REQUEST_BYTES_MAX} bytes) with 413`, async () => {
    const km = await startKeyManager({ superKey: SUPER_KEY, port: 0 })
    try {
      const pad = (n: number) => {
        const base = { jsonrpc: '2.0', method: 'encDataKey', params: [DATA_KEY], id: 1, pad: '' }
        return JSON.stringify({ ...base, pad: 'x'.repeat(n - JSON.stringify(base).length) })
      }
      const atMax = await rpc(km.url, pad(KEY_MANAGER_REQUEST_BYTES_MAX))
      expect(atMax.status).toBe(200)
      expect((atMax.json.result as { error: number }).error).toBe(0)
      const over = await rpc(km.url, pad(KEY_MANAGER_REQUEST_BYTES_MAX + 1))
      expect(over.status).toBe(413)
    } finally {
      await km.close()
    }
  })

  it('checks its options with labelled errors', async () => {
    await expect(startKeyManager({ superKey: '123xyz', port: 0 })).rejects.toThrow(
      'superKey: expected a string or bytes of at least 16 bytes, got 6 bytes',
    )
    await expect(startKeyManager({ superKey: SUPER_KEY, port: 70_000 })).rejects.toSatisfy(
      isCode('KM_INVALID_ARGUMENT'),
    )
    expect(keyManagerUrl('10.0.0.5', 8150)).toBe('http://10.0.0.5:8150')
    expect(keyManagerUrl('::1', 8150)).toBe('http://[::1]:8150')
    expect(() => keyManagerUrl('127.0.0.1', 0)).toThrow(
      'key_manager_port: expected an integer port 1..65535, got 0',
    )
    await expect(fetchDataKey('ftp://x', 'ab')).rejects.toSatisfy(isCode('KM_INVALID_ARGUMENT'))
  })
})

describe('node startup with disk encryption (loadStorageSecurity)', () => {
  it('writes no plaintext, restarts with the key, and refuses to start while the key manager is down', async () => {
    const location = join(root, 'node0', 'data', 'group1', 'amdb')
    let km = await startKeyManager({ superKey: SUPER_KEY, port: 0 })
    const cipherDataKey = await requestCipherDataKey(km.url, DATA_KEY)
    const sealedNodeKey = await requestSealedKeyFile(km.url, PEM, cipherDataKey)

    // First start: key manager up.
    const first = await loadStorageSecurity({ keyManagerUrl: km.url, cipherDataKey, cipher: 'aes-256-gcm' })
    const store = await first.openStore({ location })
    await store.put(enc('account/alice'), enc('balance=987654321-secret'))
    await store.close()
    expect(new TextDecoder().decode(first.openKeyFile(sealedNodeKey))).toBe(PEM)
    const url = km.url
    await km.close()
    expect(grepDir(location, 'balance=987654321-secret')).toBe(0)

    // Key manager down: the node refuses to start, with the reason and the URL.
    const down = loadStorageSecurity({
      keyManagerUrl: url,
      cipherDataKey,
      cipher: 'aes-256-gcm',
      timeoutMs: 2000,
    })
    await expect(down).rejects.toSatisfy(isCode('KM_UNREACHABLE'))
    await expect(
      loadStorageSecurity({ keyManagerUrl: url, cipherDataKey, cipher: 'aes-256-gcm', timeoutMs: 2000 }),
    ).rejects.toThrow(
      new RegExp(
        `disk encryption is enabled but the data key could not be fetched: key manager at ${url} is unreachable \\(ECONNREFUSED\\); the node refuses to start`,
      ),
    )

    // The agency restarts its key manager (same super key, new port): the node starts and reads its data.
    km = await startKeyManager({ superKey: SUPER_KEY, port: 0 })
    try {
      const again = await loadStorageSecurity({ keyManagerUrl: km.url, cipherDataKey, cipher: 'aes-256-gcm' })
      const reopened = await again.openStore({ location })
      expect(new TextDecoder().decode(await reopened.get(enc('account/alice')))).toBe(
        'balance=987654321-secret',
      )
      await reopened.close()

      // A key manager with another super key refuses the node's cipher data key.
      const wrongKm = await startKeyManager({ superKey: 'not the agency super key', port: 0 })
      await expect(
        loadStorageSecurity({ keyManagerUrl: wrongKm.url, cipherDataKey, cipher: 'aes-256-gcm' }),
      ).rejects.toThrow(/refuses to start/)
      await wrongKm.close()

      // Another node's data key cannot open this data directory.
      const otherCdk = await requestCipherDataKey(km.url, 'node1 data key: fedcba9876543210')
      const other = await loadStorageSecurity({
        keyManagerUrl: km.url,
        cipherDataKey: otherCdk,
        cipher: 'aes-256-gcm',
      })
      await expect(other.openStore({ location })).rejects.toSatisfy(isCode('KV_WRONG_KEY'))
      // The failed open released the LevelDB lock: the right key still opens it.
      const third = await again.openStore({ location })
      await third.close()
      // A plain wrap of an unencrypted store that holds data is refused.
      const plain = await createLevelKvStore({ location: join(root, 'plain') })
      await plain.put(enc('k'), enc('v'))
      await expect(again.wrapStore(plain)).rejects.toSatisfy(isCode('KV_NOT_ENCRYPTED'))
      await plain.close()
    } finally {
      await km.close()
    }
  })

  it('runs AMDB on the encrypted store: table rows survive a restart and never reach the disk in clear', async () => {
    const location = join(root, 'node1', 'data', 'group1', 'amdb')
    const km = await startKeyManager({ superKey: SUPER_KEY, port: 0, cipher: 'sm4-ctr-hmac-sm3' })
    try {
      const cipherDataKey = await requestCipherDataKey(km.url, DATA_KEY)
      const security = await loadStorageSecurity({
        keyManagerUrl: km.url,
        cipherDataKey,
        cipher: 'sm4-ctr-hmac-sm3',
      })
      const open = async () =>
        createAMDB({
          driver: await createKvDriver(await security.openStore({ location }), { name: 'leveldb' }),
          hash: keccak256,
        })
      const amdb = await open()
      const block = await amdb.openBlock()
      await block.createUserTable('t_asset', 'account', ['amount'])
      const table = await block.openTableOrThrow('u_t_asset')
      await table.insert('alice', { amount: 'secret-amount-31415926' })
      await block.commit()
      await amdb.close()
      expect(grepDir(location, 'secret-amount-31415926')).toBe(0)

      const again = await open()
      const next = await again.openBlock()
      const rows = await (await next.openTableOrThrow('u_t_asset')).select('alice')
      expect(rows.map((r) => r.amount)).toEqual(['secret-amount-31415926'])
      await again.close()
    } finally {
      await km.close()
    }
  })

  it('refuses sealed node keys and encrypted stores when disk encryption is not configured', async () => {
    const km = await startKeyManager({ superKey: SUPER_KEY, port: 0 })
    try {
      const cipherDataKey = await requestCipherDataKey(km.url, DATA_KEY)
      const sealed = await requestSealedKeyFile(km.url, PEM, cipherDataKey)
      const security = await loadStorageSecurity({
        keyManagerUrl: km.url,
        cipherDataKey,
        cipher: 'aes-256-gcm',
      })
      expect(nodeKeyPem(PEM, undefined)).toBe(PEM)
      expect(nodeKeyPem(sealed, security)).toBe(PEM)
      expect(() => nodeKeyPem(sealed, undefined)).toThrow(
        'conf/node.key is sealed (disk encryption) but [storage_security] is not enabled; the node refuses to start',
      )
      const location = join(root, 'node2', 'amdb')
      await (await security.openStore({ location })).close()
      const plainOpen = await createLevelKvStore({ location })
      await expect(assertUnencryptedStore(plainOpen, 'group1 amdb')).rejects.toSatisfy(
        isCode('KM_NO_DATA_KEY'),
      )
      await plainOpen.close()
      const neverEncrypted = await createLevelKvStore({ location: join(root, 'node2', 'plain') })
      await neverEncrypted.put(enc('k'), enc('v'))
      await expect(assertUnencryptedStore(neverEncrypted, 'plain')).resolves.toBeUndefined()
      await neverEncrypted.close()
    } finally {
      await km.close()
    }
  })

  it('times out against a key manager that never answers', async () => {
    const { createServer } = await import('node:net')
    const sockets: import('node:net').Socket[] = []
    const silent = createServer((socket) => {
      sockets.push(socket)
    })
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const port = (silent.address() as { port: number }).port
    try {
      await expect(fetchDataKey(`http://127.0.0.1:${port}`, 'ab', { timeoutMs: 200 })).rejects.toSatisfy(
        (e: unknown) =>
          isChainError(e, 'KM_UNREACHABLE') && e.getMetadata().reason === 'no answer within 200 ms',
      )
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((r) => silent.close(() => r()))
    }
  })
})
