/**
 * Fixtures of the ledger tests: DagTransfer calldata (Solidity ABI encoding by hand), signed
 * transactions, and a network of sealers, each with its own AMDB, block store, pool, executor
 * and consensus driver over `@consortia/testkit`'s memory network and a manual clock.
 */
import { type AMDB, createAMDB, createLevelDBDriver, createMemoryDriver } from '@consortia/amdb'
import { createCryptoSuite } from '@consortia/crypto'
import { type Bytes, type Clock, type KvStore, ModuleId, type NodeId } from '@consortia/interface'
import { createLevelKvStore } from '@consortia/kv-level'
import { createSerialExecutor, DAG_TRANSFER_TABLE, PrecompiledAddress } from '@consortia/parallel-executor'
import { encodeTransaction, signTransaction } from '@consortia/protocol'
import {
  createManualClock,
  createMemoryKvStore,
  createMemoryNetwork,
  createSeededRandom,
  type ManualClock,
  type MemoryNetwork,
  type MemoryTransport,
} from '@consortia/testkit'
import {
  type BlockStore,
  type ConsensusDriver,
  createConsensusDriver,
  createTxPool,
  loadNonceWindow,
  openBlockStore,
  pbftEngineFactory,
  raftEngineFactory,
  type StoredBlock,
  sortNodeIds,
  type TxPool,
  writeGenesis,
} from '../src/index.js'

export const suite = createCryptoSuite('ecdsa')
export const GENESIS_TIMESTAMP = Date.UTC(2026, 0, 1)
export const TICK_MS = 100

export const hexOf = (b: Bytes) => Buffer.from(b).toString('hex')

/** A deterministic private key per seed. */
export function keyOf(seed: string): Bytes {
  return suite.hash(new TextEncoder().encode(`consortia-ledger-test-${seed}`))
}

const word = (n: bigint) => {
  const out = new Uint8Array(32)
  let v = n
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}
const padded = (b: Uint8Array) => {
  const out = new Uint8Array(Math.ceil(b.length / 32) * 32)
  out.set(b)
  return out
}
const selector = (signature: string) => suite.hash(new TextEncoder().encode(signature)).slice(0, 4)

/** Solidity ABI encoding of a call with string and uint256 arguments (head/tail layout). */
export function abiCall(signature: string, args: readonly (string | bigint)[]): Uint8Array {
  const heads: Uint8Array[] = []
  const tails: Uint8Array[] = []
  let tailOffset = 32 * args.length
  for (const a of args) {
    if (typeof a === 'bigint') {
      heads.push(word(a))
    } else {
      const bytes = new TextEncoder().encode(a)
      const tail = Buffer.concat([word(BigInt(bytes.length)), padded(bytes)])
      heads.push(word(BigInt(tailOffset)))
      tails.push(tail)
      tailOffset += tail.length
    }
  }
  return Buffer.concat([selector(signature), ...heads, ...tails])
}

/** The address of a FISCO precompile (e.g. DagTransfer 0x5002, Consensus 0x1003). */
export function precompileAddress(n: number): Uint8Array {
  const out = new Uint8Array(20)
  out[18] = n >> 8
  out[19] = n & 0xff
  return out
}

/** The DagTransfer precompile's address (0x5002). */
export function dagTransferAddress(): Uint8Array {
  return precompileAddress(PrecompiledAddress.DagTransfer)
}

const client = keyOf('client')

/** A signed DagTransfer call: raw bytes as a client sends them. */
export function dagTx(seq: number, data: Uint8Array, blockLimit = 500n, to = dagTransferAddress()): Bytes {
  return encodeTransaction(
    signTransaction(
      {
        format: 'rc2',
        nonce: BigInt(seq + 1) * 1_000_003n,
        gasPrice: 0n,
        gas: 3_000_000n,
        blockLimit,
        to,
        value: 0n,
        data,
        chainId: 1n,
        groupId: 1n,
        extraData: new Uint8Array(),
      },
      client,
      suite,
    ),
  )
}

