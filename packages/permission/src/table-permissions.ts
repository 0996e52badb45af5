import type { Address } from '@consortia/interface'
import { type AddressHex, addressToHex, parseAddress } from './address.js'
import { actorOf, type CallerContext } from './caller.js'
import { PermissionCode } from './codes.js'
import { ACL_TABLE_NAME_LENGTH_MAX, accountTableName, aclTableName, PermissionTable } from './schema.js'
import { fiscoJson, type PermissionScope } from './scope.js'

/**
 * Table write whitelists, as FISCO 2.x PermissionPrecompiled (0x1005).
 *
 * `insert/remove(table, address)` manage the ACL of a user table (`u_` is prepended) or of a
 * system table (`_sys_tables_`, `_sys_cns_`, `_sys_config_`, `_sys_consensus_`); whoever may
 * write `_sys_table_access_` may call them (the committee; anyone while there is none).
 * `grantWrite/revokeWrite(contract, user)` manage who may change a contract's storage; its
 * managers and the committee may call them. Changes take effect in the next block; queries
 * show the ACL as it will be from the next block.
 */
export class TablePermissions {
  constructor(private readonly s: PermissionScope) {}

  /** insert(string,string): adds `address` to the ACL of `table` from the next block. */
  async insert(caller: CallerContext, table: string, address: string): Promise<number> {
    if (table === PermissionTable.tableAccess) return PermissionCode.CommitteePermission
    const a = parseAddress(address)
    if (a === undefined) return PermissionCode.AddressInvalid
    if (
      (table === PermissionTable.tables || table === PermissionTable.cns) &&
      (await this.s.acl.has(PermissionTable.tableAccess, a, 'next'))
    ) {
      // Committee members may not gain operator rights through the back door.
      return PermissionCode.OperatorCannotBeCommitteeMember
    }
    const name = aclTableName(table)
    if (name.length > ACL_TABLE_NAME_LENGTH_MAX) return PermissionCode.TableNameOverflow
    if (!(await this.mayManageAcls(caller))) return PermissionCode.PermissionDenied
    return this.s.acl.grant(name, a)
  }

  /** remove(string,string): removes `address` from the ACL of `table` from the next block. */
  async remove(caller: CallerContext, table: string, address: string): Promise<number> {
    if (table === PermissionTable.tableAccess) return PermissionCode.CommitteePermission
    const a = parseAddress(address)
    if (a === undefined) return PermissionCode.AddressInvalid
    const name = aclTableName(table)
    if (name.length > ACL_TABLE_NAME_LENGTH_MAX) return PermissionCode.TableNameOverflow
    if (!(await this.mayManageAcls(caller))) return PermissionCode.PermissionDenied
    return this.s.acl.revoke(name, a)
  }

  /** queryByName(string): JSON `[{"address","enable_num","table_name"}]` from the next block. */
  async queryByName(table: string): Promise<string> {
    return this.listJson(aclTableName(table))
  }

  /** grantWrite(address,address): lets `user` change the storage of `contract` from the next block. */
  async grantWrite(
    caller: CallerContext,
    contract: Address | string,
    user: Address | string,
  ): Promise<number> {
    const c = addressToHex(contract, 'contract')
    const u = addressToHex(user, 'user')
    const denied = await this.checkContractAdmin(caller, c)
    if (denied !== undefined) return denied
    return this.s.acl.grant(accountTableName(c), u)
  }

  /** revokeWrite(address,address). */
  async revokeWrite(
    caller: CallerContext,
    contract: Address | string,
    user: Address | string,
  ): Promise<number> {
    const c = addressToHex(contract, 'contract')
    const u = addressToHex(user, 'user')
    const denied = await this.checkContractAdmin(caller, c)
    if (denied !== undefined) return denied
    return this.s.acl.revoke(accountTableName(c), u)
  }

  /** queryPermission(address): JSON of who may change the contract's storage from the next block. */
  async queryPermission(contract: Address | string): Promise<string> {
    return this.listJson(accountTableName(addressToHex(contract, 'contract')))
  }

  private async listJson(table: string): Promise<string> {
    const list = await this.s.acl.next(table)
    return fiscoJson(
      list.map((e) => ({ address: e.address, enable_num: String(e.enableNum), table_name: table })),
    )
  }

  private async mayManageAcls(caller: CallerContext): Promise<boolean> {
    const actor = actorOf(caller, this.s.mode, 'precompile')
    return actor !== undefined && this.s.acl.isPermitted(PermissionTable.tableAccess, actor)
  }

  private async checkContractAdmin(caller: CallerContext, c: AddressHex): Promise<number | undefined> {
    if ((await this.s.accounts.kindOf(c)) !== 'contract') return PermissionCode.ContractNotExist
    const actor = actorOf(caller, this.s.mode, 'precompile')
    if (actor === undefined) return PermissionCode.PermissionDenied
    if ((await this.s.accounts.managers(c)).includes(actor)) return undefined
    if (await this.s.acl.has(PermissionTable.tableAccess, actor, 'now')) return undefined
    return PermissionCode.PermissionDenied
  }
}
