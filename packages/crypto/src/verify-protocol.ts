import type { CryptoSuiteName } from '@consortia/interface'
import type { CryptoErrorCode } from './errors.js'
import type { CryptoSuiteInit } from './suite.js'

/** What a pool worker is started with: it builds its own suite from these. */
export type WorkerData = { suite: CryptoSuiteName; init: Pick<CryptoSuiteInit, 'backend' | 'verifyBackend'> }

/** One batch: `count` hashes (32 bytes each) and signatures packed back to back. */
export type WorkerRequest = { id: number; count: number; hashes: ArrayBuffer; signatures: ArrayBuffer }

/** Answer to a batch: 64-byte keys packed back to back and one status byte per item (0 = ok). */
export type WorkerResponse = { id: number; publicKeys: ArrayBuffer; status: ArrayBuffer }

/** Status byte per error code; 0 means the key was recovered. */
export const STATUS_BY_CODE: Record<string, number> & { OTHER: number } = {
  INVALID_SIGNATURE: 1,
  SIGNATURE_MISMATCH: 2,
  INVALID_PUBLIC_KEY: 3,
  INVALID_LENGTH: 4,
  OTHER: 5,
}

/** Error code of a non-zero status byte. */
export function codeOfStatus(status: number): CryptoErrorCode {
  switch (status) {
    case 1:
      return 'INVALID_SIGNATURE'
    case 2:
      return 'SIGNATURE_MISMATCH'
    case 3:
      return 'INVALID_PUBLIC_KEY'
    case 4:
      return 'INVALID_LENGTH'
    default:
      return 'WORKER_FAILED'
  }
}