/** `userAdd(user, balance)` and `userTransfer(from, to, amount)` transactions, numbered from `first`. */
export function dagWorkload(users: number, transfers: number, first = 0): Bytes[] {
  const out: Bytes[] = []
  let seq = first
  for (let u = 0; u < users; u++)
    out.push(dagTx(seq++, abiCall('userAdd(string,uint256)', [`user${u}`, 1_000_000n])))
  for (let t = 0; t < transfers; t++) {
    const from = `user${t % users}`
    const to = `user${(t * 7 + 3) % users}`
    out.push(dagTx(seq++, abiCall('userTransfer(string,string,uint256)', [from, to, BigInt(1 + (t % 10))])))
  }
  return out
}

/** A node's storage: kept across restarts of its driver. */
export interface NodeStorage {
  open(): Promise<{ amdb: AMDB; consensus: KvStore }>
}

/** In-memory storage that survives a driver restart (the same objects are reopened). */
export function memoryStorage(): NodeStorage {
  const data = createMemoryDriver()
  const amdb = createAMDB({ driver: data, hash: suite.hash })
  const consensus = createMemoryKvStore()
  return { open: async () => ({ amdb, consensus }) }
}

/** LevelDB storage in `dir` (AMDB in `dir/amdb`, consensus state in `dir/consensus`). */
export function levelStorage(dir: string): NodeStorage {
  return {
    async open() {
      const amdb = createAMDB({
        driver: await createLevelDBDriver({ location: `${dir}/amdb` }),
        hash: suite.hash,
      })
      const consensus = await createLevelKvStore({ location: `${dir}/consensus` })
      return { amdb, consensus }
    },
  }
}

/** One running sealer. */
/**
 * Opens one test node's ledger on its storage: the genesis (written on first open, checked after),
 * the block store, the nonce window and the transaction pool of group 1.
 */
export async function openNodeLedger(
  storage: NodeStorage,
  init: { readonly sealerList: readonly NodeId[]; readonly clock: Clock; readonly txCountLimit?: number },
) {
  const { amdb, consensus } = await storage.open()
  await writeGenesis(amdb, suite, {
    sealerList: [...init.sealerList],
    timestamp: GENESIS_TIMESTAMP,
    config: { tx_count_limit: String(init.txCountLimit ?? 50) },
  })
  const store = await openBlockStore({ amdb, suite })
  const nonceWindow = await loadNonceWindow(store, store.head.number)
  const pool = await createTxPool(
    { groupId: 1 },
    {
      suite,
      nonceWindow,
      clock: init.clock,
      chain: { currentNumber: () => store.head.number, hasTransaction: (h) => store.hasTransaction(h) },
    },
  )
  return { amdb, consensus, store, nonceWindow, pool }
}

export interface TestNode {
  readonly index: number
  readonly key: Bytes
  readonly id: NodeId
  amdb: AMDB
  consensus: KvStore
  store: BlockStore
  pool: TxPool
  driver: ConsensusDriver
  transport: MemoryTransport
  readonly hashes: Map<number, string>
}

/** A cluster of sealers on one memory network and one manual clock. */
export interface Cluster {
  readonly clock: ManualClock
  readonly network: MemoryNetwork
  readonly nodes: TestNode[]
  /** Private keys of every sealer in the genesis, by storage index. */
  readonly keys: readonly Bytes[]
  /** Genesis sealer list in FISCO order (ascending node ID). */
  readonly sealerList: readonly NodeId[]
  /** Advance time tick by tick (letting every node finish its work after each) until `done` or `ticksMax`. */
  runUntil(done: () => boolean, ticksMax: number): Promise<number>
  /** Advance `ticks` ticks, letting every node finish its work after each. */
  runTicks(ticks: number): Promise<void>
  /** Submit raw transactions to the pools of the given nodes (all by default): gossip's result. */
  submit(raws: readonly Bytes[], to?: readonly TestNode[]): Promise<void>
  stop(node: TestNode): Promise<void>
  start(index: number): Promise<TestNode>
  close(): Promise<void>
}

