/**
 * The seam between the node assembly and the client interfaces (FISCO JSON-RPC over HTTP and
 * the channel protocol over TLS). The assembly hands over, per group, the ledger objects it
 * already has (`GroupParts`); `createGroupBackend` turns them into the `GroupBackend` the RPC
 * methods read. `NodeBackend` is the node-wide part (identity, peers, groups, AMOP, group
 * management), built by the assembly.
 *
 * Wiring (node assembly):
 *
 * ```ts
 * let backend: GroupBackend | undefined
 * const driver = await createConsensusDriver({ ..., onCommitted: (b) => backend?.blockCommitted(b) })
 * backend = createGroupBackend({ groupId, chainId, suite, store, pool, driver, executor, amdb,
 *   nodeId, consensus: 'pbft', genesisHash })
 * const node: NodeBackend = { nodeId, chainId, suite: suite.name, version, groupIds: () => [groupId],
 *   group: (id) => (id === groupId ? backend : undefined), peers: () => [], info: () => ({ ... }) }
 * const rpc = await startRpcServer({ host: '127.0.0.1', port: 8545, node })
 * const channel = await startChannelServer({ host: '0.0.0.0', port: 20200, tls, node })
 * ```
 */
import {
  type AMDB,
  CurrentStateKey,
  createStorageState,
  SYSTEM_CONFIG_DEFAULTS,
  SYSTEM_TABLES,
  SysTable,
  type SystemConfigKeyName,
  type TableFactory,
} from '@consortia/amdb'
import {
  type BlockStore,
  CONSENSUS_ROW_KEY,
  type ConsensusDriver,
  type StoredBlock,
  SUBMIT_BATCH_MAX,
  sortNodeIds,
  type TxInput,
  type TxPool,
} from '@consortia/group-ledger'
import type {
  Address,
  Block,
  BlockHeader,
  BlockNumber,
  Bytes,
  CryptoSuite,
  Executor,
  Hash32,
  Logger,
  NodeId,
  Receipt,
  SignedTransaction,
  TxStatusCode,
} from '@consortia/interface'
import { silentLogger, TxStatus } from '@consortia/interface'
import { rpcError } from './errors.js'

/** Consensus algorithm of a group (decides `getPbftView` and the `getConsensusStatus` shape). */
export type ConsensusKind = 'pbft' | 'raft'

/** What a peer of the group reported to block sync (for `getSyncStatus`). */
export interface SyncPeerStatus {
  readonly nodeId: NodeId
  readonly blockNumber: BlockNumber
  readonly genesisHash: Hash32
  readonly latestHash: Hash32
}

/**
 * What the node assembly hands over for one group. Every field is an object the node already
 * builds for the group (group-ledger, amdb, executor, crypto); optional ones have defaults.
 */
export interface GroupParts {
  /** The group, 1..32767. */
  readonly groupId: number
  /** The node's `[chain].id` (transactions must carry it; `getClientVersion` reports it). */
  readonly chainId: bigint
  /** The chain's crypto suite (hash of tx and blocks, signer recovery). */
  readonly suite: CryptoSuite
  /** The group's block store (`openBlockStore`). */
  readonly store: BlockStore
  /** The group's transaction pool (`createTxPool`); `submit` admits through it. */
  readonly pool: TxPool
  /** The consensus driver of the group: head, sealer list, this node's index. */
  readonly driver: ConsensusDriver
  /** The block executor (the one the driver uses); `call` runs it on a discarded change set. */
  readonly executor: Executor
  /** The group's AMDB: `call`/`getCode` read committed state, system tables are read from its driver. */
  readonly amdb: AMDB
  /** This node's 64-byte node ID. */
  readonly nodeId: NodeId
  /** Consensus of the group (default `pbft`). */
  readonly consensus?: ConsensusKind
  /** Hash of block 0 (default: read from the store). */
  readonly genesisHash?: Hash32
  /**
   * The current PBFT view (`getPbftView`, `getConsensusStatus.currentView`). Default: the view
   * the head block's signatures were given in (what the store recorded), or 0.
   */
  readonly view?: () => number
  /**
   * Index in the sealer list of the current leader. Default: PBFT's (number + 1 + view) mod n
   * for the next block; for Raft the only sealer of a one-sealer group, else -1 (unknown).
   */
  readonly leaderIndex?: () => number | undefined
  /** Peers' sync status (block sync); default none. */
  readonly syncPeers?: () => readonly SyncPeerStatus[]
  /** True while block sync downloads blocks; default false. */
  readonly isSyncing?: () => boolean
  /** Node IDs of connected peers (for `getNodeIDList`/`connectedNodes`); default none. */
  readonly connectedNodes?: () => readonly NodeId[]
  /** Gas limit of a `call` (default `CALL_GAS_DEFAULT`). */
  readonly callGas?: bigint
  readonly logger?: Logger
}

