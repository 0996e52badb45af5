import type { Address, BlockNumber, Hash32 } from './bytes.js'
import type { Receipt, SignedTransaction } from './chain.js'
import type { StateView } from './state.js'

/** What an executor needs to know about the block it executes. */
export interface BlockContext {
  readonly number: BlockNumber
  readonly timestamp: number
  readonly gasLimit: bigint
  readonly parentHash: Hash32
  /** Address derived from the sealer's node ID (FISCO `coinbase`). */
  readonly sealer: Address
}

/** The outcome of executing one block. */
export interface ExecutionResult {
  readonly receipts: readonly Receipt[]
  readonly gasUsed: bigint
  /** MPT state root, or the AMDB dbHash of the block's changes. */
  readonly stateRoot: Hash32
}

/** Turns a block's transactions into receipts and state writes (kept in `state` until commit). */
export interface Executor {
  execute(
    context: BlockContext,
    transactions: readonly SignedTransaction[],
    state: StateView,
  ): Promise<ExecutionResult>
}
