/**
 * The client-facing RPC of the reference node: the backend seam (`GroupParts` →
 * `createGroupBackend` → `GroupBackend`, `NodeBackend`), the FISCO BCOS 2.x JSON-RPC methods
 * and the HTTP server.
 *
 * @example
 * ```ts
 * import { createGroupBackend, startRpcServer } from './rpc/index.js'
 *
 * const group = createGroupBackend({ groupId: 1, chainId: 1n, suite, store, pool, driver, executor, amdb, nodeId })
 * const rpc = await startRpcServer({ host: '127.0.0.1', port: 8545, node })
 * ```
 */
export * from './backend.js'
export * from './errors.js'
export * from './eth.js'
export * from './eth-server.js'
export * from './format.js'
export * from './http-server.js'
export * from './methods.js'
export * from './ws-subscriptions.js'
