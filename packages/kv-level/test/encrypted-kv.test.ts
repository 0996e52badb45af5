import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isChainError } from '@consortia/interface'
import { createMemoryKvStore, createSeededRandom, kvStoreComplianceSuite } from '@consortia/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDataCipher,
  createEncryptedKvStore,
  createKeyCipher,
  createLevelKvStore,
  DATA_KEY_BYTES_MIN,
  ENCRYPTED_KEY_BYTES_MAX,
  ENCRYPTED_KEY_CACHE_ENTRIES_MAX,
  ENCRYPTED_SCAN_ENTRIES_MAX,
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
  kvStoreComplianceSuite(`encrypted memory store, plaintext keys (format 1, ${cipher})`, async () =>
    createEncryptedKvStore(createMemoryKvStore(), { dataKey: DATA_KEY, cipher, encryptKeys: false }),
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
async function writeAndGrep(location: string, cipher: KvCipher | 'none', encryptKeys = true) {
  const marker = 'TOP-SECRET-BALANCE-'
  const values = Array.from({ length: 300 }, (_, i) => `${marker}${i}-of-account-${(i * 7919) % 1000}`)
  const inner = await createLevelKvStore({ location })
  const store =
    cipher === 'none'
      ? inner
      : await createEncryptedKvStore(inner, { dataKey: DATA_KEY, cipher, encryptKeys })
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
    keyHits: hits('acct-17') + hits('acct-2'),
  }
}

