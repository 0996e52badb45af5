import { createHash, createPrivateKey, createPublicKey, randomBytes, X509Certificate } from 'node:crypto'
import type { NodeId } from '@consortia/interface'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { AsnConvert, OctetString } from '@peculiar/asn1-schema'
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509'
import { p2pError } from './errors.js'

/**
 * Curves a node certificate may use: secp256k1 is FISCO's standard suite (TLS 1.2 only,
 * since TLS 1.3 signature schemes name the NIST curves); P-256 also works with TLS 1.3.
 */
export type CertCurve = 'secp256k1' | 'P-256'

/** The distinguished name written into a certificate. */
export interface CertName {
  readonly commonName: string
  readonly organization?: string
  readonly organizationalUnit?: string
}

/** Options shared by createCA, createAgency and createNodeCert. */
export interface CertInit {
  readonly subject: CertName
  /** Key curve. Default: secp256k1 for a CA, the issuer's curve otherwise. */
  readonly curve?: CertCurve
  /** A 32-byte private key scalar to certify; a fresh random key when omitted. */
  readonly privateKey?: Uint8Array
  /** Start of the validity window. Default: now. */
  readonly notBefore?: Date
  /** End of the validity window. Default: `notBefore` plus `validityDays`. */
  readonly notAfter?: Date
  /** Validity length when `notAfter` is omitted. Default 36500 days, as FISCO's build_chain `-X`. */
  readonly validityDays?: number
}

/** A certificate with its private key, in the forms node:tls and config files use. */
export interface CertBundle {
  readonly curve: CertCurve
  readonly subject: CertName
  /** The certificate alone, PEM. */
  readonly certPem: string
  /** The certificate alone, DER. */
  readonly certDer: Uint8Array
  /** This certificate followed by its issuers below the root CA, PEM: the `cert` option of node:tls. */
  readonly chainPem: string
  /** The private key as PKCS#8 PEM: the `key` option of node:tls. */
  readonly keyPem: string
  /** The 32-byte private key scalar. */
  readonly privateKey: Uint8Array
  /** The 64-byte public key X‖Y. */
  readonly publicKey: Uint8Array
  /** Whether this certificate may sign others (basicConstraints CA:TRUE). */
  readonly isCA: boolean
}

/** A node certificate: its public key is the node ID. */
export interface NodeCertBundle extends CertBundle {
  readonly nodeId: NodeId
}

/** What `inspectCert` reads from a certificate. */
export interface CertInfo {
  readonly subject: CertName
  readonly issuer: CertName
  /** basicConstraints cA, or undefined when the certificate has no basicConstraints extension. */
  readonly isCA: boolean | undefined
  readonly notBefore: Date
  readonly notAfter: Date
  /** The key curve, or undefined when the key is not one of the supported curves. */
  readonly curve: CertCurve | undefined
  /** The 64-byte public key X‖Y, or undefined for a key that is not on a supported curve. */
  readonly publicKey: Uint8Array | undefined
}

const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1'
const ID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'
/** DER of the namedCurve OIDs (SEC 2 §2.4.1 secp256k1 1.3.132.0.10; RFC 5480 prime256v1 1.2.840.10045.3.1.7). */
const CURVE_OID_DER: Record<CertCurve, string> = {
  secp256k1: '06052b8104000a',
  'P-256': '06082a8648ce3d030107',
}
const ID_AT_COMMON_NAME = '2.5.4.3'
const ID_AT_ORGANIZATION = '2.5.4.10'
const ID_AT_ORGANIZATIONAL_UNIT = '2.5.4.11'
const DAY_MS = 86_400_000
/** Default validity, FISCO build_chain's `-X` default. */
export const CERT_VALIDITY_DAYS_DEFAULT = 36_500
/** Longest subject attribute accepted, the X.520 upper bound for common names. */
export const CERT_NAME_CHARS_MAX = 64

function curveImpl(curve: CertCurve) {
  return curve === 'secp256k1' ? secp256k1 : p256
}

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

