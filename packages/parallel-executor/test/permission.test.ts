import { type Receipt, TxStatus } from '@consortia/interface'
import { AccountStatusText, ContractStatusText, PermissionCode } from '@consortia/permission'
import { encodeDeployData } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex } from '../src/bytes.js'
import { createSerialExecutor } from '../src/index.js'
import { account, ecdsa, hex, transaction } from './helpers/chain.js'
import {
  ABI,
  call,
  code,
  data,
  deploy,
  P,
  permissionContracts,
  result,
  type TestChain,
  testChain,
} from './helpers/permission-chain.js'
import type { Compiled } from './helpers/solc.js'

const C1 = account(11)
const C2 = account(12)
const C3 = account(13)
const C4 = account(14)
const C5 = account(15)
const OP = account(20)
const U = account(30)
const M = account(31)
const X = account(40)
const Y = account(41)

let counter: Compiled
let deputy: Compiled

beforeAll(() => {
  ;({ counter, deputy } = permissionContracts())
}, 120_000)

const lower = (a: Uint8Array) => `0x${bytesToHex(a)}`
const gov = (from: Uint8Array, fn: string, args: readonly unknown[] = []) =>
  call(from, P.governance, ABI.governance, fn, args)
const life = (from: Uint8Array, fn: string, args: readonly unknown[] = []) =>
  call(from, P.lifecycle, ABI.lifecycle, fn, args)
const perm = (from: Uint8Array, fn: string, args: readonly unknown[] = []) =>
  call(from, P.permission, ABI.permission, fn, args)
const counterCode = () => encodeDeployData({ abi: counter.abi, bytecode: counter.bytecode })
const deputyCode = () => encodeDeployData({ abi: deputy.abi, bytecode: deputy.bytecode })
const inc = () => data(counter.abi, 'inc')
const crudInsert = (table: string, key: string) =>
  data(ABI.crud, 'insert', [table, key, JSON.stringify({ v: 'x' }), ''])
const relay = (from: Uint8Array, via: Uint8Array, fn: string, target: Uint8Array, calldata: string) =>
  call(from, via, deputy.abi, fn, [hex(target), calldata])
const statuses = (receipts: readonly { status: number }[]) => receipts.map((r) => r.status)
const codes = (receipts: readonly Receipt[]) => receipts.map((r) => code(r))

describe('without governance the chain is open (FISCO default)', () => {
  it('anyone deploys, creates and writes tables, writes storage; the first committee grant is immediate', async () => {
    const chain = await testChain(undefined)
    const b1 = await chain.run([deploy(U, counterCode())])
    const c = b1.receipts[0]?.contractAddress as Uint8Array
    const b2 = await chain.run([
      call(U, P.tableFactory, ABI.tableFactory, 'createTable', ['t', 'k', 'v']),
      transaction({ from: U, to: P.crud, data: crudInsert('t', 'a') }),
      transaction({ from: U, to: c, data: inc() }),
      gov(U, 'grantCommitteeMember', [lower(C1)]),
      gov(X, 'grantCommitteeMember', [lower(C2)]),
    ])
    expect(statuses(b1.receipts)).toEqual([TxStatus.None])
    expect(statuses(b2.receipts)).toEqual([0, 0, 0, 0, 0])
    // Bootstrap: no committee, so the first grant appoints C1 at once; from then on it is voted.
    expect(code(b2.receipts[3])).toBe(1n)
    expect(code(b2.receipts[4])).toBe(BigInt(PermissionCode.InvalidRequestPermissionDenied))
  })
})

