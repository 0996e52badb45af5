import { isChainError } from '@consortia/interface'
import { sha256 } from '@noble/hashes/sha2.js'
import { expect } from 'vitest'
import type { RandomSource } from '../src/privacy/index.js'

/** Deterministic random source: SHA-256 in counter mode over a seed (tests only). */
export function seededRandom(seed: string): RandomSource {
  const seedBytes = new TextEncoder().encode(seed)
  let counter = 0
  return (length) => {
    const out = new Uint8Array(length)
    for (let offset = 0; offset < length; offset += 32) {
      const block = sha256(
        new Uint8Array([...seedBytes, ...new Uint8Array(new Uint32Array([counter++]).buffer)]),
      )
      out.set(block.subarray(0, Math.min(32, length - offset)), offset)
    }
    return out
  }
}

/** Expect `fn` to throw a ChainError with `code`. */
export function expectCode(fn: () => unknown, code: string): void {
  try {
    fn()
  } catch (err) {
    expect(isChainError(err, code), String(err)).toBe(true)
    return
  }
  throw new Error(`expected ChainError ${code}`)
}
