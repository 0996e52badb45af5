import { describe, expect, it } from 'vitest'
import {
  addressToHex,
  createPermission,
  initGovernance,
  isEnabledAt,
  PermissionCode,
  PermissionTable,
} from '../src/index.js'
import { addr, by, createTestChain, hexOf, makeContract } from './helpers.js'

// Reference: fisco-2x.md §5.1 (whitelist by presence, next-block effect), §3.2–3.3
// (PermissionPrecompiled 0x1005 and its codes); FISCO-BCOS libprecompiled/PermissionPrecompiled.cpp.

const ALICE = 1 // committee
const BOB = 2
const CAROL = 3
const MALLORY = 9

describe('isEnabledAt', () => {
  it('reads grants from enable_num on, revocations until -enable_num', () => {
    expect(isEnabledAt('5', 4)).toBe(false)
    expect(isEnabledAt('5', 5)).toBe(true)
    expect(isEnabledAt('0', 0)).toBe(true)
    expect(isEnabledAt('-6', 5)).toBe(true)
    expect(isEnabledAt('-6', 6)).toBe(false)
    expect(isEnabledAt(undefined, 5)).toBe(false)
    expect(isEnabledAt('abc', 5)).toBe(false)
    expect(isEnabledAt('1.5', 5)).toBe(false)
  })
})

describe('addressToHex', () => {
  it('converts by content: a reused or changed byte array never gets a stale hex', () => {
    const a = addr(0xab)
    expect(addressToHex(a)).toBe(hexOf(0xab))
    expect(addressToHex(addr(0xab))).toBe(hexOf(0xab))
    a[19] = 0xcd
    expect(addressToHex(a)).toBe(`0x${'ab'.repeat(19)}cd`)
    expect(addressToHex(addr(1))).toBe(hexOf(1))
    expect(addressToHex(a)).toBe(`0x${'ab'.repeat(19)}cd`)
    // A view into a larger buffer, at an offset.
    const big = new Uint8Array(30).fill(7)
    expect(addressToHex(big.subarray(5, 25))).toBe(hexOf(7))
    expect(() => addressToHex(new Uint8Array(21))).toThrow('expected 20-byte address, got 21')
  })
})