function checkName(name: CertName, label: string): void {
  for (const [field, value] of Object.entries(name)) {
    if (value === undefined) continue
    if (typeof value !== 'string' || value.length === 0 || value.length > CERT_NAME_CHARS_MAX) {
      throw p2pError(
        'INVALID_ARGUMENT',
        `expected ${label}.${field} of 1..${CERT_NAME_CHARS_MAX} characters, got ${String(value).length}`,
      )
    }
  }
}

function encodeName(name: CertName): Name {
  const rdn = (type: string, value: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ])
  const rdns = [rdn(ID_AT_COMMON_NAME, name.commonName)]
  if (name.organization !== undefined) rdns.push(rdn(ID_AT_ORGANIZATION, name.organization))
  if (name.organizationalUnit !== undefined)
    rdns.push(rdn(ID_AT_ORGANIZATIONAL_UNIT, name.organizationalUnit))
  return new Name(rdns)
}

function decodeName(name: Name): CertName {
  let commonName = ''
  let organization: string | undefined
  let organizationalUnit: string | undefined
  for (const rdn of name) {
    for (const atv of rdn) {
      const value = atv.value.toString()
      if (atv.type === ID_AT_COMMON_NAME) commonName = value
      else if (atv.type === ID_AT_ORGANIZATION) organization = value
      else if (atv.type === ID_AT_ORGANIZATIONAL_UNIT) organizationalUnit = value
    }
  }
  return {
    commonName,
    ...(organization === undefined ? {} : { organization }),
    ...(organizationalUnit === undefined ? {} : { organizationalUnit }),
  }
}

interface KeyMaterial {
  readonly curve: CertCurve
  readonly privateKey: Uint8Array
  /** X‖Y, 64 bytes. */
  readonly publicKey: Uint8Array
  readonly keyPem: string
  readonly spki: SubjectPublicKeyInfo
}

function keyMaterial(curve: CertCurve, given?: Uint8Array): KeyMaterial {
  const impl = curveImpl(curve)
  let privateKey: Uint8Array
  if (given === undefined) {
    privateKey = impl.utils.randomSecretKey()
  } else {
    if (!(given instanceof Uint8Array) || given.length !== 32) {
      throw p2pError('INVALID_ARGUMENT', `expected 32-byte private key, got ${given?.length ?? typeof given}`)
    }
    if (!impl.utils.isValidSecretKey(given)) {
      throw p2pError('INVALID_ARGUMENT', `private key is not a valid ${curve} scalar`)
    }
    privateKey = given
  }
  const publicKey = impl.getPublicKey(privateKey, false).subarray(1)
  const jwk = {
    kty: 'EC',
    crv: curve,
    d: toBase64Url(privateKey),
    x: toBase64Url(publicKey.subarray(0, 32)),
    y: toBase64Url(publicKey.subarray(32)),
  }
  const keyObject = createPrivateKey({ key: jwk, format: 'jwk' })
  const keyPem = keyObject.export({ type: 'pkcs8', format: 'pem' }) as string
  const spkiDer = createPublicKey(keyObject).export({ type: 'spki', format: 'der' })
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo)
  return { curve, privateKey, publicKey, keyPem, spki }
}

function keyIdentifier(publicKey: Uint8Array): Uint8Array {
  // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bit string (0x04‖X‖Y).
  return new Uint8Array(
    createHash('sha1')
      .update(Buffer.concat([Buffer.from([4]), publicKey]))
      .digest(),
  )
}

function randomSerial(): ArrayBuffer {
  const serial = new Uint8Array(randomBytes(16))
  // A positive INTEGER with no leading zero octet: RFC 5280 §4.1.2.2.
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01
  return serial.buffer
}

function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}

function validity(init: CertInit): { notBefore: Date; notAfter: Date } {
  const notBefore = init.notBefore ?? new Date()
  const days = init.validityDays ?? CERT_VALIDITY_DAYS_DEFAULT
  if (!Number.isFinite(days) || days <= 0) {
    throw p2pError('INVALID_ARGUMENT', `expected validityDays > 0, got ${days}`)
  }
  const notAfter = init.notAfter ?? new Date(notBefore.getTime() + days * DAY_MS)
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw p2pError('INVALID_ARGUMENT', 'expected notAfter after notBefore', {
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
    })
  }
  return { notBefore, notAfter }
}