/** Default gas of a read-only `call` (FISCO uses the tx gas limit, 300,000,000). */
export const CALL_GAS_DEFAULT = 300_000_000n

/** A block with its hash and receipts, as stored. */
export type BackendBlock = StoredBlock

/** A committed transaction with where it is. */
export interface LocatedTransaction {
  readonly tx: SignedTransaction
  readonly blockNumber: BlockNumber
  readonly blockHash: Hash32
  readonly index: number
}

/** A committed receipt with its transaction and where it is. */
export interface LocatedReceipt extends LocatedTransaction {
  readonly receipt: Receipt
}

/** The answer to a read-only call. */
export interface CallResult {
  /** The height the call ran on top of. */
  readonly currentBlockNumber: BlockNumber
  /** FISCO status (0 = ok). */
  readonly status: number
  readonly output: Bytes
  /** Gas the call used. */
  readonly gasUsed?: bigint
}

/** The answer to `submit`: accepted with its hash, or refused with a FISCO status code. */
export type SubmitResult =
  | { readonly ok: true; readonly hash: Hash32 }
  | {
      readonly ok: false
      readonly status: TxStatusCode
      /** e.g. `NONCE_IN_POOL` */
      readonly reason: string
      readonly message: string
      readonly hash?: Hash32
    }

/** A row of `_sys_consensus_`: a sealer or an observer. */
export interface GroupMember {
  readonly nodeId: NodeId
  readonly type: 'sealer' | 'observer'
}

/** Consensus status of the group (`getConsensusStatus`). */
export interface ConsensusStatus {
  readonly kind: ConsensusKind
  readonly nodeId: NodeId
  readonly sealerList: readonly NodeId[]
  /** This node's index in the sealer list, or -1 for an observer. */
  readonly nodeIndex: number
  readonly head: { readonly number: BlockNumber; readonly hash: Hash32 }
  readonly view: number
  /** Index of the leader of the next block in the sealer list (PBFT: (number+view) mod n). */
  readonly leaderIndex: number
  readonly connectedNodes: number
}

/** Sync status of the group (`getSyncStatus`). */
export interface SyncStatus {
  readonly nodeId: NodeId
  readonly blockNumber: BlockNumber
  readonly latestHash: Hash32
  readonly genesisHash: Hash32
  readonly isSyncing: boolean
  readonly knownHighestNumber: BlockNumber
  readonly knownLatestHash: Hash32
  readonly txPoolSize: number
  readonly peers: readonly SyncPeerStatus[]
}

/** Listener of committed blocks; exceptions are logged and swallowed. */
export type BlockListener = (block: BackendBlock) => void
/** Listener of committed receipts (one call per transaction of a committed block). */
export type ReceiptListener = (receipt: LocatedReceipt) => void
/** Listener of transactions the pool dropped after accepting them. */
export type DropListener = (event: { readonly hash: Hash32; readonly status: TxStatusCode }) => void

