/**
 * A node configured with `executor.parallel`: its blocks run on the parallel executor's worker
 * threads (the stats it logs per block say so), and the state it reaches is the one serial
 * execution gives (DagTransfer balances read back over JSON-RPC).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeFunctionResult, encodeFunctionData } from 'viem'
import { afterAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import { parseBuildChainArgs } from '../src/build-chain/options.js'
import { createRpcClient, signRawTransaction, waitForReceipt } from '../src/client.js'
import { isNodeError } from '../src/errors.js'
import { createNodeLogger } from '../src/node/logger.js'
import { startNode } from '../src/node/start.js'
import { freePorts } from './helpers/cluster.js'
import { accountOf } from './helpers/workload.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-parallel-node-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** FISCO's DagTransfer precompile (0x5002) ABI, the part used here. */
const DagAbi = [
  {
    type: 'function',
    name: 'userAdd',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'user', type: 'string' },
      { name: 'balance', type: 'uint256' },
    ],
    outputs: [{ name: '', type: 'uint256' }],
  },
  {
    type: 'function',
    name: 'userTransfer',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'from', type: 'string' },
      { name: 'to', type: 'string' },
      { name: 'amount', type: 'uint256' },
    ],
    outputs: [{ name: '', type: 'uint256' }],
  },
  {
    type: 'function',
    name: 'userBalance',
    stateMutability: 'view',
    inputs: [{ name: 'user', type: 'string' }],
    outputs: [
      { name: '', type: 'uint256' },
      { name: '', type: 'uint256' },
    ],
  },
] as const
const DAG = '0x0000000000000000000000000000000000005002'
const USERS = 80

async function chainWithExecutor(name: string, executor: unknown): Promise<string> {
  const ports = await freePorts(1, 61)
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
  const dir = (await buildChain(options)).nodes[0]!.dir
  const file = join(dir, 'config.json')
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), executor }, null, 2))
  return dir
}

describe('executor.parallel in the node config', () => {
  it('runs DagTransfer blocks on worker threads and reaches the serial state', async () => {
    const dir = await chainWithExecutor('dag', { parallel: 'dag', workers: 2, minTransactions: 2 })
    const logs: Record<string, unknown>[] = []
    const logger = createNodeLogger({
      level: 'debug',
      destination: { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) },
      base: { node: 'parallel' },
    })
    const node = await startNode(dir, { logger })
    try {
      const url = `http://127.0.0.1:${node.ports.rpc}`
      const rpc = createRpcClient(url)
      const account = accountOf('ecdsa', 'parallel-node')
      const blockNumber = Number(await rpc.call<string>('getBlockNumber', [1]))
      const ctx = { ...account, chainId: 1, groupId: 1, blockNumber }
      const sendAll = async (datas: string[]) => {
        // One HTTP batch, so the pool holds many before the next seal (blocks of ≥ 2 txs run in parallel here).
        const body = datas.map((data, i) => ({
          jsonrpc: '2.0',
          id: i,
          method: 'sendRawTransaction',
          params: [1, signRawTransaction(ctx, DAG, data)],
        }))
        const res = (await (
          await fetch(url, {
            method: 'POST',
            body: JSON.stringify(body),
            headers: { 'content-type': 'application/json' },
          })
        ).json()) as { result: string }[]
        for (const r of res) await waitForReceipt(rpc, 1, r.result, 90_000)
        return res.map((r) => r.result)
      }
      const users = Array.from({ length: USERS }, (_, i) => `user${i}`)
      await sendAll(
        users.map((u) => encodeFunctionData({ abi: DagAbi, functionName: 'userAdd', args: [u, 1000n] })),
      )
      // Disjoint pairs: conflict-free, so a block of them runs on the workers.
      const pairs = users.slice(0, USERS / 2).map((u, i) =>
        encodeFunctionData({
          abi: DagAbi,
          functionName: 'userTransfer',
          args: [u, users[USERS / 2 + i]!, BigInt(i + 1)],
        }),
      )
      const hashes = await sendAll(pairs)
      for (const h of hashes) expect((await waitForReceipt(rpc, 1, h)).status).toBe('0x0')

      for (let i = 0; i < USERS / 2; i++) {
        const out = await rpc.call<{ output: string }>('call', [
          1,
          {
            from: account.address,
            to: DAG,
            value: '0x0',
            data: encodeFunctionData({ abi: DagAbi, functionName: 'userBalance', args: [users[i]!] }),
          },
        ])
        const [code, balance] = decodeFunctionResult({
          abi: DagAbi,
          functionName: 'userBalance',
          data: out.output as `0x${string}`,
        })
        expect(code).toBe(0n)
        expect(balance).toBe(1000n - BigInt(i + 1))
      }
      const stats = logs.filter((l) => l['msg'] === 'parallel execution')
      expect(stats.length).toBeGreaterThan(0)
      // At least one block's transactions were executed on workers and merged.
      expect(stats.some((s) => Number(s['merged']) > 0)).toBe(true)
    } finally {
      await node.close()
    }
  }, 180_000)

  it('refuses an executor section it does not understand, with the reason', async () => {
    const dir = await chainWithExecutor('bad', { parallel: 'fast', workers: 2 })
    const err = await startNode(dir).catch((e: unknown) => e)
    expect(isNodeError(err)).toBe(true)
    expect(String((err as Error).message)).toMatch(/executor/)
  }, 60_000)
})
