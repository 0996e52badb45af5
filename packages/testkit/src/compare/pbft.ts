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
/** Committed blocks each simulated engine keeps (and is given back on restart) to serve sync. */
export const SIM_PBFT_COMMITTED_CACHE_MAX = 512

/** Options of `pbftSimAdapter`. */
export interface PBFTSimAdapterInit {
  readonly viewTimeoutTicks?: number
  readonly changeCycleMax?: number
  /**
   * What a round is: `view-changes` (default) counts view changes, so comparisons set them
   * against Raft elections; `views` is the highest view entered or requested, with the
   * liveness budget of f+2 view changes after a heal that the engine's own tests check.
   */
  readonly rounds?: 'view-changes' | 'views'
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
          committed: ctx.chain.slice(-SIM_PBFT_COMMITTED_CACHE_MAX),
          ...(ctx.persisted === undefined ? {} : { state: ctx.persisted }),
          viewTimeoutTicks: base,
          changeCycleMax: cycleMax,
          committedCacheMax: SIM_PBFT_COMMITTED_CACHE_MAX,
        },
        ctx.crypto,
      ),
    verdict: (block, valid) => ({ type: 'verdict', height: block.number, hash: block.hash, valid }),
    ...(init.rounds === 'views'
      ? {
          round: (engine: SimPBFTEngine) => Math.max(engine.status().view, engine.status().toView),
          roundBudgetAfterHeal: (n: number) => pbftFaultTolerance(n) + 2,
        }
      : { round: (engine: SimPBFTEngine) => engine.status().viewChanges }),
    livenessTicks: (n) => (pbftFaultTolerance(n) + 3) * longestTimeout + 200,
    invariants: [
      signatureQuorumInvariant({
        quorum: pbftQuorum,
        digest: (c, hash) => hash(commitPreimage(c.block.number, c.view ?? -1, c.block.hash)),
      }),
    ],
    describe: describePBFTMessage,
  }
}

/** One-line description of a PBFT message (traces, scripted tests). */
export function describePBFTMessage(m: SimPBFTMessage): string {
  switch (m.type) {
    case 'prepare':
      return `prepare h=${m.height} v=${m.view} txs=${m.block.txCount}${m.justification ? ` just=v${m.justification.view}` : ''}`
    case 'sign':
    case 'commit':
      return `${m.type} h=${m.height} v=${m.view}`
    case 'view-change':
      return `view-change h=${m.height} to=${m.toView}${m.prepared ? ` prepared=v${m.prepared.view}` : ''}`
    case 'sync-request':
      return `sync-request h=${m.height}`
    case 'sync-response':
      return `sync-response ${m.blocks.map((b) => b.block.number).join(',')}`
    case 'verdict':
      return `verdict h=${m.height} ${m.valid ? 'valid' : 'invalid'}`
  }
}
