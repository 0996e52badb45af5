/**
 * LSAG — linkable spontaneous anonymous group (ring) signatures on secp256k1.
 *
 * Reference: J. K. Liu, V. K. Wei, D. S. Wong, "Linkable Spontaneous Anonymous Group Signature
 * for Ad Hoc Groups", ACISP 2004, LNCS 3108, pp. 325–335, §4.1 (signature generation,
 * verification, linkability). Notation follows the paper: ring L = (y₀ … y_{n−1}),
 * h = H₂(L), key image ỹ = h^{x_π}, c_{i+1} = H₁(L, ỹ, m, g^{s_i}·y_i^{c_i}, h^{s_i}·ỹ^{c_i}),
 * signature σ = (c₀, s₀ … s_{n−1}, ỹ). Two signatures over the same ring are linked (same signer)
 * iff their key images are equal.
 *
 * Instantiation: the group is secp256k1 (multiplicative notation above = point arithmetic);
 * H₂ is RFC 9380 hash-to-curve `secp256k1_XMD:SHA-256_SSWU_RO_` over the canonical ring encoding;
 * H₁ is a BIP-340 tagged SHA-256 reduced mod n. Every point is hashed in compressed form.
 *
 * Like FISCO BCOS's ring signature (group-signature-lib `LinkableRingSig_Impl.cpp`), the signature
 * carries its ring, so `ringSigVerify(signature, message, paramInfo)` needs nothing else; see
 * {@link lsagSignatureToString}.
 */
import type { Bytes } from '@consortia/interface'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bigIntToBytes, bytesToHex, concatBytes, hexToBytes, mod } from '../bytes.js'
import {
  checkParamInfo,
  framed,
  hashToSecpPoint,
  type MessageInput,
  messageBytes,
  type RandomSource,
  randomScalar,
  SECP_N,
  SECP_POINT_BYTES,
  SECP_SCALAR_BYTES,
  type SecpPoint,
  secpPointBytes,
  secpPointFromBytes,
  secpPointKey,
  secpPrivateKey,
  secpScalarFromBytes,
  systemRandom,
  taggedHashToScalar,
  u16,
} from './common.js'
import { privacyError } from './errors.js'

/** Largest ring accepted (signing and verifying cost two scalar multiplications per member). */
export const LSAG_RING_SIZE_MAX = 512

/** Largest message accepted, in bytes. */
export const LSAG_MESSAGE_BYTES_MAX = 1 << 20

/** Domain-separation tag of H₂ (hash-to-curve of the ring). */
export const LSAG_H2_DST = 'CONSORTIA-LSAG-V1-H2-secp256k1_XMD:SHA-256_SSWU_RO_'

/** Tag of H₁ (challenge hash). */
export const LSAG_H1_TAG = 'consortia/lsag/v1/challenge'

/**
 * `paramInfo` string that names this instantiation, for the FISCO-shaped
 * `ringSigVerify(signature, message, paramInfo)` call (FISCO's own paramInfo is `{"p","q","g"}`
 * of a Z*_p group; ours names the curve instead).
 */
export const LSAG_PARAM_INFO = '{"curve":"secp256k1","hash":"sha256","scheme":"lsag-lww04"}'

const G = secp256k1.Point.BASE

/** A ring signature; the ring is part of it (compressed public keys, in ring order). */
export interface LSAGSignature {
  /** The ring L: compressed 33-byte public keys. */
  readonly ring: readonly Bytes[]
  /** c₀. */
  readonly challenge: bigint
  /** s₀ … s_{n−1}. */
  readonly responses: readonly bigint[]
  /** Key image ỹ = h^{x_π}, compressed. */
  readonly keyImage: Bytes
}

/** Options of {@link lsagSign}. */
export interface LSAGSignOptions {
  /** Position of the signer in the ring; found by public key when omitted. */
  index?: number
  /** Random source for u and the s_i (default system CSPRNG). */
  random?: RandomSource
}

interface ParsedRing {
  points: SecpPoint[]
  encoded: Bytes[]
  /** SHA-256 of the canonical ring encoding: stands for L inside H₁. */
  digest: Bytes
  /** h = H₂(L). */
  h: SecpPoint
}

