/**
 * The ledger of one group: the block store (blocks, indexes and receipts in FISCO's system
 * tables, committed in the same AMDB change set as the block's state), the genesis writer,
 * the chain configuration with block+1 activation, and the consensus driver, the host loop
 * around any `ConsensusEngine`.
 */

export * from './binary-codec.js'
export * from './block-store.js'
export * from './codec.js'
export * from './driver.js'
export * from './errors.js'
export * from './failpoints.js'
export * from './pbft.js'
export * from './raft.js'
