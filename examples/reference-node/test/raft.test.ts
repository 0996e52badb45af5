/**
 * A Raft chain from build-chain (`-c raft`), three nodes started in this process: transactions
 * sent over JSON-RPC to every node (followers forward them to the leader through tx sync) are
 * committed, and the nodes agree on every block.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import { parseBuildChainArgs } from '../src/build-chain/options.js'
import { createRpcClient } from '../src/client.js'
import { createNodeLogger } from '../src/node/logger.js'
import { type StartedNode, startNode } from '../src/node/start.js'
import { freePorts } from './helpers/cluster.js'
import { accountOf, deployToken, expectAgreement, expectReceipts, sendTransfers } from './helpers/workload.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-raft-'))
const nodes: StartedNode[] = []
afterAll(async () => {
  for (const n of nodes) await n.close()
  rmSync(root, { recursive: true, force: true })
})

describe('Raft chain', () => {
  it('commits transactions sent to any node, identical blocks everywhere', async () => {
    const ports = await freePorts(3, 21)
    const options = parseBuildChainArgs([
      '-l',
      '127.0.0.1:3',
      '-c',
      'raft',
      '-o',
      join(root, 'nodes'),
      '-p',
      ports.join(','),
      '--consensus-timeout-ms',
      '1000',
    ])
    if (options === 'help') throw new Error('help')
    const chain = buildChain(options)
    for (const n of chain.nodes) {
      nodes.push(await startNode(n.dir, { logger: createNodeLogger({ level: 'silent' }) }))
    }
    expect(nodes.every((n) => n.groups.get(1)!.genesis.consensus.type === 'raft')).toBe(true)
    const rpcs = nodes.map((n) => createRpcClient(`http://127.0.0.1:${n.ports.rpc}`))
    const account = accountOf('ecdsa', 'raft')
    const token = await deployToken(rpcs[1]!, account, 1000n)
    const hashes = await sendTransfers(rpcs, account, token, 9)
    await expectReceipts(rpcs[2]!, hashes)
    const height = Number(await rpcs[0]!.call<string>('getBlockNumber', [1]))
    await expectAgreement(rpcs, height)
  }, 120_000)
})
