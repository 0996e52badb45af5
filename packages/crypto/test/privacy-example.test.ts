import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import {
  bbs04Join,
  bbs04MemberId,
  bbs04Open,
  bbs04Setup,
  bbs04Sign,
  bbs04Verify,
  generatePaillierKeyPair,
  lsagLink,
  lsagSign,
  lsagVerify,
  paillierAddHex,
  paillierDecryptHex,
  paillierEncryptToHex,
  rangeProve,
  rangeVerify,
  schnorrProve,
  schnorrVerify,
} from '../src/privacy/index.js'

// The README's "Privacy" example, statement for statement.
describe('README privacy example', () => {
  it('runs', () => {
    // Paillier: FISCO hex ciphertexts, added as the 0x5003 precompile does.
    const { publicKey, privateKey } = generatePaillierKeyPair({ bits: 1024 })
    const sum = paillierAddHex(paillierEncryptToHex(publicKey, 20n), paillierEncryptToHex(publicKey, -5n))
    expect(paillierDecryptHex(privateKey, sum)).toBe(15n)

    // LSAG: sign for a ring, verify, link two signatures by the same member.
    const keys = [1, 2, 3].map(() => secp256k1.utils.randomSecretKey())
    const ring = keys.map((k) => secp256k1.getPublicKey(k, true))
    const vote = lsagSign('ballot 7: yes', ring, keys[1]!)
    expect(lsagVerify('ballot 7: yes', vote)).toBe(true)
    expect(lsagLink(vote, lsagSign('ballot 7: no', ring, keys[1]!))).toBe(true) // double vote

    // BBS04: the manager opens a member's anonymous signature.
    const group = bbs04Setup()
    const alice = bbs04Join(group.publicKey, group.issuerSecret)
    const signature = bbs04Sign(group.publicKey, alice, 'invoice 42')
    expect(bbs04Verify(group.publicKey, 'invoice 42', signature)).toBe(true)
    const signer = bbs04Open(group.publicKey, group.managerSecret, 'invoice 42', signature)
    expect(signer && bbs04MemberId(signer)).toBe(bbs04MemberId(alice.A))

    // Zero knowledge: knowledge of a key, and a committed value in [0, 2^32).
    const secret = secp256k1.utils.randomSecretKey()
    const proof = schnorrProve(secret, { context: 'chain 1' })
    expect(schnorrVerify(secp256k1.getPublicKey(secret, true), proof, { context: 'chain 1' })).toBe(true)
    const range = rangeProve(1_000n, 32)
    expect(rangeVerify(range.commitment, range.proof, 32)).toBe(true)
  })
})
