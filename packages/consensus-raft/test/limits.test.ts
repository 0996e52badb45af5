import { isChainError } from '@consortia/interface'
import { createSeededRandom, createSimBlock, SIM_GENESIS, type SimPayload } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import {
  createRaftEngine,
  createRaftSafetyChecker,
  mergeRaftPersist,
  OUTBOX_MAX,
  PENDING_MEMBERSHIP_MAX,
  type RaftEntry,
  type RaftObservable,
  type RaftStatus,
  SEALERS_MAX,
  TERM_MAX,
} from '../src/index.js'
import { createCluster } from './support/cluster.js'

const random = () => createSeededRandom(1)

function engine(init: Partial<Parameters<typeof createRaftEngine<SimPayload>>[0]> = {}) {
  return createRaftEngine<SimPayload>(
    { sealers: ['a', 'b', 'c'], self: 'a', head: SIM_GENESIS, ...init },
    { random: random() },
  )
}

describe('limits (every queue has a …Max and a test that hits it)', () => {
  it('OUTBOX_MAX: answers beyond the cap are dropped and counted', () => {
    const e = engine()
    for (let i = 0; i < OUTBOX_MAX + 10; i++) {
      e.step({ from: 1, body: { type: 'vote', pre: true, term: 5, lastIndex: 0, lastTerm: 0 } })
    }
    expect(e.ready().messages).toHaveLength(OUTBOX_MAX)
    expect(e.rejected().get('outbox-full')).toBe(10)
  })

  it('entriesPerAppendMax: a leader sends at most that many entries; a longer append is refused', () => {
    const c = createCluster({ n: 3, entriesPerAppendMax: 2 })
    c.campaign(0)
    c.deliver()
    c.crash(2)
    for (let k = 0; k < 6; k++) {
      c.propose(0)
      c.deliver()
    }
    c.restart(2)
    c.tick(0)
    let longest = 0
    for (let round = 0; round < 20 && c.queue.length > 0; round++) {
      for (const env of c.queue)
        if (env.body.type === 'append') longest = Math.max(longest, env.body.entries.length)
      c.deliver(() => true, 1)
    }
    expect(longest).toBe(2)
    expect(c.node(2).head.number).toBe(6)
    const e = c.engine(1)
    const entries = [1, 2, 3].map((i) => ({ index: 100 + i, term: 1 }))
    e.step({ from: 0, body: { type: 'append', term: 1, prevIndex: 100, prevTerm: 1, entries, commit: 0 } })
    expect(e.rejected().get('malformed')).toBe(1)
  })

  it('logRetainMax: applied entries beyond twice the cap are compacted into a snapshot', () => {
    const c = createCluster({ n: 1, logRetainMax: 3 })
    c.campaign(0)
    for (let k = 0; k < 20; k++) c.propose(0)
    const s = c.engine(0).status()
    expect(s.lastIndex - s.firstIndex + 1).toBeLessThan(2 * 3)
    expect(s.firstIndex).toBeGreaterThan(10)
    // The host's storage dropped the same prefix.
    expect(c.node(0).storage!.entries[0]!.index).toBe(s.firstIndex)
    expect(c.node(0).storage!.snapshot!.index).toBe(s.firstIndex - 1)
    // And a restart from it continues the chain.
    c.crash(0)
    c.restart(0)
    c.campaign(0)
    c.propose(0)
    expect(c.node(0).head.number).toBe(21)
  })

  it('PENDING_MEMBERSHIP_MAX: changes waiting for their height are capped', () => {
    const e = engine({ sealers: ['a', 'b'] })
    let list = ['a', 'b']
    for (let i = 0; i < PENDING_MEMBERSHIP_MAX; i++) {
      list = i % 2 === 0 ? [...list, 'c'] : list.filter((x) => x !== 'c')
      e.setSealers(list, 10 + i)
    }
    expect(() => e.setSealers(list.includes('c') ? ['a', 'b'] : ['a', 'b', 'c'], 100)).toThrow(
      expect.objectContaining({ code: 'RAFT_LIMIT_EXCEEDED' }),
    )
  })

  it('SEALERS_MAX and TERM_MAX bound configuration and terms', () => {
    const many = Array.from({ length: SEALERS_MAX + 1 }, (_, i) => `s${i}`)
    expect(() => engine({ sealers: many, self: 's0' })).toThrow(
      `expected 1..${SEALERS_MAX} sealers, got ${SEALERS_MAX + 1}`,
    )
    const e = engine()
    e.step({
      from: 1,
      body: { type: 'append', term: TERM_MAX + 1, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 },
    })
    expect(e.rejected().get('malformed')).toBe(1)
    expect(e.status().term).toBe(0)
  })
})

