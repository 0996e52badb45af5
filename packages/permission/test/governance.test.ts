import { describe, expect, it } from 'vitest'
import { initGovernance, PermissionCode, PermissionStatus, PermissionTable } from '../src/index.js'
import { addr, type BlockInit, by, createTestChain, hexOf, makeAccount } from './helpers.js'

// Reference: fisco-2x.md §5.2 (committee, weights, threshold, votes, operators) and §3.3 codes;
// FISCO-BCOS libprecompiled/ChainGovernancePrecompiled.cpp (verifyAndRecord, validate).

const A = 1
const B = 2
const C = 3
const D = 4
const E = 5
const MALLORY = 9

type Member = { address: Uint8Array; weight?: bigint }
const members = (...ns: number[]): Member[] => ns.map((n) => ({ address: addr(n) }))

/** A chain whose genesis (block 0) seeds the committee. */
async function chainWith(committee: Member[], thresholdPercent?: bigint, init: BlockInit = {}) {
  const chain = await createTestChain(init)
  await chain.block(async (_p, tables) => {
    await initGovernance(
      tables,
      thresholdPercent === undefined ? { committee } : { committee, thresholdPercent },
    )
  })
  return chain
}

describe('committee bootstrap', () => {
  it('the first grant is immediate; later grants need a vote of members in force', async () => {
    const chain = await createTestChain()
    await chain.block(async (p) => {
      expect(await p.governance.grantCommitteeMember(by(MALLORY), addr(A))).toBe(1)
      // Not yet in force: A cannot vote in the block that appointed it, and no second bootstrap.
      expect(await p.governance.isMember(addr(A), 'now')).toBe(false)
      expect(await p.governance.grantCommitteeMember(by(A), addr(B))).toBe(
        PermissionCode.InvalidRequestPermissionDenied,
      )
      expect(await p.governance.grantCommitteeMember(by(MALLORY), addr(MALLORY))).toBe(
        PermissionCode.InvalidRequestPermissionDenied,
      )
    })
    await chain.block(async (p) => {
      expect(await p.governance.isMember(addr(A), 'now')).toBe(true)
      expect(await p.governance.listCommitteeMembers()).toBe(`[{"address":"${hexOf(A)}","enable_num":"1"}]\n`)
      expect(await p.governance.queryCommitteeMemberWeight(addr(A))).toEqual([true, 1n])
      expect(await p.governance.queryCommitteeMemberWeight(addr(B))).toEqual([
        false,
        BigInt(PermissionCode.CommitteeMemberNotExist),
      ])
      expect(await p.governance.queryThreshold()).toBe(50n)
      // A member also administers system config and consensus.
      expect(await p.isPermitted(PermissionTable.config, addr(A))).toBe(true)
      expect(await p.isPermitted(PermissionTable.consensus, addr(MALLORY))).toBe(false)
      // One member of weight 1 is 100% > 50%: A alone grants B.
      expect(await p.governance.grantCommitteeMember(by(A), addr(B))).toBe(1)
      expect(await p.governance.grantCommitteeMember(by(A), addr(B))).toBe(
        PermissionCode.CommitteeMemberExist,
      )
    })
  })
})

