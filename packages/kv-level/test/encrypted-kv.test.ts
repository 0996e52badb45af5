import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isChainError } from '@consortia/interface'
import { createMemoryKvStore, kvStoreComplianceSuite } from '@consortia/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDataCipher,
  createEncryptedKvStore,
  createLevelKvStore,
  DATA_KEY_BYTES_MIN,
  isSealedKeyFile,
  KV_CIPHER_OVERHEAD_BYTES,
  KV_CIPHERS,
  type KvCipher,
  kvCipherForSuite,
  openKeyFile,
  readKvEncryptionInfo,
  SEALED_FILE_BYTES_MAX,
  sealedKeyFileCipher,
  sealKeyFile,
} from '../src/index.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-kv-enc-'))
let n = 0
const fresh = () => join(root, `db-${n++}`)
afterAll(() => rmSync(root, { recursive: true, force: true }))

const enc = (s: string) => new TextEncoder().encode(s)
const isCode = (code: string) => (e: unknown) => isChainError(e, code)
const key32 = (fill: number) => new Uint8Array(32).fill(fill)
const DATA_KEY = key32(0x11)
const OTHER_KEY = key32(0x22)

for (const cipher of KV_CIPHERS) {
  kvStoreComplianceSuite(`encrypted LevelDB (${cipher})`, async () =>
    createEncryptedKvStore(await createLevelKvStore({ location: fresh() }), { dataKey: DATA_KEY, cipher }),
  )
  kvStoreComplianceSuite(`encrypted memory store (${cipher})`, async () =>
    createEncryptedKvStore(createMemoryKvStore(), { dataKey: DATA_KEY, cipher }),
  )
}

/** Every regular file under `dir`, read whole. */
function filesOf(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...filesOf(path))
    else out.push({ path, bytes: readFileSync(path) })
  }
  return out
}

/** Writes 300 values holding a marker, closes the store and greps the directory for them. */
async function writeAndGrep(location: string, cipher: KvCipher | 'none') {
  const marker = 'TOP-SECRET-BALANCE-'
  const values = Array.from({ length: 300 }, (_, i) => `${marker}${i}-of-account-${(i * 7919) % 1000}`)
  const inner = await createLevelKvStore({ location })
  const store = cipher === 'none' ? inner : await createEncryptedKvStore(inner, { dataKey: DATA_KEY, cipher })
  for (let i = 0; i < values.length; i += 100) {
    await store.batch(
      values
        .slice(i, i + 100)
        .map((v, j) => ({ type: 'put' as const, key: enc(`acct-${i + j}`), value: enc(v) })),
      { sync: true },
    )
  }
  await store.close()
  const files = filesOf(location)
  expect(files.length).toBeGreaterThan(0)
  const hits = (needle: string) => files.filter((f) => f.bytes.includes(Buffer.from(needle))).length
  return {
    markerHits: hits(marker),
    valueHits: values.filter((v) => hits(v) > 0).length,
    keyHits: hits('acct-17'),
  }
}

