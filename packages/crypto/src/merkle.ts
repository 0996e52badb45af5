import type { Bytes, CryptoSuite, Hash32 } from '@consortia/interface'
import { bytesEqual, bytesToHex, concatBytes, expectBytes, hexToBytes } from './bytes.js'
import { cryptoError } from './errors.js'

/** Children per node of FISCO's transaction / receipt Merkle tree (libdevcore/TrieHash2.cpp). */
export const MERKLE_CHILDREN = 16
/** Most items one tree may hold (well above any block; bounds memory of one tree). */
export const MERKLE_ITEMS_MAX = 1 << 22
/** Most levels a proof may have: ⌈log16(MERKLE_ITEMS_MAX)⌉ levels plus the top one. */
export const MERKLE_PROOF_LEVELS_MAX = 7

/** A hash function, or a suite whose `hash` is used. */
export type MerkleHasher = ((data: Bytes) => Hash32) | Pick<CryptoSuite, 'hash'>

/** One level of a `…WithProof` proof: the siblings left and right of the running node. */
export type MerkleProofLevel = { left: Bytes[]; right: Bytes[] }
/** A proof from a leaf to the root; the last level is empty (root = Hash(final node)). */
export type MerkleProof = MerkleProofLevel[]
/** The JSON form FISCO returns in `txProof` / `receiptProof`: hex strings without `0x`. */
export type MerkleProofJSON = { left: string[]; right: string[] }[]

function hasherOf(h: MerkleHasher): (data: Bytes) => Hash32 {
  return typeof h === 'function' ? h : (data) => h.hash(data)
}

function checkIndex(index: number, label = 'index'): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw cryptoError('INVALID_ARGUMENT', `expected ${label} as a non-negative safe integer, got ${index}`, {
      field: label,
    })
  }
}

/** Canonical RLP of a non-negative integer: 0 → 0x80, 1..127 → one byte, else 0x80+len ‖ big-endian. */
export function rlpEncodeIndex(index: number): Bytes {
  checkIndex(index)
  if (index === 0) return Uint8Array.of(0x80)
  if (index < 0x80) return Uint8Array.of(index)
  const bytes: number[] = []
  for (let v = index; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256)
  return Uint8Array.from([0x80 + bytes.length, ...bytes])
}

/** Leaf `i` of the tree: rlp(i) ‖ itemHash (tx hash, or Hash(receipt RLP)). */
export function merkleLeaf(index: number, itemHash: Hash32): Bytes {
  expectBytes(itemHash, 32, 'item hash')
  return concatBytes(rlpEncodeIndex(index), itemHash)
}

/** A built tree: its root and a proof for any item, computed from levels kept in memory. */
export interface MerkleTree {
  readonly root: Hash32
  readonly size: number
  /** The `…WithProof` proof of item `index`; INVALID_PROOF when out of range. */
  proof(index: number): MerkleProof
}

/**
 * Build FISCO 2.2+'s 16-ary tree over `itemHashes`: leaves rlp(i) ‖ itemHash; every run of 16
 * nodes is replaced by Hash(concatenation) until one node is left; root = Hash(that node).
 * Zero items give Hash("").
 */
export function createMerkleTree(hasher: MerkleHasher, itemHashes: readonly Hash32[]): MerkleTree {
  const hash = hasherOf(hasher)
  if (itemHashes.length > MERKLE_ITEMS_MAX) {
    throw cryptoError(
      'INVALID_ARGUMENT',
      `Merkle tree over ${itemHashes.length} items; the limit is ${MERKLE_ITEMS_MAX}`,
      {
        field: 'itemHashes',
        limit: MERKLE_ITEMS_MAX,
      },
    )
  }
  const levels: Bytes[][] = [itemHashes.map((h, i) => merkleLeaf(i, h))]
  let current = levels[0]!
  while (current.length > 1) {
    const next: Bytes[] = []
    for (let i = 0; i < current.length; i += MERKLE_CHILDREN) {
      next.push(hash(concatBytes(...current.slice(i, i + MERKLE_CHILDREN))))
    }
    levels.push(next)
    current = next
  }
  const root = current.length === 0 ? hash(new Uint8Array(0)) : hash(current[0]!)
  return {
    root,
    size: itemHashes.length,
    proof(index) {
      checkIndex(index)
      if (index >= itemHashes.length) {
        throw cryptoError('INVALID_PROOF', `no item ${index} in a tree of ${itemHashes.length}`, {
          field: 'index',
          size: itemHashes.length,
        })
      }
      const proof: MerkleProof = []
      let position = index
      for (let l = 0; l < levels.length - 1; l++) {
        const nodes = levels[l]!
        const start = position - (position % MERKLE_CHILDREN)
        const end = Math.min(start + MERKLE_CHILDREN, nodes.length)
        proof.push({ left: nodes.slice(start, position), right: nodes.slice(position + 1, end) })
        position = Math.floor(position / MERKLE_CHILDREN)
      }
      proof.push({ left: [], right: [] })
      return proof
    },
  }
}

