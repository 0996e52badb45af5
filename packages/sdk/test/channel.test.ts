import { afterEach, describe, expect, it } from 'vitest'
import {
  type ChainLog,
  type ChannelTransport,
  ChannelType,
  channelFiltersMax,
  channelPendingMax,
  channelTopicsMax,
  createAccount,
  createChannelTransport,
  createClient,
  createFrameDecoder,
  deploy,
  encodeFrame,
  frameHeaderBytes,
  isSDKError,
  watchEvents,
} from '../src/index.js'
import { FakeChain } from './support/fake-chain.js'
import { type ChannelNode, frameBytes, makeCerts, startChannelNode } from './support/servers.js'
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
  { type: 'event', name: 'Set', inputs: [{ name: 'v', type: 'string', indexed: false }], anonymous: false },
] as const
const bytecode = '0x6080604052348015600f57600080fd5b50603f80601d6000396000f3fe'

const certs = makeCerts()
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

async function connect(
  node: ChannelNode,
  extra: Partial<Parameters<typeof createChannelTransport>[0]> = {},
): Promise<ChannelTransport> {
  const t = await createChannelTransport({
    host: '127.0.0.1',
    port: node.port,
    tls: { ca: certs.ca, ...certs.sdk },
    timeoutMs: 2000,
    heartbeatMs: 0,
    ...extra,
  })
  closers.push(() => t.close())
  return t
}

async function startNode(chain = new FakeChain(), options = {}): Promise<ChannelNode> {
  const node = await startChannelNode(chain, certs, options)
  closers.push(() => node.close())
  return node
}

describe('channel frame codec', () => {
  it('encodes the 42-byte header and decodes split and coalesced chunks (interop.md §3.2)', () => {
    const seq = '2fb9d793821a41baba946f76ef15160a' // a seq from the Node.js SDK capture
    const body = new TextEncoder().encode('{"jsonrpc":"2.0","method":"getBlockNumber","params":[1],"id":1}')
    const bytes = encodeFrame({ type: ChannelType.rpc, seq, result: 0, body })
    // The same bytes as the independent test-server encoder.
    expect(Buffer.from(bytes)).toEqual(frameBytes({ type: 0x12, seq, result: 0, body: Buffer.from(body) }))
    expect(Buffer.from(bytes).readUInt32BE(0)).toBe(frameHeaderBytes + body.length)
    const dec = createFrameDecoder()
    const two = Buffer.concat([bytes, bytes])
    expect(dec.push(two.subarray(0, 10))).toEqual([])
    const frames = dec.push(two.subarray(10))
    expect(frames).toHaveLength(2)
    expect(frames[1]).toMatchObject({ type: 0x12, seq, result: 0 })
    expect(new TextDecoder().decode(frames[1]!.body)).toContain('getBlockNumber')
  })

  it('rejects a declared length over the limit or under the header', () => {
    const big = Buffer.alloc(42)
    big.writeUInt32BE(1025, 0)
    expect(() => createFrameDecoder(1024).push(big)).toThrow(/declared length 1025/)
    const small = Buffer.alloc(42)
    small.writeUInt32BE(41, 0)
    expect(() => createFrameDecoder().push(small)).toThrow(/declared length 41/)
  })
})

