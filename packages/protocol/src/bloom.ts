import type { Bytes, Log } from '@consortia/interface'
import { describe, type HashFn } from './bytes.js'
import { invalidInput } from './errors.js'

/** Size of a logs bloom: 2048 bits. */
export const bloomBytes = 256

/** An empty (all-zero) 256-byte bloom. */
export function createBloom(): Uint8Array {
  return new Uint8Array(bloomBytes)
}

function checkBloom(bloom: Bytes): void {
  if (!(bloom instanceof Uint8Array) || bloom.length !== bloomBytes) {
    throw invalidInput('bloom', `${bloomBytes}-byte bloom`, describe(bloom))
  }
}

/**
 * The three bit positions of `value`: from `h = Hash(value)`, each of the byte pairs
 * (0,1), (2,3), (4,5) read big-endian and masked to 11 bits. Bit `i` lives in byte
 * `255 − ⌊i/8⌋`, bit `i mod 8` (Ethereum yellow paper M3:2048; FISCO `LogBloom::shiftBloom<3>`).
 */
function bloomBits(value: Bytes, hash: HashFn): [number, number, number] {
  const h = hash(value)
  return [((h[0]! << 8) | h[1]!) & 2047, ((h[2]! << 8) | h[3]!) & 2047, ((h[4]! << 8) | h[5]!) & 2047]
}

/** Sets the three bits of `value` in `bloom` (mutates `bloom`). */
export function bloomAdd(bloom: Uint8Array, value: Bytes, hash: HashFn): void {
  checkBloom(bloom)
  for (const bit of bloomBits(value, hash)) bloom[bloomBytes - 1 - (bit >> 3)]! |= 1 << (bit & 7)
}

/** True when all three bits of `value` are set: `value` may be in the set (false positives happen). */
export function bloomContains(bloom: Bytes, value: Bytes, hash: HashFn): boolean {
  checkBloom(bloom)
  for (const bit of bloomBits(value, hash)) {
    if ((bloom[bloomBytes - 1 - (bit >> 3)]! & (1 << (bit & 7))) === 0) return false
  }
  return true
}

/** ORs `source` into `target` (mutates `target`), e.g. receipt blooms into a block bloom. */
export function bloomMerge(target: Uint8Array, source: Bytes): void {
  checkBloom(target)
  checkBloom(source)
  for (let i = 0; i < bloomBytes; i++) target[i]! |= source[i]!
}

/** The bloom of a list of logs: the address and every topic of each log. */
export function logsBloom(logs: readonly Log[], hash: HashFn): Uint8Array {
  const bloom = createBloom()
  for (const log of logs) {
    bloomAdd(bloom, log.address, hash)
    for (const topic of log.topics) bloomAdd(bloom, topic, hash)
  }
  return bloom
}
