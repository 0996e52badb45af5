import type { Bytes, NodeId } from '@consortia/interface'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesEqual, bytesToBigInt, bytesToHex, concatBytes, expectBytes, hexToBytes } from './bytes.js'
import { cryptoError } from './errors.js'
import { createSM2, type SM2 } from './sm2.js'
import { SM2_P256 } from './sm2-curves.js'

/** Curves of FISCO node and account keys. */
export type KeyCurve = 'secp256k1' | 'sm2'

/** A private key with its 64-byte public key (X‖Y, which is also the FISCO node ID). */
export type KeyPair = { curve: KeyCurve; privateKey: Bytes; publicKey: Bytes }

/** Longest PEM text accepted (keys are a few hundred bytes; this bounds parsing work). */
export const PEM_CHARS_MAX = 16 * 1024

const OID_EC_PUBLIC_KEY = Uint8Array.of(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01)
const OID_SECP256K1 = Uint8Array.of(0x2b, 0x81, 0x04, 0x00, 0x0a)
const OID_SM2 = Uint8Array.of(0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d)

const curveOid = (curve: KeyCurve): Bytes => (curve === 'sm2' ? OID_SM2 : OID_SECP256K1)

let sm2Instance: SM2 | undefined
const sm2 = (): SM2 => {
  sm2Instance ??= createSM2(SM2_P256, { verifyBackend: 'noble' })
  return sm2Instance
}

function checkCurve(curve: unknown): asserts curve is KeyCurve {
  if (curve !== 'secp256k1' && curve !== 'sm2') {
    throw cryptoError('UNSUPPORTED_CURVE', `expected curve 'secp256k1' or 'sm2', got ${String(curve)}`, {
      field: 'curve',
    })
  }
}

/** The 64-byte public key of `privateKey` on `curve`; INVALID_PRIVATE_KEY when out of range. */
export function publicKeyOf(curve: KeyCurve, privateKey: Bytes): Bytes {
  checkCurve(curve)
  expectBytes(privateKey, 32, 'private key')
  if (curve === 'sm2') return sm2().publicKey(privateKey)
  const d = bytesToBigInt(privateKey)
  if (d === 0n || d >= secp256k1.Point.CURVE().n) {
    throw cryptoError('INVALID_PRIVATE_KEY', 'secp256k1 private key must be in [1, n-1]', {
      field: 'privateKey',
    })
  }
  return secp256k1.getPublicKey(privateKey, false).slice(1)
}

/** A fresh random key pair on `curve`. */
export function generateKeyPair(curve: KeyCurve): KeyPair {
  checkCurve(curve)
  const privateKey = curve === 'sm2' ? sm2().randomPrivateKey() : secp256k1.utils.randomSecretKey()
  return { curve, privateKey, publicKey: publicKeyOf(curve, privateKey) }
}

// --- minimal DER ---------------------------------------------------------------------------

function len(n: number): number[] {
  if (n < 0x80) return [n]
  if (n < 0x100) return [0x81, n]
  return [0x82, n >> 8, n & 0xff]
}
function tlv(tag: number, ...body: Bytes[]): Bytes {
  const content = concatBytes(...body)
  return concatBytes(Uint8Array.from([tag, ...len(content.length)]), content)
}

type Node = { tag: number; body: Bytes; next: number }

function read(der: Bytes, offset: number, what: string): Node {
  const fail = (): never => {
    throw cryptoError('INVALID_KEY_FILE', `malformed DER in ${what}`, { field: 'der' })
  }
  if (offset + 2 > der.length) fail()
  const tag = der[offset]!
  let length = der[offset + 1]!
  let start = offset + 2
  if (length & 0x80) {
    const count = length & 0x7f
    if (count === 0 || count > 2 || start + count > der.length) fail()
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!
    start += count
  }
  if (start + length > der.length) fail()
  return { tag, body: der.subarray(start, start + length), next: start + length }
}

function children(node: Node, what: string): Node[] {
  const out: Node[] = []
  for (let off = 0; off < node.body.length; ) {
    const child = read(node.body, off, what)
    out.push(child)
    off = child.next
  }
  return out
}

function curveFromOid(oid: Bytes): KeyCurve {
  if (bytesEqual(oid, OID_SECP256K1)) return 'secp256k1'
  if (bytesEqual(oid, OID_SM2)) return 'sm2'
  throw cryptoError(
    'UNSUPPORTED_CURVE',
    `key is on curve OID ${bytesToHex(oid)}, expected secp256k1 or SM2`,
    {
      field: 'curve',
    },
  )
}

function scalar32(octets: Bytes): Bytes {
  if (octets.length > 32) {
    if (octets.length === 33 && octets[0] === 0) return octets.slice(1)
    throw cryptoError('INVALID_KEY_FILE', `private key of ${octets.length} bytes`, { field: 'privateKey' })
  }
  return concatBytes(new Uint8Array(32 - octets.length), octets)
}

