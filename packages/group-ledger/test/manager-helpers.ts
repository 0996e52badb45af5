/**
 * Fixtures of the GroupManager tests: nodes with a GroupManager each on one memory network and
 * one manual clock, signed DagTransfer transactions for any group, and a transport spy that
 * records where every message went.
 */
import type { Bytes, KvStore, NodeId, Transport, TransportMessage } from '@consortia/interface'
import { createSerialExecutor } from '@consortia/parallel-executor'
import { encodeTransaction, signTransaction } from '@consortia/protocol'
import {
  createManualClock,
  createMemoryKvStore,
  createMemoryNetwork,
  type ManualClock,
  type MemoryNetwork,
} from '@consortia/testkit'
import {
  createGroupManager,
  createSharedKvGroupStorage,
  type GroupManager,
  type GroupManagerInit,
  type GroupStorageProvider,
} from '../src/index.js'
import {
  abiCall,
  dagTransferAddress,
  GENESIS_TIMESTAMP,
  hexOf,
  keyOf,
  suite,
  TICK_MS,
} from './ledger-helpers.js'

export { GENESIS_TIMESTAMP, hexOf, keyOf, suite, TICK_MS }

const client = keyOf('manager-client')

/** A signed DagTransfer `userAdd(user, balance)` for `groupId`; `seq` makes the nonce unique. */
export function groupTx(groupId: number, seq: number, user = `user${seq}`, blockLimit = 500n): Bytes {
  return encodeTransaction(
    signTransaction(
      {
        format: 'rc2',
        nonce: BigInt(groupId) * 1_000_000_007n + BigInt(seq),
        gasPrice: 0n,
        gas: 3_000_000n,
        blockLimit,
        to: dagTransferAddress(),
        value: 0n,
        data: abiCall('userAdd(string,uint256)', [user, 1_000n]),
        chainId: 1n,
        groupId: BigInt(groupId),
        extraData: new Uint8Array(),
      },
      client,
      suite,
    ),
  )
}

/** One message a node sent, as the spy saw it. */
export interface SentMessage {
  readonly from: string
  readonly to: string
  readonly groupId: number
  readonly moduleId: number
}

/** Wraps a transport so every message it sends (one entry per destination) is recorded. */
export function spyTransport(inner: Transport, sent: SentMessage[]): Transport {
  const from = hexOf(inner.localId)
  const record = (to: NodeId, m: TransportMessage) =>
    sent.push({ from, to: hexOf(to), groupId: m.groupId, moduleId: m.moduleId })
  return {
    localId: inner.localId,
    send(to, m) {
      record(to, m)
      inner.send(to, m)
    },
    broadcast(m, to) {
      for (const id of to ?? inner.peers().map((p) => p.nodeId)) record(id, m)
      inner.broadcast(m, to)
    },
    subscribe: (g, mod, h) => inner.subscribe(g, mod, h),
    peers: () => inner.peers(),
    close: () => inner.close(),
  }
}

/** A node: key, shared transport (spied), its storage and status store, and its manager. */
export interface ManagedNode {
  readonly index: number
  readonly key: Bytes
  readonly id: NodeId
  readonly transport: Transport
  /** The one KvStore holding every group's namespace (shared-kv storage). */
  readonly kv: KvStore
  readonly statusStore: KvStore
  manager: GroupManager
}

/** Nodes with GroupManagers on one memory network and one manual clock. */
export interface ManagedNetwork {
  readonly clock: ManualClock
  readonly network: MemoryNetwork
  readonly nodes: ManagedNode[]
  readonly sent: SentMessage[]
  /** Advance tick by tick, letting every node finish, until `done` (throws after `ticksMax`). */
  runUntil(done: () => boolean, ticksMax: number): Promise<number>
  close(): Promise<void>
}

/** Builds `count` nodes; each gets a GroupManager over shared-kv storage in a memory KvStore. */
export async function createManagedNetwork(
  count: number,
  options: {
    readonly storage?: (index: number, kv: KvStore) => GroupStorageProvider
    readonly manager?: Partial<GroupManagerInit>
  } = {},
): Promise<ManagedNetwork> {
  const clock = createManualClock(GENESIS_TIMESTAMP)
  const network = createMemoryNetwork()
  const sent: SentMessage[] = []
  const nodes: ManagedNode[] = []
  for (let i = 0; i < count; i++) {
    const key = keyOf(`manager-node-${i}`)
    const id = suite.publicKey(key)
    const transport = spyTransport(network.createTransport(id), sent)
    const kv = createMemoryKvStore()
    const statusStore = createMemoryKvStore()
    const manager = await createGroupManager({
      suite,
      privateKey: key,
      transport,
      storage: options.storage?.(i, kv) ?? createSharedKvGroupStorage(kv),
      statusStore,
      executor: () => createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite }),
      clock,
      tickMs: TICK_MS,
      ...options.manager,
    })
    nodes.push({ index: i, key, id, transport, kv, statusStore, manager })
  }
  const settle = async () => {
    for (let quiet = 0; quiet < 2; ) {
      await Promise.all(nodes.map((n) => n.manager.idle()))
      await new Promise((resolve) => setImmediate(resolve))
      quiet = network.inFlight === 0 ? quiet + 1 : 0
    }
  }
  return {
    clock,
    network,
    nodes,
    sent,
    async runUntil(done, ticksMax) {
      await settle()
      for (let t = 0; t < ticksMax; t++) {
        if (done()) return t
        clock.advance(TICK_MS)
        await settle()
        for (const n of nodes) {
          for (const g of n.manager.groupList()) {
            const failure = n.manager.group(g)?.driver.failure
            if (failure !== undefined) throw failure
          }
        }
      }
      if (done()) return ticksMax
      throw new Error(`not done after ${ticksMax} ticks`)
    },
    async close() {
      for (const n of nodes) {
        await n.manager.close()
        await n.transport.close()
      }
    },
  }
}
