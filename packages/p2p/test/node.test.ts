// Integration tests with real TLS sockets on 127.0.0.1 (ephemeral ports). Certificates are
// generated here. Reference: FISCO BCOS 2.x Host::newVerifyCallback / Service::onConnect
// (A17: wrong CA, expired, blacklisted; duplicate and self connections).
import { ModuleId, type NodeId, type TransportMessage } from '@consortia/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { encodeFrame, type P2PEvent, type P2PNode } from '../src/index.js'
import { FAST, hex, makeChain, memoryLogger, recordEvents, startNode, tlsOf, waitFor } from './helpers.js'

const open: P2PNode[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()))
})

async function node(...args: Parameters<typeof startNode>): Promise<P2PNode> {
  const n = await startNode(...args)
  open.push(n)
  return n
}

function msg(groupId: number, moduleId: number, text: string, packetType = 0): TransportMessage {
  return { groupId, moduleId, packetType, payload: new TextEncoder().encode(text) }
}

function collect(
  n: P2PNode,
  groupId: number,
  moduleId: number,
): { from: string; text: string; packetType: number }[] {
  const got: { from: string; text: string; packetType: number }[] = []
  n.subscribe(groupId, moduleId, (from, m) => {
    got.push({ from: hex(from), text: new TextDecoder().decode(m.payload), packetType: m.packetType })
  })
  return got
}

function rejections(events: P2PEvent[]) {
  return events.filter((e) => e.type === 'rejected')
}

