/**
 * Many groups in one node (FISCO's dynamic group management): the GroupManager, group
 * genesis files, per-group storage namespaces and the group-scoped view of the shared
 * transport.
 */
export * from './errors.js'
export * from './genesis.js'
export * from './group-transport.js'
export * from './manager.js'
export * from './storage.js'
