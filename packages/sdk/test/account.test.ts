import { createCipheriv, scryptSync } from 'node:crypto'
import { keccak256 } from '@consortia/crypto'
import { describe, expect, it } from 'vitest'
import {
  accountFromKeystore,
  accountFromPEM,
  createAccount,
  isSDKError,
  keystoreCharsMax,
} from '../src/index.js'
import { HARDHAT_ADDRESS_0, HARDHAT_KEY_0 } from './vectors.js'

describe('accounts', () => {
  it('derives the address of a known key and round-trips PEM in both suites', () => {
    const a = createAccount('ecdsa', HARDHAT_KEY_0)
    expect(a.address).toBe(HARDHAT_ADDRESS_0)
    const back = accountFromPEM(a.toPEM())
    expect(back.address).toBe(a.address)
    expect(back.suite.name).toBe('ecdsa')
    const s = createAccount('sm')
    const sBack = accountFromPEM(s.toPEM())
    expect(sBack.suite.name).toBe('sm')
    expect(sBack.address).toBe(s.address)
    expect(() => accountFromPEM(s.toPEM(), 'ecdsa')).toThrow('pem: expected a secp256k1 key, got a sm2 key')
  })

  it('rejects keys of the wrong length with a labelled error', () => {
    expect(() => createAccount('ecdsa', '0x1234')).toThrow('privateKey: expected 32-byte hex, got 2 bytes')
  })

  it('decrypts a v3 keystore (scrypt, AES-128-CTR) and refuses a wrong password', () => {
    // Build the keystore with Node's primitives as the Web3 Secret Storage definition describes.
    const salt = Buffer.alloc(32, 7)
    const iv = Buffer.alloc(16, 9)
    const derived = scryptSync('secret', salt, 32, { N: 1024, r: 8, p: 1 })
    const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv)
    const ciphertext = Buffer.concat([
      cipher.update(Buffer.from(HARDHAT_KEY_0.slice(2), 'hex')),
      cipher.final(),
    ])
    const mac = Buffer.from(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext])))
    const json = JSON.stringify({
      version: 3,
      crypto: {
        cipher: 'aes-128-ctr',
        ciphertext: ciphertext.toString('hex'),
        cipherparams: { iv: iv.toString('hex') },
        kdf: 'scrypt',
        kdfparams: { dklen: 32, n: 1024, r: 8, p: 1, salt: salt.toString('hex') },
        mac: mac.toString('hex'),
      },
    })
    expect(accountFromKeystore(json, 'secret').address).toBe(HARDHAT_ADDRESS_0)
    try {
      accountFromKeystore(json, 'wrong')
      expect.unreachable()
    } catch (err) {
      expect(isSDKError(err, 'SDK_INVALID_INPUT')).toBe(true)
      expect((err as Error).message).toMatch(/MAC mismatch/)
    }
  })

  it('refuses a keystore whose scrypt cost is over keystoreScryptNMax', () => {
    const json = JSON.stringify({
      version: 3,
      crypto: {
        cipher: 'aes-128-ctr',
        ciphertext: '00',
        cipherparams: { iv: '00'.repeat(16) },
        kdf: 'scrypt',
        kdfparams: { dklen: 32, n: 1 << 20, r: 8, p: 1, salt: '00' },
        mac: '00'.repeat(32),
      },
    })
    expect(() => accountFromKeystore(json, 'x')).toThrow(/kdfparams.n/)
  })

  it(`refuses keystore text over keystoreCharsMax (${keystoreCharsMax})`, () => {
    expect(() => accountFromKeystore(' '.repeat(keystoreCharsMax + 1), 'x')).toThrow(
      /keystore: expected JSON of at most/,
    )
  })
})