function sec1Der(curve: KeyCurve, privateKey: Bytes, withParams: boolean): Bytes {
  const publicKey = publicKeyOf(curve, privateKey)
  return tlv(
    0x30,
    tlv(0x02, Uint8Array.of(1)),
    tlv(0x04, privateKey),
    ...(withParams ? [tlv(0xa0, tlv(0x06, curveOid(curve)))] : []),
    tlv(0xa1, tlv(0x03, Uint8Array.of(0, 4), publicKey)),
  )
}

function algorithmId(curve: KeyCurve): Bytes {
  return tlv(0x30, tlv(0x06, OID_EC_PUBLIC_KEY), tlv(0x06, curveOid(curve)))
}

/** Parse SEC1 ECPrivateKey; `curve` comes from the PKCS#8 wrapper when the key has no parameters. */
function parseSec1(der: Bytes, outerCurve: KeyCurve | undefined): KeyPair {
  const top = read(der, 0, 'EC private key')
  const [version, key, ...rest] = children(top, 'EC private key')
  if (top.tag !== 0x30 || version?.tag !== 0x02 || key?.tag !== 0x04) {
    throw cryptoError('INVALID_KEY_FILE', 'not a SEC1 EC private key', { field: 'der' })
  }
  let curve = outerCurve
  let embedded: Bytes | undefined
  for (const field of rest) {
    if (field.tag === 0xa0) {
      const oid = read(field.body, 0, 'EC parameters')
      const c = curveFromOid(oid.body)
      if (curve !== undefined && c !== curve) {
        throw cryptoError('INVALID_KEY_FILE', 'PKCS#8 and SEC1 name different curves', { field: 'curve' })
      }
      curve = c
    } else if (field.tag === 0xa1) {
      const bits = read(field.body, 0, 'EC public key')
      embedded = bits.body.subarray(1)
    }
  }
  if (curve === undefined) {
    throw cryptoError('INVALID_KEY_FILE', 'EC private key names no curve', { field: 'curve' })
  }
  const privateKey = scalar32(key.body)
  const publicKey = publicKeyOf(curve, privateKey)
  if (embedded !== undefined && !bytesEqual(embedded, concatBytes(Uint8Array.of(4), publicKey))) {
    throw cryptoError('INVALID_KEY_FILE', 'the public key stored with the private key does not match it', {
      field: 'publicKey',
    })
  }
  return { curve, privateKey, publicKey }
}

function parseAlgorithm(node: Node): KeyCurve {
  const [alg, params] = children(node, 'algorithm identifier')
  if (alg?.tag !== 0x06 || params?.tag !== 0x06) {
    throw cryptoError('INVALID_KEY_FILE', 'algorithm identifier lacks an EC curve', { field: 'algorithm' })
  }
  // id-ecPublicKey is standard; some SM2 tools put the SM2 OID in the algorithm field too.
  if (!bytesEqual(alg.body, OID_EC_PUBLIC_KEY) && !bytesEqual(alg.body, OID_SM2)) {
    throw cryptoError('INVALID_KEY_FILE', 'not an elliptic-curve key', { field: 'algorithm' })
  }
  return curveFromOid(params.body)
}

// --- PEM -----------------------------------------------------------------------------------

function toPem(label: string, der: Bytes): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

function fromPem(pem: string): { label: string; der: Bytes } {
  if (typeof pem !== 'string' || pem.length > PEM_CHARS_MAX) {
    throw cryptoError('INVALID_KEY_FILE', `expected PEM text of at most ${PEM_CHARS_MAX} characters`, {
      field: 'pem',
    })
  }
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem)
  if (m === null) throw cryptoError('INVALID_KEY_FILE', 'no PEM block found', { field: 'pem' })
  const body = m[2]!.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) {
    throw cryptoError('INVALID_KEY_FILE', 'PEM body is not base64', { field: 'pem' })
  }
  return { label: m[1]!, der: new Uint8Array(Buffer.from(body, 'base64')) }
}

/** PEM of a private key: PKCS#8 (`PRIVATE KEY`, default, as FISCO's node.key) or SEC1 (`EC PRIVATE KEY`). */
export function privateKeyToPEM(
  curve: KeyCurve,
  privateKey: Bytes,
  format: 'pkcs8' | 'sec1' = 'pkcs8',
): string {
  checkCurve(curve)
  if (format === 'sec1') return toPem('EC PRIVATE KEY', sec1Der(curve, privateKey, true))
  const pkcs8 = tlv(
    0x30,
    tlv(0x02, Uint8Array.of(0)),
    algorithmId(curve),
    tlv(0x04, sec1Der(curve, privateKey, false)),
  )
  return toPem('PRIVATE KEY', pkcs8)
}

