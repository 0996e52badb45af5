import { ChainError } from '@consortia/interface'

/** Error codes thrown by @consortia/crypto. */
export type CryptoErrorCode =
  /** An input has the wrong byte length ("expected 32-byte hash, got 31"). */
  | 'INVALID_LENGTH'
  /** A signature is malformed or out of range: r or s outside [1, n−1], high s, bad recovery id. */
  | 'INVALID_SIGNATURE'
  /** A well-formed signature does not verify (wrong key, wrong hash, SM2 signed over another Z_A). */
  | 'SIGNATURE_MISMATCH'
  /** A public key is not a point of the curve (or is the point at infinity). */
  | 'INVALID_PUBLIC_KEY'
  /** A private key is zero or not below the curve order. */
  | 'INVALID_PRIVATE_KEY'
  /** A PEM / DER / node key file does not parse, or holds a key on another curve. */
  | 'INVALID_KEY_FILE'
  /** Curve parameters are unusable (not prime order, wrong sizes) or unknown. */
  | 'UNSUPPORTED_CURVE'
  /** This Node.js / OpenSSL build lacks something the suite needs (SM3, SM4, the native backend). */
  | 'UNSUPPORTED'
  /** A Merkle proof was asked for an index that is not in the list, or a proof is malformed. */
  | 'INVALID_PROOF'
  /** Any other malformed argument (bad option, bad index, too many items). */
  | 'INVALID_ARGUMENT'
  /** The verify pool's bounded queue is full. */
  | 'QUEUE_FULL'
  /** The verify pool was closed. */
  | 'POOL_CLOSED'
  /** A verify-pool worker died or answered garbage. */
  | 'WORKER_FAILED'

/** Type of every error this package throws: a code plus structured metadata. */
export type CryptoErrorType = {
  code: CryptoErrorCode
  /** The argument or field the error is about (`hash`, `signature`, `publicKey`, ...). */
  field?: string
  [key: string]: unknown
}

/** A ChainError thrown by @consortia/crypto. */
export type CryptoError = ChainError<CryptoErrorType>

/** Create a crypto error. */
export function cryptoError(
  code: CryptoErrorCode,
  message: string,
  metadata: Omit<CryptoErrorType, 'code'> = {},
  options?: { cause?: unknown },
): CryptoError {
  return new ChainError<CryptoErrorType>({ code, ...metadata }, message, options)
}
