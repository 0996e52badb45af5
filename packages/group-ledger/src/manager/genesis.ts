import type { NodeId } from '@consortia/interface'
import { type GenesisConfig, sortNodeIds } from '../ledger/block-store.js'
import { groupInvalidParams } from './errors.js'

/** Largest group genesis text accepted (a `group.N.genesis` file). */
export const GENESIS_BYTES_MAX = 64 * 1024
/** FISCO's highest group id (libethcore/Protocol.h `maxGroupID`). */
export const GROUP_ID_MAX = 32767
/** `[consensus] max_trans_num` default (FISCO tools/build_chain.sh `generate_group_genesis`). */
export const GENESIS_TX_COUNT_LIMIT_DEFAULT = 1000
/** `[consensus] consensus_timeout` default in seconds (same source). */
export const GENESIS_CONSENSUS_TIMEOUT_S_DEFAULT = 3
/** `[tx] gas_limit` default (same source). */
export const GENESIS_GAS_LIMIT_DEFAULT = 300_000_000n

/** The consensus engine a group runs, from its genesis. */
export type ConsensusType = 'pbft' | 'raft'

/**
 * One group's genesis: FISCO's `conf/group.N.genesis`, fixed at creation and identical on
 * every member. Its canonical text (`encodeGroupGenesis`) goes into block 0's extraData, so
 * two nodes with different genesis files have different genesis hashes.
 */
export interface GroupGenesis {
  readonly groupId: number
  /** `[group] timestamp`, milliseconds since the Unix epoch. */
  readonly timestamp: number
  /** `[consensus] node.i`: the sealers (64-byte node IDs). */
  readonly sealers: readonly NodeId[]
  /** `[consensus] consensus_type` (default pbft; FISCO's rpbft is not offered). */
  readonly consensusType?: ConsensusType
  /** `[consensus] max_trans_num` → `tx_count_limit` (default 1000). */
  readonly txCountLimit?: number
  /** `[consensus] consensus_timeout` in seconds (default 3) → `consensus_timeout`. */
  readonly consensusTimeoutS?: number
  /**
   * The view (PBFT) or election (Raft) timeout in milliseconds, for sub-second precision
   * (default `consensusTimeoutS × 1000`; when given alone, `consensusTimeoutS` is it rounded
   * up to whole seconds). Written as `consensus_timeout_ms` only when not whole seconds.
   */
  readonly consensusTimeoutMs?: number
  /** `[tx] gas_limit` (default 300,000,000) → `tx_gas_limit`. */
  readonly gasLimit?: bigint
  /** `[evm] enable_free_storage` (default false). */
  readonly enableFreeStorage?: boolean
}

const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex')

