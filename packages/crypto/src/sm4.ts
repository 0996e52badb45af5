import { createCipheriv, createDecipheriv, getCiphers, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Bytes } from '@consortia/interface'
import { concatBytes, expectAnyBytes, expectBytes } from './bytes.js'
import { cryptoError } from './errors.js'
import { hmacSM3 } from './sm3.js'

/** SM4 block size in bytes. */
export const SM4_BLOCK_BYTES = 16
/** SM4 key size in bytes. */
export const SM4_KEY_BYTES = 16
/** Largest plaintext `sealSM4` accepts (1 GiB): one sealed blob is held in memory at once. */
export const SM4_SEAL_BYTES_MAX = 1 << 30

/** The S-box of GB/T 32907-2016 §6.2 (table values, row by row). */
const SBOX_HEX =
  'd690e9fecce13db716b614c228fb2c052b679a762abe04c3aa44132649860699' +
  '9c4250f491ef987a33540b43edcfac62e4b31ca9c908e89580df94fa758f3fa6' +
  '4707a7fcf37317ba83593c19e6854fa8686b81b27164da8bf8eb0f4b70569d35' +
  '1e240e5e6358d1a225227c3b01217887d40046579fd327524c3602e7a0c4c89e' +
  'eabf8ad240c738b5a3f7f2cef96115a1e0ae5da49b341a55ad933230f58cb1e3' +
  '1df6e22e8266ca60c02923ab0d534e6fd5db3745defd8e2f03ff6a726d6c5b51' +
  '8d1baf92bbddbc7f11d95c411f105ad80ac13188a5cd7bbd2d74d012b8e5b4b0' +
  '8969974a0c96777e65b9f109c56ec68418f07dec3adc4d2079ee5f3ed7cb3948'

const SBOX = new Uint8Array(256)
for (let i = 0; i < 256; i++) SBOX[i] = Number.parseInt(SBOX_HEX.slice(i * 2, i * 2 + 2), 16)

/** System parameter FK (GB/T 32907-2016 §7.3). */
const FK = [0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc]

/** Fixed parameters CK: byte j of CK_i is (4i + j)·7 mod 256 (§7.3). */
const CK = new Uint32Array(32)
for (let i = 0; i < 32; i++) {
  let w = 0
  for (let j = 0; j < 4; j++) w = (w << 8) | (((4 * i + j) * 7) & 0xff)
  CK[i] = w >>> 0
}

const rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0

function tau(a: number): number {
  return (
    ((SBOX[(a >>> 24) & 0xff]! << 24) |
      (SBOX[(a >>> 16) & 0xff]! << 16) |
      (SBOX[(a >>> 8) & 0xff]! << 8) |
      SBOX[a & 0xff]!) >>>
    0
  )
}

/** Round transform T = L∘τ, precomputed per input byte position for speed. */
const T_TABLE = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)]
for (let i = 0; i < 256; i++) {
  const b = SBOX[i]!
  const l = (x: number): number => (x ^ rotl(x, 2) ^ rotl(x, 10) ^ rotl(x, 18) ^ rotl(x, 24)) >>> 0
  T_TABLE[0]![i] = l(b << 24)
  T_TABLE[1]![i] = l(b << 16)
  T_TABLE[2]![i] = l(b << 8)
  T_TABLE[3]![i] = l(b)
}
const [T0, T1, T2, T3] = T_TABLE as [Uint32Array, Uint32Array, Uint32Array, Uint32Array]

function expandKey(key: Bytes): Uint32Array {
  const k = new Uint32Array(36)
  for (let i = 0; i < 4; i++) {
    const w = ((key[4 * i]! << 24) | (key[4 * i + 1]! << 16) | (key[4 * i + 2]! << 8) | key[4 * i + 3]!) >>> 0
    k[i] = (w ^ FK[i]!) >>> 0
  }
  const rk = new Uint32Array(32)
  for (let i = 0; i < 32; i++) {
    const b = tau((k[i + 1]! ^ k[i + 2]! ^ k[i + 3]! ^ CK[i]!) >>> 0)
    k[i + 4] = (k[i]! ^ b ^ rotl(b, 13) ^ rotl(b, 23)) >>> 0
    rk[i] = k[i + 4]!
  }
  return rk
}

