import type { Address, Condition, Entry, Table, TableInfo, TableStore } from '@consortia/interface'
import { type AddressHex, addressToHex } from './address.js'
import { actorOf, type CallerContext } from './caller.js'
import { PermissionCode, PermissionStatus } from './codes.js'
import { permissionError } from './errors.js'
import { accountTableName, PermissionTable, tableClassOf } from './schema.js'
import type { PermissionScope } from './scope.js'

/** The answer of an enforcement hook. */
export type Verdict =
  | { readonly allowed: true }
  | {
      readonly allowed: false
      /** Receipt status the executor reports for the transaction (18, 25, 30 or 31). */
      readonly status: number
      /** The FISCO precompiled code that corresponds (-50000, -51900, -52011). */
      readonly code: number
      readonly reason: string
      /** The account whose right was checked, when there was one. */
      readonly actor?: AddressHex
    }

const ALLOWED: Verdict = Object.freeze({ allowed: true })

function deny(status: number, code: number, reason: string, actor?: AddressHex): Verdict {
  return actor === undefined
    ? { allowed: false, status, code, reason }
    : { allowed: false, status, code, reason, actor }
}

/**
 * The checks an executor makes before each protected operation. Every hook is read-only,
 * except `onContractCreated`. Reads are never checked (FISCO: ACLs guard writes only).
 */
export class Enforcement {
  constructor(private readonly s: PermissionScope) {}

  /** Before a transaction runs: a frozen sender gets receipt status 31 (AccountFrozen). */
  async checkSender(sender: Address): Promise<Verdict> {
    const a = addressToHex(sender, 'sender')
    return senderVerdict(a, await this.s.accounts.isFrozen(a))
  }

  /**
   * `checkSender` without waiting: the verdict when the sender's `frozen` row is in memory,
   * else `undefined` (then use `checkSender`). The same holds for every `...Cached` hook:
   * the verdict of its asynchronous namesake, or `undefined` having read nothing new.
   */
  checkSenderCached(sender: Address): Verdict | undefined {
    const a = addressToHex(sender, 'sender')
    const frozen = this.s.accounts.isFrozenCached(a)
    return frozen === undefined ? undefined : senderVerdict(a, frozen)
  }

  /** Before entering a contract's code (top-level or nested call): frozen gives status 30 (ContractFrozen). */
  async checkContractCall(contract: Address): Promise<Verdict> {
    const c = addressToHex(contract, 'contract')
    return contractCallVerdict(c, await this.s.accounts.isFrozen(c))
  }

  /** `checkContractCall` without waiting, or `undefined` when the `frozen` row is not in memory. */
  checkContractCallCached(contract: Address): Verdict | undefined {
    const c = addressToHex(contract, 'contract')
    const frozen = this.s.accounts.isFrozenCached(c)
    return frozen === undefined ? undefined : contractCallVerdict(c, frozen)
  }

  /**
   * Before a contract creation: the actor must be on the `_sys_tables_` ACL (or it is empty).
   * A deploy transaction is refused with status 18 (NoDeployPermission); a CREATE/CREATE2 inside
   * a call (`nested`) with 25 (PermissionDenied), as FISCO's `Executive::executeCreate` does.
   * `caller.sender` is the creator: the transaction sender, or the contract running CREATE.
   */
  async checkDeploy(caller: CallerContext, options: { readonly nested: boolean }): Promise<Verdict> {
    const actor = actorOf(caller, this.s.mode, 'deploy')
    const status = options.nested ? PermissionStatus.PermissionDenied : PermissionStatus.NoDeployPermission
    if (actor === undefined) return deny(status, PermissionCode.PermissionDenied, 'no actor for deploy')
    if (await this.s.acl.isPermitted(PermissionTable.tables, actor)) return ALLOWED
    return deny(status, PermissionCode.PermissionDenied, `${actor} may not deploy contracts`, actor)
  }

