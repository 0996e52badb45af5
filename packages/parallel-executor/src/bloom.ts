import type { Bytes, Log } from '@consortia/interface'
import { executorError } from './errors.js'

/** Bytes in a logs bloom (2048 bits). */
export const BLOOM_BYTES = 256

/** Sets the three bloom bits of `hash` (Yellow Paper §4.3.1: low 11 bits of byte pairs 0-1, 2-3, 4-5). */
function addToBloom(bloom: Uint8Array, hash: Bytes): void {
  for (let i = 0; i < 6; i += 2) {
    const bit = (((hash[i] as number) << 8) | (hash[i + 1] as number)) & 2047
    const index = BLOOM_BYTES - 1 - (bit >> 3)
    bloom[index] = (bloom[index] as number) | (1 << (bit & 7))
  }
}

/**
 * The 256-byte bloom of `logs`: each log's address and topics, hashed with the chain hash
 * (Keccak-256, or SM3 on guomi chains as FISCO's LogBloom uses `crypto::Hash`).
 */
export function logsBloom(logs: readonly Log[], hash: (data: Bytes) => Bytes): Bytes {
  const bloom = newBloom()
  for (const log of logs) {
    addToBloom(bloom, hash(log.address))
    for (const topic of log.topics) addToBloom(bloom, hash(topic))
  }
  return bloom
}

/** Blooms carved from one zeroed buffer: an array buffer of its own per receipt costs far more. */
const BLOOMS_PER_SLAB = 256
let slab: ArrayBuffer | undefined
let slabUsed = BLOOMS_PER_SLAB

/**
 * A zeroed 256-byte bloom: a `Uint8Array` of its own bytes inside a buffer shared with other
 * blooms (mind `byteOffset` when reaching for `.buffer`).
 */
function newBloom(): Uint8Array {
  if (slabUsed === BLOOMS_PER_SLAB) {
    slab = new ArrayBuffer(BLOOMS_PER_SLAB * BLOOM_BYTES)
    slabUsed = 0
  }
  return new Uint8Array(slab as ArrayBuffer, BLOOM_BYTES * slabUsed++, BLOOM_BYTES)
}

/** ORs `other` into `bloom` (the block bloom is the union of its receipts' blooms). */
export function orBloom(bloom: Uint8Array, other: Bytes): void {
  for (let i = 0; i < BLOOM_BYTES; i++) bloom[i] = (bloom[i] as number) | (other[i] as number)
}

const keyDecoder = new TextDecoder('latin1')

/** Default bound on the inputs a `createBloomHasher` cache keeps. */
export const BLOOM_HASH_CACHE_MAX = 10_000

/**
 * The chain hash with a cache for bloom inputs: a block's logs repeat the same contract
 * addresses and event topics, so most of their hashes are known. Holds at most
 * `entriesMax` inputs (it starts over when full); the returned hashes must not be modified.
 */
export function createBloomHasher(
  hash: (data: Bytes) => Bytes,
  entriesMax = BLOOM_HASH_CACHE_MAX,
): (data: Bytes) => Bytes {
  if (!Number.isSafeInteger(entriesMax) || entriesMax < 1) {
    throw executorError('INVALID_ARGUMENT', `expected entriesMax ≥ 1, got ${entriesMax}`)
  }
  const cache = new Map<string, Bytes>()
  return (data) => {
    // windows-1252 decoding maps each byte to its own code point: a compact, unique key.
    const key = keyDecoder.decode(data)
    let h = cache.get(key)
    if (h === undefined) {
      if (cache.size >= entriesMax) cache.clear()
      h = hash(data)
      cache.set(key, h)
    }
    return h
  }
}
