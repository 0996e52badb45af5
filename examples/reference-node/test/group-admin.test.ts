/**
 * FISCO's six group-admin JSON-RPC methods on a real node (`startNode` in this process, one
 * sealer): the GroupManager runs the node's groups, answers in the documented shapes and
 * codes (reference: FISCO-BCOS-DOC 2.x api.md "generateGroup" … "queryGroupStatus" and its
 * dynamic-group status codes 0x0-0xf), and keeps statuses across restarts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import { parseBuildChainArgs } from '../src/build-chain/options.js'
import { createRpcClient, type RpcClient, signRawTransaction, waitForReceipt } from '../src/client.js'
import { isNodeError } from '../src/errors.js'
import { createNodeLogger } from '../src/node/logger.js'
import { type StartedNode, startNode } from '../src/node/start.js'
import { freePorts } from './helpers/cluster.js'
import { accountOf } from './helpers/workload.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-group-admin-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const quiet = () => createNodeLogger({ level: 'warn', destination: { write: () => undefined } })

/** The six methods' answer `{code, message[, status]}` (result, not a JSON-RPC error). */
type Admin = { code: string; message: string; status?: string }
const admin = (rpc: RpcClient, method: string, params: unknown[]) => rpc.call<Admin>(method, params)

async function deployIn(rpc: RpcClient, groupId: number, seed: string) {
  const account = accountOf('ecdsa', seed)
  const blockNumber = Number(await rpc.call<string>('getBlockNumber', [groupId]))
  // A contract that returns 0x2a: PUSH1 2a PUSH1 0 MSTORE PUSH1 20 PUSH1 0 RETURN as init code.
  const raw = signRawTransaction(
    { ...account, chainId: 1, groupId, blockNumber },
    null,
    '0x602a60005260206000f3',
  )
  const hash = await rpc.call<string>('sendRawTransaction', [groupId, raw])
  const receipt = await waitForReceipt(rpc, groupId, hash, 60_000)
  expect(receipt.status).toBe('0x0')
  return receipt
}