function parseRing(ring: readonly Bytes[]): ParsedRing {
  if (!Array.isArray(ring) || ring.length === 0) {
    throw privacyError('INVALID_ARGUMENT', 'expected a non-empty ring of public keys', { field: 'ring' })
  }
  if (ring.length > LSAG_RING_SIZE_MAX) {
    throw privacyError('LIMIT_EXCEEDED', `ring of ${ring.length} keys exceeds ${LSAG_RING_SIZE_MAX}`, {
      field: 'ring',
      limit: LSAG_RING_SIZE_MAX,
    })
  }
  const points: SecpPoint[] = []
  const encoded: Bytes[] = []
  const seen = new Set<string>()
  for (let i = 0; i < ring.length; i++) {
    const point = secpPointFromBytes(ring[i]!, `ring[${i}]`)
    const key = secpPointKey(point)
    if (seen.has(key)) {
      throw privacyError('INVALID_ARGUMENT', `ring[${i}] repeats an earlier key`, { field: `ring[${i}]` })
    }
    seen.add(key)
    points.push(point)
    encoded.push(secpPointBytes(point))
  }
  const encoding = concatBytes(u16(ring.length), ...encoded)
  return { points, encoded, digest: sha256(encoding), h: hashToSecpPoint(encoding, LSAG_H2_DST) }
}

function checkMessage(message: MessageInput): Bytes {
  const bytes = messageBytes(message)
  if (bytes.length > LSAG_MESSAGE_BYTES_MAX) {
    throw privacyError(
      'LIMIT_EXCEEDED',
      `message of ${bytes.length} bytes exceeds ${LSAG_MESSAGE_BYTES_MAX}`,
      {
        field: 'message',
        limit: LSAG_MESSAGE_BYTES_MAX,
      },
    )
  }
  return bytes
}

/** H₁(L, ỹ, m, z′, z″): the fixed prefix (L, ỹ, m) is framed once per signature. */
function challenge(prefix: Bytes, z1: SecpPoint, z2: SecpPoint): bigint {
  return taggedHashToScalar(LSAG_H1_TAG, prefix, secpPointBytes(z1), secpPointBytes(z2))
}

/**
 * Sign `message` for `ring` with `privateKey` (LWW04 §4.1 "Signature Generation").
 * The signer's public key must be in the ring.
 */
export function lsagSign(
  message: MessageInput,
  ring: readonly Bytes[],
  privateKey: Bytes,
  options: LSAGSignOptions = {},
): LSAGSignature {
  const m = checkMessage(message)
  const parsed = parseRing(ring)
  const x = secpPrivateKey(privateKey)
  const y = G.multiply(x)
  let pi = options.index
  if (pi === undefined) {
    pi = parsed.points.findIndex((p) => p.equals(y))
    if (pi < 0) {
      throw privacyError('INVALID_PRIVATE_KEY', "the signer's public key is not in the ring", {
        field: 'privateKey',
      })
    }
  } else if (!Number.isInteger(pi) || pi < 0 || pi >= parsed.points.length || !parsed.points[pi]!.equals(y)) {
    throw privacyError('INVALID_ARGUMENT', `ring[${pi}] is not the signer's public key`, { field: 'index' })
  }
  const random = options.random ?? systemRandom
  const n = parsed.points.length
  const keyImage = parsed.h.multiply(x)
  const keyImageBytes = secpPointBytes(keyImage)
  const prefix = framed(parsed.digest, keyImageBytes, m)
  const c: bigint[] = new Array(n).fill(0n)
  const s: bigint[] = new Array(n).fill(0n)
  const u = randomScalar(SECP_N, random)
  c[(pi + 1) % n] = challenge(prefix, G.multiply(u), parsed.h.multiply(u))
  for (let k = 1; k < n; k++) {
    const i = (pi + k) % n
    s[i] = randomScalar(SECP_N, random)
    // The s_i and c_i of the other members are public in the signature: variable-time is fine.
    const z1 = G.multiplyUnsafe(s[i]!).add(parsed.points[i]!.multiplyUnsafe(c[i]!))
    const z2 = parsed.h.multiplyUnsafe(s[i]!).add(keyImage.multiplyUnsafe(c[i]!))
    c[(i + 1) % n] = challenge(prefix, z1, z2)
  }
  s[pi] = mod(u - x * c[pi]!, SECP_N)
  return { ring: parsed.encoded, challenge: c[0]!, responses: s, keyImage: keyImageBytes }
}

