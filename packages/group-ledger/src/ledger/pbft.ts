import {
  createPBFTEngine,
  type PBFTCertificateScheme,
  type PBFTMessage,
  type PBFTPersistedState,
} from '@consortia/consensus-pbft'
import type { Bytes, CryptoSuite, Logger } from '@consortia/interface'
import type { BlockProposal, EngineFactory } from './driver.js'

/** Options of `pbftEngineFactory`. */
export interface PBFTEngineFactoryInit {
  readonly suite: CryptoSuite
  /** This node's private key (signs Sign and Commit votes). */
  readonly privateKey: Bytes
  /** Base view timeout in driver ticks (FISCO: 3 s; with 100 ms ticks, 30). */
  readonly viewTimeoutTicks?: number
  /**
   * What goes into blocks' signature lists (default `block-hash`: FISCO BCOS 2.x
   * `signatureList`, signatures over the bare block hash that FISCO SDKs verify; `view-bound`:
   * the commit votes over `commitPreimage(number, view, hash)`). Block sync must check with
   * the same scheme (`pbftCertificates(suite, { scheme })`).
   */
  readonly certificateScheme?: PBFTCertificateScheme
  readonly logger?: Logger
}

/**
 * Wires `@consortia/consensus-pbft` for `createConsensusDriver`: votes signed with the node key,
 * verified against the sealer list in force, verdicts as PBFT `verdict` messages, sealer
 * changes through `setSealers`. Commit certificates become the blocks' signature lists: by
 * default FISCO's (n−f signatures over the bare block hash, sent with each Commit, so only
 * after the signer prepared the block).
 */
export function pbftEngineFactory(
  init: PBFTEngineFactoryInit,
): EngineFactory<PBFTMessage<BlockProposal>, PBFTPersistedState<BlockProposal>> {
  const { suite, privateKey } = init
  return (restore, sealers) => {
    const engine = createPBFTEngine<BlockProposal>(
      {
        sealerCount: restore.sealerList.length,
        selfIndex: restore.selfIndex,
        head: restore.head,
        ...(restore.state === undefined ? {} : { state: restore.state }),
        committed: restore.committed,
        certificateScheme: init.certificateScheme ?? 'block-hash',
        ...(init.viewTimeoutTicks === undefined ? {} : { viewTimeoutTicks: init.viewTimeoutTicks }),
      },
      {
        sign: (digest) => suite.sign(digest, privateKey),
        verify: (index, digest, signature) => {
          const key = sealers()[index]
          return key !== undefined && suite.verify(digest, signature, key)
        },
        hash: (data) => suite.hash(data),
        ...(init.logger === undefined ? {} : { logger: init.logger }),
      },
    )
    return {
      engine,
      proposeEmptyBlocks: true,
      // Sign and Commit set the persisted vote in the same Ready as their message.
      lazySilentPersist: true,
      verdict: (block, valid) => ({ type: 'verdict', height: block.number, hash: block.hash, valid }),
      setSealers: (height, sealerList, selfIndex) =>
        engine.setSealers(height, { sealerCount: sealerList.length, selfIndex }),
    }
  }
}
