import type { Permission } from '@consortia/permission'
import { PrecompiledCode } from '../codes.js'
import { callerContext } from '../permission-wiring.js'
import {
  type PrecompiledCallContext,
  type PrecompiledContract,
  PrecompiledFailure,
  PrecompiledGas,
  type PrecompiledMethod,
} from '../precompiled.js'

function permissionOf(ctx: PrecompiledCallContext): Permission {
  if (ctx.permission === undefined) {
    throw new PrecompiledFailure(PrecompiledCode.UnknownFunctionCall, 'permissions are not enforced')
  }
  return ctx.permission
}

/**
 * A method whose logic lives in `@consortia/permission`: it writes through the permission
 * layer's own tables (authorised by the precompile's own rules, not by table ACLs) and
 * returns the FISCO code (≥ 0 rows or vote recorded, < 0 refusal) as int256, as FISCO does;
 * a refusal is an answer, not a failed call.
 */
function writeMethod(
  signature: string,
  run: (p: Permission, args: readonly unknown[], ctx: PrecompiledCallContext) => Promise<number>,
): PrecompiledMethod {
  return {
    signature,
    returns: 'int256',
    writes: true,
    async call(args, ctx) {
      ctx.gas.charge(PrecompiledGas.openTable)
      const rc = await run(permissionOf(ctx), args, ctx)
      ctx.gas.charge(PrecompiledGas.update, rc > 0 ? rc : 1)
      return [BigInt(rc)]
    },
  }
}

function queryMethod(
  signature: string,
  returns: string,
  run: (p: Permission, args: readonly unknown[]) => Promise<readonly unknown[]>,
): PrecompiledMethod {
  return {
    signature,
    returns,
    async call(args, ctx) {
      ctx.gas.charge(PrecompiledGas.openTable)
      ctx.gas.charge(PrecompiledGas.select)
      const out = await run(permissionOf(ctx), args)
      ctx.gas.touchMemory(out.reduce<number>((n, v) => n + String(v).length, 0))
      return out
    },
  }
}

const str = (v: unknown) => String(v)

/**
 * PermissionPrecompiled (0x1005, FISCO 2.x libprecompiled/PermissionPrecompiled.cpp): table
 * write whitelists. `insert/remove(table, address)` edit the ACL of a user table (`u_` is
 * prepended) or of a system table; `grantWrite/revokeWrite(contract, user)` that of a
 * contract's storage. Changes take effect in the next block.
 */
export const permissionPrecompiled: PrecompiledContract = {
  name: 'Permission',
  methods: [
    writeMethod('insert(string,string)', (p, a, ctx) =>
      p.tablePermissions.insert(callerContext(ctx), str(a[0]), str(a[1])),
    ),
    writeMethod('remove(string,string)', (p, a, ctx) =>
      p.tablePermissions.remove(callerContext(ctx), str(a[0]), str(a[1])),
    ),
    queryMethod('queryByName(string)', 'string', async (p, a) => [
      await p.tablePermissions.queryByName(str(a[0])),
    ]),
    writeMethod('grantWrite(address,address)', (p, a, ctx) =>
      p.tablePermissions.grantWrite(callerContext(ctx), str(a[0]), str(a[1])),
    ),
    writeMethod('revokeWrite(address,address)', (p, a, ctx) =>
      p.tablePermissions.revokeWrite(callerContext(ctx), str(a[0]), str(a[1])),
    ),
    queryMethod('queryPermission(address)', 'string', async (p, a) => [
      await p.tablePermissions.queryPermission(str(a[0])),
    ]),
  ],
}

/**
 * ContractLifeCyclePrecompiled (0x1007, FISCO ≥ 2.3): freezing contracts and their managers.
 * A frozen contract refuses calls (receipt status 30); freezing takes effect at once.
 */
export const contractLifeCyclePrecompiled: PrecompiledContract = {
  name: 'ContractLifeCycle',
  methods: [
    writeMethod('freeze(address)', (p, a, ctx) => p.lifecycle.freeze(callerContext(ctx), str(a[0]))),
    writeMethod('unfreeze(address)', (p, a, ctx) => p.lifecycle.unfreeze(callerContext(ctx), str(a[0]))),
    writeMethod('grantManager(address,address)', (p, a, ctx) =>
      p.lifecycle.grantManager(callerContext(ctx), str(a[0]), str(a[1])),
    ),
    writeMethod('revokeManager(address,address)', (p, a, ctx) =>
      p.lifecycle.revokeManager(callerContext(ctx), str(a[0]), str(a[1])),
    ),
    queryMethod('getStatus(address)', 'int256,string', (p, a) => p.lifecycle.getStatus(str(a[0]))),
    queryMethod('listManager(address)', 'int256,address[]', (p, a) => p.lifecycle.listManager(str(a[0]))),
  ],
}

/**
 * ChainGovernancePrecompiled (0x1008, FISCO ≥ 2.5): the committee (weighted, expiring votes
 * against a threshold), operators, account freezing. Voted methods return 0 while the vote
 * is open and the row count once it passes.
 */
export const chainGovernancePrecompiled: PrecompiledContract = {
  name: 'ChainGovernance',
  methods: [
    writeMethod('grantCommitteeMember(address)', (p, a, ctx) =>
      p.governance.grantCommitteeMember(callerContext(ctx), str(a[0])),
    ),
    writeMethod('revokeCommitteeMember(address)', (p, a, ctx) =>
      p.governance.revokeCommitteeMember(callerContext(ctx), str(a[0])),
    ),
    queryMethod('listCommitteeMembers()', 'string', async (p) => [await p.governance.listCommitteeMembers()]),
    queryMethod('queryCommitteeMemberWeight(address)', 'bool,int256', (p, a) =>
      p.governance.queryCommitteeMemberWeight(str(a[0])),
    ),
    writeMethod('updateCommitteeMemberWeight(address,int256)', (p, a, ctx) =>
      p.governance.updateCommitteeMemberWeight(callerContext(ctx), str(a[0]), a[1] as bigint),
    ),
    queryMethod('queryVotesOfMember(address)', 'string', async (p, a) => [
      await p.governance.queryVotesOfMember(str(a[0])),
    ]),
    queryMethod('queryVotesOfThreshold()', 'string', async (p) => [
      await p.governance.queryVotesOfThreshold(),
    ]),
    writeMethod('updateThreshold(int256)', (p, a, ctx) =>
      p.governance.updateThreshold(callerContext(ctx), a[0] as bigint),
    ),
    queryMethod('queryThreshold()', 'int256', async (p) => [await p.governance.queryThreshold()]),
    writeMethod('grantOperator(address)', (p, a, ctx) =>
      p.governance.grantOperator(callerContext(ctx), str(a[0])),
    ),
    writeMethod('revokeOperator(address)', (p, a, ctx) =>
      p.governance.revokeOperator(callerContext(ctx), str(a[0])),
    ),
    queryMethod('listOperators()', 'string', async (p) => [await p.governance.listOperators()]),
    writeMethod('freezeAccount(address)', (p, a, ctx) =>
      p.governance.freezeAccount(callerContext(ctx), str(a[0])),
    ),
    writeMethod('unfreezeAccount(address)', (p, a, ctx) =>
      p.governance.unfreezeAccount(callerContext(ctx), str(a[0])),
    ),
    queryMethod('getAccountStatus(address)', 'string', async (p, a) => [
      await p.governance.getAccountStatus(str(a[0])),
    ]),
  ],
}
