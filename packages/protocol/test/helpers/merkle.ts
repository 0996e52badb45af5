import type { Hash32 } from '@consortia/interface'

/**
 * FISCO's 16-ary Merkle root for exactly one item (reference/interop.md §1.4): the leaf is
 * `rlp(0) ‖ itemHash` = `0x80 ‖ itemHash` and the root of a single leaf is `Hash(leaf)`.
 * Test-only: the general Merkle module belongs to `@consortia/crypto`.
 */
export function singleLeafMerkleRoot(itemHash: Hash32, hash: (data: Uint8Array) => Hash32): Hash32 {
  const leaf = new Uint8Array(1 + itemHash.length)
  leaf[0] = 0x80
  leaf.set(itemHash, 1)
  return hash(leaf)
}