describe('chain governance through ChainGovernancePrecompiled (0x1008)', () => {
  it('votes pass strictly above the threshold, expire, and membership changes act from the next block', async () => {
    const committee = [C1, C2, C3, C4].map((a) => ({ address: lower(a) }))
    const chain = await testChain({ committee }, 'storage', { permission: { voteValidBlocks: 3 } })
    // Block 1: threshold 50%, four members of weight 1.
    const b1 = await chain.run([
      gov(C1, 'updateThreshold', [75n]),
      gov(C2, 'updateThreshold', [75n]), // 2 of 4 = 50%: not above 50%
      gov(C3, 'updateThreshold', [75n]), // 3 of 4 passes
      gov(C1, 'queryThreshold'),
      gov(C1, 'grantCommitteeMember', [lower(C5)]),
      gov(C2, 'grantCommitteeMember', [lower(C5)]),
      gov(C3, 'grantCommitteeMember', [lower(C5)]), // 3 of 4 = 75%: not above 75%
      gov(C1, 'queryVotesOfMember', [lower(C5)]),
      gov(C4, 'grantCommitteeMember', [lower(C5)]), // 4 of 4 passes
      gov(C5, 'grantOperator', [lower(OP)]), // C5 is a member from block 2 only
      gov(C1, 'updateThreshold', [100n]),
    ])
    expect(statuses(b1.receipts).every((s) => s === 0)).toBe(true)
    expect(codes(b1.receipts.slice(0, 3))).toEqual([0n, 0n, 1n])
    expect(code(b1.receipts[3])).toBe(75n)
    expect(codes(b1.receipts.slice(4, 7))).toEqual([0n, 0n, 0n])
    const votes = JSON.parse(result(b1.receipts[7], ABI.governance, 'queryVotesOfMember') as string)
    expect(votes.grant.map((v: { voter: string }) => v.voter)).toEqual([lower(C1), lower(C2), lower(C3)])
    expect(code(b1.receipts[8])).toBe(1n)
    expect(code(b1.receipts[9])).toBe(BigInt(PermissionCode.InvalidRequestPermissionDenied))
    expect(code(b1.receipts[10])).toBe(BigInt(PermissionCode.InvalidThreshold))

    // Block 2: C5 acts; votes cast now count in blocks 2..4.
    const b2 = await chain.run([
      gov(C5, 'grantOperator', [lower(OP)]),
      gov(C1, 'updateThreshold', [0n]),
      gov(C2, 'updateThreshold', [0n]),
      gov(C3, 'updateThreshold', [0n]), // 3 of 5 = 60%: not above 75%
      deploy(U, counterCode()), // the operator ACL takes effect in block 3: still open
    ])
    expect(codes(b2.receipts.slice(0, 4))).toEqual([1n, 0n, 0n, 0n])
    expect(b2.receipts[4]?.status).toBe(TxStatus.None)
    await chain.run([]) // block 3
    await chain.run([]) // block 4
    // Block 5: the votes of block 2 have expired; C4 and C5 alone are 40%.
    const b5 = await chain.run([
      gov(C4, 'updateThreshold', [0n]),
      gov(C5, 'updateThreshold', [0n]),
      gov(C1, 'queryVotesOfThreshold'),
      gov(C1, 'updateThreshold', [0n]), // C4, C5, C1: 60%
      gov(C2, 'updateThreshold', [0n]), // 80% passes
      gov(C1, 'revokeCommitteeMember', [lower(C5)]), // threshold 0: one vote passes
      gov(C5, 'grantOperator', [lower(X)]), // still a member in this block
      deploy(U, counterCode()),
      deploy(OP, counterCode()),
    ])
    expect(codes(b5.receipts.slice(0, 2))).toEqual([0n, 0n])
    const open = JSON.parse(result(b5.receipts[2], ABI.governance, 'queryVotesOfThreshold') as string)
    expect(Object.values(open).flat()).toHaveLength(2)
    expect(codes(b5.receipts.slice(3, 7))).toEqual([0n, 1n, 1n, 1n])
    expect(statuses(b5.receipts.slice(7))).toEqual([TxStatus.NoDeployPermission, TxStatus.None])
    const b6 = await chain.run([
      gov(C5, 'grantOperator', [lower(M)]),
      gov(C1, 'listCommitteeMembers'),
      gov(C1, 'listOperators'),
    ])
    expect(code(b6.receipts[0])).toBe(BigInt(PermissionCode.InvalidRequestPermissionDenied))
    const members = JSON.parse(result(b6.receipts[1], ABI.governance, 'listCommitteeMembers') as string)
    expect(members.map((m: { address: string }) => m.address).sort()).toEqual(
      [C1, C2, C3, C4].map(lower).sort(),
    )
    const operators = JSON.parse(result(b6.receipts[2], ABI.governance, 'listOperators') as string)
    expect(operators.map((m: { address: string }) => m.address).sort()).toEqual([OP, X].map(lower).sort())
  })

  it('keeps the chain governable: weights, exclusive roles, no freezing or removing the last members', async () => {
    const chain = await testChain({
      committee: [{ address: lower(C1) }, { address: lower(C2) }],
      thresholdPercent: 0n,
      operators: [lower(OP)],
    })
    const b1 = await chain.run([
      gov(C1, 'updateCommitteeMemberWeight', [lower(C1), 3n]),
      gov(C1, 'queryCommitteeMemberWeight', [lower(C1)]),
      gov(C1, 'updateCommitteeMemberWeight', [lower(C1), 0n]),
      gov(C1, 'grantOperator', [lower(C2)]),
      gov(C1, 'grantCommitteeMember', [lower(OP)]),
      gov(C1, 'freezeAccount', [lower(C2)]),
      gov(C1, 'revokeCommitteeMember', [lower(C2)]),
      gov(C2, 'revokeCommitteeMember', [lower(C1)]), // C2 still a member, but C1 would be the last
      gov(C1, 'revokeCommitteeMember', [lower(C1)]),
    ])
    expect(codes(b1.receipts)).toEqual([
      1n,
      1n, // (true, 3): the first word is `true`
      BigInt(PermissionCode.InvalidWeight),
      BigInt(PermissionCode.CommitteeMemberCannotBeOperator),
      BigInt(PermissionCode.OperatorCannotBeCommitteeMember),
      BigInt(PermissionCode.PermissionDenied),
      1n,
      BigInt(PermissionCode.LastCommitteeMember),
      BigInt(PermissionCode.LastCommitteeMember),
    ])
    expect(result(b1.receipts[1], ABI.governance, 'queryCommitteeMemberWeight')).toEqual([true, 3n])
  })

  it('passes the group settings on: aclEntriesMax bounds an ACL', async () => {
    const chain = await testChain({ committee: [{ address: lower(C1) }] }, 'storage', {
      permission: { aclEntriesMax: 2 },
    })
    const b1 = await chain.run([
      gov(C1, 'grantOperator', [lower(X)]),
      gov(C1, 'grantOperator', [lower(M)]),
      gov(C1, 'grantOperator', [lower(Y)]),
    ])
    expect(codes(b1.receipts)).toEqual([1n, 1n, BigInt(PermissionCode.AclEntriesLimitReached)])
  })

  it('freezes and unfreezes accounts at once: a frozen sender gets status 31', async () => {
    const chain = await testChain({ committee: [{ address: lower(C1) }] })
    const b1 = await chain.run([
      gov(U, 'freezeAccount', [lower(M)]),
      gov(C1, 'freezeAccount', [lower(U)]),
      gov(C1, 'getAccountStatus', [lower(U)]),
      deploy(U, counterCode()),
      gov(U, 'queryThreshold'),
      gov(C1, 'freezeAccount', [lower(U)]),
      gov(C1, 'unfreezeAccount', [lower(U)]),
      gov(U, 'queryThreshold'),
      gov(C1, 'unfreezeAccount', [lower(U)]),
    ])
    expect(code(b1.receipts[0])).toBe(BigInt(PermissionCode.PermissionDenied))
    expect(code(b1.receipts[1])).toBe(1n)
    expect(result(b1.receipts[2], ABI.governance, 'getAccountStatus')).toBe(AccountStatusText.frozen)
    expect(statuses(b1.receipts.slice(3, 5))).toEqual([TxStatus.AccountFrozen, TxStatus.AccountFrozen])
    expect(code(b1.receipts[5])).toBe(BigInt(PermissionCode.AccountFrozen))
    expect(code(b1.receipts[6])).toBe(1n)
    expect(b1.receipts[7]?.status).toBe(TxStatus.None)
    expect(code(b1.receipts[8])).toBe(BigInt(PermissionCode.AccountAlreadyAvailable))
  })
})

