/**
 * Ethereum transaction admission for the node's `eth_*` RPC: decoding and checking Ethereum
 * signed transactions (legacy, EIP-155, EIP-2930, EIP-1559), per-account nonces, and the mapping
 * onto the chain's transaction model. See `transaction.ts`.
 */
export * from './transaction.js'
