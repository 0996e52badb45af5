import { join } from 'node:path'
import {
  type AMDB,
  createAMDB,
  createKvDriver,
  createLevelDBDriver,
  createMySQLDriver,
  type StorageDriver,
} from '@consortia/amdb'
import {
  type BlockStore,
  type ConsensusDriver,
  createBlockSync,
  createConsensusDriver,
  createTxPool,
  createTxSync,
  type EngineFactory,
  loadNonceWindow,
  openBlockStore,
  pbftCertificates,
  pbftEngineFactory,
  raftCertificates,
  raftEngineFactory,
  type StoredBlock,
  type TxPool,
  writeGenesis,
} from '@consortia/group-ledger'
import {
  type Bytes,
  type CryptoSuite,
  type Hash32,
  type KvStore,
  type Logger,
  ModuleId,
  type Transport,
} from '@consortia/interface'
import { createLevelKvStore } from '@consortia/kv-level'
import { createSerialExecutor } from '@consortia/parallel-executor'
import type { GroupGenesis, NodeConfig } from '../config/schema.js'
import type { StorageSecurity } from '../key-manager/index.js'
import { createGroupBackend, type GroupBackend } from '../rpc/backend.js'
import { systemClock, systemRandom } from './runtime.js'

/** One running group: its storage, ledger, pool, consensus driver and RPC backend. */
export interface RunningGroup {
  readonly groupId: number
  readonly genesis: GroupGenesis
  readonly genesisHash: Hash32
  readonly amdb: AMDB
  readonly store: BlockStore
  readonly pool: TxPool
  readonly driver: ConsensusDriver
  readonly backend: GroupBackend
  /** PBFT view changes so far, or the Raft term. */
  viewChanges(): number
  /** Current PBFT view (0 for Raft). */
  view(): number
  /** Stops the driver (after the block being committed), the pool, and closes storage. */
  close(): Promise<void>
}

/** What `openGroup` needs from the node. */
export interface OpenGroupInit {
  readonly config: NodeConfig
  readonly genesis: GroupGenesis
  /** Absolute data directory. */
  readonly dataPath: string
  readonly suite: CryptoSuite
  readonly privateKey: Bytes
  readonly transport: Transport
  readonly logger: Logger
  /** After each commit (metrics, logs). */
  readonly onCommitted?: (groupId: number, block: StoredBlock) => void
  /** Disk encryption: every LevelDB store of the group is opened through it when set. */
  readonly security?: StorageSecurity
}

/** The MySQL database of a group: the node's URL with `_g<groupId>` appended to its database name. */
export function groupMysqlUrl(nodeUrl: string, groupId: number): string {
  const url = new URL(nodeUrl)
  url.pathname = `${url.pathname}_g${groupId}`
  return url.toString()
}

async function openStorageDriver(init: OpenGroupInit, dir: string, logger: Logger): Promise<StorageDriver> {
  const storage = init.config.storage
  if (storage.type === 'mysql') {
    return createMySQLDriver({
      url: groupMysqlUrl(storage.mysqlUrl, init.genesis.groupId),
      createDatabase: true,
      logger,
    })
  }
  if (init.security !== undefined) {
    // Authenticated encryption also detects flipped bits, so no value checksums on top.
    return createKvDriver(await init.security.openStore({ location: join(dir, 'amdb') }), {
      name: 'leveldb',
      sync: true,
    })
  }
  return createLevelDBDriver({ location: join(dir, 'amdb') })
}

/** A LevelDB store of the group: encrypted when the node has disk encryption. */
function openLevelStore(init: OpenGroupInit, location: string): Promise<KvStore> {
  return init.security !== undefined
    ? init.security.openStore({ location })
    : createLevelKvStore({ location })
}

/**
 * Opens one group: AMDB (LevelDB or MySQL), genesis (written on first start, checked after),
 * block store, nonce window, journaled transaction pool, serial executor, consensus driver
 * (PBFT or Raft from the genesis) and the RPC backend.
 */