function checkSignatureShape(signature: LSAGSignature): void {
  if (
    typeof signature !== 'object' ||
    signature === null ||
    !Array.isArray(signature.responses) ||
    typeof signature.challenge !== 'bigint'
  ) {
    throw privacyError('INVALID_SIGNATURE', 'expected an LSAGSignature', { field: 'signature' })
  }
  if (!Array.isArray(signature.ring) || signature.responses.length !== signature.ring.length) {
    throw privacyError('INVALID_SIGNATURE', 'ring and responses differ in length', { field: 'signature' })
  }
}

function inScalarRange(value: bigint): boolean {
  return typeof value === 'bigint' && value >= 0n && value < SECP_N
}

/**
 * Verify (LWW04 §4.1 "Signature Verification"): recompute c₁ … c_n from c₀ and check c_n = c₀.
 * Returns false for a well-formed signature that does not verify (or has out-of-range scalars);
 * throws for malformed input (bad points, lengths, ring too large).
 */
export function lsagVerify(message: MessageInput, signature: LSAGSignature): boolean {
  const m = checkMessage(message)
  checkSignatureShape(signature)
  const parsed = parseRing(signature.ring)
  const keyImage = secpPointFromBytes(signature.keyImage, 'keyImage')
  if (!inScalarRange(signature.challenge) || !signature.responses.every(inScalarRange)) return false
  const prefix = framed(parsed.digest, secpPointBytes(keyImage), m)
  let c = signature.challenge
  for (let i = 0; i < parsed.points.length; i++) {
    const s = signature.responses[i]!
    const z1 = G.multiplyUnsafe(s).add(parsed.points[i]!.multiplyUnsafe(c))
    const z2 = parsed.h.multiplyUnsafe(s).add(keyImage.multiplyUnsafe(c))
    c = challenge(prefix, z1, z2)
  }
  return c === signature.challenge
}

/**
 * Linkability (LWW04 §4.1 "Linkability"): two valid signatures over the same ring were made by the
 * same private key iff their key images are equal. Both signatures should be verified first.
 */
export function lsagLink(a: LSAGSignature, b: LSAGSignature): boolean {
  checkSignatureShape(a)
  checkSignatureShape(b)
  const canonical = (points: readonly Bytes[], label: string): string =>
    points.map((p, i) => secpPointKey(secpPointFromBytes(p, `${label}[${i}]`))).join('')
  if (canonical(a.ring, 'a.ring') !== canonical(b.ring, 'b.ring')) return false
  return canonical([a.keyImage], 'a.keyImage') === canonical([b.keyImage], 'b.keyImage')
}

/**
 * Binary form: `u16 n ‖ c₀ (32) ‖ ỹ (33) ‖ n × (y_i (33) ‖ s_i (32))`, 67 + 65·n bytes.
 */
export function lsagSignatureToBytes(signature: LSAGSignature): Bytes {
  checkSignatureShape(signature)
  const parsed = parseRing(signature.ring)
  const parts: Bytes[] = [
    u16(parsed.points.length),
    bigIntToBytes(signature.challenge, SECP_SCALAR_BYTES),
    secpPointBytes(secpPointFromBytes(signature.keyImage, 'keyImage')),
  ]
  for (let i = 0; i < parsed.points.length; i++) {
    parts.push(parsed.encoded[i]!, bigIntToBytes(signature.responses[i]!, SECP_SCALAR_BYTES))
  }
  return concatBytes(...parts)
}

/** Parse {@link lsagSignatureToBytes}; throws INVALID_SIGNATURE / LIMIT_EXCEEDED / INVALID_PUBLIC_KEY. */
export function lsagSignatureFromBytes(bytes: Bytes): LSAGSignature {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2) {
    throw privacyError('INVALID_SIGNATURE', 'expected an LSAG signature of at least 2 bytes', {
      field: 'signature',
    })
  }
  const n = (bytes[0]! << 8) | bytes[1]!
  if (n > LSAG_RING_SIZE_MAX) {
    throw privacyError('LIMIT_EXCEEDED', `ring of ${n} keys exceeds ${LSAG_RING_SIZE_MAX}`, {
      field: 'signature',
      limit: LSAG_RING_SIZE_MAX,
    })
  }
  const expected = 2 + SECP_SCALAR_BYTES + SECP_POINT_BYTES + n * (SECP_POINT_BYTES + SECP_SCALAR_BYTES)
  if (n === 0 || bytes.length !== expected) {
    throw privacyError(
      'INVALID_SIGNATURE',
      `expected ${expected}-byte LSAG signature for ${n} keys, got ${bytes.length}`,
      {
        field: 'signature',
        expected,
        actual: bytes.length,
      },
    )
  }
  let offset = 2
  const take = (length: number): Bytes => {
    const out = bytes.slice(offset, offset + length)
    offset += length
    return out
  }
  const challengeValue = secpScalarFromBytes(take(SECP_SCALAR_BYTES), 'challenge')
  const keyImage = take(SECP_POINT_BYTES)
  secpPointFromBytes(keyImage, 'keyImage')
  const ring: Bytes[] = []
  const responses: bigint[] = []
  for (let i = 0; i < n; i++) {
    ring.push(take(SECP_POINT_BYTES))
    responses.push(secpScalarFromBytes(take(SECP_SCALAR_BYTES), `responses[${i}]`))
  }
  return { ring, challenge: challengeValue, responses, keyImage }
}

