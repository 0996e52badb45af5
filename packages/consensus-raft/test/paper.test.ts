import { createSeededRandom, createSimBlock, SIM_GENESIS, type SimPayload } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import { createRaftEngine, type RaftEntry, type RaftMessage } from '../src/index.js'
import { type Cluster, createCluster } from './support/cluster.js'

// One test per claim of Ongaro & Ousterhout 2014, "In Search of an Understandable
// Consensus Algorithm (Extended Version)", and of Ongaro's thesis (2014) for PreVote
// (§9.6), CheckQuorum (§6.2) and membership changes (§4).

/** Elect node `i` (PreVote then vote) and settle the group. */
function elect(c: Cluster, i: number): void {
  c.campaign(i)
  c.deliver()
  expect(c.engine(i).status().role).toBe('leader')
}

function sent(c: Cluster, type: RaftMessage['type']): number {
  return c.queue.filter((e) => e.body.type === type).length
}

describe('§5.1 Raft basics', () => {
  it('a node that sees a higher term adopts it and becomes follower; a stale leader steps down', () => {
    // Reference: §5.1 "If a candidate or leader discovers that its term is out of date, it immediately reverts to follower state."
    const c = createCluster({ n: 3 })
    elect(c, 0)
    c.inject(1, 0, { type: 'append-response', term: 7, success: false, index: 0 })
    const s = c.engine(0).status()
    expect(s.role).toBe('follower')
    expect(s.term).toBe(7)
    expect(s.vote).toBeUndefined()
  })

  it('requests with a stale term are rejected', () => {
    // Reference: §5.1 "If a server receives a request with a stale term number, it rejects the request."
    const c = createCluster({ n: 3 })
    elect(c, 0)
    c.campaign(1) // pre-vote only: n1 stays in term 1
    c.drop(() => true)
    c.inject(2, 1, { type: 'append', term: 0, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 })
    expect(c.engine(1).rejected().get('stale-term')).toBe(1)
    // The stale sender is told the newer term so it steps down.
    expect(c.queue.at(-1)?.body).toMatchObject({ type: 'append-response', term: 1, success: false })
  })
})

