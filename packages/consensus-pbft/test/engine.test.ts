import { isChainError } from '@consortia/interface'
import { createHashSigner, createSimBlock, SIM_GENESIS, type SimPayload } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import {
  commitPreimage,
  createPBFTEngine,
  FUTURE_HEIGHT_WINDOW,
  FUTURE_MESSAGES_PER_SENDER_MAX_DEFAULT,
  type PBFTEngine,
  pbftFaultTolerance,
  pbftLeader,
  pbftQuorum,
  signPreimage,
  VERDICTS_PER_HEIGHT_MAX,
  VIEW_MAX,
} from '../src/index.js'
import { createCluster } from './support/cluster.js'
import type { SimPBFTMessage } from './support/sim-adapter.js'

/** Commit one block through the normal case; returns it. */
function commitOne(c: ReturnType<typeof createCluster>, txs = 1) {
  const leader = c.nodes.find((n) => n.engine !== undefined)!.engine!.status().leader
  const block = c.propose(leader, txs)
  c.deliverAll()
  return block
}

describe('normal case', () => {
  it('commits one block on every node with n−f commit signatures', () => {
    // Reference: Castro & Liskov 1999, §4.2 (pre-prepare, prepare, commit phases).
    const c = createCluster({ n: 4 })
    const block = commitOne(c, 3)
    for (const node of c.nodes) {
      expect(node.committed.map((x) => x.block.hash)).toEqual([block.hash])
      const cert = node.committed[0]!
      expect(cert.certificate.length).toBe(pbftQuorum(4))
      const digest = c.signer.hash(commitPreimage(1, cert.view!, block.hash))
      const indices = new Set(cert.certificate.map((s) => s.index))
      expect(indices.size).toBe(3)
      for (const s of cert.certificate) expect(c.signer.verify(s.index, digest, s.signature)).toBe(true)
      // The certificate does not verify for another view: signatures are bound to it.
      const other = c.signer.hash(commitPreimage(1, cert.view! + 1, block.hash))
      expect(c.signer.verify(cert.certificate[0]!.index, other, cert.certificate[0]!.signature)).toBe(false)
    }
  })

  it('rotates the leader as (view + height) mod n', () => {
    // FISCO PBFTEngine getLeader: leader index = (view + number) % sealer count.
    expect(pbftLeader(1, 0, 4)).toBe(1)
    expect(pbftLeader(4, 0, 4)).toBe(0)
    expect(pbftLeader(4, 3, 4)).toBe(3)
    expect(pbftLeader(10, 5, 7)).toBe(1)
    const c = createCluster({ n: 4 })
    for (let h = 1; h <= 6; h++) {
      expect(c.engine(0).status().leader).toBe(h % 4)
      commitOne(c)
    }
    expect(c.nodes.every((n) => n.committed.length === 6)).toBe(true)
  })

  it('needs n−f Signs to prepare: n−f−1 are not enough', () => {
    // Reference: Castro & Liskov 1999, §4.2 — prepared(m, v, n, i) needs 2f matching prepares
    // plus the pre-prepare, i.e. a quorum of 2f+1 = n−f with n = 3f+1.
    const c = createCluster({ n: 7 })
    expect(pbftFaultTolerance(7)).toBe(2)
    expect(pbftQuorum(7)).toBe(5)
    c.propose(1, 1)
    c.deliverAll((e) => e.body.type === 'prepare')
    // Node 0 sees Signs from 1, 2, 3 only (plus its own: 4 < 5).
    c.deliverAll((e) => e.body.type === 'sign' && e.to === 0 && e.from <= 3)
    expect(c.engine(0).status().lockedView).toBeUndefined()
    expect(c.queue.some((e) => e.from === 0 && e.body.type === 'commit')).toBe(false)
    // The fifth Sign prepares it.
    c.deliverAll((e) => e.body.type === 'sign' && e.to === 0 && e.from === 4)
    expect(c.engine(0).status().lockedView).toBe(0)
  })

  it('never commits an empty block and changes view at once', () => {
    const c = createCluster({ n: 4 })
    c.propose(1, 0)
    c.deliverAll()
    for (const node of c.nodes) {
      expect(node.committed).toEqual([])
      expect(node.engine!.status()).toMatchObject({ view: 1, changeCycle: 0, height: 1 })
    }
  })
})

