// AMOP: topic gossip, unicast, multicast and private-topic challenge/response
// (reference: FISCO BCOS 2.x manual/amop_protocol.md; libp2p/Service.cpp topic sync).
import { ModuleId, type NodeId } from '@consortia/interface'
import {
  createManualClock,
  createMemoryNetwork,
  createSeededRandom,
  type ManualClock,
} from '@consortia/testkit'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type AMOP,
  AMOP_GROUP_ID,
  type AMOPClient,
  createAMOP,
  type P2PNode,
  privateTopic,
  TOPICS_PER_NODE_MAX,
} from '../src/index.js'
import { hex, makeChain, startNode, tlsOf, waitFor } from './helpers.js'

const te = new TextEncoder()
const td = new TextDecoder()

function id(n: number): NodeId {
  const out = new Uint8Array(64)
  out[0] = 0xb0
  out[63] = n
  return out
}

/** Advance a manual clock in steps, letting promise chains run between steps. */
async function run(clock: ManualClock, ms: number, stepMs = 10): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs)
    for (let i = 0; i < 10; i++) await Promise.resolve()
  }
}

function memoryCluster(n: number, seed = 1) {
  const clock = createManualClock()
  const net = createMemoryNetwork({ clock, delayMs: 1 })
  const random = createSeededRandom(seed)
  const amops = Array.from({ length: n }, (_, i) =>
    createAMOP(
      { topicSyncIntervalMs: 50, requestTimeoutMs: 500 },
      { transport: net.createTransport(id(i + 1)), clock, random },
    ),
  )
  return { clock, net, amops }
}