describe('§5.2 leader election', () => {
  it('election timeouts are drawn at random from [E, 2E) with the injected Random', () => {
    // Reference: §5.2 "Raft uses randomized election timeouts ... chosen randomly from a fixed interval"
    const first = (seed: number) => {
      const e = createRaftEngine<SimPayload>(
        { sealers: ['a', 'b', 'c'], self: 'a', head: SIM_GENESIS, electionTicks: 10 },
        { random: createSeededRandom(seed) },
      )
      let ticks = 0
      while (e.status().role === 'follower') {
        e.tick()
        ticks++
      }
      return ticks
    }
    const seen = new Set<number>()
    for (let seed = 1; seed <= 60; seed++) {
      const t = first(seed)
      expect(t).toBeGreaterThanOrEqual(10)
      expect(t).toBeLessThan(20)
      seen.add(t)
      expect(first(seed)).toBe(t) // same seed, same timeout
    }
    expect(seen.size).toBeGreaterThan(5)
  })

  it('each server votes for at most one candidate per term, first come first served', () => {
    // Reference: §5.2 "Each server will vote for at most one candidate in a given term, on a first-come-first-served basis"
    const c = createCluster({ n: 3, preVote: false, checkQuorum: false })
    c.campaign(0)
    c.deliver((e) => e.from === 'n0' && e.to === 'n2')
    c.campaign(1)
    c.deliver((e) => e.from === 'n1' && e.to === 'n2')
    const answers = c.queue.filter((e) => e.from === 'n2').map((e) => e.body)
    expect(answers).toEqual([
      { type: 'vote-response', pre: false, term: 1, granted: true },
      { type: 'vote-response', pre: false, term: 1, granted: false },
    ])
    expect(c.engine(2).status().vote).toBe('n0')
  })

  it('a candidate that wins a majority becomes leader and sends heartbeats', () => {
    // Reference: §5.2 "A candidate wins an election if it receives votes from a majority of the servers in the full cluster for the same term ... It then sends heartbeat messages"
    const c = createCluster({ n: 5, preVote: false })
    c.campaign(0)
    c.deliver((e) => e.from === 'n0' && (e.to === 'n1' || e.to === 'n2'))
    c.deliver((e) => e.to === 'n0' && e.body.type === 'vote-response')
    expect(c.engine(0).status().role).toBe('leader')
    c.drop(() => true)
    c.tick(0)
    expect(sent(c, 'append')).toBe(4)
  })

  it('a candidate that hears from a leader of its term returns to follower', () => {
    // Reference: §5.2 "If the leader's term ... is at least as large as the candidate's current term, then the candidate recognizes the leader as legitimate and returns to follower state."
    const c = createCluster({ n: 3, preVote: false })
    c.campaign(0)
    c.campaign(1)
    c.drop(() => true)
    c.inject(0, 1, { type: 'append', term: 1, prevIndex: 0, prevTerm: 0, entries: [], commit: 0 })
    expect(c.engine(1).status()).toMatchObject({ role: 'follower', term: 1, leader: 'n0' })
  })

  it('a split vote times out and a new election starts in the next term', () => {
    // Reference: §5.2 "each candidate will time out and start a new election by incrementing its term"
    const c = createCluster({ n: 4, preVote: false, checkQuorum: false })
    c.campaign(0)
    c.campaign(1)
    // n2 votes for n0, n3 for n1: 2 of 4 each, no majority.
    c.deliver((e) => (e.from === 'n0' && e.to === 'n2') || (e.from === 'n1' && e.to === 'n3'))
    c.deliver((e) => e.body.type === 'vote-response')
    c.drop(() => true)
    expect(c.engine(0).status().role).toBe('candidate')
    c.tick(0, 20)
    expect(c.engine(0).status().term).toBe(2)
  })
})

describe('§5.3 log replication', () => {
  it('an entry is committed once the leader has replicated it on a majority, and followers apply it', () => {
    // Reference: §5.3 "A log entry is committed once the leader that created the entry has replicated it on a majority of the servers"
    const c = createCluster({ n: 5 })
    elect(c, 0)
    c.propose(0)
    c.deliver((e) => e.from === 'n0' && (e.to === 'n1' || e.to === 'n2'))
    expect(c.node(0).committed).toHaveLength(0)
    c.deliver((e) => e.to === 'n0')
    expect(c.node(0).committed.map((b) => b.number)).toEqual([1])
    c.deliver()
    for (let i = 0; i < 5; i++) expect(c.node(i).head.number).toBe(1)
  })

  it('a follower refuses an append whose previous entry it does not hold (consistency check)', () => {
    // Reference: §5.3 "If the follower does not find an entry in its log with the same index and term, then it refuses the new entries."
    const c = createCluster({ n: 3 })
    elect(c, 0)
    c.inject(0, 1, { type: 'append', term: 1, prevIndex: 5, prevTerm: 1, entries: [], commit: 0 })
    expect(c.queue.at(-1)?.body).toEqual({ type: 'append-response', term: 1, success: false, index: 1 })
    expect(c.engine(1).lastIndex()).toBe(1)
  })

  it('conflicting follower entries are overwritten by the leader’s, after it backs up', () => {
    // Reference: §5.3 "the leader handles inconsistencies by forcing the followers' logs to duplicate its own"
    const c = createCluster({ n: 3 })
    elect(c, 0)
    c.propose(0)
    c.drop(() => true) // the block never leaves n0
    c.cuts.add('n0>n1').add('n1>n0').add('n0>n2').add('n2>n0')
    c.tick(2, 10)
    c.tick(1, 10)
    elect(c, 1)
    c.propose(1, 3)
    c.deliver()
    expect(c.engine(0).entry(2)?.term).toBe(1)
    expect(c.engine(1).entry(2)?.term).toBe(2)
    c.cuts.clear()
    c.tick(1)
    c.deliver()
    const mine = c.engine(0)
    const theirs = c.engine(1)
    expect(mine.lastIndex()).toBe(theirs.lastIndex())
    for (let i = 1; i <= theirs.lastIndex(); i++) expect(mine.entry(i)).toBe(theirs.entry(i))
    expect(c.node(0).committed.map((b) => b.payload.proposer)).toEqual([1])
  })

  it('appends are idempotent: a duplicated append changes nothing', () => {
    // Reference: §5.5 "Raft RPCs are idempotent, so this causes no harm."
    const c = createCluster({ n: 3 })
    elect(c, 0)
    c.propose(0)
    const dup = c.queue.find((e) => e.to === 'n1' && e.body.type === 'append')!
    c.deliver()
    const before = c.engine(1).status()
    c.inject(0, 1, dup.body)
    const after = c.engine(1).status()
    expect(after.lastIndex).toBe(before.lastIndex)
    expect(after.commitIndex).toBe(before.commitIndex)
    expect(c.node(1).committed).toHaveLength(1)
  })

  it('Log Matching: entries with the same index and term are the same entry in every log', () => {
    // Reference: §5.3 "If two entries in different logs have the same index and term, then they store the same command."
    const c = createCluster({ n: 3 })
    elect(c, 0)
    for (let k = 0; k < 5; k++) {
      c.propose(0)
      c.deliver()
    }
    for (let i = 1; i <= c.engine(0).lastIndex(); i++) {
      expect(c.engine(1).entry(i)).toBe(c.engine(0).entry(i))
      expect(c.engine(2).entry(i)).toBe(c.engine(0).entry(i))
    }
  })
})