describe.each(['storage', 'mpt'] as const)('contract lifecycle through 0x1007 (%s state)', (kind) => {
  it('records managers at deploy and CREATE, freezes at once (status 30, also for nested calls)', async () => {
    const chain = await testChain({ committee: [{ address: lower(C1) }], operators: [lower(OP)] }, kind)
    const b1 = await chain.run([deploy(OP, counterCode()), deploy(OP, deputyCode())])
    expect(statuses(b1.receipts)).toEqual([0, 0])
    const c = b1.receipts[0]?.contractAddress as Uint8Array
    const d = b1.receipts[1]?.contractAddress as Uint8Array
    const b2 = await chain.run([
      life(U, 'listManager', [hex(c)]),
      life(U, 'freeze', [hex(c)]),
      life(OP, 'freeze', [hex(c)]),
      life(U, 'getStatus', [hex(c)]),
      transaction({ from: U, to: c, data: inc() }),
      relay(U, d, 'relaySwallow', c, inc()),
      life(OP, 'freeze', [hex(c)]),
      life(C1, 'unfreeze', [hex(c)]), // the committee manages every contract
      transaction({ from: U, to: c, data: inc() }), // runs again
      life(OP, 'grantManager', [hex(c), lower(M)]),
      life(OP, 'grantManager', [hex(c), lower(M)]),
      life(M, 'revokeManager', [hex(c), lower(OP)]),
      life(M, 'revokeManager', [hex(c), lower(M)]),
      life(OP, 'freeze', [hex(c)]),
      life(U, 'freeze', [lower(U)]),
      call(OP, d, deputy.abi, 'deploy', [counterCode()]),
    ])
    const r = b2.receipts
    expect(result(r[0], ABI.lifecycle, 'listManager')).toEqual([0n, [lower(OP)]])
    expect(codes([r[1], r[2]] as Receipt[])).toEqual([BigInt(PermissionCode.NoAuthorized), 1n])
    expect(result(r[3], ABI.lifecycle, 'getStatus')).toEqual([0n, ContractStatusText.frozen])
    expect(statuses([r[4], r[5]] as Receipt[])).toEqual([TxStatus.ContractFrozen, TxStatus.ContractFrozen])
    expect(codes(r.slice(6, 8))).toEqual([BigInt(PermissionCode.ContractFrozen), 1n])
    expect(codes(r.slice(9, 15))).toEqual([
      1n,
      BigInt(PermissionCode.ContractRepeatAuthorization),
      1n,
      BigInt(PermissionCode.RevokeLastAuthorization),
      BigInt(PermissionCode.NoAuthorized), // OP is no manager any more
      BigInt(PermissionCode.TableNotExist), // U has no account table
    ])
    expect(r[8]?.status).toBe(TxStatus.None)
    // A contract created by a contract inherits the creator's managers.
    const created = result(r[15], deputy.abi, 'deploy') as `0x${string}`
    const b3 = await chain.run([life(U, 'listManager', [created])])
    expect(result(b3.receipts[0], ABI.lifecycle, 'listManager')).toEqual([0n, [lower(OP)]])
  })
})

