import { keccak256, sm3 } from '@consortia/crypto'
import { evidenceError, invalidInput } from './errors.js'

/** Largest evidence file the app fingerprints in memory (64 MiB). */
export const EVIDENCE_FILE_BYTES_MAX = 64 * 1024 * 1024

/** Digest algorithms of fingerprints, with their code in the contract. */
export const FingerprintAlgorithm = { keccak256: 1, sm3: 2 } as const

/** A fingerprint algorithm's name. */
export type FingerprintAlgorithmName = keyof typeof FingerprintAlgorithm

/** An evidence fingerprint: the digest of the file and the algorithm that made it. */
export interface Fingerprint {
  readonly algorithm: FingerprintAlgorithmName
  /** `0x` + 64 lower-case hex digits. */
  readonly digest: `0x${string}`
}

/** The algorithm name of a contract code (1 Keccak-256, 2 SM3). */
export function algorithmOfCode(code: number): FingerprintAlgorithmName {
  if (code === 1) return 'keccak256'
  if (code === 2) return 'sm3'
  throw invalidInput('algorithm', '1 (keccak256) or 2 (sm3)', String(code))
}

/** Fingerprints a file's bytes with Keccak-256 or SM3 (GB/T 32905-2016). */
export function fingerprintOf(
  file: Uint8Array,
  algorithm: FingerprintAlgorithmName = 'keccak256',
): Fingerprint {
  if (file.length > EVIDENCE_FILE_BYTES_MAX) {
    throw evidenceError(
      {
        code: 'EVIDENCE_LIMIT_REACHED',
        limit: 'EVIDENCE_FILE_BYTES_MAX',
        max: EVIDENCE_FILE_BYTES_MAX,
        got: file.length,
      },
      `evidence file: at most ${EVIDENCE_FILE_BYTES_MAX} bytes, got ${file.length}`,
    )
  }
  if (algorithm !== 'keccak256' && algorithm !== 'sm3') {
    throw invalidInput('algorithm', 'keccak256 or sm3', JSON.stringify(algorithm))
  }
  const digest = algorithm === 'sm3' ? sm3(file) : keccak256(file)
  return { algorithm, digest: `0x${Buffer.from(digest).toString('hex')}` }
}

/** Checks a 32-byte hex digest (`0x` optional); returns it as lower-case `0x` hex. */
export function parseDigest(text: string, field = 'fingerprint'): `0x${string}` {
  const h = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text
  if (!/^[0-9a-fA-F]{64}$/.test(h)) {
    throw invalidInput(
      field,
      '32-byte hex',
      JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text),
    )
  }
  return `0x${h.toLowerCase()}`
}
