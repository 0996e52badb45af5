/**
 * The channel protocol server on a running single-node chain, driven by a TLS client with an
 * SDK certificate: the frames a FISCO Node.js SDK sent (test/fixtures/channel-capture-
 * nodejs-sdk-ecdsa.json) get the documented replies, receipt pushes and block notifications
 * (reference/interop.md §3); heartbeat, handshake, event-log filters, AMOP; malformed frames
 * close only their connection.
 */
import { readFileSync } from 'node:fs'
import { createAMOP } from '@consortia/p2p'
import { createMemoryNetwork } from '@consortia/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ChannelFrame,
  ChannelType,
  decodeTopicBody,
  encodeTopicBody,
  ZERO_SEQ,
} from '../src/channel/frame.js'
import { type ChannelServer, startChannelServer } from '../src/channel/server.js'
import type { NodeBackend } from '../src/rpc/backend.js'
import {
  type ChainCerts,
  type ChannelClient,
  connectChannel,
  createChainCerts,
  text,
} from './channel-helpers.js'
import { hexOf, STORE_INIT, startTestChain, type TestChain } from './rpc-helpers.js'

interface CapturedFrame {
  readonly type?: string
  readonly seq?: string
  readonly body?: string
  readonly event?: string
  readonly protocol?: string
  readonly cipher?: { name: string }
  readonly decoded?: { txHash: string; sender: string }
}
const capture: CapturedFrame[] = JSON.parse(
  readFileSync(new URL('./fixtures/channel-capture-nodejs-sdk-ecdsa.json', import.meta.url), 'utf8'),
).frames

const json = (f: ChannelFrame) => JSON.parse(text(f)) as Record<string, unknown>
const rpcFrame = (method: string, params: unknown[]) => ({
  type: ChannelType.RPC,
  body: Buffer.from(JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 })),
})

