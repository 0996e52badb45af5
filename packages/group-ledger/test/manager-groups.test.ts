import { ModuleId } from '@consortia/interface'
import { createSeededRandom } from '@consortia/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { createGroupTransport, encodeConsensusJSON } from '../src/index.js'
import {
  createManagedNetwork,
  GENESIS_TIMESTAMP,
  groupTx,
  hexOf,
  type ManagedNetwork,
} from './manager-helpers.js'

let net: ManagedNetwork | undefined
afterEach(async () => {
  await net?.close()
  net = undefined
})

describe('two groups on the same four nodes', () => {
  it('node D, only in group 1, never receives a group-2 message and holds no group-2 data; both groups commit', async () => {
    // Block sync and tx sync run in every group too (status gossip, forwarding).
    net = await createManagedNetwork(4, { manager: { sync: true, random: createSeededRandom(11) } })
    const n = net
    const [a, b, c, d] = n.nodes as [
      (typeof n.nodes)[0],
      (typeof n.nodes)[0],
      (typeof n.nodes)[0],
      (typeof n.nodes)[0],
    ]
    const all = [a, b, c, d]
    const g1 = { groupId: 1, timestamp: GENESIS_TIMESTAMP, sealers: all.map((x) => x.id), txCountLimit: 20 }
    const g2 = {
      groupId: 2,
      timestamp: GENESIS_TIMESTAMP,
      sealers: [a, b, c].map((x) => x.id),
      txCountLimit: 20,
    }
    for (const node of all) {
      await node.manager.generateGroup(g1)
      await node.manager.startGroup(1)
    }
    for (const node of [a, b, c]) {
      await node.manager.generateGroup(g2)
      await node.manager.startGroup(2)
    }
    const txs1 = Array.from({ length: 30 }, (_, i) => groupTx(1, i))
    const txs2 = Array.from({ length: 30 }, (_, i) => groupTx(2, i))
    // Clients send to one node each; tx sync forwards to the group's other sealers.
    for (const r of await a.manager.group(1)!.pool.submitMany(txs1)) expect(r.ok).toBe(true)
    for (const r of await b.manager.group(2)!.pool.submitMany(txs2)) expect(r.ok).toBe(true)
    const members2 = [a, b, c]
    await n.runUntil(
      () =>
        all.every((x) => x.manager.group(1)!.pool.size === 0) &&
        members2.every((x) => x.manager.group(2)!.pool.size === 0),
      600,
    )

    // Both groups committed every transaction, and their members agree block by block.
    for (const [groupId, members, count] of [
      [1, all, txs1.length],
      [2, members2, txs2.length],
    ] as const) {
      const stores = members.map((x) => x.manager.group(groupId)!.store)
      const height = Math.min(...stores.map((s) => s.head.number))
      expect(height).toBeGreaterThanOrEqual(2)
      for (const s of stores) expect(await s.totalTransactionCount()).toBe(count)
      for (let h = 1; h <= height; h++) {
        const hashes = await Promise.all(stores.map(async (s) => hexOf((await s.hashByNumber(h))!)))
        expect(new Set(hashes).size).toBe(1)
      }
    }
    // The groups are separate chains: different genesis blocks.
    const genesis1 = await a.manager.group(1)!.store.hashByNumber(0)
    const genesis2 = await a.manager.group(2)!.store.hashByNumber(0)
    expect(hexOf(genesis1!)).not.toBe(hexOf(genesis2!))

    // No message of group 2 was ever addressed to D; group-1 messages were.
    const dHex = hexOf(d.id)
    expect(n.sent.filter((m) => m.to === dHex && m.groupId === 2)).toEqual([])
    expect(n.sent.filter((m) => m.to === dHex && m.groupId === 1).length).toBeGreaterThan(0)
    expect(n.sent.filter((m) => m.groupId === 2).length).toBeGreaterThan(0)
    // Sync traffic of group 2 (status gossip and forwarded transactions, module 9) went to its members.
    expect(n.sent.filter((m) => m.groupId === 2 && m.moduleId === ModuleId.BlockSync).length).toBeGreaterThan(
      0,
    )
    expect(d.manager.group(1)!.txSync!.stats.txsReceived).toBeGreaterThan(0)
    // ... nor did D send any.
    expect(n.sent.filter((m) => m.from === dHex && m.groupId === 2)).toEqual([])

    // D holds no group-2 data: unknown group, no keys in a group-2 namespace of its store.
    expect(d.manager.queryGroupStatus(2)).toBe('INEXISTENT')
    expect(d.manager.group(2)).toBeUndefined()
    expect(d.manager.groupList()).toEqual([1])
    const prefixes = new Set<string>()
    for await (const [k] of d.kv.iterate()) prefixes.add(Buffer.from(k).toString('latin1').split('/')[0]!)
    expect([...prefixes]).toEqual(['g1'])
    const aPrefixes = new Set<string>()
    for await (const [k] of a.kv.iterate()) aPrefixes.add(Buffer.from(k).toString('latin1').split('/')[0]!)
    expect([...aPrefixes].sort()).toEqual(['g1', 'g2'])

    // A group-2 message forged by D (a free node for group 2) is dropped by A's group 2.
    const aGroup2 = a.manager.group(2)!
    const before = aGroup2.transport.stats.droppedInbound
    d.transport.send(a.id, {
      groupId: 2,
      moduleId: ModuleId.PBFT,
      packetType: 0,
      payload: encodeConsensusJSON({ type: 'view-change', height: 99, view: 1 }),
    })
    await n.runUntil(() => aGroup2.transport.stats.droppedInbound > before, 5)
    expect(aGroup2.driver.stats.droppedNonSealer).toBe(0)
  })
})

