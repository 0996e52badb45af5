export { createSimBlock, isSimBlockValid, SIM_GENESIS, SIM_GENESIS_HASH, simBlockHash } from './blocks.js'
export { fastHash, fastHashInto } from './fast-hash.js'
export { createHashSigner, SIM_SIGNATURE_BYTES, type SimSigner } from './hash-signer.js'
export {
  AGREEMENT_HEIGHTS_MAX,
  type AgreementState,
  agreementInvariant,
  type SignatureQuorumInit,
  signatureQuorumInvariant,
} from './invariants.js'
export {
  formatScenarioFailure,
  type RandomScenarioInit,
  REPLAY_MEMORY_MAX,
  replayBehaviour,
  runRandomScenario,
  type ScenarioResult,
  silentBehaviour,
} from './scenario.js'
export {
  ConsensusSimulator,
  createSimulator,
  SIM_CHAIN_KEEP_MAX,
  SIM_DELAY_TICKS_MAX,
  SIM_IN_FLIGHT_MAX,
  SIM_NETWORK_DEFAULTS,
  SIM_PAUSED_INBOX_MAX,
  SIM_TRACE_LINES_MAX,
  type SimulatorInit,
} from './simulator.js'
export type {
  SimBlock,
  SimByzantine,
  SimByzantineContext,
  SimCommitEvent,
  SimEngineAdapter,
  SimHead,
  SimInvariant,
  SimNetworkOptions,
  SimNodeContext,
  SimNodeCrypto,
  SimPayload,
  SimStats,
  SimStepView,
  SimViolation,
} from './types.js'