interface IssueParams {
  readonly init: CertInit
  readonly subjectKey: KeyMaterial
  readonly isCA: boolean
  /** The issuer's name and key; the subject's own for a self-signed CA. */
  readonly issuerName: CertName
  readonly issuerKey: { curve: CertCurve; privateKey: Uint8Array; publicKey: Uint8Array }
}

function issue(p: IssueParams): Uint8Array {
  const { notBefore, notAfter } = validity(p.init)
  const keyUsage = p.isCA
    ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature
    : KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment | KeyUsageFlags.keyAgreement
  const extension = (extnID: string, critical: boolean, value: unknown) =>
    new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) })
  const signatureAlgorithm = new AlgorithmIdentifier({ algorithm: ID_ECDSA_WITH_SHA256 })
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: randomSerial(),
    signature: signatureAlgorithm,
    issuer: encodeName(p.issuerName),
    validity: new Validity({ notBefore, notAfter }),
    subject: encodeName(p.init.subject),
    subjectPublicKeyInfo: p.subjectKey.spki,
    extensions: new Extensions([
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: p.isCA })),
      extension(id_ce_keyUsage, true, new KeyUsage(keyUsage)),
      extension(
        id_ce_subjectKeyIdentifier,
        false,
        new SubjectKeyIdentifier(keyIdentifier(p.subjectKey.publicKey)),
      ),
      extension(
        id_ce_authorityKeyIdentifier,
        false,
        new AuthorityKeyIdentifier({
          keyIdentifier: new KeyIdentifier(keyIdentifier(p.issuerKey.publicKey)),
        }),
      ),
    ]),
  })
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs))
  // ecdsa-with-SHA256: sign SHA-256(TBSCertificate), DER-encoded ECDSA-Sig-Value (RFC 5758 §3.2).
  const signature = curveImpl(p.issuerKey.curve).sign(tbsDer, p.issuerKey.privateKey, {
    prehash: true,
    format: 'der',
  })
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm,
    signatureValue: new Uint8Array(signature).buffer,
  })
  return new Uint8Array(AsnConvert.serialize(cert))
}

function bundle(
  der: Uint8Array,
  key: KeyMaterial,
  subject: CertName,
  isCA: boolean,
  issuerChain: string,
): CertBundle {
  const certPem = toPem(der)
  return {
    curve: key.curve,
    subject,
    certPem,
    certDer: der,
    chainPem: certPem + issuerChain,
    keyPem: key.keyPem,
    privateKey: key.privateKey,
    publicKey: key.publicKey,
    isCA,
  }
}

/**
 * Create a self-signed chain CA (X.509 v3, basicConstraints CA:TRUE), the root every
 * node of a chain trusts (FISCO `ca.crt`).
 *
 * @example
 * ```ts
 * const ca = createCA({ subject: { commonName: 'chain', organization: 'consortia' } })
 * const agency = createAgency(ca, { subject: { commonName: 'agency-a' } })
 * const node = createNodeCert(agency, { subject: { commonName: 'node0' } })
 * // tls options: { ca: ca.certPem, cert: node.chainPem, key: node.keyPem }
 * ```
 */
export function createCA(init: CertInit): CertBundle {
  checkName(init.subject, 'subject')
  const key = keyMaterial(init.curve ?? 'secp256k1', init.privateKey)
  const der = issue({ init, subjectKey: key, isCA: true, issuerName: init.subject, issuerKey: key })
  return bundle(der, key, init.subject, true, '')
}

function checkIssuer(issuer: CertBundle, label: string): void {
  if (!issuer.isCA) {
    throw p2pError(
      'INVALID_ARGUMENT',
      `expected ${label} to be a CA certificate (basicConstraints CA:TRUE)`,
      {
        subject: issuer.subject.commonName,
      },
    )
  }
}

/**
 * Create an agency certificate (basicConstraints CA:TRUE) signed by the chain CA. Each
 * consortium member signs its own nodes with its agency key (FISCO `agency.crt`).
 */
export function createAgency(ca: CertBundle, init: CertInit): CertBundle {
  checkIssuer(ca, 'the chain CA')
  checkName(init.subject, 'subject')
  const key = keyMaterial(init.curve ?? ca.curve, init.privateKey)
  const der = issue({ init, subjectKey: key, isCA: true, issuerName: ca.subject, issuerKey: ca })
  return bundle(der, key, init.subject, true, '')
}

