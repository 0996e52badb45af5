// An in-process PBFT cluster with manual message delivery, for unit and scripted tests:
// every message waits in a queue until the test delivers, drops or cuts it.
import type { CommittedBlock, OutboundMessage } from '@consortia/interface'
import {
  createHashSigner,
  createSimBlock,
  isSimBlockValid,
  SIM_GENESIS,
  type SimBlock,
  type SimHead,
  type SimPayload,
  type SimSigner,
} from '@consortia/testkit'
import { createPBFTEngine, type PBFTInit } from '../../src/index.js'
import { describeMessage, type SimPBFTEngine, type SimPBFTMessage, type SimPBFTState } from './sim-adapter.js'

export interface Envelope {
  from: number
  to: number
  body: SimPBFTMessage
}

export interface ClusterNode {
  index: number
  engine: SimPBFTEngine | undefined
  persisted: SimPBFTState | undefined
  head: SimHead
  committed: CommittedBlock<SimPayload>[]
  /** Verdict override: undefined = honest check. */
  approve: boolean | undefined
  wantsPropose: boolean
}

export interface ClusterInit {
  n: number
  seed?: number
  viewTimeoutTicks?: number
  extra?: Partial<PBFTInit<SimPayload>>
}

/** A cluster whose events are written to `log` as lines, for scripted tests. */
export class Cluster {
  readonly n: number
  readonly signer: SimSigner
  readonly nodes: ClusterNode[] = []
  queue: Envelope[] = []
  readonly log: string[] = []
  readonly blocks = new Map<string, SimBlock>()
  private nonce = 0
  private readonly init: ClusterInit
  /** Directed links that lose messages. */
  readonly cuts = new Set<string>()

  constructor(init: ClusterInit) {
    this.init = init
    this.n = init.n
    this.signer = createHashSigner(init.seed ?? 1, init.n)
    for (let i = 0; i < init.n; i++) {
      const node: ClusterNode = {
        index: i,
        engine: undefined,
        persisted: undefined,
        head: SIM_GENESIS,
        committed: [],
        approve: undefined,
        wantsPropose: false,
      }
      this.nodes.push(node)
      this.boot(node)
    }
  }

  engine(i: number): SimPBFTEngine {
    const e = this.nodes[i]!.engine
    if (e === undefined) throw new Error(`node ${i} is down`)
    return e
  }

  boot(node: ClusterNode): void {
    const signer = this.signer
    const index = node.index
    node.engine = createPBFTEngine<SimPayload>(
      {
        sealerCount: this.n,
        selfIndex: index,
        head: node.head,
        viewTimeoutTicks: this.init.viewTimeoutTicks ?? 10,
        ...(node.persisted === undefined ? {} : { state: node.persisted }),
        ...this.init.extra,
      },
      {
        sign: (h) => signer.sign(index, h),
        verify: (i, h, s) => signer.verify(i, h, s),
        hash: (d) => signer.hash(d),
      },
    )
    this.drain(node)
  }

  crash(i: number): void {
    this.nodes[i]!.engine = undefined
    this.queue = this.queue.filter((e) => e.to !== i)
    this.log.push(`n${i} crashed`)
  }

  restart(i: number): void {
    this.log.push(`n${i} restarted`)
    this.boot(this.nodes[i]!)
  }

  /** Node `i`'s host builds a block on its head and proposes it. */
  propose(i: number, txCount = 1, mutate?: (b: SimBlock) => SimBlock): SimBlock {
    const node = this.nodes[i]!
    let block = createSimBlock(node.head.number + 1, node.head.hash, txCount, {
      proposer: i,
      nonce: this.nonce++,
    })
    if (mutate !== undefined) block = mutate(block)
    this.label(block)
    this.engine(i).propose(block)
    this.drain(node)
    return block
  }

  /** Deliver a message straight to node `to` as if from `from`. */
  inject(from: number, to: number, body: SimPBFTMessage): void {
    const node = this.nodes[to]!
    if (node.engine === undefined) return
    node.engine.step({ from, body })
    this.drain(node)
  }