describe('P2PNode over mutual TLS', () => {
  it('forms a full mesh of 4 nodes and routes by group and module', async () => {
    const chain = makeChain()
    const nodes = await Promise.all([0, 1, 2, 3].map((i) => node(tlsOf(chain, chain.node(`node${i}`)))))
    for (const n of nodes) n.addPeers(nodes.filter((m) => m !== n).map((m) => m.address))
    // Settled: every node has 3 sessions and no crossing handshake is still in flight.
    await waitFor(
      () => nodes.every((n) => n.peers().length === 3 && n.stats().dialsInFlight === 0),
      'full mesh',
    )
    // Crossing dials settle on one session per pair, the same one at both ends.
    for (const n of nodes) {
      const ids = n.peers().map((p) => hex(p.nodeId))
      expect(new Set(ids).size).toBe(3)
      expect(ids).not.toContain(hex(n.localId))
    }
    const pbft = nodes.map((n) => collect(n, 1, ModuleId.PBFT))
    const sync2 = nodes.map((n) => collect(n, 2, ModuleId.BlockSync))
    for (const [i, n] of nodes.entries()) {
      n.broadcast(msg(1, ModuleId.PBFT, `prepare from ${i}`, 3))
      n.send((nodes[(i + 1) % 4] as P2PNode).localId, msg(2, ModuleId.BlockSync, `status ${i}`))
    }
    await waitFor(() => pbft.every((g) => g.length === 3) && sync2.every((g) => g.length === 1), 'deliveries')
    for (const [i, got] of pbft.entries()) {
      expect(got.map((g) => g.text).sort()).toEqual(
        [0, 1, 2, 3].filter((j) => j !== i).map((j) => `prepare from ${j}`),
      )
      expect(got.every((g) => g.packetType === 3)).toBe(true)
    }
    for (const [i, got] of sync2.entries()) {
      expect(got[0]?.text).toBe(`status ${(i + 3) % 4}`)
      expect(got[0]?.from).toBe(hex((nodes[(i + 3) % 4] as P2PNode).localId))
    }
    // A group nobody subscribed to is dropped, not misrouted.
    const stray = collect(nodes[1] as P2PNode, 1, ModuleId.TxPool)
    ;(nodes[0] as P2PNode).send((nodes[1] as P2PNode).localId, msg(3, ModuleId.TxPool, 'other group'))
    ;(nodes[0] as P2PNode).send((nodes[1] as P2PNode).localId, msg(1, ModuleId.TxPool, 'this group'))
    await waitFor(() => stray.length === 1, 'txpool delivery')
    expect(stray[0]?.text).toBe('this group')
  })

  it('uses TLS 1.2 with secp256k1 certificates and TLS 1.3 with P-256', async () => {
    for (const [curve, expected] of [
      ['secp256k1', 'TLSv1.2'],
      ['P-256', 'TLSv1.3'],
    ] as const) {
      const chain = makeChain(curve)
      const a = await node(tlsOf(chain, chain.node('a')))
      const eventsA = recordEvents(a)
      const b = await node({ ...tlsOf(chain, chain.node('b')), peers: [a.address] })
      await waitFor(() => a.peers().length === 1 && b.peers().length === 1, `${curve} session`)
      const connected = eventsA.find((e) => e.type === 'connected')
      expect(connected?.type === 'connected' && connected.tlsProtocol).toBe(expected)
      expect(a.curve).toBe(curve)
    }
  })

  it('refuses a foreign CA, an expired certificate and a blacklisted ID, each with its reason', async () => {
    const chain = makeChain()
    const logger = memoryLogger()
    const bannedCert = chain.node('banned')
    const a = await node({ ...tlsOf(chain, chain.node('a')), blacklist: [hex(bannedCert.nodeId)] }, logger)
    const events = recordEvents(a)

    const foreign = makeChain('secp256k1', 'other-chain')
    const f = await node({
      ...tlsOf(foreign, foreign.node('intruder')),
      caPem: chain.ca.certPem,
      peers: [a.address],
    })
    const past = new Date(Date.now() - 10 * 86_400_000)
    const expiredCert = chain.node('expired', {
      notBefore: past,
      notAfter: new Date(past.getTime() + 86_400_000),
    })
    const e = await node({ ...tlsOf(chain, expiredCert), peers: [a.address] })
    const banned = await node({ ...tlsOf(chain, bannedCert), peers: [a.address] })
    const eventsBanned = recordEvents(banned)
    const futureCert = chain.node('future', { notBefore: new Date(Date.now() + 86_400_000) })
    const fu = await node({ ...tlsOf(chain, futureCert), peers: [a.address] })

    await waitFor(() => {
      const reasons = new Set(rejections(events).map((r) => r.type === 'rejected' && r.reason))
      return ['untrusted-ca', 'expired', 'blacklisted', 'not-yet-valid'].every((r) => reasons.has(r as never))
    }, 'four refusals')
    const byReason = (reason: string) =>
      rejections(events).find((r) => r.type === 'rejected' && r.reason === reason)
    expect(byReason('blacklisted')).toMatchObject({ by: 'local', direction: 'inbound' })
    const blacklisted = byReason('blacklisted')
    expect(blacklisted?.type === 'rejected' && hex(blacklisted.nodeId as NodeId)).toBe(hex(bannedCert.nodeId))
    // The refused side learns why too.
    await waitFor(
      () => rejections(eventsBanned).some((r) => r.type === 'rejected' && r.by === 'remote'),
      'remote reason',
    )
    expect(rejections(eventsBanned)[0]).toMatchObject({ by: 'remote', reason: 'blacklisted' })
    // Every refusal is logged with its reason.
    const logged = logger.lines.filter((l) => l.message === 'connection refused').map((l) => l.context.reason)
    expect(logged).toEqual(
      expect.arrayContaining(['untrusted-ca', 'expired', 'blacklisted', 'not-yet-valid']),
    )
    expect(a.peers()).toHaveLength(0)
    for (const n of [f, e, banned, fu]) expect(n.peers()).toHaveLength(0)
  })

  it('refuses a CA certificate used as a node certificate and a node outside the whitelist', async () => {
    const chain = makeChain()
    const allowed = chain.node('allowed')
    const a = await node({ ...tlsOf(chain, chain.node('a')), whitelist: [allowed.nodeId] })
    const events = recordEvents(a)
    const outsider = await node({ ...tlsOf(chain, chain.node('outsider')), peers: [a.address] })
    const ok = await node({ ...tlsOf(chain, allowed), peers: [a.address] })
    await waitFor(() => a.peers().length === 1, 'whitelisted peer')
    expect(hex((a.peers()[0] as { nodeId: NodeId }).nodeId)).toBe(hex(ok.localId))
    await waitFor(
      () => rejections(events).some((r) => r.type === 'rejected' && r.reason === 'not-whitelisted'),
      'whitelist refusal',
    )
    expect(outsider.peers()).toHaveLength(0)

    // An agency key presenting the agency certificate as a leaf: chains to the CA, but CA:TRUE.
    const agencyAsNode = new WebSocket(`wss://${a.address}/`, {
      cert: chain.agency.certPem,
      key: chain.agency.keyPem,
      ca: chain.ca.certPem,
      rejectUnauthorized: false,
      maxVersion: 'TLSv1.2',
      ecdhCurve: 'secp256k1:P-256',
    })
    const status = await new Promise<number>((resolve) => {
      agencyAsNode.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
      agencyAsNode.on('error', () => resolve(-1))
    })
    agencyAsNode.terminate()
    expect(status).toBe(403)
    expect(rejections(events).some((r) => r.type === 'rejected' && r.reason === 'not-node-certificate')).toBe(
      true,
    )
  })

  it('refuses a self-connection and a duplicate session', async () => {
    const chain = makeChain()
    const certs = [chain.node('x'), chain.node('y')].sort((p, q) =>
      Buffer.compare(Buffer.from(p.nodeId), Buffer.from(q.nodeId)),
    )
    const low = await node(tlsOf(chain, certs[0] as (typeof certs)[0]))
    const high = await node(tlsOf(chain, certs[1] as (typeof certs)[0]))
    const eventsLow = recordEvents(low)
    low.addPeers([low.address])
    await waitFor(
      () => rejections(eventsLow).some((r) => r.type === 'rejected' && r.reason === 'self'),
      'self refusal',
    )

    low.addPeers([high.address])
    await waitFor(() => low.peers().length === 1 && high.peers().length === 1, 'low→high session')
    // The higher ID dials too: the session dialed by the lower ID is kept, the new one refused.
    high.addPeers([low.address])
    await waitFor(
      () => rejections(eventsLow).some((r) => r.type === 'rejected' && r.reason === 'duplicate'),
      'duplicate refusal',
    )
    await new Promise((r) => setTimeout(r, 200))
    expect(low.peers()).toHaveLength(1)
    expect(high.peers()).toHaveLength(1)
    const got = collect(high, 1, ModuleId.PBFT)
    low.send(high.localId, msg(1, ModuleId.PBFT, 'still one session'))
    await waitFor(() => got.length === 1, 'delivery')
  })

  it('drops a live peer when a blacklist reload names it, and admits it again when lifted', async () => {
    const chain = makeChain()
    const a = await node(tlsOf(chain, chain.node('a')))
    const bCert = chain.node('b')
    const b = await node({ ...tlsOf(chain, bCert), peers: [a.address] })
    const eventsA = recordEvents(a)
    const eventsB = recordEvents(b)
    await waitFor(() => a.peers().length === 1, 'session')
    a.setBlacklist([hex(bCert.nodeId)])
    expect(a.peers()).toHaveLength(0)
    expect(eventsA.find((e) => e.type === 'disconnected')).toMatchObject({ reason: 'blacklisted' })
    await waitFor(() => b.peers().length === 0, 'b sees the drop')
    // b keeps redialing and is refused at the handshake.
    await waitFor(
      () => eventsB.some((e) => e.type === 'rejected' && e.by === 'remote' && e.reason === 'blacklisted'),
      'b refused',
    )
    expect(a.peers()).toHaveLength(0)
    a.setBlacklist([])
    await waitFor(() => a.peers().length === 1 && b.peers().length === 1, 'readmitted')
    // A whitelist reload that leaves b out drops it too.
    a.setWhitelist([chain.node('someone-else').nodeId])
    expect(a.peers()).toHaveLength(0)
    expect(eventsA.filter((e) => e.type === 'disconnected').at(-1)).toMatchObject({
      reason: 'not-whitelisted',
    })
  })

  it('reconnects to a peer that was closed and restarted on the same port', async () => {
    const chain = makeChain()
    const a = await node(tlsOf(chain, chain.node('a')))
    const bCert = chain.node('b')
    let b = await startNode(tlsOf(chain, bCert))
    a.addPeers([b.address])
    await waitFor(() => a.peers().length === 1, 'first session')
    const port = b.port
    await b.close()
    await waitFor(() => a.peers().length === 0, 'loss noticed')
    // Down for a few backoff rounds, then back on the same port.
    await new Promise((r) => setTimeout(r, 400))
    b = await node({ ...tlsOf(chain, bCert), listenPort: port })
    await waitFor(() => a.peers().length === 1 && b.peers().length === 1, 'reconnected')
    const got = collect(b, 1, ModuleId.Raft)
    a.send(b.localId, msg(1, ModuleId.Raft, 'hello again'))
    await waitFor(() => got.length === 1, 'delivery after reconnect')
  })

  it('erasePeers closes the session and stops redialing', async () => {
    const chain = makeChain()
    const a = await node(tlsOf(chain, chain.node('a')))
    const b = await node(tlsOf(chain, chain.node('b')))
    a.addPeers([b.address])
    await waitFor(() => a.peers().length === 1, 'session')
    expect(a.staticPeers()).toEqual([b.address])
    a.erasePeers([b.address])
    expect(a.peers()).toHaveLength(0)
    expect(a.staticPeers()).toEqual([])
    await new Promise((r) => setTimeout(r, 400))
    expect(a.peers()).toHaveLength(0)
    expect(b.peers()).toHaveLength(0)
  })

  it('applies back-pressure with sendWhenReady and delivers in order', async () => {
    const chain = makeChain()
    const a = await node({
      ...tlsOf(chain, chain.node('a')),
      sendQueue: { framesMax: 4, highWaterBytes: 1024 },
    })
    const b = await node({ ...tlsOf(chain, chain.node('b')), peers: [a.address] })
    await waitFor(() => a.peers().length === 1, 'session')
    const got = collect(b, 1, ModuleId.BlockSync)
    const payload = 'x'.repeat(900)
    for (let i = 0; i < 200; i++)
      await a.sendWhenReady(b.localId, msg(1, ModuleId.BlockSync, `${i}:${payload}`))
    await waitFor(() => got.length === 200, '200 frames')
    expect(got.map((g) => Number(g.text.split(':')[0]))).toEqual([...Array(200).keys()])
    expect(a.stats().framesDropped).toBe(0)
    // Plain send drops once the 4-frame queue is full (fire-and-forget).
    let refused = 0
    for (let i = 0; i < 100; i++) if (!a.send(b.localId, msg(1, ModuleId.BlockSync, payload))) refused++
    expect(refused).toBeGreaterThan(0)
    expect(a.stats().framesDropped).toBe(refused)
    await expect(a.sendWhenReady(new Uint8Array(64), msg(1, 1, ''))).rejects.toMatchObject({
      code: 'PEER_NOT_CONNECTED',
    })
  })
})

