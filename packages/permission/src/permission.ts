import type { Address, CachedTableStore, Logger, TableStore } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { AccountTables, CONTRACT_MANAGERS_MAX } from './accounts.js'
import { ACL_CACHE_TABLES_MAX, ACL_ENTRIES_MAX, AclStore } from './acl.js'
import { type AddressHex, addressToHex } from './address.js'
import type { PermissionMode } from './caller.js'
import { Enforcement } from './enforcement.js'
import { permissionError } from './errors.js'
import {
  ChainGovernance,
  formatThreshold,
  THRESHOLD_DEFAULT_PERCENT,
  THRESHOLD_MAX_PERCENT,
  VOTE_VALID_BLOCKS,
} from './governance.js'
import { ContractLifeCycle } from './lifecycle.js'
import {
  AclField,
  COMMITTEE_VOTES_INFO,
  PermissionTable,
  TABLE_ACCESS_INFO,
  VoteField,
  VoteKey,
} from './schema.js'
import type { PermissionScope } from './scope.js'
import { Store } from './store.js'
import { TablePermissions } from './table-permissions.js'

/** Options of `createPermission`: one group's settings plus the block being executed. */
export interface PermissionInit {
  /**
   * The tables of the block being executed (the executor's overlay, an AMDB change set, ...).
   * Where the store offers the optional `openTableCached` and the tables `selectCached`, the
   * `...Cached` hooks answer from rows in memory without waiting.
   */
  readonly tables: CachedTableStore
  /** Height of the block being executed; ACL changes written now take effect at `blockNumber + 1`. */
  readonly blockNumber: number
  /** Whose rights checks use: `origin` (default, FISCO) or `caller` (strict). A group setting. */
  readonly mode?: PermissionMode
  /** Blocks a committee vote stays valid (default `VOTE_VALID_BLOCKS`, 10,000). */
  readonly voteValidBlocks?: number
  /** Addresses one table's ACL may hold, the committee included (default `ACL_ENTRIES_MAX`). */
  readonly aclEntriesMax?: number
  /** Tables whose effective ACL the block caches (default `ACL_CACHE_TABLES_MAX`). */
  readonly aclCacheTablesMax?: number
  /** Managers one contract may have (default `CONTRACT_MANAGERS_MAX`). */
  readonly contractManagersMax?: number
  readonly logger?: Logger
}

/** Everything permission-related for one block: the hooks, the three precompiles' logic, the roles. */
export interface Permission extends Enforcement {
  readonly blockNumber: number
  readonly mode: PermissionMode
  /** ChainGovernancePrecompiled (0x1008). */
  readonly governance: ChainGovernance
  /** PermissionPrecompiled (0x1005). */
  readonly tablePermissions: TablePermissions
  /** ContractLifeCyclePrecompiled (0x1007). */
  readonly lifecycle: ContractLifeCycle
  /** Whether `actor` may write `table` in this block (whitelist by presence). */
  isPermitted(table: string, actor: Address | string): Promise<boolean>
  /** Cache figures. */
  stats(): { readonly aclCachedTables: number }
}

function positiveInteger(label: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback
  if (!Number.isSafeInteger(v) || v < 1) {
    throw permissionError({ code: 'INVALID_ARGUMENT', label }, `expected ${label} ≥ 1, got ${value}`)
  }
  return v
}

/**
 * The permission layer of one block. Create one per executed block over that block's tables;
 * the effective ACLs it caches stay valid for the whole block, because every change it writes
 * takes effect in the next one.
 */
export function createPermission(init: PermissionInit): Permission {
  if (init?.tables === undefined) {
    throw permissionError({ code: 'INVALID_ARGUMENT', label: 'tables' }, 'createPermission needs init.tables')
  }
  const blockNumber = init.blockNumber
  if (!Number.isSafeInteger(blockNumber) || blockNumber < 0) {
    throw permissionError(
      { code: 'INVALID_ARGUMENT', label: 'blockNumber' },
      `expected blockNumber ≥ 0, got ${blockNumber}`,
    )
  }
  const mode = init.mode ?? 'origin'
  if (mode !== 'origin' && mode !== 'caller') {
    throw permissionError(
      { code: 'INVALID_ARGUMENT', label: 'mode' },
      `expected mode origin or caller, got ${mode}`,
    )
  }
  const log = (init.logger ?? silentLogger).child({ module: 'permission', block: blockNumber })
  const store = new Store(init.tables)
  const acl = new AclStore(store, blockNumber, {
    aclEntriesMax: positiveInteger('aclEntriesMax', init.aclEntriesMax, ACL_ENTRIES_MAX),
    aclCacheTablesMax: positiveInteger('aclCacheTablesMax', init.aclCacheTablesMax, ACL_CACHE_TABLES_MAX),
    logger: log,
  })
  const scope: PermissionScope = {
    store,
    acl,
    accounts: new AccountTables(store),
    blockNumber,
    mode,
    voteValidBlocks: positiveInteger('voteValidBlocks', init.voteValidBlocks, VOTE_VALID_BLOCKS),
    contractManagersMax: positiveInteger(
      'contractManagersMax',
      init.contractManagersMax,
      CONTRACT_MANAGERS_MAX,
    ),
    log,
  }
  const enforcement = new Enforcement(scope)
  const permission: Permission = Object.assign(enforcement, {
    blockNumber,
    mode,
    governance: new ChainGovernance(scope),
    tablePermissions: new TablePermissions(scope),
    lifecycle: new ContractLifeCycle(scope),
    isPermitted: async (table: string, actor: Address | string) =>
      acl.isPermitted(table, addressToHex(actor)),
    stats: () => ({ aclCachedTables: acl.cachedTables }),
  })
  return permission
}