/** Parse a PKCS#8 or SEC1 PEM private key on secp256k1 or SM2 (unencrypted). */
export function privateKeyFromPEM(pem: string): KeyPair {
  const { label, der } = fromPem(pem)
  if (label === 'EC PRIVATE KEY') return parseSec1(der, undefined)
  if (label !== 'PRIVATE KEY') {
    throw cryptoError('INVALID_KEY_FILE', `expected PRIVATE KEY or EC PRIVATE KEY, got ${label}`, {
      field: 'pem',
    })
  }
  const top = read(der, 0, 'PKCS#8')
  const [version, algorithm, key] = children(top, 'PKCS#8')
  if (top.tag !== 0x30 || version?.tag !== 0x02 || algorithm?.tag !== 0x30 || key?.tag !== 0x04) {
    throw cryptoError('INVALID_KEY_FILE', 'not a PKCS#8 private key', { field: 'pem' })
  }
  return parseSec1(key.body, parseAlgorithm(algorithm))
}

/** PEM (`PUBLIC KEY`, SubjectPublicKeyInfo) of a 64-byte public key, checked to be on the curve. */
export function publicKeyToPEM(curve: KeyCurve, publicKey: Bytes): string {
  checkCurve(curve)
  checkPublicKey(curve, publicKey)
  return toPem('PUBLIC KEY', tlv(0x30, algorithmId(curve), tlv(0x03, Uint8Array.of(0, 4), publicKey)))
}

/** Parse a `PUBLIC KEY` PEM on secp256k1 or SM2 (uncompressed point). */
export function publicKeyFromPEM(pem: string): { curve: KeyCurve; publicKey: Bytes } {
  const { label, der } = fromPem(pem)
  if (label !== 'PUBLIC KEY') {
    throw cryptoError('INVALID_KEY_FILE', `expected PUBLIC KEY, got ${label}`, { field: 'pem' })
  }
  const top = read(der, 0, 'SubjectPublicKeyInfo')
  const [algorithm, bits] = children(top, 'SubjectPublicKeyInfo')
  if (top.tag !== 0x30 || algorithm?.tag !== 0x30 || bits?.tag !== 0x03) {
    throw cryptoError('INVALID_KEY_FILE', 'not a SubjectPublicKeyInfo', { field: 'pem' })
  }
  const curve = parseAlgorithm(algorithm)
  const point = bits.body.subarray(1)
  if (point.length !== 65 || point[0] !== 4) {
    throw cryptoError('INVALID_KEY_FILE', 'expected an uncompressed 65-byte EC point', { field: 'publicKey' })
  }
  const publicKey = point.slice(1)
  checkPublicKey(curve, publicKey)
  return { curve, publicKey }
}

function checkPublicKey(curve: KeyCurve, publicKey: Bytes): void {
  expectBytes(publicKey, 64, 'public key')
  const ok =
    curve === 'sm2'
      ? sm2().isValidPublicKey(publicKey)
      : (() => {
          try {
            secp256k1.Point.fromBytes(concatBytes(Uint8Array.of(4), publicKey))
            return true
          } catch {
            return false
          }
        })()
  if (!ok)
    throw cryptoError('INVALID_PUBLIC_KEY', `public key is not a point on ${curve}`, { field: 'publicKey' })
}

// --- FISCO node key files ------------------------------------------------------------------

/** A node ID (64-byte public key) as the 128 lower-case hex characters of `node.nodeid`. */
export function nodeIdToHex(nodeId: NodeId): string {
  expectBytes(nodeId, 64, 'node ID')
  return bytesToHex(nodeId)
}

/** Parse `node.nodeid` text (128 hex characters, optional `0x` and surrounding whitespace). */
export function nodeIdFromHex(text: string): NodeId {
  const body = typeof text === 'string' ? text.trim() : ''
  const hex = body.startsWith('0x') ? body.slice(2) : body
  if (!/^[0-9a-fA-F]{128}$/.test(hex)) {
    throw cryptoError('INVALID_KEY_FILE', `expected node ID as 128 hex characters, got ${hex.length}`, {
      field: 'nodeId',
    })
  }
  return hexToBytes(hex)
}

/** The two files FISCO keeps per node: `node.key` (PKCS#8 PEM) and `node.nodeid` (hex + newline). */
export type NodeKeyFiles = { nodeKey: string; nodeId: string }

/** Render a node's key files. */
export function nodeKeyFilesFromPrivateKey(curve: KeyCurve, privateKey: Bytes): NodeKeyFiles {
  return {
    nodeKey: privateKeyToPEM(curve, privateKey, 'pkcs8'),
    nodeId: `${nodeIdToHex(publicKeyOf(curve, privateKey))}\n`,
  }
}

/** Read a node's key; when `nodeId` text is given it must match the key (INVALID_KEY_FILE otherwise). */
export function readNodeKeyFiles(files: { nodeKey: string; nodeId?: string }): KeyPair {
  const pair = privateKeyFromPEM(files.nodeKey)
  if (files.nodeId !== undefined && !bytesEqual(nodeIdFromHex(files.nodeId), pair.publicKey)) {
    throw cryptoError('INVALID_KEY_FILE', 'node.nodeid does not match node.key', { field: 'nodeId' })
  }
  return pair
}
