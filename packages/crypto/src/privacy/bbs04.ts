/**
 * BBS04 group signatures on BLS12-381, with opening by the group manager and revocation.
 *
 * Reference: D. Boneh, X. Boyen, H. Shacham, "Short Group Signatures", CRYPTO 2004, LNCS 3152,
 * pp. 41–55 — §5 (the scheme: KeyGen, Sign, Verify, Open) and §7 (revocation). Notation follows
 * the paper: gpk = (g₁, g₂, h, u, v, w = g₂^γ) with u^ξ₁ = v^ξ₂ = h; member key (A_i, x_i) with
 * A_i^(γ + x_i) = g₁; manager secret (ξ₁, ξ₂); signature σ = (T₁, T₂, T₃, c, s_α, s_β, s_x, s_δ₁, s_δ₂).
 *
 * Instantiation: the paper's bilinear groups with an isomorphism ψ: G₂ → G₁ are replaced by the
 * type-3 pairing of BLS12-381 (@noble/curves). ψ only appears in the security proof and in
 * §7's derivation of g₁′ from g₂′; here the revocation entry publishes g₂′ = g₂^(1/(γ+x*)) beside
 * A* = g₁^(1/(γ+x*)), computed by the issuer, so members update with public data only.
 * The key-issuing secret γ and the opening secret (ξ₁, ξ₂) are kept apart (issuer vs manager).
 * c = H(gpk, M, T₁, T₂, T₃, R₁ … R₅) is RFC 9380 hash_to_field into F_r (SHA-256, our DST).
 *
 * FISCO BCOS's GroupSig precompile (0x5004, `groupSigVerify(signature, message, gpkInfo,
 * paramInfo)`) runs the same scheme on PBC type-A/D pairings; {@link bbs04VerifyString} is that call
 * on this instantiation, with hex `signature` / `gpkInfo` and {@link BBS04_PARAM_INFO}.
 */
import type { Bytes } from '@consortia/interface'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  concatBytes,
  hexToBytes,
  invertMod,
  mod,
} from '../bytes.js'
import {
  checkParamInfo,
  framed,
  type MessageInput,
  messageBytes,
  type RandomSource,
  randomScalar,
  systemRandom,
} from './common.js'
import { privacyError } from './errors.js'

type G1Point = InstanceType<typeof bls12_381.G1.Point>
type G2Point = InstanceType<typeof bls12_381.G2.Point>
type GT = ReturnType<typeof bls12_381.pairing>

const G1 = bls12_381.G1.Point
const G2 = bls12_381.G2.Point
const Fp12 = bls12_381.fields.Fp12

/** Order r of G₁, G₂ and G_T. */
export const BBS04_ORDER = bls12_381.fields.Fr.ORDER

/** Byte lengths of the encodings. */
export const BBS04_G1_BYTES = 48
/** Compressed G₂ point length. */
export const BBS04_G2_BYTES = 96
/** Scalar length. */
export const BBS04_SCALAR_BYTES = 32
/** gpk = g₁ ‖ g₂ ‖ h ‖ u ‖ v ‖ w. */
export const BBS04_PUBLIC_KEY_BYTES = 4 * BBS04_G1_BYTES + 2 * BBS04_G2_BYTES
/** σ = T₁ ‖ T₂ ‖ T₃ ‖ c ‖ s_α ‖ s_β ‖ s_x ‖ s_δ₁ ‖ s_δ₂. */
export const BBS04_SIGNATURE_BYTES = 3 * BBS04_G1_BYTES + 6 * BBS04_SCALAR_BYTES
/** Member key = A ‖ x. */
export const BBS04_MEMBER_KEY_BYTES = BBS04_G1_BYTES + BBS04_SCALAR_BYTES

/** Largest message accepted, in bytes. */
export const BBS04_MESSAGE_BYTES_MAX = 1 << 20

/** Domain-separation tag of the challenge hash. */
export const BBS04_CHALLENGE_DST = 'CONSORTIA-BBS04-V1-CHALLENGE_BLS12381G1_XMD:SHA-256_SSWU_RO_'

/** `paramInfo` naming this instantiation for {@link bbs04VerifyString}. */
export const BBS04_PARAM_INFO = '{"curve":"bls12-381","hash":"sha256","scheme":"bbs04"}'