/** The int256 a precompile returned to `Deputy.relay` / `relayDelegate` (their `bytes` result). */
function relayed(receipt: Receipt | undefined, fn: 'relay' | 'relayDelegate'): bigint {
  const out = result(receipt, deputy.abi, fn) as `0x${string}`
  return code({ ...(receipt as Receipt), output: new Uint8Array(Buffer.from(out.slice(2), 'hex')) })
}

describe.each(['origin', 'caller'] as const)('A13 permission bypass attempts (%s mode)', (mode) => {
  let chain: TestChain
  let c: Uint8Array
  let d: Uint8Array
  const exec = () => (mode === 'origin' ? chain.origin : chain.strict)
  const tf = (from: Uint8Array, name: string) =>
    call(from, P.tableFactory, ABI.tableFactory, 'createTable', [name, 'k', 'v'])

  beforeAll(async () => {
    chain = await testChain({ committee: [{ address: lower(C1) }], operators: [lower(OP)] })
    const b1 = await chain.run([deploy(OP, counterCode()), deploy(OP, deputyCode())], exec())
    c = b1.receipts[0]?.contractAddress as Uint8Array
    d = b1.receipts[1]?.contractAddress as Uint8Array
    const b2 = await chain.run(
      [
        tf(OP, 't'),
        call(OP, P.kvTableFactory, ABI.tableFactory, 'createTable', ['kv', 'k', 'v']),
        perm(C1, 'insert', ['t', lower(OP)]),
        perm(C1, 'insert', ['kv', lower(OP)]),
        perm(OP, 'grantWrite', [hex(c), lower(OP)]),
      ],
      exec(),
    )
    expect(statuses([...b1.receipts, ...b2.receipts])).toEqual([0, 0, 0, 0, 0, 0, 0])
    expect(codes(b2.receipts)).toEqual([0n, 0n, 1n, 1n, 1n])
  }, 60_000)

  it('refuses every protected operation of an unauthorised account, with no state change', async () => {
    const tfData = data(ABI.tableFactory, 'createTable', ['x', 'k', 'v'])
    const refused: [string, ReturnType<typeof deploy>, number][] = [
      ['deploy transaction', deploy(U, counterCode()), TxStatus.NoDeployPermission],
      ['CREATE through a contract', call(U, d, deputy.abi, 'deploy', [counterCode()]), 25],
      ['createTable directly', tf(U, 'x'), 25],
      ['createTable through a contract', relay(U, d, 'relay', P.tableFactory, tfData), 25],
      ['createTable by DELEGATECALL', relay(U, d, 'relayDelegate', P.tableFactory, tfData), 25],
      ['KV createTable', call(U, P.kvTableFactory, ABI.tableFactory, 'createTable', ['y', 'k', 'v']), 25],
      ['CRUD insert directly', transaction({ from: U, to: P.crud, data: crudInsert('t', 'a') }), 25],
      ['CRUD insert through a contract', relay(U, d, 'relay', P.crud, crudInsert('t', 'a')), 25],
      ['CRUD insert, failure swallowed', relay(U, d, 'relaySwallow', P.crud, crudInsert('t', 'a')), 25],
      ['CRUD insert by DELEGATECALL', relay(U, d, 'relayDelegate', P.crud, crudInsert('t', 'a')), 25],
      ['Table.insert from Solidity', call(U, d, deputy.abi, 'tableInsert', ['t', 'a', 'x']), 25],
      ['KVTable.set from Solidity', call(U, d, deputy.abi, 'kvSet', ['kv', 'a', 'x']), 25],
      [
        'system config',
        call(U, P.systemConfig, ABI.systemConfig, 'setValueByKey', ['tx_count_limit', '9']),
        25,
      ],
      ['consensus', call(U, P.consensus, ABI.consensus, 'addSealer', ['ab'.repeat(64)]), 25],
      ['CNS', call(U, P.cns, ABI.cns, 'insert', ['n', '1', hex(c), '[]']), 25],
      ['SSTORE directly', transaction({ from: U, to: c, data: inc() }), 25],
      ['SSTORE through a contract', relay(U, d, 'relay', c, inc()), 25],
    ]
    const answered: [string, ReturnType<typeof deploy>, number, (r: Receipt | undefined) => bigint][] = [
      [
        'grantOperator',
        gov(U, 'grantOperator', [lower(U)]),
        PermissionCode.InvalidRequestPermissionDenied,
        code,
      ],
      [
        'vote',
        gov(U, 'grantCommitteeMember', [lower(U)]),
        PermissionCode.InvalidRequestPermissionDenied,
        code,
      ],
      ['freezeAccount', gov(U, 'freezeAccount', [lower(OP)]), PermissionCode.PermissionDenied, code],
      ['freeze contract', life(U, 'freeze', [hex(c)]), PermissionCode.NoAuthorized, code],
      ['grantManager', life(U, 'grantManager', [hex(c), lower(U)]), PermissionCode.NoAuthorized, code],
      ['ACL insert', perm(U, 'insert', ['t', lower(U)]), PermissionCode.PermissionDenied, code],
      ['grantWrite', perm(U, 'grantWrite', [hex(c), lower(U)]), PermissionCode.PermissionDenied, code],
      [
        'governance through a contract',
        relay(U, d, 'relay', P.governance, data(ABI.governance, 'grantOperator', [lower(U)])),
        PermissionCode.InvalidRequestPermissionDenied,
        (r) => relayed(r, 'relay'),
      ],
      [
        'governance by DELEGATECALL',
        relay(U, d, 'relayDelegate', P.governance, data(ABI.governance, 'freezeAccount', [lower(OP)])),
        PermissionCode.PermissionDenied,
        (r) => relayed(r, 'relayDelegate'),
      ],
    ]
    const block = await chain.run([...refused.map((e) => e[1]), ...answered.map((e) => e[1])], exec())
    const got = block.receipts.map((r, i) => [(refused[i] ?? answered[i - refused.length])?.[0], r.status])
    expect(got).toEqual([...refused.map((e) => [e[0], e[2]]), ...answered.map((e) => [e[0], 0])])
    const answers = answered.map((e, i) => [e[0], Number(e[3](block.receipts[refused.length + i]))])
    expect(answers).toEqual(answered.map((e) => [e[0], e[2]]))
    for (const r of block.receipts.slice(1, refused.length)) expect(code(r)).toBe(-50000n)
    // Nothing any of them did survived: the block changed no state at all.
    expect(hex(block.stateRoot)).toBe(hex(block.rootBefore))
  })

  it(`${mode === 'origin' ? 'lets' : 'does not let'} a contract act with its caller's rights (the tx.origin deputy)`, async () => {
    const allowed = mode === 'origin' ? TxStatus.None : TxStatus.PermissionDenied
    const b = await chain.run(
      [
        transaction({ from: OP, to: P.crud, data: crudInsert('t', 'op') }),
        relay(OP, d, 'relay', P.crud, crudInsert('t', 'via-call')),
        relay(OP, d, 'relayDelegate', P.crud, crudInsert('t', 'via-delegatecall')),
        call(OP, d, deputy.abi, 'deploy', [counterCode()]),
        relay(OP, d, 'relay', c, inc()),
        transaction({ from: OP, to: c, data: inc() }),
        relay(C1, d, 'relay', P.governance, data(ABI.governance, 'grantOperator', [lower(X)])),
        call(U, P.crud, ABI.crud, 'select', ['t', 'op', '{}', '']),
        perm(C1, 'insert', ['t', hex(d)]),
      ],
      exec(),
    )
    expect(statuses(b.receipts)).toEqual([0, allowed, allowed, allowed, allowed, 0, 0, 0, 0])
    expect(relayed(b.receipts[6], 'relay')).toBe(
      mode === 'origin' ? 1n : BigInt(PermissionCode.InvalidRequestPermissionDenied),
    )
    // Reads are never checked.
    expect(JSON.parse(result(b.receipts[7], ABI.crud, 'select') as string)).toEqual([{ k: 'op', v: 'x' }])
    // From the next block the Deputy contract itself may write `t`: strict mode uses its rights.
    const next = await chain.run([relay(U, d, 'relay', P.crud, crudInsert('t', 'deputy'))], exec())
    expect(next.receipts[0]?.status).toBe(mode === 'origin' ? TxStatus.PermissionDenied : TxStatus.None)
  })
})

