import type { TableFactory } from '@consortia/amdb'
import { type ChainError, isChainError } from '@consortia/interface'
import { describe, expect, it } from 'vitest'
import {
  type CallerContext,
  initGovernance,
  type Permission,
  PermissionCode,
  type PermissionErrorType,
  type PermissionMode,
  PermissionStatus,
  PermissionTable,
  type Verdict,
} from '../src/index.js'
import { addr, by, createTestChain, hexOf, makeAccount, makeContract } from './helpers.js'

// Reference: attack-catalog.md A13 (permission bypass: direct call, through a contract, through
// delegatecall, tx.origin deputy, grant/revoke races in one block); fisco-2x.md §5.
// These are the package-level equivalents: each operation is what a precompile or the EVM
// would ask this package before acting (see README "Executor wiring").

const A = 1 // committee
const B = 2 // committee
const OP = 3 // operator
const WRITER = 4 // on the ACL of u_asset and of the contract's storage
const DEPLOYER = 5 // manager of CONTRACT and FROZEN
const M2 = 6 // second manager of CONTRACT
const USER = 7 // plain account
const FROZEN_USER = 8
const MALLORY = 9 // attacker account
const EVIL = 0x66 // attacker contract
const CONTRACT = 0x40
const FROZEN = 0x41

/** Chain with committee {A, B}, operator OP, table u_asset (ACL: WRITER), contracts; at block 2. */
async function setup(mode: PermissionMode) {
  const chain = await createTestChain({ mode })
  await chain.block(async (p, tables) => {
    await initGovernance(tables, {
      committee: [{ address: addr(A) }, { address: addr(B) }],
      operators: [addr(OP)],
    })
    await tables.createTable({ name: 'u_asset', keyField: 'account', valueFields: ['amount'] })
    await (await tables.openTableOrThrow('u_asset')).insert('alice', { amount: '10' })
    for (const n of [USER, FROZEN_USER, MALLORY]) await makeAccount(tables, n)
    for (const n of [CONTRACT, FROZEN, EVIL]) await makeContract(tables, n)
    await p.onContractCreated(by(DEPLOYER), addr(CONTRACT), { nested: false })
    await p.onContractCreated(by(DEPLOYER), addr(FROZEN), { nested: false })
    await p.onContractCreated(by(MALLORY), addr(EVIL), { nested: false })
  })
  await chain.block(async (p) => {
    expect(await p.tablePermissions.insert(by(A), 'asset', hexOf(WRITER))).toBe(1)
    expect(await p.tablePermissions.grantWrite(by(DEPLOYER), addr(CONTRACT), addr(WRITER))).toBe(1)
    expect(await p.lifecycle.grantManager(by(DEPLOYER), addr(CONTRACT), addr(M2))).toBe(1)
    expect(await p.lifecycle.freeze(by(DEPLOYER), addr(FROZEN))).toBe(1)
    expect(await p.governance.freezeAccount(by(A), addr(FROZEN_USER))).toBe(1)
  })
  return chain
}

/** The refusal an operation met: a negative code, a receipt status, or undefined when allowed. */
type Refusal = number | undefined

const ofCode = (rc: number): Refusal => (rc < 0 ? rc : undefined)
const ofVerdict = (v: Verdict): Refusal => (v.allowed ? undefined : v.status)
async function ofGuarded(run: () => Promise<unknown>): Promise<Refusal> {
  try {
    await run()
    return undefined
  } catch (err) {
    if (!isChainError(err, 'PERMISSION_DENIED')) throw err
    const type = (err as ChainError<PermissionErrorType>).type
    expect(type.fiscoCode).toBe(PermissionCode.PermissionDenied)
    return type.status
  }
}

interface Operation {
  readonly name: string
  /** The account that may do it. */
  readonly authorised: number
  /** Whether it is a precompile call (so DELEGATECALL into it is a path). */
  readonly precompile: boolean
  readonly refusedWith: number
  run(p: Permission, tables: TableFactory, caller: CallerContext): Promise<Refusal>
}

const guarded = (p: Permission, tables: TableFactory, caller: CallerContext) => p.guardTables(tables, caller)
const DENIED = PermissionStatus.PermissionDenied

