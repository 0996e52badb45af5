import {
  type WeierstrassPoint,
  type WeierstrassPointCons,
  weierstrass,
} from '@noble/curves/abstract/weierstrass.js'
import { invalidInput } from './errors.js'

/** Largest message SM3 hashes here (the page hashes block hashes and Z values only). */
export const SM3_INPUT_BYTES_MAX = 1024 * 1024

const IV = [0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e]
const rotl = (x: number, n: number) => ((x << (n & 31)) | (x >>> (32 - (n & 31)))) >>> 0
const p0 = (x: number) => (x ^ rotl(x, 9) ^ rotl(x, 17)) >>> 0
const p1 = (x: number) => (x ^ rotl(x, 15) ^ rotl(x, 23)) >>> 0

/**
 * SM3 (GB/T 32905-2016) in plain TypeScript, so the browser bundle can check SM2 signatures
 * without Node's OpenSSL.
 */
export function sm3(data: Uint8Array): Uint8Array {
  if (data.length > SM3_INPUT_BYTES_MAX)
    throw invalidInput('sm3 input', `at most ${SM3_INPUT_BYTES_MAX} bytes`, `${data.length} bytes`)
  const bitLength = data.length * 8
  const padded = new Uint8Array((((data.length + 8) >> 6) + 1) << 6)
  padded.set(data)
  padded[data.length] = 0x80
  const view = new DataView(padded.buffer)
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32))
  view.setUint32(padded.length - 4, bitLength >>> 0)
  const v = IV.slice()
  const w = new Array<number>(68)
  const w1 = new Array<number>(64)
  for (let off = 0; off < padded.length; off += 64) {
    for (let j = 0; j < 16; j++) w[j] = view.getUint32(off + j * 4)
    for (let j = 16; j < 68; j++) {
      w[j] = (p1(w[j - 16]! ^ w[j - 9]! ^ rotl(w[j - 3]!, 15)) ^ rotl(w[j - 13]!, 7) ^ w[j - 6]!) >>> 0
    }
    for (let j = 0; j < 64; j++) w1[j] = (w[j]! ^ w[j + 4]!) >>> 0
    let [a, b, c, d, e, f, g, h] = v as [number, number, number, number, number, number, number, number]
    for (let j = 0; j < 64; j++) {
      const t = j < 16 ? 0x79cc4519 : 0x7a879d8a
      const ss1 = rotl((rotl(a, 12) + e + rotl(t, j % 32)) >>> 0, 7)
      const ss2 = (ss1 ^ rotl(a, 12)) >>> 0
      const ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c)
      const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g)
      const tt1 = (ff + d + ss2 + w1[j]!) >>> 0
      const tt2 = (gg + h + ss1 + w[j]!) >>> 0
      d = c
      c = rotl(b, 9)
      b = a
      a = tt1
      h = g
      g = rotl(f, 19)
      f = e
      e = p0(tt2)
    }
    const next = [a, b, c, d, e, f, g, h]
    for (let i = 0; i < 8; i++) v[i] = (v[i]! ^ next[i]!) >>> 0
  }
  const out = new Uint8Array(32)
  const outView = new DataView(out.buffer)
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, v[i]!)
  return out
}

/** sm2p256v1 (GB/T 32918.5-2017), the curve of FISCO guomi chains. */
const CURVE = {
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
}
let cached: WeierstrassPointCons<bigint> | undefined
const curvePoint = (): WeierstrassPointCons<bigint> => {
  cached ??= weierstrass({
    p: CURVE.p,
    n: CURVE.n,
    h: 1n,
    a: CURVE.a,
    b: CURVE.b,
    Gx: CURVE.Gx,
    Gy: CURVE.Gy,
  })
  return cached
}
/** The default SM2 user ID FISCO uses (`1234567812345678`). */
const DEFAULT_ID = new TextEncoder().encode('1234567812345678')

const toBig = (b: Uint8Array) => {
  let x = 0n
  for (const byte of b) x = (x << 8n) | BigInt(byte)
  return x
}
const word = (x: bigint) => {
  const out = new Uint8Array(32)
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return out
}

/**
 * Verifies an SM2 signature (r‖s, 64 bytes) of `message` (a 32-byte hash, signed as is with
 * Z_A of the default ID, as FISCO does) by the 64-byte public key X‖Y.
 */
export function sm2Verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64) throw invalidInput('signature', 'r‖s of 64 bytes', `${signature.length} bytes`)
  if (publicKey.length !== 64) throw invalidInput('publicKey', 'X‖Y of 64 bytes', `${publicKey.length} bytes`)
  const { n } = CURVE
  const r = toBig(signature.subarray(0, 32))
  const s = toBig(signature.subarray(32, 64))
  if (r === 0n || r >= n || s === 0n || s >= n) return false
  const point = curvePoint()
  let key: WeierstrassPoint<bigint>
  try {
    key = point.fromAffine({ x: toBig(publicKey.subarray(0, 32)), y: toBig(publicKey.subarray(32)) })
    key.assertValidity()
  } catch {
    return false
  }
  const entl = Uint8Array.of((DEFAULT_ID.length * 8) >> 8, (DEFAULT_ID.length * 8) & 0xff)
  const parts = [entl, DEFAULT_ID, word(CURVE.a), word(CURVE.b), word(CURVE.Gx), word(CURVE.Gy), publicKey]
  const zInput = new Uint8Array(parts.reduce((k, p) => k + p.length, 0))
  let off = 0
  for (const p of parts) {
    zInput.set(p, off)
    off += p.length
  }
  const z = sm3(zInput)
  const eInput = new Uint8Array(z.length + message.length)
  eInput.set(z)
  eInput.set(message, z.length)
  const e = toBig(sm3(eInput))
  const t = (r + s) % n
  if (t === 0n) return false
  const R = point.BASE.mulAddUnsafe(s, key, t)
  if (R.is0()) return false
  return (e + R.x) % n === r
}