describe('changes take effect in the next block', () => {
  it('grants, revocations and ACL entries race safely within a block', async () => {
    const chain = await testChain({ committee: [{ address: lower(C1) }], operators: [lower(OP)] })
    const b1 = await chain.run([
      call(OP, P.tableFactory, ABI.tableFactory, 'createTable', ['t', 'k', 'v']),
      perm(C1, 'insert', ['t', lower(M)]),
      transaction({ from: U, to: P.crud, data: crudInsert('t', 'u1') }), // ACL still empty: open
      gov(C1, 'revokeOperator', [lower(OP)]),
      deploy(OP, counterCode()), // OP is an operator until the end of this block
      gov(C1, 'grantOperator', [lower(U)]),
      deploy(U, counterCode()), // U's grant starts with the next block
    ])
    expect(statuses(b1.receipts)).toEqual([0, 0, 0, 0, 0, 0, TxStatus.NoDeployPermission])
    const b2 = await chain.run([
      transaction({ from: U, to: P.crud, data: crudInsert('t', 'u2') }),
      transaction({ from: M, to: P.crud, data: crudInsert('t', 'm') }),
      deploy(OP, counterCode()),
      deploy(U, counterCode()),
      perm(C1, 'remove', ['t', lower(M)]),
      transaction({ from: M, to: P.crud, data: crudInsert('t', 'm2') }),
      perm(U, 'queryByName', ['t']),
    ])
    expect(statuses(b2.receipts)).toEqual([25, 0, TxStatus.NoDeployPermission, 0, 0, 0, 0])
    expect(result(b2.receipts[6], ABI.permission, 'queryByName')).toBe('[]\n')
    const b3 = await chain.run([transaction({ from: M, to: P.crud, data: crudInsert('t', 'm3') })])
    expect(b3.receipts[0]?.status).toBe(TxStatus.None) // the ACL is empty again: open
  })
})

