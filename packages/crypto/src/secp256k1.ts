import { createRequire } from 'node:module'
import type { Bytes, Hash32 } from '@consortia/interface'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { concatBytes } from './bytes.js'

/** Which secp256k1 implementation a suite runs on. */
export type Secp256k1BackendName = 'noble' | 'native'

/**
 * The raw secp256k1 operations behind the `ecdsa` suite. Inputs are already checked by the
 * suite (lengths, r and s in range, low s, recovery id 0/1), so backends only compute.
 */
export interface Secp256k1Backend {
  readonly name: Secp256k1BackendName
  /** RFC 6979 deterministic, low-s signature as r‖s (64) plus the recovery id. */
  sign(hash: Hash32, privateKey: Bytes): { signature: Bytes; recoveryId: number }
  /** Verify r‖s against an uncompressed 65-byte public key (0x04‖X‖Y). */
  verify(hash: Hash32, signature: Bytes, publicKey65: Bytes): boolean
  /** The 65-byte uncompressed public key, or undefined when no key recovers. */
  recover(hash: Hash32, signature: Bytes, recoveryId: number): Bytes | undefined
  /** The 65-byte uncompressed public key of a private key. */
  publicKey(privateKey: Bytes): Bytes
}

/** The curve order n of secp256k1. */
export const SECP256K1_N = secp256k1.Point.CURVE().n

/** @noble/curves backend: pure JavaScript, always available. */
export const nobleSecp256k1: Secp256k1Backend = {
  name: 'noble',
  sign(hash, privateKey) {
    const rec = secp256k1.sign(hash, privateKey, { prehash: false, format: 'recovered', lowS: true })
    return { signature: rec.subarray(1, 65), recoveryId: rec[0]! }
  },
  verify(hash, signature, publicKey65) {
    return secp256k1.verify(signature, hash, publicKey65, { prehash: false, lowS: true, format: 'compact' })
  },
  recover(hash, signature, recoveryId) {
    try {
      const rec = secp256k1.recoverPublicKey(concatBytes(Uint8Array.of(recoveryId), signature), hash, {
        prehash: false,
      })
      return secp256k1.Point.fromBytes(rec).toBytes(false)
    } catch {
      return undefined
    }
  },
  publicKey(privateKey) {
    return secp256k1.getPublicKey(privateKey, false)
  },
}

/** The subset of the `secp256k1` package's native binding that we use. */
type NativeSecp256k1 = {
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number }
  ecdsaVerify(signature: Uint8Array, msg32: Uint8Array, publicKey: Uint8Array): boolean
  ecdsaRecover(signature: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array
}

let nativeLoaded: NativeSecp256k1 | null | undefined

/**
 * Load libsecp256k1 through the optional `secp256k1` package. We require its `bindings`
 * entry, not the package root: the root silently falls back to a slow JS implementation
 * when the addon does not load, and we want noble in that case instead.
 */
function loadNative(): NativeSecp256k1 | null {
  if (nativeLoaded !== undefined) return nativeLoaded
  try {
    const require = createRequire(import.meta.url)
    nativeLoaded = require('secp256k1/bindings') as NativeSecp256k1
  } catch {
    nativeLoaded = null
  }
  return nativeLoaded
}

/** The libsecp256k1 backend, or undefined when the native addon does not load here. */
export function loadNativeSecp256k1(): Secp256k1Backend | undefined {
  const lib = loadNative()
  if (lib === null) return undefined
  return {
    name: 'native',
    sign(hash, privateKey) {
      const { signature, recid } = lib.ecdsaSign(hash, privateKey)
      return { signature, recoveryId: recid }
    },
    verify(hash, signature, publicKey65) {
      try {
        return lib.ecdsaVerify(signature, hash, publicKey65)
      } catch {
        return false
      }
    },
    recover(hash, signature, recoveryId) {
      try {
        return lib.ecdsaRecover(signature, recoveryId, hash, false)
      } catch {
        return undefined
      }
    },
    publicKey(privateKey) {
      return lib.publicKeyCreate(privateKey, false)
    },
  }
}

/** True when the native libsecp256k1 backend loads in this process. */
export function isNativeSecp256k1Available(): boolean {
  return loadNative() !== null
}