/**
 * Create a node certificate (basicConstraints CA:FALSE) signed by an agency. Its public
 * key is the node ID; `chainPem` holds the node and agency certificates, as FISCO's
 * `node.crt`, so peers can build the path to the chain CA.
 */
export function createNodeCert(agency: CertBundle, init: CertInit): NodeCertBundle {
  checkIssuer(agency, 'the agency')
  checkName(init.subject, 'subject')
  const key = keyMaterial(init.curve ?? agency.curve, init.privateKey)
  const der = issue({ init, subjectKey: key, isCA: false, issuerName: agency.subject, issuerKey: agency })
  return { ...bundle(der, key, init.subject, false, agency.chainPem), nodeId: key.publicKey }
}

const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/

/** DER of the first certificate in a PEM text, or the bytes themselves when given DER. */
export function certToDer(cert: string | Uint8Array): Uint8Array {
  if (typeof cert !== 'string') return cert
  const match = PEM_CERT_RE.exec(cert)
  if (match === null) {
    throw p2pError('INVALID_CERTIFICATE', 'expected a PEM certificate (-----BEGIN CERTIFICATE-----)')
  }
  return new Uint8Array(Buffer.from((match[1] as string).replace(/\s+/g, ''), 'base64'))
}

/** Read subject, issuer, validity, basicConstraints and the EC public key of a certificate. */
export function inspectCert(cert: string | Uint8Array): CertInfo {
  const der = certToDer(cert)
  let parsed: Certificate
  try {
    parsed = AsnConvert.parse(der, Certificate)
  } catch (err) {
    throw p2pError('INVALID_CERTIFICATE', 'certificate is not valid DER X.509', {}, err)
  }
  const tbs = parsed.tbsCertificate
  let isCA: boolean | undefined
  for (const ext of tbs.extensions ?? []) {
    if (ext.extnID === id_ce_basicConstraints) {
      isCA = AsnConvert.parse(ext.extnValue, BasicConstraints).cA
    }
  }
  const spki = tbs.subjectPublicKeyInfo
  let curve: CertCurve | undefined
  let publicKey: Uint8Array | undefined
  if (spki.algorithm.algorithm === ID_EC_PUBLIC_KEY && spki.algorithm.parameters) {
    const params = Buffer.from(spki.algorithm.parameters).toString('hex')
    for (const [name, oidDer] of Object.entries(CURVE_OID_DER) as [CertCurve, string][]) {
      if (oidDer === params) curve = name
    }
    if (curve !== undefined) {
      const point = curveImpl(curve).Point.fromBytes(new Uint8Array(spki.subjectPublicKey))
      publicKey = point.toBytes(false).subarray(1)
    }
  }
  return {
    subject: decodeName(tbs.subject),
    issuer: decodeName(tbs.issuer),
    isCA,
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    curve,
    publicKey,
  }
}

/**
 * The node ID of a node certificate: its 64-byte EC public key X‖Y (the uncompressed
 * point without the 0x04 prefix), as FISCO's `node.nodeid`. Throws INVALID_CERTIFICATE
 * for a CA certificate or a key on an unsupported curve.
 */
export function nodeIdFromCert(cert: string | Uint8Array): NodeId {
  const info = inspectCert(cert)
  if (info.isCA === true) {
    throw p2pError('INVALID_CERTIFICATE', 'a CA certificate has no node ID', {
      subject: info.subject.commonName,
    })
  }
  if (info.publicKey === undefined) {
    throw p2pError('INVALID_CERTIFICATE', 'certificate key is not secp256k1 or P-256', {
      subject: info.subject.commonName,
    })
  }
  return info.publicKey
}

/** True when `cert` carries a valid signature by `issuer`'s key (node:crypto check). */
export function isCertSignedBy(cert: string | Uint8Array, issuer: string | Uint8Array): boolean {
  const child = new X509Certificate(Buffer.from(certToDer(cert)))
  const parent = new X509Certificate(Buffer.from(certToDer(issuer)))
  return child.checkIssued(parent) && child.verify(parent.publicKey)
}
