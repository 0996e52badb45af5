/**
 * Fixtures of the sync tests: a group of nodes, each with its own AMDB, block store, pool,
 * consensus driver, block sync and tx sync, over any `Transport` (the testkit memory network
 * by default, real p2p TLS nodes in `sync-p2p.test.ts`) and one manual clock. Genesis sealers
 * are a subset of the nodes; the others start outside the group (free nodes) until a
 * ConsensusPrecompiled transaction admits them.
 */
import type { AMDB } from '@consortia/amdb'
import { ModuleId, type NodeId, type Transport, type TransportMessage } from '@consortia/interface'
import { createSerialExecutor } from '@consortia/parallel-executor'
import {
  createManualClock,
  createMemoryNetwork,
  createSeededRandom,
  type ManualClock,
  type MemoryNetwork,
} from '@consortia/testkit'
import {
  type BlockStore,
  type BlockSync,
  type BlockSyncInit,
  type ConsensusDriver,
  createBlockSync,
  createConsensusDriver,
  createTxSync,
  pbftCertificates,
  pbftEngineFactory,
  raftCertificates,
  raftEngineFactory,
  sortNodeIds,
  type TxPool,
  type TxSync,
  type TxSyncInit,
} from '../src/index.js'
import {
  GENESIS_TIMESTAMP,
  hexOf,
  keyOf,
  memoryStorage,
  type NodeStorage,
  openNodeLedger,
  suite,
  TICK_MS,
} from './ledger-helpers.js'

/** A transport that counts what it sends and receives per module, and can rewrite outgoing messages. */
export interface SpyTransport extends Transport {
  readonly inner: Transport
  /** Messages received per `groupId/moduleId`. */
  readonly received: Map<string, number>
  /** Messages sent per `groupId/moduleId` (one per target). */
  readonly sent: Map<string, number>
  /** Rewrites (or with undefined, drops) an outgoing message. */
  outgoing?: (to: NodeId, message: TransportMessage) => TransportMessage | undefined
}

/** Wraps a transport to count traffic (and optionally tamper with it). */
export function spyTransport(inner: Transport): SpyTransport {
  const received = new Map<string, number>()
  const sent = new Map<string, number>()
  const bump = (m: Map<string, number>, msg: TransportMessage) => {
    const k = `${msg.groupId}/${msg.moduleId}`
    m.set(k, (m.get(k) ?? 0) + 1)
  }
  const spy: SpyTransport = {
    inner,
    received,
    sent,
    localId: inner.localId,
    send(to, message) {
      const m = spy.outgoing === undefined ? message : spy.outgoing(to, message)
      if (m === undefined) return
      bump(sent, m)
      inner.send(to, m)
    },
    broadcast(message, to) {
      const targets = to ?? inner.peers().map((p) => p.nodeId)
      for (const t of targets) spy.send(t, message)
    },
    subscribe(groupId, moduleId, handler) {
      return inner.subscribe(groupId, moduleId, (from, msg) => {
        bump(received, msg)
        handler(from, msg)
      })
    },
    peers: () => inner.peers(),
    close: () => inner.close(),
  }
  return spy
}

/** Every message a node receives for a group, on the modules a group uses. */
export function listenToGroup(
  transport: Transport,
  groupId: number,
): { count: () => number; close: () => void } {
  let count = 0
  const offs = [ModuleId.PBFT, ModuleId.Raft, ModuleId.BlockSync, ModuleId.TxPool].map((m) =>
    transport.subscribe(groupId, m, () => {
      count++
    }),
  )
  return {
    count: () => count,
    close: () => {
      for (const off of offs) off()
    },
  }
}

/** One running node of a sync cluster. */
export interface SyncNode {
  readonly amdb: AMDB
  readonly index: number
  readonly key: Uint8Array
  readonly id: NodeId
  readonly transport: SpyTransport
  readonly store: BlockStore
  readonly pool: TxPool
  readonly driver: ConsensusDriver
  readonly blockSync: BlockSync
  readonly txSync: TxSync
}

/** Options of `createSyncCluster`. */
export interface SyncClusterOptions {
  /** How many nodes (keys `sync-<i>`). */
  readonly nodes: number
  /** Node indexes in the genesis sealer list (default: all). */
  readonly sealers?: readonly number[]
  /** Nodes not started at first. */
  readonly absent?: readonly number[]
  readonly engine?: 'pbft' | 'raft'
  /** `tx_count_limit` of the genesis (default 50). */
  readonly txCountLimit?: number
  readonly blockSync?: Partial<BlockSyncInit>
  readonly txSync?: Partial<TxSyncInit>
  /** Builds the transport of node `index` (default: the cluster's memory network). */
  readonly transportOf?: (index: number, key: Uint8Array) => Promise<Transport>
  /** Real I/O to wait for after each tick (p2p): milliseconds of real time. */
  readonly realWaitMs?: number
}

/** A group of nodes with sync on one manual clock. */
export interface SyncCluster {
  readonly clock: ManualClock
  readonly network: MemoryNetwork
  readonly nodes: (SyncNode | undefined)[]
  readonly keys: readonly Uint8Array[]
  readonly sealerList: readonly NodeId[]
  start(index: number): Promise<SyncNode>
  stop(index: number): Promise<void>
  /** The raw transport of node `index` (for absent nodes, a scripted peer can use it). */
  transportOf(index: number): Transport | undefined
  running(): SyncNode[]
  runUntil(done: () => boolean, ticksMax: number): Promise<number>
  runTicks(ticks: number): Promise<void>
  close(): Promise<void>
}