describe('weighted votes and the threshold', () => {
  it('two equal members: one vote is 50%, not more than 50%; the second passes it', async () => {
    const chain = await chainWith(members(A, B))
    await chain.block(async (p) => {
      expect(await p.governance.grantCommitteeMember(by(A), addr(C))).toBe(0)
      expect(JSON.parse(await p.governance.queryVotesOfMember(addr(C)))).toEqual({
        grant: [{ block_limit: String(1 + 10_000), voter: hexOf(A) }],
      })
      expect(await p.governance.grantCommitteeMember(by(B), addr(C))).toBe(1)
      // Used votes are deleted.
      expect(await p.governance.queryVotesOfMember(addr(C))).toBe('null\n')
      expect(await p.governance.isMember(addr(C), 'next')).toBe(true)
      expect(await p.governance.isMember(addr(C), 'now')).toBe(false)
    })
    await chain.block(async (p) => {
      expect((await p.governance.committee()).map((m) => m.address)).toEqual([hexOf(A), hexOf(B), hexOf(C)])
    })
  })

  it('weights decide: 3 of 5 passes alone, 2 of 5 does not', async () => {
    const chain = await chainWith([{ address: addr(A), weight: 3n }, ...members(B, C)])
    await chain.block(async (p) => {
      expect(await p.governance.grantCommitteeMember(by(B), addr(D))).toBe(0)
      expect(await p.governance.grantCommitteeMember(by(C), addr(D))).toBe(0)
      expect(await p.governance.grantCommitteeMember(by(A), addr(E))).toBe(1)
      expect(await p.governance.grantCommitteeMember(by(A), addr(D))).toBe(1)
    })
  })

  it.each([
    // [threshold %, members, votes needed]: passes iff votes/members > threshold
    [0n, 4, 1],
    [24n, 4, 1],
    [25n, 4, 2],
    [50n, 4, 3],
    [74n, 4, 3],
    [75n, 4, 4],
    [99n, 4, 4],
  ])('threshold %s percent with %s equal members needs %s votes', async (threshold, count, needed) => {
    const voters = [A, B, C, D, E].slice(0, count)
    const chain = await chainWith(members(...voters), threshold)
    await chain.block(async (p) => {
      expect(await p.governance.queryThreshold()).toBe(threshold)
      for (let i = 0; i < needed; i++) {
        const rc = await p.governance.grantCommitteeMember(by(voters[i] as number), addr(0x30))
        expect(rc).toBe(i === needed - 1 ? 1 : 0)
      }
    })
  })

  it('updateThreshold: range 0..99, same value refused, passes by vote and applies at once', async () => {
    const chain = await chainWith(members(A, B))
    await chain.block(async (p) => {
      expect(await p.governance.updateThreshold(by(A), -1n)).toBe(PermissionCode.InvalidThreshold)
      expect(await p.governance.updateThreshold(by(A), 100n)).toBe(PermissionCode.InvalidThreshold)
      expect(await p.governance.updateThreshold(by(A), 50n)).toBe(PermissionCode.CurrentValueIsExpectedValue)
      expect(await p.governance.updateThreshold(by(MALLORY), 10n)).toBe(
        PermissionCode.InvalidRequestPermissionDenied,
      )
      expect(await p.governance.updateThreshold(by(A), 0n)).toBe(0)
      expect(JSON.parse(await p.governance.queryVotesOfThreshold())).toEqual({
        '0.000000': [{ block_limit: '10001', voter: hexOf(A) }],
      })
      expect(await p.governance.updateThreshold(by(B), 0n)).toBe(1)
      expect(await p.governance.queryThreshold()).toBe(0n)
      // Threshold 0: a single vote now passes.
      expect(await p.governance.grantCommitteeMember(by(A), addr(C))).toBe(1)
    })
  })

  it('updateCommitteeMemberWeight: positive, members only, by vote, applies to later votes', async () => {
    const chain = await chainWith(members(A, B, C))
    await chain.block(async (p) => {
      const g = p.governance
      expect(await g.updateCommitteeMemberWeight(by(A), addr(A), 0n)).toBe(PermissionCode.InvalidWeight)
      expect(await g.updateCommitteeMemberWeight(by(A), addr(A), -3n)).toBe(PermissionCode.InvalidWeight)
      expect(await g.updateCommitteeMemberWeight(by(A), addr(D), 2n)).toBe(
        PermissionCode.CommitteeMemberNotExist,
      )
      expect(await g.updateCommitteeMemberWeight(by(A), addr(A), 1n)).toBe(
        PermissionCode.CurrentValueIsExpectedValue,
      )
      expect(await g.updateCommitteeMemberWeight(by(A), addr(A), 4n)).toBe(0)
      // Re-voting replaces the voter's earlier vote.
      expect(await g.updateCommitteeMemberWeight(by(A), addr(A), 5n)).toBe(0)
      expect(JSON.parse(await g.queryVotesOfMember(addr(A)))).toEqual({
        update_weight: [{ block_limit: '10001', target: '5', voter: hexOf(A) }],
      })
      expect(await g.updateCommitteeMemberWeight(by(B), addr(A), 5n)).toBe(1)
      expect(await g.queryCommitteeMemberWeight(addr(A))).toEqual([true, 5n])
      // 5 of 7 > 50%: A alone now passes votes.
      expect(await g.grantCommitteeMember(by(A), addr(D))).toBe(1)
    })
  })
})

