import { isChainError } from '@consortia/interface'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bigIntToBytes,
  bytesToHex,
  concatBytes,
  createCryptoSuite,
  createECDSASuite,
  hexToBytes,
  isNativeSecp256k1Available,
  SECP256K1_N,
} from '../src/index.js'
import { BLOCK_VECTORS, TX_VECTORS } from './vectors.js'

const noble = createECDSASuite({ backend: 'noble' })
const native = isNativeSecp256k1Available() ? createECDSASuite({ backend: 'native' }) : undefined
const backends = [noble, ...(native ? [native] : [])]

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn()
  } catch (err) {
    expect(isChainError(err, code), String(err)).toBe(true)
    return
  }
  throw new Error(`expected ChainError ${code}`)
}

describe('ecdsa suite', () => {
  it('uses the native backend automatically when it loads', () => {
    expect(createECDSASuite().backend).toBe(native ? 'native' : 'noble')
    expect(createCryptoSuite('ecdsa').signatureBytes).toBe(65)
  })

  for (const suite of backends) {
    describe(`${suite.backend} backend`, () => {
      it('recovers the documented senders of the FISCO doc transactions', () => {
        const ecdsaTxs = TX_VECTORS.filter((t) => t.mode === 'ecdsa')
        expect(ecdsaTxs.length).toBe(2)
        for (const t of ecdsaTxs) {
          if (!('v' in t)) throw new Error('fixture lacks v')
          const sig = concatBytes(hexToBytes(t.r), hexToBytes(t.s), Uint8Array.of(t.v - 27))
          const pub = suite.recover(hexToBytes(t.signingHash), sig)
          expect(`0x${bytesToHex(suite.address(pub))}`).toBe(t.sender)
          expect(suite.verify(hexToBytes(t.signingHash), sig, pub)).toBe(true)
        }
      })

      it('recovers every PBFT signatureList entry to sealerList[index]', () => {
        let checked = 0
        for (const block of BLOCK_VECTORS) {
          for (const entry of block.signatureList) {
            const pub = suite.recover(hexToBytes(block.hash), hexToBytes(entry.signature))
            expect(bytesToHex(pub)).toBe(block.sealerList[Number(entry.index)])
            checked++
          }
        }
        expect(checked).toBe(4)
      })

      it('rejects bad signatures with typed errors (attack catalogue A3, A4)', () => {
        const key = hexToBytes('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
        const hash = suite.hash(new TextEncoder().encode('A3'))
        const good = suite.sign(hash, key)
        const r = good.subarray(0, 32)
        const s = good.subarray(32, 64)
        const v = good[64]!
        const n = bigIntToBytes(SECP256K1_N, 32)
        const zero = new Uint8Array(32)
        const bad: [string, Uint8Array][] = [
          ['r = 0', concatBytes(zero, s, Uint8Array.of(v))],
          ['s = 0', concatBytes(r, zero, Uint8Array.of(v))],
          ['r = n', concatBytes(n, s, Uint8Array.of(v))],
          ['s = n', concatBytes(r, n, Uint8Array.of(v))],
          ['v = 2', concatBytes(r, s, Uint8Array.of(2))],
          ['v = 27', concatBytes(r, s, Uint8Array.of(27))],
          ['recid 4', concatBytes(r, s, Uint8Array.of(4))],
        ]
        for (const [, sig] of bad) {
          expectCode(() => suite.recover(hash, sig), 'INVALID_SIGNATURE')
          expect(suite.verify(hash, sig, suite.publicKey(key))).toBe(false)
        }
        // A4: (r, n − s, v ⊕ 1) is the same signature with high s: rejected.
        const highS = bigIntToBytes(SECP256K1_N - BigInt(`0x${bytesToHex(s)}`), 32)
        const malleable = concatBytes(r, highS, Uint8Array.of(v ^ 1))
        expectCode(() => suite.recover(hash, malleable), 'INVALID_SIGNATURE')
        expect(suite.verify(hash, malleable, suite.publicKey(key))).toBe(false)
        // Wrong lengths, with a labelled message.
        expect(() => suite.recover(hash.subarray(1), good)).toThrow('expected 32-byte hash, got 31')
        expectCode(() => suite.recover(hash, good.subarray(0, 64)), 'INVALID_LENGTH')
        expectCode(() => suite.sign(hash, new Uint8Array(32)), 'INVALID_PRIVATE_KEY')
        // A public key that is not on the curve.
        const offCurve = suite.publicKey(key).slice()
        offCurve[63]! ^= 1
        expectCode(() => suite.verify(hash, good, offCurve), 'INVALID_PUBLIC_KEY')
        // A signature over another hash recovers someone else, and does not verify.
        const other = suite.hash(new TextEncoder().encode('other'))
        expect(bytesToHex(suite.recover(other, good))).not.toBe(bytesToHex(suite.publicKey(key)))
        expect(suite.verify(other, good, suite.publicKey(key))).toBe(false)
      })
    })
  }

  it('sign → recover and sign → verify for random keys and hashes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt(1n, SECP256K1_N - 1n),
        (hash, d) => {
          const key = bigIntToBytes(d, 32)
          for (const suite of backends) {
            const sig = suite.sign(hash, key)
            expect(sig.length).toBe(65)
            expect(BigInt(`0x${bytesToHex(sig.subarray(32, 64))}`) <= SECP256K1_N / 2n).toBe(true)
            expect(bytesToHex(suite.recover(hash, sig))).toBe(bytesToHex(suite.publicKey(key)))
            expect(suite.verify(hash, sig, suite.publicKey(key))).toBe(true)
          }
        },
      ),
      { numRuns: 40, seed: 20240601 },
    )
  })

  it.runIf(native !== undefined)('native and noble agree byte for byte (sign, recover, verify)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt(1n, SECP256K1_N - 1n),
        fc.uint8Array({ minLength: 65, maxLength: 65 }),
        (hash, d, junk) => {
          const key = bigIntToBytes(d, 32)
          const a = noble.sign(hash, key)
          const b = native!.sign(hash, key)
          expect(bytesToHex(b)).toBe(bytesToHex(a))
          expect(bytesToHex(native!.publicKey(key))).toBe(bytesToHex(noble.publicKey(key)))
          // Arbitrary 65 bytes: both accept or both reject, with the same key.
          junk[64] = junk[64]! & 1
          const outcome = (s: typeof noble): string => {
            try {
              return bytesToHex(s.recover(hash, junk))
            } catch (err) {
              return isChainError(err) ? err.type.code : 'other'
            }
          }
          expect(outcome(native!)).toBe(outcome(noble))
        },
      ),
      { numRuns: 60, seed: 7 },
    )
  })

  it('address is keccak(pub)[12:] and matches a known Ethereum key', () => {
    // Key and address of the Ethereum yellow-paper-style example used across web3 docs
    // (web3.js accounts docs: privateKey 0x4c08…2318 → 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23).
    const key = hexToBytes('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
    for (const suite of backends) {
      expect(bytesToHex(suite.address(suite.publicKey(key)))).toBe('2c7536e3605d9c16a7a3d7b1898e529396a65c23')
    }
    expect(secp256k1.getPublicKey(key, false).length).toBe(65)
  })
})
