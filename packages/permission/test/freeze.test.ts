import { describe, expect, it } from 'vitest'
import {
  AccountStatusText,
  ContractStatusText,
  initGovernance,
  PermissionCode,
  PermissionStatus,
} from '../src/index.js'
import { addr, by, createTestChain, hexOf, makeAccount, makeContract, through } from './helpers.js'

// Reference: fisco-2x.md §5.3 (contract and account freezing), §1.2 statuses 30/31, §3.3
// codes -519xx/-520xx; FISCO-BCOS libprecompiled/ContractLifeCyclePrecompiled.cpp,
// ChainGovernancePrecompiled.cpp (freezeAccount), PR FISCO-BCOS#1564.

const A = 1 // committee
const B = 2 // committee
const DEPLOYER = 3
const USER = 4
const MALLORY = 9
const CONTRACT = 0x40
const CHILD = 0x41

async function setup() {
  const chain = await createTestChain()
  await chain.block(async (p, tables) => {
    await initGovernance(tables, { committee: [{ address: addr(A) }, { address: addr(B) }] })
    await makeAccount(tables, USER)
    await makeAccount(tables, MALLORY)
    await makeContract(tables, CONTRACT)
    await p.onContractCreated(by(DEPLOYER), addr(CONTRACT), { nested: false })
  })
  return chain
}

describe('account freezing (0x1008)', () => {
  it('a committee member freezes and unfreezes an account; the hook answers status 31', async () => {
    const chain = await setup()
    await chain.block(async (p) => {
      const g = p.governance
      expect(await g.getAccountStatus(addr(USER))).toBe(AccountStatusText.available)
      expect(await g.freezeAccount(by(MALLORY), addr(USER))).toBe(PermissionCode.PermissionDenied)
      expect(await g.freezeAccount(by(A), addr(CONTRACT))).toBe(PermissionCode.InvalidAccountAddress)
      expect((await p.checkSender(addr(USER))).allowed).toBe(true)
      expect(await g.freezeAccount(by(A), addr(USER))).toBe(1)
      expect(await g.freezeAccount(by(A), addr(USER))).toBe(PermissionCode.AccountFrozen)
      // Freezing takes effect at once.
      expect(await p.checkSender(addr(USER))).toEqual({
        allowed: false,
        status: PermissionStatus.AccountFrozen,
        code: PermissionCode.AccountFrozen,
        reason: `account ${hexOf(USER)} is frozen`,
        actor: hexOf(USER),
      })
      expect(await g.getAccountStatus(addr(USER))).toBe(AccountStatusText.frozen)
      expect(await g.unfreezeAccount(by(MALLORY), addr(USER))).toBe(PermissionCode.PermissionDenied)
      expect(await g.unfreezeAccount(by(B), addr(USER))).toBe(1)
      expect(await g.unfreezeAccount(by(B), addr(USER))).toBe(PermissionCode.AccountAlreadyAvailable)
      expect((await p.checkSender(addr(USER))).allowed).toBe(true)
    })
  })

  it('an address without an account table can be frozen before it acts', async () => {
    const chain = await setup()
    await chain.block(async (p) => {
      expect(await p.governance.getAccountStatus(addr(0x77))).toBe(AccountStatusText.nonexistent)
      expect(await p.governance.unfreezeAccount(by(A), addr(0x77))).toBe(PermissionCode.AccountNotExist)
      expect(await p.governance.freezeAccount(by(A), addr(0x77))).toBe(1)
      expect((await p.checkSender(addr(0x77))).allowed).toBe(false)
      expect(await p.governance.getAccountStatus(addr(CONTRACT))).toBe(AccountStatusText.notAccount)
    })
  })

  it('a committee member cannot be frozen, nor one granted in this block', async () => {
    const chain = await setup()
    await chain.block(async (p, tables) => {
      await makeAccount(tables, USER + 10)
      expect(await p.governance.freezeAccount(by(A), addr(B))).toBe(PermissionCode.PermissionDenied)
      expect(await p.governance.freezeAccount(by(A), addr(A))).toBe(PermissionCode.PermissionDenied)
      expect(await p.governance.grantCommitteeMember(by(A), addr(USER + 10))).toBe(0)
      expect(await p.governance.grantCommitteeMember(by(B), addr(USER + 10))).toBe(1)
      expect(await p.governance.freezeAccount(by(A), addr(USER + 10))).toBe(PermissionCode.PermissionDenied)
      expect((await p.checkSender(addr(B))).allowed).toBe(true)
    })
  })
})