describe('§5.4 safety', () => {
  it('a voter denies its vote to a candidate whose log is less up to date', () => {
    // Reference: §5.4.1 "the voter denies its vote if its own log is more up-to-date than that of the candidate"
    const c = createCluster({ n: 3, preVote: false, checkQuorum: false })
    elect(c, 0)
    c.propose(0)
    c.deliver((e) => e.to === 'n1' && e.body.type === 'append')
    c.drop(() => true)
    // n2 missed block 1; n1 holds it and refuses n2.
    c.campaign(2)
    c.deliver((e) => e.from === 'n2' && e.to === 'n1')
    expect(c.queue.find((e) => e.from === 'n1')?.body).toEqual({
      type: 'vote-response',
      pre: false,
      term: 2,
      granted: false,
    })
  })

  it('up-to-date compares the last term first, then the last index', () => {
    // Reference: §5.4.1 "If the logs have last entries with different terms, then the log with the later term is more up-to-date. If the logs end with the same term, then whichever log is longer is more up-to-date."
    const c = createCluster({ n: 3, preVote: false, checkQuorum: false })
    elect(c, 0) // n1's log: [1/1]
    c.drop(() => true)
    c.inject(2, 1, { type: 'vote', pre: false, term: 5, lastIndex: 0, lastTerm: 0 })
    expect(c.queue.at(-1)?.body).toMatchObject({ granted: false })
    c.inject(2, 1, { type: 'vote', pre: false, term: 6, lastIndex: 1, lastTerm: 1 })
    expect(c.queue.at(-1)?.body).toMatchObject({ granted: true, term: 6 })
  })

  it('a leader never commits an entry of an earlier term by counting replicas (Figure 8)', () => {
    // Reference: §5.4.2 "Raft never commits log entries from previous terms by counting replicas. Only log entries from the leader's current term are committed by counting replicas"
    const c = createCluster({ n: 3, preVote: false, checkQuorum: false })
    elect(c, 0)
    c.propose(0) // entry 2/1 reaches nobody
    c.drop(() => true)
    // n0 learns of term 2 and steps down, then wins term 3 with n1's vote; its no-op 3/3
    // is lost. n1 acknowledges 2/1 only: a majority holds 2/1, yet n0 may not commit it.
    c.inject(1, 0, { type: 'vote-response', pre: false, term: 2, granted: false })
    c.campaign(0)
    c.deliver((e) => (e.to === 'n1' && e.body.type === 'vote') || (e.to === 'n0' && e.from === 'n1'))
    expect(c.engine(0).status()).toMatchObject({ role: 'leader', term: 3 })
    c.drop(() => true)
    c.inject(1, 0, { type: 'append-response', term: 3, success: true, index: 2 })
    expect(c.engine(0).status().commitIndex).toBe(1)
    // Once the current-term entry 3/3 is on a majority, 2/1 commits with it.
    c.inject(1, 0, { type: 'append-response', term: 3, success: true, index: 3 })
    expect(c.engine(0).status().commitIndex).toBe(3)
    expect(c.node(0).committed.map((b) => b.number)).toEqual([1])
  })

  it('a new leader holds every committed entry (Leader Completeness)', () => {
    // Reference: §5.4 "the leader for any given term contains all of the entries committed in previous terms"
    const c = createCluster({ n: 5 })
    elect(c, 0)
    for (let k = 0; k < 3; k++) {
      c.propose(0)
      c.deliver()
    }
    const committed = c.engine(0).status().commitIndex
    c.crash(0)
    let leaderIndex = -1
    for (let t = 0; t < 60 && leaderIndex < 0; t++) {
      c.tick('all')
      c.deliver()
      leaderIndex = [1, 2, 3, 4].find((i) => c.engine(i).status().role === 'leader') ?? -1
    }
    expect(leaderIndex).toBeGreaterThan(0)
    const leader = c.engine(leaderIndex)
    expect(leader.status().term).toBeGreaterThan(1)
    for (let i = 1; i <= committed; i++) expect(leader.entry(i)?.term).toBe(1)
  })
})