describe('channel transport over TLS 1.2 (secp256k1 certificates)', () => {
  it('handshake, JSON-RPC by seq, heartbeat in the negotiated version', async () => {
    const node = await startNode()
    const t = await connect(node, { heartbeatMs: 30 })
    expect(t.protocolVersion).toBe(3)
    const [a, b] = await Promise.all([
      t.request('getBlockNumber', [1]),
      t.request('getSystemConfigByKey', [1, 'tx_count_limit']),
    ])
    expect(a).toBe('0x7')
    expect(b).toBe('1000')
    await until(() => node.received.some((f) => f.type === 0x13), 'a heartbeat')
    const hb = node.received.filter((f) => f.type === 0x13)
    expect(JSON.parse(hb[0]!.body.toString())).toEqual({ heartBeat: 0 })
    const batch = await t.batch([
      { method: 'getBlockNumber', params: [1] },
      { method: 'nope', params: [1] },
    ])
    expect(batch[0]).toEqual({ ok: true, result: '0x7' })
    expect(batch[1]!.ok).toBe(false)
  })

  it('without handshake stays v1 like the FISCO Node.js SDK; v1 heartbeat body is "0"', async () => {
    const node = await startNode()
    const t = await connect(node, { handshake: false, heartbeatMs: 20 })
    expect(t.protocolVersion).toBe(1)
    await until(() => node.received.some((f) => f.type === 0x13), 'a heartbeat')
    expect(node.received.some((f) => f.type === 0x13 && f.body.toString() === '0')).toBe(true)
    expect(node.received.some((f) => f.type === 0x14)).toBe(false)
  })

  it('a lost heartbeat closes the connection and fails later requests', async () => {
    const node = await startNode(new FakeChain(), { ignoreHeartbeat: true })
    const t = await connect(node, { heartbeatMs: 30 })
    // Requests succeed until the unanswered heartbeat closes the connection; after that every
    // request fails with SDK_TRANSPORT_CLOSED.
    let err: unknown
    const deadline = performance.now() + 10_000
    while (err === undefined && performance.now() < deadline) {
      err = await t.request('getBlockNumber', [1]).then(
        () => undefined,
        (e: unknown) => e,
      )
      if (err === undefined) await new Promise((r) => setTimeout(r, 10))
    }
    expect(isSDKError(err, 'SDK_TRANSPORT_CLOSED')).toBe(true)
    const again = await t.request('getBlockNumber', [1]).catch((e: unknown) => e)
    expect(isSDKError(again, 'SDK_TRANSPORT_CLOSED')).toBe(true)
  })

  it('refuses a node whose certificate is not from the configured chain CA', async () => {
    const node = await startNode()
    const err = await createChannelTransport({
      host: '127.0.0.1',
      port: node.port,
      tls: { ca: certs.strangerCa, ...certs.sdk },
      timeoutMs: 2000,
    }).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_TRANSPORT_FAILED')).toBe(true)
  })

  it('sendRawTransaction resolves with the 0x1000 receipt push on the same seq; deploy/write/read through the client', async () => {
    const chain = new FakeChain({ suite: 'sm' })
    const node = await startNode(chain)
    const t = await connect(node)
    const client = createClient({
      transport: t,
      account: createAccount('sm'),
      receiptTimeoutMs: 3000,
      pollIntervalMs: 5000,
    })
    const { contract } = await deploy(client, { abi: storeAbi, bytecode })
    const w = await contract.write('set', ['over channel'])
    expect(w.events[0]).toMatchObject({ eventName: 'Set', args: { v: 'over channel' } })
    expect(await contract.read('get')).toBe('over channel')
    // receipts came by push: the client never polled getTransactionReceipt (poll period 5 s)
    expect(chain.requests.filter((r) => r.method === 'getTransactionReceipt')).toHaveLength(0)
  })

  it('block notify: subscribes _block_notify_1 (0x32) and receives each new height', async () => {
    const chain = new FakeChain()
    const node = await startNode(chain)
    const t = await connect(node)
    const heights: number[] = []
    const off = t.onBlockNumber(1, (n) => heights.push(n))
    await until(() => node.received.some((f) => f.type === 0x32), 'the block-notify subscription')
    const sub = node.received.filter((f) => f.type === 0x32).at(-1)
    expect(JSON.parse(sub!.body.toString())).toEqual(['_block_notify_1'])
    const client = createClient({ transport: t, account: createAccount('ecdsa') })
    await client.transact({ to: null, data: bytecode })
    await client.transact({ to: null, data: bytecode })
    // the notify follows the receipt push of the same commit
    await until(() => heights.length >= 2, 'two block notifications')
    expect(heights).toEqual([8, 9])
    off()
  })

  it('AMOP: unicast request/reply between two SDK connections, multicast, and result 100 with no subscriber', async () => {
    const node = await startNode()
    const alice = await connect(node)
    const bob = await connect(node)
    const got: string[] = []
    bob.subscribeTopic('orders', (payload) => {
      got.push(new TextDecoder().decode(payload))
      return `ack ${new TextDecoder().decode(payload)}`
    })
    await until(
      () => node.received.some((f) => f.type === 0x32 && f.body.toString().includes('orders')),
      "bob's topic subscription",
    )
    const reply = await alice.publish('orders', 'order-1')
    expect(new TextDecoder().decode(reply)).toBe('ack order-1')
    await alice.broadcast('orders', 'all')
    await until(() => got.length >= 2, 'the multicast')
    expect(got).toEqual(['order-1', 'all'])
    const err = await alice.publish('nobody', 'x').catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_CHANNEL_RESULT') && err.type.result).toBe(100)
  })

  it('event subscription by channel push (0x15 filter, 0x1002 logs)', async () => {
    const chain = new FakeChain()
    const node = await startNode(chain)
    const t = await connect(node)
    const client = createClient({ transport: t, account: createAccount('ecdsa') })
    const { contract } = await deploy(client, { abi: storeAbi, bytecode })
    const seen: ChainLog[] = []
    const stop = contract.watchEvents({ eventName: 'Set', onLogs: (l) => seen.push(...l) })
    await until(() => node.received.some((f) => f.type === 0x15), 'the event filter registration')
    const reg = node.received.find((f) => f.type === 0x15)!
    expect(reg.body[0]).toBe(1) // empty topic prefix
    expect(JSON.parse(reg.body.subarray(1).toString())).toMatchObject({
      groupID: '1',
      addresses: [contract.address],
      toBlock: 'latest',
    })
    await contract.write('set', ['pushed'])
    await until(() => seen.length > 0, 'the pushed log')
    expect(seen[0]).toMatchObject({ eventName: 'Set', args: { v: 'pushed' }, blockNumber: 9 })
    stop()
    const heightQueries = () => chain.requests.filter((r) => r.method === 'getBlockNumber').length
    const queried = heightQueries()
    const stopPoll = watchEvents(client, { mode: 'poll', abi: storeAbi, onLogs: (l) => seen.push(...l) })
    // The poller starts after the height it reads first, and polls again on each block notify.
    await until(() => heightQueries() > queried, "the poller's first height query")
    await until(
      () => node.received.some((f) => f.type === 0x32 && f.body.toString().includes('_block_notify_1')),
      'the block-notify subscription',
    )
    await contract.write('set', ['polled on notify'])
    await until(() => seen.length >= 2, 'the polled log')
    stopPoll()
    expect(seen[1]).toMatchObject({ args: { v: 'polled on notify' } })
  })

  it(`topic set is bounded by channelTopicsMax (${channelTopicsMax})`, async () => {
    const node = await startNode()
    const t = await connect(node)
    for (let i = 0; i < channelTopicsMax; i++) t.subscribeTopic(`t${i}`, () => undefined)
    expect(() => t.subscribeTopic('one-more', () => undefined)).toThrow(/channelTopicsMax/)
  })

  it(`requests in flight are bounded by channelPendingMax (${channelPendingMax}); closing fails them all`, async () => {
    const node = await startNode(new FakeChain(), { silent: true })
    const t = await createChannelTransport({
      host: '127.0.0.1',
      port: node.port,
      tls: { ca: certs.ca, ...certs.sdk },
      handshake: false,
      heartbeatMs: 0,
      timeoutMs: 30_000,
    })
    const inFlight = Array.from({ length: channelPendingMax }, () =>
      t.request('getBlockNumber', [1]).catch((e: unknown) => e),
    )
    const over = await t.request('getBlockNumber', [1]).catch((e: unknown) => e)
    expect(isSDKError(over, 'SDK_LIMIT_REACHED') && over.type.limit).toBe('channelPendingMax')
    await t.close()
    const results = await Promise.all(inFlight)
    expect(results.every((e) => isSDKError(e, 'SDK_TRANSPORT_CLOSED'))).toBe(true)
  })

  it(`event filters are bounded by channelFiltersMax (${channelFiltersMax})`, async () => {
    const node = await startNode()
    const t = await connect(node)
    const filter = { groupId: 1, fromBlock: 'latest', toBlock: 'latest', addresses: [], topics: [] }
    for (let i = 0; i < channelFiltersMax; i++) await t.registerEventFilter(filter, () => {})
    const err = await t.registerEventFilter(filter, () => {}).catch((e: unknown) => e)
    expect(isSDKError(err, 'SDK_LIMIT_REACHED') && err.type.limit).toBe('channelFiltersMax')
  })
})