/** What the RPC methods of one group need. Built by `createGroupBackend`. */
export interface GroupBackend {
  readonly groupId: number
  readonly chainId: bigint
  readonly suite: CryptoSuite
  readonly consensus: ConsensusKind
  readonly nodeId: NodeId
  /** Height of the last committed block. */
  blockNumber(): BlockNumber
  blockByNumber(number: BlockNumber): Promise<BackendBlock | undefined>
  blockByHash(hash: Hash32): Promise<BackendBlock | undefined>
  headerByNumber(
    number: BlockNumber,
  ): Promise<{ header: BlockHeader; hash: Hash32; block: Block } | undefined>
  headerByHash(hash: Hash32): Promise<{ header: BlockHeader; hash: Hash32; block: Block } | undefined>
  hashByNumber(number: BlockNumber): Promise<Hash32 | undefined>
  transaction(hash: Hash32): Promise<LocatedTransaction | undefined>
  receipt(hash: Hash32): Promise<LocatedReceipt | undefined>
  /** Pooled transactions in arrival order (at most `limit`). */
  pendingTransactions(limit?: number): readonly SignedTransaction[]
  pendingCount(): number
  /** Sealers then observers in force now (FISCO order). */
  members(): Promise<readonly GroupMember[]>
  sealers(): readonly NodeId[]
  observers(): Promise<readonly NodeId[]>
  /** The value of a `_sys_config_` key in force now, or undefined. */
  systemConfig(key: string): Promise<string | undefined>
  totalTransactions(): Promise<{
    readonly txSum: number
    readonly failedTxSum: number
    readonly blockNumber: BlockNumber
  }>
  code(address: Address): Promise<Bytes>
  consensusStatus(): ConsensusStatus
  syncStatus(): Promise<SyncStatus>
  /** Read-only execution on top of the head; nothing is written. */
  call(request: {
    readonly from: Address
    readonly to: Address | null
    readonly data: Bytes
  }): Promise<CallResult>
  /**
   * Admission through the pool; the FISCO status code when refused. Raw bytes, or (the eth RPC)
   * an Ethereum envelope already decoded and recovered (`TxInput` of @consortia/group-ledger).
   */
  submit(input: TxInput): Promise<SubmitResult>
  onBlock(listener: BlockListener): () => void
  onReceipt(listener: ReceiptListener): () => void
  onDropped(listener: DropListener): () => void
  /** The node assembly calls this from the driver's `onCommitted`. */
  blockCommitted(block: StoredBlock): void
  /** Unsubscribes from the pool. */
  close(): void
}

/** What a peer looks like to `getPeers`. */
export interface PeerInfo {
  readonly nodeId: NodeId
  /** `ip:port` of the connection. */
  readonly ipAndPort: string
  readonly agency?: string
  readonly node?: string
  readonly topics: readonly string[]
}

/** Result of a group-management or peer-configuration call (FISCO `{code, message}`). */
export interface ManagementResult {
  /** FISCO dynamic group status code, 0 = success (reference/fisco-2x.md §1.1). */
  readonly code: number
  readonly message: string
  /** Only `queryGroupStatus`: INEXISTENT / STOPPING / RUNNING / STOPPED / DELETED. */
  readonly status?: string
}

/** Dynamic group management (FISCO 2.4 `generateGroup` … `queryGroupStatus`), when the node has a GroupManager. */
export interface GroupManagerBackend {
  generate(
    groupId: number,
    params: {
      readonly timestamp: number
      readonly sealers: readonly NodeId[]
      readonly enableFreeStorage: boolean
    },
  ): Promise<ManagementResult>
  start(groupId: number): Promise<ManagementResult>
  stop(groupId: number): Promise<ManagementResult>
  remove(groupId: number): Promise<ManagementResult>
  recover(groupId: number): Promise<ManagementResult>
  status(groupId: number): Promise<ManagementResult>
}

/** Runtime p2p peer configuration (FISCO 2.9 `queryPeers`, `addPeers`, `erasePeers`). */
export interface PeerConfigBackend {
  query(): readonly string[]
  add(endpoints: readonly string[]): Promise<ManagementResult>
  erase(endpoints: readonly string[]): Promise<ManagementResult>
}

/** A channel client's handle on the node's AMOP service (`AMOP.connectClient()` of @consortia/p2p fits). */
export interface AMOPClientPort {
  subscribe(
    topic: string,
    handler: (message: {
      topic: string
      data: Uint8Array
    }) => Uint8Array | undefined | Promise<Uint8Array | undefined>,
  ): void
  unsubscribe(topic: string): void
  request(topic: string, data: Uint8Array, options?: { timeoutMs?: number }): Promise<Uint8Array>
  multicast(topic: string, data: Uint8Array): number
  close(): void
}

/**
 * Admission of Ethereum-signed transactions (legacy, EIP-155, EIP-2930, EIP-1559), when the node
 * has it: `eth_sendRawTransaction` and `eth_getTransactionCount` of the Ethereum RPC use it.
 */
export interface EthTransactionsBackend {
  /** Admit a raw Ethereum transaction; the hash answered is `keccak256(raw)`. */
  submit(
    groupId: number,
    raw: Bytes,
  ): Promise<{ readonly ok: true; readonly hash: Hash32 } | { readonly ok: false; readonly message: string }>
  /** The account's next nonce: committed only, or counting its pooled transactions (`pending`). */
  nonce(groupId: number, address: Address, pending: boolean): Promise<bigint>
}

/** Node identity reported by `getClientVersion` and `getNodeInfo`. */
export interface NodeVersion {
  /** e.g. `2.9.0`; `FISCO-BCOS Version` and the handshake's `nodeVersion`. */
  readonly version: string
  /** `Supported Version`, e.g. `2.9.0`. */
  readonly supportedVersion: string
  readonly buildTime?: string
  readonly buildType?: string
  readonly gitBranch?: string
  readonly gitCommitHash?: string
}

