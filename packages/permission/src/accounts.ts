import { type AddressHex, authorityForm, parseAddress } from './address.js'
import { ACCOUNT_VALUE_FIELD, AccountRow, accountTableInfo, accountTableName } from './schema.js'
import type { Store } from './store.js'

/** Default bound on the managers of one contract. */
export const CONTRACT_MANAGERS_MAX = 1_000

/** What the account table of an address says about it. */
export type AccountKind =
  /** No `c_<address>` table. */
  | 'nonexistent'
  /** A table with empty `code`: an external account. */
  | 'account'
  /** A table with code. */
  | 'contract'

/** Reads and writes the rows of `c_<address>` this package owns (`frozen`, `authority`). */
export class AccountTables {
  constructor(private readonly store: Store) {}

  /** Whether the address has an account table, and whether it holds code. */
  async kindOf(address: AddressHex): Promise<AccountKind> {
    const table = await this.store.open(accountTableName(address))
    if (table === undefined) return 'nonexistent'
    const code = (await table.select(AccountRow.code))[0]?.[ACCOUNT_VALUE_FIELD] ?? ''
    return code.length > 0 ? 'contract' : 'account'
  }

  /** Whether the `frozen` row of the address is `true` (FISCO `StorageState::frozen`). */
  async isFrozen(address: AddressHex): Promise<boolean> {
    const rows = await this.store.rows(accountTableName(address), AccountRow.frozen)
    return rows[0]?.[ACCOUNT_VALUE_FIELD] === 'true'
  }

  /** `isFrozen` without waiting, or `undefined` when the row is not in memory. */
  isFrozenCached(address: AddressHex): boolean | undefined {
    const rows = this.store.rowsCached(accountTableName(address), AccountRow.frozen)
    return rows === undefined ? undefined : rows[0]?.[ACCOUNT_VALUE_FIELD] === 'true'
  }

  /** Sets the `frozen` row, creating the account table when it is missing. Returns the row count. */
  async setFrozen(address: AddressHex, frozen: boolean): Promise<number> {
    const info = accountTableInfo(address)
    const table = await this.store.openOrCreate(info)
    const entry = { [ACCOUNT_VALUE_FIELD]: frozen ? 'true' : 'false' }
    const existing = await table.select(AccountRow.frozen)
    const rc =
      existing.length > 0
        ? await table.update(AccountRow.frozen, entry)
        : await table.insert(AccountRow.frozen, entry)
    return this.store.checked(rc, info.name, 'set frozen')
  }

  /** The managers of a contract, in row order (FISCO `authority` rows). */
  async managers(contract: AddressHex): Promise<AddressHex[]> {
    const rows = await this.store.rows(accountTableName(contract), AccountRow.authority)
    const out: AddressHex[] = []
    for (const row of rows) {
      const address = parseAddress(row[ACCOUNT_VALUE_FIELD] ?? '')
      if (address !== undefined && !out.includes(address)) out.push(address)
    }
    return out
  }

  /** Adds a manager row (the caller checked it is new). Returns the row count. */
  async addManager(contract: AddressHex, manager: AddressHex): Promise<number> {
    const info = accountTableInfo(contract)
    const table = await this.store.openOrCreate(info)
    const rc = await table.insert(AccountRow.authority, { [ACCOUNT_VALUE_FIELD]: authorityForm(manager) })
    return this.store.checked(rc, info.name, 'add manager')
  }

  /** Removes a manager's rows. Returns the row count. */
  async removeManager(contract: AddressHex, manager: AddressHex): Promise<number> {
    const info = accountTableInfo(contract)
    const table = await this.store.openOrCreate(info)
    const rc = await table.remove(AccountRow.authority, {
      clauses: [{ field: ACCOUNT_VALUE_FIELD, op: 'EQ', value: authorityForm(manager) }],
    })
    return this.store.checked(rc, info.name, 'remove manager')
  }
}