describe('createEncryptedKvStore on LevelDB', () => {
  it('leaves no value bytes in the data directory (the unencrypted control shows the grep works)', async () => {
    const plain = await writeAndGrep(fresh(), 'none')
    expect(plain.markerHits).toBeGreaterThan(0)
    expect(plain.valueHits).toBeGreaterThan(0)
    for (const cipher of KV_CIPHERS) {
      const sealed = await writeAndGrep(fresh(), cipher)
      expect(sealed).toEqual({ markerHits: 0, valueHits: 0, keyHits: sealed.keyHits })
      // Keys stay in plaintext by design (FISCO does the same): AMDB scans key ranges.
      expect(sealed.keyHits).toBeGreaterThan(0)
    }
  })

  it.each(KV_CIPHERS)('reopens with the right key and refuses a wrong one (%s)', async (cipher) => {
    const location = fresh()
    const a = await createEncryptedKvStore(await createLevelKvStore({ location }), {
      dataKey: DATA_KEY,
      cipher,
    })
    expect(a.cipher).toBe(cipher)
    await a.put(enc('height'), enc('42'))
    await a.close()

    const wrongInner = await createLevelKvStore({ location })
    await expect(createEncryptedKvStore(wrongInner, { dataKey: OTHER_KEY, cipher })).rejects.toSatisfy(
      isCode('KV_WRONG_KEY'),
    )
    const other = KV_CIPHERS.find((c) => c !== cipher) as KvCipher
    await expect(createEncryptedKvStore(wrongInner, { dataKey: DATA_KEY, cipher: other })).rejects.toSatisfy(
      (e: unknown) => isChainError(e, 'KV_CIPHER_MISMATCH') && e.getMetadata().stored === cipher,
    )
    expect(await readKvEncryptionInfo(wrongInner)).toEqual({ format: 1, cipher })
    await wrongInner.close()

    const b = await createEncryptedKvStore(await createLevelKvStore({ location }), {
      dataKey: DATA_KEY,
      cipher,
    })
    expect(new TextDecoder().decode(await b.get(enc('height')))).toBe('42')
    await b.close()
  })

  it('refuses to encrypt a store that already holds unencrypted data', async () => {
    const inner = await createLevelKvStore({ location: fresh() })
    await inner.put(enc('k'), enc('plain'))
    expect(await readKvEncryptionInfo(inner)).toBeUndefined()
    await expect(
      createEncryptedKvStore(inner, { dataKey: DATA_KEY, cipher: 'aes-256-gcm' }),
    ).rejects.toSatisfy(isCode('KV_NOT_ENCRYPTED'))
    await inner.close()
  })

  it.each(KV_CIPHERS)(
    'refuses modified, truncated and moved values with KV_TAMPERED (%s)',
    async (cipher) => {
      const inner = createMemoryKvStore()
      const store = await createEncryptedKvStore(inner, { dataKey: DATA_KEY, cipher })
      await store.batch([
        { type: 'put', key: enc('alice'), value: enc('100') },
        { type: 'put', key: enc('bob'), value: enc('5') },
      ])
      // The inner store holds 0x01 ‖ key → 0x01 ‖ nonce ‖ ciphertext ‖ tag.
      const raw = (k: string) => inner.get(Uint8Array.from([0x01, ...enc(k)])) as Promise<Uint8Array>
      const rawAlice = await raw('alice')
      expect(rawAlice.length).toBe(1 + KV_CIPHER_OVERHEAD_BYTES[cipher] + 3)
      const innerKeyOf = (k: string) => Uint8Array.from([0x01, ...enc(k)])

      for (const at of [1, 1 + KV_CIPHER_OVERHEAD_BYTES[cipher] - 1, rawAlice.length - 1]) {
        const flipped = Uint8Array.from(rawAlice)
        flipped[at]! ^= 0x01
        await inner.put(innerKeyOf('alice'), flipped)
        await expect(store.get(enc('alice'))).rejects.toSatisfy(isCode('KV_TAMPERED'))
      }
      await inner.put(innerKeyOf('alice'), rawAlice.subarray(0, rawAlice.length - 1))
      await expect(store.get(enc('alice'))).rejects.toSatisfy(isCode('KV_TAMPERED'))
      await inner.put(innerKeyOf('alice'), new Uint8Array())
      await expect(store.getMany([enc('bob'), enc('alice')])).rejects.toSatisfy(isCode('KV_TAMPERED'))
      // Bob's sealed value copied under Alice's key does not open: the key is authenticated.
      await inner.put(innerKeyOf('alice'), await raw('bob'))
      await expect(store.get(enc('alice'))).rejects.toSatisfy(
        (e: unknown) => isChainError(e, 'KV_TAMPERED') && e.getMetadata().keyHex === '616c696365',
      )
      const scan = async () => {
        for await (const _ of store.iterate()) {
          // drain
        }
      }
      await expect(scan()).rejects.toSatisfy(isCode('KV_TAMPERED'))
      await inner.put(innerKeyOf('alice'), rawAlice)
      expect(new TextDecoder().decode(await store.get(enc('alice')))).toBe('100')
      await store.close()
    },
  )

  it('seals each value with a fresh nonce: equal values differ on disk', async () => {
    const inner = createMemoryKvStore()
    const store = await createEncryptedKvStore(inner, { dataKey: DATA_KEY, cipher: 'aes-256-gcm' })
    await store.put(enc('a'), enc('same'))
    const first = await inner.get(Uint8Array.from([0x01, ...enc('a')]))
    await store.put(enc('a'), enc('same'))
    const second = await inner.get(Uint8Array.from([0x01, ...enc('a')]))
    expect(first).not.toEqual(second)
    await store.close()
  })

  it('checks its inputs with labelled errors and writes nothing on bad input', async () => {
    const inner = createMemoryKvStore()
    await expect(
      createEncryptedKvStore(inner, {
        dataKey: new Uint8Array(DATA_KEY_BYTES_MIN - 1),
        cipher: 'aes-256-gcm',
      }),
    ).rejects.toThrow(`dataKey: expected ${DATA_KEY_BYTES_MIN}..1024 bytes, got 15 bytes`)
    await expect(
      createEncryptedKvStore(inner, { dataKey: DATA_KEY, cipher: 'des' as KvCipher }),
    ).rejects.toSatisfy(isCode('KV_INVALID_INPUT'))
    const store = await createEncryptedKvStore(inner, { dataKey: DATA_KEY, cipher: 'sm4-ctr-hmac-sm3' })
    await expect(
      store.batch([
        { type: 'put', key: enc('ok'), value: enc('1') },
        { type: 'put', key: enc('bad'), value: 'x' as unknown as Uint8Array },
      ]),
    ).rejects.toThrow('ops[1].value: expected Uint8Array, got string(1)')
    expect(await store.get(enc('ok'))).toBeUndefined()
    expect(() => store.iterate({ gt: 'a' as unknown as Uint8Array })).toThrow('gt: expected Uint8Array')
    await store.close()
  })

  it('maps the chain suite to its cipher', () => {
    expect(kvCipherForSuite('ecdsa')).toBe('aes-256-gcm')
    expect(kvCipherForSuite('sm')).toBe('sm4-ctr-hmac-sm3')
  })

  it('derives different keys for different salts and ciphers from one data key', () => {
    const salt = new Uint8Array(16)
    const a = createDataCipher(DATA_KEY, salt, 'aes-256-gcm')
    const b = createDataCipher(DATA_KEY, Uint8Array.of(1, ...new Uint8Array(15)), 'aes-256-gcm')
    const c = createDataCipher(DATA_KEY, salt, 'sm4-ctr-hmac-sm3')
    expect(a.keyCheck).not.toEqual(b.keyCheck)
    expect(a.keyCheck).not.toEqual(c.keyCheck)
    const sealed = a.seal(enc('x'), enc('aad'))
    expect(b.open(sealed, enc('aad'))).toBeUndefined()
    expect(a.open(sealed, enc('other aad'))).toBeUndefined()
    expect(new TextDecoder().decode(a.open(sealed, enc('aad')))).toBe('x')
  })
})

