import { randomBytes, randomInt } from 'node:crypto'
import { type AMDB, createAMDB, type StorageDriver } from '@consortia/amdb'
import {
  type Bytes,
  type Clock,
  type CryptoSuite,
  type Executor,
  type KvStore,
  type Logger,
  ModuleId,
  type NodeId,
  type Random,
  silentLogger,
  type Transport,
} from '@consortia/interface'
import { type BlockStore, openBlockStore, type StoredBlock, writeGenesis } from '../ledger/block-store.js'
import {
  type ConsensusDriver,
  createConsensusDriver,
  type EngineFactory,
  TICK_MS_DEFAULT,
} from '../ledger/driver.js'
import type { Failpoints } from '../ledger/failpoints.js'
import { pbftEngineFactory } from '../ledger/pbft.js'
import { raftEngineFactory } from '../ledger/raft.js'
import { type BlockSync, createBlockSync } from '../sync/block-sync.js'
import { pbftCertificates, raftCertificates } from '../sync/certificates.js'
import { readGroupMembers } from '../sync/members.js'
import { createTxSync, type TxSync } from '../sync/tx-sync.js'
import { loadNonceWindow, type NonceWindow } from '../txpool/nonce-window.js'
import { createTxPool, type TxPool, type TxPoolInit } from '../txpool/pool.js'
import { type GroupManagerError, type GroupStatus, groupError, groupInvalidParams } from './errors.js'
import {
  encodeGroupGenesis,
  type GroupGenesis,
  genesisConfigOf,
  normalizeGroupGenesis,
  parseGroupGenesis,
} from './genesis.js'
import { createGroupTransport, type GroupTransport } from './group-transport.js'
import type { GroupStorage, GroupStorageProvider } from './storage.js'

/** Default most groups one node knows (any status but INEXISTENT); FISCO allows ids up to 32767. */
export const GROUPS_MAX_DEFAULT = 256

/** The engine of a group and the p2p module its messages use. */
export interface GroupEngine {
  // biome-ignore lint/suspicious/noExplicitAny: engines of any message and state type
  readonly factory: EngineFactory<any, any>
  readonly moduleId: number
}

/** A started group: its components, for RPC, sync and tests. */
export interface RunningGroup {
  readonly groupId: number
  readonly genesis: Required<GroupGenesis>
  readonly amdb: AMDB
  readonly store: BlockStore
  readonly pool: TxPool
  readonly nonceWindow: NonceWindow
  readonly driver: ConsensusDriver
  /** The group's view of the shared transport: members only. */
  readonly transport: GroupTransport
  readonly moduleId: number
  /** Block sync of the group (when the manager runs with `sync: true`). */
  readonly blockSync: BlockSync | undefined
  /** Transaction forwarding of the group (when the manager runs with `sync: true`). */
  readonly txSync: TxSync | undefined
}

/** What `onGroupStarted` may return: something to stop before the group's ledger closes (e.g. block sync). */
export interface GroupExtension {
  close(): Promise<void>
}