function cryptBlock(rk: Uint32Array, input: Bytes, output: Uint8Array, decrypt: boolean): void {
  let x0 = ((input[0]! << 24) | (input[1]! << 16) | (input[2]! << 8) | input[3]!) >>> 0
  let x1 = ((input[4]! << 24) | (input[5]! << 16) | (input[6]! << 8) | input[7]!) >>> 0
  let x2 = ((input[8]! << 24) | (input[9]! << 16) | (input[10]! << 8) | input[11]!) >>> 0
  let x3 = ((input[12]! << 24) | (input[13]! << 16) | (input[14]! << 8) | input[15]!) >>> 0
  for (let i = 0; i < 32; i++) {
    const a = x1 ^ x2 ^ x3 ^ rk[decrypt ? 31 - i : i]!
    const t = T0[(a >>> 24) & 0xff]! ^ T1[(a >>> 16) & 0xff]! ^ T2[(a >>> 8) & 0xff]! ^ T3[a & 0xff]!
    const x4 = (x0 ^ t) >>> 0
    x0 = x1
    x1 = x2
    x2 = x3
    x3 = x4
  }
  const words = [x3, x2, x1, x0]
  for (let i = 0; i < 4; i++) {
    const w = words[i]!
    output[4 * i] = w >>> 24
    output[4 * i + 1] = (w >>> 16) & 0xff
    output[4 * i + 2] = (w >>> 8) & 0xff
    output[4 * i + 3] = w & 0xff
  }
}

/** An SM4 block cipher with its round keys expanded once. */
export interface SM4Cipher {
  /** Encrypt one 16-byte block. */
  encryptBlock(block: Bytes): Bytes
  /** Decrypt one 16-byte block. */
  decryptBlock(block: Bytes): Bytes
}

/**
 * SM4 (GB/T 32907-2016) block cipher in pure TypeScript, independent of the OpenSSL build.
 * Use the mode functions below for data longer than one block.
 */
export function createSM4(key: Bytes): SM4Cipher {
  expectBytes(key, SM4_KEY_BYTES, 'SM4 key')
  const rk = expandKey(key)
  return {
    encryptBlock(block) {
      expectBytes(block, SM4_BLOCK_BYTES, 'SM4 block')
      const out = new Uint8Array(16)
      cryptBlock(rk, block, out, false)
      return out
    },
    decryptBlock(block) {
      expectBytes(block, SM4_BLOCK_BYTES, 'SM4 block')
      const out = new Uint8Array(16)
      cryptBlock(rk, block, out, true)
      return out
    },
  }
}

let opensslSM4: boolean | undefined

/** True when Node's OpenSSL has the SM4 CBC and CTR modes (`crypto.getCiphers()`). */
export function isOpenSSLSM4Available(): boolean {
  if (opensslSM4 === undefined) {
    const ciphers = getCiphers()
    opensslSM4 = ciphers.includes('sm4-cbc') && ciphers.includes('sm4-ctr')
  }
  return opensslSM4
}

function requireOpenSSLSM4(): void {
  if (!isOpenSSLSM4Available()) {
    throw cryptoError('UNSUPPORTED', "this Node.js build's OpenSSL has no sm4-cbc / sm4-ctr", {
      field: 'sm4',
    })
  }
}