const PEM = `-----BEGIN PRIVATE KEY-----
MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgY2hhbmdlLW1lLXRoaXMt
aXMtYS10ZXN0LWtleaFEA0IABA==
-----END PRIVATE KEY-----
`

describe('sealKeyFile / openKeyFile', () => {
  it.each(KV_CIPHERS)('round-trips a key file (%s) as one line of hex without the PEM', (cipher) => {
    const sealed = sealKeyFile(PEM, { dataKey: DATA_KEY, cipher })
    expect(sealed).toMatch(/^[0-9a-f]+$/)
    expect(sealed).not.toContain(Buffer.from('PRIVATE KEY').toString('hex'))
    expect(isSealedKeyFile(sealed)).toBe(true)
    expect(isSealedKeyFile(PEM)).toBe(false)
    expect(sealedKeyFileCipher(`${sealed}\n`)).toBe(cipher)
    expect(sealedKeyFileCipher(PEM)).toBeUndefined()
    expect(new TextDecoder().decode(openKeyFile(`${sealed}\n`, DATA_KEY))).toBe(PEM)
    expect(sealKeyFile(PEM, { dataKey: DATA_KEY, cipher })).not.toBe(sealed) // fresh salt and nonce
  })

  it('refuses a wrong key, a modified file and non-sealed text with typed errors', () => {
    const sealed = sealKeyFile(enc(PEM), { dataKey: DATA_KEY, cipher: 'aes-256-gcm' })
    expect(() => openKeyFile(sealed, OTHER_KEY)).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/does not match/) }),
    )
    expect(
      (() => {
        try {
          openKeyFile(sealed, OTHER_KEY)
        } catch (e) {
          return isChainError(e, 'KV_WRONG_KEY')
        }
        return false
      })(),
    ).toBe(true)
    const last = sealed.at(-1) === '0' ? '1' : '0'
    const tampered = sealed.slice(0, -1) + last
    expect(() => openKeyFile(tampered, DATA_KEY)).toThrow('failed authentication')
    expect(() => openKeyFile(sealed.slice(0, 40), DATA_KEY)).toThrow('text: expected a sealed key file')
    expect(() => openKeyFile(PEM, DATA_KEY)).toThrow('text: expected a sealed key file')
  })

  it(`refuses content above SEALED_FILE_BYTES_MAX (${SEALED_FILE_BYTES_MAX} bytes)`, () => {
    expect(() =>
      sealKeyFile(new Uint8Array(SEALED_FILE_BYTES_MAX + 1), { dataKey: DATA_KEY, cipher: 'aes-256-gcm' }),
    ).toThrow(`content: expected at most ${SEALED_FILE_BYTES_MAX} bytes`)
    const max = sealKeyFile(new Uint8Array(SEALED_FILE_BYTES_MAX), {
      dataKey: DATA_KEY,
      cipher: 'aes-256-gcm',
    })
    expect(openKeyFile(max, DATA_KEY).length).toBe(SEALED_FILE_BYTES_MAX)
  })
})