describe('strict (caller) mode', () => {
  it('lets a contract that is a committee member govern, and only through its own calls', async () => {
    const chain = await testChain({ committee: [{ address: lower(C1) }], operators: [lower(OP)] })
    const b1 = await chain.run([deploy(OP, deputyCode())], chain.strict)
    const d = b1.receipts[0]?.contractAddress as Uint8Array
    const grant = (target: Uint8Array) => data(ABI.governance, 'grantOperator', [lower(target)])
    const b2 = await chain.run(
      [gov(C1, 'grantCommitteeMember', [hex(d)]), relay(C1, d, 'relay', P.governance, grant(X))],
      chain.strict,
    )
    expect(code(b2.receipts[0])).toBe(1n)
    expect(relayed(b2.receipts[1], 'relay')).toBe(BigInt(PermissionCode.InvalidRequestPermissionDenied))
    const b3 = await chain.run(
      [
        relay(U, d, 'relay', P.governance, grant(X)),
        relay(U, d, 'relayDelegate', P.governance, grant(M)),
        life(C1, 'freeze', [hex(d)]),
        gov(C1, 'grantCommitteeMember', [lower(Y)]), // 1 of 2 members: 50% is not above 50%
        relay(U, d, 'relay', P.governance, data(ABI.governance, 'grantCommitteeMember', [lower(Y)])),
      ],
      chain.strict,
    )
    expect(relayed(b3.receipts[0], 'relay')).toBe(1n)
    // DELEGATECALL: the delegating contract (the member) is the direct caller.
    expect(relayed(b3.receipts[1], 'relayDelegate')).toBe(1n)
    // A committee member cannot be frozen, a contract one included.
    expect(code(b3.receipts[2])).toBe(BigInt(PermissionCode.NoAuthorized))
    // A vote cast from Solidity by the member contract completes the vote.
    expect(code(b3.receipts[3])).toBe(0n)
    expect(relayed(b3.receipts[4], 'relay')).toBe(1n)
    const b4 = await chain.run([relay(U, d, 'relay', P.governance, grant(OP))], chain.origin)
    // The same call in FISCO mode checks tx.origin (U): refused.
    expect(relayed(b4.receipts[0], 'relay')).toBe(BigInt(PermissionCode.InvalidRequestPermissionDenied))
  })
})

