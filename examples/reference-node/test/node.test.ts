/**
 * One node in this process (`startNode`): the ordered init, JSON-RPC, Prometheus metrics,
 * structured logs, graceful close, and the refusals at start.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import { parseBuildChainArgs } from '../src/build-chain/options.js'
import { createRpcClient } from '../src/client.js'
import { isNodeError } from '../src/errors.js'
import { createNodeLogger } from '../src/node/logger.js'
import { createNodeMetrics, TPS_SAMPLES_MAX } from '../src/node/metrics.js'
import { startNode } from '../src/node/start.js'
import { freePorts } from './helpers/cluster.js'
import { accountOf, balanceOf, deployToken, expectReceipts, sendTransfers } from './helpers/workload.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-node-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

async function oneNodeChain(name: string, seed: number) {
  const ports = await freePorts(1, seed)
  const options = parseBuildChainArgs([
    '-l',
    '127.0.0.1:1',
    '-o',
    join(root, name),
    '-p',
    ports.join(','),
    '--tick-ms',
    '50',
  ])
  if (options === 'help') throw new Error('help')
  return buildChain(options)
}

function captureLogger() {
  const lines: Record<string, unknown>[] = []
  const logger = createNodeLogger({
    level: 'info',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
    base: { node: 'test' },
  })
  return { logger, lines }
}

describe('startNode', () => {
  it('runs a one-sealer chain: JSON-RPC, metrics, JSON logs, graceful close, restart on the same data', async () => {
    const chain = await oneNodeChain('single', 11)
    const dir = chain.nodes[0]!.dir
    const { logger, lines } = captureLogger()
    let node = await startNode(dir, { logger })
    try {
      // The ordered init (later optional endpoints, such as eth-rpc, come after these).
      const steps = lines.filter((l) => l['msg'] === 'startup step done').map((l) => l['step'])
      expect(steps.slice(0, 7)).toEqual(['config', 'crypto', 'storage', 'p2p', 'groups', 'rpc', 'metrics'])
      const rpc = createRpcClient(`http://127.0.0.1:${node.ports.rpc}`)
      const account = accountOf('ecdsa', 'node-test')
      const token = await deployToken(rpc, account, 100n)
      await expectReceipts(rpc, await sendTransfers([rpc], account, token, 3))
      expect(await balanceOf(rpc, token, account.address)).toBe(97n)

      const text = await (await fetch(`http://127.0.0.1:${node.ports.metrics}/metrics`)).text()
      for (const name of [
        'consortia_block_height',
        'consortia_tps',
        'consortia_tx_pool_size',
        'consortia_view_changes',
        'consortia_peers',
        'consortia_commit_latency_seconds_bucket',
        'consortia_transactions_committed_total',
      ]) {
        expect(text, name).toContain(name)
      }
      const height = Number(/consortia_block_height\{[^}]*\} (\d+)/.exec(text)?.[1])
      expect(height).toBeGreaterThanOrEqual(2)
      expect(text).toMatch(/consortia_transactions_committed_total\{[^}]*group="1"[^}]*\} 4/)
      expect((await fetch(`http://127.0.0.1:${node.ports.metrics}/other`)).status).toBe(404)

      const committed = lines.filter((l) => l['msg'] === 'block committed')
      expect(committed.length).toBeGreaterThanOrEqual(2)
      expect(committed[0]).toMatchObject({ level: 30, node: 'test', groupId: 1, number: 1 })
      expect(typeof committed[0]!['time']).toBe('string')
    } finally {
      await node.close()
    }
    expect(lines.at(-1)?.['msg']).toBe('node stopped')

    // Same data, same genesis: starts at the stored head.
    const again = captureLogger()
    node = await startNode(dir, { logger: again.logger })
    try {
      expect(node.groups.get(1)!.store.head.number).toBeGreaterThanOrEqual(2)
    } finally {
      await node.close()
    }
  }, 90_000)

  it('refuses to start on an unknown config key, a changed genesis or a wrong consensus key, with the reason', async () => {
    const chain = await oneNodeChain('refusals', 12)
    const dir = chain.nodes[0]!.dir
    const configFile = join(dir, 'config.json')
    const original = readFileSync(configFile, 'utf8')
    const { logger } = captureLogger()
    const refused = async (code: string) => {
      try {
        await startNode(dir, { logger })
      } catch (err) {
        expect(isNodeError(err, code as never), String(err)).toBe(true)
        return (err as Error).message
      }
      throw new Error('expected startNode to fail')
    }

    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(original), rpcx: {} }))
    expect(await refused('NODE_CONFIG')).toMatch(/config.json: rpcx: unknown key/)
    writeFileSync(configFile, original)

    const node = await startNode(dir, { logger })
    await node.close()
    const genesisFile = join(dir, 'conf', 'group.1.genesis')
    const genesis = JSON.parse(readFileSync(genesisFile, 'utf8')) as { timestamp: number }
    writeFileSync(genesisFile, JSON.stringify({ ...genesis, timestamp: genesis.timestamp + 1 }))
    expect(await refused('NODE_DATA_MISMATCH')).toMatch(/group 1 was started with another genesis/)
    writeFileSync(genesisFile, JSON.stringify({ ...genesis, chainId: 5 }))
    expect(await refused('NODE_CONFIG')).toMatch(/chainId: 5, but config.json says chain 1/)
    writeFileSync(genesisFile, JSON.stringify(genesis))

    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(original), consensusKey: 'conf/missing.key' }))
    expect(await refused('NODE_CONFIG')).toMatch(/missing.key: consensusKey: cannot be read/)
    writeFileSync(configFile, original)
  }, 90_000)
})

describe('metrics', () => {
  it(`keeps at most TPS_SAMPLES_MAX (${TPS_SAMPLES_MAX}) commit samples per group and computes TPS over the window`, async () => {
    const m = createNodeMetrics({ node: 'n', chainId: 1 })
    const now = 1_000_000
    for (let i = 0; i < TPS_SAMPLES_MAX + 10; i++) m.blockCommitted(1, i + 1, 1, now - 5, now)
    const text = await m.render()
    // Only the last TPS_SAMPLES_MAX samples count: TPS_SAMPLES_MAX txs over a 10 s window.
    expect(text).toContain(`consortia_tps{group="1",node="n",chain="1"} ${TPS_SAMPLES_MAX / 10}`)
    expect(text).toContain(`consortia_block_height{group="1",node="n",chain="1"} ${TPS_SAMPLES_MAX + 10}`)
  })
})
