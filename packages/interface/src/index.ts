/**
 * @consortia/interface — the types and ports every Consortia package shares.
 *
 * This package has no runtime dependencies and no implementations beyond `ChainError`,
 * `silentLogger` and the FISCO code tables. Implementations live in their own packages
 * and depend on this one, never on each other's classes.
 *
 * @example
 * ```ts
 * import { ChainError, type KvStore } from '@consortia/interface'
 *
 * async function readHeight(store: KvStore): Promise<number> {
 *   const raw = await store.get(new TextEncoder().encode('height'))
 *   if (raw === undefined) throw new ChainError({ code: 'NO_HEIGHT' })
 *   return Number(new TextDecoder().decode(raw))
 * }
 * ```
 */
export * from './bytes.js'
export * from './chain.js'
export * from './consensus.js'
export * from './crypto.js'
export * from './errors.js'
export * from './eth.js'
export * from './executor.js'
export * from './kv.js'
export * from './observe.js'
export * from './state.js'
export * from './table.js'
export * from './table-cached.js'
export * from './transport.js'
