import {
  createRaftEngine,
  mergeRaftPersist,
  type RaftMessage,
  type RaftPersistedState,
} from '@consortia/consensus-raft'
import type { Logger, NodeId, Random } from '@consortia/interface'
import type { BlockProposal, EngineFactory } from './driver.js'

/** Options of `raftEngineFactory`. */
export interface RaftEngineFactoryInit {
  /** Randomised election timeouts are drawn from here (seeded in tests). */
  readonly random: Random
  /** Base election timeout in driver ticks. */
  readonly electionTicks?: number
  /** Heartbeat interval in driver ticks (below `electionTicks`). */
  readonly heartbeatTicks?: number
  readonly logger?: Logger
}

const hexOf = (id: NodeId) => Buffer.from(id).toString('hex')

/**
 * Wires `@consortia/consensus-raft` for `createConsensusDriver` (use `moduleId: ModuleId.Raft`):
 * sealers are known by node ID hex in the chain's order, `Ready.persist` deltas are merged
 * with `mergeRaftPersist`, followers execute decided blocks when they commit them (Raft does
 * not vote on contents; crash faults only), blocks carry no signatures, and empty blocks are
 * never proposed (a Raft leader waits for transactions).
 */
export function raftEngineFactory(
  init: RaftEngineFactoryInit,
): EngineFactory<RaftMessage<BlockProposal>, RaftPersistedState<BlockProposal>> {
  return (restore) => {
    const self = restore.selfIndex === undefined ? 'observer' : hexOf(restore.sealerList[restore.selfIndex]!)
    const engine = createRaftEngine<BlockProposal>(
      {
        sealers: restore.sealerList.map(hexOf),
        self,
        head: restore.head,
        ...(restore.state === undefined ? {} : { state: restore.state }),
        ...(init.electionTicks === undefined ? {} : { electionTicks: init.electionTicks }),
        ...(init.heartbeatTicks === undefined ? {} : { heartbeatTicks: init.heartbeatTicks }),
      },
      { random: init.random, ...(init.logger === undefined ? {} : { logger: init.logger }) },
    )
    return {
      engine,
      proposeEmptyBlocks: false,
      verdict: () => undefined,
      setSealers: (height, sealerList) => engine.setSealers(sealerList.map(hexOf), height),
      mergePersist: (stored, update) => mergeRaftPersist(stored, update),
    }
  }
}
