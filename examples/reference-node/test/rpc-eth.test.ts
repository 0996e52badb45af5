/**
 * The read-only Ethereum JSON-RPC of a group, read by viem's public client (an Ethereum tool
 * unchanged) on a running single-node chain.
 */

import { createPublicClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ETH_METHODS } from '../src/rpc/eth.js'
import { type RunningServer, startRpcServer } from '../src/rpc/http-server.js'
import { hexOf, postJSON, STORE_INIT, STORE_RUNTIME, startTestChain, type TestChain } from './rpc-helpers.js'

const word = (n: number) => n.toString(16).padStart(64, '0')

describe('Ethereum JSON-RPC (read-only) through viem', () => {
  let chain: TestChain
  let server: RunningServer
  let client: ReturnType<typeof createPublicClient>
  let contract: `0x${string}`
  let setHash: `0x${string}`
  let deployHash: `0x${string}`

  beforeAll(async () => {
    chain = await startTestChain()
    server = await startRpcServer({ host: '127.0.0.1', port: 0, node: chain.node, ethGroupId: 1 })
    client = createPublicClient({ transport: http(`http://127.0.0.1:${server.port}`) })
    const deploy = chain.signTx({ nonce: 1n, to: null, data: Buffer.from(STORE_INIT, 'hex') })
    await chain.backend.submit(deploy)
    deployHash = `0x${hexOf(chain.suite.hash(deploy))}`
    await chain.waitForHeight(1)
    const deployed = await chain.backend.receipt(chain.suite.hash(deploy))
    contract = `0x${hexOf(deployed!.receipt.contractAddress)}`
    const set = chain.signTx({
      nonce: 2n,
      to: Buffer.from(contract.slice(2), 'hex'),
      data: Buffer.from(word(5), 'hex'),
    })
    await chain.backend.submit(set)
    setHash = `0x${hexOf(chain.suite.hash(set))}`
    await chain.waitForHeight(2)
  })
  afterAll(async () => {
    await server?.close()
    await chain?.close()
  })

  it('reads chain id, height, blocks and code', async () => {
    expect(await client.getChainId()).toBe(1)
    expect(await client.getBlockNumber()).toBe(2n)
    const block = await client.getBlock({ blockNumber: 1n, includeTransactions: true })
    expect(block.number).toBe(1n)
    expect(block.transactions[0]!.hash).toBe(deployHash)
    expect(Number(block.timestamp)).toBeLessThan(Date.now() / 1000 + 1)
    expect((await client.getBlock({ blockHash: block.hash! })).number).toBe(1n)
    expect(await client.getCode({ address: contract })).toBe(`0x${STORE_RUNTIME}`)
    expect(await client.getBalance({ address: contract })).toBe(0n)
  })

  it('reads transactions and receipts with Ethereum status and contract address', async () => {
    const tx = await client.getTransaction({ hash: setHash })
    expect(tx.from).toBe('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
    expect(tx.to).toBe(contract)
    const deployReceipt = await client.getTransactionReceipt({ hash: deployHash })
    expect(deployReceipt.status).toBe('success')
    expect(deployReceipt.contractAddress).toBe(contract)
    expect(deployReceipt.to).toBeNull()
    const receipt = await client.getTransactionReceipt({ hash: setHash })
    expect(receipt.contractAddress).toBeNull()
    expect(receipt.logs[0]!.topics).toEqual([`0x${word(5)}`])
  })

  it('calls, estimates gas and filters logs', async () => {
    expect((await client.call({ to: contract, data: '0x' })).data).toBe(`0x${word(5)}`)
    expect(await client.estimateGas({ to: contract, data: `0x${word(9)}` })).toBeGreaterThan(21_000n)
    const logs = await client.getLogs({ address: contract, fromBlock: 0n, toBlock: 'latest' })
    expect(logs.map((l) => l.transactionHash)).toEqual([setHash])
    expect(await client.getLogs({ address: contract, fromBlock: 0n, toBlock: 1n })).toEqual([])
  })

  it('routes eth_sendRawTransaction and eth_getTransactionCount through NodeBackend.eth when present', async () => {
    const seen: string[] = []
    const withEth = await startRpcServer({
      host: '127.0.0.1',
      port: 0,
      ethGroupId: 1,
      node: {
        ...chain.node,
        eth: {
          async submit(groupId, raw) {
            seen.push(`${groupId}:${hexOf(raw)}`)
            return raw[0] === 0x02
              ? { ok: true, hash: chain.suite.hash(raw) }
              : { ok: false, message: 'nonce too low' }
          },
          nonce: async (_g, _a, pending) => (pending ? 3n : 2n),
        },
      },
    })
    try {
      const call = async (method: string, params: unknown[]) =>
        (await postJSON(withEth.port, JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 })))
          .json as Record<string, unknown>
      expect((await call('eth_sendRawTransaction', ['0x02aa']))['result']).toBe(
        `0x${hexOf(chain.suite.hash(Uint8Array.from([0x02, 0xaa])))}`,
      )
      expect((await call('eth_sendRawTransaction', ['0x01']))['error']).toEqual({
        code: -32000,
        message: 'nonce too low',
      })
      expect(seen).toEqual(['1:02aa', '1:01'])
      const from = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'
      expect((await call('eth_getTransactionCount', [from, 'latest']))['result']).toBe('0x2')
      expect((await call('eth_getTransactionCount', [from, 'pending']))['result']).toBe('0x3')
      expect((await call('eth_getTransactionCount', ['0x12', 'pending']))['error']).toMatchObject({
        code: -32602,
      })
    } finally {
      await withEth.close()
    }
  })

  it('answers -32601 for unknown methods and a clear error for Ethereum-signed transactions', async () => {
    const unknown = (
      await postJSON(server.port, '{"jsonrpc":"2.0","method":"debug_traceTransaction","params":[],"id":1}')
    ).json
    expect(unknown).toMatchObject({ error: { code: -32601 } })
    const send = (
      await postJSON(
        server.port,
        '{"jsonrpc":"2.0","method":"eth_sendRawTransaction","params":["0x02"],"id":1}',
      )
    ).json as { error: { message: string } }
    expect(send.error.message).toContain('not accepted')
    expect(ETH_METHODS).toContain('eth_getLogs')
    const batch = (
      await postJSON(
        server.port,
        JSON.stringify([
          { jsonrpc: '2.0', method: 'eth_chainId', params: [], id: 7 },
          { jsonrpc: '2.0', method: 'net_version', params: [], id: 8 },
        ]),
      )
    ).json
    expect(batch).toEqual([
      { jsonrpc: '2.0', id: 7, result: '0x1' },
      { jsonrpc: '2.0', id: 8, result: '1' },
    ])
  })
})