/** Checks a genesis and fills in defaults; throws `INVALID_PARAMS` with the field named. */
export function normalizeGroupGenesis(g: GroupGenesis): Required<GroupGenesis> {
  const id = g?.groupId
  if (!Number.isSafeInteger(id) || id < 1 || id > GROUP_ID_MAX) {
    throw groupInvalidParams(Number(id) || 0, 'groupId', `an integer in 1..${GROUP_ID_MAX}`, String(id))
  }
  if (!Number.isSafeInteger(g.timestamp) || g.timestamp < 0) {
    throw groupInvalidParams(
      id,
      'timestamp',
      'milliseconds since the epoch (a non-negative integer)',
      String(g.timestamp),
    )
  }
  if (!Array.isArray(g.sealers) || g.sealers.length === 0) {
    throw groupInvalidParams(id, 'sealers', 'at least one sealer', String(g.sealers?.length ?? 0))
  }
  const seen = new Set<string>()
  for (const [i, s] of g.sealers.entries()) {
    if (!(s instanceof Uint8Array) || s.length !== 64) {
      throw groupInvalidParams(id, `sealers[${i}]`, '64-byte node ID', `${(s as Uint8Array)?.length} bytes`)
    }
    if (seen.has(hexOf(s)))
      throw groupInvalidParams(id, `sealers[${i}]`, 'a node ID listed once', 'a duplicate')
    seen.add(hexOf(s))
  }
  const consensusType = g.consensusType ?? 'pbft'
  if (consensusType !== 'pbft' && consensusType !== 'raft') {
    throw groupInvalidParams(id, 'consensusType', 'pbft or raft', String(consensusType))
  }
  const txCountLimit = g.txCountLimit ?? GENESIS_TX_COUNT_LIMIT_DEFAULT
  if (!Number.isSafeInteger(txCountLimit) || txCountLimit < 1) {
    throw groupInvalidParams(id, 'txCountLimit', 'a positive integer', String(txCountLimit))
  }
  const ms = g.consensusTimeoutMs
  if (ms !== undefined && (!Number.isSafeInteger(ms) || ms < 1)) {
    throw groupInvalidParams(id, 'consensusTimeoutMs', 'a positive integer', String(ms))
  }
  const consensusTimeoutS =
    g.consensusTimeoutS ??
    (ms === undefined ? GENESIS_CONSENSUS_TIMEOUT_S_DEFAULT : Math.max(1, Math.ceil(ms / 1000)))
  if (!Number.isSafeInteger(consensusTimeoutS) || consensusTimeoutS < 1) {
    throw groupInvalidParams(id, 'consensusTimeoutS', 'a positive integer', String(consensusTimeoutS))
  }
  const consensusTimeoutMs = ms ?? consensusTimeoutS * 1000
  if (Math.max(1, Math.ceil(consensusTimeoutMs / 1000)) !== consensusTimeoutS) {
    throw groupInvalidParams(
      id,
      'consensusTimeoutMs',
      `${consensusTimeoutS} s rounded down to the millisecond`,
      String(consensusTimeoutMs),
    )
  }
  const gasLimit = g.gasLimit ?? GENESIS_GAS_LIMIT_DEFAULT
  if (typeof gasLimit !== 'bigint' || gasLimit < 1n) {
    throw groupInvalidParams(id, 'gasLimit', 'a positive bigint', String(gasLimit))
  }
  return {
    groupId: id,
    timestamp: g.timestamp,
    sealers: sortNodeIds(g.sealers),
    consensusType,
    txCountLimit,
    consensusTimeoutS,
    consensusTimeoutMs,
    gasLimit,
    enableFreeStorage: g.enableFreeStorage ?? false,
  }
}

/**
 * The genesis as FISCO's `group.N.genesis` INI text, canonical (sealers in FISCO order,
 * defaults written out), so equal genesis configs give equal text.
 */
export function encodeGroupGenesis(genesis: GroupGenesis): string {
  const g = normalizeGroupGenesis(genesis)
  const lines = [
    '[consensus]',
    `consensus_type=${g.consensusType}`,
    `max_trans_num=${g.txCountLimit}`,
    `consensus_timeout=${g.consensusTimeoutS}`,
    ...(g.consensusTimeoutMs === g.consensusTimeoutS * 1000
      ? []
      : [`consensus_timeout_ms=${g.consensusTimeoutMs}`]),
    ...g.sealers.map((s, i) => `node.${i}=${hexOf(s)}`),
    '',
    '[state]',
    'type=storage',
    '',
    '[tx]',
    `gas_limit=${g.gasLimit}`,
    '',
    '[group]',
    `id=${g.groupId}`,
    `timestamp=${g.timestamp}`,
    '',
    '[evm]',
    `enable_free_storage=${g.enableFreeStorage}`,
    '',
  ]
  return lines.join('\n')
}

/**
 * Parses a `group.N.genesis` file (INI: `[section]`, `key=value`, `;`/`#` comments). Unknown
 * keys are ignored as FISCO ignores them; `[state] type=mpt` is refused (this ledger runs on
 * AMDB storage state only). Throws `INVALID_PARAMS` naming the key.
 */
