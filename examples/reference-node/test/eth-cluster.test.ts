/**
 * Ethereum-origin transactions between nodes: a transaction sent to one node of a two-sealer
 * chain reaches the other by tx sync, is sealed into a block, and both nodes execute it (each
 * re-deriving the sender from the raw Ethereum bytes) to the same state and receipts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JsonRpcProvider, Transaction, Wallet } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import { parseBuildChainArgs } from '../src/build-chain/options.js'
import { type StartedNode, startNode } from '../src/node/start.js'
import { freePorts } from './helpers/cluster.js'

/** Init code of a contract whose runtime is the single byte 0x2a: PUSH1 1 DUP1 PUSH1 0x0b PUSH1 0 CODECOPY PUSH1 0 RETURN 0x2a. */
const INIT = '0x600180600b6000396000f32a'

const root = mkdtempSync(join(tmpdir(), 'consortia-eth-cluster-'))

describe('Ethereum-origin transactions across nodes', () => {
  const nodes: StartedNode[] = []
  const providers: JsonRpcProvider[] = []

  beforeAll(async () => {
    const ports = await freePorts(2, 21_001)
    const options = parseBuildChainArgs([
      '-l',
      '127.0.0.1:2',
      '-o',
      join(root, 'chain'),
      '-p',
      ports.join(','),
      '--tick-ms',
      '50',
    ])
    if (options === 'help') throw new Error('help')
    const chain = await buildChain(options)
    nodes.push(...(await Promise.all(chain.nodes.map((n) => startNode(n.dir)))))
    for (const n of nodes) {
      providers.push(
        new JsonRpcProvider(`http://127.0.0.1:${n.ports.eth}`, undefined, {
          pollingInterval: 100,
          cacheTimeout: -1,
        }),
      )
    }
  }, 180_000)

  afterAll(async () => {
    for (const p of providers) p.destroy()
    await Promise.all(nodes.map((n) => n.close()))
    rmSync(root, { recursive: true, force: true })
  })

  it('syncs, seals and executes them identically on every node', async () => {
    const wallet = new Wallet(
      '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
      providers[1],
    )
    const deploy = await wallet.sendTransaction({ data: INIT, gasLimit: 200_000n, type: 2 })
    const receipt = await deploy.wait()
    expect(receipt!.status).toBe(1)
    const address = receipt!.contractAddress!
    for (const p of providers) {
      const r = await p.getTransactionReceipt(deploy.hash)
      expect(r!.blockHash).toBe(receipt!.blockHash)
      expect(r!.from).toBe(wallet.address)
      expect(await p.getCode(address)).toBe('0x2a')
      expect(await p.getTransactionCount(wallet.address)).toBe(1)
    }
    // The same raw bytes sent to the other node are refused there too.
    const tx = await providers[1]!.getTransaction(deploy.hash)
    const raw = Transaction.from(tx!).serialized
    expect(raw.length).toBeGreaterThan(100)
    await expect(providers[0]!.broadcastTransaction(raw)).rejects.toThrow(/nonce too low/)
  })
})