describe('createEncryptedKvStore on LevelDB', () => {
  it('leaves no key or value bytes in the data directory (the unencrypted control shows the grep works)', async () => {
    const plain = await writeAndGrep(fresh(), 'none')
    expect(plain.markerHits).toBeGreaterThan(0)
    expect(plain.valueHits).toBeGreaterThan(0)
    expect(plain.keyHits).toBeGreaterThan(0)
    for (const cipher of KV_CIPHERS) {
      expect(await writeAndGrep(fresh(), cipher)).toEqual({ markerHits: 0, valueHits: 0, keyHits: 0 })
      // Format 1 (stores created before keys were encrypted) keeps keys in plaintext.
      const legacy = await writeAndGrep(fresh(), cipher, false)
      expect(legacy).toEqual({ markerHits: 0, valueHits: 0, keyHits: legacy.keyHits })
      expect(legacy.keyHits).toBeGreaterThan(0)
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
    expect(await readKvEncryptionInfo(wrongInner)).toEqual({ format: 2, cipher, keysEncrypted: true })
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

  it.each(
    KV_CIPHERS.flatMap((cipher) => [
      [cipher, true],
      [cipher, false],
    ]) as [KvCipher, boolean][],
  )(
    'refuses modified, truncated and moved values with KV_TAMPERED (%s, keys encrypted: %s)',
    async (cipher, encryptKeys) => {
      const inner = createMemoryKvStore()
      const store = await createEncryptedKvStore(inner, { dataKey: DATA_KEY, cipher, encryptKeys })
      await store.batch([
        { type: 'put', key: enc('alice'), value: enc('100') },
        { type: 'put', key: enc('bob'), value: enc('5') },
      ])
      // The inner store holds 0x01 ‖ K(key) → format ‖ nonce ‖ ciphertext ‖ tag; K keeps lengths.
      const innerKeys = new Map<number, Uint8Array>()
      for await (const [k] of inner.iterate({ gte: Uint8Array.of(0x01) })) innerKeys.set(k.length - 1, k)
      const innerKeyOf = (k: string) => innerKeys.get(k.length) as Uint8Array
      expect(Buffer.from(innerKeyOf('alice').subarray(1)).equals(enc('alice'))).toBe(!encryptKeys)
      const raw = (k: string) => inner.get(innerKeyOf(k)) as Promise<Uint8Array>
      const rawAlice = await raw('alice')
      // Format 2 seals u16 key length ‖ key ‖ value; format 1 the value alone.
      expect(rawAlice.length).toBe(1 + KV_CIPHER_OVERHEAD_BYTES[cipher] + 3 + (encryptKeys ? 2 + 5 : 0))

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
    const sealedValue = async () => {
      for await (const [k, v] of inner.iterate({ gte: Uint8Array.of(0x01) })) {
        expect(k.length).toBe(2)
        return v
      }
      throw new Error('no value stored')
    }
    await store.put(enc('a'), enc('same'))
    const first = await sealedValue()
    await store.put(enc('a'), enc('same'))
    const second = await sealedValue()
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
    expect(() => store.iterate({ limit: -2 })).toThrow('limit: expected a non-negative integer')
    await store.put(enc('ok'), enc('1'))
    const unlimited: string[] = []
    for await (const [k] of store.iterate({ limit: -1 })) unlimited.push(new TextDecoder().decode(k))
    expect(unlimited).toEqual(['ok'])
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

describe('key encryption (format 2)', () => {
  const salt = new Uint8Array(16).fill(7)
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

  it.each(KV_CIPHERS)('is a length-preserving, prefix-preserving bijection (%s)', (cipher) => {
    const k = createKeyCipher(DATA_KEY, salt, cipher)
    const rnd = createSeededRandom(16)
    const keys: Uint8Array[] = [new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(255)]
    for (let i = 0; i < 200; i++) {
      // Few distinct byte values so that many keys share prefixes of every length.
      keys.push(Uint8Array.from({ length: rnd.nextInt(12) }, () => 0x61 + rnd.nextInt(3)))
    }
    const cts = keys.map((key) => k.encrypt(key))
    for (let i = 0; i < keys.length; i++) {
      expect(cts[i]!.length).toBe(keys[i]!.length)
      expect(k.encrypt(keys[i]!)).toEqual(cts[i]) // deterministic
      if (i % 20 === 0) expect(k.decrypt(cts[i]!)).toEqual(keys[i])
      for (let j = 0; j < keys.length; j += 7) {
        const a = keys[i]!
        const b = keys[j]!
        let p = 0
        while (p < a.length && p < b.length && a[p] === b[p]) p++
        let q = 0
        while (q < a.length && q < b.length && cts[i]![q] === cts[j]![q]) q++
        expect(q).toBe(p) // common prefix of ciphertexts = common prefix of plaintexts
      }
    }
    // Every one-byte key maps to a different byte: a permutation of 0..255.
    const singles = new Set(Array.from({ length: 256 }, (_, b) => k.encrypt(Uint8Array.of(b))[0]))
    expect(singles.size).toBe(256)
  })

  it('depends on the data key, the salt and the cipher', () => {
    const key = enc('_sys_tables_\u0000t_user')
    const a = hex(createKeyCipher(DATA_KEY, salt, 'aes-256-gcm').encrypt(key))
    expect(hex(createKeyCipher(OTHER_KEY, salt, 'aes-256-gcm').encrypt(key))).not.toBe(a)
    expect(hex(createKeyCipher(DATA_KEY, new Uint8Array(16), 'aes-256-gcm').encrypt(key))).not.toBe(a)
    expect(hex(createKeyCipher(DATA_KEY, salt, 'sm4-ctr-hmac-sm3').encrypt(key))).not.toBe(a)
    expect(a).not.toContain(hex(enc('_sys_')))
  })

  it('answers random range scans like an unencrypted store (bounds, reverse, limit)', async () => {
    const rnd = createSeededRandom(2026)
    const model = createMemoryKvStore()
    const store = await createEncryptedKvStore(createMemoryKvStore(), {
      dataKey: DATA_KEY,
      cipher: 'aes-256-gcm',
    })
    const randomKey = () =>
      Uint8Array.from({ length: rnd.nextInt(6) }, () => [0x00, 0x01, 0x61, 0xff][rnd.nextInt(4)]!)
    const ops = Array.from({ length: 300 }, () => ({
      type: 'put' as const,
      key: randomKey(),
      value: randomKey(),
    }))
    await model.batch(ops)
    await store.batch(ops)
    const collect = async (it: AsyncIterable<readonly [Uint8Array, Uint8Array]>) => {
      const out: string[] = []
      for await (const [k, v] of it) out.push(`${hex(k)}=${hex(v)}`)
      return out
    }
    for (let round = 0; round < 200; round++) {
      const options: Record<string, unknown> = {}
      const lower = rnd.nextInt(3)
      if (lower === 1) options.gt = randomKey()
      if (lower === 2) options.gte = randomKey()
      const upper = rnd.nextInt(3)
      if (upper === 1) options.lt = randomKey()
      if (upper === 2) options.lte = randomKey()
      if (rnd.nextInt(2) === 0) options.reverse = true
      if (rnd.nextInt(2) === 0) options.limit = 1 + rnd.nextInt(10)
      expect(await collect(store.iterate(options))).toEqual(await collect(model.iterate(options)))
    }
    await store.close()
  })

  it(`refuses a scan above scanEntriesMax (default ${ENCRYPTED_SCAN_ENTRIES_MAX}) and keys above ENCRYPTED_KEY_BYTES_MAX`, async () => {
    const store = await createEncryptedKvStore(createMemoryKvStore(), {
      dataKey: DATA_KEY,
      cipher: 'aes-256-gcm',
      scanEntriesMax: 4,
    })
    expect(store.scanEntriesMax).toBe(4)
    await store.batch(
      ['t1\u0000a', 't1\u0000b', 't1\u0000c', 't1\u0000d', 't1x\u0000a'].map((k) => ({
        type: 'put' as const,
        key: enc(k),
        value: enc('v'),
      })),
    )
    const count = async (options: Parameters<typeof store.iterate>[0]) => {
      let n = 0
      for await (const _ of store.iterate(options)) n++
      return n
    }
    // Exactly scanEntriesMax entries in the group of prefix 't1\0' (table t1x is not read): allowed.
    expect(await count({ gte: enc('t1\u0000'), lt: enc('t1\u0001') })).toBe(4)
    await expect(count({})).rejects.toSatisfy(
      (e: unknown) => isChainError(e, 'KV_SCAN_TOO_LARGE') && e.getMetadata().scanEntriesMax === 4,
    )
    await expect(store.put(new Uint8Array(ENCRYPTED_KEY_BYTES_MAX + 1), enc('v'))).rejects.toThrow(
      `ops[0].key: expected at most ${ENCRYPTED_KEY_BYTES_MAX} bytes, got ${ENCRYPTED_KEY_BYTES_MAX + 1} bytes`,
    )
    await store.put(new Uint8Array(ENCRYPTED_KEY_BYTES_MAX).fill(9), enc('max'))
    expect(await store.get(new Uint8Array(ENCRYPTED_KEY_BYTES_MAX).fill(9))).toEqual(enc('max'))
    await expect(
      createEncryptedKvStore(createMemoryKvStore(), {
        dataKey: DATA_KEY,
        cipher: 'aes-256-gcm',
        scanEntriesMax: 0,
      }),
    ).rejects.toThrow('scanEntriesMax: expected a positive integer')
    await store.close()
  })

  it(`bounds the encrypted-key cache by keyCacheEntriesMax (default ${ENCRYPTED_KEY_CACHE_ENTRIES_MAX})`, async () => {
    const inner = createMemoryKvStore()
    const store = await createEncryptedKvStore(inner, {
      dataKey: DATA_KEY,
      cipher: 'aes-256-gcm',
      keyCacheEntriesMax: 3,
    })
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4'].map(enc)
    for (const [i, k] of keys.entries()) {
      await store.put(k, Uint8Array.of(i))
      expect(store.keyCacheEntries).toBe(Math.min(i + 1, 3))
    }
    // Evicted and cached keys alike map to the same inner keys: every value reads back.
    expect(await store.getMany(keys)).toEqual(keys.map((_, i) => Uint8Array.of(i)))
    expect(store.keyCacheEntries).toBe(3)
    let innerCount = 0
    for await (const _ of inner.iterate({ gte: Uint8Array.of(0x01) })) innerCount++
    expect(innerCount).toBe(5)
    const uncached = await createEncryptedKvStore(createMemoryKvStore(), {
      dataKey: DATA_KEY,
      cipher: 'aes-256-gcm',
      keyCacheEntriesMax: 0,
    })
    await uncached.put(enc('a'), enc('1'))
    expect(uncached.keyCacheEntries).toBe(0)
    expect(await uncached.get(enc('a'))).toEqual(enc('1'))
    await expect(
      createEncryptedKvStore(createMemoryKvStore(), {
        dataKey: DATA_KEY,
        cipher: 'aes-256-gcm',
        keyCacheEntriesMax: -1,
      }),
    ).rejects.toThrow('keyCacheEntriesMax: expected a non-negative integer')
    await store.close()
    await uncached.close()
  })

  it('reopens a format 1 store (plaintext keys) in its format, and reports both formats', async () => {
    const location = fresh()
    const legacy = await createEncryptedKvStore(await createLevelKvStore({ location }), {
      dataKey: DATA_KEY,
      cipher: 'sm4-ctr-hmac-sm3',
      encryptKeys: false,
    })
    expect(legacy.keysEncrypted).toBe(false)
    await legacy.put(enc('height'), enc('9'))
    await legacy.close()
    const inner = await createLevelKvStore({ location })
    expect(await readKvEncryptionInfo(inner)).toEqual({
      format: 1,
      cipher: 'sm4-ctr-hmac-sm3',
      keysEncrypted: false,
    })
    const again = await createEncryptedKvStore(inner, { dataKey: DATA_KEY, cipher: 'sm4-ctr-hmac-sm3' })
    expect(again.keysEncrypted).toBe(false)
    expect(await again.get(enc('height'))).toEqual(enc('9'))
    await again.close()
  })
})