/** The governance a chain starts with (written in its genesis block). */
export interface GovernanceGenesis {
  /** Committee members and weights (default weight 1). At least one. */
  readonly committee: readonly { readonly address: Address | string; readonly weight?: bigint }[]
  /** Threshold in percent, 0..99 (default 50). */
  readonly thresholdPercent?: bigint
  /** Operators: may deploy contracts, create tables and register CNS names. */
  readonly operators?: readonly (Address | string)[]
}

/**
 * Writes a chain's first committee, threshold and operators into `tables`, in force from
 * `blockNumber` (default 0, the genesis block). Without it, the first account to call
 * `grantCommitteeMember` appoints the committee (FISCO behaviour), and every table is
 * writable by anyone until an ACL names someone.
 */
export async function initGovernance(
  tables: TableStore,
  genesis: GovernanceGenesis,
  blockNumber = 0,
): Promise<void> {
  const invalid = (label: string, message: string) =>
    permissionError({ code: 'INVALID_ARGUMENT', label }, message)
  if (!Number.isSafeInteger(blockNumber) || blockNumber < 0) {
    throw invalid('blockNumber', `expected blockNumber ≥ 0, got ${blockNumber}`)
  }
  const members = (genesis?.committee ?? []).map((m) => ({
    address: addressToHex(m.address, 'committee member'),
    weight: m.weight ?? 1n,
  }))
  if (members.length === 0) throw invalid('committee', 'expected at least one committee member, got 0')
  if (members.length > ACL_ENTRIES_MAX) {
    throw invalid('committee', `expected at most ${ACL_ENTRIES_MAX} committee members, got ${members.length}`)
  }
  const operators = (genesis.operators ?? []).map((o) => addressToHex(o, 'operator'))
  const seen = new Set<AddressHex>()
  for (const a of [...members.map((m) => m.address), ...operators]) {
    if (seen.has(a))
      throw invalid('committee', `${a} appears twice (committee and operator roles are exclusive)`)
    seen.add(a)
  }
  for (const m of members) {
    if (typeof m.weight !== 'bigint' || m.weight <= 0n) {
      throw invalid('weight', `expected a positive weight for ${m.address}, got ${m.weight}`)
    }
  }
  const threshold = genesis.thresholdPercent ?? THRESHOLD_DEFAULT_PERCENT
  if (typeof threshold !== 'bigint' || threshold < 0n || threshold > THRESHOLD_MAX_PERCENT) {
    throw invalid('thresholdPercent', `expected a threshold of 0..99 percent, got ${threshold}`)
  }
  const store = new Store(tables)
  const acl = await store.openOrCreate(TABLE_ACCESS_INFO)
  if ((await acl.select(PermissionTable.tableAccess)).length > 0) {
    throw invalid('committee', 'the chain already has a committee')
  }
  const enable = String(blockNumber)
  const grant = async (table: string, address: AddressHex) => {
    const entry = { [AclField.address]: address, [AclField.enableNum]: enable }
    store.checked(await acl.insert(table, entry), TABLE_ACCESS_INFO.name, 'insert')
  }
  const votes = await store.openOrCreate(COMMITTEE_VOTES_INFO)
  const writeVote = async (key: string, value: string) => {
    const rc = (await votes.select(key)).length
      ? await votes.update(key, { [VoteField.value]: value })
      : await votes.insert(key, { [VoteField.value]: value })
    store.checked(rc, COMMITTEE_VOTES_INFO.name, 'write')
  }
  for (const m of members) {
    await grant(PermissionTable.tableAccess, m.address)
    await grant(PermissionTable.config, m.address)
    await grant(PermissionTable.consensus, m.address)
    await writeVote(m.address + VoteKey.weightSuffix, m.weight.toString())
  }
  for (const o of operators) {
    await grant(PermissionTable.tables, o)
    await grant(PermissionTable.cns, o)
  }
  await writeVote(VoteKey.threshold, formatThreshold(threshold))
}
