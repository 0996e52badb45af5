import { ChainError } from '@consortia/interface'

/**
 * Errors of the key manager and its client, as `ChainError<KeyManagerErrorType>`. The client
 * errors carry the key manager's URL so an operator sees which service the node tried.
 */
export type KeyManagerErrorType =
  /** An option or argument of the wrong shape (`superKey: expected ≥ 16 bytes, got 6`). */
  | { code: 'KM_INVALID_ARGUMENT'; field: string; expected: string; got: string }
  /** The key manager could not be reached (connection refused, DNS, timeout). */
  | { code: 'KM_UNREACHABLE'; url: string; reason: string }
  /** The key manager answered with an error (wrong super key, malformed cipher data key). */
  | { code: 'KM_REFUSED'; url: string; method: string; info: string }
  /** The key manager's answer is not what the protocol says (HTTP status, JSON, fields). */
  | { code: 'KM_BAD_RESPONSE'; url: string; reason: string }
  /**
   * Something on disk is encrypted (a sealed node key, an encrypted store) but disk encryption is
   * not configured, so there is no data key to open it.
   */
  | { code: 'KM_NO_DATA_KEY'; what: string }

/** Every code of {@link KeyManagerErrorType}. */
export type KeyManagerErrorCode = KeyManagerErrorType['code']

/** Shorthand for the error class of the key manager. */
export type KeyManagerError = ChainError<KeyManagerErrorType>

/** Creates a key manager error. */
export function keyManagerError(
  type: KeyManagerErrorType,
  message: string,
  cause?: unknown,
): KeyManagerError {
  return new ChainError(type, message, cause === undefined ? undefined : { cause })
}

/** `field: expected X, got Y` as a typed error. */
export function kmInvalidArgument(field: string, expected: string, got: string): KeyManagerError {
  return keyManagerError(
    { code: 'KM_INVALID_ARGUMENT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}
