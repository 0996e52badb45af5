/**
 * The offline verifier's parts without a chain: its own Merkle climb against the trees
 * @consortia/crypto builds (the code the node's `…WithProof` RPCs use), fingerprints against
 * published digests, and the limits.
 */
import { createMerkleTree, keccak256, merkleProofToJSON } from '@consortia/crypto'
import { createAccount, createClient, createHttpTransport } from '@consortia/sdk'
import { describe, expect, it } from 'vitest'
import {
  DESCRIPTION_CHARS_MAX,
  EVIDENCE_FILE_BYTES_MAX,
  fingerprintOf,
  isEvidenceError,
  merkleRootOfProof,
  PROOF_JSON_BYTES_MAX,
  PROOF_LEVELS_MAX,
  parseEvidenceProof,
  registerEvidence,
  SIGNATURES_MAX,
} from '../src/index.js'

const item = (i: number) => keccak256(Uint8Array.of(i & 255, i >> 8))

describe('Merkle proofs', () => {
  it.each([1, 2, 15, 16, 17, 255, 256, 300])('climbs every proof of a %i-item tree to its root', (n) => {
    const items = Array.from({ length: n }, (_, i) => item(i))
    const tree = createMerkleTree(keccak256, items)
    for (const i of new Set([0, 1, n >> 1, n - 1].filter((x) => x < n))) {
      const root = merkleRootOfProof(keccak256, i, items[i]!, merkleProofToJSON(tree.proof(i)))
      expect(Buffer.from(root as Uint8Array).toString('hex')).toBe(Buffer.from(tree.root).toString('hex'))
      // Another item or another position does not lead there.
      const wrongItem = merkleRootOfProof(keccak256, i, item(n + 1), merkleProofToJSON(tree.proof(i)))
      expect(Buffer.from(wrongItem as Uint8Array).equals(Buffer.from(tree.root))).toBe(false)
    }
  })

  it('rejects malformed proofs with the reason', () => {
    const items = Array.from({ length: 20 }, (_, i) => item(i))
    const proof = merkleProofToJSON(createMerkleTree(keccak256, items).proof(3))
    expect(merkleRootOfProof(keccak256, 4, items[3]!, proof)).toBe('level 0 puts the node at 3, expected 4')
    expect(merkleRootOfProof(keccak256, 3, items[3]!, [])).toBe(`expected 1 to ${PROOF_LEVELS_MAX} levels`)
    expect(
      merkleRootOfProof(
        keccak256,
        0,
        items[0]!,
        Array.from({ length: PROOF_LEVELS_MAX + 1 }, () => ({ left: [], right: [] })),
      ),
    ).toBe(`expected 1 to ${PROOF_LEVELS_MAX} levels`)
    expect(
      merkleRootOfProof(keccak256, 3, items[3]!, [...proof.slice(0, -1), { left: [], right: ['00'] }]),
    ).toBe('the top level must be empty')
    expect(merkleRootOfProof(keccak256, 0, items[0]!, [{ left: [], right: Array(16).fill('00') }])).toBe(
      'level 0 has more than 15 siblings',
    )
  })
})

describe('fingerprints and limits', () => {
  it('fingerprints with the published digests', () => {
    // GB/T 32905-2016 Appendix A example 1: SM3("abc").
    expect(fingerprintOf(new TextEncoder().encode('abc'), 'sm3').digest).toBe(
      '0x66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    )
    // Keccak-256 of the empty string (the Ethereum yellow paper's KEC("")).
    expect(fingerprintOf(new Uint8Array(0)).digest).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
  })

  it('refuses a file over EVIDENCE_FILE_BYTES_MAX and a proof file over PROOF_JSON_BYTES_MAX', () => {
    const caught = (fn: () => unknown) => {
      try {
        fn()
      } catch (err) {
        return err
      }
      return undefined
    }
    expect(
      isEvidenceError(
        caught(() => fingerprintOf(new Uint8Array(EVIDENCE_FILE_BYTES_MAX + 1))),
        'EVIDENCE_LIMIT_REACHED',
      ),
    ).toBe(true)
    expect(fingerprintOf(new Uint8Array(1024)).algorithm).toBe('keccak256')
    expect(() => parseEvidenceProof(' '.repeat(PROOF_JSON_BYTES_MAX + 1))).toThrow(
      'proof file: expected at most',
    )
    expect(() => parseEvidenceProof('{"format":"other"}')).toThrow(
      'proof.format: expected "consortia-evidence-proof/1"',
    )
  })

  it('refuses more than SIGNATURES_MAX signatures and long descriptions before sending', async () => {
    // Nothing listens there: the checks must fail before any request.
    const client = createClient({
      transport: createHttpTransport({ url: 'http://127.0.0.1:9', retries: 0, timeoutMs: 500 }),
      account: createAccount('ecdsa', `0x${'01'.padStart(64, '0')}`),
    })
    const fp = fingerprintOf(new Uint8Array(1))
    const sig = `0x${'11'.repeat(65)}`
    const registry = `0x${'22'.repeat(20)}`
    await expect(
      registerEvidence(client, registry, fp, '', Array(SIGNATURES_MAX + 1).fill(sig)),
    ).rejects.toSatisfy((e) => isEvidenceError(e, 'EVIDENCE_LIMIT_REACHED'))
    await expect(
      registerEvidence(client, registry, fp, 'x'.repeat(DESCRIPTION_CHARS_MAX + 1), [sig]),
    ).rejects.toSatisfy((e) => isEvidenceError(e, 'EVIDENCE_LIMIT_REACHED'))
    await expect(registerEvidence(client, registry, fp, '', ['0x12'])).rejects.toThrow(
      'signatures[0]: expected 65-byte hex',
    )
  })
})
