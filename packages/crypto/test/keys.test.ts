import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { isChainError } from '@consortia/interface'
import { describe, expect, it } from 'vitest'
import {
  bytesToHex,
  createECDSASuite,
  createSMSuite,
  generateKeyPair,
  type KeyCurve,
  nodeIdFromHex,
  nodeKeyFilesFromPrivateKey,
  PEM_CHARS_MAX,
  privateKeyFromPEM,
  privateKeyToPEM,
  publicKeyFromPEM,
  publicKeyToPEM,
  readNodeKeyFiles,
} from '../src/index.js'

const curves: [KeyCurve, string][] = [
  ['secp256k1', 'secp256k1'],
  ['sm2', 'SM2'],
]

function rawPublicKey(spkiDer: Buffer): string {
  return spkiDer.subarray(spkiDer.length - 64).toString('hex')
}

describe('key files', () => {
  for (const [curve, opensslName] of curves) {
    it(`${curve}: PKCS#8, SEC1 and SPKI round-trip and are read by OpenSSL`, () => {
      const pair = generateKeyPair(curve)
      for (const format of ['pkcs8', 'sec1'] as const) {
        const pem = privateKeyToPEM(curve, pair.privateKey, format)
        expect(pem).toContain(format === 'pkcs8' ? 'BEGIN PRIVATE KEY' : 'BEGIN EC PRIVATE KEY')
        const back = privateKeyFromPEM(pem)
        expect(back.curve).toBe(curve)
        expect(bytesToHex(back.privateKey)).toBe(bytesToHex(pair.privateKey))
        const ossl = createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' })
        expect(rawPublicKey(ossl)).toBe(bytesToHex(pair.publicKey))
      }
      const spki = publicKeyToPEM(curve, pair.publicKey)
      expect(rawPublicKey(createPublicKey(spki).export({ type: 'spki', format: 'der' }))).toBe(
        bytesToHex(pair.publicKey),
      )
      expect(bytesToHex(publicKeyFromPEM(spki).publicKey)).toBe(bytesToHex(pair.publicKey))
    })

    it(`${curve}: reads keys OpenSSL generated (PKCS#8 and SEC1)`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: opensslName })
      const expected = rawPublicKey(publicKey.export({ type: 'spki', format: 'der' }))
      for (const type of ['pkcs8', 'sec1'] as const) {
        const pem = privateKey.export({ type, format: 'pem' }).toString()
        const pair = privateKeyFromPEM(pem)
        expect(pair.curve).toBe(curve)
        expect(bytesToHex(pair.publicKey)).toBe(expected)
      }
      expect(
        bytesToHex(publicKeyFromPEM(publicKey.export({ type: 'spki', format: 'pem' }).toString()).publicKey),
      ).toBe(expected)
    })
  }

  it('writes and reads FISCO node.key / node.nodeid; node ID = the suite public key', () => {
    const ecdsa = createECDSASuite()
    const sm = createSMSuite()
    for (const [curve, suite] of [
      ['secp256k1', ecdsa],
      ['sm2', sm],
    ] as const) {
      const key = suite.randomPrivateKey()
      const files = nodeKeyFilesFromPrivateKey(curve, key)
      expect(files.nodeId).toMatch(/^[0-9a-f]{128}\n$/)
      expect(bytesToHex(nodeIdFromHex(files.nodeId))).toBe(bytesToHex(suite.publicKey(key)))
      const pair = readNodeKeyFiles(files)
      expect(bytesToHex(pair.privateKey)).toBe(bytesToHex(key))
      const other = nodeKeyFilesFromPrivateKey(curve, suite.randomPrivateKey())
      expect(() => readNodeKeyFiles({ nodeKey: files.nodeKey, nodeId: other.nodeId })).toThrow(
        'does not match',
      )
    }
  })

  it('rejects malformed and foreign key files with typed errors', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    })
    const cases: [() => unknown, string][] = [
      [() => privateKeyFromPEM(p256.toString()), 'UNSUPPORTED_CURVE'],
      [() => privateKeyFromPEM('not a pem'), 'INVALID_KEY_FILE'],
      [
        () => privateKeyFromPEM('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'),
        'INVALID_KEY_FILE',
      ],
      [() => privateKeyFromPEM('x'.repeat(PEM_CHARS_MAX + 1)), 'INVALID_KEY_FILE'],
      [() => nodeIdFromHex('abc'), 'INVALID_KEY_FILE'],
      [() => publicKeyToPEM('sm2', new Uint8Array(64).fill(1)), 'INVALID_PUBLIC_KEY'],
      [() => privateKeyToPEM('secp256k1', new Uint8Array(32)), 'INVALID_PRIVATE_KEY'],
      [() => generateKeyPair('p256' as KeyCurve), 'UNSUPPORTED_CURVE'],
    ]
    for (const [fn, code] of cases) {
      try {
        fn()
        throw new Error(`no error for ${code}`)
      } catch (err) {
        expect(isChainError(err, code), String(err)).toBe(true)
      }
    }
  })
})