describe('view change', () => {
  it('times out after the base timeout, then 1.5× longer per cycle, capped', () => {
    // Reference: Castro & Liskov 1999, §4.5.2 (liveness: the timeout grows; FISCO uses 1.5×).
    // Nobody proposes, so every view times out; all view changes are delivered at once.
    const c = createCluster({ n: 4, viewTimeoutTicks: 10, extra: { changeCycleMax: 2 } })
    const e = c.engine(0)
    const ticksToNextView = () => {
      const before = e.status().view
      let t = 0
      while (e.status().view === before && t < 1000) {
        c.tick('all')
        c.deliverAll()
        t++
      }
      return t
    }
    expect(ticksToNextView()).toBe(10)
    expect(ticksToNextView()).toBe(15)
    expect(ticksToNextView()).toBe(22)
    expect(ticksToNextView()).toBe(22)
    expect(e.status()).toMatchObject({ view: 4, toView: 4, changeCycle: 2, timeouts: 4 })
  })

  it('does not race ahead alone: without n−f requests it repeats its view change', () => {
    // Reference: Castro & Liskov 1999, §4.5.2 — the next view change waits for 2f+1
    // requests for the current one, so a cut-off replica does not run up its view.
    const c = createCluster({ n: 4, viewTimeoutTicks: 10 })
    c.crash(1)
    c.crash(2)
    const e = c.engine(0)
    c.tick(0, 100)
    expect(e.status()).toMatchObject({ view: 0, toView: 1, timeouts: 1 })
    const repeats = c.queue.filter((m) => m.from === 0 && m.body.type === 'view-change' && m.to === 3)
    // One request after 10 ticks, repeated every 15 (10 × 1.5) without escalating.
    expect(repeats.length).toBe(1 + 6)
    expect(repeats.every((m) => m.body.type === 'view-change' && m.body.toView === 1)).toBe(true)
    // With node 3 asking too there are 2 requests, still short of n−f = 3: no view 1, no view 2.
    c.tick(3, 10)
    c.deliverAll()
    c.tick('all', 100)
    c.deliverAll()
    expect(e.status()).toMatchObject({ view: 0, toView: 1 })
    expect(c.engine(3).status()).toMatchObject({ view: 0, toView: 1 })
  })

  it('ignores huge views from up to f sealers and catches up on f+1 (CVE-2022-26534)', () => {
    // Reference: Castro & Liskov 1999, §4.5.2 — a replica that receives f+1 view-change
    // messages for views greater than its own moves to the smallest of them.
    const c = createCluster({ n: 7 })
    const vc = (view: number): SimPBFTMessage => ({ type: 'view-change', height: 1, toView: view })
    c.inject(5, 0, vc(2 ** 32 - 1))
    c.inject(6, 0, vc(VIEW_MAX))
    expect(c.engine(0).status()).toMatchObject({ view: 0, toView: 0 })
    c.inject(4, 0, vc(12))
    // f+1 = 3 voices: the third highest request (12) is vouched for by an honest node.
    expect(c.engine(0).status().toView).toBe(12)
    expect(c.engine(0).status().view).toBe(0)
    c.inject(3, 0, vc(12))
    // n−f = 5 with our own request: enter view 12, not the forged ones.
    expect(c.engine(0).status().view).toBe(12)
    c.inject(2, 0, vc(VIEW_MAX + 1))
    expect(c.engine(0).rejected().get('view-overflow')).toBe(1)
  })

  it('keeps a prepared block across a view change (lock) and re-proposes it', () => {
    // Reference: Castro & Liskov 1999, §4.4 — the new primary re-proposes requests prepared
    // in earlier views; a replica that prepared m never accepts a conflicting request
    // without proof of a later prepared certificate.
    const c = createCluster({ n: 4 })
    const b1 = c.propose(1, 2)
    c.deliverAll((e) => e.body.type === 'prepare')
    c.deliverAll((e) => e.body.type === 'sign' && e.to === 3)
    c.drop(() => true)
    expect(c.engine(3).status().lockedView).toBe(0)
    // View 1's leader is n2. A conflicting Prepare without justification is refused by n3.
    for (const i of [0, 1, 2, 3])
      for (const from of [0, 1, 2, 3]) if (from !== i) c.inject(from, i, vcTo(1, 1))
    c.drop(() => true)
    expect(c.engine(3).status().view).toBe(1)
    const other = createSimBlock(1, SIM_GENESIS.hash, 5, { proposer: 2, nonce: 99 })
    c.inject(2, 3, { type: 'prepare', height: 1, view: 1, block: other })
    expect(c.engine(3).rejected().get('lock-conflict')).toBe(1)
    expect(c.queue.filter((e) => e.from === 3 && e.body.type === 'sign')).toEqual([])
    // After the next view change n3's certificate reaches the leader, which re-proposes B1.
    c.tick('all', 15)
    c.deliverAll()
    for (const node of c.nodes) expect(node.committed.map((x) => x.block.hash)).toEqual([b1.hash])
  })

  it('refuses a re-proposal whose justification is forged', () => {
    const c = createCluster({ n: 4 })
    c.propose(1, 2)
    c.deliverAll((e) => e.body.type === 'prepare')
    c.deliverAll((e) => e.body.type === 'sign' && e.to === 3)
    c.drop(() => true)
    for (const from of [0, 1, 2]) c.inject(from, 3, vcTo(1, 1))
    const other = createSimBlock(1, SIM_GENESIS.hash, 5, { proposer: 2, nonce: 7 })
    const forged = {
      height: 1,
      view: 0,
      hash: other.hash,
      votes: [0, 1, 2].map((index) => ({ index, signature: new Uint8Array(32).fill(index + 1) })),
    }
    c.inject(2, 3, { type: 'prepare', height: 1, view: 1, block: other, justification: forged })
    expect(c.engine(3).rejected().get('bad-certificate')).toBe(1)
  })
})

