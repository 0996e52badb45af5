/**
 * @consortia/explorer — the block explorer and chain dashboard the reference node serves on
 * `explorer.port`. The browser app lives in `web/` (Vite + Preact + uPlot, built into `dist/`);
 * this entry point is its DOM-free core, usable from Node or a browser: the JSON-RPC client over
 * the explorer server, the check of a block's signature list against its sealers (secp256k1, or
 * SM2 with a plain-TypeScript SM3), ABI decoding
 * of inputs and events (uploaded or from CNS), governance/CNS/contract-status reads through the
 * precompiles, the search box classifier, the TPS series and the live-push parser.
 *
 * @example
 * ```ts
 * import { createExplorerRpc, verifyBlockSignatures } from '@consortia/explorer'
 *
 * const rpc = createExplorerRpc({ url: 'http://127.0.0.1:8080/rpc' })
 * const block = await rpc.call<SignedBlockJSON>('getBlockByNumber', [1, '0x1', true])
 * console.log(verifyBlockSignatures(block, 'ecdsa')) // [{ index: 0, nodeId: '…', status: 'valid' }, …]
 * ```
 */
export * from './abi.js'
export * from './errors.js'
export * from './hex.js'
export * from './live.js'
export * from './precompiles.js'
export * from './rpc.js'
export * from './search.js'
export * from './signatures.js'
export * from './sm2.js'
export * from './tps.js'