export async function openGroup(init: OpenGroupInit): Promise<RunningGroup> {
  const { genesis, suite, config } = init
  const groupId = genesis.groupId
  const logger = init.logger.child({ groupId })
  const dir = join(init.dataPath, `group${groupId}`)
  const closers: (() => Promise<void>)[] = []
  const closeAll = async () => {
    for (const c of closers.reverse()) {
      try {
        await c()
      } catch (err) {
        logger.warn('close failed', { error: String(err) })
      }
    }
    closers.length = 0
  }
  try {
    const amdb = createAMDB({ driver: await openStorageDriver(init, dir, logger), hash: suite.hash, logger })
    closers.push(() => amdb.close())
    const sealerList = genesis.consensus.sealers.map((h) => Uint8Array.from(Buffer.from(h, 'hex')))
    const genesisHash = await writeGenesis(amdb, suite, {
      sealerList,
      timestamp: genesis.timestamp,
      config: {
        tx_count_limit: String(genesis.consensus.txCountLimit),
        tx_gas_limit: String(genesis.txGasLimit),
      },
    })
    const store = await openBlockStore({ amdb, suite, logger })
    const consensusStore: KvStore = await openLevelStore(init, join(dir, 'consensus'))
    closers.push(() => consensusStore.close())
    let journal: KvStore | undefined
    if (config.txPool.journal) {
      const j = await openLevelStore(init, join(dir, 'txpool'))
      journal = j
      closers.push(() => j.close())
    }
    const nonceWindow = await loadNonceWindow(store, store.head.number)
    const chainId = BigInt(genesis.chainId)
    const pool = await createTxPool(
      { groupId, chainId, txCountMax: config.txPool.limit, logger },
      {
        suite,
        nonceWindow,
        chain: { currentNumber: () => store.head.number, hasTransaction: (h) => store.hasTransaction(h) },
        ...(journal === undefined ? {} : { journal }),
      },
    )
    closers.push(() => pool.close())
    const executor = createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite, logger })
    const tickMs = config.consensus.tickMs
    const timeoutTicks = Math.max(2, Math.ceil(genesis.consensus.timeoutMs / tickMs))
    let engineStatus: (() => Record<string, unknown>) | undefined
    // biome-ignore lint/suspicious/noExplicitAny: the engine's message and state types differ between PBFT and Raft
    const base: EngineFactory<any, any> =
      genesis.consensus.type === 'pbft'
        ? pbftEngineFactory({ suite, privateKey: init.privateKey, viewTimeoutTicks: timeoutTicks, logger })
        : raftEngineFactory({
            random: systemRandom,
            electionTicks: timeoutTicks,
            heartbeatTicks: Math.max(1, Math.floor(timeoutTicks / 5)),
            logger,
          })
    // biome-ignore lint/suspicious/noExplicitAny: see above
    const engine: EngineFactory<any, any> = (restore, sealers) => {
      const wired = base(restore, sealers)
      const e = wired.engine as unknown as { status?: () => Record<string, unknown> }
      if (typeof e.status === 'function') engineStatus = () => e.status!.call(wired.engine)
      return wired
    }
    const consensusKind = genesis.consensus.type
    let backend: GroupBackend | undefined
    const driver = await createConsensusDriver({
      groupId,
      chainId,
      engine,
      executor,
      amdb,
      store,
      pool,
      nonceWindow,
      transport: init.transport,
      moduleId: genesis.consensus.type === 'pbft' ? ModuleId.PBFT : ModuleId.Raft,
      suite,
      privateKey: init.privateKey,
      consensusStore,
      clock: systemClock,
      tickMs,
      logger,
      onCommitted: (block) => {
        backend?.blockCommitted(block)
        init.onCommitted?.(groupId, block)
      },
    })
    closers.push(() => driver.close())
    // Block sync (catch-up after a restart or partition) and tx sync (client transactions
    // forwarded to every sealer, so any leader can seal them).
    const blockSync = await createBlockSync({
      groupId,
      transport: init.transport,
      store,
      amdb,
      driver,
      suite,
      clock: systemClock,
      random: systemRandom,
      certificates: consensusKind === 'pbft' ? pbftCertificates(suite) : raftCertificates(),
      logger,
    })
    closers.push(() => blockSync.close())
    const txSync = await createTxSync({
      groupId,
      transport: init.transport,
      pool,
      amdb,
      store,
      suite,
      clock: systemClock,
      random: systemRandom,
      logger,
    })
    closers.push(() => txSync.close())
    const numberOf = (key: string) => {
      const v = engineStatus?.()[key]
      return typeof v === 'number' ? v : 0
    }
    backend = createGroupBackend({
      groupId,
      chainId,
      suite,
      store,
      pool,
      driver,
      executor,
      amdb,
      nodeId: driver.nodeId,
      consensus: consensusKind,
      genesisHash,
      view: () => (consensusKind === 'pbft' ? numberOf('view') : 0),
      connectedNodes: () => init.transport.peers().map((p) => p.nodeId),
      isSyncing: () => blockSync.buffered > 0 || blockSync.inFlight > 0,
      logger,
    })
    const b = backend
    closers.push(async () => b.close())
    logger.info('group started', {
      consensus: consensusKind,
      sealers: sealerList.length,
      selfIndex: driver.selfIndex ?? null,
      height: store.head.number,
      genesis: Buffer.from(genesisHash).toString('hex'),
    })
    return {
      groupId,
      genesis,
      genesisHash,
      amdb,
      store,
      pool,
      driver,
      backend,
      viewChanges: () => (consensusKind === 'pbft' ? numberOf('viewChanges') : numberOf('term')),
      view: () => (consensusKind === 'pbft' ? numberOf('view') : 0),
      close: closeAll,
    }
  } catch (err) {
    await closeAll()
    throw err
  }
}