describe('§5.6 timing, §7 compaction, §8 client interaction', () => {
  it('broadcast time must stay below the election timeout: heartbeatTicks >= electionTicks is refused', () => {
    // Reference: §5.6 "broadcastTime ≪ electionTimeout ≪ MTBF"
    const make = (heartbeatTicks: number) =>
      createRaftEngine(
        { sealers: ['a'], self: 'a', head: SIM_GENESIS, electionTicks: 5, heartbeatTicks },
        {
          random: createSeededRandom(1),
        },
      )
    expect(() => make(5)).toThrow(/expected heartbeatTicks < electionTicks, got 5 >= 5/)
    expect(() => make(4)).not.toThrow()
  })

  it('a leader appends an empty entry at the start of its term and proposes only once it is committed', () => {
    // Reference: §8 "each leader commit a blank no-op entry into the log at the start of its term"
    const c = createCluster({ n: 3 })
    c.campaign(0)
    c.deliver((e) => e.body.type === 'vote' || e.body.type === 'vote-response')
    const e = c.engine(0)
    expect(e.status().role).toBe('leader')
    expect(e.entry(1)).toEqual({ index: 1, term: 1 })
    expect(c.node(0).shouldPropose).toBe(false)
    c.deliver()
    expect(c.node(0).shouldPropose).toBe(true)
  })

  it('the leader compacts applied entries and sends a snapshot to a follower that needs them', () => {
    // Reference: §7 "the leader must occasionally send snapshots to followers that lag behind"
    const c = createCluster({ n: 3, logRetainMax: 4 })
    elect(c, 0)
    c.crash(2)
    for (let k = 0; k < 12; k++) {
      c.propose(0)
      c.deliver()
    }
    const leader = c.engine(0).status()
    expect(leader.firstIndex).toBeGreaterThan(1)
    expect(leader.lastIndex - leader.firstIndex + 1).toBeLessThanOrEqual(2 * 4)
    // n2 comes back with an empty log: it needs compacted entries, so it gets a snapshot
    // and asks its host for block sync up to the snapshot's height.
    c.restart(2)
    for (let t = 0; t < 2; t++) {
      c.tick(0)
      c.deliver()
    }
    const s2 = c.engine(2).status()
    expect(s2.syncNeeded?.height).toBeGreaterThan(0)
    // The host syncs blocks up to the snapshot (here: copies them from n0's chain).
    const target = s2.syncNeeded!
    for (const b of c.node(0).committed.slice(c.node(2).head.number, target.height)) {
      c.node(2).committed.push(b)
      c.node(2).head = { number: b.number, hash: b.hash }
    }
    c.act(2, (e) => e.restoreHead(c.node(2).head))
    expect(c.engine(2).status().syncNeeded).toBeUndefined()
    c.tick(0)
    c.deliver()
    expect(c.node(2).head).toEqual(c.node(0).head)
  })
})

