import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto'
import type { Bytes } from '@consortia/interface'
import { describeValue, kvInvalidInput } from './errors.js'

/**
 * The authenticated ciphers data at rest can use:
 * - `aes-256-gcm` for ECDSA chains (FISCO uses AES-256 there),
 * - `sm4-ctr-hmac-sm3` for SM chains: SM4 in CTR mode, then HMAC-SM3 over the result
 *   (encrypt-then-MAC; Node 20's OpenSSL 3.0 has no SM4-GCM).
 */
export type KvCipher = 'aes-256-gcm' | 'sm4-ctr-hmac-sm3'

/** Every {@link KvCipher}, in a stable order (its index is the cipher's id byte in sealed files). */
export const KV_CIPHERS: readonly KvCipher[] = ['aes-256-gcm', 'sm4-ctr-hmac-sm3']

/** The cipher a chain of the given crypto suite uses for data at rest (FISCO: AES for ECDSA, SM4 for SM). */
export function kvCipherForSuite(suite: 'ecdsa' | 'sm'): KvCipher {
  return suite === 'sm' ? 'sm4-ctr-hmac-sm3' : 'aes-256-gcm'
}

/** Shortest accepted data key, in bytes (128 bits). */
export const DATA_KEY_BYTES_MIN = 16
/** Longest accepted data key, in bytes. */
export const DATA_KEY_BYTES_MAX = 1024
/** Bytes of the per-store (or per-file) random salt fed to HKDF. */
export const KV_SALT_BYTES = 16
/** Bytes of the key-check value that tells a wrong key from tampered data. */
export const KV_KEY_CHECK_BYTES = 16

const AES_NONCE_BYTES = 12
const AES_TAG_BYTES = 16
const SM4_IV_BYTES = 16
/** HMAC-SM3 truncated to 128 bits (NIST SP 800-107 §5.3.4 allows truncation to ≥ 64 bits). */
const SM4_TAG_BYTES = 16

/** Per-value overhead of each cipher, in bytes (nonce or IV plus tag). */
export const KV_CIPHER_OVERHEAD_BYTES: Readonly<Record<KvCipher, number>> = {
  'aes-256-gcm': AES_NONCE_BYTES + AES_TAG_BYTES,
  'sm4-ctr-hmac-sm3': SM4_IV_BYTES + SM4_TAG_BYTES,
}

/**
 * Keys derived from one data key and salt. Sealing picks a fresh random nonce (GCM: 96 bits)
 * or IV (CTR: 128 bits) per call. `aad` is authenticated, not stored: opening with other
 * `aad` fails, which binds a stored value to its key.
 */
export interface DataCipher {
  readonly cipher: KvCipher
  /** The key-check value of this data key and salt (compare with the stored one). */
  readonly keyCheck: Bytes
  /** `nonce ‖ ciphertext ‖ tag`. */
  seal(plaintext: Bytes, aad: Bytes): Bytes
  /** The plaintext, or `undefined` when authentication fails (wrong key, tampered, other aad). */
  open(sealed: Bytes, aad: Bytes): Bytes | undefined
}

/** Checks a data key: a Uint8Array of `DATA_KEY_BYTES_MIN`..`DATA_KEY_BYTES_MAX` bytes. */
export function checkDataKey(dataKey: unknown, field = 'dataKey'): asserts dataKey is Bytes {
  if (!(dataKey instanceof Uint8Array)) {
    throw kvInvalidInput(
      field,
      `a Uint8Array of at least ${DATA_KEY_BYTES_MIN} bytes`,
      describeValue(dataKey),
    )
  }
  if (dataKey.length < DATA_KEY_BYTES_MIN || dataKey.length > DATA_KEY_BYTES_MAX) {
    throw kvInvalidInput(
      field,
      `${DATA_KEY_BYTES_MIN}..${DATA_KEY_BYTES_MAX} bytes`,
      `${dataKey.length} bytes`,
    )
  }
}

/** Checks a cipher name. */
export function checkCipher(cipher: unknown, field = 'cipher'): asserts cipher is KvCipher {
  if (!KV_CIPHERS.includes(cipher as KvCipher)) {
    throw kvInvalidInput(field, KV_CIPHERS.map((c) => `'${c}'`).join(' or '), describeValue(cipher))
  }
}

/** Bytes drawn from the CSPRNG at a time for nonces and IVs (one `randomBytes` call per pool). */
const RANDOM_POOL_BYTES = 4096
let randomPool = Buffer.alloc(0)
let randomPoolAt = 0

