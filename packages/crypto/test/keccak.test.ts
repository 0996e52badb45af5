import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  bytesToHex,
  createECDSASuite,
  keccak256,
  keccak256Noble,
  keccakBackend,
  keccakLoadError,
  keccakReady,
} from '../src/index.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

// Keccak-256 digests as Ethereum computes them (the Keccak team's submission padding 0x01, not
// FIPS 202's 0x06): "" and "abc" are the values in the Ethereum Yellow Paper / ethereum/tests
// (`keccak256("")` is the empty-code hash of every account); the pangram's digest is the one
// Wikipedia's SHA-3 article lists for Keccak-256 and web3.js's `sha3` returns.
const VECTORS: [Uint8Array, string][] = [
  [utf8(''), 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'],
  [utf8('abc'), '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'],
  [
    utf8('The quick brown fox jumps over the lazy dog'),
    '4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15',
  ],
]

describe('keccak256', () => {
  beforeAll(async () => {
    expect(await keccakReady()).toBe('wasm')
  })

  it('uses the WebAssembly implementation once loaded', () => {
    expect(keccakBackend()).toBe('wasm')
    expect(keccakLoadError()).toBeUndefined()
  })

  it('matches the published Keccak-256 vectors with both implementations', () => {
    for (const [input, hex] of VECTORS) {
      expect(bytesToHex(keccak256(input))).toBe(hex)
      expect(bytesToHex(keccak256Noble(input))).toBe(hex)
    }
  })

  it('equals noble on random inputs of every length around the 136-byte rate', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 700 }), (data) => {
        expect(bytesToHex(keccak256(data))).toBe(bytesToHex(keccak256Noble(data)))
      }),
      { numRuns: 400, seed: 1406 },
    )
  })

  it('hashes inputs larger than the WebAssembly buffer, and subarrays with an offset', () => {
    const big = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff)
    expect(bytesToHex(keccak256(big))).toBe(bytesToHex(keccak256Noble(big)))
    const view = big.subarray(17, 17 + 300)
    expect(bytesToHex(keccak256(view))).toBe(bytesToHex(keccak256Noble(view)))
  })

  it('returns a fresh array each call (no view of WebAssembly memory)', () => {
    const a = keccak256(utf8('abc'))
    const b = keccak256(utf8(''))
    expect(bytesToHex(a)).toBe(VECTORS[1]![1])
    expect(bytesToHex(b)).toBe(VECTORS[0]![1])
    a.fill(0)
    expect(bytesToHex(keccak256(utf8('abc')))).toBe(VECTORS[1]![1])
  })

  it('rejects what is not bytes, as before', () => {
    expect(() => keccak256('abc' as unknown as Uint8Array)).toThrow()
    expect(() => createECDSASuite({ backend: 'noble' }).hash('abc' as unknown as Uint8Array)).toThrow()
  })

  it('is the hash of the ECDSA suite and its address derivation', () => {
    const suite = createECDSASuite({ backend: 'noble' })
    const data = utf8('consortia')
    expect(bytesToHex(suite.hash(data))).toBe(bytesToHex(keccak256Noble(data)))
    const pub = suite.publicKey(suite.randomPrivateKey())
    expect(bytesToHex(suite.address(pub))).toBe(bytesToHex(keccak256Noble(pub).slice(12)))
  })
})
