import { ChainError } from '@consortia/interface'

/** Errors of the evidence-storage app, thrown as `ChainError<EvidenceErrorType>`. */
export type EvidenceErrorType =
  /** An input is malformed: `fingerprint: expected 32-byte hex, got "0x12"`. */
  | { code: 'EVIDENCE_INVALID_INPUT'; field: string; expected: string; got: string }
  /** A file, description or signature list is larger than the app accepts. */
  | { code: 'EVIDENCE_LIMIT_REACHED'; limit: string; max: number; got: number }
  /** The chain has no registration, transaction, receipt or block the operation needs. */
  | { code: 'EVIDENCE_NOT_FOUND'; what: string; key: string }

/** Every code of `EvidenceErrorType`. */
export type EvidenceErrorCode = EvidenceErrorType['code']

/** The error class the app throws. */
export type EvidenceError = ChainError<EvidenceErrorType>

/** Creates an app error. */
export function evidenceError(type: EvidenceErrorType, message: string, cause?: unknown): EvidenceError {
  return new ChainError(type, message, cause === undefined ? undefined : { cause })
}

/** `field: expected X, got Y` as a typed error. */
export function invalidInput(field: string, expected: string, got: string): EvidenceError {
  return evidenceError(
    { code: 'EVIDENCE_INVALID_INPUT', field, expected, got },
    `${field}: expected ${expected}, got ${got}`,
  )
}

/** True when `err` is an app error (optionally with `code`). */
export function isEvidenceError(err: unknown, code?: EvidenceErrorCode): err is EvidenceError {
  return (
    err instanceof ChainError && err.code.startsWith('EVIDENCE_') && (code === undefined || err.code === code)
  )
}
