import { createCipheriv } from 'node:crypto'
import { isChainError } from '@consortia/interface'
import fc from 'fast-check'
import { sm2 as smCrypto } from 'sm-crypto'
import { describe, expect, it } from 'vitest'
import {
  bigIntToBytes,
  bytesToHex,
  concatBytes,
  createCryptoSuite,
  createSM2,
  createSM4,
  createSMSuite,
  hexToBytes,
  normalizeSM2PublicKey,
  openSM4,
  SM2_EXAMPLE_FP256,
  SM2_P256,
  sealSM4,
  sm2SignWithNonceForTests,
  sm3,
  sm4CBCDecrypt,
  sm4CBCEncrypt,
  sm4CTR,
} from '../src/index.js'
import { SM2_EXAMPLE_VECTOR, SM2_RECOMMENDED_VECTOR, SM3_VECTORS, SM4_VECTOR, TX_VECTORS } from './vectors.js'

const enc = new TextEncoder()
const hex = bytesToHex

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn()
  } catch (err) {
    expect(isChainError(err, code), String(err)).toBe(true)
    return
  }
  throw new Error(`expected ChainError ${code}`)
}

describe('SM3', () => {
  it('matches the GB/T 32905 vectors', () => {
    for (const v of SM3_VECTORS) expect(hex(sm3(enc.encode(v.input_ascii)))).toBe(v.digest)
  })
})

describe('SM4', () => {
  const key = hexToBytes(SM4_VECTOR.key)
  it('encrypts and decrypts the GB/T 32907 single-block vector', () => {
    const c = createSM4(key)
    expect(hex(c.encryptBlock(hexToBytes(SM4_VECTOR.plaintext)))).toBe(SM4_VECTOR.ciphertext)
    expect(hex(c.decryptBlock(hexToBytes(SM4_VECTOR.ciphertext)))).toBe(SM4_VECTOR.plaintext)
  })

  it('matches the 1,000,000-encryption vector', () => {
    const c = createSM4(key)
    let block = hexToBytes(SM4_VECTOR.plaintext)
    for (let i = 0; i < 1_000_000; i++) block = c.encryptBlock(block)
    expect(hex(block)).toBe(SM4_VECTOR.ciphertext_after_1000000_encryptions)
  })

  it('agrees with OpenSSL sm4-ecb on random blocks, and CBC / CTR round-trip', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (k, b) => {
          const ossl = createCipheriv('sm4-ecb', k, null).setAutoPadding(false).update(b)
          expect(hex(createSM4(k).encryptBlock(b))).toBe(ossl.toString('hex'))
        },
      ),
      { numRuns: 50, seed: 3 },
    )
    const iv = new Uint8Array(16).fill(9)
    const data = enc.encode('consortia data at rest, not a multiple of sixteen')
    const cbc = sm4CBCEncrypt(key, iv, data)
    expect(cbc.length % 16).toBe(0)
    expect(hex(sm4CBCDecrypt(key, iv, cbc))).toBe(hex(data))
    // The first CBC block is SM4(P1 xor IV): check it against the pure-TS block cipher.
    const first = createSM4(key).encryptBlock(data.subarray(0, 16).map((x, i) => x ^ iv[i]!))
    expect(hex(cbc.subarray(0, 16))).toBe(hex(first))
    expect(hex(sm4CTR(key, iv, sm4CTR(key, iv, data)))).toBe(hex(data))
    expectCode(() => sm4CBCDecrypt(key, iv, cbc.subarray(0, 20)), 'INVALID_ARGUMENT')
    expect(() => createSM4(key.subarray(1))).toThrow('expected 16-byte SM4 key, got 15')
  })

  it('seals and opens data at rest, and rejects any change', () => {
    const sealed = sealSM4(key, enc.encode('secret'), enc.encode('aad'))
    expect(new TextDecoder().decode(openSM4(key, sealed, enc.encode('aad')))).toBe('secret')
    const tampered = sealed.slice()
    tampered[20]! ^= 1
    expectCode(() => openSM4(key, tampered, enc.encode('aad')), 'SIGNATURE_MISMATCH')
    expectCode(() => openSM4(key, sealed, enc.encode('other aad')), 'SIGNATURE_MISMATCH')
    expectCode(() => openSM4(key, sealed.subarray(0, 40)), 'INVALID_LENGTH')
  })
})

const curves = [
  { curve: SM2_P256, v: SM2_RECOMMENDED_VECTOR },
  { curve: SM2_EXAMPLE_FP256, v: SM2_EXAMPLE_VECTOR },
] as const

