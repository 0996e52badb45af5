import { isChainError } from '@consortia/interface'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { hexToBytes } from '../src/bytes.js'
import {
  BBS04_PARAM_INFO,
  bbs04Join,
  bbs04PublicKeyFromBytes,
  bbs04Setup,
  bbs04Sign,
  bbs04SignatureFromBytes,
  bbs04SignatureToHex,
  bbs04VerifyString,
  generatePaillierKeyPair,
  groupSigVerifyArgs,
  LSAG_PARAM_INFO,
  lsagSign,
  lsagVerifyString,
  PRIVACY_PRECOMPILED,
  PRIVACY_PRECOMPILED_CODES,
  paillierAddArgs,
  paillierAddHex,
  paillierDecryptHex,
  paillierEncrypt,
  paillierEncryptToHex,
  ringSigVerifyArgs,
} from '../src/privacy/index.js'
import { seededRandom } from './privacy-helpers.js'

describe('precompile inputs (SDK helpers for 0x5003, 0x5004, 0x5005)', () => {
  it('names FISCO’s addresses, signatures and codes', () => {
    expect(PRIVACY_PRECOMPILED.paillier).toEqual({
      address: 0x5003,
      signature: 'paillierAdd(string,string)',
      returns: 'string',
    })
    expect(PRIVACY_PRECOMPILED.groupSig.signature).toBe('groupSigVerify(string,string,string,string)')
    expect(PRIVACY_PRECOMPILED.ringSig.signature).toBe('ringSigVerify(string,string,string)')
    expect(PRIVACY_PRECOMPILED_CODES).toEqual({
      invalidCiphers: -51600,
      groupSigFailed: -51700,
      ringSigFailed: -51800,
    })
  })

  it('builds paillierAdd arguments from ciphertext objects or hex', () => {
    const { publicKey, privateKey } = generatePaillierKeyPair({ bits: 1024 })
    const random = seededRandom('inputs')
    const a = paillierEncrypt(publicKey, 4n, { random })
    const b = paillierEncryptToHex(publicKey, 6n, { random })
    const args = paillierAddArgs(a, b)
    expect(args[1]).toBe(b)
    expect(args[0]).toMatch(/^[0-9A-F]+$/)
    expect(paillierDecryptHex(privateKey, paillierAddHex(...args))).toBe(10n)
  })

  it('builds groupSigVerify and ringSigVerify arguments that the string verifiers accept', () => {
    const group = bbs04Setup({ random: seededRandom('g') })
    const member = bbs04Join(group.publicKey, group.issuerSecret, { random: seededRandom('m') })
    const signature = bbs04Sign(group.publicKey, member, 'hello', { random: seededRandom('s') })
    const [sig, message, gpk, param] = groupSigVerifyArgs(group.publicKey, 'hello', signature)
    expect([message, param]).toEqual(['hello', BBS04_PARAM_INFO])
    expect(bbs04SignatureToHex(bbs04SignatureFromBytes(hexToBytes(sig)))).toBe(sig)
    expect(bbs04SignatureToHex(signature)).toBe(sig)
    expect(bbs04PublicKeyFromBytes(hexToBytes(gpk)).u.equals(group.publicKey.u)).toBe(true)
    expect(bbs04VerifyString(sig, message, gpk, param)).toBe(true)

    const keys = [1, 2].map(() => secp256k1.utils.randomSecretKey())
    const ring = keys.map((k) => secp256k1.getPublicKey(k, true))
    const ringArgs = ringSigVerifyArgs('vote', lsagSign('vote', ring, keys[0]!))
    expect(ringArgs[1]).toBe('vote')
    expect(ringArgs[2]).toBe(LSAG_PARAM_INFO)
    expect(lsagVerifyString(...ringArgs)).toBe(true)
  })

  it('refuses a non-string message (the ABI type is string)', () => {
    const group = bbs04Setup({ random: seededRandom('g2') })
    const member = bbs04Join(group.publicKey, group.issuerSecret, { random: seededRandom('m2') })
    const signature = bbs04Sign(group.publicKey, member, new Uint8Array([1]), { random: seededRandom('s2') })
    expect(() =>
      groupSigVerifyArgs(group.publicKey, new Uint8Array([1]) as unknown as string, signature),
    ).toThrow(expect.objectContaining({ message: 'expected message as a string (the ABI type), got object' }))
    expect(() => ringSigVerifyArgs(7 as unknown as string, undefined as never)).toThrow(
      expect.toSatisfy((e: unknown) => isChainError(e, 'INVALID_ARGUMENT')),
    )
  })
})