/** The node-wide part the RPC and channel servers need. Built by the node assembly. */
export interface NodeBackend {
  readonly nodeId: NodeId
  readonly chainId: bigint
  /** `sm` makes `FISCO-BCOS Version` end in ` gm`, as FISCO does. */
  readonly suite: 'ecdsa' | 'sm'
  readonly version: NodeVersion
  /** Groups this node runs, ascending. */
  groupIds(): readonly number[]
  group(groupId: number): GroupBackend | undefined
  /** Connected p2p peers. */
  peers(): readonly PeerInfo[]
  /** `getNodeInfo`: agency and node names (from the node certificate), p2p listen address. */
  info(): { readonly agency: string; readonly node: string; readonly ipAndPort: string }
  /** Present when the node has a GroupManager; else the group-admin methods answer the documented error. */
  readonly groupManager?: GroupManagerBackend
  /** Present when the node can change its p2p peer list at run time. */
  readonly peerConfig?: PeerConfigBackend
  /** Present when the node runs AMOP: one client per channel connection. */
  connectAMOP?(): AMOPClientPort
  /** Present when the node admits Ethereum-signed transactions (see `EthTransactionsBackend`). */
  readonly eth?: EthTransactionsBackend
  /** AMOP topics subscribed on this node (`getNodeInfo.Topic`). */
  topics?(): readonly string[]
}

/** Most transactions waiting for admission in one group backend; more are refused with status 28. */
export const SUBMIT_QUEUE_MAX = 16_384

/** Most listeners of each kind on one group backend (servers add one each; tests a few). */
export const BACKEND_LISTENERS_MAX = 64