describe('vote expiry', () => {
  it('a vote counts up to block cast + voteValidBlocks - 1', async () => {
    const chain = await chainWith(members(A, B), undefined, { voteValidBlocks: 3 })
    await chain.block(async (p) => {
      expect(p.blockNumber).toBe(1)
      expect(await p.governance.grantCommitteeMember(by(A), addr(C))).toBe(0) // block_limit 4
    })
    await chain.advanceTo(2)
    await chain.block(async (p) => {
      expect(p.blockNumber).toBe(3)
      expect(await p.governance.grantCommitteeMember(by(B), addr(C))).toBe(1)
    })
  })

  it('an expired vote is not counted and is deleted on the next vote', async () => {
    const chain = await chainWith(members(A, B), undefined, { voteValidBlocks: 3 })
    await chain.block((p) => p.governance.grantCommitteeMember(by(A), addr(C))) // block 1, limit 4
    await chain.advanceTo(3)
    await chain.block(async (p) => {
      expect(p.blockNumber).toBe(4)
      expect(JSON.parse(await p.governance.queryVotesOfMember(addr(C)))).toBeNull()
      expect(await p.governance.grantCommitteeMember(by(B), addr(C))).toBe(0)
      expect((await p.governance.votes(hexOf(C))).map((v) => v.voter)).toEqual([hexOf(B)])
      const raw = await p.governance.votes(hexOf(C))
      expect(raw).toHaveLength(1)
    })
    await chain.block(async (p) => {
      expect(await p.governance.grantCommitteeMember(by(A), addr(C))).toBe(1)
    })
  })

  it('votes of accounts no longer on the committee do not count', async () => {
    const chain = await chainWith(members(A, B, C))
    await chain.block(async (p) => {
      expect(await p.governance.grantCommitteeMember(by(C), addr(D))).toBe(0)
      expect(await p.governance.revokeCommitteeMember(by(A), addr(C))).toBe(0)
      expect(await p.governance.revokeCommitteeMember(by(B), addr(C))).toBe(1)
      // C stays in force for the rest of this block.
      expect(await p.governance.isMember(addr(C), 'now')).toBe(true)
    })
    await chain.block(async (p) => {
      expect(await p.governance.isMember(addr(C), 'now')).toBe(false)
      expect(await p.isPermitted(PermissionTable.config, addr(C))).toBe(false)
      // C's old vote is ignored: A's vote is 1 of 2, not more than 50%.
      expect(await p.governance.grantCommitteeMember(by(A), addr(D))).toBe(0)
      expect(await p.governance.grantCommitteeMember(by(C), addr(D))).toBe(
        PermissionCode.InvalidRequestPermissionDenied,
      )
      expect(await p.governance.grantCommitteeMember(by(B), addr(D))).toBe(1)
    })
  })
})