  /** Deliver queued messages (matching `filter`) until none are left; returns how many. */
  deliverAll(filter: (e: Envelope) => boolean = () => true, rounds = 100): number {
    let count = 0
    for (let r = 0; r < rounds; r++) {
      const now = this.queue.filter(filter)
      if (now.length === 0) break
      this.queue = this.queue.filter((e) => !filter(e))
      for (const e of now) {
        count++
        if (this.cuts.has(`${e.from}>${e.to}`)) continue
        this.inject(e.from, e.to, e.body)
      }
    }
    return count
  }

  /** Drop queued messages matching `filter`; returns how many. */
  drop(filter: (e: Envelope) => boolean): number {
    const before = this.queue.length
    this.queue = this.queue.filter((e) => !filter(e))
    return before - this.queue.length
  }

  tick(i: number | 'all', count = 1): void {
    for (let c = 0; c < count; c++) {
      for (const node of this.nodes) {
        if ((i === 'all' || i === node.index) && node.engine !== undefined) {
          node.engine.tick()
          this.drain(node)
        }
      }
    }
  }

  drain(node: ClusterNode): void {
    for (;;) {
      const engine = node.engine
      if (engine === undefined || !engine.hasReady()) return
      const rd = engine.ready()
      const p = `n${node.index}`
      if (rd.persist !== undefined) {
        node.persisted = rd.persist
        const s = rd.persist
        const sign = s.lastSign ? ` sign=${s.lastSign.height}/${s.lastSign.view}` : ''
        const lock = s.lock ? ` lock=v${s.lock.certificate.view}:${this.name(s.lock.block.hash)}` : ''
        this.log.push(`${p} persist h=${s.height} v=${s.view}${sign}${lock}`)
      }
      for (const m of rd.messages) this.enqueue(node.index, m)
      for (const c of rd.committed) {
        node.committed.push(c)
        node.head = { number: c.block.number, hash: c.block.hash }
        this.log.push(
          `${p} COMMIT h=${c.block.number} ${this.name(c.block.hash)} v=${c.view} sigs=${c.certificate.map((s) => s.index).join(',')}`,
        )
      }
      if (rd.shouldPropose && !node.wantsPropose)
        this.log.push(`${p} should-propose h=${node.head.number + 1}`)
      node.wantsPropose = rd.shouldPropose
      engine.advance(rd)
      for (const b of rd.verify) {
        const valid = node.approve ?? isSimBlockValid(b, node.head)
        this.log.push(`${p} verify h=${b.number} ${this.name(b.hash)} -> ${valid ? 'valid' : 'invalid'}`)
        engine.step({ from: node.index, body: { type: 'verdict', height: b.number, hash: b.hash, valid } })
      }
    }
  }

  private enqueue(from: number, m: OutboundMessage<SimPBFTMessage>): void {
    const body = m.body
    const text =
      body.type === 'prepare' ? `${describeMessage(body)} ${this.label(body.block)}` : describeMessage(body)
    this.log.push(`n${from} -> ${m.to === 'all' ? 'all' : `n${m.to}`}: ${text}`)
    if (m.to === 'all') {
      for (let to = 0; to < this.n; to++) if (to !== from) this.queue.push({ from, to, body })
    } else {
      this.queue.push({ from, to: m.to, body })
    }
  }

  /** Stable short names for block hashes: B1, B2, … in order of first sight. */
  label(block: SimBlock): string {
    const key = Buffer.from(block.hash).toString('hex')
    if (!this.blocks.has(key)) this.blocks.set(key, block)
    return this.name(block.hash)
  }

  name(hash: Uint8Array): string {
    const key = Buffer.from(hash).toString('hex')
    let i = 0
    for (const k of this.blocks.keys()) {
      i++
      if (k === key) return `B${i}`
    }
    return `#${key.slice(0, 6)}`
  }

  takeLog(): string[] {
    return this.log.splice(0, this.log.length)
  }
}

export function createCluster(init: ClusterInit): Cluster {
  return new Cluster(init)
}