const hexOf = (b: Bytes) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * Builds the `GroupBackend` of one group over the ledger objects of `parts`. Reads go to the
 * block store, the pool and the committed AMDB rows; `call` and `getCode` open a change set on
 * top of the head and discard it; `submit` admits through the pool. Block and receipt events
 * come from `blockCommitted` (wire it to the driver's `onCommitted`); drop events from the pool.
 */
export function createGroupBackend(parts: GroupParts): GroupBackend {
  const { store, pool, driver, suite, amdb } = parts
  const logger = (parts.logger ?? silentLogger).child({ component: 'rpc-backend', groupId: parts.groupId })
  const blockListeners = new Set<BlockListener>()
  const receiptListeners = new Set<ReceiptListener>()
  const dropListeners = new Set<DropListener>()
  const consensus = parts.consensus ?? 'pbft'
  let genesisHash = parts.genesisHash

  const addListener = <L>(set: Set<L>, listener: L, kind: string): (() => void) => {
    if (set.size >= BACKEND_LISTENERS_MAX) {
      throw rpcError(
        { code: 'RPC_LIMIT', limit: 'BACKEND_LISTENERS_MAX', max: BACKEND_LISTENERS_MAX },
        `more than ${BACKEND_LISTENERS_MAX} ${kind} listeners`,
      )
    }
    set.add(listener)
    return () => set.delete(listener)
  }
  const emit = <T>(set: Set<(v: T) => void>, value: T) => {
    for (const l of set) {
      try {
        l(value)
      } catch (err) {
        logger.warn('backend listener failed', { err })
      }
    }
  }

  const unsubscribePool = pool.subscribe((event) => {
    if (event.type === 'dropped') emit(dropListeners, { hash: event.hash, status: event.status })
  })

  const configRows = async (table: string, key: string) => {
    const info = SYSTEM_TABLES.get(table)
    if (info === undefined) return []
    return (await amdb.driver.selectRows(info, key)).map((r) => r.fields)
  }

  const members = async (): Promise<GroupMember[]> => {
    const next = store.head.number + 1
    const rows = await configRows(SysTable.consensus, CONSENSUS_ROW_KEY)
    const sealers: NodeId[] = []
    const observers: NodeId[] = []
    for (const row of rows) {
      if (!(Number(row['enable_num']) <= next)) continue
      const id = row['node_id'] ?? ''
      if (!/^[0-9a-f]{128}$/.test(id)) continue
      const bytes = Uint8Array.from(Buffer.from(id, 'hex'))
      if (row['type'] === 'sealer') sealers.push(bytes)
      else if (row['type'] === 'observer') observers.push(bytes)
    }
    return [
      ...sortNodeIds(sealers).map((nodeId) => ({ nodeId, type: 'sealer' as const })),
      ...sortNodeIds(observers).map((nodeId) => ({ nodeId, type: 'observer' as const })),
    ]
  }

  const headerEntry = (stored: StoredBlock | undefined) =>
    stored === undefined ? undefined : { header: stored.block.header, hash: stored.hash, block: stored.block }

  const locate = async (hash: Hash32): Promise<LocatedReceipt | undefined> => {
    const at = await store.transactionLocation(hash)
    if (at === undefined) return undefined
    const stored = await store.blockByNumber(at.number)
    const tx = stored?.block.transactions[at.index]
    const receipt = stored?.receipts[at.index]
    if (stored === undefined || tx === undefined || receipt === undefined) return undefined
    return { tx, receipt, blockNumber: at.number, blockHash: stored.hash, index: at.index }
  }

  const withHeadState = async <T>(
    fn: (factory: TableFactory, number: BlockNumber) => Promise<T>,
  ): Promise<T> => {
    // On top of whatever is committed now (the store's head may lag a commit in progress).
    const factory = await amdb.openBlock()
    try {
      return await fn(factory, factory.number - 1)
    } finally {
      factory.discard()
    }
  }

  // Admission in batches: requests arriving in one turn of the event loop go to the pool as one
  // `submitMany` (one signature batch, one journal write), in arrival order.
  const submitQueue: { input: TxInput; resolve: (r: SubmitResult) => void }[] = []
  const flushSubmits = () => {
    const batch = submitQueue.splice(0, SUBMIT_BATCH_MAX)
    if (submitQueue.length > 0) setImmediate(flushSubmits)
    if (batch.length === 0) return
    pool.submitMany(batch.map((b) => b.input)).then(
      (results) =>
        batch.forEach((b, i) => {
          const result = results[i]!
          b.resolve(
            result.ok
              ? { ok: true, hash: result.hash }
              : {
                  ok: false,
                  status: result.status,
                  reason: result.reason,
                  message: result.message,
                  ...(result.hash === undefined ? {} : { hash: result.hash }),
                },
          )
        }),
      (err: unknown) => {
        logger.error('pool admission failed', { err })
        for (const b of batch) {
          b.resolve({ ok: false, status: TxStatus.Unknown, reason: 'ADMISSION_FAILED', message: String(err) })
        }
      },
    )
  }

  const currentView = (): number => {
    if (parts.view !== undefined) return parts.view()
    return lastView
  }
  let lastView = 0
  void store
    .blockByNumber(store.head.number)
    .then((b) => {
      if (b?.view !== undefined) lastView = b.view
    })
    .catch(() => undefined)

  return {
    groupId: parts.groupId,
    chainId: parts.chainId,
    suite,
    consensus,
    nodeId: parts.nodeId,
    blockNumber: () => store.head.number,
    blockByNumber: (n) => store.blockByNumber(n),
    blockByHash: (h) => store.blockByHash(h),
    headerByNumber: async (n) => headerEntry(await store.blockByNumber(n)),
    headerByHash: async (h) => headerEntry(await store.blockByHash(h)),
    hashByNumber: (n) => store.hashByNumber(n),
    transaction: (h) => locate(h),
    receipt: (h) => locate(h),
    pendingTransactions: (limit = Number.POSITIVE_INFINITY) => {
      const all = pool.pending()
      return all.length > limit ? all.slice(0, limit) : all
    },
    pendingCount: () => pool.size,
    members,
    sealers: () => driver.config.sealerList,
    observers: async () => (await members()).filter((m) => m.type === 'observer').map((m) => m.nodeId),
    async systemConfig(key) {
      const next = store.head.number + 1
      let best: { value: string; enable: number } | undefined
      for (const row of await configRows(SysTable.config, key)) {
        const enable = Number(row['enable_num'])
        if (!(enable <= next) || row['value'] === undefined) continue
        if (best === undefined || enable >= best.enable) best = { value: row['value'], enable }
      }
      return best?.value ?? SYSTEM_CONFIG_DEFAULTS[key as SystemConfigKeyName]
    },
    async totalTransactions() {
      const blockNumber = store.head.number
      const rows = await configRows(SysTable.currentState, CurrentStateKey.totalFailedTransactionCount)
      const failed = Number(rows[0]?.['value'] ?? '0')
      return {
        blockNumber,
        txSum: await store.totalTransactionCount(),
        failedTxSum: Number.isSafeInteger(failed) ? failed : 0,
      }
    },
    code: (address) =>
      withHeadState(async (factory) =>
        createStorageState({ tables: factory, hash: suite.hash }).getCode(address),
      ),
    consensusStatus() {
      const sealerList = driver.config.sealerList
      const n = Math.max(sealerList.length, 1)
      const view = consensus === 'pbft' ? currentView() : 0
      const head = store.head
      return {
        kind: consensus,
        nodeId: parts.nodeId,
        sealerList,
        nodeIndex: driver.selfIndex ?? -1,
        head: { number: head.number, hash: head.hash },
        view,
        leaderIndex:
          parts.leaderIndex?.() ??
          (consensus === 'pbft' ? (head.number + 1 + view) % n : sealerList.length === 1 ? 0 : -1),
        connectedNodes: parts.connectedNodes?.().length ?? 0,
      }
    },
    async syncStatus() {
      const head = store.head
      const peers = parts.syncPeers?.() ?? []
      let known = { number: head.number, hash: head.hash }
      for (const p of peers)
        if (p.blockNumber > known.number) known = { number: p.blockNumber, hash: p.latestHash }
      genesisHash ??= await store.hashByNumber(0)
      return {
        nodeId: parts.nodeId,
        blockNumber: head.number,
        latestHash: head.hash,
        genesisHash: genesisHash ?? new Uint8Array(32),
        isSyncing: parts.isSyncing?.() ?? false,
        knownHighestNumber: known.number,
        knownLatestHash: known.hash,
        txPoolSize: pool.size,
        peers,
      }
    },
    call: (request) =>
      withHeadState(async (factory, number) => {
        const state = createStorageState({ tables: factory, hash: suite.hash })
        const tx: SignedTransaction = {
          tx: {
            format: 'rc2',
            nonce: 0n,
            gasPrice: 0n,
            gas: parts.callGas ?? CALL_GAS_DEFAULT,
            blockLimit: BigInt(number + 2),
            to: request.to,
            value: 0n,
            data: request.data,
            chainId: parts.chainId,
            groupId: BigInt(parts.groupId),
            extraData: new Uint8Array(0),
            signature: { kind: 'ecdsa', v: 27, r: 1n, s: 1n },
          },
          raw: new Uint8Array(0),
          hash: new Uint8Array(32),
          sender: request.from,
        }
        const sealerList = driver.config.sealerList
        const result = await parts.executor.execute(
          {
            number: number + 1,
            timestamp: Math.max(Date.now(), store.head.header.timestamp),
            gasLimit: 0n,
            parentHash: store.head.hash,
            sealer: sealerList[0] === undefined ? new Uint8Array(20) : suite.address(sealerList[0]),
          },
          [tx],
          state,
        )
        const receipt = result.receipts[0]
        return {
          currentBlockNumber: number,
          status: receipt?.status ?? 1,
          output: receipt?.output ?? new Uint8Array(0),
          gasUsed: receipt?.gasUsed ?? 0n,
        }
      }),
    submit(input) {
      if (submitQueue.length >= SUBMIT_QUEUE_MAX) {
        return Promise.resolve({
          ok: false as const,
          status: TxStatus.TxPoolIsFull,
          reason: 'SUBMIT_QUEUE_FULL',
          message: `more than ${SUBMIT_QUEUE_MAX} transactions waiting for admission`,
        })
      }
      return new Promise<SubmitResult>((resolve) => {
        submitQueue.push({ input, resolve })
        if (submitQueue.length === 1) setImmediate(flushSubmits)
      })
    },
    onBlock: (l) => addListener(blockListeners, l, 'block'),
    onReceipt: (l) => addListener(receiptListeners, l, 'receipt'),
    onDropped: (l) => addListener(dropListeners, l, 'drop'),
    blockCommitted(block) {
      if (block.view !== undefined) lastView = block.view
      emit(blockListeners, block)
      if (receiptListeners.size === 0) return
      block.block.transactions.forEach((tx, index) => {
        const receipt = block.receipts[index]
        if (receipt === undefined) return
        emit(receiptListeners, {
          tx,
          receipt,
          blockNumber: block.block.header.number,
          blockHash: block.hash,
          index,
        })
      })
    },
    close() {
      unsubscribePool()
      blockListeners.clear()
      receiptListeners.clear()
      dropListeners.clear()
    },
  }
}

/** Hex of bytes without `0x` (node IDs in RPC answers). */
export function nodeIdToHex(id: NodeId): string {
  return hexOf(id)
}