describe('boundary checks and misuse', () => {
  it('labelled configuration errors', () => {
    expect(() => engine({ electionTicks: 0 })).toThrow('expected electionTicks >= 1, got 0')
    expect(() => engine({ sealers: ['a', 'a'] })).toThrow('expected distinct sealer IDs, got a twice')
    expect(() => createRaftEngine({ sealers: ['a'], self: 'a', head: SIM_GENESIS }, {} as never)).toThrow(
      'expected a random component',
    )
    try {
      engine({ heartbeatTicks: 0 })
      expect.unreachable()
    } catch (err) {
      expect(isChainError(err, 'RAFT_INVALID_CONFIG')).toBe(true)
    }
  })

  it('ready() twice without advance(), or advance() with another Ready, is a programmer error', () => {
    const e = engine()
    e.campaign()
    const rd = e.ready()
    expect(() => e.ready()).toThrow('ready() called again before advance()')
    expect(() => e.advance({ ...rd })).toThrow(/advance\(\) expects the Ready returned by the last ready\(\)/)
    e.advance(rd)
  })

  it('malformed and foreign messages are dropped and counted, never thrown', () => {
    const e = engine()
    e.step({ from: 7, body: { type: 'vote', pre: false, term: 1, lastIndex: 0, lastTerm: 0 } })
    e.step({ from: 0, body: { type: 'vote', pre: false, term: 1, lastIndex: 0, lastTerm: 0 } }) // itself
    e.step({ from: 1, body: { type: 'bogus', term: 1 } as never })
    e.step({ from: 1, body: { type: 'vote', pre: false, term: -1, lastIndex: 0, lastTerm: 0 } })
    e.step({
      from: 1,
      body: {
        type: 'append',
        term: 1,
        prevIndex: 0,
        prevTerm: 0,
        entries: [{ index: 5, term: 1 }],
        commit: 0,
      },
    })
    expect(Object.fromEntries(e.rejected())).toEqual({ 'non-sealer': 2, malformed: 3 })
    expect(e.status().term).toBe(0)
  })

  it('propose: dropped when not leader or busy; a block that does not extend the chain throws', () => {
    const c = createCluster({ n: 3 })
    const block = createSimBlock(1, SIM_GENESIS.hash, 1, { proposer: 0, nonce: 0 })
    c.engine(1).propose(block)
    expect(c.engine(1).rejected().get('not-leader')).toBe(1)
    c.campaign(0)
    c.deliver((e) => e.body.type === 'vote' || e.body.type === 'vote-response')
    c.engine(0).propose(block) // the no-op is not committed yet
    expect(c.engine(0).rejected().get('busy')).toBe(1)
    c.deliver()
    const wrong = createSimBlock(2, SIM_GENESIS.hash, 1, { proposer: 0, nonce: 1 })
    expect(() => c.engine(0).propose(wrong)).toThrow('expected block 1, got 2')
    const orphan = createSimBlock(1, new Uint8Array(32), 1, { proposer: 0, nonce: 2 })
    expect(() => c.engine(0).propose(orphan)).toThrow('block 1 does not build on the last block')
  })

  it('setSealers refuses a height already applied', () => {
    const e = engine()
    expect(() => e.setSealers(['a', 'b'], 0)).toThrow('expected fromHeight above applied height 0, got 0')
  })
})