const operations: Operation[] = [
  {
    name: 'CREATE inside a contract',
    authorised: OP,
    precompile: false,
    refusedWith: DENIED,
    run: async (p, _t, c) => ofVerdict(await p.checkDeploy(c, { nested: true })),
  },
  {
    name: 'TableFactory.createTable',
    authorised: OP,
    precompile: true,
    refusedWith: DENIED,
    run: (p, t, c) =>
      ofGuarded(() => guarded(p, t, c).createTable({ name: 'u_new', keyField: 'k', valueFields: ['v'] })),
  },
  {
    name: 'Table.insert (CRUD insert)',
    authorised: WRITER,
    precompile: true,
    refusedWith: DENIED,
    run: (p, t, c) =>
      ofGuarded(async () => (await guarded(p, t, c).openTable('u_asset'))?.insert('bob', { amount: '1' })),
  },
  {
    name: 'Table.update (CRUD update)',
    authorised: WRITER,
    precompile: true,
    refusedWith: DENIED,
    run: (p, t, c) =>
      ofGuarded(async () => (await guarded(p, t, c).openTable('u_asset'))?.update('alice', { amount: '0' })),
  },
  {
    name: 'Table.remove (CRUD remove)',
    authorised: WRITER,
    precompile: true,
    refusedWith: DENIED,
    run: (p, t, c) => ofGuarded(async () => (await guarded(p, t, c).openTable('u_asset'))?.remove('alice')),
  },
  {
    name: 'KVTable.set',
    authorised: WRITER,
    precompile: true,
    refusedWith: DENIED,
    run: (p, t, c) =>
      ofGuarded(async () => {
        const table = await guarded(p, t, c).openTable('u_asset')
        if (table === undefined) throw new Error('u_asset missing')
        const rows = await table.select('alice') // reads are never checked
        return rows.length > 0
          ? table.update('alice', { amount: '99' })
          : table.insert('alice', { amount: '99' })
      }),
  },
  {
    name: 'CNS insert (_sys_cns_)',
    authorised: OP,
    precompile: true,
    refusedWith: DENIED,
    run: async (p, _t, c) => ofVerdict(await p.checkTableWrite(c, PermissionTable.cns)),
  },
  {
    name: 'SystemConfig.setValueByKey (_sys_config_)',
    authorised: A,
    precompile: true,
    refusedWith: DENIED,
    run: async (p, _t, c) => ofVerdict(await p.checkTableWrite(c, PermissionTable.config)),
  },
  {
    name: 'Consensus.addSealer (_sys_consensus_)',
    authorised: A,
    precompile: true,
    refusedWith: DENIED,
    run: async (p, _t, c) => ofVerdict(await p.checkTableWrite(c, PermissionTable.consensus)),
  },
  {
    name: 'SSTORE into a write-protected contract',
    authorised: WRITER,
    precompile: false,
    refusedWith: DENIED,
    run: async (p, _t, c) => ofVerdict(await p.checkStorageWrite(c, addr(CONTRACT))),
  },
  {
    name: 'grantCommitteeMember',
    authorised: A,
    precompile: true,
    refusedWith: PermissionCode.InvalidRequestPermissionDenied,
    run: async (p, _t, c) => ofCode(await p.governance.grantCommitteeMember(c, addr(MALLORY))),
  },
  {
    name: 'revokeCommitteeMember',
    authorised: A,
    precompile: true,
    refusedWith: PermissionCode.InvalidRequestPermissionDenied,
    run: async (p, _t, c) => ofCode(await p.governance.revokeCommitteeMember(c, addr(B))),
  },
  {
    name: 'updateThreshold',
    authorised: A,
    precompile: true,
    refusedWith: PermissionCode.InvalidRequestPermissionDenied,
    run: async (p, _t, c) => ofCode(await p.governance.updateThreshold(c, 0n)),
  },
  {
    name: 'updateCommitteeMemberWeight',
    authorised: A,
    precompile: true,
    refusedWith: PermissionCode.InvalidRequestPermissionDenied,
    run: async (p, _t, c) => ofCode(await p.governance.updateCommitteeMemberWeight(c, addr(A), 9n)),
  },
  {
    name: 'grantOperator',
    authorised: A,
    precompile: true,
    refusedWith: PermissionCode.InvalidRequestPermissionDenied,
    run: async (p, _t, c) => ofCode(await p.governance.grantOperator(c, addr(MALLORY))),
  },
  {
    name: 'revokeOperator',
    authorised: A,
    precompile: true,
    refusedWith: PermissionCode.InvalidRequestPermissionDenied,
    run: async (p, _t, c) => ofCode(await p.governance.revokeOperator(c, addr(OP))),
  },
  {
    name: 'freezeAccount',
    authorised: A,
    precompile: true,
    refusedWith: PermissionCode.PermissionDenied,
    run: async (p, _t, c) => ofCode(await p.governance.freezeAccount(c, addr(USER))),
  },
  {
    name: 'unfreezeAccount',
    authorised: A,
    precompile: true,
    refusedWith: PermissionCode.PermissionDenied,
    run: async (p, _t, c) => ofCode(await p.governance.unfreezeAccount(c, addr(FROZEN_USER))),
  },
  {
    name: 'Permission.insert',
    authorised: A,
    precompile: true,
    refusedWith: PermissionCode.PermissionDenied,
    run: async (p, _t, c) => ofCode(await p.tablePermissions.insert(c, 'asset', hexOf(MALLORY))),
  },
  {
    name: 'Permission.remove',
    authorised: A,
    precompile: true,
    refusedWith: PermissionCode.PermissionDenied,
    run: async (p, _t, c) => ofCode(await p.tablePermissions.remove(c, 'asset', hexOf(WRITER))),
  },
  {
    name: 'Permission.grantWrite',
    authorised: DEPLOYER,
    precompile: true,
    refusedWith: PermissionCode.PermissionDenied,
    run: async (p, _t, c) => ofCode(await p.tablePermissions.grantWrite(c, addr(CONTRACT), addr(MALLORY))),
  },
  {
    name: 'Permission.revokeWrite',
    authorised: DEPLOYER,
    precompile: true,
    refusedWith: PermissionCode.PermissionDenied,
    run: async (p, _t, c) => ofCode(await p.tablePermissions.revokeWrite(c, addr(CONTRACT), addr(WRITER))),
  },
  {
    name: 'ContractLifeCycle.freeze',
    authorised: DEPLOYER,
    precompile: true,
    refusedWith: PermissionCode.NoAuthorized,
    run: async (p, _t, c) => ofCode(await p.lifecycle.freeze(c, addr(CONTRACT))),
  },
  {
    name: 'ContractLifeCycle.unfreeze',
    authorised: DEPLOYER,
    precompile: true,
    refusedWith: PermissionCode.NoAuthorized,
    run: async (p, _t, c) => ofCode(await p.lifecycle.unfreeze(c, addr(FROZEN))),
  },
  {
    name: 'ContractLifeCycle.grantManager',
    authorised: DEPLOYER,
    precompile: true,
    refusedWith: PermissionCode.NoAuthorized,
    run: async (p, _t, c) => ofCode(await p.lifecycle.grantManager(c, addr(CONTRACT), addr(MALLORY))),
  },
  {
    name: 'ContractLifeCycle.revokeManager',
    authorised: DEPLOYER,
    precompile: true,
    refusedWith: PermissionCode.NoAuthorized,
    run: async (p, _t, c) => ofCode(await p.lifecycle.revokeManager(c, addr(CONTRACT), addr(M2))),
  },
]

