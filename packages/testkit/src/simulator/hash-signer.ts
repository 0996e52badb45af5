import type { Bytes, Hash32 } from '@consortia/interface'
import { createSeededRandom } from '../random.js'
import { fastHash, fastHashInto } from './fast-hash.js'

/** Length of a simulated signature in bytes. */
export const SIM_SIGNATURE_BYTES = 32

/** Signing and verifying for simulated sealers: sign(hash) = fastHash(secret ‖ hash). */
export interface SimSigner {
  /** The simulation's hash function (`fastHash`). */
  hash(data: Bytes): Hash32
  /** Sign `hash` as sealer `index`. */
  sign(index: number, hash: Hash32): Bytes
  /** True when `signature` over `hash` was made by sealer `index`. */
  verify(index: number, hash: Hash32, signature: Bytes): boolean
}

/**
 * A keyed-hash "signature scheme" for simulations: each sealer holds a secret drawn from
 * `seed`; only code that holds the secret (the node itself) can produce its signatures.
 * Not secure against a real adversary — byzantine behaviours in the simulator only use
 * their own index's secret, which is the property consensus tests need, at hash speed.
 */
export function createHashSigner(seed: number, nodeCount: number): SimSigner {
  if (!Number.isSafeInteger(nodeCount) || nodeCount < 1) {
    throw new RangeError(`expected nodeCount >= 1, got ${nodeCount}`)
  }
  const random = createSeededRandom(seed ^ 0x5157)
  const secrets = Array.from({ length: nodeCount }, () => random.bytes(16))
  const buffer = new Uint8Array(16 + 64)
  const scratch = new Uint8Array(SIM_SIGNATURE_BYTES)
  const signInto = (index: number, hash: Hash32, out: Uint8Array): Uint8Array => {
    const secret = secrets[index]
    if (secret === undefined)
      throw new RangeError(`expected a signer index in [0, ${nodeCount}), got ${index}`)
    if (hash.length > 64) throw new RangeError(`expected a hash of at most 64 bytes, got ${hash.length}`)
    buffer.set(secret, 0)
    buffer.set(hash, 16)
    return fastHashInto(buffer.subarray(0, 16 + hash.length), out)
  }
  return {
    hash: fastHash,
    sign: (index, hash) => signInto(index, hash, new Uint8Array(SIM_SIGNATURE_BYTES)),
    verify(index, hash, signature) {
      if (!Number.isSafeInteger(index) || index < 0 || index >= nodeCount) return false
      if (signature.length !== SIM_SIGNATURE_BYTES || hash.length > 64) return false
      const expected = signInto(index, hash, scratch)
      for (let i = 0; i < SIM_SIGNATURE_BYTES; i++) if (expected[i] !== signature[i]) return false
      return true
    },
  }
}
