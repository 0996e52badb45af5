import {
  commitPreimage,
  createPBFTEngine,
  type PBFTEngine,
  type PBFTMessage,
  type PBFTPersistedState,
  pbftFaultTolerance,
  pbftQuorum,
} from '@consortia/consensus-pbft'
import { signatureQuorumInvariant } from '../simulator/invariants.js'
import type { SimEngineAdapter, SimPayload } from '../simulator/types.js'

/** PBFT message bodies carrying simulated blocks. */
export type SimPBFTMessage = PBFTMessage<SimPayload>
/** PBFT's persisted state in the simulator. */
export type SimPBFTState = PBFTPersistedState<SimPayload>
/** A PBFT engine ordering simulated blocks. */
export type SimPBFTEngine = PBFTEngine<SimPayload>

/** Simulation timing for PBFT: a tick is ~100 ms; base view timeout 2 s. */
export const SIM_PBFT_VIEW_TIMEOUT_TICKS = 20
/** Cap of PBFT's timeout exponent in the simulator (timeouts grow to 1.5^4). */
export const SIM_PBFT_CHANGE_CYCLE_MAX = 4

/** Options of `pbftSimAdapter`. */
export interface PBFTSimAdapterInit {
  readonly viewTimeoutTicks?: number
  readonly changeCycleMax?: number
}

/**
 * The PBFT engine as a simulator plug-in, with its n−f commit-certificate invariant. Rounds
 * are views entered, so comparisons count PBFT view changes against Raft elections.
 */
export function pbftSimAdapter(
  init: PBFTSimAdapterInit = {},
): SimEngineAdapter<SimPBFTMessage, SimPBFTState, SimPBFTEngine> {
  const base = init.viewTimeoutTicks ?? SIM_PBFT_VIEW_TIMEOUT_TICKS
  const cycleMax = init.changeCycleMax ?? SIM_PBFT_CHANGE_CYCLE_MAX
  const longestTimeout = Math.floor(base * 1.5 ** cycleMax)
  return {
    name: 'pbft',
    create: (ctx) =>
      createPBFTEngine<SimPayload>(
        {
          sealerCount: ctx.sealerCount,
          selfIndex: ctx.index,
          head: ctx.head,
          ...(ctx.persisted === undefined ? {} : { state: ctx.persisted }),
          viewTimeoutTicks: base,
          changeCycleMax: cycleMax,
          committedCacheMax: 512,
        },
        ctx.crypto,
      ),
    verdict: (block, valid) => ({ type: 'verdict', height: block.number, hash: block.hash, valid }),
    round: (engine) => engine.status().viewChanges,
    livenessTicks: (n) => (pbftFaultTolerance(n) + 3) * longestTimeout + 200,
    invariants: [
      signatureQuorumInvariant({
        quorum: pbftQuorum,
        digest: (c, hash) => hash(commitPreimage(c.block.number, c.view ?? -1, c.block.hash)),
      }),
    ],
  }
}