describe('channel protocol server', () => {
  let chain: TestChain
  let certs: ChainCerts
  let server: ChannelServer
  let node: NodeBackend
  const clients: ChannelClient[] = []
  const open = async (
    ...args: Parameters<typeof connectChannel> extends [number, ChainCerts, ...infer R] ? R : never
  ) => {
    const c = await connectChannel(server.port, certs, ...args)
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    chain = await startTestChain()
    certs = createChainCerts()
    const amop = createAMOP({}, { transport: createMemoryNetwork().createTransport(chain.node.nodeId) })
    node = { ...chain.node, connectAMOP: () => amop.connectClient(), topics: () => amop.topics() }
    server = await startChannelServer({
      host: '127.0.0.1',
      port: 0,
      node,
      tls: { certPem: certs.node.chainPem, keyPem: certs.node.keyPem, caPem: certs.ca.certPem },
      frameBytesMax: 64 * 1024,
    })
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await server?.close()
    await chain?.close()
  })

  it('serves TLS 1.2 with ECDHE-ECDSA on secp256k1 certificates, as the captured SDK session', async () => {
    const c = await open()
    const tlsEvent = capture.find((f) => f.event === 'tls-connected')!
    expect(c.socket.getProtocol()).toBe(tlsEvent.protocol)
    expect(c.socket.getCipher().name).toBe(tlsEvent.cipher!.name)
    expect(c.socket.getPeerCertificate().subject.CN).toBe('node0')
  })

  it('refuses clients without a certificate or with one from another CA', async () => {
    const noCert = await connectChannel(server.port, certs, null).catch((e: Error) => e)
    if (!(noCert instanceof Error)) {
      // TLS 1.2 may finish the client side before the server's alert arrives.
      await noCert.closed()
    }
    const other = createChainCerts()
    const foreign = await connectChannel(server.port, certs, other.sdk).catch((e: Error) => e)
    if (!(foreign instanceof Error)) await foreign.closed()
    expect(server.connections).toBeLessThanOrEqual(clients.length)
  })

  it('answers the captured Node.js SDK frames as documented: replies, receipt pushes, block notify', async () => {
    const c = await open()
    const frames = capture.filter((f) => f.type !== undefined)
    let height = chain.backend.blockNumber()
    for (const f of frames) {
      const type = Number.parseInt(f.type!, 16)
      c.send({ type, seq: f.seq!, body: Buffer.from(f.body!, 'utf8') })
      if (type === ChannelType.AMOP_SUBSCRIBE) continue // no reply
      const reply = await c.next((r) => r.type === ChannelType.RPC && r.seq === f.seq)
      expect(reply.result).toBe(0)
      const answer = json(reply)
      const request = JSON.parse(f.body!) as { method: string; id: number }
      expect(answer['id']).toBe(request.id)
      expect(answer['error']).toBeUndefined()
      switch (request.method) {
        case 'getBlockNumber':
          expect(answer['result']).toBe(`0x${height.toString(16)}`)
          break
        case 'getClientVersion':
          expect((answer['result'] as Record<string, string>)['Chain Id']).toBe('1')
          break
        case 'sendRawTransaction': {
          expect(answer['result']).toBe(f.decoded!.txHash)
          // 0x1000 on the same seq with the bare receipt
          const push = await c.next((r) => r.type === ChannelType.RECEIPT_PUSH)
          expect(push.seq).toBe(f.seq)
          expect(push.result).toBe(0)
          const receipt = json(push)
          expect(receipt['transactionHash']).toBe(f.decoded!.txHash)
          expect(receipt['from']).toBe(f.decoded!.sender.toLowerCase())
          expect(Object.keys(receipt).sort()).toEqual(
            [
              'blockHash',
              'blockNumber',
              'contractAddress',
              'from',
              'gasUsed',
              'input',
              'logs',
              'logsBloom',
              'output',
              'remainGas',
              'root',
              'status',
              'statusMsg',
              'to',
              'transactionHash',
              'transactionIndex',
            ].sort(),
          )
          height++
          expect(receipt['blockNumber']).toBe(`0x${height.toString(16)}`)
          // 0x1001 to the "_block_notify_1" subscriber: seq all '0', v1 payload "1,<number>"
          const notify = await c.next(
            (r) => r.type === ChannelType.BLOCK_NOTIFY && text(r).endsWith(`1,${height}`),
          )
          expect(notify.seq).toBe(ZERO_SEQ)
          expect(decodeTopicBody(notify.body)).toEqual({
            topic: '_block_notify_1',
            payload: Uint8Array.from(Buffer.from(`1,${height}`)),
          })
          break
        }
        case 'call':
          // The captured call goes to 0xabab…, which holds no code: FISCO's CallAddressError (26).
          expect(answer['result']).toMatchObject({
            currentBlockNumber: `0x${height.toString(16)}`,
            status: '0x1a',
          })
          break
        default:
          throw new Error(`unexpected method ${request.method}`)
      }
    }
  })

  it('answers v1 heartbeats "0" with "1" and ignores empty ones', async () => {
    const c = await open()
    const seq = c.send({ type: ChannelType.HEARTBEAT, body: Buffer.from('0') })
    const beat = await c.next((f) => f.type === ChannelType.HEARTBEAT)
    expect(beat.seq).toBe(seq)
    expect(text(beat)).toBe('1')
    c.send({ type: ChannelType.HEARTBEAT })
    const after = c.send(rpcFrame('getGroupList', []))
    const next = await c.next()
    expect(next.seq).toBe(after) // no heartbeat reply came before it
  })

  it('negotiates v3 in the handshake, then answers heartbeats and notifies blocks in the v2+ form', async () => {
    const c = await open()
    const seq = c.send({
      type: ChannelType.HANDSHAKE,
      body: Buffer.from(JSON.stringify({ minimumSupport: 1, maximumSupport: 3, clientType: 'test' })),
    })
    const hs = await c.next((f) => f.type === ChannelType.HANDSHAKE)
    expect(hs.seq).toBe(seq)
    expect(json(hs)).toEqual({ protocol: 3, nodeVersion: '2.9.0' })
    c.send({ type: ChannelType.HEARTBEAT, body: Buffer.from('{"heartBeat":0}') })
    expect(json(await c.next((f) => f.type === ChannelType.HEARTBEAT))).toEqual({ heartBeat: 1 })

    c.send({ type: ChannelType.AMOP_SUBSCRIBE, body: Buffer.from('["_block_notify_1"]') })
    const tx = chain.signTx({ nonce: 301n, to: null, data: Buffer.from(STORE_INIT, 'hex') })
    const sendSeq = c.send(rpcFrame('sendRawTransaction', [1, `0x${hexOf(tx)}`]))
    const reply = await c.next((f) => f.type === ChannelType.RPC && f.seq === sendSeq)
    expect(json(reply)['result']).toBe(`0x${hexOf(chain.suite.hash(tx))}`)
    const notify = await c.next((f) => f.type === ChannelType.BLOCK_NOTIFY)
    const { topic, payload } = decodeTopicBody(notify.body)
    expect(topic).toBe('_block_notify_1')
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual({
      groupID: 1,
      blockNumber: chain.backend.blockNumber(),
    })
    await c.next((f) => f.type === ChannelType.RECEIPT_PUSH && f.seq === sendSeq)

    // v3 admission is asynchronous: a refused transaction gets its hash, then a receipt with the status.
    const replaySeq = c.send(rpcFrame('sendRawTransaction', [1, `0x${hexOf(tx)}`]))
    expect(json(await c.next((f) => f.type === ChannelType.RPC && f.seq === replaySeq))['result']).toBe(
      `0x${hexOf(chain.suite.hash(tx))}`,
    )
    const refused = json(await c.next((f) => f.type === ChannelType.RECEIPT_PUSH && f.seq === replaySeq))
    expect(refused['status']).toBe('0x2711') // 10001 AlreadyInChain
    expect(refused['statusMsg']).toMatch(/^AlreadyInChain/)
  })

  it('closes the connection on a handshake with a disjoint version range', async () => {
    const c = await open()
    c.send({
      type: ChannelType.HANDSHAKE,
      body: Buffer.from(JSON.stringify({ minimumSupport: 4, maximumSupport: 9, clientType: 'future' })),
    })
    await c.closed()
  })

  it('pushes the receipt with transaction and receipt proofs after sendRawTransactionAndGetProof', async () => {
    const c = await open()
    const tx = chain.signTx({ nonce: 302n, to: null, data: Buffer.from(STORE_INIT, 'hex') })
    const seq = c.send(rpcFrame('sendRawTransactionAndGetProof', [1, hexOf(tx)]))
    expect(json(await c.next((f) => f.type === ChannelType.RPC))['result']).toBe(
      `0x${hexOf(chain.suite.hash(tx))}`,
    )
    const push = json(await c.next((f) => f.type === ChannelType.RECEIPT_PUSH && f.seq === seq))
    expect(push['status']).toBe('0x0')
    expect(push['statusMsg']).toBe('None')
    expect(Array.isArray(push['txProof'])).toBe(true)
    expect(Array.isArray(push['receiptProof'])).toBe(true)
  })

  it('pushes a refused transaction only as the JSON-RPC error reply', async () => {
    const c = await open()
    const seq = c.send(rpcFrame('sendRawTransaction', [1, '0xc0']))
    const reply = json(await c.next((f) => f.seq === seq))
    expect(reply['error']).toMatchObject({ code: -32603, data: { status: '0x2715' } })
    c.send(rpcFrame('getGroupList', []))
    const next = await c.next()
    expect(next.type).toBe(ChannelType.RPC) // no 0x1000 for the refused transaction
  })

  it('registers event-log filters: history, live logs, completion and unregister', async () => {
    const c = await open()
    const deploy = chain.signTx({ nonce: 401n, to: null, data: Buffer.from(STORE_INIT, 'hex') })
    const deploySeq = c.send(rpcFrame('sendRawTransaction', [1, hexOf(deploy)]))
    const deployed = json(await c.next((f) => f.type === ChannelType.RECEIPT_PUSH && f.seq === deploySeq))
    const contract = deployed['contractAddress'] as string
    const setValue = async (nonce: bigint, value: number) => {
      const raw = chain.signTx({
        nonce,
        to: Buffer.from(contract.slice(2), 'hex'),
        data: Buffer.from(value.toString(16).padStart(64, '0'), 'hex'),
      })
      const s = c.send(rpcFrame('sendRawTransaction', [1, hexOf(raw)]))
      return json(await c.next((f) => f.type === ChannelType.RECEIPT_PUSH && f.seq === s))
    }
    const first = await setValue(402n, 7)
    const firstBlock = Number.parseInt(first['blockNumber'] as string, 16)

    const filterID = 'a'.repeat(32)
    const register = (body: Record<string, unknown>, type: number = ChannelType.EVENT_FILTER_REGISTER) => {
      const seq = c.send({ type, body: encodeTopicBody('', Buffer.from(JSON.stringify(body))) })
      return c.next((f) => f.type === type && f.seq === seq)
    }
    const reg = await register({
      fromBlock: String(firstBlock),
      toBlock: 'latest',
      addresses: [contract],
      topics: [],
      groupID: '1',
      filterID,
    })
    expect(decodeTopicBody(reg.body).topic).toBe('')
    expect(JSON.parse(Buffer.from(decodeTopicBody(reg.body).payload).toString())).toEqual({ result: 0 })

    const history = json(await c.next((f) => f.type === ChannelType.EVENT_LOG_PUSH))
    expect(history['filterID']).toBe(filterID)
    expect(history['result']).toBe(0)
    const [log] = history['logs'] as Record<string, unknown>[]
    expect(log).toMatchObject({
      address: contract,
      blockNumber: String(firstBlock),
      data: '0x',
      topics: [`0x${'7'.padStart(64, '0')}`],
      transactionHash: first['transactionHash'],
    })

    const second = await setValue(403n, 8)
    const live = json(await c.next((f) => f.type === ChannelType.EVENT_LOG_PUSH))
    expect((live['logs'] as Record<string, unknown>[])[0]).toMatchObject({
      transactionHash: second['transactionHash'],
      topics: [`0x${'8'.padStart(64, '0')}`],
    })

    // A bounded range in the past: its logs, then result 1 (completed).
    const bounded = 'b'.repeat(32)
    await register({
      fromBlock: String(firstBlock),
      toBlock: String(firstBlock),
      addresses: [],
      topics: [[`0x${'7'.padStart(64, '0')}`]],
      groupID: 1,
      filterID: bounded,
    })
    const pushes: Record<string, unknown>[] = []
    while (pushes.length < 2) {
      pushes.push(
        json(await c.next((f) => f.type === ChannelType.EVENT_LOG_PUSH && text(f).includes(bounded))),
      )
    }
    expect(pushes.map((p) => p['result'])).toEqual([0, 1])

    const un = await register({ groupID: '1', filterID }, ChannelType.EVENT_FILTER_UNREGISTER)
    expect(JSON.parse(Buffer.from(decodeTopicBody(un.body).payload).toString())).toEqual({ result: 0 })
    const bad = await register({
      groupID: '99',
      filterID: 'c'.repeat(32),
      fromBlock: 'latest',
      toBlock: 'latest',
    })
    expect(JSON.parse(Buffer.from(decodeTopicBody(bad.body).payload).toString())).toEqual({ result: -41002 })
    const invalid = await register({ groupID: '1', filterID: 'd'.repeat(32), fromBlock: 'yesterday' })
    expect(JSON.parse(Buffer.from(decodeTopicBody(invalid.body).payload).toString())).toEqual({
      result: -41000,
    })
  })

  it('bridges AMOP: unicast request and response, multicast, and no subscriber', async () => {
    const subscriber = await open()
    const publisher = await open()
    subscriber.send({ type: ChannelType.AMOP_SUBSCRIBE, body: Buffer.from('["weather"]') })
    await new Promise((r) => setTimeout(r, 50))
    const reqSeq = publisher.send({
      type: ChannelType.AMOP_REQUEST,
      body: encodeTopicBody('weather', Buffer.from('hi')),
    })
    const delivered = await subscriber.next((f) => f.type === ChannelType.AMOP_REQUEST)
    expect(decodeTopicBody(delivered.body)).toEqual({
      topic: 'weather',
      payload: Uint8Array.from(Buffer.from('hi')),
    })
    subscriber.send({
      type: ChannelType.AMOP_RESPONSE,
      seq: delivered.seq,
      body: encodeTopicBody('weather', Buffer.from('sunny')),
    })
    const answer = await publisher.next((f) => f.type === ChannelType.AMOP_RESPONSE && f.seq === reqSeq)
    expect(answer.result).toBe(0)
    expect(Buffer.from(decodeTopicBody(answer.body).payload).toString()).toBe('sunny')

    const mSeq = publisher.send({
      type: ChannelType.AMOP_MULTICAST,
      body: encodeTopicBody('weather', Buffer.from('all')),
    })
    expect((await publisher.next((f) => f.type === ChannelType.AMOP_RESPONSE && f.seq === mSeq)).result).toBe(
      0,
    )
    const multi = await subscriber.next((f) => f.type === ChannelType.AMOP_REQUEST)
    expect(Buffer.from(decodeTopicBody(multi.body).payload).toString()).toBe('all')
    expect(node.topics?.()).toContain('weather')

    const noneSeq = publisher.send({
      type: ChannelType.AMOP_REQUEST,
      body: encodeTopicBody('nobody', Buffer.from('?')),
    })
    const none = await publisher.next((f) => f.type === ChannelType.AMOP_RESPONSE && f.seq === noneSeq)
    expect(none.result).toBe(100)
    expect(none.body.length).toBe(0)
  })

  it('closes only the offending connection on malformed frames', async () => {
    const healthy = await open()
    const header = (length: number, type: number) => {
      const b = Buffer.alloc(42)
      b.writeUInt32BE(length, 0)
      b.writeUInt16BE(type, 4)
      b.write('0'.repeat(32), 6, 'latin1')
      return b
    }
    const tooShort = await open()
    tooShort.sendRaw(header(10, ChannelType.RPC))
    await tooShort.closed()
    const tooLong = await open()
    tooLong.sendRaw(header(64 * 1024 + 1, ChannelType.RPC)) // over the server's frameBytesMax
    await tooLong.closed()
    const unknownType = await open()
    unknownType.sendRaw(header(42, 0x7777))
    await unknownType.closed()
    const pushType = await open()
    pushType.sendRaw(header(42, ChannelType.RECEIPT_PUSH)) // only the node sends pushes
    await pushType.closed()
    const badTopics = await open()
    badTopics.send({ type: ChannelType.AMOP_SUBSCRIBE, body: Buffer.from('{"not":"an array"}') })
    await badTopics.closed()
    const badTopicPrefix = await open()
    badTopicPrefix.send({ type: ChannelType.AMOP_REQUEST, body: Uint8Array.from([200, 1, 2]) })
    await badTopicPrefix.closed()

    // bad JSON inside an RPC frame is a JSON-RPC error, not a protocol error
    const seq = healthy.send({ type: ChannelType.RPC, body: Buffer.from('{oops') })
    expect(json(await healthy.next((f) => f.seq === seq))['error']).toMatchObject({ code: -32700 })
    const seq2 = healthy.send(rpcFrame('getBlockNumber', [1]))
    expect(json(await healthy.next((f) => f.seq === seq2))['result']).toMatch(/^0x/)
  })

  it('reassembles frames split across TCP writes and several frames in one write', async () => {
    const c = await open()
    const { encodeFrame } = await import('../src/channel/frame.js')
    const a = encodeFrame({
      type: ChannelType.RPC,
      seq: '1'.repeat(32),
      result: 0,
      body: rpcFrame('getGroupList', []).body,
    })
    const b = encodeFrame({
      type: ChannelType.RPC,
      seq: '2'.repeat(32),
      result: 0,
      body: rpcFrame('getBlockNumber', [1]).body,
    })
    const both = Buffer.concat([a, b])
    c.sendRaw(both.subarray(0, 5))
    await new Promise((r) => setTimeout(r, 20))
    c.sendRaw(both.subarray(5, a.length + 3))
    await new Promise((r) => setTimeout(r, 20))
    c.sendRaw(both.subarray(a.length + 3))
    expect(json(await c.next((f) => f.seq === '1'.repeat(32)))['result']).toEqual([1])
    expect(json(await c.next((f) => f.seq === '2'.repeat(32)))['result']).toMatch(/^0x/)
  })
})