  /**
   * Before creating a table (TableFactory/KVTableFactory `createTable`, CRUD): the actor must
   * be on the `_sys_tables_` ACL, and the name must not be one of the tables only governance
   * or the ledger write (`_sys_*` of those kinds, `c_*`).
   */
  async checkCreateTable(caller: CallerContext, tableName: string): Promise<Verdict> {
    if (tableClassOf(tableName) !== 'acl') {
      return deny(
        PermissionStatus.PermissionDenied,
        PermissionCode.PermissionDenied,
        `table ${tableName} is reserved`,
      )
    }
    const actor = actorOf(caller, this.s.mode, 'precompile')
    if (actor === undefined) {
      return deny(
        PermissionStatus.PermissionDenied,
        PermissionCode.PermissionDenied,
        'no actor for createTable',
      )
    }
    if (await this.s.acl.isPermitted(PermissionTable.tables, actor)) return ALLOWED
    return deny(
      PermissionStatus.PermissionDenied,
      PermissionCode.PermissionDenied,
      `${actor} may not create tables`,
      actor,
    )
  }

  /**
   * Before every insert, update or remove a precompile makes on behalf of a transaction
   * (Table, KVTable, CRUD, SystemConfig, Consensus, CNS, ParallelConfig, user precompiles).
   * Governance tables, ledger tables and account tables are never writable this way; any
   * other table is writable by the actor when its ACL is empty or names the actor.
   */
  async checkTableWrite(caller: CallerContext, tableName: string): Promise<Verdict> {
    const actor = this.tableWriteActor(caller, tableName)
    if (typeof actor !== 'string') return actor
    return tableWriteVerdict(actor, tableName, await this.s.acl.isPermitted(tableName, actor))
  }

  /** `checkTableWrite` without waiting, or `undefined` when the table's ACL is not cached. */
  checkTableWriteCached(caller: CallerContext, tableName: string): Verdict | undefined {
    const actor = this.tableWriteActor(caller, tableName)
    if (typeof actor !== 'string') return actor
    const permitted = this.s.acl.isPermittedCached(tableName, actor)
    return permitted === undefined ? undefined : tableWriteVerdict(actor, tableName, permitted)
  }

  // The actor whose right a table write needs, or the refusal when the table or frame has none.
  private tableWriteActor(caller: CallerContext, tableName: string): AddressHex | Verdict {
    const kind = tableClassOf(tableName)
    if (kind !== 'acl') {
      return deny(
        PermissionStatus.PermissionDenied,
        PermissionCode.PermissionDenied,
        `table ${tableName} (${kind}) is not writable through table operations`,
      )
    }
    const actor = actorOf(caller, this.s.mode, 'precompile')
    if (actor === undefined) {
      return deny(
        PermissionStatus.PermissionDenied,
        PermissionCode.PermissionDenied,
        'no actor for table write',
      )
    }
    return actor
  }

  /**
   * Before SSTORE into `contract`'s storage (FISCO `ExtVM::isPermitted`): the actor must be
   * on the ACL of `c_<contract>` (PermissionPrecompiled `grantWrite`) or it must be empty.
   * In `origin` mode the actor is `tx.origin`; in `caller` mode the contract's `msg.sender`.
   */
  async checkStorageWrite(caller: CallerContext, contract: Address): Promise<Verdict> {
    const c = addressToHex(contract, 'contract')
    const actor = actorOf(caller, this.s.mode, 'storage')
    if (actor === undefined) return NO_STORAGE_ACTOR
    return storageWriteVerdict(actor, c, await this.s.acl.isPermitted(accountTableName(c), actor))
  }

  /** `checkStorageWrite` without waiting, or `undefined` when the ACL of `c_<contract>` is not cached. */
  checkStorageWriteCached(caller: CallerContext, contract: Address): Verdict | undefined {
    const c = addressToHex(contract, 'contract')
    const actor = actorOf(caller, this.s.mode, 'storage')
    if (actor === undefined) return NO_STORAGE_ACTOR
    const permitted = this.s.acl.isPermittedCached(accountTableName(c), actor)
    return permitted === undefined ? undefined : storageWriteVerdict(actor, c, permitted)
  }

