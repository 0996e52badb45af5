import { describe, expect, it } from 'vitest'
import type { SimPayload } from '../src/index.js'
import {
  agreementInvariant,
  createHashSigner,
  createSimBlock,
  createSimulator,
  fastHash,
  formatScenarioFailure,
  isSimBlockValid,
  replayBehaviour,
  runRandomScenario,
  SIM_GENESIS,
  type SimByzantine,
  type SimCommitEvent,
  signatureQuorumInvariant,
} from '../src/index.js'
import { type ToyMessage, toyAdapter } from './support/toy-engine.js'

/** The toy leader sends a different (valid) block to each follower. */
function equivocate(): SimByzantine<ToyMessage> {
  return {
    name: 'equivocate',
    outbound(msg, ctx) {
      if (msg.body.type !== 'block' || msg.to !== 'all') return undefined
      const b = msg.body.block
      return [1, 2, 3].map((to) => ({
        to,
        body: { type: 'block', block: to === 1 ? b : ctx.makeBlock(b.number, b.parentHash, b.txCount + to) },
      }))
    },
  }
}

describe('invariant checkers', () => {
  it('report disagreement between honest nodes, with the seed', () => {
    const sim = createSimulator({
      seed: 21,
      nodeCount: 4,
      adapter: toyAdapter(),
      byzantine: new Map([[0, equivocate()]]),
    })
    sim.run(50)
    expect(sim.violations[0]).toMatchObject({ seed: 21, invariant: 'agreement' })
    expect(sim.violations[0]!.message).toMatch(/committed different blocks at height 1/)
    const report = formatScenarioFailure('toy', { seed: 21, violations: sim.violations })
    expect(report).toContain('seed 21 failed (re-run with SIM_SEED=21)')
    expect(report).toContain('agreement')
  })

  it('report a committed block the host would not execute', () => {
    const forge: SimByzantine<ToyMessage> = {
      name: 'forge',
      outbound(msg, ctx) {
        if (msg.body.type !== 'block') return undefined
        const b = msg.body.block
        return [{ to: msg.to, body: { type: 'block', block: { ...b, hash: ctx.random.bytes(32) } } }]
      },
    }
    // Followers that verify refuse it…
    const careful = createSimulator({
      seed: 1,
      nodeCount: 3,
      adapter: toyAdapter(),
      byzantine: new Map([[0, forge]]),
    })
    careful.run(50)
    expect(careful.violations).toEqual([])
    expect(careful.honestMaxHeight()).toBe(0)
    // …a flawed engine that skips verification is caught.
    const sloppy = createSimulator({
      seed: 1,
      nodeCount: 3,
      adapter: toyAdapter({ skipVerify: true }),
      byzantine: new Map([[0, forge]]),
    })
    sloppy.run(50)
    expect(sloppy.violations[0]).toMatchObject({ invariant: 'block-valid' })
  })

  it('report a height that does not move up by one', () => {
    const sim = createSimulator({ seed: 2, nodeCount: 3, adapter: toyAdapter({ commitTwice: true }) })
    sim.run(20)
    expect(sim.violations[0]).toMatchObject({ invariant: 'height-monotonic' })
  })

  it('check certificates: quorum, distinct sealers, valid signatures', () => {
    const quorumOf = (q: number) => signatureQuorumInvariant({ quorum: () => q, digest: (c) => c.block.hash })
    const ok = createSimulator({ seed: 3, nodeCount: 3, adapter: toyAdapter(), invariants: [quorumOf(1)] })
    ok.run(50)
    expect(ok.violations).toEqual([])
    const short = createSimulator({ seed: 3, nodeCount: 3, adapter: toyAdapter(), invariants: [quorumOf(2)] })
    short.run(50)
    expect(short.violations[0]!.message).toMatch(/has 1 signatures, needs 2/)
    const bad = createSimulator({
      seed: 3,
      nodeCount: 3,
      adapter: toyAdapter({ badSignature: true }),
      invariants: [quorumOf(1)],
    })
    bad.run(50)
    expect(bad.violations[0]!.message).toMatch(/bad signature from/)
    // Repeated and out-of-range sealers, checked on a hand-made event.
    const signer = createHashSigner(1, 3)
    const block = createSimBlock(1, SIM_GENESIS.hash, 1, { proposer: 0, nonce: 1 })
    const sig = signer.sign(0, block.hash)
    const event = (certificate: { index: number; signature: Uint8Array }[]): SimCommitEvent => ({
      tick: 1,
      node: 1,
      honest: true,
      committed: { block, certificate },
      sealerCount: 3,
      verify: signer.verify,
      hash: signer.hash,
    })
    const inv = quorumOf(2)
    expect(
      inv.onCommit!(
        event([
          { index: 0, signature: sig },
          { index: 0, signature: sig },
        ]),
      ),
    ).toMatch(/repeats sealer 0/)
    expect(inv.onCommit!(event([{ index: 5, signature: sig }]))).toMatch(/non-sealer 5/)
  })

  it('report missing progress after a heal, and a blown round budget', () => {
    const stuck = createSimulator({
      seed: 4,
      nodeCount: 3,
      adapter: toyAdapter({ stopAfter: 3, livenessTicks: 40 }),
    })
    stuck.run(30)
    stuck.expectLiveness()
    expect(stuck.livenessPending).toBe(true)
    stuck.run(60)
    expect(stuck.violations[0]).toMatchObject({ invariant: 'liveness' })
    expect(stuck.violations[0]!.message).toMatch(/within 40 ticks/)
    // Progress, but the toy counts a round per tick: 1 round allowed is far too few.
    const slow = createSimulator({ seed: 4, nodeCount: 3, adapter: toyAdapter({ roundBudget: 1 }) })
    slow.setNetwork({ delayMinTicks: 3, delayMaxTicks: 3 })
    slow.run(10)
    slow.expectLiveness()
    slow.run(30)
    expect(slow.violations[0]).toMatchObject({ invariant: 'liveness-rounds' })
    const fine = createSimulator({ seed: 4, nodeCount: 3, adapter: toyAdapter({ roundBudget: 100 }) })
    fine.run(10)
    fine.expectLiveness()
    fine.run(30)
    expect(fine.violations).toEqual([])
    expect(fine.livenessPending).toBe(false)
  })

  it('agreement memory is bounded', () => {
    const { invariant, state } = agreementInvariant(10)
    const signer = createHashSigner(1, 2)
    let parent = SIM_GENESIS.hash
    for (let h = 1; h <= 25; h++) {
      const block = createSimBlock(h, parent, 1, { proposer: 0, nonce: h })
      parent = block.hash
      const e: SimCommitEvent = {
        tick: h,
        node: 0,
        honest: true,
        committed: { block, certificate: [] },
        sealerCount: 2,
        verify: signer.verify,
        hash: signer.hash,
      }
      expect(invariant.onCommit!(e)).toBeUndefined()
    }
    expect(state.decided.size).toBe(10)
    expect([...state.decided.keys()]).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25])
  })

  it('random scenarios are reproducible from the seed and catch an engine without recovery', () => {
    const run = () =>
      runRandomScenario({
        seed: 99,
        nodeCount: 4,
        adapter: toyAdapter({ livenessTicks: 200 }),
        ticks: 3000,
        byzantine: new Map([[3, replayBehaviour<ToyMessage>(0.5)]]),
      })
    const a = run()
    const b = run()
    expect(a.violations.length).toBeGreaterThan(0)
    expect(b.violations).toEqual(a.violations)
    expect(b.stats).toEqual(a.stats)
  })
})

