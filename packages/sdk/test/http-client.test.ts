import { parseAbi } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type ChainLog,
  createAccount,
  createClient,
  createHttpTransport,
  deploy,
  getContract,
  getLogs,
  httpBatchMax,
  httpResponseBytesMax,
  isSDKError,
  logsBlockRangeMax,
  watchEvents,
} from '../src/index.js'
import examples from './fixtures/fisco-api-examples.json' with { type: 'json' }
import { FakeChain } from './support/fake-chain.js'
import { startHttpNode } from './support/servers.js'
import { until } from './support/until.js'

const storeAbi = [
  {
    type: 'function',
    name: 'set',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'v', type: 'string' }],
    outputs: [],
  },
  {
    type: 'function',
    name: 'get',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'string' }],
  },
  {
    type: 'function',
    name: 'fail',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'reason', type: 'string' }],
    outputs: [],
  },
  { type: 'event', name: 'Set', inputs: [{ name: 'v', type: 'string', indexed: false }], anonymous: false },
] as const
const bytecode = '0x6080604052348015600f57600080fd5b50603f80601d6000396000f3fe'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0)) await c()
})

async function setup(
  suite: 'ecdsa' | 'sm' = 'ecdsa',
  chainInit: ConstructorParameters<typeof FakeChain>[0] = {},
  nodeOptions = {},
) {
  const chain = new FakeChain({ suite, ...chainInit })
  const node = await startHttpNode(chain, nodeOptions)
  const transport = createHttpTransport({ url: node.url, timeoutMs: 2000, retryDelayMs: 5 })
  const client = createClient({
    transport,
    account: createAccount(suite),
    pollIntervalMs: 10,
    receiptTimeoutMs: 3000,
  })
  closers.push(
    () => node.close(),
    () => client.close(),
  )
  return { chain, node, client, transport }
}

describe('HTTP transport against a real HTTP server (shapes from FISCO api.md examples)', () => {
  it('reads node state in the documented shapes', async () => {
    const { client } = await setup()
    expect(await client.getBlockNumber()).toBe(7)
    const ex = examples.examples
    expect(await client.getSealerList()).toEqual(ex.getSealerList.response.result)
    expect(await client.getObserverList()).toEqual(ex.getObserverList.response.result)
    expect((await client.getClientVersion())['Chain Id']).toBe('1')
    expect(await client.getPeers()).toEqual(ex.getPeers.response.result)
    expect(await client.getGroupList()).toEqual([1])
    expect(await client.getSystemConfigByKey('tx_count_limit')).toBe('1000')
    expect(await client.getTotalTransactionCount()).toEqual({ blockNumber: 7, txSum: 0, failedTxSum: 0 })
    expect(await client.getPbftView()).toBe(0x1a0)
  })

  it('maps JSON-RPC errors to typed errors with the FISCO code', async () => {
    const { client } = await setup()
    const err = await client.getSystemConfigByKey('nope').catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_RPC_ERROR')).toBe(true)
    if (isSDKError(err, 'SDK_RPC_ERROR')) expect(err.type.rpcCode).toBe(-40008)
    const unknown = await client.rpc('noSuchMethod', [1]).catch((e: unknown) => e)
    expect(isSDKError(unknown, 'SDK_RPC_ERROR') && unknown.type.rpcCode).toBe(-32601)
  })

  it('batches: answers matched by id although the server answers in reverse order; splits at httpBatchMax', async () => {
    const { transport, node } = await setup()
    const requests = Array.from({ length: httpBatchMax + 5 }, (_, i) =>
      i % 2 === 0
        ? { method: 'getBlockNumber', params: [1] }
        : { method: 'getSystemConfigByKey', params: [1, 'tx_gas_limit'] },
    )
    const before = node.posts
    const results = await transport.batch(requests)
    expect(node.posts - before).toBe(2)
    expect(results).toHaveLength(httpBatchMax + 5)
    for (const [i, r] of results.entries()) {
      expect(r).toEqual({ ok: true, result: i % 2 === 0 ? '0x7' : '300000000' })
    }
  })

  it('retries a 503 and then succeeds; gives up after `retries`', async () => {
    const { client, node } = await setup('ecdsa', {}, { failFirst: 2 })
    expect(await client.getBlockNumber()).toBe(7)
    expect(node.posts).toBe(3)
    const chain = new FakeChain()
    const bad = await startHttpNode(chain, { failFirst: 10 })
    closers.push(() => bad.close())
    const t = createHttpTransport({ url: bad.url, retries: 1, retryDelayMs: 1 })
    const err = await t.request('getBlockNumber', [1]).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_TRANSPORT_FAILED')).toBe(true)
    expect(bad.posts).toBe(2)
  })

  it('times out with SDK_TIMEOUT', async () => {
    const { url } = await (async () => {
      const chain = new FakeChain()
      const n = await startHttpNode(chain, { delayMs: 500 })
      closers.push(() => n.close())
      return n
    })()
    const t = createHttpTransport({ url, timeoutMs: 50, retries: 0 })
    const err = await t.request('getBlockNumber', [1]).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_TIMEOUT')).toBe(true)
  })
})

