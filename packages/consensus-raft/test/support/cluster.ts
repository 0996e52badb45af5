// An in-process Raft group for scripted and paper tests (etcd-io/raft's interaction
// environment, in miniature): messages wait in a queue until a test delivers them, so
// every interleaving is chosen by the test. Nodes have stable IDs `n0`, `n1`, ...; message
// indexes are translated through each node's own sealer list, as a host would.
import {
  createSeededRandom,
  createSimBlock,
  SIM_GENESIS,
  type SimBlock,
  type SimPayload,
} from '@consortia/testkit'
import {
  createRaftEngine,
  describeRaftMessage,
  mergeRaftPersist,
  type RaftEngine,
  type RaftInit,
  type RaftMessage,
  type RaftPersistedState,
  type RaftStatus,
} from '../../src/index.js'

export type Msg = RaftMessage<SimPayload>

export interface Envelope {
  readonly from: string
  readonly to: string
  readonly body: Msg
}

export interface ClusterNode {
  readonly id: string
  engine: RaftEngine<SimPayload> | undefined
  storage: RaftPersistedState<SimPayload> | undefined
  head: { number: number; hash: Uint8Array }
  committed: SimBlock[]
  sealers: readonly string[]
  shouldPropose: boolean
  boots: number
}

export interface ClusterInit {
  n: number
  /** Total IDs created; nodes beyond `n` start as non-sealers (to be added later). */
  total?: number
  electionTicks?: number
  heartbeatTicks?: number
  preVote?: boolean
  checkQuorum?: boolean
  entriesPerAppendMax?: number
  logRetainMax?: number
  seed?: number
}

export class Cluster {
  readonly nodes: ClusterNode[] = []
  queue: Envelope[] = []
  log: string[] = []
  /** Blocked directed links `a>b`. */
  readonly cuts = new Set<string>()
  private nonce = 0
  private readonly init: ClusterInit

  constructor(init: ClusterInit) {
    this.init = init
    const total = init.total ?? init.n
    const sealers = Array.from({ length: init.n }, (_, i) => `n${i}`)
    for (let i = 0; i < total; i++) {
      this.nodes.push({
        id: `n${i}`,
        engine: undefined,
        storage: undefined,
        head: SIM_GENESIS,
        committed: [],
        sealers,
        shouldPropose: false,
        boots: 0,
      })
    }
    for (const node of this.nodes) this.boot(node)
  }

  node(i: number): ClusterNode {
    const node = this.nodes[i]
    if (node === undefined) throw new Error(`no node ${i}`)
    return node
  }

  engine(i: number): RaftEngine<SimPayload> {
    const e = this.node(i).engine
    if (e === undefined) throw new Error(`node ${i} is down`)
    return e
  }

  /** Run `fn` against node i's engine, then log role changes and process its Ready. */
  act(i: number, fn: (e: RaftEngine<SimPayload>) => void): void {
    const node = this.node(i)
    const engine = node.engine
    if (engine === undefined) return
    const before = engine.status()
    fn(engine)
    this.logRole(node, before, engine.status())
    this.drain(node)
  }

  tick(i: number | 'all', count = 1): void {
    for (let t = 0; t < count; t++) {
      for (const node of this.nodes) {
        if (i !== 'all' && node.id !== `n${i}`) continue
        this.act(Number(node.id.slice(1)), (e) => e.tick())
      }
    }
  }

  campaign(i: number): void {
    this.act(i, (e) => e.campaign())
  }

  /** Build a block on node i's head and propose it. */
  propose(i: number, txCount = 1): SimBlock {
    const node = this.node(i)
    const block = createSimBlock(node.head.number + 1, node.head.hash, txCount, {
      proposer: i,
      nonce: this.nonce++,
    })
    this.act(i, (e) => e.propose(block))
    return block
  }

  /** Deliver queued messages that match, in order, including the ones they cause, up to `rounds` passes. */
  deliver(match: (e: Envelope) => boolean = () => true, rounds = 100): number {
    let delivered = 0
    for (let r = 0; r < rounds; r++) {
      const now = this.queue.filter(match)
      if (now.length === 0) break
      this.queue = this.queue.filter((e) => !match(e))
      for (const env of now) {
        this.deliverOne(env)
        delivered++
      }
    }
    return delivered
  }

  drop(match: (e: Envelope) => boolean): number {
    const before = this.queue.length
    this.queue = this.queue.filter((e) => !match(e))
    return before - this.queue.length
  }

  crash(i: number): void {
    const node = this.node(i)
    node.engine = undefined
    node.shouldPropose = false
    this.queue = this.queue.filter((e) => e.to !== node.id)
    this.log.push(`${node.id} crashed`)
  }

  restart(i: number): void {
    const node = this.node(i)
    if (node.engine !== undefined) return
    this.boot(node)
    const s = node.engine!.status()
    this.log.push(
      `${node.id} restarted term=${s.term} vote=${s.vote ?? '-'} last=${s.lastIndex} applied=h${s.appliedHeight}`,
    )
  }

  /** The chain changed its sealer list from `fromHeight` on: every live host tells its engine. */
  setSealers(sealers: readonly string[], fromHeight: number, only?: readonly number[]): void {
    for (let i = 0; i < this.nodes.length; i++) {
      if (only !== undefined && !only.includes(i)) continue
      const node = this.nodes[i]!
      this.act(i, (e) => e.setSealers(sealers, fromHeight))
      node.sealers = node.engine?.status().sealers ?? sealers
    }
  }

