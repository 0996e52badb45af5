import type { Address } from '@consortia/interface'
import { type AddressHex, addressToHex } from './address.js'
import { actorOf, type CallerContext } from './caller.js'
import { ContractStatusText, PermissionCode } from './codes.js'
import { PermissionTable } from './schema.js'
import type { PermissionScope } from './scope.js'

/**
 * Contract freezing and managers, as FISCO 2.x ContractLifeCyclePrecompiled (0x1007).
 *
 * A contract's managers are its deployer (or, for a contract created by a contract, the
 * creator's managers) plus those granted later. Managers and committee members may freeze,
 * unfreeze and grant or revoke managers; a frozen contract refuses calls (receipt status 30).
 * Freezing takes effect at once. Beyond FISCO: a contract that is a committee member cannot
 * be frozen (it could be the committee's last voice), and a contract keeps at least one manager.
 */
export class ContractLifeCycle {
  constructor(private readonly s: PermissionScope) {}

  /** freeze(address). */
  async freeze(caller: CallerContext, contract: Address | string): Promise<number> {
    const c = addressToHex(contract, 'contract')
    const denied = await this.checkManage(caller, c)
    if (denied !== undefined) return denied
    if (
      (await this.s.acl.has(PermissionTable.tableAccess, c, 'now')) ||
      (await this.s.acl.has(PermissionTable.tableAccess, c, 'next'))
    ) {
      return PermissionCode.NoAuthorized
    }
    if (await this.s.accounts.isFrozen(c)) return PermissionCode.ContractFrozen
    return this.s.accounts.setFrozen(c, true)
  }

  /** unfreeze(address). */
  async unfreeze(caller: CallerContext, contract: Address | string): Promise<number> {
    const c = addressToHex(contract, 'contract')
    const denied = await this.checkManage(caller, c)
    if (denied !== undefined) return denied
    if (!(await this.s.accounts.isFrozen(c))) return PermissionCode.ContractAvailable
    return this.s.accounts.setFrozen(c, false)
  }

  /** grantManager(address,address). */
  async grantManager(
    caller: CallerContext,
    contract: Address | string,
    user: Address | string,
  ): Promise<number> {
    const c = addressToHex(contract, 'contract')
    const u = addressToHex(user, 'user')
    const denied = await this.checkManage(caller, c)
    if (denied !== undefined) return denied
    const managers = await this.s.accounts.managers(c)
    if (managers.includes(u)) return PermissionCode.ContractRepeatAuthorization
    if (managers.length >= this.s.contractManagersMax) return PermissionCode.ManagersLimitReached
    return this.s.accounts.addManager(c, u)
  }

  /** revokeManager(address,address) (FISCO ≥ 2.7). */
  async revokeManager(
    caller: CallerContext,
    contract: Address | string,
    user: Address | string,
  ): Promise<number> {
    const c = addressToHex(contract, 'contract')
    const u = addressToHex(user, 'user')
    const denied = await this.checkManage(caller, c)
    if (denied !== undefined) return denied
    const managers = await this.s.accounts.managers(c)
    if (!managers.includes(u)) return PermissionCode.NonExistAuthorization
    if (managers.length === 1) return PermissionCode.RevokeLastAuthorization
    return this.s.accounts.removeManager(c, u)
  }

  /** getStatus(address): `[0, text]` with FISCO's status texts. */
  async getStatus(contract: Address | string): Promise<[bigint, string]> {
    const c = addressToHex(contract, 'contract')
    const kind = await this.s.accounts.kindOf(c)
    if (kind === 'nonexistent') return [0n, ContractStatusText.nonexistent]
    if (kind === 'account') return [0n, ContractStatusText.notContract]
    return [
      0n,
      (await this.s.accounts.isFrozen(c)) ? ContractStatusText.frozen : ContractStatusText.available,
    ]
  }

  /** listManager(address): `[code, managers]`. */
  async listManager(contract: Address | string): Promise<[bigint, AddressHex[]]> {
    const c = addressToHex(contract, 'contract')
    const kind = await this.s.accounts.kindOf(c)
    if (kind === 'nonexistent') return [BigInt(PermissionCode.TableNotExist), []]
    if (kind === 'account') return [BigInt(PermissionCode.InvalidContractAddress), []]
    return [0n, await this.s.accounts.managers(c)]
  }

  /** Whether `actor` manages `contract`: one of its managers, or a committee member. */
  async mayManage(actor: AddressHex, contract: AddressHex): Promise<boolean> {
    if ((await this.s.accounts.managers(contract)).includes(actor)) return true
    return this.s.acl.has(PermissionTable.tableAccess, actor, 'now')
  }

  // Existence check, then permission check, as FISCO orders them.
  private async checkManage(caller: CallerContext, c: AddressHex): Promise<number | undefined> {
    const kind = await this.s.accounts.kindOf(c)
    if (kind === 'nonexistent') return PermissionCode.TableNotExist
    if (kind === 'account') return PermissionCode.InvalidContractAddress
    const actor = actorOf(caller, this.s.mode, 'precompile')
    if (actor === undefined || !(await this.mayManage(actor, c))) return PermissionCode.NoAuthorized
    return undefined
  }
}