describe('client over HTTP', () => {
  for (const suite of ['ecdsa', 'sm'] as const) {
    it(`${suite}: deploy, typed write/read, events, revert reason`, async () => {
      const { client, chain } = await setup(suite)
      const { contract, receipt } = await deploy(client, { abi: storeAbi, bytecode })
      expect(receipt.status).toBe(0)
      const w = await contract.write('set', ['hello'])
      expect(w.receipt.statusName).toBe('None')
      expect(w.events).toEqual([expect.objectContaining({ eventName: 'Set', args: { v: 'hello' } })])
      const value: string = await contract.read('get')
      // Types come from the `as const` ABI: unknown names and wrong argument types do not compile.
      // @ts-expect-error 'nope' is not a function of the ABI
      expect(() => contract.read('nope')).toBeDefined()
      // @ts-expect-error set takes a string
      await expect(contract.write('set', [1n])).rejects.toThrow()
      expect(value).toBe('hello')
      // the node saw the chain's selector: SM3 on guomi chains
      const sent = chain.txs.get(w.txHash)!
      expect(sent.input.slice(0, 10)).toBe(client.abi.selector('set(string)'))
      expect(client.abi.selector('set(string)')).toBe(suite === 'sm' ? '0x3590b49f' : '0x4ed3885e')
      const err = await contract.write('fail', ['no funds']).catch((e: unknown) => e)
      expect(isSDKError(err, 'SDK_TX_FAILED')).toBe(true)
      if (isSDKError(err, 'SDK_TX_FAILED')) {
        expect(err.type.status).toBe(22)
        expect(err.type.statusName).toBe('RevertInstruction')
        expect(err.type.revertReason).toBe('no funds')
      }
      const logs = await getLogs(client, {
        fromBlock: 8,
        address: contract.address,
        abi: storeAbi,
        eventName: 'Set',
      })
      expect(logs.map((l) => l.args)).toEqual([{ v: 'hello' }])
    })
  }

  it('blockLimit = height + 500, refreshed and retried once on BlockLimitCheckFail', async () => {
    const { client, chain } = await setup('ecdsa', {
      refuseNext: { status: 'BlockLimitCheckFail', count: 1 },
    })
    expect(await client.blockLimit()).toBe(507n)
    const { contract } = await deploy(client, { abi: storeAbi, bytecode })
    expect(chain.requests.filter((r) => r.method === 'sendRawTransaction')).toHaveLength(2)
    // twice refused: the error surfaces with the FISCO status
    chain.refuseNext = { status: 'BlockLimitCheckFail', count: 2 }
    const err = await contract.write('set', ['x']).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_TX_REJECTED')).toBe(true)
    if (isSDKError(err, 'SDK_TX_REJECTED'))
      expect(err.type).toMatchObject({ status: 16, statusName: 'BlockLimitCheckFail' })
  })

  it('stale cached height: a chain that moved past the cached blockLimit window is caught by the retry', async () => {
    const { client, chain } = await setup('ecdsa')
    await client.blockLimit() // caches height 7 → blockLimit 507
    chain.height = 2000 // the chain moves on within the TTL
    const pending = await client.sendTransaction({ to: null, data: bytecode })
    expect((await pending.wait()).status).toBe(0)
  })

  it('nonce reuse is refused with NonceCheckFail (status 15), not retried', async () => {
    const { client } = await setup('ecdsa')
    const signed = await client.signTransaction({ to: null, data: bytecode })
    await client.sendRawTransaction(signed.raw)
    const err = await client.sendRawTransaction(signed.raw).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_TX_REJECTED') && err.type.status).toBe(15)
  })

  it('waitForReceipt times out with a typed error', async () => {
    const { client, chain } = await setup('ecdsa', { autoMine: false })
    const pending = await client.sendTransaction({ to: null, data: bytecode })
    const err = await pending.wait({ timeoutMs: 60 }).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_RECEIPT_TIMEOUT')).toBe(true)
    chain.mine()
    expect((await pending.wait()).transactionHash).toBe(pending.txHash)
  })

  it('watchEvents polls new blocks and decodes logs', async () => {
    const { chain, client } = await setup('ecdsa')
    const { contract } = await deploy(client, { abi: storeAbi, bytecode })
    const seen: ChainLog[] = []
    const heightQueries = () => chain.requests.filter((r) => r.method === 'getBlockNumber').length
    const queried = heightQueries()
    const stop = watchEvents(client, {
      address: contract.address,
      abi: storeAbi,
      pollIntervalMs: 10,
      onLogs: (l) => seen.push(...l),
    })
    // The poller starts after the height it reads first.
    await until(() => heightQueries() > queried, "the poller's first height query")
    await contract.write('set', ['a'])
    await contract.write('set', ['b'])
    await until(() => seen.length >= 2, 'both logs')
    stop()
    expect(seen.map((l) => l.args)).toEqual([{ v: 'a' }, { v: 'b' }])
  })

  it('getContract with a plain Abi (untyped) and a call that needs no account', async () => {
    const { client } = await setup('ecdsa')
    const { address } = await deploy(client, { abi: storeAbi, bytecode })
    const plain = getContract(client, { abi: parseAbi(['function get() view returns (string)']), address })
    expect(await plain.read('get')).toBe('')
    const noAccount = createClient({ transport: client.transport })
    const err = await noAccount.sendTransaction({ to: address, data: '0x' }).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_NO_ACCOUNT')).toBe(true)
  })

  it(`getLogs scans at most logsBlockRangeMax (${logsBlockRangeMax}) blocks per call`, async () => {
    const { client, chain } = await setup('ecdsa')
    const before = chain.requests.length
    const err = await getLogs(client, { fromBlock: 0, toBlock: logsBlockRangeMax }).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_LIMIT_REACHED') && err.type.limit).toBe('logsBlockRangeMax')
    expect(chain.requests.length).toBe(before)
  })

  it(`responses over httpResponseBytesMax are refused from the declared length`, async () => {
    const node = await startHttpNode(new FakeChain(), { hugeBody: httpResponseBytesMax + 1 })
    closers.push(() => node.close())
    const t = createHttpTransport({ url: node.url, retries: 0 })
    const err = await t.request('getBlockNumber', [1]).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_TRANSPORT_FAILED') && err.type.reason).toMatch(/httpResponseBytesMax/)
  })
})