/**
 * FISCO-shaped string form: a JSON object with the keys of FISCO's `LinkableRingSignature`
 * (`Y` key image, `C` c₀, `num`, `s0…`, `pk0…`), values as lower-case hex (FISCO's values are
 * Z*_p integers; ours are secp256k1 points and scalars).
 */
export function lsagSignatureToString(signature: LSAGSignature): string {
  checkSignatureShape(signature)
  const parsed = parseRing(signature.ring)
  const json: Record<string, string> = {
    Y: bytesToHex(secpPointBytes(secpPointFromBytes(signature.keyImage, 'keyImage'))),
    C: bytesToHex(bigIntToBytes(signature.challenge, SECP_SCALAR_BYTES)),
    num: String(parsed.points.length),
  }
  for (let i = 0; i < parsed.points.length; i++) {
    json[`s${i}`] = bytesToHex(bigIntToBytes(signature.responses[i]!, SECP_SCALAR_BYTES))
    json[`pk${i}`] = bytesToHex(parsed.encoded[i]!)
  }
  return JSON.stringify(json)
}

/** Parse {@link lsagSignatureToString}; throws INVALID_SIGNATURE for anything malformed. */
export function lsagSignatureFromString(text: string): LSAGSignature {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw privacyError('INVALID_SIGNATURE', 'LSAG signature is not JSON', { field: 'signature' }, { cause })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw privacyError('INVALID_SIGNATURE', 'LSAG signature is not a JSON object', { field: 'signature' })
  }
  const record = json as Record<string, unknown>
  const field = (key: string): Bytes => {
    const value = record[key]
    if (typeof value !== 'string') {
      throw privacyError('INVALID_SIGNATURE', `LSAG signature lacks "${key}"`, { field: key })
    }
    try {
      return hexToBytes(value, key)
    } catch (cause) {
      throw privacyError('INVALID_SIGNATURE', `LSAG signature "${key}" is not hex`, { field: key }, { cause })
    }
  }
  const numText = record.num
  if (typeof numText !== 'string' || !/^[1-9][0-9]{0,5}$/.test(numText)) {
    throw privacyError('INVALID_SIGNATURE', 'LSAG signature "num" is not a positive decimal', {
      field: 'num',
    })
  }
  const n = Number(numText)
  if (n > LSAG_RING_SIZE_MAX) {
    throw privacyError('LIMIT_EXCEEDED', `ring of ${n} keys exceeds ${LSAG_RING_SIZE_MAX}`, {
      field: 'num',
      limit: LSAG_RING_SIZE_MAX,
    })
  }
  const ring: Bytes[] = []
  const responses: bigint[] = []
  for (let i = 0; i < n; i++) {
    ring.push(field(`pk${i}`))
    responses.push(secpScalarFromBytes(field(`s${i}`), `s${i}`))
  }
  return { ring, challenge: secpScalarFromBytes(field('C'), 'C'), responses, keyImage: field('Y') }
}

/**
 * The check FISCO's RingSig precompile (0x5005) performs, on our instantiation:
 * `ringSigVerify(string signature, string message, string paramInfo) → bool`.
 * `paramInfo` must be {@link LSAG_PARAM_INFO} (compared as JSON); malformed input throws.
 */
export function lsagVerifyString(
  signature: string,
  message: MessageInput,
  paramInfo = LSAG_PARAM_INFO,
): boolean {
  checkParamInfo(paramInfo, LSAG_PARAM_INFO)
  return lsagVerify(message, lsagSignatureFromString(signature))
}
