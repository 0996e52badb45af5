/**
 * @consortia/reference-node — the Consortia reference node as a library: `buildChain` (what
 * `consortia build-chain` writes: certificates, validated configs, group genesis files,
 * scripts), `startNode` (what `consortia start` runs: config → storage → crypto → p2p →
 * groups → JSON-RPC/channel → metrics, with graceful `close`), the config schema and its
 * validation, the JSON-RPC client the demo uses, and the CLI entry `runCli`.
 *
 * @example
 * ```ts
 * import { buildChain, parseBuildChainArgs, startNode } from '@consortia/reference-node'
 *
 * const options = parseBuildChainArgs(['-l', '127.0.0.1:4', '-o', '/tmp/chain'])
 * if (options !== 'help') {
 *   const chain = buildChain(options)
 *   const node = await startNode(chain.nodes[0]!.dir) // the other three in their own processes
 *   console.log(node.ports) // { p2p: 30300, rpc: 8545, channel: 20200, metrics: 9100 }
 *   await node.close()
 * }
 * ```
 */
export * from './build-chain/generate.js'
export * from './build-chain/key-manager.js'
export * from './build-chain/options.js'
export { runCli, SHUTDOWN_TIMEOUT_MS, USAGE } from './cli.js'
export * from './client.js'
export * from './config/schema.js'
export * from './errors.js'
export * from './explorer/index.js'
export * from './local-chain.js'
export * from './node/data-dir.js'
export * from './node/group.js'
export * from './node/logger.js'
export * from './node/metrics.js'
export * from './node/runtime.js'
export * from './node/start.js'
export { CLI_PATH, NODE_ARGS, TSX_IMPORT } from './paths.js'