describe('thesis §9.6 PreVote and §6.2 CheckQuorum', () => {
  it('a partitioned node campaigning over and over does not raise its term', () => {
    // Reference: thesis §9.6 "a candidate would first ask other servers whether its log was up-to-date enough to get their vote. Only if the candidate believed it could get votes from a majority of the cluster would it increment its term"
    const c = createCluster({ n: 3 })
    elect(c, 0)
    c.cuts.add('n2>n0').add('n2>n1').add('n0>n2').add('n1>n2')
    for (let k = 0; k < 10; k++) c.tick(2, 20)
    expect(c.engine(2).status().term).toBe(1)
    expect(c.engine(2).status().preElections).toBeGreaterThanOrEqual(10)
    expect(c.engine(2).status().elections).toBe(0)
  })

  it('a server that heard from a leader within the election timeout ignores vote requests', () => {
    // Reference: thesis §9.6 "if a server receives a RequestVote request within the minimum election timeout of hearing from a current leader, it does not update its term or grant its vote"
    const c = createCluster({ n: 3, preVote: false })
    elect(c, 0)
    c.inject(2, 1, { type: 'vote', pre: false, term: 9, lastIndex: 5, lastTerm: 1 })
    expect(c.engine(1).status().term).toBe(1)
    expect(c.engine(1).rejected().get('in-lease')).toBe(1)
    c.tick(1, 10)
    c.inject(2, 1, { type: 'vote', pre: false, term: 9, lastIndex: 5, lastTerm: 1 })
    expect(c.engine(1).status()).toMatchObject({ term: 9, vote: 'n2' })
  })

  it('a leader that does not hear from a majority for an election timeout steps down', () => {
    // Reference: thesis §6.2 "a leader steps down if an election timeout elapses without a successful round of heartbeats to a majority of its cluster"
    const c = createCluster({ n: 5, electionTicks: 5 })
    elect(c, 0)
    for (const x of ['n2', 'n3', 'n4']) c.cuts.add(`n0>${x}`).add(`${x}>n0`)
    for (let t = 0; t < 10; t++) {
      c.tick(0)
      c.deliver()
    }
    expect(c.engine(0).status().role).toBe('follower')
  })

  it('without CheckQuorum the cut-off leader stays leader', () => {
    // Reference: thesis §6.2 (contrast: the check is what makes the leader step down)
    const c = createCluster({ n: 5, electionTicks: 5, checkQuorum: false })
    elect(c, 0)
    for (const x of ['n2', 'n3', 'n4']) c.cuts.add(`n0>${x}`).add(`${x}>n0`)
    for (let t = 0; t < 20; t++) {
      c.tick(0)
      c.deliver()
    }
    expect(c.engine(0).status().role).toBe('leader')
  })
})

