import type {
  Address,
  Bytes,
  CachedTable,
  CachedTableStore,
  Condition,
  Entry,
  TableInfo,
} from '@consortia/interface'
import {
  ACCOUNT_KEY_FIELD,
  ACCOUNT_VALUE_FIELD,
  AccountRow,
  type CallerContext,
  type CallKind,
  type Permission,
  type PermissionMode,
  type Verdict,
} from '@consortia/permission'
import { bytesToHex } from './bytes.js'
import { CONTRACT_TABLE_PREFIX, SystemTable } from './codes.js'
import { selectRows } from './condition.js'
import { executorError } from './errors.js'
import { PrecompiledFailure } from './precompiled.js'
import { SYSTEM_TABLE_INFOS } from './precompiles/system-tables.js'
import type { PrecompiledTables, TableOverlay } from './table-overlay.js'

/**
 * How the executor enforces permissions (FISCO BCOS 2.x §5; `@consortia/permission`).
 * A group setting: every node of a group must use the same one, since it changes receipts.
 */
export interface PermissionSettings {
  /**
   * Whose rights a check uses: `origin` (default, FISCO: `tx.origin`, so any contract an
   * authorised account calls acts with its rights) or `caller` (strict: the direct caller of
   * the precompile, SSTORE or CREATE; the delegating contract for DELEGATECALL into a precompile).
   */
  readonly mode?: PermissionMode
  /** Blocks a committee vote stays valid (default 10,000, FISCO `c_voteValidLimit`). */
  readonly voteValidBlocks?: number
  /** Addresses one table's ACL may hold (default `ACL_ENTRIES_MAX`). */
  readonly aclEntriesMax?: number
  /** Tables whose effective ACL a block caches (default `ACL_CACHE_TABLES_MAX`). */
  readonly aclCacheTablesMax?: number
  /** Managers one contract may have (default `CONTRACT_MANAGERS_MAX`). */
  readonly contractManagersMax?: number
}

/**
 * Checks `settings` at the executor's boundary (labelled messages), so a misconfigured group
 * fails when the executor is created rather than at its first block.
 */
export function checkPermissionSettings(settings: PermissionSettings): void {
  if (settings.mode !== undefined && settings.mode !== 'origin' && settings.mode !== 'caller') {
    throw executorError(
      'INVALID_ARGUMENT',
      `expected permission.mode origin or caller, got ${String(settings.mode)}`,
    )
  }
  for (const label of [
    'voteValidBlocks',
    'aclEntriesMax',
    'aclCacheTablesMax',
    'contractManagersMax',
  ] as const) {
    const v = settings[label]
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
      throw executorError('INVALID_ARGUMENT', `expected permission.${label} ≥ 1, got ${v}`)
    }
  }
}

/** Why a transaction was refused by the permission layer: its receipt status and FISCO code. */
export interface PermissionDenial {
  /** Receipt status: 18 NoDeployPermission, 25 PermissionDenied, 30 ContractFrozen. */
  readonly status: number
  /** FISCO precompiled code (-50000, -51900). */
  readonly code: number
  readonly reason: string
}

/** The denial of a refused verdict, or undefined when it allows. */
export function denialOf(verdict: Verdict): PermissionDenial | undefined {
  if (verdict.allowed) return undefined
  return { status: verdict.status, code: verdict.code, reason: verdict.reason }
}

/** What the permission tables need to know of the world state. */
export interface AccountSource {
  /** Whether the state holds an account at `address` (contract or not). */
  hasAccount(address: Address): Promise<boolean>
  /**
   * `hasAccount` without waiting: the answer when it is in memory (the block's state cache),
   * else `undefined`. Optional; without it, a missing account table is only known by waiting.
   */
  hasAccountCached?(address: Address): boolean | undefined
  /** The code at `address` (empty for none). */
  codeOf(address: Address): Promise<Bytes>
}

const ACCOUNT_TABLE_NAME = /^c_[0-9a-f]{40}$/

function accountInfo(name: string): TableInfo {
  return { name, keyField: ACCOUNT_KEY_FIELD, valueFields: [ACCOUNT_VALUE_FIELD] }
}

