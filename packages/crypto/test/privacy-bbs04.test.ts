import { describe, expect, it } from 'vitest'
import { bytesToHex } from '../src/index.js'
import {
  BBS04_MESSAGE_BYTES_MAX,
  BBS04_ORDER,
  BBS04_PARAM_INFO,
  BBS04_PUBLIC_KEY_BYTES,
  BBS04_SIGNATURE_BYTES,
  type BBS04Signature,
  bbs04Join,
  bbs04MemberId,
  bbs04MemberKeyFromBytes,
  bbs04MemberKeyToBytes,
  bbs04Open,
  bbs04PublicKeyFromBytes,
  bbs04PublicKeyToBytes,
  bbs04Revoke,
  bbs04Setup,
  bbs04Sign,
  bbs04SignatureFromBytes,
  bbs04SignatureToBytes,
  bbs04UpdateMemberKey,
  bbs04Verify,
  bbs04VerifyMemberKey,
  bbs04VerifyString,
} from '../src/privacy/index.js'
import { expectCode, seededRandom } from './privacy-helpers.js'

// Pairings cost tens of milliseconds each in pure JS: one group, a few members, few signatures.
const random = seededRandom('bbs04 group')
const group = bbs04Setup({ random })
const gpk = group.publicKey
const members = [0, 1, 2].map(() => bbs04Join(gpk, group.issuerSecret, { random }))
const foreignGroup = bbs04Setup({ random: seededRandom('foreign group') })
const foreigner = bbs04Join(foreignGroup.publicKey, foreignGroup.issuerSecret, { random })
const message = 'pay 100 to carol'
const sig1 = bbs04Sign(gpk, members[1]!, message)

