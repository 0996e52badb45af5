import { ChainError } from '@consortia/interface'
import type { CryptoErrorCode } from '../errors.js'

/**
 * Error codes thrown by `@consortia/crypto/privacy`: the package-wide {@link CryptoErrorCode}s
 * plus the few that only privacy schemes need.
 */
export type PrivacyErrorCode =
  | CryptoErrorCode
  /** A Paillier ciphertext does not parse (hex, layout, length) or is not a unit below n². */
  | 'INVALID_CIPHERTEXT'
  /** Two operands (ciphertexts, keys) belong to different public keys. */
  | 'KEY_MISMATCH'
  /** A size limit was hit (`…Max` constants: ring size, key bits, range bits, revocations). */
  | 'LIMIT_EXCEEDED'
  /** A group member key cannot be updated because the member itself was revoked. */
  | 'MEMBER_REVOKED'

/** Type of every error the privacy module throws: a code plus structured metadata. */
export type PrivacyErrorType = {
  code: PrivacyErrorCode
  /** The argument or field the error is about (`ciphertext`, `ring`, `signature`, ...). */
  field?: string
  [key: string]: unknown
}

/** A ChainError thrown by `@consortia/crypto/privacy`. */
export type PrivacyError = ChainError<PrivacyErrorType>

/** Create a privacy error. */
export function privacyError(
  code: PrivacyErrorCode,
  message: string,
  metadata: Omit<PrivacyErrorType, 'code'> = {},
  options?: { cause?: unknown },
): PrivacyError {
  return new ChainError<PrivacyErrorType>({ code, ...metadata }, message, options)
}
