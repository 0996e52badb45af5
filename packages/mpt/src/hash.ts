import { keccak256 as keccak } from '@consortia/crypto'
import { invalidInput } from './errors.js'

/** A 32-byte hash function: Keccak-256 on Ethereum-style chains, SM3 on guomi chains. */
export type HashFn = (data: Uint8Array) => Uint8Array

/** Keccak-256, the default hash of tries and keys (@consortia/crypto's: WebAssembly once loaded). */
export const keccak256: HashFn = (data) => keccak(data)

/** Checks once that `hash` yields 32 bytes, so roots and code hashes fit `Hash32`. */
export function checkHashFn(hash: HashFn): HashFn {
  const probe = hash(new Uint8Array())
  if (!(probe instanceof Uint8Array) || probe.length !== 32) {
    throw invalidInput(
      'hash',
      '32-byte digest',
      probe instanceof Uint8Array ? String(probe.length) : typeof probe,
    )
  }
  return hash
}