/**
 * `n` fresh CSPRNG bytes, cut from a pool that is replaced (never refilled in place) when used
 * up: each byte is handed out once, and one `randomBytes` call serves hundreds of nonces, which
 * matters because a call costs more than sealing a 100-byte value.
 */
function freshRandom(n: number): Buffer {
  if (randomPoolAt + n > randomPool.length) {
    randomPool = randomBytes(Math.max(RANDOM_POOL_BYTES, n))
    randomPoolAt = 0
  }
  const out = randomPool.subarray(randomPoolAt, randomPoolAt + n)
  randomPoolAt += n
  return out
}

const u32 = (n: number): Buffer => {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(n)
  return b
}

/**
 * Derives the cipher keys of `dataKey` under `salt` with HKDF (RFC 5869): HKDF-SHA-256 for
 * AES-256-GCM, HKDF-SM3 for SM4, with the cipher name in `info` so one data key never gives the
 * same key bytes to two ciphers. FISCO uses `Hash(dataKey)` directly; a salted KDF keeps two
 * stores under one data key from sharing keys.
 */
export function createDataCipher(dataKey: Bytes, salt: Bytes, cipher: KvCipher): DataCipher {
  checkDataKey(dataKey)
  checkCipher(cipher)
  const digest = cipher === 'aes-256-gcm' ? 'sha256' : 'sm3'
  const derive = (label: string, bytes: number): Buffer =>
    Buffer.from(hkdfSync(digest, dataKey, salt, `consortia/kv-level/v1/${cipher}/${label}`, bytes))
  const keyCheck = new Uint8Array(derive('key-check', KV_KEY_CHECK_BYTES))
  if (cipher === 'aes-256-gcm') {
    const key = derive('aead', 32)
    return {
      cipher,
      keyCheck,
      seal(plaintext, aad) {
        const nonce = freshRandom(AES_NONCE_BYTES)
        const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: AES_TAG_BYTES })
        c.setAAD(aad)
        const body = c.update(plaintext)
        c.final()
        return Buffer.concat([nonce, body, c.getAuthTag()])
      },
      open(sealed, aad) {
        if (sealed.length < AES_NONCE_BYTES + AES_TAG_BYTES) return undefined
        const nonce = sealed.subarray(0, AES_NONCE_BYTES)
        const tag = sealed.subarray(sealed.length - AES_TAG_BYTES)
        const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: AES_TAG_BYTES })
        d.setAAD(aad)
        d.setAuthTag(tag)
        const body = d.update(sealed.subarray(AES_NONCE_BYTES, sealed.length - AES_TAG_BYTES))
        try {
          d.final()
        } catch {
          return undefined
        }
        return body
      },
    }
  }
  const keys = derive('ctr-hmac', 16 + 32)
  const encKey = keys.subarray(0, 16)
  const macKey = keys.subarray(16)
  const mac = (aad: Bytes, ivAndBody: Bytes): Buffer =>
    createHmac('sm3', macKey)
      .update(u32(aad.length))
      .update(aad)
      .update(ivAndBody)
      .digest()
      .subarray(0, SM4_TAG_BYTES)
  return {
    cipher,
    keyCheck,
    seal(plaintext, aad) {
      const iv = freshRandom(SM4_IV_BYTES)
      const c = createCipheriv('sm4-ctr', encKey, iv)
      const ivAndBody = Buffer.concat([iv, c.update(plaintext), c.final()])
      return Buffer.concat([ivAndBody, mac(aad, ivAndBody)])
    },
    open(sealed, aad) {
      if (sealed.length < SM4_IV_BYTES + SM4_TAG_BYTES) return undefined
      const ivAndBody = sealed.subarray(0, sealed.length - SM4_TAG_BYTES)
      const tag = sealed.subarray(sealed.length - SM4_TAG_BYTES)
      if (!timingSafeEqual(mac(aad, ivAndBody), tag)) return undefined
      const d = createDecipheriv('sm4-ctr', encKey, ivAndBody.subarray(0, SM4_IV_BYTES))
      return Buffer.concat([d.update(ivAndBody.subarray(SM4_IV_BYTES)), d.final()])
    },
  }
}

/** Constant-time comparison of two key-check values. */
export function keyCheckEquals(a: Bytes, b: Bytes): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Fresh random salt. */
export function randomSalt(): Bytes {
  return new Uint8Array(randomBytes(KV_SALT_BYTES))
}