/** Builds a sync cluster; every started node runs its driver, block sync and tx sync. */
export async function createSyncCluster(options: SyncClusterOptions): Promise<SyncCluster> {
  const clock = createManualClock(GENESIS_TIMESTAMP)
  const network = createMemoryNetwork()
  const keys = Array.from({ length: options.nodes }, (_, i) => keyOf(`sync-${i}`))
  const sealerIdx = options.sealers ?? keys.map((_, i) => i)
  const sealerList = sealerIdx.map((i) => suite.publicKey(keys[i]!))
  const storages: NodeStorage[] = keys.map(() => memoryStorage())
  const nodes: (SyncNode | undefined)[] = []
  const transports: (Transport | undefined)[] = []

  const start = async (index: number): Promise<SyncNode> => {
    const { amdb, consensus, store, nonceWindow, pool } = await openNodeLedger(storages[index]!, {
      sealerList,
      clock,
      ...(options.txCountLimit === undefined ? {} : { txCountLimit: options.txCountLimit }),
    })
    const key = keys[index]!
    transports[index] ??=
      options.transportOf === undefined
        ? network.createTransport(suite.publicKey(key))
        : await options.transportOf(index, key)
    const transport = spyTransport(transports[index]!)
    const common = {
      groupId: 1,
      executor: createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite }),
      amdb,
      store,
      pool,
      nonceWindow,
      transport,
      suite,
      privateKey: key,
      consensusStore: consensus,
      clock,
      tickMs: TICK_MS,
    }
    const raft = options.engine === 'raft'
    const driver = raft
      ? await createConsensusDriver({
          ...common,
          engine: raftEngineFactory({
            random: createSeededRandom(index + 1),
            electionTicks: 10,
            heartbeatTicks: 2,
          }),
          moduleId: ModuleId.Raft,
        })
      : await createConsensusDriver({
          ...common,
          engine: pbftEngineFactory({ suite, privateKey: key, viewTimeoutTicks: 20 }),
        })
    const blockSync = await createBlockSync({
      groupId: 1,
      transport,
      store,
      amdb,
      driver,
      suite,
      clock,
      random: createSeededRandom(100 + index),
      certificates: raft ? raftCertificates() : pbftCertificates(suite),
      tickMs: TICK_MS,
      requestTimeoutMs: 1000,
      ...options.blockSync,
    })
    const txSync = await createTxSync({
      groupId: 1,
      transport,
      pool,
      amdb,
      store,
      suite,
      clock,
      random: createSeededRandom(200 + index),
      tickMs: TICK_MS,
      ...options.txSync,
    })
    const node: SyncNode = {
      amdb,
      index,
      key,
      id: suite.publicKey(key),
      transport,
      store,
      pool,
      driver,
      blockSync,
      txSync,
    }
    nodes[index] = node
    stopped.delete(index)
    reconnect(index)
    return node
  }

  const stopped = new Set<number>()
  const reconnect = (index: number) => {
    if (options.transportOf !== undefined) return
    const id = suite.publicKey(keys[index]!)
    for (let j = 0; j < keys.length; j++) {
      if (j !== index && !stopped.has(j)) network.connect(id, suite.publicKey(keys[j]!))
    }
  }

  const running = () => nodes.filter((n): n is SyncNode => n !== undefined)

  const settle = async () => {
    for (let quiet = 0; quiet < 2; ) {
      await Promise.all(
        running().map((n) => Promise.all([n.driver.idle(), n.blockSync.idle(), n.txSync.idle()])),
      )
      await new Promise((resolve) => setImmediate(resolve))
      if (options.realWaitMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, options.realWaitMs))
        quiet++
      } else {
        quiet = network.inFlight === 0 ? quiet + 1 : 0
      }
    }
    await Promise.all(
      running().map((n) => Promise.all([n.driver.idle(), n.blockSync.idle(), n.txSync.idle()])),
    )
  }

  const stop = async (index: number) => {
    const n = nodes[index]
    if (n === undefined) return
    nodes[index] = undefined
    stopped.add(index)
    // A stopped node is unreachable (its transport stays registered so it can come back).
    if (options.transportOf === undefined) network.isolate(n.id)
    await n.txSync.close()
    await n.blockSync.close()
    await n.driver.close()
    await n.pool.close()
  }

  for (let i = 0; i < keys.length; i++) {
    if (options.absent?.includes(i)) {
      stopped.add(i)
      if (options.transportOf === undefined) {
        transports[i] = network.createTransport(suite.publicKey(keys[i]!))
      }
    }
  }
  for (const i of stopped) {
    if (options.transportOf === undefined) network.isolate(suite.publicKey(keys[i]!))
  }
  for (let i = 0; i < keys.length; i++) if (!options.absent?.includes(i)) await start(i)

  return {
    clock,
    network,
    nodes,
    keys,
    sealerList: sortNodeIds(sealerList),
    start,
    stop,
    running,
    transportOf: (index) => transports[index],
    async runUntil(done, ticksMax) {
      await settle()
      for (let t = 0; t < ticksMax; t++) {
        if (done()) return t
        clock.advance(TICK_MS)
        await settle()
        for (const n of running()) if (n.driver.failure !== undefined) throw n.driver.failure
      }
      if (done()) return ticksMax
      throw new Error(
        `not done after ${ticksMax} ticks: heights ${nodes.map((n) => n?.store.head.number ?? '-').join(',')}`,
      )
    },
    async runTicks(ticks) {
      await settle()
      for (let t = 0; t < ticks; t++) {
        clock.advance(TICK_MS)
        await settle()
      }
    },
    async close() {
      for (let i = 0; i < nodes.length; i++) await stop(i)
      for (const t of transports) await t?.close()
    },
  }
}

export { hexOf, suite }