function vcTo(height: number, view: number): SimPBFTMessage {
  return { type: 'view-change', height, toView: view }
}

describe('persisted safety state', () => {
  it('a restarted node never signs a second block at one height and view', () => {
    // Reference: Castro & Liskov 1999, §4.2 — a backup accepts a pre-prepare only if it has
    // not accepted one for the same view and sequence number with a different digest;
    // the persisted vote keeps that true across restarts.
    const c = createCluster({ n: 4 })
    c.propose(1, 1)
    c.deliverAll((e) => e.body.type === 'prepare' && e.to === 0)
    c.drop(() => true)
    const persisted = c.nodes[0]!.persisted!
    expect(persisted.lastSign).toMatchObject({ height: 1, view: 0 })
    c.crash(0)
    c.restart(0)
    expect(c.engine(0).status()).toMatchObject({ height: 1, view: 0 })
    const other = createSimBlock(1, SIM_GENESIS.hash, 4, { proposer: 1, nonce: 1234 })
    c.inject(1, 0, { type: 'prepare', height: 1, view: 0, block: other })
    expect(c.queue.filter((e) => e.from === 0 && e.body.type === 'sign')).toEqual([])
  })

  it('a restarted node keeps its lock and view', () => {
    const c = createCluster({ n: 4 })
    c.propose(1, 1)
    c.deliverAll((e) => e.body.type === 'prepare')
    c.deliverAll((e) => e.body.type === 'sign' && e.to === 2)
    c.drop(() => true)
    c.crash(2)
    c.restart(2)
    expect(c.engine(2).status()).toMatchObject({ lockedView: 0, height: 1 })
  })

  it('refuses persisted state from the future', () => {
    const signer = createHashSigner(1, 4)
    const make = () =>
      createPBFTEngine<SimPayload>(
        { sealerCount: 4, selfIndex: 0, head: SIM_GENESIS, state: { height: 5, view: 0 } },
        { sign: (h) => signer.sign(0, h), verify: signer.verify, hash: signer.hash },
      )
    expect(make).toThrowError(/persisted height 5 is ahead of head 0/)
  })
})

