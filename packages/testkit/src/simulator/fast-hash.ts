import type { Bytes, Hash32 } from '@consortia/interface'

/** Lane seeds of `fastHash` (the first 32 bits of the fractional parts of √2..√19). */
const LANE_SEEDS = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
] as const

function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * A fast, deterministic 32-byte hash for simulations (eight murmur3-style lanes).
 * NOT cryptographic: it stands in for Keccak/SM3 where only determinism and an
 * astronomically small accidental-collision rate matter, so the simulator reaches
 * thousands of blocks per second.
 */
export function fastHash(data: Bytes): Hash32 {
  return fastHashInto(data, new Uint8Array(32))
}

/** `fastHash` written into `out` (32 bytes), for callers that reuse a buffer. */
export function fastHashInto(data: Bytes, out: Uint8Array): Uint8Array {
  let h0 = LANE_SEEDS[0] ^ data.length
  let h1 = LANE_SEEDS[1]
  let h2 = LANE_SEEDS[2]
  let h3 = LANE_SEEDS[3]
  let h4 = LANE_SEEDS[4]
  let h5 = LANE_SEEDS[5]
  let h6 = LANE_SEEDS[6]
  let h7 = LANE_SEEDS[7]
  const len = data.length
  let i = 0
  for (; i + 4 <= len; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    // Each lane mixes the word differently, so lanes do not collide together.
    h0 = Math.imul(((h0 ^ k) << 13) | ((h0 ^ k) >>> 19), 5) + 0xe6546b64
    h1 = Math.imul(((h1 ^ (k + 0x9e3779b9)) << 11) | ((h1 ^ (k + 0x9e3779b9)) >>> 21), 9) + 0x7f4a7c15
    h2 = Math.imul(((h2 ^ (k * 3)) << 17) | ((h2 ^ (k * 3)) >>> 15), 7) + 0x85ebca6b
    h3 = Math.imul(((h3 ^ (k ^ h0)) << 7) | ((h3 ^ (k ^ h0)) >>> 25), 11) + 0xc2b2ae35
    h4 = Math.imul(((h4 ^ (k + h1)) << 19) | ((h4 ^ (k + h1)) >>> 13), 13) + 0x27d4eb2f
    h5 = Math.imul(((h5 ^ (k ^ 0x5bd1e995)) << 5) | ((h5 ^ (k ^ 0x5bd1e995)) >>> 27), 15) + 0x165667b1
    h6 = Math.imul(((h6 ^ (k + h2)) << 23) | ((h6 ^ (k + h2)) >>> 9), 17) + 0xd3a2646c
    h7 = Math.imul(((h7 ^ (k ^ h3)) << 3) | ((h7 ^ (k ^ h3)) >>> 29), 19) + 0xfd7046c5
  }
  let tail = 0
  for (let shift = 0; i < len; i++, shift += 8) tail |= data[i]! << shift
  tail = Math.imul(tail + 1, 0xcc9e2d51)
  h0 ^= tail
  h1 ^= Math.imul(tail, 3)
  h2 ^= Math.imul(tail, 5)
  h3 ^= Math.imul(tail, 7)
  h4 ^= Math.imul(tail, 11)
  h5 ^= Math.imul(tail, 13)
  h6 ^= Math.imul(tail, 17)
  h7 ^= Math.imul(tail, 19)
  // Cross the lanes before finalising so every output word depends on every lane.
  const x = (h0 ^ h1 ^ h2 ^ h3 ^ h4 ^ h5 ^ h6 ^ h7) >>> 0
  writeWord(out, 0, fmix(h0 + x))
  writeWord(out, 4, fmix(h1 ^ x))
  writeWord(out, 8, fmix(h2 + (x >>> 3)))
  writeWord(out, 12, fmix(h3 ^ (x << 5)))
  writeWord(out, 16, fmix(h4 + h0))
  writeWord(out, 20, fmix(h5 ^ h1))
  writeWord(out, 24, fmix(h6 + h2))
  writeWord(out, 28, fmix(h7 ^ h3))
  return out
}

function writeWord(out: Uint8Array, offset: number, v: number): void {
  out[offset] = v & 0xff
  out[offset + 1] = (v >>> 8) & 0xff
  out[offset + 2] = (v >>> 16) & 0xff
  out[offset + 3] = v >>> 24
}
