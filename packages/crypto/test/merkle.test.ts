import { isChainError } from '@consortia/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bytesToHex,
  concatBytes,
  createMerkleTree,
  hexToBytes,
  keccak256,
  MERKLE_PROOF_LEVELS_MAX,
  merkleLeaf,
  merkleProof,
  merkleProofFromJSON,
  merkleProofToJSON,
  merkleRoot,
  rlpEncodeIndex,
  sm3,
  verifyMerkleProof,
} from '../src/index.js'
import { BLOCK_VECTORS, RECEIPT_VECTOR, TX_PROOF_VECTOR } from './vectors.js'

/** Minimal RLP for building the doc receipt in the test (bytes and lists only). */
function rlpLength(n: number, offset: number): Uint8Array {
  if (n < 56) return Uint8Array.of(offset + n)
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256)
  return Uint8Array.from([offset + 55 + bytes.length, ...bytes])
}
const rlpBytes = (b: Uint8Array): Uint8Array =>
  b.length === 1 && b[0]! < 0x80 ? b : concatBytes(rlpLength(b.length, 0x80), b)
const rlpList = (items: Uint8Array[]): Uint8Array => {
  const body = concatBytes(...items)
  return concatBytes(rlpLength(body.length, 0xc0), body)
}

describe('16-ary Merkle (FISCO 2.2+)', () => {
  it('encodes the index as canonical RLP', () => {
    expect(bytesToHex(rlpEncodeIndex(0))).toBe('80')
    expect(bytesToHex(rlpEncodeIndex(1))).toBe('01')
    expect(bytesToHex(rlpEncodeIndex(127))).toBe('7f')
    expect(bytesToHex(rlpEncodeIndex(128))).toBe('8180')
    expect(bytesToHex(rlpEncodeIndex(256))).toBe('820100')
    expect(bytesToHex(rlpEncodeIndex(0x32))).toBe('32')
    expect(() => rlpEncodeIndex(-1)).toThrow()
  })

  it('reproduces the documented transactionsRoot = Hash(0x80 ‖ txHash)', () => {
    const block = BLOCK_VECTORS.find((b) => b.method === 'getBlockByHash')!
    const txHash = hexToBytes('0x3961fac263d8e640b148ddcfafd71d2069e93a006abc937c32fb16cfa96e661d')
    expect(`0x${bytesToHex(merkleRoot(keccak256, [txHash]))}`).toBe(block.transactionsRoot)
    expect(bytesToHex(merkleRoot(keccak256, [txHash]))).toBe(
      bytesToHex(keccak256(concatBytes(Uint8Array.of(0x80), txHash))),
    )
  })

  it('reproduces the documented receiptsRoot from the doc receipt (pre-2.9 layout)', () => {
    const r = RECEIPT_VECTOR.receipt
    const receiptRlp = rlpList([
      rlpBytes(new Uint8Array(32)),
      rlpBytes(hexToBytes(r.gasUsed.slice(2).padStart(4, '0'))),
      rlpBytes(hexToBytes(r.contractAddress)),
      rlpBytes(new Uint8Array(256)),
      rlpBytes(hexToBytes(r.status.slice(2).padStart(2, '0'))),
      rlpBytes(hexToBytes(r.output)),
      rlpList([]),
    ])
    expect(`0x${bytesToHex(merkleRoot(keccak256, [keccak256(receiptRlp)]))}`).toBe(RECEIPT_VECTOR.receiptRoot)
  })

  it('gives Hash("") for zero items and Hash(leaf0) for one', () => {
    expect(bytesToHex(merkleRoot(sm3, []))).toBe(bytesToHex(sm3(new Uint8Array(0))))
    const h = sm3(Uint8Array.of(1))
    expect(bytesToHex(merkleRoot(sm3, [h]))).toBe(bytesToHex(sm3(merkleLeaf(0, h))))
    // 17 items: two runs of 16 and 1, hashed, then the final node hashed once more.
    const items = Array.from({ length: 17 }, (_, i) => sm3(Uint8Array.of(i)))
    const leaves = items.map((x, i) => merkleLeaf(i, x))
    const top = sm3(concatBytes(sm3(concatBytes(...leaves.slice(0, 16))), sm3(leaves[16]!)))
    expect(bytesToHex(merkleRoot(sm3, items))).toBe(bytesToHex(sm3(top)))
  })

  it('proofs verify for every index of random sizes 0..300, and a changed proof does not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.nat(), (size, pick) => {
        const items = Array.from({ length: size }, (_, i) =>
          keccak256(Uint8Array.of(i & 0xff, i >> 8, size & 0xff)),
        )
        const tree = createMerkleTree(keccak256, items)
        if (size === 0) {
          expect(() => tree.proof(0)).toThrow()
          return
        }
        const index = pick % size
        const proof = tree.proof(index)
        expect(proof.at(-1)).toEqual({ left: [], right: [] })
        expect(verifyMerkleProof(keccak256, tree.root, index, items[index]!, proof)).toBe(true)
        expect(verifyMerkleProof(keccak256, tree.root, index, keccak256(Uint8Array.of(9, 9, 9)), proof)).toBe(
          false,
        )
        if (size > 1) {
          expect(verifyMerkleProof(keccak256, tree.root, (index + 1) % size, items[index]!, proof)).toBe(
            false,
          )
          const level = proof[0]!
          const sibling = level.left[0] ?? level.right[0]!
          const changed = sibling.slice()
          changed[changed.length - 1]! ^= 1
          const bad = [
            {
              left: level.left.map((x) => (x === sibling ? changed : x)),
              right: level.right.map((x) => (x === sibling ? changed : x)),
            },
            ...proof.slice(1),
          ]
          expect(verifyMerkleProof(keccak256, tree.root, index, items[index]!, bad)).toBe(false)
        }
        const json = merkleProofToJSON(proof)
        expect(verifyMerkleProof(keccak256, tree.root, index, items[index]!, merkleProofFromJSON(json))).toBe(
          true,
        )
      }),
      { numRuns: 120, seed: 42 },
    )
  })

  it('builds proofs in the shape of the FISCO getTransactionByHashWithProof example', () => {
    // The doc proof (index 0x32) has 2 left + 13 right leaves, then 3 left + 2 right nodes, then the top.
    const index = Number(TX_PROOF_VECTOR.transactionIndex)
    const doc = merkleProofFromJSON(TX_PROOF_VECTOR.txProof)
    expect(doc.map((l) => [l.left.length, l.right.length])).toEqual([
      [2, 13],
      [3, 2],
      [0, 0],
    ])
    // Level-0 siblings are leaves rlp(i) ‖ hash: 0x30, 0x31 left of 0x32.
    expect(bytesToHex(doc[0]!.left[0]!).slice(0, 2)).toBe('30')
    const items = Array.from({ length: 96 }, (_, i) => keccak256(Uint8Array.of(i)))
    const ours = merkleProof(keccak256, items, index)
    expect(ours.map((l) => [l.left.length, l.right.length])).toEqual([
      [2, 13],
      [3, 2],
      [0, 0],
    ])
    expect(bytesToHex(ours[0]!.left[0]!)).toBe(bytesToHex(merkleLeaf(48, items[48]!)))
  })

  it('bounds proofs: too many levels or siblings are rejected', () => {
    const items = [keccak256(Uint8Array.of(1))]
    const tree = createMerkleTree(keccak256, items)
    const deep = Array.from({ length: MERKLE_PROOF_LEVELS_MAX + 1 }, () => ({ left: [], right: [] }))
    expect(verifyMerkleProof(keccak256, tree.root, 0, items[0]!, deep)).toBe(false)
    const wide = [
      { left: Array.from({ length: 16 }, () => new Uint8Array(32)), right: [] },
      { left: [], right: [] },
    ]
    expect(verifyMerkleProof(keccak256, tree.root, 0, items[0]!, wide)).toBe(false)
    try {
      merkleProofFromJSON(
        Array.from({ length: MERKLE_PROOF_LEVELS_MAX + 1 }, () => ({ left: [], right: [] })),
      )
      throw new Error('accepted')
    } catch (err) {
      expect(isChainError(err, 'INVALID_PROOF')).toBe(true)
    }
    expect(() => merkleProofFromJSON([{ left: ['zz'], right: [] }])).toThrow('not hex')
  })
})