describe('table ACLs', () => {
  it('is open while the ACL is empty, and a grant closes it from the next block only', async () => {
    const chain = await createTestChain()
    await chain.block(async (p) => {
      expect(await p.isPermitted('u_t', addr(MALLORY))).toBe(true)
      expect(await p.tablePermissions.insert(by(BOB), 't', hexOf(BOB))).toBe(1)
      // Still open in the block that wrote the grant (the effective ACL is fixed per block).
      expect(await p.isPermitted('u_t', addr(MALLORY))).toBe(true)
      expect(await p.isPermitted('u_t', addr(BOB))).toBe(true)
    })
    await chain.block(async (p) => {
      expect(await p.isPermitted('u_t', addr(MALLORY))).toBe(false)
      expect(await p.isPermitted('u_t', addr(BOB))).toBe(true)
      // Reads of other tables are unaffected.
      expect(await p.isPermitted('u_other', addr(MALLORY))).toBe(true)
    })
  })

  it('revocation keeps the right for the rest of the block and ends it in the next', async () => {
    const chain = await createTestChain()
    await chain.block((p) => p.tablePermissions.insert(by(BOB), 't', hexOf(BOB)))
    await chain.block((p) => p.tablePermissions.insert(by(BOB), 't', hexOf(CAROL)))
    await chain.block(async (p) => {
      expect(await p.tablePermissions.remove(by(BOB), 't', hexOf(CAROL))).toBe(1)
      expect(await p.isPermitted('u_t', addr(CAROL))).toBe(true)
      // Queries show the ACL from the next block on.
      expect(JSON.parse(await p.tablePermissions.queryByName('t'))).toEqual([
        { address: hexOf(BOB), enable_num: '1', table_name: 'u_t' },
      ])
      // Removing again: CAROL is not on the ACL from the next block.
      expect(await p.tablePermissions.remove(by(BOB), 't', hexOf(CAROL))).toBe(
        PermissionCode.TableAndAddressNotExist,
      )
    })
    await chain.block(async (p) => {
      expect(await p.isPermitted('u_t', addr(CAROL))).toBe(false)
      expect(await p.isPermitted('u_t', addr(BOB))).toBe(true)
    })
  })

  it('a revoke and a re-grant in one block leave the right uninterrupted', async () => {
    const chain = await createTestChain()
    await chain.block((p) => p.tablePermissions.insert(by(BOB), 't', hexOf(BOB)))
    await chain.block(async (p) => {
      expect(await p.tablePermissions.remove(by(BOB), 't', hexOf(BOB))).toBe(1)
      expect(await p.tablePermissions.insert(by(BOB), 't', hexOf(BOB))).toBe(1)
      expect(await p.isPermitted('u_t', addr(BOB))).toBe(true)
    })
    await chain.block(async (p) => {
      expect(await p.isPermitted('u_t', addr(BOB))).toBe(true)
      expect(await p.isPermitted('u_t', addr(MALLORY))).toBe(false)
    })
  })

  it('a grant and a revoke in one block never take effect', async () => {
    const chain = await createTestChain()
    await chain.block(async (p) => {
      expect(await p.tablePermissions.insert(by(BOB), 't', hexOf(BOB))).toBe(1)
      expect(await p.tablePermissions.remove(by(BOB), 't', hexOf(BOB))).toBe(1)
    })
    await chain.block(async (p) => {
      expect(await p.isPermitted('u_t', addr(MALLORY))).toBe(true)
      expect(await p.tablePermissions.queryByName('t')).toBe('[]\n')
    })
  })

  it('a lapsed grant can be renewed, from the next block', async () => {
    const chain = await createTestChain()
    await chain.block((p) => p.tablePermissions.insert(by(BOB), 't', hexOf(BOB)))
    await chain.block((p) => p.tablePermissions.insert(by(BOB), 't', hexOf(CAROL)))
    await chain.block((p) => p.tablePermissions.remove(by(BOB), 't', hexOf(CAROL)))
    await chain.block(async (p) => {
      expect(await p.isPermitted('u_t', addr(CAROL))).toBe(false)
      expect(await p.tablePermissions.insert(by(BOB), 't', hexOf(CAROL))).toBe(1)
      expect(await p.isPermitted('u_t', addr(CAROL))).toBe(false)
    })
    await chain.block(async (p) => expect(await p.isPermitted('u_t', addr(CAROL))).toBe(true))
  })

  it('answers FISCO codes for bad PermissionPrecompiled requests', async () => {
    const chain = await createTestChain()
    await chain.block(async (p, tables) => {
      await initGovernance(tables, { committee: [{ address: addr(ALICE) }] }, p.blockNumber)
      const tp = p.tablePermissions
      expect(await tp.insert(by(ALICE), PermissionTable.tableAccess, hexOf(BOB))).toBe(
        PermissionCode.CommitteePermission,
      )
      expect(await tp.remove(by(ALICE), PermissionTable.tableAccess, hexOf(ALICE))).toBe(
        PermissionCode.CommitteePermission,
      )
      expect(await tp.insert(by(ALICE), 't', '0x1234')).toBe(PermissionCode.AddressInvalid)
      expect(await tp.remove(by(ALICE), 't', 'zz')).toBe(PermissionCode.AddressInvalid)
      expect(await tp.insert(by(ALICE), 'x'.repeat(49), hexOf(BOB))).toBe(PermissionCode.TableNameOverflow)
      expect(await tp.insert(by(ALICE), 'x'.repeat(48), hexOf(BOB))).toBe(1)
      // A committee member cannot be given operator tables through 0x1005.
      expect(await tp.insert(by(ALICE), PermissionTable.tables, hexOf(ALICE))).toBe(
        PermissionCode.OperatorCannotBeCommitteeMember,
      )
      expect(await tp.insert(by(ALICE), PermissionTable.cns, hexOf(ALICE))).toBe(
        PermissionCode.OperatorCannotBeCommitteeMember,
      )
      expect(await tp.insert(by(ALICE), 't', hexOf(BOB))).toBe(1)
      expect(await tp.insert(by(ALICE), 't', hexOf(BOB).toUpperCase().replace('0X', '0x'))).toBe(
        PermissionCode.TableAndAddressExist,
      )
      // Once a committee exists, only it manages ACLs.
      expect(await tp.insert(by(MALLORY), 't', hexOf(MALLORY))).toBe(PermissionCode.PermissionDenied)
      expect(await tp.remove(by(MALLORY), 't', hexOf(BOB))).toBe(PermissionCode.PermissionDenied)
      // System tables keep their names; user tables get `u_`.
      expect(await tp.insert(by(ALICE), PermissionTable.config, hexOf(BOB))).toBe(1)
      expect(
        JSON.parse(await tp.queryByName(PermissionTable.config)).map((e: { address: string }) => e.address),
      ).toEqual([hexOf(ALICE), hexOf(BOB)])
    })
  })

  it('grantWrite/revokeWrite: only a contract manager or the committee, only for contracts', async () => {
    const chain = await createTestChain()
    const CONTRACT = 0x40
    await chain.block(async (p, tables) => {
      await initGovernance(tables, { committee: [{ address: addr(ALICE) }] }, p.blockNumber)
      await makeContract(tables, CONTRACT)
      await p.onContractCreated(by(BOB), addr(CONTRACT), { nested: false })
      const tp = p.tablePermissions
      expect(await tp.grantWrite(by(BOB), addr(0x41), addr(CAROL))).toBe(PermissionCode.ContractNotExist)
      expect(await tp.grantWrite(by(MALLORY), addr(CONTRACT), addr(MALLORY))).toBe(
        PermissionCode.PermissionDenied,
      )
      expect(await tp.grantWrite(by(BOB), addr(CONTRACT), addr(CAROL))).toBe(1)
      expect(await tp.grantWrite(by(ALICE), addr(CONTRACT), addr(BOB))).toBe(1)
      expect(await tp.grantWrite(by(BOB), addr(CONTRACT), addr(CAROL))).toBe(
        PermissionCode.TableAndAddressExist,
      )
      expect(await tp.revokeWrite(by(MALLORY), addr(CONTRACT), addr(CAROL))).toBe(
        PermissionCode.PermissionDenied,
      )
      expect(JSON.parse(await tp.queryPermission(addr(CONTRACT)))).toEqual([
        { address: hexOf(CAROL), enable_num: '1', table_name: `c_${hexOf(CONTRACT).slice(2)}` },
        { address: hexOf(BOB), enable_num: '1', table_name: `c_${hexOf(CONTRACT).slice(2)}` },
      ])
    })
    await chain.block(async (p) => {
      expect((await p.checkStorageWrite(by(CAROL), addr(CONTRACT))).allowed).toBe(true)
      expect((await p.checkStorageWrite(by(MALLORY), addr(CONTRACT))).allowed).toBe(false)
      expect(await p.tablePermissions.revokeWrite(by(BOB), addr(CONTRACT), addr(CAROL))).toBe(1)
      expect(await p.tablePermissions.revokeWrite(by(BOB), addr(CONTRACT), addr(CAROL))).toBe(
        PermissionCode.TableAndAddressNotExist,
      )
    })
    await chain.block(async (p) => {
      expect((await p.checkStorageWrite(by(CAROL), addr(CONTRACT))).allowed).toBe(false)
      expect((await p.checkStorageWrite(by(BOB), addr(CONTRACT))).allowed).toBe(true)
    })
  })

  it('limits one ACL to aclEntriesMax addresses', async () => {
    const chain = await createTestChain({ aclEntriesMax: 3 })
    await chain.block(async (p) => {
      for (let i = 10; i < 13; i++) expect(await p.tablePermissions.insert(by(i), 't', hexOf(i))).toBe(1)
      expect(await p.tablePermissions.insert(by(13), 't', hexOf(13))).toBe(
        PermissionCode.AclEntriesLimitReached,
      )
      // A revocation frees a slot for the next block's ACL.
      expect(await p.tablePermissions.remove(by(10), 't', hexOf(10))).toBe(1)
      expect(await p.tablePermissions.insert(by(13), 't', hexOf(13))).toBe(1)
    })
  })

  it('caches at most aclCacheTablesMax effective ACLs per block and stays correct past it', async () => {
    const chain = await createTestChain()
    await chain.block(async (p) => {
      for (let i = 0; i < 5; i++) await p.tablePermissions.insert(by(BOB), `t${i}`, hexOf(BOB))
    })
    await chain.block(
      async (p) => {
        for (let round = 0; round < 2; round++) {
          for (let i = 0; i < 5; i++) {
            expect(await p.isPermitted(`u_t${i}`, addr(BOB))).toBe(true)
            expect(await p.isPermitted(`u_t${i}`, addr(MALLORY))).toBe(false)
            expect(p.stats().aclCachedTables).toBeLessThanOrEqual(2)
          }
        }
        expect(p.stats().aclCachedTables).toBe(2)
      },
      { aclCacheTablesMax: 2 },
    )
  })

  it('keeps least-recently-used order when hits on the newest table skip the refresh', async () => {
    const chain = await createTestChain()
    await chain.block(async (p) => {
      for (let i = 0; i < 3; i++) await p.tablePermissions.insert(by(BOB), `t${i}`, hexOf(BOB))
    })
    await chain.block(
      async (p) => {
        const cached = (table: string) => p.checkTableWriteCached(by(BOB), table) !== undefined
        await p.isPermitted('u_t0', addr(BOB))
        await p.isPermitted('u_t1', addr(BOB))
        // u_t1 is the newest: hits on it leave the order as it is (u_t0 oldest).
        expect(p.checkTableWriteCached(by(BOB), 'u_t1')).toEqual({ allowed: true })
        expect(await p.isPermitted('u_t1', addr(MALLORY))).toBe(false)
        // A hit on u_t0 makes it the newest: u_t1 is now the one to evict.
        expect(cached('u_t0')).toBe(true)
        await p.isPermitted('u_t2', addr(BOB))
        expect(p.stats().aclCachedTables).toBe(2)
        expect(cached('u_t1')).toBe(false)
        expect(cached('u_t2')).toBe(true)
        expect(cached('u_t0')).toBe(true)
        // u_t0 (refreshed by the check above) stays when u_t1 comes back and u_t2 goes.
        expect(await p.isPermitted('u_t1', addr(BOB))).toBe(true)
        expect(cached('u_t0')).toBe(true)
        expect(cached('u_t2')).toBe(false)
      },
      { aclCacheTablesMax: 2 },
    )
  })

  it('rejects bad options with labelled errors', async () => {
    const chain = await createTestChain()
    await chain.block(async (_p, tables) => {
      expect(() => createPermission({ tables, blockNumber: -1 })).toThrow('expected blockNumber ≥ 0, got -1')
      expect(() => createPermission({ tables, blockNumber: 1, aclEntriesMax: 0 })).toThrow(
        'expected aclEntriesMax ≥ 1, got 0',
      )
      expect(() =>
        createPermission({ tables, blockNumber: 1, mode: 'sender' as unknown as 'origin' }),
      ).toThrow('expected mode origin or caller, got sender')
      const p = createPermission({ tables, blockNumber: 1 })
      await expect(p.isPermitted('u_t', new Uint8Array(19))).rejects.toThrow(
        'expected 20-byte address, got 19',
      )
    })
  })
})
