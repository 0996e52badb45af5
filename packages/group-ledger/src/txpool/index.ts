/**
 * The transaction pool of one group: admission with FISCO 2.x checks and status codes, the
 * ledger nonce window, the journal that survives a crash, sealing and commit seams.
 */
export {
  isTxPoolError,
  type TxPoolError,
  type TxPoolErrorCode,
  type TxPoolErrorType,
} from './errors.js'
export * from './journal.js'
export * from './nonce-window.js'
export * from './pool.js'
export { signingPayloadFromRaw } from './signing-payload.js'
export * from './types.js'
