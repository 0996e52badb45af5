import { join } from 'node:path'
import {
  type AMDB,
  createKvDriver,
  createLevelDBDriver,
  createMySQLDriver,
  type StorageDriver,
} from '@consortia/amdb'
import {
  type BlockStore,
  type ConsensusDriver,
  createGroupManager,
  type EngineFactory,
  encodeGroupGenesis,
  type GroupEngine,
  type GroupManager,
  type GroupStorage,
  type GroupStorageProvider,
  isGroupManagerError,
  type GroupGenesis as LedgerGenesis,
  normalizeGroupGenesis,
  pbftEngineFactory,
  raftEngineFactory,
  type StoredBlock,
  type TxPool,
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
import {
  createParallelExecutor,
  createSerialExecutor,
  type SerialExecutor,
} from '@consortia/parallel-executor'
import { GENESIS_VERSION, type GroupGenesis, type NodeConfig } from '../config/schema.js'
import { configError } from '../errors.js'
import type { StorageSecurity } from '../key-manager/index.js'
import {
  createGroupBackend,
  type GroupBackend,
  type GroupManagerBackend,
  type ManagementResult,
} from '../rpc/backend.js'
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
}

/** What `openNodeGroups` needs from the node. */
export interface NodeGroupsInit {
  readonly config: NodeConfig
  /** Absolute data directory. */
  readonly dataPath: string
  readonly suite: CryptoSuite
  readonly privateKey: Bytes
  readonly transport: Transport
  readonly logger: Logger
  /** After each commit of any group (metrics, logs). */
  readonly onCommitted?: (groupId: number, block: StoredBlock) => void
  /** Disk encryption: every LevelDB store of the node's groups is opened through it when set. */
  readonly security?: StorageSecurity
}

/** The node's groups, run by group-ledger's `GroupManager`. */
export interface NodeGroups {
  readonly manager: GroupManager
  /** The running groups, kept current as groups start and stop. */
  readonly running: ReadonlyMap<number, RunningGroup>
  /** FISCO's six group-admin RPC methods over the manager. */
  readonly admin: GroupManagerBackend
  /** Stops every running group (their RUNNING status is kept for the next start) and closes storage. */
  close(): Promise<void>
}

/** Name of the node-level store (under the data directory) of group statuses and genesis texts. */
export const GROUP_STATUS_DIR = 'groups'

/** The MySQL database of a group: the node's URL with `_g<groupId>` appended to its database name. */
export function groupMysqlUrl(nodeUrl: string, groupId: number): string {
  const url = new URL(nodeUrl)
  url.pathname = `${url.pathname}_g${groupId}`
  return url.toString()
}

/**
 * A `group.N.genesis` file of build-chain as the GroupManager's genesis (the one format the
 * manager stores and hashes into block 0). Chain ID and suite are node-wide and checked
 * against `config.json` when the file is read.
 */
export function ledgerGenesisOf(g: GroupGenesis): LedgerGenesis {
  return {
    groupId: g.groupId,
    timestamp: g.timestamp,
    sealers: g.consensus.sealers.map((h) => Uint8Array.from(Buffer.from(h, 'hex'))),
    consensusType: g.consensus.type,
    txCountLimit: g.consensus.txCountLimit,
    consensusTimeoutMs: g.consensus.timeoutMs,
    gasLimit: BigInt(g.txGasLimit),
  }
}

/** The other way: a manager genesis (e.g. from `generateGroup`) as the node's genesis object. */
export function nodeGenesisOf(g: LedgerGenesis, config: NodeConfig): GroupGenesis {
  const n = normalizeGroupGenesis(g)
  return {
    version: GENESIS_VERSION,
    groupId: n.groupId,
    chainId: config.chain.id,
    suite: config.chain.suite,
    timestamp: n.timestamp,
    consensus: {
      type: n.consensusType,
      sealers: n.sealers.map((s) => Buffer.from(s).toString('hex')),
      txCountLimit: n.txCountLimit,
      timeoutMs: n.consensusTimeoutMs,
    },
    txGasLimit: Number(n.gasLimit),
  }
}

/** A LevelDB store of the node: encrypted when the node has disk encryption. */
function openLevelStore(init: NodeGroupsInit, location: string): Promise<KvStore> {
  return init.security !== undefined
    ? init.security.openStore({ location })
    : createLevelKvStore({ location })
}