describe('keeping the chain governable', () => {
  it('the last committee member cannot be revoked', async () => {
    const chain = await chainWith(members(A))
    await chain.block(async (p) => {
      expect(await p.governance.revokeCommitteeMember(by(A), addr(A))).toBe(
        PermissionCode.LastCommitteeMember,
      )
      expect(await p.governance.revokeCommitteeMember(by(A), addr(B))).toBe(
        PermissionCode.CommitteeMemberNotExist,
      )
    })
  })

  it('two revocations in one block cannot empty the committee', async () => {
    const chain = await chainWith(members(A, B), 0n)
    await chain.block(async (p) => {
      expect(await p.governance.revokeCommitteeMember(by(A), addr(B))).toBe(1)
      // B is still in force in this block, but revoking A now would leave nobody.
      expect(await p.governance.revokeCommitteeMember(by(B), addr(A))).toBe(
        PermissionCode.LastCommitteeMember,
      )
    })
    await chain.block(async (p) => {
      expect((await p.governance.committee()).map((m) => m.address)).toEqual([hexOf(A)])
    })
  })

  it('a revocation vote that would empty the committee when it passes is refused then', async () => {
    const chain = await chainWith(members(A, B, C))
    await chain.block(async (p) => {
      // Open votes to revoke B and C, then pass both: the second would leave only A — allowed.
      expect(await p.governance.revokeCommitteeMember(by(A), addr(B))).toBe(0)
      expect(await p.governance.revokeCommitteeMember(by(A), addr(C))).toBe(0)
      expect(await p.governance.revokeCommitteeMember(by(C), addr(B))).toBe(1)
      expect(await p.governance.revokeCommitteeMember(by(B), addr(C))).toBe(1)
      expect(await p.governance.revokeCommitteeMember(by(A), addr(A))).toBe(
        PermissionCode.LastCommitteeMember,
      )
    })
  })

  it('a frozen account cannot join the committee', async () => {
    const chain = await chainWith(members(A))
    await chain.block(async (p, tables) => {
      await makeAccount(tables, B)
      expect(await p.governance.freezeAccount(by(A), addr(B))).toBe(1)
      expect(await p.governance.grantCommitteeMember(by(A), addr(B))).toBe(PermissionCode.AccountFrozen)
    })
  })

  it('limits the committee to aclEntriesMax members', async () => {
    const chain = await chainWith(members(A, B), 0n, { aclEntriesMax: 2 })
    await chain.block(async (p) => {
      expect(await p.governance.grantCommitteeMember(by(A), addr(C))).toBe(
        PermissionCode.AclEntriesLimitReached,
      )
    })
  })
})

describe('operators', () => {
  it('committee members grant and revoke operators; roles are exclusive', async () => {
    const chain = await chainWith(members(A))
    await chain.block(async (p) => {
      const g = p.governance
      expect(await g.grantOperator(by(MALLORY), addr(B))).toBe(PermissionCode.InvalidRequestPermissionDenied)
      expect(await g.grantOperator(by(A), addr(A))).toBe(PermissionCode.CommitteeMemberCannotBeOperator)
      expect(await g.grantOperator(by(A), addr(B))).toBe(1)
      expect(await g.grantOperator(by(A), addr(B))).toBe(PermissionCode.OperatorExist)
      expect(await g.grantCommitteeMember(by(A), addr(B))).toBe(
        PermissionCode.OperatorCannotBeCommitteeMember,
      )
      expect(await g.listOperators()).toBe(`[{"address":"${hexOf(B)}","enable_num":"2"}]\n`)
      // Deploy rights start in the next block; until then the deploy ACL is still empty.
      expect((await p.checkDeploy(by(MALLORY), { nested: false })).allowed).toBe(true)
    })
    await chain.block(async (p) => {
      expect((await p.checkDeploy(by(B), { nested: false })).allowed).toBe(true)
      expect(await p.checkDeploy(by(MALLORY), { nested: false })).toMatchObject({
        allowed: false,
        status: PermissionStatus.NoDeployPermission,
        code: PermissionCode.PermissionDenied,
      })
      // Committee members do not deploy once operators exist (exclusive roles, as FISCO).
      expect((await p.checkDeploy(by(A), { nested: false })).allowed).toBe(false)
      expect((await p.checkTableWrite(by(B), PermissionTable.cns)).allowed).toBe(true)
      expect((await p.checkTableWrite(by(MALLORY), PermissionTable.cns)).allowed).toBe(false)
      expect((await p.checkCreateTable(by(B), 'u_asset')).allowed).toBe(true)
      expect((await p.checkCreateTable(by(MALLORY), 'u_asset')).allowed).toBe(false)
      expect(await p.governance.isOperator(addr(B), 'now')).toBe(true)
      expect(await p.governance.revokeOperator(by(MALLORY), addr(B))).toBe(
        PermissionCode.InvalidRequestPermissionDenied,
      )
      expect(await p.governance.revokeOperator(by(A), addr(C))).toBe(PermissionCode.OperatorNotExist)
      expect(await p.governance.revokeOperator(by(A), addr(B))).toBe(1)
      expect(await p.governance.listOperators()).toBe('[]\n')
      expect((await p.checkDeploy(by(B), { nested: false })).allowed).toBe(true)
    })
    await chain.block(async (p) => {
      // The deploy ACL is empty again: open.
      expect((await p.checkDeploy(by(MALLORY), { nested: false })).allowed).toBe(true)
    })
  })
})