/** Group public key gpk = (g₁, g₂, h, u, v, w). */
export interface BBS04PublicKey {
  /** Generator of G₁ that member keys are roots of (A_i^(γ+x_i) = g₁). */
  readonly g1: G1Point
  /** Generator of G₂. */
  readonly g2: G2Point
  /** h ∈ G₁, random. */
  readonly h: G1Point
  /** u = h^(1/ξ₁). */
  readonly u: G1Point
  /** v = h^(1/ξ₂). */
  readonly v: G1Point
  /** w = g₂^γ. */
  readonly w: G2Point
}

/** The group manager's opening secret (ξ₁, ξ₂): the linear-encryption key of T₁, T₂, T₃. */
export interface BBS04ManagerSecret {
  /** ξ₁. */
  readonly xi1: bigint
  /** ξ₂. */
  readonly xi2: bigint
}

/** The issuer's secret γ, needed to issue member keys and to revoke. */
export interface BBS04IssuerSecret {
  /** γ. */
  readonly gamma: bigint
}

/** A member's private key (A, x) with A^(γ+x) = g₁. A identifies the member to the manager. */
export interface BBS04MemberKey {
  /** A = g₁^(1/(γ+x)). */
  readonly A: G1Point
  /** x. */
  readonly x: bigint
}

/** A group signature. */
export interface BBS04Signature {
  /** T₁ = u^α. */
  readonly T1: G1Point
  /** T₂ = v^β. */
  readonly T2: G1Point
  /** T₃ = A·h^(α+β). */
  readonly T3: G1Point
  /** Challenge c. */
  readonly c: bigint
  /** s_α. */
  readonly sAlpha: bigint
  /** s_β. */
  readonly sBeta: bigint
  /** s_x. */
  readonly sX: bigint
  /** s_δ₁. */
  readonly sDelta1: bigint
  /** s_δ₂. */
  readonly sDelta2: bigint
}

/** Output of {@link bbs04Setup}. */
export interface BBS04Group {
  /** Public key, for everyone. */
  readonly publicKey: BBS04PublicKey
  /** Opening secret, for the group manager. */
  readonly managerSecret: BBS04ManagerSecret
  /** Issuing secret, for the issuer (may be the same party). */
  readonly issuerSecret: BBS04IssuerSecret
}

/** A published revocation of one member (BBS04 §7, adapted to type-3 pairings). */
export interface BBS04Revocation {
  /** The revoked member's A* = g₁^(1/(γ+x*)); becomes the new g₁. */
  readonly A: G1Point
  /** The revoked member's x*. */
  readonly x: bigint
  /** g₂′ = g₂^(1/(γ+x*)); becomes the new g₂. */
  readonly g2: G2Point
}

/** Options with a random source. */
export interface BBS04RandomOptions {
  /** Random source (default system CSPRNG). */
  random?: RandomSource
}

const r = BBS04_ORDER

function mulG1(point: G1Point, k: bigint): G1Point {
  const e = mod(k, r)
  return e === 0n ? G1.ZERO : point.multiply(e)
}

function mulG2(point: G2Point, k: bigint): G2Point {
  const e = mod(k, r)
  return e === 0n ? G2.ZERO : point.multiply(e)
}

/** Variable-time multiplication for public scalars (verification). */
function mulG1Public(point: G1Point, k: bigint): G1Point {
  return point.multiplyUnsafe(mod(k, r))
}

function mulG2Public(point: G2Point, k: bigint): G2Point {
  return point.multiplyUnsafe(mod(k, r))
}

/** ∏ e(P_i, Q_i), skipping pairs with an identity point (their pairing is 1). */
function pairProduct(pairs: { g1: G1Point; g2: G2Point }[]): GT {
  const live = pairs.filter((p) => !p.g1.equals(G1.ZERO) && !p.g2.equals(G2.ZERO))
  return live.length === 0 ? Fp12.ONE : bls12_381.pairingBatch(live)
}

function g1Bytes(point: G1Point): Bytes {
  return point.toBytes(true)
}

function g2Bytes(point: G2Point): Bytes {
  return point.toBytes(true)
}

function scalarBytes(value: bigint): Bytes {
  return bigIntToBytes(mod(value, r), BBS04_SCALAR_BYTES)
}

function g1FromBytes(bytes: Bytes, label: string, code: 'INVALID_PUBLIC_KEY' | 'INVALID_SIGNATURE'): G1Point {
  try {
    const point = G1.fromBytes(bytes)
    point.assertValidity()
    if (point.equals(G1.ZERO)) throw new Error('identity')
    return point
  } catch (cause) {
    throw privacyError(code, `${label} is not a non-identity point of G1`, { field: label }, { cause })
  }
}

