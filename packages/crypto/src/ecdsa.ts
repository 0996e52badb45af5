import type { Address, Bytes, CryptoSuite, Hash32, Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToBigInt, concatBytes, expectAnyBytes, expectBytes } from './bytes.js'
import { cryptoError } from './errors.js'
import { keccak256 } from './keccak.js'
import {
  loadNativeSecp256k1,
  nobleSecp256k1,
  SECP256K1_N,
  type Secp256k1Backend,
  type Secp256k1BackendName,
} from './secp256k1.js'

export {
  isNativeSecp256k1Available,
  loadNativeSecp256k1,
  nobleSecp256k1,
  SECP256K1_N,
  type Secp256k1Backend,
  type Secp256k1BackendName,
} from './secp256k1.js'

/** Options of `createECDSASuite`. */
export type ECDSASuiteInit = {
  /**
   * `auto` (default): native libsecp256k1 when the optional `secp256k1` package loads, else noble.
   * `native`: fail with UNSUPPORTED when the addon is missing. `noble`: always pure JS.
   */
  backend?: 'auto' | Secp256k1BackendName
  logger?: Logger
}

/** The FISCO standard suite: secp256k1 ECDSA over Keccak-256, signatures r‖s‖v with v = 0/1. */
export interface ECDSASuite extends CryptoSuite {
  readonly name: 'ecdsa'
  /** The secp256k1 implementation in use. */
  readonly backend: Secp256k1BackendName
}

/** Length of an ECDSA signature in FISCO's r‖s‖v form. */
export const ECDSA_SIGNATURE_BYTES = 65

const HALF_N = SECP256K1_N >> 1n

export {
  type KeccakBackendName,
  keccak256,
  keccak256Noble,
  keccakBackend,
  keccakLoadError,
  keccakReady,
} from './keccak.js'

/**
 * Check r, s and v of a 65-byte r‖s‖v signature the way FISCO's `isValid()` does:
 * 0 < r, s < n, s ≤ n/2 (low s), v ∈ {0, 1}. Throws INVALID_SIGNATURE with the reason.
 */
export function checkECDSASignature(signature: Bytes): { rs: Bytes; recoveryId: number } {
  expectBytes(signature, ECDSA_SIGNATURE_BYTES, 'signature')
  const r = bytesToBigInt(signature.subarray(0, 32))
  const s = bytesToBigInt(signature.subarray(32, 64))
  const v = signature[64]!
  if (r === 0n || r >= SECP256K1_N) {
    throw cryptoError('INVALID_SIGNATURE', 'signature r is outside [1, n-1]', {
      field: 'signature',
      part: 'r',
    })
  }
  if (s === 0n || s >= SECP256K1_N) {
    throw cryptoError('INVALID_SIGNATURE', 'signature s is outside [1, n-1]', {
      field: 'signature',
      part: 's',
    })
  }
  if (s > HALF_N) {
    throw cryptoError('INVALID_SIGNATURE', 'signature s is above n/2 (high-s signatures are rejected)', {
      field: 'signature',
      part: 's',
    })
  }
  if (v > 3) {
    throw cryptoError('INVALID_SIGNATURE', `signature recovery id must be 0 or 1, got ${v}`, {
      field: 'signature',
      part: 'v',
      v,
    })
  }
  if (v > 1) {
    throw cryptoError(
      'INVALID_SIGNATURE',
      `signature recovery id ${v} (r ≥ p − n) is not accepted by FISCO`,
      {
        field: 'signature',
        part: 'v',
        v,
      },
    )
  }
  return { rs: signature.subarray(0, 64), recoveryId: v }
}

function checkPrivateKey(privateKey: Bytes): void {
  expectBytes(privateKey, 32, 'private key')
  const d = bytesToBigInt(privateKey)
  if (d === 0n || d >= SECP256K1_N) {
    throw cryptoError('INVALID_PRIVATE_KEY', 'private key must be in [1, n-1]', { field: 'privateKey' })
  }
}

/** The 65-byte SEC1 form of a 64-byte X‖Y key, checked to lie on secp256k1. */
function toUncompressed(publicKey: Bytes): Bytes {
  expectBytes(publicKey, 64, 'public key')
  const sec1 = concatBytes(Uint8Array.of(4), publicKey)
  try {
    secp256k1.Point.fromBytes(sec1)
  } catch (cause) {
    throw cryptoError(
      'INVALID_PUBLIC_KEY',
      'public key is not a point on secp256k1',
      { field: 'publicKey' },
      { cause },
    )
  }
  return sec1
}

/**
 * Create the `ecdsa` suite. `verify` returns false for a well-formed signature that does not
 * verify or is out of range (high s included) and throws INVALID_LENGTH / INVALID_PUBLIC_KEY for
 * malformed input; `recover` throws typed errors for everything it rejects.
 *
 * @example
 * ```ts
 * const suite = createECDSASuite()
 * const key = suite.randomPrivateKey()
 * const sig = suite.sign(suite.hash(new TextEncoder().encode('hi')), key)
 * ```
 */
export function createECDSASuite(init: ECDSASuiteInit = {}): ECDSASuite {
  const logger = init.logger ?? silentLogger
  const wanted = init.backend ?? 'auto'
  let backend: Secp256k1Backend
  if (wanted === 'noble') {
    backend = nobleSecp256k1
  } else {
    const native = loadNativeSecp256k1()
    if (native === undefined && wanted === 'native') {
      throw cryptoError('UNSUPPORTED', 'the native secp256k1 backend does not load in this process', {
        field: 'backend',
      })
    }
    backend = native ?? nobleSecp256k1
  }
  logger.debug('ecdsa suite created', { backend: backend.name })

  return {
    name: 'ecdsa',
    signatureBytes: ECDSA_SIGNATURE_BYTES,
    backend: backend.name,
    hash(data: Bytes): Hash32 {
      expectAnyBytes(data, 'data')
      return keccak256(data)
    },
    sign(hash: Hash32, privateKey: Bytes): Bytes {
      expectBytes(hash, 32, 'hash')
      checkPrivateKey(privateKey)
      const { signature, recoveryId } = backend.sign(hash, privateKey)
      return concatBytes(signature, Uint8Array.of(recoveryId))
    },
    verify(hash: Hash32, signature: Bytes, publicKey: Bytes): boolean {
      expectBytes(hash, 32, 'hash')
      expectBytes(signature, ECDSA_SIGNATURE_BYTES, 'signature')
      const sec1 = toUncompressed(publicKey)
      let rs: Bytes
      try {
        rs = checkECDSASignature(signature).rs
      } catch {
        return false
      }
      return backend.verify(hash, rs, sec1)
    },
    recover(hash: Hash32, signature: Bytes): Bytes {
      expectBytes(hash, 32, 'hash')
      const { rs, recoveryId } = checkECDSASignature(signature)
      const pub = backend.recover(hash, rs, recoveryId)
      if (pub === undefined) {
        throw cryptoError('SIGNATURE_MISMATCH', 'no public key recovers from this signature and hash', {
          field: 'signature',
        })
      }
      return pub.slice(1)
    },
    publicKey(privateKey: Bytes): Bytes {
      checkPrivateKey(privateKey)
      return backend.publicKey(privateKey).slice(1)
    },
    address(publicKey: Bytes): Address {
      expectBytes(publicKey, 64, 'public key')
      return keccak256(publicKey).slice(12)
    },
    randomPrivateKey(): Bytes {
      return secp256k1.utils.randomSecretKey()
    },
  }
}