/** Options and components of `createGroupManager`. */
export interface GroupManagerInit {
  readonly suite: CryptoSuite
  /** The node's private key; its public key is its node ID in every group. */
  readonly privateKey: Bytes
  /** The node's one p2p transport, shared by all groups (routed by group id). */
  readonly transport: Transport
  /** Each group's storage namespace. */
  readonly storage: GroupStorageProvider
  /** Node-level store of group statuses and genesis texts (survives restarts). */
  readonly statusStore: KvStore
  /** Builds the executor of a group. */
  readonly executor: (genesis: Required<GroupGenesis>) => Executor
  /** The engine of a group (default: PBFT or Raft from the genesis `consensusType`). */
  readonly engine?: (genesis: Required<GroupGenesis>) => GroupEngine
  readonly clock: Clock
  /** The node's `[chain] id` (default 1n). */
  readonly chainId?: bigint
  /** Consensus driver tick (default 100 ms). */
  readonly tickMs?: number
  /** Pool options of every group (groupId and chainId are set by the manager). */
  readonly pool?: Omit<TxPoolInit, 'groupId' | 'chainId' | 'logger'>
  /** Refuse `generateGroup` unless every other sealer is a connected peer (FISCO; default true). */
  readonly requireConnectedSealers?: boolean
  /** Most groups known (default `GROUPS_MAX_DEFAULT`). */
  readonly groupsMax?: number
  /**
   * Run block sync and tx sync (`createBlockSync`, `createTxSync`) in every group, on the
   * group's members-only transport, with PBFT or Raft certificates after the genesis
   * (default false: the caller may attach its own through `onGroupStarted`).
   */
  readonly sync?: boolean
  /** Randomness of the default Raft engine and of sync's peer choice (default: node:crypto). */
  readonly random?: Random
  /** Crash-test hooks passed to every group's block store and driver. */
  readonly failpoints?: Failpoints
  /** Called after a group started (attach block sync, RPC, ...); its result is closed before the group stops. */
  readonly onGroupStarted?: (
    group: RunningGroup,
  ) => Promise<GroupExtension | undefined> | GroupExtension | undefined
  /** Called after each block of any group commits. Exceptions are logged. */
  readonly onCommitted?: (groupId: number, block: StoredBlock) => void
  readonly logger?: Logger
}

/** Options of `GroupManager.generateGroup`. */
export interface GenerateGroupOptions {
  /**
   * Refuse unless every other sealer is a connected peer (default: the manager's
   * `requireConnectedSealers`). A node creating the groups of its genesis files at start,
   * before any peer connected, passes false.
   */
  readonly requireConnectedSealers?: boolean
}

/** One group as `groups()` lists it. */
export interface GroupInfo {
  readonly groupId: number
  readonly status: GroupStatus
  /** Why the last start (at `createGroupManager` or `startGroup`) failed, if it did. */
  readonly error?: unknown
}

/**
 * Many groups in one node, FISCO's dynamic group management: `generateGroup` (writes the
 * genesis, STOPPED), `startGroup` (RUNNING), `stopGroup` (STOPPING → STOPPED), `removeGroup`
 * (DELETED, data kept), `recoverGroup` (DELETED → STOPPED), `queryGroupStatus`. Statuses are
 * persisted; a restarted manager starts every group that was RUNNING.
 */
export interface GroupManager {
  readonly nodeId: Bytes
  generateGroup(genesis: GroupGenesis | string, options?: GenerateGroupOptions): Promise<void>
  startGroup(groupId: number): Promise<void>
  stopGroup(groupId: number): Promise<void>
  removeGroup(groupId: number): Promise<void>
  recoverGroup(groupId: number): Promise<void>
  queryGroupStatus(groupId: number): GroupStatus
  /** The genesis text (`group.N.genesis`) of a known group. */
  genesisOf(groupId: number): string | undefined
  /** A running group's components, or undefined. */
  group(groupId: number): RunningGroup | undefined
  /** FISCO `getGroupList`: the running groups' ids, ascending. */
  groupList(): number[]
  /** Every known group with its status. */
  groups(): GroupInfo[]
  /** Resolves when no lifecycle operation is running and every running driver is idle. */
  idle(): Promise<void>
  /** Closes every running group (their persisted status stays RUNNING, so they restart with the node). */
  close(): Promise<void>
}

interface GroupRecord {
  status: GroupStatus
  genesis: Required<GroupGenesis>
  text: string
  running?: Running
  error?: unknown
}

interface Running {
  readonly group: RunningGroup
  readonly storage: GroupStorage
  readonly extension: GroupExtension | undefined
}

const STATUS_PREFIX = 'consortia/group/'
const statusKey = (groupId: number) => new TextEncoder().encode(`${STATUS_PREFIX}${groupId}`)
const PERSISTED: readonly GroupStatus[] = ['STOPPED', 'RUNNING', 'STOPPING', 'DELETED']

