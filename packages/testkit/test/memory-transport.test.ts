import { ModuleId, type NodeId, type TransportMessage } from '@consortia/interface'
import { describe, expect, it } from 'vitest'
import { createManualClock, createMemoryNetwork, createSeededRandom } from '../src/index.js'

function id(n: number): NodeId {
  const out = new Uint8Array(64)
  out[63] = n
  out[0] = 0xa0
  return out
}

function msg(text: string, groupId = 1, moduleId: number = ModuleId.PBFT): TransportMessage {
  return { groupId, moduleId, packetType: 7, payload: new TextEncoder().encode(text) }
}

function inbox(
  t: { subscribe: (g: number, m: number, h: (from: NodeId, m: TransportMessage) => void) => () => void },
  g = 1,
  m: number = ModuleId.PBFT,
) {
  const got: { from: number; text: string; packetType: number }[] = []
  const off = t.subscribe(g, m, (from, message) => {
    got.push({
      from: from[63] as number,
      text: new TextDecoder().decode(message.payload),
      packetType: message.packetType,
    })
  })
  return { got, off }
}

describe('memory transport', () => {
  it('delivers after the configured delay on a manual clock, in send order', () => {
    const clock = createManualClock()
    const net = createMemoryNetwork({ clock, delayMs: 5 })
    const a = net.createTransport(id(1))
    const b = net.createTransport(id(2))
    const { got } = inbox(b)
    a.send(id(2), msg('one'))
    a.send(id(2), msg('two'))
    expect(net.inFlight).toBe(2)
    clock.advance(4)
    expect(got).toEqual([])
    clock.advance(1)
    expect(got).toEqual([
      { from: 1, text: 'one', packetType: 7 },
      { from: 1, text: 'two', packetType: 7 },
    ])
    expect(net.inFlight).toBe(0)
  })

  it('routes by group and module, and unsubscribe stops delivery', () => {
    const clock = createManualClock()
    const net = createMemoryNetwork({ clock })
    const a = net.createTransport(id(1))
    const b = net.createTransport(id(2))
    const pbft = inbox(b)
    const sync2 = inbox(b, 2, ModuleId.BlockSync)
    a.send(id(2), msg('p'))
    a.send(id(2), msg('s', 2, ModuleId.BlockSync))
    a.send(id(2), msg('nobody', 3, ModuleId.BlockSync))
    clock.advance(0)
    expect(pbft.got.map((g) => g.text)).toEqual(['p'])
    expect(sync2.got.map((g) => g.text)).toEqual(['s'])
    pbft.off()
    a.send(id(2), msg('late'))
    clock.advance(0)
    expect(pbft.got).toHaveLength(1)
  })

  it('broadcasts to all peers or a subset, never to itself', () => {
    const clock = createManualClock()
    const net = createMemoryNetwork({ clock })
    const ts = [1, 2, 3, 4].map((n) => net.createTransport(id(n)))
    const boxes = ts.map((t) => inbox(t))
    ;(ts[0] as (typeof ts)[0]).broadcast(msg('all'))
    ;(ts[0] as (typeof ts)[0]).broadcast(msg('some'), [id(3), id(1)])
    clock.advance(0)
    expect(boxes.map((b) => b.got.map((g) => g.text))).toEqual([[], ['all'], ['all', 'some'], ['all']])
    expect((ts[0] as (typeof ts)[0]).peers().map((p) => p.nodeId[63])).toEqual([2, 3, 4])
  })

  it('copies payloads so later writes by the sender are not seen', () => {
    const clock = createManualClock()
    const net = createMemoryNetwork({ clock })
    const a = net.createTransport(id(1))
    const b = net.createTransport(id(2))
    const { got } = inbox(b)
    const payload = new TextEncoder().encode('abc')
    a.send(id(2), { groupId: 1, moduleId: ModuleId.PBFT, packetType: 0, payload })
    payload[0] = 0x7a
    clock.advance(0)
    expect(got[0]?.text).toBe('abc')
  })

  it('cuts, isolates and heals links, losing what was in flight on a cut link', () => {
    const clock = createManualClock()
    const net = createMemoryNetwork({ clock, delayMs: 10 })
    const a = net.createTransport(id(1))
    const b = net.createTransport(id(2))
    const c = net.createTransport(id(3))
    const inB = inbox(b)
    const inC = inbox(c)
    a.send(id(2), msg('in flight'))
    net.disconnect(id(1), id(2))
    clock.advance(10)
    expect(inB.got).toEqual([])
    expect(a.send(id(2), msg('refused'))).toBe(false)
    expect(a.peers().map((p) => p.nodeId[63])).toEqual([3])
    net.isolate(id(3))
    expect(c.peers()).toEqual([])
    a.broadcast(msg('nobody hears'))
    clock.advance(10)
    expect(inC.got).toEqual([])
    net.heal()
    a.broadcast(msg('back'))
    clock.advance(10)
    expect(inB.got.map((g) => g.text)).toEqual(['back'])
    expect(inC.got.map((g) => g.text)).toEqual(['back'])
    expect(net.dropped).toBe(2)
  })

  it('close removes a node from the network', async () => {
    const clock = createManualClock()
    const net = createMemoryNetwork({ clock })
    const a = net.createTransport(id(1))
    const b = net.createTransport(id(2))
    await b.close()
    expect(b.closed).toBe(true)
    expect(a.peers()).toEqual([])
    expect(a.send(id(2), msg('x'))).toBe(false)
    expect(b.send(id(1), msg('x'))).toBe(false)
    // The ID can join again.
    const b2 = net.createTransport(id(2))
    expect(b2.peers().map((p) => p.nodeId[63])).toEqual([1])
  })

  it('drops beyond inFlightMax and counts the drops', () => {
    const clock = createManualClock()
    const net = createMemoryNetwork({ clock, inFlightMax: 3 })
    const a = net.createTransport(id(1))
    const b = net.createTransport(id(2))
    const { got } = inbox(b)
    const accepted = [0, 1, 2, 3, 4].map((i) => a.send(id(2), msg(`m${i}`)))
    expect(accepted).toEqual([true, true, true, false, false])
    expect(net.dropped).toBe(2)
    clock.advance(0)
    expect(got.map((g) => g.text)).toEqual(['m0', 'm1', 'm2'])
  })

  it('loses messages at the seeded drop rate, reproducibly', () => {
    const run = () => {
      const clock = createManualClock()
      const net = createMemoryNetwork({ clock, dropRate: 0.3, random: createSeededRandom(42) })
      const a = net.createTransport(id(1))
      const b = net.createTransport(id(2))
      const { got } = inbox(b)
      for (let i = 0; i < 200; i++) a.send(id(2), msg(String(i)))
      clock.advance(0)
      return got.map((g) => g.text)
    }
    const first = run()
    expect(first.length).toBeGreaterThan(100)
    expect(first.length).toBeLessThan(180)
    expect(run()).toEqual(first)
  })

  it('keeps handler errors instead of throwing into the clock', () => {
    const clock = createManualClock()
    const net = createMemoryNetwork({ clock })
    const a = net.createTransport(id(1))
    const b = net.createTransport(id(2))
    b.subscribe(1, ModuleId.PBFT, () => {
      throw new Error('boom')
    })
    a.send(id(2), msg('x'))
    expect(() => clock.advance(0)).not.toThrow()
    expect(net.handlerErrors).toHaveLength(1)
  })

  it('delivers on the microtask queue without a clock', async () => {
    const net = createMemoryNetwork()
    const a = net.createTransport(id(1))
    const b = net.createTransport(id(2))
    const { got } = inbox(b)
    a.send(id(2), msg('soon'))
    expect(got).toEqual([])
    await Promise.resolve()
    expect(got.map((g) => g.text)).toEqual(['soon'])
  })

  it('checks its inputs', () => {
    const net = createMemoryNetwork()
    expect(() => net.createTransport(new Uint8Array(63))).toThrow(/64-byte node ID, got 63/)
    net.createTransport(id(1))
    expect(() => net.createTransport(id(1))).toThrow(/already on this network/)
    expect(() => createMemoryNetwork({ dropRate: 0.5 })).toThrow(/random/)
    expect(() => createMemoryNetwork({ delayMs: -1 })).toThrow(/delayMs/)
  })
})
