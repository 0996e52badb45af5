import type { Address, Bytes, CryptoSuite, Hash32, Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { bytesEqual, bytesToHex, concatBytes, expectAnyBytes, expectBytes } from './bytes.js'
import { cryptoError } from './errors.js'
import { LRUCache } from './lru.js'
import { createSM2, type SM2, type SM2VerifyBackendName } from './sm2.js'
import { SM2_P256 } from './sm2-curves.js'
import { sm3 } from './sm3.js'

/** Length of an SM2 signature in FISCO's r‖s‖pub form. */
export const SM2_SIGNATURE_BYTES = 128
/** Private keys whose public key the SM suite keeps, so signing needs one multiplication, not two. */
export const SM_SIGNER_CACHE_MAX = 64

/** Options of `createSMSuite`. */
export type SMSuiteInit = {
  /** SM2 verification backend: `auto` (default), `openssl` or `noble`. */
  verifyBackend?: 'auto' | SM2VerifyBackendName
  /** Size of the SM2 public-key cache. */
  publicKeyCacheMax?: number
  logger?: Logger
}

/** The FISCO guomi suite: SM2 signatures r‖s‖pub over SM3, ID `1234567812345678`. */
export interface SMSuite extends CryptoSuite {
  readonly name: 'sm'
  /** The SM2 instance (sm2p256v1) behind the suite. */
  readonly sm2: SM2
  /** The SM2 verification backend in use. */
  readonly backend: SM2VerifyBackendName
}

/**
 * A 63- or 64-byte SM2 public key as FISCO carries it in a transaction's `v`, left-padded to
 * 64 bytes (interop.md §6: some SDKs drop a leading zero byte of X). Other lengths are malformed.
 */
export function normalizeSM2PublicKey(v: Bytes): Bytes {
  expectAnyBytes(v, 'SM2 public key')
  if (v.length === 64) return v
  if (v.length === 63) return concatBytes(new Uint8Array(1), v)
  throw cryptoError(
    'INVALID_LENGTH',
    `expected 64-byte SM2 public key (or 63 with a dropped zero), got ${v.length}`,
    {
      field: 'publicKey',
      expected: 64,
      actual: v.length,
    },
  )
}

/**
 * Create the `sm` suite. `recover` verifies the signature against the key it carries (Z_A over
 * 32-byte coordinates, never a shortened variant) and returns that key.
 *
 * @example
 * ```ts
 * const suite = createSMSuite()
 * const key = suite.randomPrivateKey()
 * const h = suite.hash(new TextEncoder().encode('tx'))
 * suite.recover(h, suite.sign(h, key)) // = suite.publicKey(key)
 * ```
 */
export function createSMSuite(init: SMSuiteInit = {}): SMSuite {
  const logger = init.logger ?? silentLogger
  const sm2 = createSM2(SM2_P256, {
    verifyBackend: init.verifyBackend ?? 'auto',
    ...(init.publicKeyCacheMax !== undefined ? { publicKeyCacheMax: init.publicKeyCacheMax } : {}),
    logger,
  })
  const signers = new LRUCache<string, Bytes>(SM_SIGNER_CACHE_MAX)

  function publicKeyOf(privateKey: Bytes): Bytes {
    expectBytes(privateKey, 32, 'private key')
    const hex = bytesToHex(privateKey)
    let pub = signers.get(hex)
    if (pub === undefined) {
      pub = sm2.publicKey(privateKey)
      signers.set(hex, pub)
    }
    return pub
  }

  function split(signature: Bytes): { rs: Bytes; pub: Bytes } {
    expectBytes(signature, SM2_SIGNATURE_BYTES, 'signature')
    return { rs: signature.subarray(0, 64), pub: signature.subarray(64, 128) }
  }

  return {
    name: 'sm',
    signatureBytes: SM2_SIGNATURE_BYTES,
    sm2,
    backend: sm2.verifyBackend,
    hash(data: Bytes): Hash32 {
      return sm3(data)
    },
    sign(hash: Hash32, privateKey: Bytes): Bytes {
      expectBytes(hash, 32, 'hash')
      const pub = publicKeyOf(privateKey)
      return concatBytes(sm2.sign(hash, privateKey), pub)
    },
    verify(hash: Hash32, signature: Bytes, publicKey: Bytes): boolean {
      expectBytes(hash, 32, 'hash')
      expectBytes(publicKey, 64, 'public key')
      const { rs, pub } = split(signature)
      if (!bytesEqual(pub, publicKey)) return false
      return sm2.verify(hash, rs, publicKey)
    },
    recover(hash: Hash32, signature: Bytes): Bytes {
      expectBytes(hash, 32, 'hash')
      const { rs, pub } = split(signature)
      if (!sm2.isValidPublicKey(pub)) {
        throw cryptoError('INVALID_PUBLIC_KEY', 'the public key in the SM2 signature is not on sm2p256v1', {
          field: 'signature',
          part: 'pub',
        })
      }
      if (!sm2.verify(hash, rs, pub)) {
        throw cryptoError(
          'SIGNATURE_MISMATCH',
          'SM2 signature does not verify for the key it carries (standard Z_A, ID 1234567812345678)',
          { field: 'signature' },
        )
      }
      return pub.slice()
    },
    publicKey(privateKey: Bytes): Bytes {
      return publicKeyOf(privateKey).slice()
    },
    address(publicKey: Bytes): Address {
      expectBytes(publicKey, 64, 'public key')
      return sm3(publicKey).slice(12)
    },
    randomPrivateKey(): Bytes {
      return sm2.randomPrivateKey()
    },
  }
}