  /**
   * After a contract was created (its account table exists): records its managers. A contract
   * created by a contract that has managers inherits them; otherwise the deployer (the actor
   * of `checkDeploy`) manages it. Returns the managers written.
   */
  async onContractCreated(
    caller: CallerContext,
    contract: Address,
    options: { readonly nested: boolean },
  ): Promise<AddressHex[]> {
    const c = addressToHex(contract, 'contract')
    let managers: AddressHex[] = []
    if (options.nested) managers = await this.s.accounts.managers(addressToHex(caller.sender, 'sender'))
    if (managers.length === 0) {
      const actor = actorOf(caller, this.s.mode, 'deploy')
      if (actor !== undefined) managers = [actor]
    }
    const existing = await this.s.accounts.managers(c)
    const written: AddressHex[] = []
    for (const m of managers) {
      if (existing.length + written.length >= this.s.contractManagersMax) break
      if (existing.includes(m) || written.includes(m)) continue
      await this.s.accounts.addManager(c, m)
      written.push(m)
    }
    return written
  }

  /**
   * A `TableStore` whose writes run the checks above for `caller`: `createTable` runs
   * `checkCreateTable`, and `insert/update/remove` on opened tables run `checkTableWrite`.
   * A refusal throws `ChainError` PERMISSION_DENIED carrying `status` (the receipt status)
   * and `fiscoCode` (-50000); the executor fails the transaction with that status and
   * reverts it. Hand this store, not the raw one, to every precompile a transaction reaches.
   */
  guardTables(base: TableStore, caller: CallerContext): TableStore {
    const fail = (v: Verdict, table: string): never => {
      if (v.allowed) throw new Error('unreachable')
      throw permissionError(
        { code: 'PERMISSION_DENIED', status: v.status, fiscoCode: v.code, table, ...actorField(v.actor) },
        v.reason,
      )
    }
    const guardTable = (table: Table): Table => {
      const name = table.info.name
      const check = async () => {
        const v = await this.checkTableWrite(caller, name)
        if (!v.allowed) fail(v, name)
      }
      return {
        info: table.info,
        select: (key: string, condition?: Condition) => table.select(key, condition),
        async insert(key: string, entry: Entry) {
          await check()
          return table.insert(key, entry)
        },
        async update(key: string, entry: Entry, condition?: Condition) {
          await check()
          return table.update(key, entry, condition)
        },
        async remove(key: string, condition?: Condition) {
          await check()
          return table.remove(key, condition)
        },
      }
    }
    return {
      createTable: async (info: TableInfo) => {
        const v = await this.checkCreateTable(caller, info.name)
        if (!v.allowed) fail(v, info.name)
        return base.createTable(info)
      },
      openTable: async (name: string) => {
        const table = await base.openTable(name)
        return table === undefined ? undefined : guardTable(table)
      },
    }
  }
}

function senderVerdict(a: AddressHex, frozen: boolean): Verdict {
  if (!frozen) return ALLOWED
  return deny(PermissionStatus.AccountFrozen, PermissionCode.AccountFrozen, `account ${a} is frozen`, a)
}

function contractCallVerdict(c: AddressHex, frozen: boolean): Verdict {
  if (!frozen) return ALLOWED
  return deny(PermissionStatus.ContractFrozen, PermissionCode.ContractFrozen, `contract ${c} is frozen`)
}

function tableWriteVerdict(actor: AddressHex, tableName: string, permitted: boolean): Verdict {
  if (permitted) return ALLOWED
  return deny(
    PermissionStatus.PermissionDenied,
    PermissionCode.PermissionDenied,
    `${actor} may not write ${tableName}`,
    actor,
  )
}

const NO_STORAGE_ACTOR: Verdict = Object.freeze(
  deny(PermissionStatus.PermissionDenied, PermissionCode.PermissionDenied, 'no actor for storage write'),
)

function storageWriteVerdict(actor: AddressHex, c: AddressHex, permitted: boolean): Verdict {
  if (permitted) return ALLOWED
  return deny(
    PermissionStatus.PermissionDenied,
    PermissionCode.PermissionDenied,
    `${actor} may not write the storage of ${c}`,
    actor,
  )
}

function actorField(actor: AddressHex | undefined): { actor?: string } {
  return actor === undefined ? {} : { actor }
}