describe('group transport', () => {
  it('sends only to members and only this group, delivers only from members, and leaves the shared transport open', async () => {
    net = await createManagedNetwork(3)
    const [a, b, c] = net.nodes as [(typeof net.nodes)[0], (typeof net.nodes)[0], (typeof net.nodes)[0]]
    const gt = createGroupTransport(a.transport, 9, [a.id, b.id])
    const received: string[] = []
    for (const x of [b, c]) {
      x.transport.subscribe(9, ModuleId.BlockSync, (from) =>
        received.push(`${x.index}<-${hexOf(from).slice(0, 4)}`),
      )
    }
    const m = { groupId: 9, moduleId: ModuleId.BlockSync, packetType: 0, payload: Uint8Array.of(1) }
    gt.broadcast(m) // to every connected member: b only
    gt.send(c.id, m) // c is not a member
    gt.send(b.id, { ...m, groupId: 1 }) // another group's message through group 9's transport
    gt.broadcast(m, [b.id, c.id])
    await net.runUntil(() => true, 1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(received).toEqual([`1<-${hexOf(a.id).slice(0, 4)}`, `1<-${hexOf(a.id).slice(0, 4)}`])
    expect(gt.stats.refusedOutbound).toBe(4)
    expect(gt.peers().map((p) => hexOf(p.nodeId))).toEqual([hexOf(b.id)])
    expect(() => gt.subscribe(1, ModuleId.BlockSync, () => {})).toThrow(/this group's id 9/)

    const got: string[] = []
    gt.subscribe(9, ModuleId.TxPool, (from) => got.push(hexOf(from).slice(0, 4)))
    b.transport.send(a.id, { ...m, moduleId: ModuleId.TxPool })
    c.transport.send(a.id, { ...m, moduleId: ModuleId.TxPool })
    await new Promise((resolve) => setImmediate(resolve))
    expect(got).toEqual([hexOf(b.id).slice(0, 4)])
    expect(gt.stats.droppedInbound).toBe(1)
    // Membership follows the chain (an observer added by ConsensusPrecompiled).
    gt.setMembers([a.id, b.id, c.id])
    c.transport.send(a.id, { ...m, moduleId: ModuleId.TxPool })
    await new Promise((resolve) => setImmediate(resolve))
    expect(got).toHaveLength(2)
    await gt.close()
    b.transport.send(a.id, { ...m, moduleId: ModuleId.TxPool })
    await new Promise((resolve) => setImmediate(resolve))
    expect(got).toHaveLength(2)
    expect(a.transport.peers()).toHaveLength(2)
  })
})
