import { createCipheriv, hkdfSync } from 'node:crypto'
import type { Bytes } from '@consortia/interface'
import { checkCipher, checkDataKey, type KvCipher } from './cipher.js'

/** Longest key an encrypted store accepts, in bytes (the key cipher runs 3 blocks per key byte). */
export const ENCRYPTED_KEY_BYTES_MAX = 1024

/**
 * Deterministic, prefix-preserving encryption of store keys (see {@link createKeyCipher}).
 * `encrypt` is a bijection on byte strings of each length: equal keys give equal ciphertexts,
 * and two keys share their first `n` bytes exactly when their ciphertexts do.
 */
export interface KeyCipher {
  readonly cipher: KvCipher
  /** The ciphertext of `key` (same length). Keys longer than {@link ENCRYPTED_KEY_BYTES_MAX} are the caller's to refuse. */
  encrypt(key: Bytes): Bytes
  /**
   * The inverse of {@link KeyCipher.encrypt}: one block-cipher call per key byte, so slower than
   * `encrypt`. The encrypted store never needs it (it keeps the plaintext key inside the sealed
   * value); it exists for tests and recovery tools.
   */
  decrypt(encrypted: Bytes): Bytes
}

const BLOCK_BYTES = 16
/** Blocks of the chain per key byte: two for the byte's flip tree, one that absorbs the byte. */
const BLOCKS_PER_BYTE = 3

/**
 * The key cipher of a store: a prefix-preserving permutation in the style of Crypto-PAn (Xu,
 * Fan, Ammar, Moon, "Prefix-preserving IP address anonymization", ICNP 2002), generalised from
 * 32-bit addresses to byte strings, with a keyed byte substitution in front.
 *
 * 1. Substitution: every byte goes through a secret permutation `π` of 0..255 (Fisher–Yates
 *    driven by HKDF output; the modulo bias of 32-bit draws is below 2⁻²⁴).
 * 2. Prefix-preserving flips: a CBC chain of AES-256 (SM4 on SM chains) under a key and IV
 *    derived from the data key runs over three position-tagged blocks per byte: `A_i = E(S_i ⊕
 *    ⟨a, i⟩)`, `B_i = E(A_i ⊕ ⟨b, i⟩)`, `S_{i+1} = E(B_i ⊕ ⟨c, i, π(key_i)⟩)`, so `A_i ‖ B_i` is
 *    a pseudo-random function of the bytes before `i`. Its 256 bits are a flip tree for byte `i`:
 *    bit `j` of `π(key_i)` is XORed with the bit of `A_i ‖ B_i` at node `2^j + (π(key_i) >> (8 −
 *    j))`, i.e. decided by the bits above it. Every input block is known in advance, so one CBC
 *    call of `3 × length` blocks encrypts a key.
 *
 * Leaks (the price of scanning by prefix): key lengths, equality of keys, and for two keys the
 * length of their common byte prefix, plus at which depth of the secret tree `π` their first
 * differing bytes split (so which values are "close" under `π`, not the values). Order is not
 * kept: within a prefix group ciphertexts are in pseudo-random order.
 */
export function createKeyCipher(dataKey: Bytes, salt: Bytes, cipher: KvCipher): KeyCipher {
  checkDataKey(dataKey)
  checkCipher(cipher)
  const digest = cipher === 'aes-256-gcm' ? 'sha256' : 'sm3'
  const algorithm = cipher === 'aes-256-gcm' ? 'aes-256-cbc' : 'sm4-cbc'
  const derive = (label: string, bytes: number): Buffer =>
    Buffer.from(hkdfSync(digest, dataKey, salt, `consortia/kv-level/v2/${cipher}/key/${label}`, bytes))
  const prfKey = derive('prf', cipher === 'aes-256-gcm' ? 32 : 16)
  const iv = derive('iv', BLOCK_BYTES)
  const draws = derive('substitution', 256 * 4)
  const sub = new Uint8Array(256).map((_, i) => i)
  for (let i = 255; i > 0; i--) {
    const j = draws.readUInt32BE(4 * i) % (i + 1)
    const t = sub[i]!
    sub[i] = sub[j]!
    sub[j] = t
  }
  const unsub = new Uint8Array(256)
  for (let i = 0; i < 256; i++) unsub[sub[i]!] = i

  /** Runs the chain over `input` (whole blocks) and returns every chain state. */
  const chain = (input: Buffer): Buffer => {
    const c = createCipheriv(algorithm, prfKey, iv)
    c.setAutoPadding(false)
    const out = c.update(input)
    c.final()
    return out
  }
  /** The chain input for substituted bytes `s[0..n)`, plus the two tree blocks of byte `n` when `withNext`. */
  const chainInput = (s: Uint8Array, n: number, withNext: boolean): Buffer => {
    const input = Buffer.alloc((n * BLOCKS_PER_BYTE + (withNext ? 2 : 0)) * BLOCK_BYTES)
    for (let i = 0; i <= n; i++) {
      const at = i * BLOCKS_PER_BYTE * BLOCK_BYTES
      if (i === n && !withNext) break
      input[at] = 0xa1
      input.writeUInt32BE(i, at + 1)
      input[at + BLOCK_BYTES] = 0xb2
      input.writeUInt32BE(i, at + BLOCK_BYTES + 1)
      if (i === n) break
      input[at + 2 * BLOCK_BYTES] = 0xc3
      input.writeUInt32BE(i, at + 2 * BLOCK_BYTES + 1)
      input[at + 2 * BLOCK_BYTES + 5] = s[i]!
    }
    return input
  }
  /** The flip of bit `j` (0 = most significant) of a byte whose bits above `j` are `byte`'s. */
  const flipBit = (states: Buffer, i: number, j: number, byte: number): number => {
    const node = (1 << j) + (byte >> (8 - j))
    const at = i * BLOCKS_PER_BYTE * BLOCK_BYTES + (node >> 3)
    return (states[at]! >> (node & 7)) & 1
  }

  return {
    cipher,
    encrypt(key) {
      const n = key.length
      const out = new Uint8Array(n)
      if (n === 0) return out
      const s = new Uint8Array(n)
      for (let i = 0; i < n; i++) s[i] = sub[key[i]!]!
      const states = chain(chainInput(s, n, false))
      for (let i = 0; i < n; i++) {
        const byte = s[i]!
        let flips = 0
        for (let j = 0; j < 8; j++) flips |= flipBit(states, i, j, byte) << (7 - j)
        out[i] = byte ^ flips
      }
      return out
    },
    decrypt(encrypted) {
      const n = encrypted.length
      const s = new Uint8Array(n)
      // Byte i's flips depend on the bytes before it: one chain run per byte.
      for (let i = 0; i < n; i++) {
        const states = chain(chainInput(s, i, true))
        let byte = 0
        for (let j = 0; j < 8; j++) {
          const bit = ((encrypted[i]! >> (7 - j)) & 1) ^ flipBit(states, i, j, byte)
          byte |= bit << (7 - j)
        }
        s[i] = byte
      }
      return s.map((b) => unsub[b]!)
    },
  }
}
