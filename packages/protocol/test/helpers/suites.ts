/**
 * Test-local crypto suites. `@consortia/crypto` provides the production suites; these exist so
 * the protocol tests can check real signatures (no fakes) without depending on it yet.
 * - ECDSA: secp256k1 from @noble/curves, Keccak-256 from @noble/hashes, FISCO byte form r‖s‖v.
 * - SM: SM2 over @noble/curves' generic Weierstrass arithmetic with the GB/T 32918.5 curve,
 *   SM3 from node:crypto, Z_A with the default ID `1234567812345678` (reference/interop.md §1.2).
 */
import { createHash } from 'node:crypto'
import { ChainError, type CryptoSuite } from '@consortia/interface'
import { weierstrass } from '@noble/curves/abstract/weierstrass.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'

/** A suite that counts `recover` calls, so tests can assert that bad input never reached it. */
export type CountingSuite = CryptoSuite & { recoverCalls: number }

function fail(reason: string): never {
  throw new ChainError({ code: 'TEST_SUITE_BAD_SIGNATURE', reason }, reason)
}

function toBig(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}

function to32(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'))
}

const SECP_N = secp256k1.Point.Fn.ORDER

/** secp256k1 + Keccak-256 with FISCO's `r‖s‖v` (v = recovery id) signatures and low-s enforced. */
export function createTestECDSASuite(): CountingSuite {
  const suite: CountingSuite = {
    name: 'ecdsa',
    signatureBytes: 65,
    recoverCalls: 0,
    hash: (data) => keccak_256(data),
    sign(hash, privateKey) {
      const sig = secp256k1.sign(hash, privateKey, { prehash: false, format: 'recovered', lowS: true })
      // noble writes recovery‖r‖s; FISCO wants r‖s‖recovery.
      const out = new Uint8Array(65)
      out.set(sig.subarray(1), 0)
      out[64] = sig[0]!
      return out
    },
    verify(hash, signature, publicKey) {
      try {
        return Buffer.from(suite.recover(hash, signature)).equals(Buffer.from(publicKey))
      } catch {
        return false
      }
    },
    recover(hash, signature) {
      suite.recoverCalls++
      if (signature.length !== 65) fail(`expected 65-byte signature, got ${signature.length}`)
      const r = toBig(signature.subarray(0, 32))
      const s = toBig(signature.subarray(32, 64))
      const v = signature[64]!
      if (v > 1) fail(`recovery id ${v} is not 0 or 1`)
      if (r === 0n || r >= SECP_N || s === 0n || s >= SECP_N) fail('r or s out of range')
      if (s > SECP_N >> 1n) fail('high s')
      const nobleSig = new Uint8Array(65)
      nobleSig[0] = v
      nobleSig.set(signature.subarray(0, 64), 1)
      const point = secp256k1.Signature.fromBytes(nobleSig, 'recovered').recoverPublicKey(hash)
      return point.toBytes(false).subarray(1)
    },
    publicKey: (privateKey) => secp256k1.getPublicKey(privateKey, false).subarray(1),
    address: (publicKey) => keccak_256(publicKey).subarray(12),
    randomPrivateKey: () => secp256k1.utils.randomSecretKey(),
  }
  return suite
}

// GB/T 32918.5-2017 recommended curve parameters.
const SM2 = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  h: 1n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
}
const SM2Point = weierstrass(SM2)
const SM2_ID = Buffer.from('1234567812345678')

function sm3(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sm3')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m
  return r < 0n ? r + m : r
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m]
  let [oldS, s] = [1n, 0n]
  while (r !== 0n) {
    const q = oldR / r
    ;[oldR, r] = [r, oldR - q * r]
    ;[oldS, s] = [s, oldS - q * s]
  }
  return mod(oldS, m)
}

function smE(hash: Uint8Array, publicKey: Uint8Array): bigint {
  const za = sm3(
    Uint8Array.of(0x00, 0x80),
    SM2_ID,
    to32(SM2.a),
    to32(SM2.b),
    to32(SM2.Gx),
    to32(SM2.Gy),
    publicKey,
  )
  return toBig(sm3(za, hash))
}

/**
 * SM2 + SM3 with FISCO's `r‖s‖pub` signatures. `sign` takes k from `nextK` (a seeded source in
 * tests) so signatures are reproducible.
 */
export function createTestSMSuite(nextK: () => bigint): CountingSuite {
  const suite: CountingSuite = {
    name: 'sm',
    signatureBytes: 128,
    recoverCalls: 0,
    hash: (data) => sm3(data),
    sign(hash, privateKey) {
      const d = toBig(privateKey)
      const pub = suite.publicKey(privateKey)
      const e = smE(hash, pub)
      for (;;) {
        const k = mod(nextK(), SM2.n - 1n) + 1n
        const x1 = SM2Point.BASE.multiply(k).toAffine().x
        const r = mod(e + x1, SM2.n)
        if (r === 0n || r + k === SM2.n) continue
        const s = mod(modInverse(1n + d, SM2.n) * (k - r * d), SM2.n)
        if (s === 0n) continue
        const out = new Uint8Array(128)
        out.set(to32(r), 0)
        out.set(to32(s), 32)
        out.set(pub, 64)
        return out
      }
    },
    verify(hash, signature, publicKey) {
      if (signature.length !== 128) return false
      const r = toBig(signature.subarray(0, 32))
      const s = toBig(signature.subarray(32, 64))
      if (r === 0n || r >= SM2.n || s === 0n || s >= SM2.n) return false
      const t = mod(r + s, SM2.n)
      if (t === 0n) return false
      let P: InstanceType<typeof SM2Point>
      try {
        P = SM2Point.fromAffine({ x: toBig(publicKey.subarray(0, 32)), y: toBig(publicKey.subarray(32, 64)) })
        P.assertValidity()
      } catch {
        return false
      }
      const sum = SM2Point.BASE.multiply(s).add(P.multiply(t))
      if (sum.equals(SM2Point.ZERO)) return false
      return mod(smE(hash, publicKey) + sum.toAffine().x, SM2.n) === r
    },
    recover(hash, signature) {
      suite.recoverCalls++
      if (signature.length !== 128) fail(`expected 128-byte signature, got ${signature.length}`)
      const publicKey = signature.subarray(64, 128)
      if (!suite.verify(hash, signature, publicKey)) fail('SM2 signature does not verify')
      return publicKey
    },
    publicKey(privateKey) {
      const p = SM2Point.BASE.multiply(toBig(privateKey)).toAffine()
      const out = new Uint8Array(64)
      out.set(to32(p.x), 0)
      out.set(to32(p.y), 32)
      return out
    },
    address: (publicKey) => sm3(publicKey).subarray(12),
    randomPrivateKey: () => to32(mod(nextK(), SM2.n - 2n) + 1n),
  }
  return suite
}

/** A deterministic bigint source for SM2 nonces in tests (SplitMix64-style mixing, seeded). */
export function seededBigints(seed: number): () => bigint {
  let state = BigInt(seed)
  const mask = (1n << 64n) - 1n
  const next64 = (): bigint => {
    state = (state + 0x9e3779b97f4a7c15n) & mask
    let z = state
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask
    return z ^ (z >> 31n)
  }
  return () => (next64() << 192n) | (next64() << 128n) | (next64() << 64n) | next64()
}

/** Hex (with or without `0x`) to bytes. */
export function hex(value: string): Uint8Array {
  return Uint8Array.from(Buffer.from(value.startsWith('0x') ? value.slice(2) : value, 'hex'))
}

/** Bytes to `0x` hex. */
export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`
}