describe('SM2 vectors on both curves', () => {
  for (const { curve, v } of curves) {
    for (const backend of ['openssl', 'noble'] as const) {
      it(`${curve.name} / ${backend}: key, Z_A, e, signature with the given k, verify, (r, n−s) rejected`, () => {
        const sm2 = createSM2(curve, { verifyBackend: backend })
        expect(sm2.verifyBackend).toBe(backend)
        const id = enc.encode(v.id_ascii)
        const msg = enc.encode(v.message_ascii)
        const d = hexToBytes(v.d)
        const pub = sm2.publicKey(d)
        expect(hex(pub)).toBe(v.Px + v.Py)
        expect(hex(sm2.computeZA(pub, id))).toBe(v.ZA)
        expect(hex(sm2.digest(msg, pub, id))).toBe(v.e)
        const sig = sm2SignWithNonceForTests(sm2, msg, d, BigInt(`0x${v.k}`), id)
        expect(hex(sig)).toBe(v.r + v.s)
        expect(sm2.verify(msg, sig, pub, { id })).toBe(true)
        expect(sm2.verifyDigest(hexToBytes(v.e), sig, pub)).toBe(true)
        const nMinusS = bigIntToBytes(curve.n - BigInt(`0x${v.s}`), 32)
        expect(sm2.verify(msg, concatBytes(hexToBytes(v.r), nMinusS), pub, { id })).toBe(false)
        expect(sm2.verify(enc.encode('message digesT'), sig, pub, { id })).toBe(false)
        // Wrong user ID → wrong Z_A → does not verify.
        expect(sm2.verify(msg, sig, pub, { id: enc.encode('1234567812345679') })).toBe(false)
      })
    }
  }
})

describe('SM2 properties', () => {
  const fast = createSM2(SM2_P256, { verifyBackend: 'openssl' })
  const generic = createSM2(SM2_P256, { verifyBackend: 'noble' })
  it('sign → verify, and OpenSSL and noble verdicts agree on good and corrupted signatures', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt(1n, SM2_P256.n - 2n),
        fc.nat(63),
        (m, d, flip) => {
          const key = bigIntToBytes(d, 32)
          const pub = fast.publicKey(key)
          const sig = fast.sign(m, key)
          expect(fast.verify(m, sig, pub)).toBe(true)
          expect(generic.verify(m, sig, pub)).toBe(true)
          const bad = sig.slice()
          bad[flip]! ^= 0x10
          expect(fast.verify(m, bad, pub)).toBe(generic.verify(m, bad, pub))
        },
      ),
      { numRuns: 25, seed: 11 },
    )
  })

  it('example curve: sign → verify through the same generic code', () => {
    const sm2 = createSM2(SM2_EXAMPLE_FP256)
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (m) => {
        const key = sm2.randomPrivateKey()
        expect(sm2.verify(m, sm2.sign(m, key), sm2.publicKey(key))).toBe(true)
      }),
      { numRuns: 8, seed: 5 },
    )
  })

  it('cross-checks against sm-crypto both ways (few runs: sm-crypto is slow)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (m) => {
        const kp = smCrypto.generateKeyPairHex()
        const pub = hexToBytes(kp.publicKey.slice(2))
        const msgHex = hex(m)
        const theirs = smCrypto.doSignature(Array.from(m), kp.privateKey, {
          hash: true,
          publicKey: kp.publicKey,
        })
        expect(fast.verify(m, hexToBytes(theirs), pub)).toBe(true)
        const ours = fast.sign(m, hexToBytes(kp.privateKey.padStart(64, '0')))
        expect(smCrypto.doVerifySignature(Array.from(m), hex(ours), kp.publicKey, { hash: true })).toBe(true)
        expect(msgHex.length).toBe(64)
      }),
      { numRuns: 4, seed: 99 },
    )
  })

  it('rejects malformed input with typed errors (A3: not on curve, ranges, lengths)', () => {
    const key = fast.randomPrivateKey()
    const pub = fast.publicKey(key)
    const m = new Uint8Array(32)
    const sig = fast.sign(m, key)
    const offCurve = pub.slice()
    offCurve[63]! ^= 1
    expectCode(() => fast.verify(m, sig, offCurve), 'INVALID_PUBLIC_KEY')
    expectCode(() => fast.verify(m, sig.subarray(1), pub), 'INVALID_LENGTH')
    const n = bigIntToBytes(SM2_P256.n, 32)
    expect(fast.verify(m, concatBytes(new Uint8Array(32), sig.subarray(32)), pub)).toBe(false)
    expect(fast.verify(m, concatBytes(sig.subarray(0, 32), new Uint8Array(32)), pub)).toBe(false)
    expect(fast.verify(m, concatBytes(n, sig.subarray(32)), pub)).toBe(false)
    expect(fast.verify(m, concatBytes(sig.subarray(0, 32), n), pub)).toBe(false)
    // r + s = n makes t = 0: rejected.
    const r = BigInt(`0x${hex(sig.subarray(0, 32))}`)
    expect(fast.verify(m, concatBytes(sig.subarray(0, 32), bigIntToBytes(SM2_P256.n - r, 32)), pub)).toBe(
      false,
    )
    expectCode(() => fast.sign(m, bigIntToBytes(SM2_P256.n - 1n, 32)), 'INVALID_PRIVATE_KEY')
    expectCode(() => fast.sign(m, new Uint8Array(32)), 'INVALID_PRIVATE_KEY')
  })
})

