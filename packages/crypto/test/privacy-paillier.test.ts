import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesToBigInt, hexToBytes, invertMod } from '../src/index.js'
import {
  generatePaillierKeyPair,
  modPow,
  PAILLIER_FISCO_KEY_BITS,
  PAILLIER_KEY_BITS_MAX,
  type PaillierKeyPair,
  paillierAdd,
  paillierAddHex,
  paillierCiphertextFromBytes,
  paillierCiphertextFromHex,
  paillierCiphertextToBytes,
  paillierCiphertextToHex,
  paillierDecrypt,
  paillierDecryptHex,
  paillierDecryptSigned,
  paillierEncrypt,
  paillierEncryptToHex,
  paillierKeyPairFromRSA,
  paillierMultiply,
  paillierPublicKey,
} from '../src/privacy/index.js'
import { expectCode, seededRandom } from './privacy-helpers.js'
import { FISCO_PAILLIER_ADD_VECTOR as V } from './privacy-vectors.js'

const FC = { seed: 16_1, numRuns: 12 }

let key: PaillierKeyPair
let other: PaillierKeyPair
beforeAll(() => {
  key = generatePaillierKeyPair({ bits: 1024 })
  other = generatePaillierKeyPair({ bits: 1024 })
})

describe('Paillier: FISCO BCOS hex form', () => {
  it('reproduces paillier-lib testAdd.cpp: paillierAdd(cipher1, cipher2) = cipher3', () => {
    expect(paillierAddHex(V.cipher1, V.cipher2)).toBe(V.cipher3)
    // lower-case or 0x-prefixed input parses too; output stays upper-case like FISCO's.
    expect(paillierAddHex(`0x${V.cipher1.toLowerCase()}`, V.cipher2.toLowerCase())).toBe(V.cipher3)
  })

  it('parses the vector layout: u16 len(n) ‖ n ‖ c with len(n) = 256', () => {
    const c1 = paillierCiphertextFromHex(V.cipher1)
    expect(c1.publicKey.bits).toBe(2048)
    expect(c1.publicKey.byteLength).toBe(0x0100)
    expect(PAILLIER_FISCO_KEY_BITS).toContain(c1.publicKey.bits)
    expect(c1.publicKey.n).toBe(bytesToBigInt(hexToBytes(V.cipher1.slice(4, 4 + 512))))
    expect(c1.c).toBe(bytesToBigInt(hexToBytes(V.cipher1.slice(4 + 512))))
    expect(paillierCiphertextToHex(c1)).toBe(V.cipher1)
    expect(paillierCiphertextFromBytes(paillierCiphertextToBytes(c1)).c).toBe(c1.c)
  })

  it('writes the header and pads c to 2·len(n) bytes', () => {
    const ct = paillierEncrypt(key.publicKey, 1n, { r: 1n }) // c = 1 + n: many leading zero bytes
    const hex = paillierCiphertextToHex(ct)
    expect(hex.length).toBe(2 * (2 + 3 * 128))
    expect(hex.slice(0, 4)).toBe('0080')
    expect(hex).toBe(hex.toUpperCase())
    expect(bytesToBigInt(hexToBytes(hex.slice(4, 260)))).toBe(key.publicKey.n)
    expect(bytesToBigInt(hexToBytes(hex.slice(260)))).toBe(key.publicKey.n + 1n)
  })

  it('rejects malformed hex ciphertexts with INVALID_CIPHERTEXT', () => {
    const good = paillierEncryptToHex(key.publicKey, 5n)
    const n = key.publicKey.n
    const nHex = good.slice(4, 260)
    const cField = (c: bigint): string => c.toString(16).toUpperCase().padStart(512, '0')
    for (const bad of [
      '',
      '00',
      good.slice(0, -1), // odd length
      `${good.slice(0, -2)}ZZ`, // not hex
      good.slice(0, -2), // one byte short
      `${good}00`, // one byte long
      `0000${good.slice(4)}`, // zero-length modulus
      `0080${'00'}${nHex.slice(2)}${cField(7n)}`, // modulus with a leading zero byte
      `0080${nHex}${cField(0n)}`, // c = 0
      `0080${nHex}${cField(n * n)}`, // c = n²
      `0080${nHex}${cField(n)}`, // gcd(c, n) ≠ 1
    ]) {
      expectCode(() => paillierCiphertextFromHex(bad), 'INVALID_CIPHERTEXT')
    }
    expectCode(() => paillierCiphertextFromHex(42 as unknown as string), 'INVALID_CIPHERTEXT')
  })

  it('refuses moduli above PAILLIER_KEY_BITS_MAX before parsing them (LIMIT_EXCEEDED)', () => {
    const byteLength = PAILLIER_KEY_BITS_MAX / 8 + 1
    const header = byteLength.toString(16).padStart(4, '0')
    expectCode(() => paillierCiphertextFromHex(`${header}${'ff'.repeat(3 * byteLength)}`), 'LIMIT_EXCEEDED')
    expectCode(() => generatePaillierKeyPair({ bits: PAILLIER_KEY_BITS_MAX + 16 }), 'LIMIT_EXCEEDED')
    expectCode(() => paillierPublicKey((1n << BigInt(PAILLIER_KEY_BITS_MAX + 8)) - 1n), 'LIMIT_EXCEEDED')
  })

  it('adds hex ciphertexts only under the same key (KEY_MISMATCH)', () => {
    const a = paillierEncryptToHex(key.publicKey, 1n)
    const b = paillierEncryptToHex(other.publicKey, 2n)
    expectCode(() => paillierAddHex(a, b), 'KEY_MISMATCH')
    expectCode(() => paillierAdd(paillierCiphertextFromHex(a), paillierCiphertextFromHex(b)), 'KEY_MISMATCH')
    expectCode(() => paillierDecryptHex(other.privateKey, a), 'KEY_MISMATCH')
    expectCode(() => paillierAddHex(a, V.cipher1), 'KEY_MISMATCH') // 1024- vs 2048-bit
  })
})