/** Builds a cluster with one sealer per storage; sealers listed in `absent` are in the genesis but not started. */
export async function createCluster(
  storages: readonly NodeStorage[],
  options: {
    readonly absent?: readonly number[]
    readonly clockDrivenNetwork?: boolean
    readonly engine?: 'pbft' | 'raft'
    /** `tx_count_limit` in the genesis (default 50). */
    readonly txCountLimit?: number
    /** The drivers' `emptyBlockMs` (default: the driver's default). */
    readonly emptyBlockMs?: number
  } = {},
): Promise<Cluster> {
  const clock = createManualClock(GENESIS_TIMESTAMP)
  // Clock-driven delivery (every message waits for `clock.advance`) lets a test pile messages up.
  const network = createMemoryNetwork(options.clockDrivenNetwork === true ? { clock } : {})
  const keys = storages.map((_, i) => keyOf(`sealer-${i}`))
  const sealerList = keys.map((k) => suite.publicKey(k))
  const nodes: TestNode[] = []

  const start = async (index: number): Promise<TestNode> => {
    const { amdb, consensus, store, nonceWindow, pool } = await openNodeLedger(storages[index]!, {
      sealerList,
      clock,
      ...(options.txCountLimit === undefined ? {} : { txCountLimit: options.txCountLimit }),
    })
    const key = keys[index]!
    const hashes = nodes[index]?.hashes ?? new Map<number, string>()
    const transport = network.createTransport(suite.publicKey(key))
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
      ...(options.emptyBlockMs === undefined ? {} : { emptyBlockMs: options.emptyBlockMs }),
      onCommitted: (b: StoredBlock) => hashes.set(b.block.header.number, hexOf(b.hash)),
    }
    const driver =
      options.engine === 'raft'
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
    const node: TestNode = {
      index,
      key,
      id: suite.publicKey(key),
      amdb,
      consensus,
      store,
      pool,
      driver,
      hashes,
      transport,
    }
    nodes[index] = node
    return node
  }
  for (let i = 0; i < storages.length; i++) if (!options.absent?.includes(i)) await start(i)

  const settle = async () => {
    for (let quiet = 0; quiet < 2; ) {
      await Promise.all(nodes.filter(Boolean).map((n) => n.driver.idle()))
      await new Promise((resolve) => setImmediate(resolve))
      quiet = network.inFlight === 0 ? quiet + 1 : 0
    }
    await Promise.all(nodes.filter(Boolean).map((n) => n.driver.idle()))
  }

  return {
    clock,
    network,
    nodes,
    keys,
    sealerList: sortNodeIds(sealerList),
    async runUntil(done, ticksMax) {
      await settle()
      for (let t = 0; t < ticksMax; t++) {
        if (done()) return t
        clock.advance(TICK_MS)
        await settle()
        for (const n of nodes.filter(Boolean)) if (n.driver.failure !== undefined) throw n.driver.failure
      }
      if (done()) return ticksMax
      throw new Error(
        `not done after ${ticksMax} ticks: heights ${nodes.map((n) => n.store.head.number).join(',')}`,
      )
    },
    async runTicks(ticks) {
      await settle()
      for (let t = 0; t < ticks; t++) {
        clock.advance(TICK_MS)
        await settle()
      }
    },
    async submit(raws, to = nodes.filter(Boolean)) {
      for (const n of to) {
        const results = await n.pool.submitMany(raws)
        const refused = results.filter((r) => !r.ok)
        if (refused.length > 0)
          throw new Error(
            `pool refused ${refused.length}: ${JSON.stringify(refused[0], (_, v) => (typeof v === 'bigint' ? String(v) : v))}`,
          )
      }
    },
    async stop(node) {
      await node.driver.close()
      await node.pool.close()
      await node.transport.close()
      await node.amdb.close()
      await node.consensus.close()
    },
    start,
    async close() {
      for (const n of nodes.filter(Boolean)) {
        if (n.transport.closed) continue
        await n.driver.close()
        await n.transport.close()
        await n.pool.close()
        await n.amdb.close()
        await n.consensus.close()
      }
    },
  }
}

/** Balances of `users` in the committed DagTransfer table. */
export async function balances(amdb: AMDB, users: number): Promise<bigint[]> {
  const view = await amdb.openBlock()
  try {
    const table = await view.openTableOrThrow(DAG_TRANSFER_TABLE)
    const out: bigint[] = []
    for (let u = 0; u < users; u++)
      out.push(BigInt((await table.select(`user${u}`))[0]?.['user_balance'] ?? '0'))
    return out
  } finally {
    view.discard()
  }
}
