import { X509Certificate } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import {
  certToDer,
  createAgency,
  createCA,
  createNodeCert,
  inspectCert,
  isCertSignedBy,
  nodeIdFromCert,
  nodeIdFromHex,
  nodeIdToHex,
} from '../src/index.js'

// secp256k1 private key 1: its public key is the generator G (SEC 2 §2.4.1).
const SECP256K1_G_X = '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'
const SECP256K1_G_Y = '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8'
// P-256 generator (FIPS 186-4 D.1.2.3): the public key of private key 1.
const P256_G_X = '6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296'
const P256_G_Y = '4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'

function one(): Uint8Array {
  const k = new Uint8Array(32)
  k[31] = 1
  return k
}

describe('certificates', () => {
  for (const curve of ['secp256k1', 'P-256'] as const) {
    it(`builds a CA → agency → node chain on ${curve} that node:crypto verifies`, () => {
      const ca = createCA({
        subject: { commonName: 'chain', organization: 'fisco', organizationalUnit: 'chain' },
        curve,
      })
      const agency = createAgency(ca, { subject: { commonName: 'agency' } })
      const node = createNodeCert(agency, { subject: { commonName: 'node0' } })
      expect(isCertSignedBy(ca.certPem, ca.certPem)).toBe(true)
      expect(isCertSignedBy(agency.certPem, ca.certPem)).toBe(true)
      expect(isCertSignedBy(node.certPem, agency.certPem)).toBe(true)
      expect(isCertSignedBy(node.certPem, ca.certPem)).toBe(false)
      const x = new X509Certificate(node.certPem)
      expect(x.ca).toBe(false)
      expect(new X509Certificate(agency.certPem).ca).toBe(true)
      expect(new X509Certificate(ca.certPem).ca).toBe(true)
      expect(x.subject).toBe('CN=node0')
      expect(x.issuer).toBe('CN=agency')
      expect(x.checkPrivateKey(createPrivateKeyFromPem(node.keyPem))).toBe(true)
      // node.crt holds node then agency, as FISCO's.
      expect(node.chainPem).toBe(node.certPem + agency.certPem)
      const info = inspectCert(node.chainPem)
      expect(info).toMatchObject({
        isCA: false,
        curve,
        subject: { commonName: 'node0' },
        issuer: { commonName: 'agency' },
      })
      expect(inspectCert(ca.certPem).subject).toEqual({
        commonName: 'chain',
        organization: 'fisco',
        organizationalUnit: 'chain',
      })
      expect(Buffer.from(nodeIdFromCert(node.certPem))).toEqual(Buffer.from(node.nodeId))
      expect(Buffer.from(nodeIdFromCert(certToDer(node.certPem)))).toEqual(Buffer.from(node.nodeId))
    })
  }

  it('derives the node ID from a given private key (generator-point vectors)', () => {
    const ca = createCA({ subject: { commonName: 'chain' } })
    const agency = createAgency(ca, { subject: { commonName: 'agency' } })
    const node = createNodeCert(agency, { subject: { commonName: 'n' }, privateKey: one() })
    expect(nodeIdToHex(nodeIdFromCert(node.certPem))).toBe(SECP256K1_G_X + SECP256K1_G_Y)
    const caP = createCA({ subject: { commonName: 'chain' }, curve: 'P-256' })
    const nodeP = createNodeCert(createAgency(caP, { subject: { commonName: 'a' } }), {
      subject: { commonName: 'n' },
      privateKey: one(),
    })
    expect(nodeIdToHex(nodeIdFromCert(nodeP.certPem))).toBe(P256_G_X + P256_G_Y)
    expect(Buffer.from(secp256k1.getPublicKey(node.privateKey, false).subarray(1))).toEqual(
      Buffer.from(node.publicKey),
    )
    expect(Buffer.from(p256.getPublicKey(nodeP.privateKey, false).subarray(1))).toEqual(
      Buffer.from(nodeP.publicKey),
    )
  })

  it('writes the validity window it was given', () => {
    const notBefore = new Date('2024-01-01T00:00:00Z')
    const notAfter = new Date('2060-06-30T12:00:00Z')
    const ca = createCA({ subject: { commonName: 'chain' }, notBefore, notAfter })
    const info = inspectCert(ca.certPem)
    expect(info.notBefore.toISOString()).toBe(notBefore.toISOString())
    expect(info.notAfter.toISOString()).toBe(notAfter.toISOString())
    const short = createCA({ subject: { commonName: 'c' }, notBefore, validityDays: 10 })
    expect(inspectCert(short.certPem).notAfter.toISOString()).toBe('2024-01-11T00:00:00.000Z')
  })

  it('refuses bad inputs with labelled errors', () => {
    const ca = createCA({ subject: { commonName: 'chain' } })
    const agency = createAgency(ca, { subject: { commonName: 'agency' } })
    const node = createNodeCert(agency, { subject: { commonName: 'n' } })
    expect(() => createNodeCert(node, { subject: { commonName: 'x' } })).toThrow(
      /agency to be a CA certificate/,
    )
    expect(() => createCA({ subject: { commonName: '' } })).toThrow(
      /subject.commonName of 1..64 characters, got 0/,
    )
    expect(() => createCA({ subject: { commonName: 'c' }, privateKey: new Uint8Array(31) })).toThrow(
      /32-byte private key, got 31/,
    )
    expect(() => createCA({ subject: { commonName: 'c' }, privateKey: new Uint8Array(32) })).toThrow(
      /not a valid secp256k1 scalar/,
    )
    expect(() => createCA({ subject: { commonName: 'c' }, validityDays: 0 })).toThrow(/validityDays > 0/)
    expect(() => nodeIdFromCert(agency.certPem)).toThrow(/CA certificate has no node ID/)
    expect(() => inspectCert('not a pem')).toThrow(/expected a PEM certificate/)
    expect(() => inspectCert(new Uint8Array([0x30, 0x03, 1, 2, 3]))).toThrow(/not valid DER/)
    expect(() => nodeIdFromHex('12')).toThrow(/128 hex digits/)
    expect(() => nodeIdToHex(new Uint8Array(65))).toThrow(/64-byte node ID, got 65/)
    expect(nodeIdToHex(nodeIdFromHex(`0x${'AB'.repeat(64)}`))).toBe('ab'.repeat(64))
  })
})

import { createPrivateKey } from 'node:crypto'

function createPrivateKeyFromPem(pem: string) {
  return createPrivateKey(pem)
}