/** The transaction or receipt root of a block (see `createMerkleTree`). */
export function merkleRoot(hasher: MerkleHasher, itemHashes: readonly Hash32[]): Hash32 {
  return createMerkleTree(hasher, itemHashes).root
}

/** The proof for item `index` (see `createMerkleTree`; build the tree once for many proofs). */
export function merkleProof(hasher: MerkleHasher, itemHashes: readonly Hash32[], index: number): MerkleProof {
  return createMerkleTree(hasher, itemHashes).proof(index)
}

/**
 * True when `proof` leads from leaf (index, itemHash) to `root`. Also checks the shape: each
 * level's left count is the running node's position in its run of 16, at most 15 siblings a
 * level, at most `MERKLE_PROOF_LEVELS_MAX` levels, and an empty top level.
 */
export function verifyMerkleProof(
  hasher: MerkleHasher,
  root: Hash32,
  index: number,
  itemHash: Hash32,
  proof: MerkleProof,
): boolean {
  const hash = hasherOf(hasher)
  expectBytes(root, 32, 'root')
  if (!Array.isArray(proof) || proof.length === 0 || proof.length > MERKLE_PROOF_LEVELS_MAX) return false
  let node = merkleLeaf(index, itemHash)
  let position = index
  for (let l = 0; l < proof.length; l++) {
    const level = proof[l]!
    const last = l === proof.length - 1
    if (!Array.isArray(level.left) || !Array.isArray(level.right)) return false
    if (level.left.length + level.right.length >= MERKLE_CHILDREN) return false
    if (last) {
      if (level.left.length !== 0 || level.right.length !== 0 || position !== 0) return false
    } else if (level.left.length !== position % MERKLE_CHILDREN) {
      return false
    }
    for (const sibling of [...level.left, ...level.right]) {
      if (!(sibling instanceof Uint8Array) || sibling.length > 64) return false
    }
    node = hash(concatBytes(...level.left, node, ...level.right))
    position = Math.floor(position / MERKLE_CHILDREN)
  }
  return bytesEqual(node, root)
}

/** A proof in FISCO's JSON form (hex without `0x`). */
export function merkleProofToJSON(proof: MerkleProof): MerkleProofJSON {
  return proof.map((level) => ({ left: level.left.map(bytesToHex), right: level.right.map(bytesToHex) }))
}

/** Parse FISCO's JSON proof form (hex with or without `0x`); INVALID_PROOF when malformed. */
export function merkleProofFromJSON(json: unknown): MerkleProof {
  if (!Array.isArray(json) || json.length > MERKLE_PROOF_LEVELS_MAX) {
    throw cryptoError(
      'INVALID_PROOF',
      `expected a proof as an array of at most ${MERKLE_PROOF_LEVELS_MAX} levels`,
      {
        field: 'proof',
      },
    )
  }
  return json.map((level: unknown, i) => {
    const l = level as { left?: unknown; right?: unknown }
    if (typeof level !== 'object' || level === null || !Array.isArray(l.left) || !Array.isArray(l.right)) {
      throw cryptoError('INVALID_PROOF', `proof level ${i} lacks left[] / right[]`, {
        field: 'proof',
        level: i,
      })
    }
    if (l.left.length + l.right.length >= MERKLE_CHILDREN) {
      throw cryptoError('INVALID_PROOF', `proof level ${i} has more than 15 siblings`, {
        field: 'proof',
        level: i,
      })
    }
    const parse = (v: unknown): Bytes => {
      if (typeof v !== 'string' || v.length > 130) {
        throw cryptoError('INVALID_PROOF', `proof level ${i} has a sibling that is not short hex`, {
          field: 'proof',
          level: i,
        })
      }
      try {
        return hexToBytes(v)
      } catch (cause) {
        throw cryptoError(
          'INVALID_PROOF',
          `proof level ${i} has a sibling that is not hex`,
          { field: 'proof', level: i },
          { cause },
        )
      }
    }
    return { left: l.left.map(parse), right: l.right.map(parse) }
  })
}