function g2FromBytes(bytes: Bytes, label: string): G2Point {
  try {
    const point = G2.fromBytes(bytes)
    point.assertValidity()
    if (point.equals(G2.ZERO)) throw new Error('identity')
    return point
  } catch (cause) {
    throw privacyError(
      'INVALID_PUBLIC_KEY',
      `${label} is not a non-identity point of G2`,
      { field: label },
      { cause },
    )
  }
}

function scalarFromBytes(
  bytes: Bytes,
  label: string,
  code: 'INVALID_SIGNATURE' | 'INVALID_PRIVATE_KEY',
): bigint {
  const value = bytesToBigInt(bytes)
  if (value >= r) throw privacyError(code, `${label} is not below the BLS12-381 order`, { field: label })
  return value
}

function checkLength(bytes: Bytes, length: number, label: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw privacyError(
      'INVALID_LENGTH',
      `expected ${length}-byte ${label}, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
      { field: label, expected: length },
    )
  }
}

function checkMessage(message: MessageInput): Bytes {
  const bytes = messageBytes(message)
  if (bytes.length > BBS04_MESSAGE_BYTES_MAX) {
    throw privacyError(
      'LIMIT_EXCEEDED',
      `message of ${bytes.length} bytes exceeds ${BBS04_MESSAGE_BYTES_MAX}`,
      {
        field: 'message',
        limit: BBS04_MESSAGE_BYTES_MAX,
      },
    )
  }
  return bytes
}

/**
 * KeyGen (BBS04 §5) without the member keys: picks h, ξ₁, ξ₂, γ and returns gpk, the manager's
 * opening secret and the issuer's secret. g₁, g₂ are the standard generators.
 */
export function bbs04Setup(options: BBS04RandomOptions = {}): BBS04Group {
  const random = options.random ?? systemRandom
  const h = G1.BASE.multiply(randomScalar(r, random))
  const xi1 = randomScalar(r, random)
  const xi2 = randomScalar(r, random)
  const gamma = randomScalar(r, random)
  const publicKey: BBS04PublicKey = {
    g1: G1.BASE,
    g2: G2.BASE,
    h,
    u: h.multiply(invertMod(xi1, r)),
    v: h.multiply(invertMod(xi2, r)),
    w: G2.BASE.multiply(gamma),
  }
  return { publicKey, managerSecret: { xi1, xi2 }, issuerSecret: { gamma } }
}

/** Issue a member key (A = g₁^(1/(γ+x)), x random with γ + x ≠ 0). */
export function bbs04Join(
  publicKey: BBS04PublicKey,
  issuerSecret: BBS04IssuerSecret,
  options: BBS04RandomOptions = {},
): BBS04MemberKey {
  const random = options.random ?? systemRandom
  if (!publicKey.w.equals(mulG2(publicKey.g2, issuerSecret.gamma))) {
    throw privacyError('KEY_MISMATCH', 'issuer secret does not match the group public key', {
      field: 'issuerSecret',
    })
  }
  for (;;) {
    const x = randomScalar(r, random)
    const denominator = mod(issuerSecret.gamma + x, r)
    if (denominator === 0n) continue
    return { A: publicKey.g1.multiply(invertMod(denominator, r)), x }
  }
}

/** Check a member key against gpk: e(A, w·g₂^x) = e(g₁, g₂). Members run it on what the issuer sent. */
export function bbs04VerifyMemberKey(publicKey: BBS04PublicKey, memberKey: BBS04MemberKey): boolean {
  if (memberKey.A.equals(G1.ZERO)) return false
  const right = publicKey.w.add(mulG2Public(publicKey.g2, memberKey.x))
  if (right.equals(G2.ZERO)) return false
  return Fp12.eql(
    pairProduct([
      { g1: memberKey.A, g2: right },
      { g1: publicKey.g1.negate(), g2: publicKey.g2 },
    ]),
    Fp12.ONE,
  )
}

function challenge(publicKey: BBS04PublicKey, message: Bytes, points: G1Point[], R3: GT): bigint {
  const input = framed(
    sha256(bbs04PublicKeyToBytes(publicKey)),
    message,
    ...points.map(g1Bytes),
    Fp12.toBytes(R3),
  )
  return bls12_381.G1.hashToScalar(input, { DST: BBS04_CHALLENGE_DST })
}

/** Sign (BBS04 §5 "Sign"): a zero-knowledge proof of knowledge of (A, x) bound to the message. */
export function bbs04Sign(
  publicKey: BBS04PublicKey,
  memberKey: BBS04MemberKey,
  message: MessageInput,
  options: BBS04RandomOptions = {},
): BBS04Signature {
  const M = checkMessage(message)
  const random = options.random ?? systemRandom
  const { g2, h, u, v, w } = publicKey
  const { A, x } = memberKey
  const alpha = randomScalar(r, random)
  const beta = randomScalar(r, random)
  const rAlpha = randomScalar(r, random)
  const rBeta = randomScalar(r, random)
  const rX = randomScalar(r, random)
  const rDelta1 = randomScalar(r, random)
  const rDelta2 = randomScalar(r, random)
  const T1 = u.multiply(alpha)
  const T2 = v.multiply(beta)
  const T3 = A.add(mulG1(h, alpha + beta))
  const delta1 = mod(x * alpha, r)
  const delta2 = mod(x * beta, r)
  const R1 = u.multiply(rAlpha)
  const R2 = v.multiply(rBeta)
  // R₃ = e(T₃,g₂)^rx · e(h,w)^(−rα−rβ) · e(h,g₂)^(−rδ₁−rδ₂) = e(T₃^rx · h^(−rδ₁−rδ₂), g₂) · e(h^(−rα−rβ), w)
  const R3 = pairProduct([
    { g1: T3.multiply(rX).add(mulG1(h, -(rDelta1 + rDelta2))), g2 },
    { g1: mulG1(h, -(rAlpha + rBeta)), g2: w },
  ])
  const R4 = mulG1(T1, rX).add(mulG1(u, -rDelta1))
  const R5 = mulG1(T2, rX).add(mulG1(v, -rDelta2))
  const c = challenge(publicKey, M, [T1, T2, T3, R1, R2, R4, R5], R3)
  return {
    T1,
    T2,
    T3,
    c,
    sAlpha: mod(rAlpha + c * alpha, r),
    sBeta: mod(rBeta + c * beta, r),
    sX: mod(rX + c * x, r),
    sDelta1: mod(rDelta1 + c * delta1, r),
    sDelta2: mod(rDelta2 + c * delta2, r),
  }
}

/**
 * Verify (BBS04 §5 "Verify"): recompute R̃₁ … R̃₅ and check c = H(…). Returns false for a
 * well-formed signature that does not verify; the pairing part is one 3-pair product:
 * R̃₃ = e(T₃, g₂^s_x·w^c) · e(h^(−s_α−s_β), w) · e(h^(−s_δ₁−s_δ₂)·g₁^(−c), g₂).
 */
export function bbs04Verify(
  publicKey: BBS04PublicKey,
  message: MessageInput,
  signature: BBS04Signature,
): boolean {
  const M = checkMessage(message)
  const { g1, g2, h, u, v, w } = publicKey
  const { T1, T2, T3, c, sAlpha, sBeta, sX, sDelta1, sDelta2 } = signature
  for (const s of [c, sAlpha, sBeta, sX, sDelta1, sDelta2]) {
    if (typeof s !== 'bigint' || s < 0n || s >= r) return false
  }
  if (T1.equals(G1.ZERO) || T2.equals(G1.ZERO) || T3.equals(G1.ZERO)) return false
  const R1 = mulG1Public(u, sAlpha).add(mulG1Public(T1, -c))
  const R2 = mulG1Public(v, sBeta).add(mulG1Public(T2, -c))
  const R3 = pairProduct([
    { g1: T3, g2: mulG2Public(g2, sX).add(mulG2Public(w, c)) },
    { g1: mulG1Public(h, -(sAlpha + sBeta)), g2: w },
    { g1: mulG1Public(h, -(sDelta1 + sDelta2)).add(mulG1Public(g1, -c)), g2 },
  ])
  const R4 = mulG1Public(T1, sX).add(mulG1Public(u, -sDelta1))
  const R5 = mulG1Public(T2, sX).add(mulG1Public(v, -sDelta2))
  return challenge(publicKey, M, [T1, T2, T3, R1, R2, R4, R5], R3) === c
}

/**
 * Open (BBS04 §5 "Open"): after checking the signature, recover A = T₃ / (T₁^ξ₁ · T₂^ξ₂), the
 * signer's identity. Returns undefined for a signature that does not verify. Match the result
 * against the issued keys (for example with {@link bbs04MemberId}).
 */
export function bbs04Open(
  publicKey: BBS04PublicKey,
  managerSecret: BBS04ManagerSecret,
  message: MessageInput,
  signature: BBS04Signature,
): G1Point | undefined {
  if (
    !publicKey.h.equals(mulG1(publicKey.u, managerSecret.xi1)) ||
    !publicKey.h.equals(mulG1(publicKey.v, managerSecret.xi2))
  ) {
    throw privacyError('KEY_MISMATCH', 'manager secret does not match the group public key', {
      field: 'managerSecret',
    })
  }
  if (!bbs04Verify(publicKey, message, signature)) return undefined
  return signature.T3.subtract(
    mulG1(signature.T1, managerSecret.xi1).add(mulG1(signature.T2, managerSecret.xi2)),
  )
}

/** A member's identity as the manager records it: lower-case hex of compressed A. */
export function bbs04MemberId(A: G1Point): string {
  return bytesToHex(g1Bytes(A))
}

/**
 * Revoke a member (BBS04 §7): the new gpk has g₁′ = A*, g₂′ = g₂^(1/(γ+x*)), w′ = g₂′^γ; h, u, v
 * and the opening secret stay. Publishes (A*, x*, g₂′) so members update their keys with
 * {@link bbs04UpdateMemberKey}; the revoked member cannot (x = x*), so its signatures stop verifying.
 */
export function bbs04Revoke(
  publicKey: BBS04PublicKey,
  issuerSecret: BBS04IssuerSecret,
  revoked: BBS04MemberKey,
): { publicKey: BBS04PublicKey; revocation: BBS04Revocation } {
  if (!publicKey.w.equals(mulG2(publicKey.g2, issuerSecret.gamma))) {
    throw privacyError('KEY_MISMATCH', 'issuer secret does not match the group public key', {
      field: 'issuerSecret',
    })
  }
  if (!bbs04VerifyMemberKey(publicKey, revoked)) {
    throw privacyError('INVALID_ARGUMENT', 'the key to revoke is not a member key of this group', {
      field: 'revoked',
    })
  }
  const g2Prime = mulG2(publicKey.g2, invertMod(mod(issuerSecret.gamma + revoked.x, r), r))
  return {
    publicKey: { ...publicKey, g1: revoked.A, g2: g2Prime, w: mulG2(g2Prime, issuerSecret.gamma) },
    revocation: { A: revoked.A, x: revoked.x, g2: g2Prime },
  }
}

/**
 * Member-side update after a revocation: A′ = (A* · A⁻¹)^(1/(x − x*)), so A′^(γ+x) = g₁′.
 * Throws MEMBER_REVOKED for the revoked member itself.
 */
export function bbs04UpdateMemberKey(memberKey: BBS04MemberKey, revocation: BBS04Revocation): BBS04MemberKey {
  const difference = mod(memberKey.x - revocation.x, r)
  if (difference === 0n) {
    throw privacyError('MEMBER_REVOKED', 'this member key is the revoked one', { field: 'memberKey' })
  }
  return { A: mulG1(revocation.A.subtract(memberKey.A), invertMod(difference, r)), x: memberKey.x }
}

/** gpk as 384 bytes: g₁ ‖ g₂ ‖ h ‖ u ‖ v ‖ w (compressed points). */
export function bbs04PublicKeyToBytes(publicKey: BBS04PublicKey): Bytes {
  const { g1, g2, h, u, v, w } = publicKey
  return concatBytes(g1Bytes(g1), g2Bytes(g2), g1Bytes(h), g1Bytes(u), g1Bytes(v), g2Bytes(w))
}

/** Parse {@link bbs04PublicKeyToBytes}; every point must be a non-identity subgroup point. */
export function bbs04PublicKeyFromBytes(bytes: Bytes): BBS04PublicKey {
  checkLength(bytes, BBS04_PUBLIC_KEY_BYTES, 'group public key')
  let offset = 0
  const take = (length: number): Bytes => {
    const out = bytes.subarray(offset, offset + length)
    offset += length
    return out
  }
  const g1 = g1FromBytes(take(BBS04_G1_BYTES), 'g1', 'INVALID_PUBLIC_KEY')
  const g2 = g2FromBytes(take(BBS04_G2_BYTES), 'g2')
  const h = g1FromBytes(take(BBS04_G1_BYTES), 'h', 'INVALID_PUBLIC_KEY')
  const u = g1FromBytes(take(BBS04_G1_BYTES), 'u', 'INVALID_PUBLIC_KEY')
  const v = g1FromBytes(take(BBS04_G1_BYTES), 'v', 'INVALID_PUBLIC_KEY')
  const w = g2FromBytes(take(BBS04_G2_BYTES), 'w')
  return { g1, g2, h, u, v, w }
}

/** σ as 336 bytes: T₁ ‖ T₂ ‖ T₃ (compressed G₁) ‖ c ‖ s_α ‖ s_β ‖ s_x ‖ s_δ₁ ‖ s_δ₂ (32-byte scalars). */
export function bbs04SignatureToBytes(signature: BBS04Signature): Bytes {
  const { T1, T2, T3, c, sAlpha, sBeta, sX, sDelta1, sDelta2 } = signature
  return concatBytes(
    g1Bytes(T1),
    g1Bytes(T2),
    g1Bytes(T3),
    ...[c, sAlpha, sBeta, sX, sDelta1, sDelta2].map(scalarBytes),
  )
}

/** Parse {@link bbs04SignatureToBytes}; throws INVALID_LENGTH / INVALID_SIGNATURE. */
export function bbs04SignatureFromBytes(bytes: Bytes): BBS04Signature {
  checkLength(bytes, BBS04_SIGNATURE_BYTES, 'group signature')
  let offset = 0
  const take = (length: number): Bytes => {
    const out = bytes.subarray(offset, offset + length)
    offset += length
    return out
  }
  const T1 = g1FromBytes(take(BBS04_G1_BYTES), 'T1', 'INVALID_SIGNATURE')
  const T2 = g1FromBytes(take(BBS04_G1_BYTES), 'T2', 'INVALID_SIGNATURE')
  const T3 = g1FromBytes(take(BBS04_G1_BYTES), 'T3', 'INVALID_SIGNATURE')
  const [c, sAlpha, sBeta, sX, sDelta1, sDelta2] = ['c', 'sAlpha', 'sBeta', 'sX', 'sDelta1', 'sDelta2'].map(
    (label) => scalarFromBytes(take(BBS04_SCALAR_BYTES), label, 'INVALID_SIGNATURE'),
  ) as [bigint, bigint, bigint, bigint, bigint, bigint]
  return { T1, T2, T3, c, sAlpha, sBeta, sX, sDelta1, sDelta2 }
}

/** Member key as 80 bytes: A (compressed G₁) ‖ x. */
export function bbs04MemberKeyToBytes(memberKey: BBS04MemberKey): Bytes {
  return concatBytes(g1Bytes(memberKey.A), scalarBytes(memberKey.x))
}

/** Parse {@link bbs04MemberKeyToBytes}. */
export function bbs04MemberKeyFromBytes(bytes: Bytes): BBS04MemberKey {
  checkLength(bytes, BBS04_MEMBER_KEY_BYTES, 'member key')
  let A: G1Point
  try {
    A = g1FromBytes(bytes.subarray(0, BBS04_G1_BYTES), 'A', 'INVALID_PUBLIC_KEY')
  } catch (cause) {
    throw privacyError('INVALID_PRIVATE_KEY', 'member key A is not a point of G1', { field: 'A' }, { cause })
  }
  return { A, x: scalarFromBytes(bytes.subarray(BBS04_G1_BYTES), 'x', 'INVALID_PRIVATE_KEY') }
}

function hexField(value: unknown, label: string): Bytes {
  if (typeof value !== 'string') {
    throw privacyError('INVALID_ARGUMENT', `expected ${label} as hex string, got ${typeof value}`, {
      field: label,
    })
  }
  return hexToBytes(value, label)
}

/**
 * The check FISCO's GroupSig precompile (0x5004) performs, on this instantiation:
 * `groupSigVerify(string signature, string message, string gpkInfo, string paramInfo) → bool`, with
 * `signature` = hex of {@link bbs04SignatureToBytes}, `gpkInfo` = hex of {@link bbs04PublicKeyToBytes}
 * and `paramInfo` = {@link BBS04_PARAM_INFO}. Malformed input throws; a bad signature is false.
 */
export function bbs04VerifyString(
  signature: string,
  message: MessageInput,
  gpkInfo: string,
  paramInfo = BBS04_PARAM_INFO,
): boolean {
  checkParamInfo(paramInfo, BBS04_PARAM_INFO)
  const publicKey = bbs04PublicKeyFromBytes(hexField(gpkInfo, 'gpkInfo'))
  return bbs04Verify(publicKey, message, bbs04SignatureFromBytes(hexField(signature, 'signature')))
}