describe('hostile input (attack catalogue A14–A16, A18)', () => {
  it('A14 / CVE-2022-28937: a forged header gets no vote and the next view commits', () => {
    const c = createCluster({ n: 4 })
    const forgedLeader = 1
    c.propose(forgedLeader, 2, (b) => ({ ...b, hash: new Uint8Array(32).fill(7) }))
    c.deliverAll()
    for (const node of c.nodes) {
      expect(node.committed).toEqual([])
      expect(node.engine!.status().view).toBe(1)
    }
    expect(c.engine(0).rejected().get('bad-block')).toBe(1)
    const good = commitOne(c)
    for (const node of c.nodes) expect(node.committed.map((x) => x.block.hash)).toEqual([good.hash])
  })

  it('A14: a Prepare on a wrong parent or height from the leader triggers a view change', () => {
    const c = createCluster({ n: 4 })
    const bad = createSimBlock(2, new Uint8Array(32).fill(1), 1, { proposer: 1, nonce: 5 })
    c.inject(1, 0, { type: 'prepare', height: 1, view: 0, block: bad })
    expect(c.engine(0).rejected().get('bad-block')).toBe(1)
    expect(c.engine(0).status().toView).toBe(1)
  })

  it('A14: a second, different Prepare or vote from one sender is refused', () => {
    const c = createCluster({ n: 4 })
    c.propose(1, 1)
    c.deliverAll((e) => e.body.type === 'prepare' && e.to === 0)
    const other = createSimBlock(1, SIM_GENESIS.hash, 3, { proposer: 1, nonce: 77 })
    c.inject(1, 0, { type: 'prepare', height: 1, view: 0, block: other })
    expect(c.engine(0).rejected().get('equivocation')).toBe(1)
    const first = c.signer.sign(2, c.signer.hash(signPreimage(1, 0, other.hash)))
    const second = c.signer.sign(2, c.signer.hash(signPreimage(1, 0, new Uint8Array(32).fill(3))))
    c.inject(2, 0, { type: 'sign', height: 1, view: 0, hash: other.hash, signature: first })
    c.inject(2, 0, { type: 'sign', height: 1, view: 0, hash: new Uint8Array(32).fill(3), signature: second })
    expect(c.engine(0).rejected().get('double-vote')).toBe(1)
  })

  it('A15: drops messages from non-sealers, bad signatures, spoofed verdicts and malformed bodies', () => {
    const c = createCluster({ n: 4 })
    const e = c.engine(0)
    const block = createSimBlock(1, SIM_GENESIS.hash, 1, { proposer: 1, nonce: 1 })
    c.inject(4, 0, { type: 'prepare', height: 1, view: 0, block })
    c.inject(-1, 0, vcTo(1, 1))
    expect(e.rejected().get('non-sealer')).toBe(2)
    c.inject(2, 0, { type: 'sign', height: 1, view: 0, hash: block.hash, signature: new Uint8Array(32) })
    expect(e.rejected().get('bad-signature')).toBe(1)
    // The signer index must match the sender: n3's signature presented by n2.
    const sig3 = c.signer.sign(3, c.signer.hash(signPreimage(1, 0, block.hash)))
    c.inject(2, 0, { type: 'sign', height: 1, view: 0, hash: block.hash, signature: sig3 })
    expect(e.rejected().get('bad-signature')).toBe(2)
    c.inject(1, 0, { type: 'verdict', height: 1, hash: block.hash, valid: true })
    expect(e.rejected().get('verdict-spoofed')).toBe(1)
    c.inject(1, 0, {
      type: 'sign',
      height: 1,
      view: 0,
      hash: new Uint8Array(31),
      signature: sig3,
    } as SimPBFTMessage)
    c.inject(1, 0, { type: 'nonsense' } as unknown as SimPBFTMessage)
    c.inject(1, 0, { type: 'sign', height: 1, view: 0, hash: block.hash, signature: new Uint8Array(300) })
    expect(e.rejected().get('malformed')).toBe(3)
    expect(e.status()).toMatchObject({ view: 0, toView: 0, lockedView: undefined })
  })

  it('A16: stale messages are ignored; future ones wait in a bounded per-sender cache', () => {
    const c = createCluster({ n: 4 })
    commitOne(c)
    const e = c.engine(0)
    const staleBefore = e.rejected().get('stale') ?? 0
    const block = createSimBlock(1, SIM_GENESIS.hash, 1, { proposer: 1, nonce: 3 })
    c.inject(1, 0, { type: 'prepare', height: 1, view: 0, block })
    expect(e.rejected().get('stale')).toBe(staleBefore + 1)
    for (let i = 0; i < FUTURE_MESSAGES_PER_SENDER_MAX_DEFAULT + 10; i++) {
      const hash = new Uint8Array(32).fill(i)
      const signature = c.signer.sign(3, c.signer.hash(signPreimage(3, i, hash)))
      c.inject(3, 0, { type: 'sign', height: 3, view: i, hash, signature })
    }
    expect(e.futureMessageCount(3)).toBe(FUTURE_MESSAGES_PER_SENDER_MAX_DEFAULT)
    expect(e.rejected().get('future-dropped')).toBe(10)
    // Another sender still has its own room.
    c.inject(2, 0, vcTo(3, 1))
    expect(e.futureMessageCount(2)).toBe(1)
    c.inject(2, 0, vcTo(2 + FUTURE_HEIGHT_WINDOW + 1, 1))
    expect(e.futureMessageCount(2)).toBe(1)
    expect(e.rejected().get('future-dropped')).toBe(11)
  })

  it('A16: a future-view Prepare is replayed once the view is entered', () => {
    const c = createCluster({ n: 4 })
    const block = createSimBlock(1, SIM_GENESIS.hash, 1, { proposer: 2, nonce: 3 })
    c.inject(2, 0, { type: 'prepare', height: 1, view: 1, block })
    expect(c.engine(0).futureMessageCount(2)).toBe(1)
    for (const from of [1, 2, 3]) c.inject(from, 0, vcTo(1, 1))
    expect(c.engine(0).status().view).toBe(1)
    expect(c.engine(0).futureMessageCount(2)).toBe(0)
    expect(c.queue.some((e) => e.from === 0 && e.body.type === 'sign')).toBe(true)
  })

  it('A18: the sealer list changes at a block boundary and the quorum follows it', () => {
    const c = createCluster({ n: 4 })
    const leader = c.engine(0).status().leader
    c.propose(leader, 1)
    c.deliverAll((e) => e.body.type !== 'commit')
    // Commits arrive; before each node advances past height 1 the host installs 3 sealers
    // for height 2 (sealer 3 removed by the consensus precompile in block 1).
    for (const node of c.nodes.slice(0, 3)) {
      const e = node.engine!
      expect(() => e.setSealers(5, { sealerCount: 3, selfIndex: node.index })).toThrowError(/next height/)
    }
    c.deliverAll((e) => e.body.type === 'commit' && e.to === 3)
    const early = c.nodes.slice(0, 3)
    // Deliver commits to 0..2 one by one and reconfigure right after each decides.
    for (const node of early) {
      c.deliverAll((e) => e.body.type === 'commit' && e.to === node.index && e.from !== 2)
    }
    for (const node of early) expect(node.engine!.status().height).toBe(2)
    for (const node of early) {
      expect(() => node.engine!.setSealers(2, { sealerCount: 3, selfIndex: node.index })).not.toThrow()
      expect(node.engine!.status().sealerCount).toBe(3)
    }
    c.drop(() => true)
    // With 3 sealers f = 0 and the quorum is all 3; node 3's messages are now from a non-sealer.
    const b2 = createSimBlock(2, c.nodes[0]!.head.hash, 1, { proposer: 3, nonce: 42 })
    c.inject(3, 0, { type: 'prepare', height: 2, view: 0, block: b2 })
    expect(c.engine(0).rejected().get('non-sealer')).toBe(1)
    const leader2 = c.engine(0).status().leader
    expect(leader2).toBe(pbftLeader(2, 0, 3))
    c.propose(leader2, 1)
    c.deliverAll((e) => e.to !== 3)
    for (const node of early) {
      expect(node.committed.length).toBe(2)
      expect(node.committed[1]!.certificate.length).toBe(3)
    }
  })

  it('an observer (no index) neither proposes nor votes', () => {
    const signer = createHashSigner(1, 4)
    const e = createPBFTEngine<SimPayload>(
      { sealerCount: 4, selfIndex: undefined, head: SIM_GENESIS },
      { sign: (h) => signer.sign(0, h), verify: signer.verify, hash: signer.hash },
    )
    const block = createSimBlock(1, SIM_GENESIS.hash, 1, { proposer: 1, nonce: 1 })
    e.step({ from: 1, body: { type: 'prepare', height: 1, view: 0, block } })
    for (let i = 0; i < 100; i++) e.tick()
    const rd = e.ready()
    expect(rd.messages).toEqual([])
    expect(rd.verify).toEqual([])
    expect(rd.shouldPropose).toBe(false)
  })
})

