import type { Bytes, CommittedBlock, Hash32 } from '@consortia/interface'
import type { SimCommitEvent, SimInvariant, SimPayload } from './types.js'

/** Heights the agreement checker remembers; older heights are forgotten (bounded memory). */
export const AGREEMENT_HEIGHTS_MAX = 100_000

/** What the agreement checker remembers: the first honest decision per height. */
export interface AgreementState {
  readonly decided: Map<number, { readonly hash: Hash32; readonly node: number }>
}

/**
 * Safety: no two honest nodes commit different blocks at one height. Runs on every commit;
 * remembers the last `heightsMax` heights.
 */
export function agreementInvariant(heightsMax = AGREEMENT_HEIGHTS_MAX): {
  invariant: SimInvariant
  state: AgreementState
} {
  const decided = new Map<number, { hash: Hash32; node: number }>()
  let lowest = 1
  const invariant: SimInvariant = {
    name: 'agreement',
    onCommit(event: SimCommitEvent) {
      const { number, hash } = event.committed.block
      const prior = decided.get(number)
      if (prior === undefined) {
        if (number < lowest) return undefined
        decided.set(number, { hash, node: event.node })
        while (decided.size > heightsMax) decided.delete(lowest++)
        return undefined
      }
      if (!equal(prior.hash, hash)) {
        return `nodes ${prior.node} and ${event.node} committed different blocks at height ${number}`
      }
      return undefined
    },
  }
  return { invariant, state: { decided } }
}

/** Options of `signatureQuorumInvariant`. */
export interface SignatureQuorumInit {
  /** Signatures a certificate needs with `n` sealers (PBFT: n − f). */
  quorum(sealerCount: number): number
  /** The digest each certificate signature signs, built with the run's hash function. */
  digest(committed: CommittedBlock<SimPayload>, hash: (data: Bytes) => Hash32): Hash32
}

/**
 * Every committed block carries a quorum of valid signatures from distinct sealers.
 * Engine-agnostic: the adapter says what is signed and how many signatures are needed.
 */
export function signatureQuorumInvariant(init: SignatureQuorumInit): SimInvariant {
  return {
    name: 'certificate',
    onCommit(event) {
      const need = init.quorum(event.sealerCount)
      const seen = new Set<number>()
      const digest = init.digest(event.committed, event.hash)
      for (const { index, signature } of event.committed.certificate) {
        if (!Number.isSafeInteger(index) || index < 0 || index >= event.sealerCount) {
          return `certificate of height ${event.committed.block.number} names non-sealer ${index}`
        }
        if (seen.has(index))
          return `certificate of height ${event.committed.block.number} repeats sealer ${index}`
        if (!event.verify(index, digest, signature)) {
          return `certificate of height ${event.committed.block.number} has a bad signature from ${index}`
        }
        seen.add(index)
      }
      if (seen.size < need) {
        return `certificate of height ${event.committed.block.number} has ${seen.size} signatures, needs ${need}`
      }
      return undefined
    },
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