describe('AMOP on the memory transport (virtual time)', () => {
  it('gossips topic lists with sequence numbers and drops them when a client leaves', async () => {
    const { clock, amops } = memoryCluster(3)
    const [a, b, c] = amops as [AMOP, AMOP, AMOP]
    const client = c.connectClient()
    client.subscribe('prices', () => undefined)
    client.subscribe('news', () => undefined)
    expect(c.topics()).toEqual(['news', 'prices'])
    await run(clock, 100)
    expect(a.topicsOf(id(3))).toEqual(['news', 'prices'])
    expect(b.topicsOf(id(3))).toEqual(['news', 'prices'])
    client.unsubscribe('news')
    await run(clock, 100)
    expect(a.topicsOf(id(3))).toEqual(['prices'])
    client.close()
    await run(clock, 100)
    expect(b.topicsOf(id(3))).toEqual([])
  })

  it('unicast reaches one subscriber, chosen at random, and returns its response', async () => {
    const { clock, amops } = memoryCluster(3, 7)
    const [a, b, c] = amops as [AMOP, AMOP, AMOP]
    const hits = { b: 0, c: 0 }
    b.connectClient().subscribe('echo', ({ data }) => {
      hits.b++
      return te.encode(`b:${td.decode(data)}`)
    })
    c.connectClient().subscribe('echo', ({ data }) => {
      hits.c++
      return te.encode(`c:${td.decode(data)}`)
    })
    await run(clock, 100)
    const sender = a.connectClient()
    const answers: string[] = []
    for (let i = 0; i < 40; i++) {
      const p = sender.request('echo', te.encode(String(i)))
      await run(clock, 10, 1)
      answers.push(td.decode(await p))
    }
    expect(hits.b + hits.c).toBe(40)
    expect(hits.b).toBeGreaterThan(5)
    expect(hits.c).toBeGreaterThan(5)
    expect(answers.every((s, i) => s === `b:${i}` || s === `c:${i}`)).toBe(true)
  })

  it('multicast reaches every subscriber on every node, local ones included', async () => {
    const { clock, amops } = memoryCluster(3)
    const [a, b, c] = amops as [AMOP, AMOP, AMOP]
    const got: string[] = []
    b.connectClient().subscribe('alerts', ({ data }) => void got.push(`b1:${td.decode(data)}`))
    b.connectClient().subscribe('alerts', ({ data }) => void got.push(`b2:${td.decode(data)}`))
    c.connectClient().subscribe('alerts', ({ data }) => void got.push(`c:${td.decode(data)}`))
    a.connectClient().subscribe('alerts', ({ data }) => void got.push(`a:${td.decode(data)}`))
    await run(clock, 100)
    const sender = a.connectClient()
    expect(sender.multicast('alerts', te.encode('fire'))).toBe(3)
    await run(clock, 20)
    expect(got.sort()).toEqual(['a:fire', 'b1:fire', 'b2:fire', 'c:fire'])
  })

  it('reports no subscriber, an unreachable client and a timeout with their codes', async () => {
    const { clock, net, amops } = memoryCluster(2)
    const [a, b] = amops as [AMOP, AMOP]
    const sender = a.connectClient()
    await expect(sender.request('nobody', te.encode('x'))).rejects.toMatchObject({
      code: 'AMOP_NO_SUBSCRIBER',
    })
    const slow = b.connectClient()
    slow.subscribe('slow', () => new Promise(() => undefined))
    await run(clock, 100)
    const pending = sender.request('slow', te.encode('x'), { timeoutMs: 200 })
    const outcome = pending.catch((e) => e)
    await run(clock, 300)
    expect(await outcome).toMatchObject({ code: 'AMOP_TIMEOUT' })
    // b drops off the network: its topics go stale and requests fail fast.
    net.disconnect(id(1), id(2))
    await run(clock, 100)
    await expect(sender.request('slow', te.encode('x'))).rejects.toMatchObject({ code: 'AMOP_NO_SUBSCRIBER' })
  })

  it('refuses a peer topic list over TOPICS_PER_NODE_MAX and garbage AMOP packets', async () => {
    const { clock, net, amops } = memoryCluster(1)
    const [a] = amops as [AMOP]
    const rogue = net.createTransport(id(9))
    const parts: number[] = [0, 0, 0, 1, (TOPICS_PER_NODE_MAX + 1) >> 8, (TOPICS_PER_NODE_MAX + 1) & 0xff]
    for (let i = 0; i <= TOPICS_PER_NODE_MAX; i++) parts.push(0, 1, 0x61)
    rogue.send(id(1), {
      groupId: AMOP_GROUP_ID,
      moduleId: ModuleId.Topic,
      packetType: 3,
      payload: new Uint8Array(parts),
    })
    rogue.send(id(1), {
      groupId: AMOP_GROUP_ID,
      moduleId: ModuleId.AMOP,
      packetType: 1,
      payload: new Uint8Array([0, 0]),
    })
    rogue.send(id(1), {
      groupId: AMOP_GROUP_ID,
      moduleId: ModuleId.AMOP,
      packetType: 99,
      payload: new Uint8Array(0),
    })
    await run(clock, 20)
    expect(a.topicsOf(id(9))).toEqual([])
    // The same packet with one topic is accepted, so the refusal above was for the count.
    rogue.send(id(1), {
      groupId: AMOP_GROUP_ID,
      moduleId: ModuleId.Topic,
      packetType: 3,
      payload: new Uint8Array([0, 0, 0, 2, 0, 1, 0, 1, 0x61]),
    })
    await run(clock, 20)
    expect(a.topicsOf(id(9))).toEqual(['a'])
    expect(net.handlerErrors).toEqual([])
  })

  it('checks topic names and payload sizes at the boundary', () => {
    const { amops } = memoryCluster(1)
    const client = (amops[0] as AMOP).connectClient()
    expect(() => client.subscribe('', () => undefined)).toThrow(/topic of 1..255 bytes, got 0/)
    expect(() => client.subscribe('x'.repeat(256), () => undefined)).toThrow(/got 256/)
    expect(() => client.subscribe('#!$VerifyChannel_x', () => undefined)).toThrow(/reserved/)
    expect(() => client.subscribePrivate('t', new Uint8Array(31), () => undefined)).toThrow(/32-byte/)
    expect(() => client.publishPrivate('t', [new Uint8Array(65)])).toThrow(/64-byte public key at index 0/)
    expect(() => client.multicast('t', new Uint8Array(10 * 1024 * 1024 + 1))).toThrow(
      /at most 10485760 bytes/,
    )
  })
})

