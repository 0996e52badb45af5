/**
 * Block and transaction sync of one group (FISCO 2.x `libsync`): status broadcast, ranged
 * block download from several peers with verification before commit, peer scoring, tx
 * forwarding, and the group roles (sealer, observer, free node) read from `_sys_consensus_`.
 */
export * from './block-sync.js'
export * from './certificates.js'
export * from './codec.js'
export * from './errors.js'
export * from './members.js'
export * from './tx-sync.js'