describe('sm suite', () => {
  const suite = createSMSuite()
  it('is the suite createCryptoSuite("sm") gives, with 128-byte r‖s‖pub signatures', () => {
    expect(createCryptoSuite('sm').name).toBe('sm')
    expect(suite.signatureBytes).toBe(128)
    expectCode(() => createCryptoSuite('rsa' as 'sm'), 'INVALID_ARGUMENT')
  })

  it('recovers the documented sender of the FISCO guomi doc transaction', () => {
    const t = TX_VECTORS.find((x) => x.mode === 'sm' && 'verifies' in x && x.verifies)
    if (t === undefined || !('pub' in t)) throw new Error('fixture missing')
    const sig = concatBytes(hexToBytes(t.r), hexToBytes(t.s), hexToBytes(t.pub))
    const pub = suite.recover(hexToBytes(t.signingHash), sig)
    expect(`0x${hex(suite.address(pub))}`).toBe(t.sender)
    expect(suite.verify(hexToBytes(t.signingHash), sig, pub)).toBe(true)
  })

  it('decodes but rejects FISCO’s own SM unit-test transaction (not standard SM2, interop §5)', () => {
    const t = TX_VECTORS.find((x) => x.mode === 'sm' && 'verifies' in x && !x.verifies)
    if (t === undefined || !('pub' in t)) throw new Error('fixture missing')
    const sig = concatBytes(hexToBytes(t.r), hexToBytes(t.s), hexToBytes(t.pub))
    expectCode(() => suite.recover(hexToBytes(t.signingHash), sig), 'SIGNATURE_MISMATCH')
  })

  it('sign → recover, and rejects a signature carrying another key or a wrong Z_A', () => {
    const key = suite.randomPrivateKey()
    const h = suite.hash(enc.encode('tx'))
    const sig = suite.sign(h, key)
    expect(hex(suite.recover(h, sig))).toBe(hex(suite.publicKey(key)))
    const otherPub = suite.publicKey(suite.randomPrivateKey())
    expectCode(() => suite.recover(h, concatBytes(sig.subarray(0, 64), otherPub)), 'SIGNATURE_MISMATCH')
    expect(suite.verify(h, sig, otherPub)).toBe(false)
    // Signed with another user ID (wrong Z_A): rejected by recover.
    const wrongZA = suite.sm2.sign(h, key, { id: enc.encode('ALICE123@YAHOO.COM') })
    expectCode(() => suite.recover(h, concatBytes(wrongZA, suite.publicKey(key))), 'SIGNATURE_MISMATCH')
    const offCurve = suite.publicKey(key).slice()
    offCurve[10]! ^= 1
    expectCode(() => suite.recover(h, concatBytes(sig.subarray(0, 64), offCurve)), 'INVALID_PUBLIC_KEY')
    expectCode(() => suite.recover(h, sig.subarray(0, 127)), 'INVALID_LENGTH')
  })

  it('left-pads a 63-byte key and handles leading-zero coordinates as 32-byte values (interop §6)', () => {
    // Find a key whose X starts with a zero byte (about 1 in 256 keys).
    let key: Uint8Array | undefined
    for (let i = 1n; key === undefined; i++) {
      const k = bigIntToBytes(i * 7919n, 32)
      if (suite.publicKey(k)[0] === 0) key = k
    }
    const pub = suite.publicKey(key)
    const shortened = pub.subarray(1)
    expect(hex(normalizeSM2PublicKey(shortened))).toBe(hex(pub))
    const h = suite.hash(enc.encode('zero'))
    const sig = suite.sign(h, key)
    expect(hex(suite.recover(h, concatBytes(sig.subarray(0, 64), normalizeSM2PublicKey(shortened))))).toBe(
      hex(pub),
    )
    expectCode(() => normalizeSM2PublicKey(new Uint8Array(62)), 'INVALID_LENGTH')
    expectCode(() => normalizeSM2PublicKey(new Uint8Array(65)), 'INVALID_LENGTH')
  })
})