describe('group-admin RPC on a node', () => {
  it('generate, start, stop, remove, recover and query: FISCO shapes and codes, statuses kept across restarts', async () => {
    const ports = await freePorts(1, 24_011)
    const options = parseBuildChainArgs([
      '-l',
      '127.0.0.1:1',
      '-o',
      join(root, 'one'),
      '-p',
      ports.join(','),
      '--tick-ms',
      '50',
    ])
    if (options === 'help') throw new Error('help')
    const chain = buildChain(options)
    const dir = chain.nodes[0]!.dir
    const self = chain.nodes[0]!.nodeId
    const other = 'ab'.repeat(64)
    let node: StartedNode = await startNode(dir, { logger: quiet() })
    const reopen = async () => {
      await node.close()
      node = await startNode(dir, { logger: quiet() })
      return createRpcClient(`http://127.0.0.1:${node.ports.rpc}`)
    }
    try {
      let rpc = createRpcClient(`http://127.0.0.1:${node.ports.rpc}`)
      expect(await admin(rpc, 'queryGroupStatus', [1])).toEqual({
        code: '0x0',
        message: '',
        status: 'RUNNING',
      })
      expect(await admin(rpc, 'queryGroupStatus', [2])).toEqual({
        code: '0x0',
        message: '',
        status: 'INEXISTENT',
      })
      // Unknown groups and unconnected sealers are refused with FISCO's codes.
      expect((await admin(rpc, 'startGroup', [2])).code).toBe('0x6') // GROUP_NOT_FOUND
      expect(
        (await admin(rpc, 'generateGroup', [2, { timestamp: '1585214879000', sealers: [self, other] }])).code,
      ).toBe('0x8') // PEERS_NOT_CONNECTED
      expect(
        await admin(rpc, 'generateGroup', [
          2,
          { timestamp: '1585214879000', sealers: [self], enable_free_storage: true },
        ]),
      ).toEqual({ code: '0x0', message: 'Group 2 generated successfully' })
      expect((await admin(rpc, 'generateGroup', [2, { timestamp: 1, sealers: [self] }])).code).toBe('0x2')
      expect((await admin(rpc, 'generateGroup', [1, { timestamp: 1, sealers: [self] }])).code).toBe('0x2')
      expect((await admin(rpc, 'queryGroupStatus', [2])).status).toBe('STOPPED')
      expect(await rpc.call('getGroupList', [])).toEqual([1])
      expect((await admin(rpc, 'stopGroup', [2])).code).toBe('0x4') // GROUP_ALREADY_STOPPED

      expect(await admin(rpc, 'startGroup', [2])).toEqual({
        code: '0x0',
        message: 'Group 2 started successfully',
      })
      expect((await admin(rpc, 'startGroup', [2])).code).toBe('0x3') // GROUP_ALREADY_RUNNING
      expect(await rpc.call('getGroupList', [])).toEqual([1, 2])
      expect(node.groups.get(2)!.genesis.consensus.sealers).toEqual([self])
      // The new group commits blocks, separately from group 1.
      const r2 = await deployIn(rpc, 2, 'group-2')
      expect(r2.blockNumber).toBe('0x1')
      expect(await rpc.call('getBlockNumber', [1])).toBe('0x0')
      const g2Hash = await rpc.call<string>('getBlockHashByNumber', [2, '0x1'])
      expect(await rpc.call('getBlockHashByNumber', [2, '0x0'])).not.toBe(
        await rpc.call('getBlockHashByNumber', [1, '0x0']),
      )
      expect((await admin(rpc, 'removeGroup', [2])).code).toBe('0x3') // must be stopped first

      expect(await admin(rpc, 'stopGroup', [2])).toEqual({
        code: '0x0',
        message: 'Group 2 stopped successfully',
      })
      expect(await rpc.call('getGroupList', [])).toEqual([1])
      await expect(rpc.call('getBlockNumber', [2])).rejects.toThrow(/-40001|GroupID does not exist/)
      expect((await admin(rpc, 'recoverGroup', [2])).code).toBe('0xf') // GROUP_NOT_DELETED
      expect(await admin(rpc, 'removeGroup', [2])).toEqual({
        code: '0x0',
        message: 'Group 2 deleted successfully',
      })
      expect((await admin(rpc, 'queryGroupStatus', [2])).status).toBe('DELETED')
      expect((await admin(rpc, 'startGroup', [2])).code).toBe('0x5') // GROUP_ALREADY_DELETED
      expect((await admin(rpc, 'removeGroup', [2])).code).toBe('0x5')

      // Restart: the removed group stays removed; its data is kept for recoverGroup.
      rpc = await reopen()
      expect((await admin(rpc, 'queryGroupStatus', [2])).status).toBe('DELETED')
      expect(await rpc.call('getGroupList', [])).toEqual([1])
      expect(await admin(rpc, 'recoverGroup', [2])).toEqual({
        code: '0x0',
        message: 'Group 2 recovered successfully',
      })
      expect((await admin(rpc, 'queryGroupStatus', [2])).status).toBe('STOPPED')
      // A stopped group stays stopped across a restart.
      rpc = await reopen()
      expect((await admin(rpc, 'queryGroupStatus', [2])).status).toBe('STOPPED')
      expect(await admin(rpc, 'startGroup', [2])).toEqual({
        code: '0x0',
        message: 'Group 2 started successfully',
      })
      expect(await rpc.call('getBlockHashByNumber', [2, '0x1'])).toBe(g2Hash)
      expect((await deployIn(rpc, 2, 'group-2-again')).blockNumber).toBe('0x2')

      // A group of a genesis file stopped over RPC stays stopped too; a running one restarts.
      expect((await admin(rpc, 'stopGroup', [1])).code).toBe('0x0')
      rpc = await reopen()
      expect((await admin(rpc, 'queryGroupStatus', [1])).status).toBe('STOPPED')
      expect((await admin(rpc, 'queryGroupStatus', [2])).status).toBe('RUNNING')
      expect(await rpc.call('getGroupList', [])).toEqual([2])
      expect((await admin(rpc, 'startGroup', [1])).code).toBe('0x0')
      expect((await deployIn(rpc, 1, 'group-1')).blockNumber).toBe('0x1')
    } finally {
      await node.close()
    }

    // A genesis file changed under a group the node runs is refused at start, with the reason.
    const file = join(dir, 'conf', 'group.1.genesis')
    const genesis = JSON.parse(readFileSync(file, 'utf8')) as { consensus: { txCountLimit: number } }
    genesis.consensus.txCountLimit += 1
    writeFileSync(file, JSON.stringify(genesis))
    let err: unknown
    try {
      await startNode(dir, { logger: quiet() })
    } catch (e) {
      err = e
    }
    expect(isNodeError(err)).toBe(true)
    expect(String((err as Error).message)).toMatch(/genesis/)
  })

  it('answers bad parameters with JSON-RPC errors, not crashes', async () => {
    const ports = await freePorts(1, 24_021)
    const options = parseBuildChainArgs(['-l', '127.0.0.1:1', '-o', join(root, 'bad'), '-p', ports.join(',')])
    if (options === 'help') throw new Error('help')
    const chain = buildChain(options)
    const node = await startNode(chain.nodes[0]!.dir, { logger: quiet() })
    try {
      const rpc = createRpcClient(`http://127.0.0.1:${node.ports.rpc}`)
      await expect(rpc.call('generateGroup', [2, { timestamp: 1, sealers: ['zz'] }])).rejects.toThrow(
        /-32602/,
      )
      await expect(rpc.call('generateGroup', [2, 'x'])).rejects.toThrow(/-32602/)
      await expect(rpc.call('startGroup', [0])).rejects.toThrow(/-32602/)
      await expect(rpc.call('queryGroupStatus', [40000])).rejects.toThrow(/-32602/)
      expect((await admin(rpc, 'queryGroupStatus', [3])).status).toBe('INEXISTENT')
    } finally {
      await node.close()
    }
  })
})
