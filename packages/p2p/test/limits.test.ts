// Each limit constant of the package, reached.
import type { NodeId } from '@consortia/interface'
import { createManualClock, createMemoryNetwork } from '@consortia/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ACCESS_LIST_ENTRIES_MAX,
  AMOP_CLIENTS_MAX,
  createAMOP,
  P2PNode,
  PEER_ENDPOINTS_MAX,
  PRIVATE_TOPIC_KEYS_MAX,
} from '../src/index.js'
import { makeChain, recordEvents, startNode, tlsOf, waitFor } from './helpers.js'

function id(n: number): NodeId {
  const out = new Uint8Array(64)
  out[0] = 0xc0
  out[63] = n
  return out
}

const open: P2PNode[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()))
})

describe('limits', () => {
  it('connectionsMax refuses the session over the limit', async () => {
    const chain = makeChain()
    const a = await startNode({ ...tlsOf(chain, chain.node('a')), connectionsMax: 1 })
    open.push(a)
    const events = recordEvents(a)
    const b = await startNode({ ...tlsOf(chain, chain.node('b')), peers: [a.address] })
    open.push(b)
    await waitFor(() => a.peers().length === 1, 'first session')
    const c = await startNode({ ...tlsOf(chain, chain.node('c')), peers: [a.address] })
    open.push(c)
    await waitFor(
      () => events.some((e) => e.type === 'rejected' && e.reason === 'too-many-connections'),
      'refusal',
    )
    expect(a.peers()).toHaveLength(1)
  })

  it('PEER_ENDPOINTS_MAX and ACCESS_LIST_ENTRIES_MAX bound the configuration', () => {
    const chain = makeChain()
    const tls = tlsOf(chain, chain.node('a'))
    const distinct = Array.from(
      { length: PEER_ENDPOINTS_MAX + 1 },
      (_, i) => `10.0.${i >> 8}.${i & 0xff}:30300`,
    )
    expect(() => new P2PNode({ ...tls, peers: distinct })).toThrow(
      `expected at most ${PEER_ENDPOINTS_MAX} peers`,
    )
    expect(() => new P2PNode({ ...tls, peers: distinct.slice(0, PEER_ENDPOINTS_MAX) })).not.toThrow()
    const ids = Array.from({ length: ACCESS_LIST_ENTRIES_MAX + 1 }, (_, i) =>
      i.toString(16).padStart(128, '0'),
    )
    expect(() => new P2PNode({ ...tls, blacklist: ids })).toThrow(
      /at most 65536 blacklist entries, got 65537/,
    )
    expect(() => new P2PNode({ ...tls, whitelist: ids })).toThrow(
      /at most 65536 whitelist entries, got 65537/,
    )
    expect(() => new P2PNode({ ...tls, peers: ['no-port'] })).toThrow(/host:port, got 'no-port'/)
  })

  it('AMOP_CLIENTS_MAX, PRIVATE_TOPIC_KEYS_MAX and pendingRequestsMax', async () => {
    const clock = createManualClock()
    const net = createMemoryNetwork({ clock })
    const a = createAMOP(
      { pendingRequestsMax: 2, topicSyncIntervalMs: 10 },
      { transport: net.createTransport(id(1)), clock },
    )
    const b = createAMOP({ topicSyncIntervalMs: 10 }, { transport: net.createTransport(id(2)), clock })
    for (let i = 0; i < AMOP_CLIENTS_MAX; i++) a.connectClient()
    expect(() => a.connectClient()).toThrow(expect.objectContaining({ code: 'AMOP_LIMIT' }))
    const publisher = b.connectClient()
    const keys = Array.from({ length: PRIVATE_TOPIC_KEYS_MAX + 1 }, () => new Uint8Array(64))
    expect(() => publisher.publishPrivate('t', keys)).toThrow(/at most 256 public keys, got 257/)
    publisher.subscribe('slow', () => new Promise(() => undefined))
    for (let i = 0; i < 5; i++) {
      clock.advance(10)
      await Promise.resolve()
    }
    // `a` is full of clients; a fresh node sends the requests.
    a.close()
    const a2 = createAMOP(
      { pendingRequestsMax: 2, topicSyncIntervalMs: 10 },
      { transport: net.createTransport(id(3)), clock },
    )
    for (let i = 0; i < 5; i++) {
      clock.advance(10)
      await Promise.resolve()
    }
    const sender = a2.connectClient()
    const first = sender.request('slow', new Uint8Array(1)).catch((e) => e)
    const second = sender.request('slow', new Uint8Array(1)).catch((e) => e)
    await expect(sender.request('slow', new Uint8Array(1))).rejects.toMatchObject({ code: 'AMOP_LIMIT' })
    clock.advance(10_000)
    expect(await first).toMatchObject({ code: 'AMOP_TIMEOUT' })
    expect(await second).toMatchObject({ code: 'AMOP_TIMEOUT' })
  })
})
