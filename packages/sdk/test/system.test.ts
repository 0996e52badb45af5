import { afterEach, describe, expect, it } from 'vitest'
import {
  createAccount,
  createClient,
  createHttpTransport,
  createSystemHelpers,
  isSDKError,
  PrecompiledAddress,
} from '../src/index.js'
import { FakeChain } from './support/fake-chain.js'
import { startHttpNode } from './support/servers.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

async function setup() {
  const chain = new FakeChain()
  const node = await startHttpNode(chain)
  const client = createClient({
    transport: createHttpTransport({ url: node.url }),
    account: createAccount('ecdsa'),
    pollIntervalMs: 10,
  })
  closers.push(() => node.close())
  return { chain, sys: createSystemHelpers(client), client }
}

const user = '0x2222222222222222222222222222222222222222'

describe('system helpers', () => {
  it('permissions: grant, list, revoke; negative precompiled codes become SDK_PRECOMPILED_ERROR', async () => {
    const { sys, chain } = await setup()
    await sys.grantPermission('nodeManager', user)
    await sys.grantPermission({ userTable: 't_demo' }, user)
    expect(chain.permissions.get('_sys_consensus_')).toEqual([user])
    expect(chain.permissions.get('u_t_demo')).toEqual([user])
    expect((await sys.listPermission('nodeManager')).map((r) => r.address)).toEqual([user])
    const err = await sys.grantPermission('nodeManager', user).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_PRECOMPILED_ERROR')).toBe(true)
    if (isSDKError(err, 'SDK_PRECOMPILED_ERROR')) expect(err.type.precompiledCode).toBe(-51000)
    expect((err as Error).message).toContain('table name and address already exist')
    await sys.revokePermission('nodeManager', user)
    expect(await sys.listPermission('nodeManager')).toEqual([])
  })

  it('CNS register and select; KV set/get on a table; desc', async () => {
    const { sys } = await setup()
    await sys.registerCNS('Store', '1.0', user, '[]')
    expect(await sys.selectCNS('Store')).toEqual([
      { name: 'Store', version: '1.0', address: user, abi: '[]' },
    ])
    await sys.createTable('kv', 'id', ['v'])
    expect(await sys.descTable('kv')).toEqual({ keyField: 'id', valueFields: ['v'] })
    await sys.kvSet('kv', 'a', { v: '1' })
    await sys.kvSet('kv', 'a', { v: '2' })
    expect(await sys.kvGet('kv', 'a')).toEqual({ id: 'a', v: '2' })
    expect(await sys.kvGet('kv', 'missing')).toBeUndefined()
  })

  it('nodes and config: input checks at the boundary, last-sealer refusal', async () => {
    const { sys, chain, client } = await setup()
    expect(() => sys.addSealer('abc')).toThrow(
      'nodeId: expected 128 hex chars (64-byte node ID), got 3 chars',
    )
    expect(() => sys.setSystemConfigByKey('no_such_key', 1)).toThrow(/expected tx_count_limit/)
    await sys.setSystemConfigByKey('tx_gas_limit', 400_000_000n)
    expect(await sys.getSystemConfigByKey('tx_gas_limit')).toBe('400000000')
    chain.sealers = [chain.sealers[0]!]
    const err = await sys.removeNode(chain.sealers[0]!).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_PRECOMPILED_ERROR') && err.type.precompiledCode).toBe(-51101)
    // the helpers address the documented precompiles
    const sent = [...chain.txs.values()].map((t) => t.to)
    expect(sent).toContain(PrecompiledAddress.systemConfig)
    expect(sent).toContain(PrecompiledAddress.consensus)
    expect(client.groupId).toBe(1)
  })
})