function hexBytes(hex: string): Address {
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/**
 * The `TableStore` the permission layer of a block works on: the block's `TableOverlay`, so
 * that permission reads see the writes made earlier in the block and permission writes
 * share the savepoints of the EVM's call frames (a reverted frame reverts its votes,
 * grants and freezes), and are replayed on the store with the transaction's other writes.
 *
 * Account tables `c_<address>` are presented as FISCO's StorageState has them whatever the
 * `StateView`: such a table exists when the state holds the account or the overlay holds the
 * table, its `code` row is the code in the state, and its other rows (`frozen`, `authority`)
 * live in the overlay — in the account's own table on AMDB StorageState, in a table of the
 * block's table store that holds only those rows on MPT state.
 */
export function createPermissionTableStore(overlay: TableOverlay, accounts: AccountSource): CachedTableStore {
  // The permission layer keeps the tables it opened for the block; a table created inside a
  // call frame that reverted is gone again, so each operation looks the table up anew: reads
  // of a vanished table see no rows, writes create it again with the same schema.
  const plain = (info: TableInfo): CachedTable => {
    const name = info.name
    const exists = async () => (await overlay.tableInfo(name)) !== undefined
    const ensure = async () => {
      if (await exists()) return
      const rc = await overlay.createTable(info)
      if (rc !== 0) throw new PrecompiledFailure(rc, `cannot create ${name}: FISCO code ${rc}`)
    }
    return {
      info,
      select: async (key: string, condition?: Condition) =>
        (await exists()) ? overlay.select(name, key, condition) : [],
      selectCached: (key: string, condition?: Condition) => {
        const known = overlay.cachedInfo(name)
        if (known === undefined) return undefined
        return known === null ? [] : overlay.selectCached(name, key, condition)
      },
      insert: async (key: string, entry: Entry) => {
        await ensure()
        return overlay.insert(name, key, entry)
      },
      update: async (key: string, entry: Entry, condition?: Condition) => {
        await ensure()
        return overlay.update(name, key, entry, condition)
      },
      remove: async (key: string, condition?: Condition) =>
        (await exists()) ? overlay.remove(name, key, condition) : 0,
    }
  }
  const accountTable = (name: string, address: Address): CachedTable => {
    const info = accountInfo(name)
    // The overlay's own table for the account's rows, created on the first write.
    const ensure = async () => {
      if ((await overlay.recheckTable(name)) !== undefined) return
      const rc = await overlay.createTable(info)
      if (rc !== 0) throw new PrecompiledFailure(rc, `cannot create ${name}: FISCO code ${rc}`)
    }
    return {
      info,
      async select(key: string, condition?: Condition) {
        if (key === AccountRow.code) {
          const code = await accounts.codeOf(address)
          const row = { [ACCOUNT_KEY_FIELD]: key, [ACCOUNT_VALUE_FIELD]: bytesToHex(code) }
          return selectRows([row], condition)
        }
        if ((await overlay.recheckTable(name)) === undefined) return []
        return overlay.select(name, key, condition)
      },
      selectCached(key: string, condition?: Condition) {
        // The code row comes from the state (asynchronous); the others from the overlay.
        if (key === AccountRow.code) return undefined
        const known = overlay.recheckTableCached(name)
        if (known === undefined) return undefined
        return known === null ? [] : overlay.selectCached(name, key, condition)
      },
      async insert(key: string, entry: Entry) {
        await ensure()
        return overlay.insert(name, key, entry)
      },
      async update(key: string, entry: Entry, condition?: Condition) {
        await ensure()
        return overlay.update(name, key, entry, condition)
      },
      async remove(key: string, condition?: Condition) {
        if ((await overlay.recheckTable(name)) === undefined) return 0
        return overlay.remove(name, key, condition)
      },
    }
  }
  return {
    createTable: (info: TableInfo) => overlay.createTable(info),
    openTableCached(name: string) {
      if (ACCOUNT_TABLE_NAME.test(name)) {
        // As `openTable`: the table exists when the overlay knows it or the state holds the
        // account; it is missing when neither does and the overlay knows it is not there.
        const known = overlay.cachedInfo(name)
        const address = hexBytes(name.slice(CONTRACT_TABLE_PREFIX.length))
        if (known != null) return accountTable(name, address)
        const has = accounts.hasAccountCached?.(address)
        if (has === true) return accountTable(name, address)
        return has === false && known === null ? null : undefined
      }
      const info = overlay.cachedInfo(name)
      return info == null ? info : plain(info)
    },
    async openTable(name: string) {
      if (ACCOUNT_TABLE_NAME.test(name)) {
        const address = hexBytes(name.slice(CONTRACT_TABLE_PREFIX.length))
        const known = overlay.cachedInfo(name)
        if (known != null || (await accounts.hasAccount(address))) return accountTable(name, address)
        // Only the StateView creates tables behind the overlay, and only for accounts it holds.
        if (known === null) return undefined
        return (await overlay.tableInfo(name)) === undefined ? undefined : accountTable(name, address)
      }
      const info = await overlay.tableInfo(name)
      return info === undefined ? undefined : plain(info)
    },
  }
}

/** The caller context of a precompile frame, as the permission hooks take it. */
export function callerContext(frame: {
  readonly origin: Address
  readonly sender: Address
  readonly via?: CallKind
  readonly delegator?: Address
}): CallerContext {
  const base = { origin: frame.origin, sender: frame.sender }
  if (frame.via === undefined || frame.via === 'call') return base
  return frame.delegator === undefined
    ? { ...base, via: frame.via }
    : { ...base, via: frame.via, delegator: frame.delegator }
}

/**
 * System tables a precompile may create on first use with their FISCO schema (FISCO creates
 * them at genesis): creating one is not a user's `createTable`, its writes are still checked.
 */
const LAZY_SYSTEM_TABLES: ReadonlySet<string> = new Set([
  SystemTable.Config,
  SystemTable.Consensus,
  SystemTable.CNS,
])

function isLazySystemTable(info: TableInfo): boolean {
  const known = SYSTEM_TABLE_INFOS[info.name]
  return (
    LAZY_SYSTEM_TABLES.has(info.name) &&
    known !== undefined &&
    known.keyField === info.keyField &&
    known.valueFields.join(',') === info.valueFields.join(',')
  )
}

/**
 * The tables a precompile frame sees when permissions are enforced: every `createTable`
 * runs `checkCreateTable` and every `insert`, `update` and `remove` runs `checkTableWrite`
 * for the frame's caller before it reaches the overlay; reads pass through unchecked.
 * A refusal reports the denial (the executor then fails the whole transaction with its
 * receipt status and reverts it) and fails the call with the FISCO code (-50000).
 */
export class GuardedTables implements PrecompiledTables {
  constructor(
    private readonly tables: PrecompiledTables,
    private readonly permission: Permission,
    private readonly caller: CallerContext,
    private readonly onDenied: (denial: PermissionDenial) => void,
  ) {}

  tableInfo(name: string): Promise<TableInfo | undefined> {
    return this.tables.tableInfo(name)
  }

  cachedInfo(name: string): TableInfo | null | undefined {
    return this.tables.cachedInfo?.(name)
  }

  select(table: string, key: string, condition?: Condition): Promise<Entry[]> {
    return this.tables.select(table, key, condition)
  }

  selectCached(table: string, key: string, condition?: Condition): Entry[] | undefined {
    return this.tables.selectCached?.(table, key, condition)
  }

  // The `...Cached` writes: `undefined` (nothing done) when the table's ACL is not cached or
  // the rows are not in memory; a refusal is reported and thrown as by the asynchronous ones.
  insertCached(table: string, key: string, entry: Entry): number | undefined {
    if (!this.writableCached(table)) return undefined
    return this.tables.insertCached?.(table, key, entry)
  }

  updateCached(table: string, key: string, entry: Entry, condition?: Condition): number | undefined {
    if (!this.writableCached(table)) return undefined
    return this.tables.updateCached?.(table, key, entry, condition)
  }

  private writableCached(table: string): boolean {
    const verdict = this.permission.checkTableWriteCached(this.caller, table)
    if (verdict === undefined) return false
    this.check(verdict)
    return true
  }

  async createTable(info: TableInfo): Promise<number> {
    if (!isLazySystemTable(info)) this.check(await this.permission.checkCreateTable(this.caller, info.name))
    return this.tables.createTable(info)
  }

  async insert(table: string, key: string, entry: Entry): Promise<number> {
    this.check(await this.permission.checkTableWrite(this.caller, table))
    return this.tables.insert(table, key, entry)
  }

  async update(table: string, key: string, entry: Entry, condition?: Condition): Promise<number> {
    this.check(await this.permission.checkTableWrite(this.caller, table))
    return this.tables.update(table, key, entry, condition)
  }

  async remove(table: string, key: string, condition?: Condition): Promise<number> {
    this.check(await this.permission.checkTableWrite(this.caller, table))
    return this.tables.remove(table, key, condition)
  }

  private check(verdict: Verdict): void {
    const denial = denialOf(verdict)
    if (denial === undefined) return
    this.onDenied(denial)
    throw new PrecompiledFailure(denial.code, denial.reason)
  }
}