describe('catch-up of a lagging node', () => {
  it('syncs committed blocks with valid certificates and rejects forged ones', () => {
    const c = createCluster({ n: 4 })
    c.crash(0)
    for (let i = 0; i < 3; i++) commitOne(c)
    expect(c.nodes[1]!.committed.length).toBe(3)
    c.restart(0)
    // A forged sync response: right chain shape, but certificates from nobody.
    const fake = c.nodes[1]!.committed.map((x) => ({
      ...x,
      certificate: x.certificate.map((s) => ({ index: s.index, signature: new Uint8Array(32) })),
    }))
    c.inject(3, 0, { type: 'sync-response', blocks: fake })
    expect(c.engine(0).rejected().get('bad-certificate')).toBe(1)
    expect(c.nodes[0]!.committed).toEqual([])
    // Its timeout view change reaches the others, which answer with blocks.
    c.tick(0, 10)
    c.deliverAll()
    expect(c.nodes[0]!.committed.map((x) => x.block.number)).toEqual([1, 2, 3])
    expect(c.engine(0).status().height).toBe(4)
  })

  it('answers sync requests only from its bounded committed cache', () => {
    const c = createCluster({ n: 4, extra: { committedCacheMax: 2, syncIntervalTicks: 0 } })
    for (let i = 0; i < 4; i++) commitOne(c)
    c.inject(0, 1, { type: 'sync-request', height: 1 })
    const answer = c.queue.find((e) => e.from === 1 && e.body.type === 'sync-response')
    expect(answer?.body.type === 'sync-response' && answer.body.blocks.map((b) => b.block.number)).toEqual([
      3, 4,
    ])
  })
})

