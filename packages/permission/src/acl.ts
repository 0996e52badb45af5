import type { Entry, Logger } from '@consortia/interface'
import { type AddressHex, parseAddress } from './address.js'
import { PermissionCode } from './codes.js'
import { AclField, PermissionTable, TABLE_ACCESS_INFO } from './schema.js'
import type { Store } from './store.js'

/** Default bound on the addresses one table's ACL may hold (the committee included). */
export const ACL_ENTRIES_MAX = 1_000
/** Default bound on the tables whose effective ACL one block keeps in memory. */
export const ACL_CACHE_TABLES_MAX = 4_096

const INTEGER = /^-?\d{1,16}$/

/**
 * Whether an ACL row's `enable_num` makes it effective in block `blockNumber`.
 *
 * `e ≥ 0`: granted from block `e` on (FISCO writes `current + 1`, so a grant takes effect in
 * the next block). `e < 0`: a revocation written in block `-e - 1`: the grant still holds in
 * that block and ends with block `-e` (Consortia; FISCO deletes the row at once). A value that
 * is not an integer is never effective.
 */
export function isEnabledAt(enableNum: string | undefined, blockNumber: number): boolean {
  if (enableNum === undefined || !INTEGER.test(enableNum)) return false
  const e = Number(enableNum)
  return e >= 0 ? e <= blockNumber : blockNumber < -e
}

/** One row of an ACL as listed to clients. */
export interface AclEntry {
  readonly address: AddressHex
  /** The block from which the grant holds. */
  readonly enableNum: number
}

/** Options of `AclStore`. */
export interface AclStoreInit {
  readonly aclEntriesMax?: number
  readonly aclCacheTablesMax?: number
  readonly logger: Logger
}

/**
 * The table write whitelists in `_sys_table_access_`, for one block.
 *
 * Every write this class makes keeps the set of rows effective in the current block
 * unchanged (grants start at `n + 1`, revocations end at `n + 1`), so the effective ACL of a
 * table can be cached for the whole block, whatever the order of transactions, their
 * reverts or parallel execution.
 */
export class AclStore {
  private readonly cache = new Map<string, ReadonlySet<AddressHex>>()
  // The table most recently (re)inserted into `cache`: it is already last in the LRU order,
  // so a hit on it needs no refresh (a block's writes mostly go to one table).
  private newest: string | undefined
  readonly aclEntriesMax: number
  private readonly cacheTablesMax: number
  private readonly log: Logger

  constructor(
    private readonly store: Store,
    readonly blockNumber: number,
    init: AclStoreInit,
  ) {
    this.aclEntriesMax = init.aclEntriesMax ?? ACL_ENTRIES_MAX
    this.cacheTablesMax = init.aclCacheTablesMax ?? ACL_CACHE_TABLES_MAX
    this.log = init.logger
  }

  /** Number of tables whose effective ACL is cached. */
  get cachedTables(): number {
    return this.cache.size
  }

  /** The addresses allowed to write `table` in this block (empty: anyone may). */
  async effective(table: string): Promise<ReadonlySet<AddressHex>> {
    const hit = this.cache.get(table)
    if (hit !== undefined) {
      // Refresh the entry's position: the cache evicts the least recently used table.
      this.refresh(table, hit)
      return hit
    }
    const set = new Set<AddressHex>()
    for (const row of await this.store.rows(PermissionTable.tableAccess, table)) {
      const address = parseAddress(row[AclField.address] ?? '')
      if (address !== undefined && isEnabledAt(row[AclField.enableNum], this.blockNumber)) set.add(address)
    }
    if (this.cache.size >= this.cacheTablesMax) {
      const oldest = this.cache.keys().next().value as string
      this.cache.delete(oldest)
      this.log.debug('acl cache evicted', { table: oldest, cacheTablesMax: this.cacheTablesMax })
    }
    this.cache.set(table, set)
    this.newest = table
    return set
  }

  private refresh(table: string, hit: ReadonlySet<AddressHex>): void {
    if (table === this.newest) return
    this.cache.delete(table)
    this.cache.set(table, hit)
    this.newest = table
  }

  /**
   * `effective` without waiting: the cached set (its cache position refreshed as `effective`
   * does), or `undefined` when the ACL of `table` is not cached and `effective` must read it.
   */
  effectiveCached(table: string): ReadonlySet<AddressHex> | undefined {
    const hit = this.cache.get(table)
    if (hit !== undefined) this.refresh(table, hit)
    return hit
  }