function toBytes(b: Buffer): Bytes {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** SM4-CBC encryption with PKCS#7 padding (OpenSSL). */
export function sm4CBCEncrypt(key: Bytes, iv: Bytes, plaintext: Bytes): Bytes {
  expectBytes(key, SM4_KEY_BYTES, 'SM4 key')
  expectBytes(iv, SM4_BLOCK_BYTES, 'SM4 IV')
  expectAnyBytes(plaintext, 'plaintext')
  requireOpenSSLSM4()
  const c = createCipheriv('sm4-cbc', key, iv)
  return toBytes(Buffer.concat([c.update(plaintext), c.final()]))
}

/** SM4-CBC decryption with PKCS#7 padding; bad padding throws INVALID_ARGUMENT. */
export function sm4CBCDecrypt(key: Bytes, iv: Bytes, ciphertext: Bytes): Bytes {
  expectBytes(key, SM4_KEY_BYTES, 'SM4 key')
  expectBytes(iv, SM4_BLOCK_BYTES, 'SM4 IV')
  expectAnyBytes(ciphertext, 'ciphertext')
  requireOpenSSLSM4()
  try {
    const d = createDecipheriv('sm4-cbc', key, iv)
    return toBytes(Buffer.concat([d.update(ciphertext), d.final()]))
  } catch (cause) {
    throw cryptoError(
      'INVALID_ARGUMENT',
      'SM4-CBC ciphertext has bad length or padding',
      { field: 'ciphertext' },
      { cause },
    )
  }
}

/** SM4-CTR keystream XOR (encryption and decryption are the same operation). */
export function sm4CTR(key: Bytes, iv: Bytes, data: Bytes): Bytes {
  expectBytes(key, SM4_KEY_BYTES, 'SM4 key')
  expectBytes(iv, SM4_BLOCK_BYTES, 'SM4 counter block')
  expectAnyBytes(data, 'data')
  requireOpenSSLSM4()
  const c = createCipheriv('sm4-ctr', key, iv)
  return toBytes(Buffer.concat([c.update(data), c.final()]))
}

const SEAL_TAG_BYTES = 32

function sealKeys(key: Bytes): { enc: Bytes; mac: Bytes } {
  expectBytes(key, SM4_KEY_BYTES, 'SM4 key')
  return {
    enc: hmacSM3(key, new TextEncoder().encode('consortia/sm4-seal/enc')).subarray(0, SM4_KEY_BYTES),
    mac: hmacSM3(key, new TextEncoder().encode('consortia/sm4-seal/mac')),
  }
}

/**
 * Authenticated encryption for data at rest with guomi primitives only: SM4-CTR then
 * HMAC-SM3 over (aad length ‖ aad ‖ nonce ‖ ciphertext), keys derived from `key` by HMAC-SM3.
 * Output: nonce(16) ‖ ciphertext ‖ tag(32). OpenSSL 3.0 has no SM4-GCM, hence CTR + HMAC.
 */
export function sealSM4(key: Bytes, plaintext: Bytes, aad: Bytes = new Uint8Array(0)): Bytes {
  expectAnyBytes(plaintext, 'plaintext')
  expectAnyBytes(aad, 'aad')
  if (plaintext.length > SM4_SEAL_BYTES_MAX) {
    throw cryptoError('INVALID_ARGUMENT', `plaintext longer than ${SM4_SEAL_BYTES_MAX} bytes`, {
      field: 'plaintext',
      limit: SM4_SEAL_BYTES_MAX,
    })
  }
  const { enc, mac } = sealKeys(key)
  const nonce = toBytes(randomBytes(SM4_BLOCK_BYTES))
  const ciphertext = sm4CTR(enc, nonce, plaintext)
  const tag = hmacSM3(mac, concatBytes(aadLength(aad), aad, nonce, ciphertext))
  return concatBytes(nonce, ciphertext, tag)
}

/** Reverse of `sealSM4`; a wrong key, aad or any changed byte throws SIGNATURE_MISMATCH. */
export function openSM4(key: Bytes, sealed: Bytes, aad: Bytes = new Uint8Array(0)): Bytes {
  expectAnyBytes(sealed, 'sealed')
  expectAnyBytes(aad, 'aad')
  if (sealed.length < SM4_BLOCK_BYTES + SEAL_TAG_BYTES) {
    throw cryptoError('INVALID_LENGTH', `expected sealed data of at least 48 bytes, got ${sealed.length}`, {
      field: 'sealed',
    })
  }
  const { enc, mac } = sealKeys(key)
  const nonce = sealed.subarray(0, SM4_BLOCK_BYTES)
  const ciphertext = sealed.subarray(SM4_BLOCK_BYTES, sealed.length - SEAL_TAG_BYTES)
  const tag = sealed.subarray(sealed.length - SEAL_TAG_BYTES)
  const expected = hmacSM3(mac, concatBytes(aadLength(aad), aad, nonce, ciphertext))
  if (!timingSafeEqual(expected, tag)) {
    throw cryptoError('SIGNATURE_MISMATCH', 'sealed data failed authentication', { field: 'sealed' })
  }
  return sm4CTR(enc, nonce, ciphertext)
}

function aadLength(aad: Bytes): Bytes {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(aad.length))
  return out
}
