import {
  createRaftEngine,
  createRaftSafetyChecker,
  describeRaftMessage,
  mergeRaftPersist,
  type RaftEngine,
  type RaftMessage,
  type RaftPersistedState,
  type RaftSafetyChecker,
} from '@consortia/consensus-raft'
import type { SimEngineAdapter, SimInvariant, SimPayload } from '../simulator/types.js'

/** Raft message bodies carrying simulated blocks. */
export type SimRaftMessage = RaftMessage<SimPayload>
/** Raft's persisted state in the simulator. */
export type SimRaftState = RaftPersistedState<SimPayload>
/** A Raft engine ordering simulated blocks. */
export type SimRaftEngine = RaftEngine<SimPayload>

/** Simulation timing: a tick is ~100 ms; election timeouts 1.5–3 s; heartbeat 300 ms. */
export const SIM_RAFT_ELECTION_TICKS = 15
/** Heartbeat interval of simulated Raft leaders. */
export const SIM_RAFT_HEARTBEAT_TICKS = 3
/** Election timeouts after a heal within which every node must commit again. */
export const SIM_RAFT_LIVENESS_ELECTION_TIMEOUTS = 10

/** Options of `raftSimAdapter`. */
export interface RaftSimAdapterInit {
  readonly electionTicks?: number
  readonly heartbeatTicks?: number
  readonly preVote?: boolean
  readonly checkQuorum?: boolean
  readonly logRetainMax?: number
}

/** Sealer ID of simulated node `i`. */
export function simRaftId(i: number): string {
  return `n${i}`
}

/**
 * Raft's Figure 3 properties as a simulator invariant, checked after every step. A fresh
 * checker starts whenever simulated time goes back (a new run with the same adapter).
 */
export function raftSafetyInvariant(): SimInvariant<SimRaftEngine> {
  let checker: RaftSafetyChecker = createRaftSafetyChecker()
  let lastTick = Number.POSITIVE_INFINITY
  return {
    name: 'raft-safety',
    afterStep(view) {
      if (view.tick <= lastTick) checker = createRaftSafetyChecker()
      lastTick = view.tick
      const problems = checker.check(view.engines)
      return problems.length === 0 ? undefined : problems.join('; ')
    },
  }
}

/** The Raft engine as a simulator plug-in, with Raft's safety properties checked after every step. */
export function raftSimAdapter(
  init: RaftSimAdapterInit = {},
): SimEngineAdapter<SimRaftMessage, SimRaftState, SimRaftEngine> {
  const electionTicks = init.electionTicks ?? SIM_RAFT_ELECTION_TICKS
  const heartbeatTicks = init.heartbeatTicks ?? SIM_RAFT_HEARTBEAT_TICKS
  return {
    name: 'raft',
    create: (ctx) =>
      createRaftEngine<SimPayload>(
        {
          sealers: Array.from({ length: ctx.sealerCount }, (_, i) => simRaftId(i)),
          self: simRaftId(ctx.index),
          head: ctx.head,
          ...(ctx.persisted === undefined ? {} : { state: ctx.persisted }),
          electionTicks,
          heartbeatTicks,
          preVote: init.preVote ?? true,
          checkQuorum: init.checkQuorum ?? true,
          logRetainMax: init.logRetainMax ?? 512,
        },
        { random: ctx.random },
      ),
    persist: mergeRaftPersist,
    round: (engine) => engine.status().elections,
    livenessTicks: () => SIM_RAFT_LIVENESS_ELECTION_TIMEOUTS * electionTicks,
    invariants: [raftSafetyInvariant()],
    describe: describeRaftMessage,
  }
}
