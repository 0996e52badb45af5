import type { TLSSocket } from 'node:tls'
import type { NodeId } from '@consortia/interface'
import { type CertCurve, inspectCert } from './certs.js'

/**
 * Why a connection was refused or dropped. Every refusal is logged with one of these
 * (A17 in the attack catalogue): certificate problems first, then node admission.
 */
export type PeerRejectReason =
  /** The peer's chain does not lead to this chain's CA (foreign or self-signed). */
  | 'untrusted-ca'
  /** A certificate in the peer's chain is past its notAfter. */
  | 'expired'
  /** A certificate in the peer's chain is before its notBefore. */
  | 'not-yet-valid'
  /** The peer sent no certificate. */
  | 'no-certificate'
  /** Any other verification failure (bad signature, malformed certificate). */
  | 'invalid-certificate'
  /** The leaf is a CA certificate or has no basicConstraints: only node certificates may connect. */
  | 'not-node-certificate'
  /** The leaf key is not secp256k1 or P-256. */
  | 'unsupported-key'
  /** The node ID is in the certificate blacklist. */
  | 'blacklisted'
  /** The whitelist is on and does not list the node ID. */
  | 'not-whitelisted'
  /** A session with this node ID already exists and is kept. */
  | 'duplicate'
  /** The peer is this node. */
  | 'self'
  /** The connection limit is reached. */
  | 'too-many-connections'

/** The outcome of checking a peer's TLS certificate. */
export type PeerCertCheck =
  | {
      readonly ok: true
      readonly nodeId: NodeId
      readonly curve: CertCurve
      readonly commonName: string
      readonly agency: string
    }
  | { readonly ok: false; readonly reason: PeerRejectReason; readonly detail: string }

// OpenSSL verify results as node:tls names them (X509_V_ERR_*).
const EXPIRED = new Set(['CERT_HAS_EXPIRED'])
const NOT_YET_VALID = new Set(['CERT_NOT_YET_VALID'])
const UNTRUSTED = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
])

/**
 * Check the certificate a peer presented on a finished TLS handshake: the chain must
 * verify against the chain CA (OpenSSL's verdict, read from `socket.authorized`), the
 * leaf must be a node certificate (basicConstraints CA:FALSE) with a secp256k1 or P-256
 * key, whose 64-byte public key is the node ID. Blacklist, whitelist, self and duplicate
 * checks belong to the caller, which knows its own state.
 */
export function checkPeerCertificate(socket: TLSSocket): PeerCertCheck {
  const peer = socket.getPeerCertificate(false)
  if (peer === null || peer === undefined || peer.raw === undefined) {
    return { ok: false, reason: 'no-certificate', detail: 'peer sent no certificate' }
  }
  if (!socket.authorized) {
    const err = socket.authorizationError
    const code = typeof err === 'string' ? err : ((err as { code?: string } | null)?.code ?? String(err))
    if (EXPIRED.has(code)) return { ok: false, reason: 'expired', detail: code }
    if (NOT_YET_VALID.has(code)) return { ok: false, reason: 'not-yet-valid', detail: code }
    if (UNTRUSTED.has(code)) return { ok: false, reason: 'untrusted-ca', detail: code }
    return { ok: false, reason: 'invalid-certificate', detail: code }
  }
  let info: ReturnType<typeof inspectCert>
  try {
    info = inspectCert(new Uint8Array(peer.raw))
  } catch (err) {
    return { ok: false, reason: 'invalid-certificate', detail: (err as Error).message }
  }
  if (info.isCA === undefined) {
    return { ok: false, reason: 'not-node-certificate', detail: 'leaf certificate has no basicConstraints' }
  }
  if (info.isCA) {
    return {
      ok: false,
      reason: 'not-node-certificate',
      detail: 'leaf certificate is a CA (basicConstraints CA:TRUE)',
    }
  }
  if (info.publicKey === undefined || info.curve === undefined) {
    return { ok: false, reason: 'unsupported-key', detail: 'leaf key is not secp256k1 or P-256' }
  }
  return {
    ok: true,
    nodeId: info.publicKey,
    curve: info.curve,
    commonName: info.subject.commonName,
    agency: info.issuer.commonName,
  }
}