interface Path {
  readonly name: string
  /** Whether the authorised account signed the transaction (the tx.origin deputy case). */
  readonly deputy: boolean
  readonly precompileOnly: boolean
  caller(authorised: number): CallerContext
}

const paths: Path[] = [
  { name: 'directly', deputy: false, precompileOnly: false, caller: () => by(MALLORY) },
  {
    name: 'through a contract',
    deputy: false,
    precompileOnly: false,
    caller: () => ({ origin: addr(MALLORY), sender: addr(EVIL) }),
  },
  {
    name: 'through delegatecall',
    deputy: false,
    precompileOnly: true,
    caller: () => ({
      origin: addr(MALLORY),
      sender: addr(MALLORY),
      via: 'delegatecall',
      delegator: addr(EVIL),
    }),
  },
  {
    name: 'as the deputy of an authorised caller (contract)',
    deputy: true,
    precompileOnly: false,
    caller: (auth) => ({ origin: addr(auth), sender: addr(EVIL) }),
  },
  {
    name: 'as the deputy of an authorised caller (delegatecall)',
    deputy: true,
    precompileOnly: true,
    caller: (auth) => ({
      origin: addr(auth),
      sender: addr(auth),
      via: 'delegatecall',
      delegator: addr(EVIL),
    }),
  },
  {
    name: 'as the deputy of an authorised caller (delegatecall, delegator unknown)',
    deputy: true,
    precompileOnly: true,
    caller: (auth) => ({ origin: addr(auth), sender: addr(auth), via: 'delegatecall' }),
  },
]

