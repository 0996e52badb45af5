/**
 * Ethereum transactions for the node's `eth_*` RPC: the node's backend (`createEthBackend`:
 * admission into a group's pool as `format: 'eth'` transactions, pending-aware nonces, storage
 * reads) and strict decoding with typed errors (`transaction.ts`).
 *
 * @example
 * ```ts
 * const eth = createEthBackend((id) => groups.get(id))
 * const node: NodeBackend = { ...rest, eth }
 * await startEthServer({ host: '127.0.0.1', port: 8545, node })
 * ```
 */
export * from './backend.js'
export * from './transaction.js'