/** Sealers and observers in force at `height` (block+1 activation). */
async function membersAt(driver: StorageDriver, height: number): Promise<NodeId[]> {
  const m = await readGroupMembers(driver, height)
  return [...m.sealers, ...m.observers]
}

const cryptoRandom: Random = {
  nextU32: () => randomBytes(4).readUInt32BE(0),
  nextInt: (max) => randomInt(max),
  nextFloat: () => randomBytes(4).readUInt32BE(0) / 2 ** 32,
  bytes: (n) => new Uint8Array(randomBytes(n)),
}

/**
 * Opens the group manager of a node: reads the persisted statuses, finishes interrupted stops
 * (STOPPING → STOPPED) and starts every RUNNING group. A group that fails to start is left
 * STOPPED in memory with its error in `groups()`; the others run.
 */
export async function createGroupManager(init: GroupManagerInit): Promise<GroupManager> {
  const { suite, clock, statusStore } = init
  const logger = (init.logger ?? silentLogger).child({ component: 'group-manager' })
  const nodeId = suite.publicKey(init.privateKey)
  const groupsMax = init.groupsMax ?? GROUPS_MAX_DEFAULT
  if (!Number.isSafeInteger(groupsMax) || groupsMax < 1) {
    throw groupInvalidParams(0, 'groupsMax', 'a positive integer', String(groupsMax))
  }
  const tickMs = init.tickMs ?? TICK_MS_DEFAULT
  const records = new Map<number, GroupRecord>()
  let closed = false

  // --- persisted statuses
  const persist = async (groupId: number, r: GroupRecord) => {
    const value = new TextEncoder().encode(JSON.stringify({ status: r.status, genesis: r.text }))
    await statusStore.batch([{ type: 'put', key: statusKey(groupId), value }], { sync: true })
  }
  const prefix = new TextEncoder().encode(STATUS_PREFIX)
  const prefixEnd = Uint8Array.from(prefix)
  prefixEnd[prefixEnd.length - 1]!++
  for await (const [k, v] of statusStore.iterate({ gte: prefix, lt: prefixEnd })) {
    const id = Number(Buffer.from(k).toString('utf8').slice(STATUS_PREFIX.length))
    let parsed: { status?: unknown; genesis?: unknown }
    try {
      parsed = JSON.parse(Buffer.from(v).toString('utf8')) as typeof parsed
    } catch (err) {
      throw groupError('INTERNAL_ERROR', id, `group ${id}: stored status is not JSON`, { cause: err })
    }
    const status = parsed.status as GroupStatus
    if (!PERSISTED.includes(status) || typeof parsed.genesis !== 'string') {
      throw groupError('INTERNAL_ERROR', id, `group ${id}: stored status record is malformed`)
    }
    const genesis = parseGroupGenesis(parsed.genesis)
    if (genesis.groupId !== id)
      throw groupError('INTERNAL_ERROR', id, `group ${id}: stored genesis is for group ${genesis.groupId}`)
    records.set(id, { status, genesis, text: parsed.genesis })
  }

  // --- one lifecycle operation at a time
  let chain: Promise<unknown> = Promise.resolve()
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = chain.then(op, op)
    chain = next.catch(() => undefined)
    return next
  }

  const recordOf = (groupId: number, op: string): GroupRecord => {
    if (!Number.isSafeInteger(groupId) || groupId < 1 || groupId > 32767) {
      throw groupInvalidParams(Number(groupId) || 0, 'groupId', 'an integer in 1..32767', String(groupId))
    }
    const r = records.get(groupId)
    if (r === undefined)
      throw groupError('GROUP_NOT_FOUND', groupId, `${op}: group ${groupId} does not exist`)
    return r
  }
  const refuse = (r: GroupRecord, groupId: number, op: string): GroupManagerError | undefined => {
    switch (r.status) {
      case 'STOPPING':
        return groupError('GROUP_IS_STOPPING', groupId, `${op}: group ${groupId} is stopping`, {
          status: r.status,
        })
      case 'DELETED':
        return groupError('GROUP_ALREADY_DELETED', groupId, `${op}: group ${groupId} is deleted`, {
          status: r.status,
        })
      default:
        return undefined
    }
  }

  const engineOf = (g: Required<GroupGenesis>): GroupEngine => {
    if (init.engine !== undefined) return init.engine(g)
    const timeoutTicks = Math.max(1, Math.round(g.consensusTimeoutMs / tickMs))
    if (g.consensusType === 'raft') {
      return {
        factory: raftEngineFactory({
          random: init.random ?? cryptoRandom,
          electionTicks: timeoutTicks,
          heartbeatTicks: Math.max(1, Math.floor(timeoutTicks / 5)),
          logger,
        }),
        moduleId: ModuleId.Raft,
      }
    }
    return {
      factory: pbftEngineFactory({
        suite,
        privateKey: init.privateKey,
        viewTimeoutTicks: timeoutTicks,
        logger,
      }),
      moduleId: ModuleId.PBFT,
    }
  }

  const open = async (groupId: number, r: GroupRecord): Promise<Running> => {
    const g = r.genesis
    const glog = logger.child({ groupId })
    const storage = await init.storage.open(groupId)
    const closers: (() => Promise<void>)[] = [() => storage.close()]
    try {
      const amdb = createAMDB({ driver: storage.driver, hash: suite.hash, logger: glog })
      await writeGenesis(amdb, suite, genesisConfigOf(g))
      const store = await openBlockStore({
        amdb,
        suite,
        logger: glog,
        ...(init.failpoints === undefined ? {} : { failpoints: init.failpoints }),
      })
      const nonceWindow = await loadNonceWindow(store, store.head.number)
      const pool = await createTxPool(
        {
          ...init.pool,
          groupId,
          ...(init.chainId === undefined ? {} : { chainId: init.chainId }),
          logger: glog,
        },
        {
          suite,
          nonceWindow,
          clock,
          ...(storage.journal === undefined ? {} : { journal: storage.journal }),
          chain: { currentNumber: () => store.head.number, hasTransaction: (h) => store.hasTransaction(h) },
        },
      )
      closers.unshift(() => pool.close())
      const transport = createGroupTransport(
        init.transport,
        groupId,
        await membersAt(storage.driver, store.head.number + 1),
        glog,
      )
      closers.unshift(() => transport.close())
      const engine = engineOf(g)
      let refresh = Promise.resolve()
      const driver = await createConsensusDriver({
        groupId,
        ...(init.chainId === undefined ? {} : { chainId: init.chainId }),
        engine: engine.factory,
        moduleId: engine.moduleId,
        executor: init.executor(g),
        amdb,
        store,
        pool,
        nonceWindow,
        transport,
        suite,
        privateKey: init.privateKey,
        consensusStore: storage.consensus,
        clock,
        tickMs,
        logger: glog,
        ...(init.failpoints === undefined ? {} : { failpoints: init.failpoints }),
        onCommitted: (block) => {
          // Membership changes apply from block + 1 (ConsensusPrecompiled writes enable_num h + 1).
          refresh = refresh
            .then(async () =>
              transport.setMembers(await membersAt(storage.driver, block.block.header.number + 1)),
            )
            .catch((err) => glog.warn('member list refresh failed', { error: String(err) }))
          init.onCommitted?.(groupId, block)
        },
      })
      closers.unshift(async () => {
        await driver.close()
        await refresh
      })
      let blockSync: BlockSync | undefined
      let txSync: TxSync | undefined
      if (init.sync === true) {
        const random = init.random ?? cryptoRandom
        const bs = await createBlockSync({
          groupId,
          transport,
          store,
          amdb,
          driver,
          suite,
          clock,
          random,
          certificates: g.consensusType === 'raft' ? raftCertificates() : pbftCertificates(suite),
          tickMs,
          logger: glog,
        })
        blockSync = bs
        closers.unshift(() => bs.close())
        const ts = await createTxSync({
          groupId,
          transport,
          pool,
          amdb,
          store,
          suite,
          clock,
          random,
          tickMs,
          logger: glog,
        })
        txSync = ts
        closers.unshift(() => ts.close())
      }
      const group: RunningGroup = {
        groupId,
        genesis: g,
        amdb,
        store,
        pool,
        nonceWindow,
        driver,
        transport,
        moduleId: engine.moduleId,
        blockSync,
        txSync,
      }
      const extension = init.onGroupStarted === undefined ? undefined : await init.onGroupStarted(group)
      glog.info('group started', { height: store.head.number, consensus: g.consensusType })
      return { group, storage, extension }
    } catch (err) {
      for (const c of closers) await c().catch(() => undefined)
      throw err
    }
  }

  const shut = async (running: Running) => {
    const { group, storage, extension } = running
    await extension?.close()
    await group.txSync?.close()
    await group.blockSync?.close()
    await group.driver.close()
    await group.transport.close()
    await group.pool.close()
    await group.amdb.close()
    await storage.close()
  }

  const start = async (groupId: number, r: GroupRecord) => {
    try {
      r.running = await open(groupId, r)
      delete r.error
    } catch (err) {
      r.error = err
      throw groupError(
        'INTERNAL_ERROR',
        groupId,
        `group ${groupId} failed to start: ${String((err as Error)?.message ?? err)}`,
        {
          cause: err,
        },
      )
    }
  }

  // --- recovery at open
  for (const [id, r] of [...records].sort((a, b) => a[0] - b[0])) {
    if (r.status === 'STOPPING') {
      r.status = 'STOPPED'
      await persist(id, r)
    } else if (r.status === 'RUNNING') {
      try {
        await start(id, r)
      } catch (err) {
        r.status = 'STOPPED'
        logger.error('group did not restart', { groupId: id }, err)
      }
    }
  }

  const assertOpen = (groupId: number) => {
    if (closed) throw groupError('INTERNAL_ERROR', groupId, 'the group manager is closed')
  }

  const manager: GroupManager = {
    nodeId,
    generateGroup(input, options = {}) {
      return serial(async () => {
        const genesis = typeof input === 'string' ? parseGroupGenesis(input) : normalizeGroupGenesis(input)
        const id = genesis.groupId
        assertOpen(id)
        if (records.has(id)) {
          throw groupError('GROUP_ALREADY_EXISTS', id, `group ${id} already exists`, {
            status: records.get(id)!.status,
          })
        }
        if (records.size >= groupsMax) {
          throw groupError(
            'INTERNAL_ERROR',
            id,
            `this node already holds ${records.size} groups (groupsMax ${groupsMax})`,
          )
        }
        if (options.requireConnectedSealers ?? init.requireConnectedSealers ?? true) {
          const peers = new Set(init.transport.peers().map((p) => Buffer.from(p.nodeId).toString('hex')))
          const self = Buffer.from(nodeId).toString('hex')
          const missing = genesis.sealers
            .map((s) => Buffer.from(s).toString('hex'))
            .filter((h) => h !== self && !peers.has(h))
          if (missing.length > 0) {
            throw groupError(
              'PEERS_NOT_CONNECTED',
              id,
              `group ${id}: ${missing.length} sealer(s) not connected, e.g. ${missing[0]!.slice(0, 16)}…`,
            )
          }
        }
        const r: GroupRecord = { status: 'STOPPED', genesis, text: encodeGroupGenesis(genesis) }
        await persist(id, r)
        records.set(id, r)
        logger.info('group generated', { groupId: id, sealers: genesis.sealers.length })
      })
    },
    startGroup(groupId) {
      const early = records.get(groupId)
      if (early?.status === 'STOPPING') return Promise.reject(refuse(early, groupId, 'startGroup'))
      return serial(async () => {
        assertOpen(groupId)
        const r = recordOf(groupId, 'startGroup')
        const refused = refuse(r, groupId, 'startGroup')
        if (refused !== undefined) throw refused
        if (r.status === 'RUNNING') {
          throw groupError('GROUP_ALREADY_RUNNING', groupId, `group ${groupId} is already running`, {
            status: r.status,
          })
        }
        await start(groupId, r)
        r.status = 'RUNNING'
        try {
          await persist(groupId, r)
        } catch (err) {
          r.status = 'STOPPED'
          const running = r.running
          delete r.running
          if (running !== undefined) await shut(running).catch(() => undefined)
          throw groupError('INTERNAL_ERROR', groupId, `group ${groupId}: status not stored`, { cause: err })
        }
      })
    },
    stopGroup(groupId) {
      const early = records.get(groupId)
      if (early?.status === 'STOPPING') return Promise.reject(refuse(early, groupId, 'stopGroup'))
      return serial(async () => {
        assertOpen(groupId)
        const r = recordOf(groupId, 'stopGroup')
        const refused = refuse(r, groupId, 'stopGroup')
        if (refused !== undefined) throw refused
        if (r.status === 'STOPPED') {
          throw groupError('GROUP_ALREADY_STOPPED', groupId, `group ${groupId} is already stopped`, {
            status: r.status,
          })
        }
        r.status = 'STOPPING'
        await persist(groupId, r)
        const running = r.running
        delete r.running
        try {
          if (running !== undefined) await shut(running)
        } finally {
          r.status = 'STOPPED'
          await persist(groupId, r)
        }
        logger.info('group stopped', { groupId })
      })
    },
    removeGroup(groupId) {
      const early = records.get(groupId)
      if (early?.status === 'STOPPING') return Promise.reject(refuse(early, groupId, 'removeGroup'))
      return serial(async () => {
        assertOpen(groupId)
        const r = recordOf(groupId, 'removeGroup')
        const refused = refuse(r, groupId, 'removeGroup')
        if (refused !== undefined) throw refused
        if (r.status === 'RUNNING') {
          throw groupError(
            'GROUP_ALREADY_RUNNING',
            groupId,
            `group ${groupId} is running: stop it before removing it`,
            {
              status: r.status,
            },
          )
        }
        r.status = 'DELETED'
        await persist(groupId, r)
        logger.info('group removed (data kept for recoverGroup)', { groupId })
      })
    },
    recoverGroup(groupId) {
      const early = records.get(groupId)
      if (early?.status === 'STOPPING') return Promise.reject(refuse(early, groupId, 'recoverGroup'))
      return serial(async () => {
        assertOpen(groupId)
        const r = recordOf(groupId, 'recoverGroup')
        if (r.status !== 'DELETED') {
          throw groupError('GROUP_NOT_DELETED', groupId, `group ${groupId} is not deleted (${r.status})`, {
            status: r.status,
          })
        }
        r.status = 'STOPPED'
        await persist(groupId, r)
        logger.info('group recovered', { groupId })
      })
    },
    queryGroupStatus(groupId) {
      return records.get(groupId)?.status ?? 'INEXISTENT'
    },
    genesisOf: (groupId) => records.get(groupId)?.text,
    group: (groupId) => records.get(groupId)?.running?.group,
    groupList: () =>
      [...records]
        .filter(([, r]) => r.running !== undefined)
        .map(([id]) => id)
        .sort((a, b) => a - b),
    groups: () =>
      [...records]
        .sort((a, b) => a[0] - b[0])
        .map(([groupId, r]) => ({
          groupId,
          status: r.status,
          ...(r.error === undefined ? {} : { error: r.error }),
        })),
    async idle() {
      await chain
      for (const r of records.values()) {
        const g = r.running?.group
        if (g === undefined) continue
        await g.blockSync?.idle()
        await g.txSync?.idle()
        await g.driver.idle()
      }
    },
    async close() {
      if (closed) return
      await serial(async () => {
        closed = true
        for (const r of records.values()) {
          const running = r.running
          delete r.running
          if (running !== undefined)
            await shut(running).catch((err) => logger.error('group close failed', {}, err))
        }
      })
    },
  }
  return manager
}