describe('limits and input checks', () => {
  it('answers a sync request with at most syncBlocksPerReplyMax blocks and refuses longer answers', () => {
    const c = createCluster({ n: 4, extra: { syncBlocksPerReplyMax: 2, syncIntervalTicks: 0 } })
    for (let i = 0; i < 5; i++) commitOne(c)
    c.inject(0, 1, { type: 'sync-request', height: 1 })
    const answer = c.queue.find((e) => e.from === 1 && e.body.type === 'sync-response')
    expect(answer?.body.type === 'sync-response' && answer.body.blocks.map((b) => b.block.number)).toEqual([
      1, 2,
    ])
    const tooLong = c.nodes[1]!.committed.slice(0, 3)
    c.inject(1, 0, { type: 'sync-response', blocks: tooLong })
    expect(c.engine(0).rejected().get('malformed')).toBe(1)
  })

  it('bounds the blocks awaiting or holding a verdict per height', () => {
    const c = createCluster({ n: 4, extra: { futureMessagesPerSenderMax: 0 } })
    const e: PBFTEngine<SimPayload> = c.engine(0)
    const views = VERDICTS_PER_HEIGHT_MAX * 2
    for (let v = 1; v <= views; v++) {
      for (const from of [1, 2, 3]) c.inject(from, 0, vcTo(1, v))
      const leader = pbftLeader(1, v, 4)
      const block = createSimBlock(1, SIM_GENESIS.hash, 1, { proposer: leader, nonce: v })
      if (leader !== 0) c.inject(leader, 0, { type: 'prepare', height: 1, view: v, block })
    }
    c.drop(() => true)
    expect(e.status().view).toBe(views)
    // Every view brought a new block, but the host was asked about at most the limit.
    expect(c.log.filter((l) => l.startsWith('n0 verify')).length).toBe(VERDICTS_PER_HEIGHT_MAX)
    expect(e.rejected().get('future-dropped')).toBe(views - views / 4 - VERDICTS_PER_HEIGHT_MAX)
  })

  it('fails wiring with typed, labelled errors', () => {
    const signer = createHashSigner(1, 4)
    const comps = { sign: (h: Uint8Array) => signer.sign(0, h), verify: signer.verify, hash: signer.hash }
    const attempt = (f: () => unknown) => {
      try {
        f()
      } catch (err) {
        return err
      }
      return undefined
    }
    const e1 = attempt(() =>
      createPBFTEngine(
        { sealerCount: 4, selfIndex: 0, head: { number: 0, hash: new Uint8Array(31) } },
        comps,
      ),
    )
    expect(isChainError(e1, 'PBFT_INVALID_CONFIG')).toBe(true)
    expect((e1 as Error).message).toBe('expected 32-byte head.hash, got 31')
    const e2 = attempt(() => createPBFTEngine({ sealerCount: 4, selfIndex: 4, head: SIM_GENESIS }, comps))
    expect((e2 as Error).message).toBe('expected selfIndex in [0, 4), got 4')
    const e3 = attempt(() =>
      createPBFTEngine({ sealerCount: 4, selfIndex: 0, head: SIM_GENESIS }, {
        ...comps,
        hash: undefined,
      } as never),
    )
    expect((e3 as Error).message).toBe('missing component: hash')
    const engine = createPBFTEngine<SimPayload>({ sealerCount: 4, selfIndex: 1, head: SIM_GENESIS }, comps)
    const bad = {
      ...createSimBlock(1, SIM_GENESIS.hash, 1, { proposer: 1, nonce: 1 }),
      hash: new Uint8Array(5),
    }
    const e4 = attempt(() => engine.propose(bad))
    expect(isChainError(e4, 'PBFT_INVALID_BLOCK')).toBe(true)
    expect((e4 as Error).message).toBe('expected 32-byte hash, got 5')
  })
})