describe('AMOP across 3 TLS nodes', () => {
  const nodes: P2PNode[] = []
  const services: AMOP[] = []
  afterEach(async () => {
    for (const s of services.splice(0)) s.close()
    await Promise.all(nodes.splice(0).map((n) => n.close()))
  })

  async function cluster(): Promise<[AMOP, AMOP, AMOP]> {
    const chain = makeChain()
    for (let i = 0; i < 3; i++) nodes.push(await startNode(tlsOf(chain, chain.node(`amop${i}`))))
    for (const n of nodes) n.addPeers(nodes.filter((m) => m !== n).map((m) => m.address))
    await waitFor(() => nodes.every((n) => n.peers().length === 2 && n.stats().dialsInFlight === 0), 'mesh')
    for (const n of nodes)
      services.push(createAMOP({ topicSyncIntervalMs: 50, requestTimeoutMs: 3000 }, { transport: n }))
    return services as [AMOP, AMOP, AMOP]
  }

  it('unicast and multicast between clients of different nodes', async () => {
    const [a, b, c] = await cluster()
    const got: string[] = []
    const sub = (s: AMOP, name: string): AMOPClient => {
      const client = s.connectClient()
      client.subscribe('orders', ({ data, fromNode }) => {
        got.push(`${name}:${td.decode(data)}:${hex(fromNode).slice(0, 4)}`)
        return te.encode(`${name} ok`)
      })
      return client
    }
    sub(b, 'b')
    sub(c, 'c')
    await waitFor(
      () =>
        a.topicsOf(nodes[1]!.localId).includes('orders') && a.topicsOf(nodes[2]!.localId).includes('orders'),
      'topics gossiped',
    )
    const sender = a.connectClient()
    const reply = td.decode(await sender.request('orders', te.encode('buy')))
    expect(['b ok', 'c ok']).toContain(reply)
    expect(got).toHaveLength(1)
    expect(got[0]?.endsWith(hex(nodes[0]!.localId).slice(0, 4))).toBe(true)
    got.length = 0
    expect(sender.multicast('orders', te.encode('news'))).toBe(2)
    await waitFor(() => got.length === 2, 'multicast')
    expect(got.map((g) => g.split(':').slice(0, 2).join(':')).sort()).toEqual(['b:news', 'c:news'])
  })

  it('private topic: only the subscriber holding an allowed key passes the challenge and receives', async () => {
    const [a, b, c] = await cluster()
    const goodKey = secp256k1.utils.randomSecretKey()
    const badKey = secp256k1.utils.randomSecretKey()
    const received: string[] = []
    b.connectClient().subscribePrivate('vault', goodKey, ({ data }) => {
      received.push(`b:${td.decode(data)}`)
      return te.encode('b-ack')
    })
    c.connectClient().subscribePrivate('vault', badKey, ({ data }) => {
      received.push(`c:${td.decode(data)}`)
      return te.encode('c-ack')
    })
    const publisher = a.connectClient()
    publisher.publishPrivate('vault', [secp256k1.getPublicKey(goodKey, false).subarray(1)])
    const [, nodeB, nodeC] = nodes as [P2PNode, P2PNode, P2PNode]
    await waitFor(() => a.isVerified(nodeB.localId, 'vault'), 'b verified')
    // c answered the challenge with a key the publisher does not allow.
    await new Promise((r) => setTimeout(r, 200))
    expect(a.isVerified(nodeC.localId, 'vault')).toBe(false)
    expect(a.topicsOf(nodeC.localId)).toContain(privateTopic('vault'))

    for (let i = 0; i < 5; i++) {
      expect(td.decode(await publisher.request(privateTopic('vault'), te.encode(`req${i}`)))).toBe('b-ack')
    }
    expect(publisher.multicast(privateTopic('vault'), te.encode('all'))).toBe(1)
    await waitFor(() => received.includes('b:all'), 'private multicast')
    await new Promise((r) => setTimeout(r, 100))
    expect(received.filter((r) => r.startsWith('c:'))).toEqual([])

    // Once the publisher allows c's key too, c is challenged again and verified.
    publisher.publishPrivate(
      'vault',
      [goodKey, badKey].map((k) => secp256k1.getPublicKey(k, false).subarray(1)),
    )
    await waitFor(
      () => a.isVerified(nodeC.localId, 'vault') && a.isVerified(nodeB.localId, 'vault'),
      'c verified',
    )
    expect(publisher.multicast(privateTopic('vault'), te.encode('both'))).toBe(2)
    await waitFor(() => received.includes('c:both') && received.includes('b:both'), 'both receive')
  })
})
