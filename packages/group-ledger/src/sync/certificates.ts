import { commitPreimage, type PBFTCertificateScheme, pbftQuorum } from '@consortia/consensus-pbft'
import type { CryptoSuite, NodeId } from '@consortia/interface'
import type { BlockToImport } from '../ledger/driver.js'

/**
 * How block sync trusts a block it did not decide itself: the certificate check run before
 * re-execution, and whether blocks may only come from sealers.
 */
export interface BlockCertificatePolicy {
  /** `pbft`, `raft` or a custom name (logs, stats). */
  readonly name: string
  /** When true, blocks are requested from and accepted from sealers only (crash-fault engines). */
  readonly sealersOnly: boolean
  /**
   * The problem with `block`'s certificate given the sealer list in force at its height, or
   * undefined. `source` is the peer that served it.
   */
  check(block: BlockToImport, sealerList: readonly NodeId[], source: NodeId): string | undefined
}

/** Options of `pbftCertificates`. */
export interface PBFTCertificateOptions {
  /** The scheme the chain's engines use (default `block-hash`, as `pbftEngineFactory`). */
  readonly scheme?: PBFTCertificateScheme
}

/**
 * PBFT blocks: the signature list must hold signatures of at least n − f distinct sealers of
 * the list in force at the block's height. Under the default `block-hash` scheme each is over
 * the bare block hash, as FISCO BCOS 2.x writes `signatureList` and FISCO SDKs verify it (an
 * honest sealer signs it only in its Commit, after it prepared the block, so n − f of them
 * prove the block is the only one that can be decided at its height). Under `view-bound` each
 * is over `hash(commitPreimage(number, view, blockHash))` and blocks without a view are refused.
 */
export function pbftCertificates(
  suite: CryptoSuite,
  options: PBFTCertificateOptions = {},
): BlockCertificatePolicy {
  const scheme = options.scheme ?? 'block-hash'
  return {
    name: 'pbft',
    sealersOnly: false,
    check(b, sealerList) {
      let digest: Uint8Array
      if (scheme === 'block-hash') digest = b.hash
      else {
        const view = b.view
        if (view === undefined || !Number.isSafeInteger(view) || view < 0) return 'certificate without a view'
        digest = suite.hash(commitPreimage(b.block.header.number, view, b.hash))
      }
      const seen = new Set<number>()
      for (const { index, signature } of b.block.signatureList) {
        const key = sealerList[index]
        if (key === undefined) return `certificate index ${index} is not a sealer`
        if (seen.has(index)) return `certificate index ${index} twice`
        if (!suite.verify(digest, signature, key))
          return `certificate signature of sealer ${index} does not verify`
        seen.add(index)
      }
      const quorum = pbftQuorum(sealerList.length)
      if (seen.size < quorum) return `certificate has ${seen.size} signatures, needs ${quorum}`
      return undefined
    },
  }
}

/**
 * Raft blocks carry no signatures (Raft tolerates crash faults only): a block is accepted when
 * it was served by a sealer in force at its height and its certificate is empty; re-execution
 * still checks every root. A byzantine sealer could serve a block no quorum decided: that is
 * outside Raft's fault model, as in FISCO 2.x.
 */
export function raftCertificates(): BlockCertificatePolicy {
  return {
    name: 'raft',
    sealersOnly: true,
    check(b, sealerList, source) {
      if (b.block.signatureList.length !== 0) return 'raft block with a signature list'
      const fromSealer = sealerList.some((id) => Buffer.from(id).equals(Buffer.from(source)))
      return fromSealer ? undefined : 'raft block not served by a sealer'
    },
  }
}