  /** `isPermitted` from the cache: the answer, or `undefined` when the ACL is not cached. */
  isPermittedCached(table: string, actor: AddressHex): boolean | undefined {
    const acl = this.effectiveCached(table)
    return acl === undefined ? undefined : acl.size === 0 || acl.has(actor)
  }

  /** Whitelist by presence: true when the ACL of `table` is empty or holds `actor`. */
  async isPermitted(table: string, actor: AddressHex): Promise<boolean> {
    const acl = await this.effective(table)
    return acl.size === 0 || acl.has(actor)
  }

  /** Whether `address` is on the ACL of `table` now (`now`) or from the next block (`next`). */
  async has(table: string, address: AddressHex, when: 'now' | 'next'): Promise<boolean> {
    if (when === 'now') return (await this.effective(table)).has(address)
    return (await this.next(table)).some((e) => e.address === address)
  }

  /** The ACL of `table` as it will be from the next block on, in row order. */
  async next(table: string): Promise<AclEntry[]> {
    const out: AclEntry[] = []
    for (const row of await this.store.rows(PermissionTable.tableAccess, table)) {
      const address = parseAddress(row[AclField.address] ?? '')
      const enableNum = row[AclField.enableNum]
      if (address === undefined || !isEnabledAt(enableNum, this.blockNumber + 1)) continue
      out.push({ address, enableNum: Number(enableNum) })
    }
    return out
  }

  /** Whether any row names `table` at all, effective or pending (FISCO's "has a committee" test). */
  async hasAnyRow(table: string): Promise<boolean> {
    return (await this.next(table)).length > 0 || (await this.effective(table)).size > 0
  }

  /**
   * Adds `address` to the ACL of `table` from the next block on. Returns 1, -51000 when it is
   * there already (from the next block), or -51005 when the ACL is full.
   */
  async grant(table: string, address: AddressHex): Promise<number> {
    const n = this.blockNumber
    const rows = await this.rowsOf(table, address)
    if (rows.some((r) => isEnabledAt(r[AclField.enableNum], n + 1)))
      return PermissionCode.TableAndAddressExist
    if ((await this.next(table)).length >= this.aclEntriesMax) return PermissionCode.AclEntriesLimitReached
    const acl = await this.store.openOrCreate(TABLE_ACCESS_INFO)
    const condition = eqAddress(address)
    if (rows.length > 0) {
      // A revoked row: a revocation pending for block n + 1 is cancelled (the grant never
      // lapses, so it stays effective in this block); an expired one is renewed from n + 1.
      const pending = rows.some((r) => isEnabledAt(r[AclField.enableNum], n))
      const entry = { [AclField.enableNum]: String(pending ? n : n + 1) }
      this.store.checked(await acl.update(table, entry, condition), TABLE_ACCESS_INFO.name, 'update')
      return 1
    }
    const entry = { [AclField.address]: address, [AclField.enableNum]: String(n + 1) }
    return this.store.checked(await acl.insert(table, entry), TABLE_ACCESS_INFO.name, 'insert')
  }

  /**
   * Removes `address` from the ACL of `table` from the next block on. Returns 1, or -51001
   * when it is not on the ACL from the next block.
   */
  async revoke(table: string, address: AddressHex): Promise<number> {
    const n = this.blockNumber
    const rows = await this.rowsOf(table, address)
    if (!rows.some((r) => isEnabledAt(r[AclField.enableNum], n + 1))) {
      return PermissionCode.TableAndAddressNotExist
    }
    const acl = await this.store.openOrCreate(TABLE_ACCESS_INFO)
    const condition = eqAddress(address)
    if (rows.some((r) => isEnabledAt(r[AclField.enableNum], n))) {
      // In force now: it lapses at the end of this block.
      const entry = { [AclField.enableNum]: String(-(n + 1)) }
      this.store.checked(await acl.update(table, entry, condition), TABLE_ACCESS_INFO.name, 'update')
    } else {
      // Granted in this block and not yet in force: drop it.
      this.store.checked(await acl.remove(table, condition), TABLE_ACCESS_INFO.name, 'remove')
    }
    return 1
  }

  private async rowsOf(table: string, address: AddressHex): Promise<Entry[]> {
    const rows = await this.store.rows(PermissionTable.tableAccess, table)
    return rows.filter((r) => parseAddress(r[AclField.address] ?? '') === address)
  }
}

function eqAddress(address: AddressHex) {
  return { clauses: [{ field: AclField.address, op: 'EQ' as const, value: address }] }
}