async function openStorageDriver(init: NodeGroupsInit, groupId: number, dir: string): Promise<StorageDriver> {
  const storage = init.config.storage
  if (storage.type === 'mysql') {
    return createMySQLDriver({
      url: groupMysqlUrl(storage.mysqlUrl, groupId),
      createDatabase: true,
      logger: init.logger.child({ groupId }),
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

/**
 * The node's layout of a group's storage: `<data>/group<N>/amdb` (LevelDB, or the group's
 * MySQL database), `consensus` and, with `txPool.journal`, `txpool` (LevelDB, encrypted
 * with disk encryption).
 */
function nodeGroupStorage(init: NodeGroupsInit): GroupStorageProvider {
  return {
    kind: init.config.storage.type,
    async open(groupId): Promise<GroupStorage> {
      const dir = join(init.dataPath, `group${groupId}`)
      const opened: { close(): Promise<void> }[] = []
      const closeAll = async () => {
        for (const c of opened.splice(0).reverse()) await c.close()
      }
      try {
        const driver = await openStorageDriver(init, groupId, dir)
        opened.push(driver)
        const consensus = await openLevelStore(init, join(dir, 'consensus'))
        opened.push(consensus)
        const journal = init.config.txPool.journal
          ? await openLevelStore(init, join(dir, 'txpool'))
          : undefined
        if (journal !== undefined) opened.push(journal)
        return { driver, consensus, ...(journal === undefined ? {} : { journal }), close: closeAll }
      } catch (err) {
        await closeAll().catch(() => undefined)
        throw err
      }
    },
  }
}

/** FISCO's answer to a group-admin call: 0 with `ok`, else the manager error's FISCO code. */
async function answer(op: () => Promise<void>, ok: string): Promise<ManagementResult> {
  try {
    await op()
    return { code: 0, message: ok }
  } catch (err) {
    if (isGroupManagerError(err)) return { code: err.type.fiscoCode, message: err.message }
    return { code: 0x1, message: String((err as Error)?.message ?? err) }
  }
}

/**
 * Runs the node's groups through group-ledger's `GroupManager`: statuses and genesis texts
 * persisted in `<data>/groups`, each group's ledger, pool, consensus driver, block sync and
 * tx sync, and its RPC backend attached when it starts. Then brings in the genesis files:
 * a group the node does not know yet is generated and started; a known one keeps its
 * persisted status (a stopped group stays stopped, a removed one stays removed) and its
 * genesis file must not have changed.
 */
export async function openNodeGroups(
  init: NodeGroupsInit,
  geneses: readonly GroupGenesis[],
): Promise<NodeGroups> {
  const { config, suite } = init
  const logger = init.logger
  const chainId = BigInt(config.chain.id)
  const tickMs = config.consensus.tickMs
  const running = new Map<number, RunningGroup>()
  const backends = new Map<number, GroupBackend>()
  const executors = new Map<number, SerialExecutor & { close?: () => Promise<void> }>()
  const engineStatus = new Map<number, () => Record<string, unknown>>()

  const statusStore = await openLevelStore(init, join(init.dataPath, GROUP_STATUS_DIR))
  const engine = (g: Required<LedgerGenesis>): GroupEngine => {
    const timeoutTicks = Math.max(2, Math.ceil(g.consensusTimeoutMs / tickMs))
    const glog = logger.child({ groupId: g.groupId })
    // biome-ignore lint/suspicious/noExplicitAny: the engine's message and state types differ between PBFT and Raft
    const base: EngineFactory<any, any> =
      g.consensusType === 'pbft'
        ? pbftEngineFactory({
            suite,
            privateKey: init.privateKey,
            viewTimeoutTicks: timeoutTicks,
            logger: glog,
          })
        : raftEngineFactory({
            random: systemRandom,
            electionTicks: timeoutTicks,
            heartbeatTicks: Math.max(1, Math.floor(timeoutTicks / 5)),
            logger: glog,
          })
    return {
      moduleId: g.consensusType === 'pbft' ? ModuleId.PBFT : ModuleId.Raft,
      factory: (restore, sealers) => {
        const wired = base(restore, sealers)
        const e = wired.engine as unknown as { status?: () => Record<string, unknown> }
        if (typeof e.status === 'function') engineStatus.set(g.groupId, () => e.status!.call(wired.engine))
        return wired
      },
    }
  }
  const numberOf = (groupId: number, key: string) => {
    const v = engineStatus.get(groupId)?.()[key]
    return typeof v === 'number' ? v : 0
  }

  let manager: GroupManager
  try {
    manager = await createGroupManager({
      suite,
      privateKey: init.privateKey,
      transport: init.transport,
      storage: nodeGroupStorage(init),
      statusStore,
      executor: (g) => {
        const components = { crypto: suite, logger: logger.child({ groupId: g.groupId }) }
        const parallel = config.executor?.parallel ?? 'off'
        const executor =
          parallel === 'off'
            ? createSerialExecutor({ hardfork: 'cancun' }, components)
            : createParallelExecutor(
                {
                  hardfork: 'cancun',
                  mode: parallel,
                  workers: config.executor!.workers,
                  minTransactions: config.executor!.minTransactions,
                },
                components,
              )
        executors.set(g.groupId, executor)
        return executor
      },
      engine,
      clock: systemClock,
      random: systemRandom,
      chainId,
      tickMs,
      pool: { txCountMax: config.txPool.limit },
      sync: true,
      logger,
      onCommitted: (groupId, block) => {
        const stats = (executors.get(groupId) as { lastBlock?: object } | undefined)?.lastBlock
        if (stats !== undefined)
          logger.debug('parallel execution', { groupId, height: Number(block.block.header.number), ...stats })
        backends.get(groupId)?.blockCommitted(block)
        init.onCommitted?.(groupId, block)
      },
      onGroupStarted: async (group) => {
        const groupId = group.groupId
        const kind = group.genesis.consensusType
        const genesisHash = (await group.store.hashByNumber(0))!
        const blockSync = group.blockSync!
        const backend = createGroupBackend({
          groupId,
          chainId,
          suite,
          store: group.store,
          pool: group.pool,
          driver: group.driver,
          executor: executors.get(groupId)!,
          amdb: group.amdb,
          nodeId: group.driver.nodeId,
          consensus: kind,
          genesisHash,
          view: () => (kind === 'pbft' ? numberOf(groupId, 'view') : 0),
          connectedNodes: () => init.transport.peers().map((p) => p.nodeId),
          isSyncing: () => blockSync.buffered > 0 || blockSync.inFlight > 0,
          logger: logger.child({ groupId }),
        })
        backends.set(groupId, backend)
        running.set(groupId, {
          groupId,
          genesis: nodeGenesisOf(group.genesis, config),
          genesisHash,
          amdb: group.amdb,
          store: group.store,
          pool: group.pool,
          driver: group.driver,
          backend,
          viewChanges: () => (kind === 'pbft' ? numberOf(groupId, 'viewChanges') : numberOf(groupId, 'term')),
          view: () => (kind === 'pbft' ? numberOf(groupId, 'view') : 0),
        })
        logger.info('group started', {
          groupId,
          consensus: kind,
          sealers: group.genesis.sealers.length,
          selfIndex: group.driver.selfIndex ?? null,
          height: group.store.head.number,
          genesis: Buffer.from(genesisHash).toString('hex'),
        })
        return {
          async close() {
            running.delete(groupId)
            backends.delete(groupId)
            engineStatus.delete(groupId)
            const executor = executors.get(groupId)
            executors.delete(groupId)
            backend.close()
            await executor?.close?.()
          },
        }
      },
    })
  } catch (err) {
    await statusStore.close()
    throw err
  }

  const close = async () => {
    await manager.close()
    await statusStore.close()
  }
  try {
    const failed = manager.groups().find((g) => g.error !== undefined)
    if (failed !== undefined) {
      throw new Error(
        `group ${failed.groupId} did not restart: ${String((failed.error as Error)?.message ?? failed.error)}`,
      )
    }
    for (const file of geneses) {
      const id = file.groupId
      const genesis = ledgerGenesisOf(file)
      const status = manager.queryGroupStatus(id)
      if (status === 'INEXISTENT') {
        await manager.generateGroup(genesis, { requireConnectedSealers: false })
        await manager.startGroup(id)
        continue
      }
      if (manager.genesisOf(id) !== encodeGroupGenesis(genesis)) {
        throw configError(
          join(config.groups.configPath, `group.${id}.genesis`),
          'genesis',
          `group ${id} differs from the genesis this node already runs it with`,
        )
      }
      if (status !== 'RUNNING') logger.info('group not started: its status is kept', { groupId: id, status })
    }
  } catch (err) {
    await close().catch(() => undefined)
    throw err
  }

  const admin: GroupManagerBackend = {
    generate: (groupId, p) =>
      answer(
        () =>
          manager.generateGroup({
            groupId,
            timestamp: p.timestamp,
            sealers: p.sealers,
            enableFreeStorage: p.enableFreeStorage,
          }),
        `Group ${groupId} generated successfully`,
      ),
    start: (groupId) => answer(() => manager.startGroup(groupId), `Group ${groupId} started successfully`),
    stop: (groupId) => answer(() => manager.stopGroup(groupId), `Group ${groupId} stopped successfully`),
    remove: (groupId) => answer(() => manager.removeGroup(groupId), `Group ${groupId} deleted successfully`),
    recover: (groupId) =>
      answer(() => manager.recoverGroup(groupId), `Group ${groupId} recovered successfully`),
    status: async (groupId) => ({ code: 0, message: '', status: manager.queryGroupStatus(groupId) }),
  }
  return { manager, running, admin, close }
}