describe('permission settings', () => {
  it('are checked when the executor is created', () => {
    const make = (permission: unknown) => () =>
      createSerialExecutor({ permission: permission as never }, { crypto: ecdsa })
    expect(make({ mode: 'sender' })).toThrow(/permission.mode origin or caller, got sender/)
    expect(make({ voteValidBlocks: 0 })).toThrow(/permission.voteValidBlocks ≥ 1, got 0/)
    expect(make({ aclEntriesMax: 1.5 })).toThrow(/permission.aclEntriesMax ≥ 1, got 1.5/)
    expect(make({ mode: 'caller', contractManagersMax: 3 })).not.toThrow()
  })
})

describe('permission: false', () => {
  it('registers no governance precompiles and checks no ACL', async () => {
    const chain = await testChain({ committee: [{ address: lower(C1) }], operators: [lower(OP)] })
    const off = chain.executor({ permission: false })
    const b1 = await chain.run([deploy(U, counterCode()), gov(C1, 'queryThreshold')], off)
    expect(statuses(b1.receipts)).toEqual([TxStatus.None, TxStatus.CallAddressError])
    const b2 = await chain.run([deploy(U, counterCode())])
    expect(b2.receipts[0]?.status).toBe(TxStatus.NoDeployPermission)
  })
})