describe('P2PNode under malformed and oversize frames (A9, A17)', () => {
  async function rawPeer(a: P2PNode, chain: ReturnType<typeof makeChain>, name: string) {
    const cert = chain.node(name)
    const ws = new WebSocket(`wss://${a.address}/`, {
      cert: cert.chainPem,
      key: cert.keyPem,
      ca: chain.ca.certPem,
      rejectUnauthorized: false,
      maxVersion: 'TLSv1.2',
      ecdhCurve: 'secp256k1:P-256',
      perMessageDeflate: false,
    })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    return { ws, closed }
  }

  it('closes the offending connection and keeps serving the others', async () => {
    const chain = makeChain()
    const a = await node({ ...tlsOf(chain, chain.node('a')), frameBytesMax: 64 * 1024 })
    const good = await node({ ...tlsOf(chain, chain.node('good')), peers: [a.address] })
    await waitFor(() => a.peers().length === 1, 'good session')
    const events = recordEvents(a)
    const got = collect(a, 1, ModuleId.PBFT)

    const header = (length: number, version = 1, groupId = 1) => {
      const b = Buffer.alloc(16)
      b.writeUInt32BE(length, 0)
      b.writeUInt16BE(version, 4)
      b.writeInt16BE(groupId, 6)
      b.writeUInt16BE(ModuleId.PBFT, 8)
      return b
    }
    const attacks: [string, (ws: WebSocket) => void, string, number][] = [
      // Length field 2^32-1 with 10 bytes of body (A9).
      [
        'huge length field',
        (ws) => ws.send(Buffer.concat([header(0xffffffff), Buffer.alloc(10)])),
        'frame-too-large',
        1009,
      ],
      // A WebSocket message above the limit: refused by ws before it is buffered whole.
      ['oversize message', (ws) => ws.send(Buffer.alloc(64 * 1024 + 1)), 'frame-too-large', 1009],
      [
        'length mismatch',
        (ws) => ws.send(Buffer.concat([header(40), Buffer.alloc(10)])),
        'malformed-frame',
        1002,
      ],
      ['short header', (ws) => ws.send(Buffer.alloc(7)), 'malformed-frame', 1002],
      [
        'compressed flag',
        (ws) => ws.send(Buffer.concat([header(26, 0x8001), Buffer.alloc(10)])),
        'malformed-frame',
        1002,
      ],
      [
        'negative group',
        (ws) => ws.send(Buffer.concat([header(26, 1, -5), Buffer.alloc(10)])),
        'malformed-frame',
        1002,
      ],
      ['text message', (ws) => ws.send('{"hello":1}'), 'malformed-frame', 1002],
    ]
    for (const [i, [label, attack, reason, code]] of attacks.entries()) {
      const { ws, closed } = await rawPeer(a, chain, `attacker${i}`)
      attack(ws)
      expect(await closed, label).toBe(code)
      await waitFor(() => events.filter((e) => e.type === 'disconnected').length === i + 1, label)
      expect(events.filter((e) => e.type === 'disconnected').at(-1), label).toMatchObject({ reason })
    }
    expect(got).toHaveLength(0)
    // The node still serves its good peer.
    expect(a.peers().map((p) => hex(p.nodeId))).toEqual([hex(good.localId)])
    good.send(a.localId, msg(1, ModuleId.PBFT, 'alive'))
    await waitFor(() => got.length === 1, 'good delivery')
    // A well-formed frame from a raw peer is accepted, so the attacks failed for their content.
    const { ws } = await rawPeer(a, chain, 'honest-raw')
    ws.send(
      encodeFrame({
        groupId: 1,
        moduleId: ModuleId.PBFT,
        packetType: 0,
        seq: 0,
        payload: new Uint8Array([104, 105]),
      }),
    )
    await waitFor(() => got.length === 2, 'raw delivery')
    expect(got[1]?.text).toBe('hi')
    ws.terminate()
  })

  it('refuses to encode a frame over the limit', async () => {
    const chain = makeChain()
    const a = await node({ ...tlsOf(chain, chain.node('a')), frameBytesMax: 1024 })
    const b = await node({ ...tlsOf(chain, chain.node('b')), ...FAST, peers: [a.address] })
    await waitFor(() => b.peers().length === 1, 'session')
    expect(() =>
      a.send(b.localId, { groupId: 1, moduleId: 8, packetType: 0, payload: new Uint8Array(1024) }),
    ).toThrow(/exceeds the 1024-byte limit/)
  })
})