describe('thesis §4 membership changes driven by the chain', () => {
  it('one sealer added or removed per change; two at once is refused with a typed error', () => {
    // Reference: thesis §4.1 "Raft restricts the types of changes that are allowed: only one server can be added or removed from the cluster at a time."
    const c = createCluster({ n: 3 })
    const e = c.engine(0)
    expect(() => e.setSealers(['n0', 'n1', 'n2', 'n3', 'n4'], 1)).toThrow(
      expect.objectContaining({ code: 'RAFT_UNSAFE_MEMBERSHIP_CHANGE' }),
    )
    expect(() => e.setSealers(['n0', 'n3'], 1)).toThrow(
      /expected at most one sealer added or removed, got 3 changes/,
    )
    expect(() => e.setSealers(['n0', 'n1'], 1)).not.toThrow()
    expect(e.status().sealers).toEqual(['n0', 'n1'])
  })

  it('a change waits for its height, and the quorum follows the list in force', () => {
    // Reference: thesis §4.1 "a server always uses the latest configuration in its log" (here: the chain's table at the height being decided)
    const c = createCluster({ n: 3, total: 4 })
    elect(c, 0)
    c.setSealers(['n0', 'n1', 'n2', 'n3'], 2)
    expect(c.engine(0).status().sealers).toHaveLength(3)
    c.propose(0) // block 1 is still decided by n0..n2
    c.deliver()
    expect(c.engine(0).status().sealers).toHaveLength(4)
    c.propose(0)
    // 2 of 4 is no majority any more.
    c.deliver((e) => e.from === 'n0' && e.to === 'n1')
    c.deliver((e) => e.to === 'n0')
    expect(c.node(0).head.number).toBe(1)
    c.deliver()
    expect(c.node(0).head.number).toBe(2)
    expect(c.node(3).head.number).toBe(2)
  })

  it('a leader removed from the sealers steps down once the change applies', () => {
    // Reference: thesis §4.2.2 "the leader steps down (returns to follower state) once the Cnew entry is committed"
    const c = createCluster({ n: 3 })
    elect(c, 0)
    c.propose(0)
    c.deliver()
    c.setSealers(['n1', 'n2'], 2)
    const s = c.engine(0).status()
    expect(s.role).toBe('follower')
    expect(s.selfIndex).toBeUndefined()
    // An observer never campaigns.
    c.tick(0, 100)
    expect(c.engine(0).status().role).toBe('follower')
    for (let t = 0; t < 100; t++) {
      c.tick(1)
      c.tick(2)
      c.deliver()
    }
    const roles = [1, 2].map((i) => c.engine(i).status().role)
    expect(roles).toContain('leader')
  })
})

describe('persisted state survives restarts', () => {
  it('a restarted node keeps term, vote and log, and re-applies nothing', () => {
    // Reference: Figure 2 "Persistent state on all servers: currentTerm, votedFor, log[]"
    const c = createCluster({ n: 3 })
    elect(c, 0)
    for (let k = 0; k < 3; k++) {
      c.propose(0)
      c.deliver()
    }
    const before = c.engine(1).status()
    c.crash(1)
    c.restart(1)
    const after = c.engine(1).status()
    expect(after).toMatchObject({ term: before.term, vote: before.vote, lastIndex: before.lastIndex })
    expect(after.appliedHeight).toBe(3)
    c.tick(0)
    c.deliver()
    expect(c.node(1).committed.map((b) => b.number)).toEqual([1, 2, 3])
  })

  it('refuses a persisted log with a gap', () => {
    const entries: RaftEntry<SimPayload>[] = [
      { index: 1, term: 1 },
      { index: 3, term: 1, block: createSimBlock(1, SIM_GENESIS.hash, 1, { proposer: 0, nonce: 0 }) },
    ]
    expect(() =>
      createRaftEngine(
        { sealers: ['a'], self: 'a', head: SIM_GENESIS, state: { term: 1, vote: 'a', entries } },
        { random: createSeededRandom(1) },
      ),
    ).toThrow(/expected persisted entry 2, got 3/)
  })
})
