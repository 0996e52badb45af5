/**
 * @consortia/sdk — a typed TypeScript SDK for Consortia and FISCO BCOS 2.x chains.
 *
 * Accounts (ECDSA and SM2; PEM, raw hex, v3 JSON keystores), transactions with a random nonce
 * and a blockLimit refreshed from the chain (retried once on BlockLimitCheckFail), ABI encoding
 * through viem with SM3 selectors and topics on guomi chains, `deploy` and typed
 * `contract.read`/`contract.write`, receipts with timeouts, event decoding and subscription,
 * system helpers (nodes, config, permissions, CNS, CRUD/KV tables), and two transports:
 * JSON-RPC over HTTP and the channel protocol over TLS 1.2 (receipt push, block notify, AMOP).
 * Errors are `ChainError<SDKErrorType>` carrying FISCO status codes and revert reasons.
 *
 * @example
 * ```ts
 * import { createAccount, createClient, createHttpTransport, deploy } from '@consortia/sdk'
 *
 * const client = createClient({
 *   transport: createHttpTransport({ url: 'http://127.0.0.1:8545' }),
 *   account: createAccount('ecdsa'),
 *   groupId: 1,
 * })
 * const { contract } = await deploy(client, { abi: counterAbi, bytecode })
 * await contract.write('inc', [1n])
 * await contract.read('value') // bigint
 * ```
 */
export * from './abi.js'
export * from './account.js'
export * from './client.js'
export * from './contract.js'
export * from './errors.js'
export * from './events.js'
export * from './hex.js'
export * from './receipt.js'
export * from './system.js'
export * from './transport/channel.js'
export * from './transport/frame.js'
export * from './transport/http.js'
export * from './transport/jsonrpc.js'
export type * from './transport/types.js'
export * from './tx.js'