describe('mergeRaftPersist (the host side of Ready.persist)', () => {
  const b = (n: number) => createSimBlock(n, SIM_GENESIS.hash, 1, { proposer: 0, nonce: n })
  it('appends, overwrites a conflicting suffix and drops a compacted prefix', () => {
    let s = mergeRaftPersist<SimPayload>(undefined, {
      term: 1,
      vote: 'a',
      entries: [
        { index: 1, term: 1 },
        { index: 2, term: 1, block: b(1) },
        { index: 3, term: 1, block: b(2) },
      ],
    })
    s = mergeRaftPersist(s, { term: 2, vote: undefined, entries: [{ index: 3, term: 2 }] })
    expect(s.entries.map((e) => `${e.index}/${e.term}`)).toEqual(['1/1', '2/1', '3/2'])
    expect(s).toMatchObject({ term: 2, vote: undefined })
    s = mergeRaftPersist(s, {
      term: 2,
      vote: undefined,
      snapshot: { index: 2, term: 1, height: 1, hash: b(1).hash },
      entries: [{ index: 4, term: 2 }],
    })
    expect(s.entries.map((e) => e.index)).toEqual([3, 4])
    expect(s.snapshot?.index).toBe(2)
    // A snapshot from the leader whose last entry this log does not hold replaces the log (§7).
    s = mergeRaftPersist(s, {
      term: 3,
      vote: undefined,
      snapshot: { index: 9, term: 3, height: 7, hash: b(7).hash },
      entries: [],
    })
    expect(s.entries).toEqual([])
    expect(s.snapshot?.index).toBe(9)
  })
})

describe('the safety checker', () => {
  function fake(status: Partial<RaftStatus>, log: RaftEntry[]): RaftObservable {
    const full: RaftStatus = {
      role: 'follower',
      term: 1,
      vote: undefined,
      leader: undefined,
      self: 'x',
      selfIndex: 0,
      sealers: [],
      firstIndex: 1,
      lastIndex: log.length,
      lastTerm: log.at(-1)?.term ?? 0,
      commitIndex: 0,
      appliedIndex: 0,
      appliedHeight: 0,
      elections: 0,
      preElections: 0,
      leaderships: 0,
      syncNeeded: undefined,
      ...status,
    }
    return { status: () => full, entry: (i) => log[i - 1], termAt: (i) => (i === 0 ? 0 : log[i - 1]?.term) }
  }
  const blk = (n: number, nonce: number) => createSimBlock(n, SIM_GENESIS.hash, 1, { proposer: 0, nonce })

  it('sees two leaders in one term', () => {
    const checker = createRaftSafetyChecker()
    const problems = checker.check([
      fake({ role: 'leader', self: 'a' }, []),
      fake({ role: 'leader', self: 'b' }, []),
    ])
    expect(problems).toEqual(['election safety: a and b both lead term 1'])
  })

  it('sees two different entries with one index and term', () => {
    const checker = createRaftSafetyChecker()
    const problems = checker.check([
      fake({}, [{ index: 1, term: 1, block: blk(1, 1) }]),
      fake({}, [{ index: 1, term: 1, block: blk(1, 2) }]),
    ])
    expect(problems[0]).toMatch(/^log matching: two different entries at index 1 term 1/)
  })

  it('sees two nodes committing different entries at one index', () => {
    const checker = createRaftSafetyChecker()
    const problems = checker.check([
      fake({ commitIndex: 1 }, [{ index: 1, term: 1, block: blk(1, 1) }]),
      fake({ commitIndex: 1 }, [{ index: 1, term: 2, block: blk(1, 2) }]),
    ])
    expect(problems.some((p) => p.startsWith('state machine safety'))).toBe(true)
  })

  it('sees a leader of a later term that lacks a committed entry', () => {
    const checker = createRaftSafetyChecker()
    const committedLog: RaftEntry[] = [{ index: 1, term: 1, block: blk(1, 1) }]
    expect(checker.check([fake({ commitIndex: 1, term: 1 }, committedLog), fake({ term: 1 }, [])])).toEqual(
      [],
    )
    const problems = checker.check([
      fake({ commitIndex: 1, term: 1 }, committedLog),
      fake({ role: 'leader', term: 2, self: 'b' }, []),
    ])
    expect(problems[0]).toMatch(
      /^leader completeness: leader b of term 2 lacks committed entry 1\/t1 block 1/,
    )
  })
})