export function parseGroupGenesis(text: string): Required<GroupGenesis> {
  if (typeof text !== 'string') throw groupInvalidParams(0, 'genesis', 'INI text', typeof text)
  if (Buffer.byteLength(text, 'utf8') > GENESIS_BYTES_MAX) {
    throw groupInvalidParams(
      0,
      'genesis',
      `at most ${GENESIS_BYTES_MAX} bytes`,
      `${Buffer.byteLength(text, 'utf8')}`,
    )
  }
  const values = new Map<string, string>()
  let section = ''
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue
    const header = /^\[([A-Za-z0-9_]+)\]$/.exec(line)
    if (header !== null) {
      section = header[1]!
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) throw groupInvalidParams(0, `line ${n + 1}`, 'key=value', line.slice(0, 40))
    values.set(`${section}.${line.slice(0, eq).trim()}`, line.slice(eq + 1).trim())
  }
  const groupIdText = values.get('group.id')
  const groupId = Number(groupIdText)
  const need = (key: string): string => {
    const v = values.get(key)
    if (v === undefined) throw groupInvalidParams(groupId || 0, key, 'a value', 'nothing')
    return v
  }
  const int = (key: string, fallback?: number): number => {
    const v = values.get(key)
    if (v === undefined && fallback !== undefined) return fallback
    const s = need(key)
    if (!/^\d+$/.test(s)) throw groupInvalidParams(groupId || 0, key, 'a decimal integer', s)
    return Number(s)
  }
  int('group.id')
  const state = values.get('state.type') ?? 'storage'
  if (state !== 'storage') throw groupInvalidParams(groupId, 'state.type', 'storage', state)
  const sealers: NodeId[] = []
  const nodeKeys = [...values.keys()].filter((k) => /^consensus\.node\.\d+$/.test(k))
  nodeKeys.sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]))
  for (const k of nodeKeys) {
    const v = values.get(k)!.toLowerCase()
    if (!/^[0-9a-f]{128}$/.test(v))
      throw groupInvalidParams(groupId, k, '128 hex characters (a node ID)', v.slice(0, 20))
    sealers.push(Uint8Array.from(Buffer.from(v, 'hex')))
  }
  const gas = values.get('tx.gas_limit')
  if (gas !== undefined && !/^\d+$/.test(gas))
    throw groupInvalidParams(groupId, 'tx.gas_limit', 'a decimal integer', gas)
  const free = values.get('evm.enable_free_storage')
  if (free !== undefined && free !== 'true' && free !== 'false') {
    throw groupInvalidParams(groupId, 'evm.enable_free_storage', 'true or false', free)
  }
  return normalizeGroupGenesis({
    groupId,
    timestamp: int('group.timestamp'),
    sealers,
    consensusType: (values.get('consensus.consensus_type') ?? 'pbft') as ConsensusType,
    txCountLimit: int('consensus.max_trans_num', GENESIS_TX_COUNT_LIMIT_DEFAULT),
    consensusTimeoutS: int('consensus.consensus_timeout', GENESIS_CONSENSUS_TIMEOUT_S_DEFAULT),
    ...(values.has('consensus.consensus_timeout_ms')
      ? { consensusTimeoutMs: int('consensus.consensus_timeout_ms') }
      : {}),
    ...(gas === undefined ? {} : { gasLimit: BigInt(gas) }),
    enableFreeStorage: free === 'true',
  })
}

/**
 * What `writeGenesis` stores for this genesis: the sealers, `_sys_config_` rows
 * (`tx_count_limit`, `tx_gas_limit`, `consensus_timeout`) and the canonical genesis text as
 * block 0's extraData (FISCO's group mark).
 */
export function genesisConfigOf(genesis: GroupGenesis): GenesisConfig {
  const g = normalizeGroupGenesis(genesis)
  return {
    sealerList: g.sealers,
    timestamp: g.timestamp,
    config: {
      tx_count_limit: String(g.txCountLimit),
      tx_gas_limit: String(g.gasLimit),
      consensus_timeout: String(g.consensusTimeoutS),
    },
    extraData: [new TextEncoder().encode(encodeGroupGenesis(g))],
  }
}