describe('contract life cycle (0x1007)', () => {
  it('the deployer manages its contract; freeze gives status 30 on calls', async () => {
    const chain = await setup()
    await chain.block(async (p) => {
      const lc = p.lifecycle
      expect(await lc.listManager(addr(CONTRACT))).toEqual([0n, [hexOf(DEPLOYER)]])
      expect(await lc.getStatus(addr(CONTRACT))).toEqual([0n, ContractStatusText.available])
      expect(await lc.freeze(by(MALLORY), addr(CONTRACT))).toBe(PermissionCode.NoAuthorized)
      expect(await lc.freeze(by(DEPLOYER), addr(0x55))).toBe(PermissionCode.TableNotExist)
      expect(await lc.freeze(by(DEPLOYER), addr(USER))).toBe(PermissionCode.InvalidContractAddress)
      expect(await lc.unfreeze(by(DEPLOYER), addr(CONTRACT))).toBe(PermissionCode.ContractAvailable)
      expect(await lc.freeze(by(DEPLOYER), addr(CONTRACT))).toBe(1)
      expect(await lc.freeze(by(DEPLOYER), addr(CONTRACT))).toBe(PermissionCode.ContractFrozen)
      expect(await p.checkContractCall(addr(CONTRACT))).toMatchObject({
        allowed: false,
        status: PermissionStatus.ContractFrozen,
        code: PermissionCode.ContractFrozen,
      })
      expect(await lc.getStatus(addr(CONTRACT))).toEqual([0n, ContractStatusText.frozen])
      // A committee member may unfreeze any contract.
      expect(await lc.unfreeze(by(A), addr(CONTRACT))).toBe(1)
      expect((await p.checkContractCall(addr(CONTRACT))).allowed).toBe(true)
      expect(await lc.getStatus(addr(0x55))).toEqual([0n, ContractStatusText.nonexistent])
      expect(await lc.getStatus(addr(USER))).toEqual([0n, ContractStatusText.notContract])
      expect(await lc.listManager(addr(0x55))).toEqual([BigInt(PermissionCode.TableNotExist), []])
      expect(await lc.listManager(addr(USER))).toEqual([BigInt(PermissionCode.InvalidContractAddress), []])
    })
  })

  it('grantManager and revokeManager keep at least one manager', async () => {
    const chain = await setup()
    await chain.block(async (p) => {
      const lc = p.lifecycle
      expect(await lc.grantManager(by(MALLORY), addr(CONTRACT), addr(MALLORY))).toBe(
        PermissionCode.NoAuthorized,
      )
      expect(await lc.grantManager(by(DEPLOYER), addr(CONTRACT), addr(USER))).toBe(1)
      expect(await lc.grantManager(by(USER), addr(CONTRACT), addr(DEPLOYER))).toBe(
        PermissionCode.ContractRepeatAuthorization,
      )
      expect(await lc.listManager(addr(CONTRACT))).toEqual([0n, [hexOf(DEPLOYER), hexOf(USER)]])
      expect(await lc.revokeManager(by(USER), addr(CONTRACT), addr(MALLORY))).toBe(
        PermissionCode.NonExistAuthorization,
      )
      expect(await lc.revokeManager(by(USER), addr(CONTRACT), addr(DEPLOYER))).toBe(1)
      expect(await lc.revokeManager(by(USER), addr(CONTRACT), addr(USER))).toBe(
        PermissionCode.RevokeLastAuthorization,
      )
      expect(await lc.freeze(by(DEPLOYER), addr(CONTRACT))).toBe(PermissionCode.NoAuthorized)
      expect(await lc.freeze(by(USER), addr(CONTRACT))).toBe(1)
    })
  })

  it('limits a contract to contractManagersMax managers', async () => {
    const chain = await setup()
    await chain.block(
      async (p) => {
        expect(await p.lifecycle.grantManager(by(DEPLOYER), addr(CONTRACT), addr(USER))).toBe(1)
        expect(await p.lifecycle.grantManager(by(DEPLOYER), addr(CONTRACT), addr(0x60))).toBe(
          PermissionCode.ManagersLimitReached,
        )
      },
      { contractManagersMax: 2 },
    )
  })

  it('a contract created by a contract inherits its managers', async () => {
    const chain = await setup()
    await chain.block(async (p, tables) => {
      await p.lifecycle.grantManager(by(DEPLOYER), addr(CONTRACT), addr(USER))
      await makeContract(tables, CHILD)
      expect(await p.onContractCreated(through(MALLORY, CONTRACT), addr(CHILD), { nested: true })).toEqual([
        hexOf(DEPLOYER),
        hexOf(USER),
      ])
      expect(await p.lifecycle.listManager(addr(CHILD))).toEqual([0n, [hexOf(DEPLOYER), hexOf(USER)]])
      expect(await p.lifecycle.freeze(by(MALLORY), addr(CHILD))).toBe(PermissionCode.NoAuthorized)
    })
  })

  it('a contract on the committee cannot be frozen', async () => {
    const chain = await setup()
    await chain.block(async (p) => {
      expect(await p.governance.grantCommitteeMember(by(A), addr(CONTRACT))).toBe(0)
      expect(await p.governance.grantCommitteeMember(by(B), addr(CONTRACT))).toBe(1)
      expect(await p.lifecycle.freeze(by(DEPLOYER), addr(CONTRACT))).toBe(PermissionCode.NoAuthorized)
    })
  })
})
