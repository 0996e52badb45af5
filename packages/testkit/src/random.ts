import type { Random } from '@consortia/interface'

/**
 * A seeded PRNG (xoshiro128**, Blackman & Vigna 2018) implementing the `Random` port.
 * The same seed gives the same sequence on every machine, so a failing run is
 * reproduced from its printed seed.
 */
export function createSeededRandom(seed: number): Random {
  // splitmix32 expands the seed into the 128-bit state; a zero state would be a fixed point.
  let x = seed >>> 0
  const next32 = () => {
    x = (x + 0x9e3779b9) >>> 0
    let z = x
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  let s0 = next32()
  let s1 = next32()
  let s2 = next32()
  let s3 = next32()
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0
    const t = (s1 << 9) >>> 0
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 11)
    s0 >>>= 0
    s1 >>>= 0
    s2 >>>= 0
    s3 >>>= 0
    return result
  }

  return {
    nextU32,
    nextInt(maxExclusive) {
      if (!Number.isInteger(maxExclusive) || maxExclusive <= 0 || maxExclusive > 2 ** 32) {
        throw new RangeError(`expected an integer bound in [1, 2^32], got ${maxExclusive}`)
      }
      // Rejection sampling removes modulo bias.
      const limit = 2 ** 32 - (2 ** 32 % maxExclusive)
      for (;;) {
        const v = nextU32()
        if (v < limit) return v % maxExclusive
      }
    },
    nextFloat() {
      return nextU32() / 2 ** 32
    },
    bytes(length) {
      const out = new Uint8Array(length)
      for (let i = 0; i < length; i += 4) {
        const v = nextU32()
        for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (v >>> (8 * j)) & 0xff
      }
      return out
    },
  }
}

function rotl(v: number, k: number): number {
  return ((v << k) | (v >>> (32 - k))) >>> 0
}