describe('Paillier: scheme (Paillier 1999, g = n + 1, CRT decryption)', () => {
  it('decrypts what it encrypts, and matches the textbook λ/μ decryption', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 1023n) - 1n }), (m0) => {
        const m = m0 % key.publicKey.n
        const ct = paillierEncrypt(key.publicKey, m)
        expect(paillierDecrypt(key.privateKey, ct)).toBe(m)
        // Independent check, Paillier §3: m = L(c^λ mod n²)·μ mod n, λ = lcm(p−1, q−1).
        const { p, q } = key.privateKey
        const { n, nSquared } = key.publicKey
        const lambda = ((p - 1n) * (q - 1n)) / gcdOf(p - 1n, q - 1n)
        const mu = invertMod((modPow(n + 1n, lambda, nSquared) - 1n) / n, n)
        expect((((modPow(ct.c, lambda, nSquared) - 1n) / n) * mu) % n).toBe(m)
      }),
      FC,
    )
  })

  it('is additively homomorphic: D(E(a)·E(b)) = a + b mod n, D(E(a)^k) = k·a mod n', () => {
    const n = key.publicKey.n
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: n - 1n }),
        fc.bigInt({ min: 0n, max: n - 1n }),
        fc.bigInt({ min: -(1n << 64n), max: 1n << 64n }),
        (a, b, k) => {
          const ea = paillierEncrypt(key.publicKey, a)
          const eb = paillierEncrypt(key.publicKey, b)
          expect(paillierDecrypt(key.privateKey, paillierAdd(ea, eb))).toBe((a + b) % n)
          expect(paillierDecrypt(key.privateKey, paillierMultiply(ea, k))).toBe((((k * a) % n) + n) % n)
        },
      ),
      { ...FC, numRuns: 8 },
    )
  })

  it('handles negative values like FISCO’s Java library (m + n), decrypted signed', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }),
        fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }),
        (a, b) => {
          const sum = paillierAddHex(
            paillierEncryptToHex(key.publicKey, a),
            paillierEncryptToHex(key.publicKey, b),
          )
          expect(paillierDecryptHex(key.privateKey, sum)).toBe(a + b)
        },
      ),
      FC,
    )
    expect(paillierDecryptSigned(key.privateKey, paillierEncrypt(key.publicKey, -1n))).toBe(-1n)
  })

  it('randomizes encryption and is reproducible with a seeded source or explicit r', () => {
    const a = paillierEncrypt(key.publicKey, 9n)
    const b = paillierEncrypt(key.publicKey, 9n)
    expect(a.c).not.toBe(b.c)
    const s1 = paillierEncrypt(key.publicKey, 9n, { random: seededRandom('paillier') })
    const s2 = paillierEncrypt(key.publicKey, 9n, { random: seededRandom('paillier') })
    expect(s1.c).toBe(s2.c)
    const { n, nSquared } = key.publicKey
    const r = 123456789n
    expect(paillierEncrypt(key.publicKey, 9n, { r }).c).toBe(
      ((1n + 9n * n) * modPow(r, n, nSquared)) % nSquared,
    )
  })

  it('checks its inputs', () => {
    expectCode(() => paillierEncrypt(key.publicKey, key.publicKey.n), 'INVALID_ARGUMENT')
    expectCode(() => paillierEncrypt(key.publicKey, 1n, { r: key.privateKey.p }), 'INVALID_ARGUMENT')
    expectCode(() => generatePaillierKeyPair({ bits: 1000 }), 'INVALID_ARGUMENT')
    expectCode(() => generatePaillierKeyPair({ bits: 512 }), 'INVALID_ARGUMENT')
    expectCode(() => paillierPublicKey(1n << 1024n), 'INVALID_PUBLIC_KEY')
    expectCode(
      () => paillierDecrypt(key.privateKey, { publicKey: key.publicKey, c: 0n }),
      'INVALID_CIPHERTEXT',
    )
  })

  it('loads RSA private keys as Paillier keys, as FISCO’s Java library does', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const pair = paillierKeyPairFromRSA(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
    const jwkN = bytesToBigInt(
      new Uint8Array(Buffer.from(privateKey.export({ format: 'jwk' }).n as string, 'base64url')),
    )
    expect(pair.publicKey.n).toBe(jwkN)
    expect(paillierDecrypt(pair.privateKey, paillierEncrypt(pair.publicKey, 77n))).toBe(77n)
    expectCode(() => paillierKeyPairFromRSA('not a key'), 'INVALID_KEY_FILE')
  })

  it('works end to end with one 2048-bit key in FISCO’s accepted size', () => {
    const big = generatePaillierKeyPair({ bits: 2048 })
    expect(big.publicKey.bits).toBe(2048)
    const a = paillierEncryptToHex(big.publicKey, 1000n)
    const b = paillierEncryptToHex(big.publicKey, -1n)
    expect(a.length).toBe(V.cipher1.length)
    expect(a.slice(0, 4)).toBe('0100')
    expect(paillierDecryptHex(big.privateKey, paillierAddHex(a, b))).toBe(999n)
  })
})

function gcdOf(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcdOf(b, a % b)
}