describe.each(['origin', 'caller'] as const)('A13 in %s mode', (mode) => {
  for (const op of operations) {
    describe(op.name, () => {
      it('is allowed to the authorised account (sanity)', async () => {
        const chain = await setup(mode)
        await chain.block(async (p, tables) => {
          expect(await op.run(p, tables, by(op.authorised))).toBeUndefined()
        })
      })
      for (const path of paths) {
        if (path.precompileOnly && !op.precompile) continue
        // FISCO-compatible `origin` mode lets a contract act with the rights of the account that
        // signed the transaction: documented risk, asserted here. Strict `caller` mode refuses.
        const allowed = path.deputy && mode === 'origin'
        it(`${allowed ? 'is allowed (documented risk)' : 'is refused'} ${path.name}`, async () => {
          const chain = await setup(mode)
          await chain.block(async (p, tables) => {
            const before = tables.hash()
            const refusal = await op.run(p, tables, path.caller(op.authorised))
            if (allowed) {
              expect(refusal).toBeUndefined()
            } else {
              expect(refusal).toBe(op.refusedWith)
              expect(tables.hash()).toEqual(before) // no state change
            }
          })
        })
      }
    })
  }

  it('refuses a deploy transaction from an account without deploy rights with status 18', async () => {
    const chain = await setup(mode)
    await chain.block(async (p, tables) => {
      const before = tables.hash()
      expect(await p.checkDeploy(by(MALLORY), { nested: false })).toMatchObject({
        allowed: false,
        status: PermissionStatus.NoDeployPermission,
        code: PermissionCode.PermissionDenied,
        actor: hexOf(MALLORY),
      })
      expect((await p.checkDeploy(by(OP), { nested: false })).allowed).toBe(true)
      expect(tables.hash()).toEqual(before)
    })
  })

  it('never lets a transaction write governance, ledger or account tables, even the committee', async () => {
    const chain = await setup(mode)
    await chain.block(async (p, tables) => {
      const store = p.guardTables(tables, by(A))
      const before = tables.hash()
      for (const name of [
        PermissionTable.tableAccess,
        PermissionTable.committeeVotes,
        PermissionTable.tables,
        '_sys_current_state_',
        `c_${hexOf(USER).slice(2)}`,
      ]) {
        const refusal = await ofGuarded(async () => {
          const table = await store.openTable(name)
          if (table === undefined) throw new Error(`${name} missing`)
          await table.insert('x', { [table.info.valueFields[0] as string]: '1' })
        })
        expect(refusal, name).toBe(DENIED)
      }
      for (const name of [
        PermissionTable.committeeVotes,
        `c_${hexOf(0x70).slice(2)}`,
        '_sys_hash_2_block_',
      ]) {
        const refusal = await ofGuarded(() =>
          store.createTable({ name, keyField: 'key', valueFields: ['value'] }),
        )
        expect(refusal, name).toBe(DENIED)
      }
      expect(tables.hash()).toEqual(before)
      // Reads are never checked.
      expect(await (await p.guardTables(tables, by(MALLORY)).openTable('u_asset'))?.select('alice')).toEqual([
        { account: 'alice', amount: '10' },
      ])
    })
  })

  it('grant/revoke races within one block: the ACL in force is the one at the block start', async () => {
    const chain = await setup(mode)
    const write = (p: Permission, tables: TableFactory, who: number) =>
      ofGuarded(async () =>
        (await p.guardTables(tables, by(who)).openTable('u_asset'))?.insert('k', { amount: '1' }),
      )
    await chain.block(async (p, tables) => {
      expect(await p.tablePermissions.remove(by(A), 'asset', hexOf(WRITER))).toBe(1) // tx 1
      expect(await p.tablePermissions.insert(by(A), 'asset', hexOf(MALLORY))).toBe(1) // tx 2
      expect(await write(p, tables, WRITER)).toBeUndefined() // tx 3: revocation not yet in force
      expect(await write(p, tables, MALLORY)).toBe(DENIED) // tx 4: grant not yet in force
    })
    await chain.block(async (p, tables) => {
      expect(await write(p, tables, WRITER)).toBe(DENIED)
      expect(await write(p, tables, MALLORY)).toBeUndefined()
    })
  })
})
