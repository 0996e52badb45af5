/**
 * The channel server's bounds: receipt waiters, event filters and topics per connection,
 * connections per server, requests in flight; and the backend's listener bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChannelType, decodeTopicBody, encodeTopicBody } from '../src/channel/frame.js'
import { CHANNEL_TOPICS_MAX, type ChannelServer, startChannelServer } from '../src/channel/server.js'
import { BACKEND_LISTENERS_MAX, SUBMIT_QUEUE_MAX } from '../src/rpc/backend.js'
import { isRpcError } from '../src/rpc/errors.js'
import {
  type ChainCerts,
  type ChannelClient,
  connectChannel,
  createChainCerts,
  text,
} from './channel-helpers.js'
import { hexOf, startTestChain, type TestChain } from './rpc-helpers.js'

const rpcBody = (method: string, params: unknown[]) =>
  Buffer.from(JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }))

describe('channel server limits', () => {
  let chain: TestChain
  let certs: ChainCerts
  let server: ChannelServer
  const clients: ChannelClient[] = []
  const open = async () => {
    const c = await connectChannel(server.port, certs)
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    // Slow ticks: transactions sent together wait together for the next block.
    chain = await startTestChain({ tickMs: 400 })
    certs = createChainCerts()
    server = await startChannelServer({
      host: '127.0.0.1',
      port: 0,
      node: chain.node,
      tls: { certPem: certs.node.chainPem, keyPem: certs.node.keyPem, caPem: certs.ca.certPem },
      receiptWaitersMax: 1,
      filtersMax: 1,
      inflightMax: 2,
      connectionsMax: 3,
    })
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await server?.close()
    await chain?.close()
  })

  it('pushes receipts for at most receiptWaitersMax pending transactions per connection', async () => {
    const c = await open()
    const a = chain.signTx({ nonce: 1n, to: null, data: new Uint8Array(0) })
    const b = chain.signTx({ nonce: 2n, to: null, data: new Uint8Array(0) })
    const seqA = c.send({ type: ChannelType.RPC, body: rpcBody('sendRawTransaction', [1, hexOf(a)]) })
    const seqB = c.send({ type: ChannelType.RPC, body: rpcBody('sendRawTransaction', [1, hexOf(b)]) })
    await c.next((f) => f.type === ChannelType.RPC && f.seq === seqA)
    await c.next((f) => f.type === ChannelType.RPC && f.seq === seqB)
    const push = await c.next((f) => f.type === ChannelType.RECEIPT_PUSH)
    expect(push.seq).toBe(seqA)
    const hashB = `0x${hexOf(chain.suite.hash(b))}`
    // b commits too, but over the bound it gets no push
    for (let i = 0; i < 200 && (await chain.backend.receipt(chain.suite.hash(b))) === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20))
    }
    expect(await chain.backend.receipt(chain.suite.hash(b))).toBeDefined()
    const probe = c.send({ type: ChannelType.RPC, body: rpcBody('getTransactionReceipt', [1, hashB]) })
    await c.next((f) => f.seq === probe)
    expect(c.inbox.filter((f) => f.type === ChannelType.RECEIPT_PUSH)).toEqual([])
  })

  it('refuses event filters beyond filtersMax with -41001', async () => {
    const c = await open()
    const register = async (filterID: string) => {
      const seq = c.send({
        type: ChannelType.EVENT_FILTER_REGISTER,
        body: encodeTopicBody(
          '',
          Buffer.from(JSON.stringify({ fromBlock: 'latest', toBlock: 'latest', groupID: '1', filterID })),
        ),
      })
      const reply = await c.next((f) => f.seq === seq)
      return JSON.parse(Buffer.from(decodeTopicBody(reply.body).payload).toString())
    }
    expect(await register('1'.repeat(32))).toEqual({ result: 0 })
    expect(await register('2'.repeat(32))).toEqual({ result: -41001 })
  })

  it('closes a connection subscribing more than CHANNEL_TOPICS_MAX topics', async () => {
    const c = await open()
    const topics = Array.from({ length: CHANNEL_TOPICS_MAX + 1 }, (_, i) => `t${i}`)
    c.send({ type: ChannelType.AMOP_SUBSCRIBE, body: Buffer.from(JSON.stringify(topics)) })
    await c.closed()
  })

  it('answers every request when more than inflightMax arrive at once', async () => {
    const c = await open()
    const seqs = Array.from({ length: 10 }, () =>
      c.send({ type: ChannelType.RPC, body: rpcBody('getBlockNumber', [1]) }),
    )
    for (const seq of seqs) expect(JSON.parse(text(await c.next((f) => f.seq === seq))).result).toMatch(/^0x/)
  })

  it('accepts at most connectionsMax connections', async () => {
    for (const c of clients.splice(0)) c.close()
    await new Promise((r) => setTimeout(r, 100))
    const kept = [await open(), await open(), await open()]
    const extra = await connectChannel(server.port, certs).catch((e: Error) => e)
    if (!(extra instanceof Error)) await extra.closed()
    const seq = kept[2]!.send({ type: ChannelType.RPC, body: rpcBody('getGroupList', []) })
    expect(JSON.parse(text(await kept[2]!.next((f) => f.seq === seq))).result).toEqual([1])
  })

  it('refuses admissions beyond SUBMIT_QUEUE_MAX waiting in one turn with status 28', async () => {
    const garbage = Uint8Array.from([0xc0])
    const pending = Array.from({ length: SUBMIT_QUEUE_MAX + 1 }, () => chain.backend.submit(garbage))
    const results = await Promise.all(pending)
    expect(results[SUBMIT_QUEUE_MAX]).toMatchObject({ ok: false, status: 28, reason: 'SUBMIT_QUEUE_FULL' })
    expect(results[0]).toMatchObject({ ok: false, status: 10005 })
    expect(results.filter((r) => !r.ok && r.status === 28).length).toBe(1)
  })

  it('bounds the listeners of a group backend', () => {
    const offs: (() => void)[] = []
    let thrown: unknown
    try {
      for (let i = 0; i <= BACKEND_LISTENERS_MAX; i++) offs.push(chain.backend.onDropped(() => undefined))
    } catch (err) {
      thrown = err
    }
    expect(offs.length).toBe(BACKEND_LISTENERS_MAX - 1) // the channel server holds one
    expect(isRpcError(thrown, 'RPC_LIMIT')).toBe(true)
    for (const off of offs) off()
  })
})