describe('fast hash and hash signer', () => {
  it('hashes deterministically without collisions on 20,000 small inputs', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 20_000; i++) {
      const data = new TextEncoder().encode(`input-${i}`)
      const h = fastHash(data)
      expect(h.length).toBe(32)
      seen.add(Buffer.from(h).toString('hex'))
    }
    expect(seen.size).toBe(20_000)
    expect(fastHash(new Uint8Array([1, 2, 3]))).toEqual(fastHash(new Uint8Array([1, 2, 3])))
    expect(fastHash(new Uint8Array(0))).not.toEqual(fastHash(new Uint8Array(1)))
  })

  it('signs as one index only', () => {
    const s = createHashSigner(5, 4)
    const h = fastHash(new Uint8Array([9]))
    const sig = s.sign(2, h)
    expect(s.verify(2, h, sig)).toBe(true)
    expect(s.verify(1, h, sig)).toBe(false)
    expect(s.verify(2, fastHash(new Uint8Array([8])), sig)).toBe(false)
    expect(s.verify(9, h, sig)).toBe(false)
    expect(createHashSigner(6, 4).verify(2, h, sig)).toBe(false)
    expect(() => s.sign(4, h)).toThrow(RangeError)
  })

  it('checks simulated blocks like an honest host', () => {
    const payload: SimPayload = { proposer: 1, nonce: 5 }
    const b = createSimBlock(1, SIM_GENESIS.hash, 3, payload)
    expect(isSimBlockValid(b, SIM_GENESIS)).toBe(true)
    expect(isSimBlockValid({ ...b, txCount: 4 }, SIM_GENESIS)).toBe(false)
    expect(isSimBlockValid({ ...b, number: 2 }, SIM_GENESIS)).toBe(false)
    expect(isSimBlockValid(b, { number: 0, hash: new Uint8Array(32) })).toBe(false)
  })
})
