/**
 * The chain of node processes the end-to-end tests use: now `src/local-chain.ts` (exported by
 * the package for the sample applications), re-exported here under the same names.
 */
export {
  freePorts,
  NODE_START_TIMEOUT_MS,
  type NodeProc,
  startTestChain,
  type TestChain,
  until,
} from '../../src/local-chain.js'