  inject(from: number, to: number, body: Msg): void {
    this.deliverOne({ from: `n${from}`, to: `n${to}`, body })
  }

  takeLog(): string[] {
    const out = this.log
    this.log = []
    return out
  }

  label(i: number): string {
    return `n${i}`
  }

  private boot(node: ClusterNode): void {
    const i = Number(node.id.slice(1))
    const init: RaftInit<SimPayload> = {
      sealers: node.sealers,
      self: node.id,
      head: node.head,
      ...(node.storage === undefined ? {} : { state: node.storage }),
      electionTicks: this.init.electionTicks ?? 10,
      heartbeatTicks: this.init.heartbeatTicks ?? 1,
      preVote: this.init.preVote ?? true,
      checkQuorum: this.init.checkQuorum ?? true,
      ...(this.init.entriesPerAppendMax === undefined
        ? {}
        : { entriesPerAppendMax: this.init.entriesPerAppendMax }),
      ...(this.init.logRetainMax === undefined ? {} : { logRetainMax: this.init.logRetainMax }),
    }
    const seed = (this.init.seed ?? 1) * 1000 + i * 10 + node.boots++
    node.engine = createRaftEngine<SimPayload>(init, { random: createSeededRandom(seed) })
    node.shouldPropose = false
    this.drain(node)
  }

  private deliverOne(env: Envelope): void {
    const to = this.nodes.find((n) => n.id === env.to)
    if (to?.engine === undefined) return
    if (this.cuts.has(`${env.from}>${env.to}`)) return
    const from = to.engine.status().sealers.indexOf(env.from)
    if (from < 0) {
      this.log.push(`${env.to} ignores ${env.from} (not a sealer here)`)
      return
    }
    this.act(Number(to.id.slice(1)), (e) => e.step({ from, body: env.body }))
  }

  private drain(node: ClusterNode): void {
    const engine = node.engine
    if (engine === undefined) return
    while (engine.hasReady()) {
      const rd = engine.ready()
      if (rd.persist !== undefined) {
        node.storage = mergeRaftPersist(node.storage, rd.persist)
        const p = rd.persist
        const parts = [`term=${p.term}`, `vote=${p.vote ?? '-'}`]
        if (p.snapshot !== undefined)
          parts.push(`snapshot=${p.snapshot.index}/${p.snapshot.term}@h${p.snapshot.height}`)
        if (p.entries.length > 0)
          parts.push(`entries=${p.entries[0]!.index}..${p.entries[p.entries.length - 1]!.index}`)
        this.log.push(`${node.id} persist ${parts.join(' ')}`)
      }
      const sealers = engine.status().sealers
      for (const m of rd.messages) {
        const targets = m.to === 'all' ? sealers.filter((s) => s !== node.id) : [sealers[m.to]!]
        for (const to of targets) {
          if (this.cuts.has(`${node.id}>${to}`)) {
            this.log.push(`${node.id} -> ${to}: ${describeRaftMessage(m.body)} (lost: cut)`)
            continue
          }
          this.queue.push({ from: node.id, to, body: m.body })
          this.log.push(`${node.id} -> ${to}: ${describeRaftMessage(m.body)}`)
        }
      }
      for (const c of rd.committed) {
        const b = c.block
        if (b.number !== node.head.number + 1)
          throw new Error(`${node.id} committed h${b.number} after h${node.head.number}`)
        node.head = { number: b.number, hash: b.hash }
        node.committed.push(b)
        this.log.push(`${node.id} COMMIT h=${b.number} by=n${b.payload.proposer} txs=${b.txCount}`)
      }
      if (rd.shouldPropose && !node.shouldPropose)
        this.log.push(`${node.id} should-propose h=${node.head.number + 1}`)
      node.shouldPropose = rd.shouldPropose
      engine.advance(rd)
    }
  }

  private logRole(node: ClusterNode, before: RaftStatus, after: RaftStatus): void {
    if (before.role !== after.role || before.term !== after.term) {
      this.log.push(
        `${node.id} ${after.role} term=${after.term}${after.leader ? ` leader=${after.leader}` : ''}`,
      )
    }
  }
}

export function createCluster(init: ClusterInit): Cluster {
  return new Cluster(init)
}

/** One-line status of every node. */
export function statusLines(c: Cluster): string[] {
  return c.nodes.map((node) => {
    if (node.engine === undefined) return `${node.id}: down`
    const s = node.engine.status()
    return `${node.id}: ${s.role} term=${s.term} vote=${s.vote ?? '-'} leader=${s.leader ?? '-'} last=${s.lastIndex}/${s.lastTerm} commit=${s.commitIndex} applied=h${s.appliedHeight}${s.selfIndex === undefined ? ' observer' : ''}`
  })
}

/** One node's log, one entry per line group. */
export function logLine(c: Cluster, i: number): string {
  const e = c.engine(i)
  const s = e.status()
  const parts: string[] = []
  for (let idx = s.firstIndex; idx <= s.lastIndex; idx++) {
    const entry = e.entry(idx)!
    parts.push(`${idx}/${entry.term}${entry.block === undefined ? '' : `:h${entry.block.number}`}`)
  }
  return `n${i} log: ${parts.length === 0 ? '(empty)' : parts.join(' ')} (first=${s.firstIndex})`
}