describe('savepoints', () => {
  it('reverts governance writes with the call frame that made them', async () => {
    const chain = await testChain({ committee: [{ address: lower(C1) }], operators: [lower(OP)] })
    const b1 = await chain.run([deploy(OP, deputyCode())])
    const d = b1.receipts[0]?.contractAddress as Uint8Array
    const govCall = (fn: string, target: Uint8Array) => data(ABI.governance, fn, [lower(target)])
    const b2 = await chain.run([
      relay(C1, d, 'relayThenRevert', P.governance, govCall('freezeAccount', U)),
      relay(C1, d, 'relayThenRevert', P.governance, govCall('grantOperator', X)),
      relay(C1, d, 'relaySwallow', P.governance, govCall('freezeAccount', M)),
      gov(U, 'queryThreshold'), // U was frozen only inside a reverted frame
      gov(M, 'queryThreshold'),
    ])
    expect(statuses(b2.receipts)).toEqual([
      TxStatus.RevertInstruction,
      TxStatus.RevertInstruction,
      0,
      0,
      TxStatus.AccountFrozen,
    ])
    const b3 = await chain.run([gov(U, 'listOperators')])
    expect(result(b3.receipts[0], ABI.governance, 'listOperators')).toBe(
      `[{"address":"${lower(OP)}","enable_num":"0"}]\n`,
    )
  })

  it('recreates governance tables whose creation a reverted frame undid', async () => {
    const chain = await testChain(undefined)
    const b1 = await chain.run([deploy(U, deputyCode())])
    const d = b1.receipts[0]?.contractAddress as Uint8Array
    const grant = data(ABI.governance, 'grantCommitteeMember', [lower(C1)])
    // The first grant creates _sys_committee_votes_; the frame reverts and takes it along.
    const b2 = await chain.run([
      relay(U, d, 'relayThenRevert', P.governance, grant),
      gov(U, 'queryVotesOfMember', [lower(X)]), // a key of the vanished table never read before
      gov(C1, 'queryThreshold'),
      gov(U, 'grantCommitteeMember', [lower(C1)]),
      gov(U, 'queryThreshold'),
    ])
    expect(statuses(b2.receipts)).toEqual([TxStatus.RevertInstruction, 0, 0, 0, 0])
    expect(result(b2.receipts[1], ABI.governance, 'queryVotesOfMember')).toBe('null\n')
    expect(codes(b2.receipts.slice(2))).toEqual([50n, 1n, 50n])
    const b3 = await chain.run([gov(C1, 'updateThreshold', [20n]), gov(U, 'listCommitteeMembers')])
    expect(code(b3.receipts[0])).toBe(1n)
    expect(result(b3.receipts[1], ABI.governance, 'listCommitteeMembers')).toBe(
      `[{"address":"${lower(C1)}","enable_num":"3"}]\n`,
    )
  })
})