describe('BBS04 group signatures (Boneh–Boyen–Shacham 2004) on BLS12-381', () => {
  it('issues member keys that satisfy e(A, w·g₂^x) = e(g₁, g₂)', () => {
    for (const m of members) expect(bbs04VerifyMemberKey(gpk, m)).toBe(true)
    expect(bbs04VerifyMemberKey(gpk, foreigner)).toBe(false)
    expect(bbs04VerifyMemberKey(gpk, { A: members[0]!.A, x: members[1]!.x })).toBe(false)
  })

  it('verifies a member’s signature and rejects a changed message', () => {
    expect(bbs04Verify(gpk, message, sig1)).toBe(true)
    expect(bbs04Verify(gpk, 'pay 101 to carol', sig1)).toBe(false)
  })

  it('rejects tampered signatures', () => {
    const bump = (v: bigint): bigint => (v + 1n) % BBS04_ORDER
    const other = bbs04Sign(gpk, members[0]!, message)
    const tampered: [string, BBS04Signature][] = [
      ['c', { ...sig1, c: bump(sig1.c) }],
      ['s_x', { ...sig1, sX: bump(sig1.sX) }],
      ['s_δ₂', { ...sig1, sDelta2: bump(sig1.sDelta2) }],
      ['T₃ from another signature', { ...sig1, T3: other.T3 }],
      ['T₁ doubled', { ...sig1, T1: sig1.T1.double() }],
      ['scalar ≥ r', { ...sig1, sAlpha: sig1.sAlpha + BBS04_ORDER }],
    ]
    for (const [what, bad] of tampered) expect(bbs04Verify(gpk, message, bad), what).toBe(false)
  })

  it('rejects a signature by a foreign group’s member (foreign key)', () => {
    const foreignSig = bbs04Sign(gpk, foreigner, message)
    expect(bbs04Verify(gpk, message, foreignSig)).toBe(false)
    expect(bbs04Verify(foreignGroup.publicKey, message, sig1)).toBe(false)
  })

  it('opens a signature to the right member, and only with the right secret', () => {
    const sig2 = bbs04Sign(gpk, members[2]!, message)
    const ids = members.map((m) => bbs04MemberId(m.A))
    expect(ids.indexOf(bbs04MemberId(bbs04Open(gpk, group.managerSecret, message, sig1)!))).toBe(1)
    expect(ids.indexOf(bbs04MemberId(bbs04Open(gpk, group.managerSecret, message, sig2)!))).toBe(2)
    expect(bbs04Open(gpk, group.managerSecret, 'other', sig2)).toBeUndefined()
    expectCode(() => bbs04Open(gpk, foreignGroup.managerSecret, message, sig2), 'KEY_MISMATCH')
    expectCode(() => bbs04Join(gpk, foreignGroup.issuerSecret), 'KEY_MISMATCH')
  })

  it('revokes a member (BBS04 §7): others update and keep signing, the revoked key fails', () => {
    const { publicKey: gpk2, revocation } = bbs04Revoke(gpk, group.issuerSecret, members[2]!)
    expectCode(() => bbs04UpdateMemberKey(members[2]!, revocation), 'MEMBER_REVOKED')
    const updated = bbs04UpdateMemberKey(members[0]!, revocation)
    expect(bbs04VerifyMemberKey(gpk2, updated)).toBe(true)
    const fresh = bbs04Sign(gpk2, updated, message)
    expect(bbs04Verify(gpk2, message, fresh)).toBe(true)
    expect(bbs04MemberId(bbs04Open(gpk2, group.managerSecret, message, fresh)!)).toBe(
      bbs04MemberId(updated.A),
    )
    // The revoked member's key no longer satisfies the new gpk, so its signatures fail.
    expect(bbs04VerifyMemberKey(gpk2, members[2]!)).toBe(false)
    expect(bbs04Verify(gpk2, message, bbs04Sign(gpk2, members[2]!, message))).toBe(false)
    // Signatures are bound to the gpk they were made under.
    expect(bbs04Verify(gpk2, message, sig1)).toBe(false)
    expectCode(() => bbs04Revoke(gpk, group.issuerSecret, foreigner), 'INVALID_ARGUMENT')
  })

  it('round-trips byte encodings and answers the FISCO-shaped groupSigVerify call', () => {
    const gpkBytes = bbs04PublicKeyToBytes(gpk)
    const sigBytes = bbs04SignatureToBytes(sig1)
    expect(gpkBytes.length).toBe(BBS04_PUBLIC_KEY_BYTES)
    expect(sigBytes.length).toBe(BBS04_SIGNATURE_BYTES)
    expect(bytesToHex(bbs04PublicKeyToBytes(bbs04PublicKeyFromBytes(gpkBytes)))).toBe(bytesToHex(gpkBytes))
    expect(bytesToHex(bbs04SignatureToBytes(bbs04SignatureFromBytes(sigBytes)))).toBe(bytesToHex(sigBytes))
    const keyBytes = bbs04MemberKeyToBytes(members[0]!)
    expect(bbs04VerifyMemberKey(gpk, bbs04MemberKeyFromBytes(keyBytes))).toBe(true)
    expect(bbs04VerifyString(bytesToHex(sigBytes), message, bytesToHex(gpkBytes), BBS04_PARAM_INFO)).toBe(
      true,
    )
    expect(bbs04VerifyString(bytesToHex(sigBytes), 'changed', bytesToHex(gpkBytes))).toBe(false)
  })

  it('throws typed errors for malformed input', () => {
    const sigBytes = bbs04SignatureToBytes(sig1)
    const gpkHex = bytesToHex(bbs04PublicKeyToBytes(gpk))
    expectCode(() => bbs04SignatureFromBytes(sigBytes.subarray(1)), 'INVALID_LENGTH')
    const offCurve = sigBytes.slice()
    offCurve[5] = (offCurve[5]! + 1) & 0xff // T₁'s x coordinate changes: almost surely off the curve
    const notPoint = (() => {
      try {
        bbs04SignatureFromBytes(offCurve)
        return false
      } catch {
        return true
      }
    })()
    expect(notPoint).toBe(true)
    const badScalar = sigBytes.slice()
    badScalar.fill(0xff, 144, 176) // c ≥ r
    expectCode(() => bbs04SignatureFromBytes(badScalar), 'INVALID_SIGNATURE')
    const identity = sigBytes.slice()
    identity.fill(0, 0, 48)
    identity[0] = 0xc0 // compressed point at infinity
    expectCode(() => bbs04SignatureFromBytes(identity), 'INVALID_SIGNATURE')
    expectCode(
      () => bbs04VerifyString(bytesToHex(sigBytes), message, gpkHex, '{"curve":"bn254"}'),
      'UNSUPPORTED',
    )
    expectCode(() => bbs04VerifyString(bytesToHex(sigBytes), message, gpkHex.slice(2)), 'INVALID_LENGTH')
    expectCode(() => bbs04VerifyString('zz', message, gpkHex), 'INVALID_ARGUMENT')
  })

  it(`refuses messages above BBS04_MESSAGE_BYTES_MAX (${BBS04_MESSAGE_BYTES_MAX} bytes)`, () => {
    const huge = new Uint8Array(BBS04_MESSAGE_BYTES_MAX + 1)
    expectCode(() => bbs04Verify(gpk, huge, sig1), 'LIMIT_EXCEEDED')
    expectCode(() => bbs04Sign(gpk, members[0]!, huge), 'LIMIT_EXCEEDED')
  })
})
