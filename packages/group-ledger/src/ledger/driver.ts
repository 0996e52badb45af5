import { type AMDB, createStorageState, type TableFactory } from '@consortia/amdb'
import { merkleRoot } from '@consortia/crypto'
import {
  type Block,
  type BlockHeader,
  type BlockNumber,
  type Bytes,
  type Clock,
  type CommittedBlock,
  type ConsensusEngine,
  type CryptoSuite,
  type Executor,
  type Hash32,
  type KvStore,
  type Logger,
  ModuleId,
  type NodeId,
  type OutboundMessage,
  type ProposedBlock,
  type Receipt,
  type SignedTransaction,
  silentLogger,
  type Transport,
} from '@consortia/interface'
import {
  blockHeaderHash,
  bloomMerge,
  createBlockTransaction,
  createBloom,
  decodeBlockHeader,
  encodeBlockHeader,
  ethChainIdOf,
  receiptHash,
} from '@consortia/protocol'
import type { NonceWindow } from '../txpool/nonce-window.js'
import { BLOCK_LIMIT_MAX_DEFAULT, type TxPool } from '../txpool/pool.js'
import { decodeConsensusMessage, encodeConsensusBinary } from './binary-codec.js'
import { type BlockStore, type ChainConfig, readChainConfig, type StoredBlock } from './block-store.js'
import { CONSENSUS_MESSAGE_BYTES_MAX } from './codec.js'
import { ledgerError, ledgerInvalidInput } from './errors.js'
import { type Failpoints, failpointsFromEnv } from './failpoints.js'

/**
 * The payload of a proposed block: the header the leader computed (FISCO header RLP) and the
 * raw signed transactions. Every sealer decodes both itself and never trusts the proposer.
 */
export interface BlockProposal {
  readonly header: Bytes
  readonly transactions: readonly Bytes[]
}

/** What a restarted engine is built from: the ledger head, persisted safety state and recent blocks. */
export interface EngineRestore<S> {
  readonly head: { readonly number: BlockNumber; readonly hash: Hash32 }
  /** What the driver stored from `Ready.persist` (merged), or undefined at first start. */
  readonly state: S | undefined
  /** The last committed blocks, oldest first, ending at the head (for engines that serve catch-up). */
  readonly committed: readonly CommittedBlock<BlockProposal>[]
  /** Sealer list in force at head + 1. */
  readonly sealerList: readonly NodeId[]
  /** This node's index in `sealerList`, or undefined for an observer. */
  readonly selfIndex: number | undefined
}

/** An engine wired for the driver, with the engine-specific parts the host needs. */
export interface DriverEngine<B, S> {
  readonly engine: ConsensusEngine<B, BlockProposal, S>
  /** The engine's verdict message for a block the host verified (PBFT); undefined when the engine does not vote. */
  verdict(block: ProposedBlock<BlockProposal>, valid: boolean): B | undefined
  /** Switch the sealer list from `height` on (called after committing height − 1, before `advance`). */
  setSealers(height: BlockNumber, sealerList: readonly NodeId[], selfIndex: number | undefined): void
  /**
   * Whether a leader with an empty pool proposes an empty block after one tick (PBFT: an empty
   * block makes the next sealer lead at once). When false the leader waits for transactions.
   */
  readonly proposeEmptyBlocks: boolean
  /**
   * True when a `Ready.persist` that sends no message may be written without fsync: every
   * message that depends on persisted state leaves in the same `Ready` as that state, so the
   * next synced write (LevelDB keeps writes in order) makes it durable before anything leaves
   * (PBFT: a new height or view; its votes set the state with their message). Default false:
   * every persist is synced (Raft counts its own persisted log entries).
   */
  readonly lazySilentPersist?: boolean
  /** Merge an incremental `Ready.persist` into what is stored (Raft); default: replace. */
  mergePersist?(stored: S | undefined, update: S): S
}

/**
 * Builds the engine. `sealers()` returns the sealer list in force now (it switches at the
 * height given to `setSealers`), for engines that verify signatures by sealer index.
 */
export type EngineFactory<B, S> = (
  restore: EngineRestore<S>,
  sealers: () => readonly NodeId[],
) => DriverEngine<B, S>

/** Default tick length in clock milliseconds. */
export const TICK_MS_DEFAULT = 100
/**
 * Default wait of a leader with an empty pool before it proposes an empty block (which only
 * rotates the leader): FISCO BCOS 2.x `emptyBlockGenTime`, 1 s. A transaction arriving meanwhile
 * is proposed at the next tick.
 */
export const EMPTY_BLOCK_MS_DEFAULT = 1000
/** Most events (peer messages, ticks) queued for the host loop; more are dropped and counted. */
export const DRIVER_EVENT_QUEUE_MAX = 8192
/** Most executed but uncommitted blocks kept (competing proposals at one height); the oldest is discarded. */
export const EXECUTED_BLOCKS_MAX = 4
/** Committed blocks handed to a restarted engine (PBFT serves catch-up from them). */
export const RESTORE_BLOCKS_MAX = 16

/** Options and components of `createConsensusDriver`. */
export interface ConsensusDriverInit<B, S> {
  readonly groupId: number
  /** The chain id transactions must carry (default 1n). */
  readonly chainId?: bigint
  readonly engine: EngineFactory<B, S>
  readonly executor: Executor
  /** The group's state database; the block's state and the block itself commit in one change set. */
  readonly amdb: AMDB
  /** The block store over `amdb` (`openBlockStore`). */
  readonly store: BlockStore
  readonly pool: TxPool
  /** The nonce window the pool uses (`loadNonceWindow`); proposals are checked against it. */
  readonly nonceWindow: NonceWindow
  readonly transport: Transport
  /** p2p module of the engine's messages (default `ModuleId.PBFT`). */
  readonly moduleId?: number
  readonly suite: CryptoSuite
  /** This node's private key; its public key is the node ID in the sealer list. */
  readonly privateKey: Bytes
  /** Where `Ready.persist` is stored before any message is sent. */
  readonly consensusStore: KvStore
  readonly clock: Clock
  readonly tickMs?: number
  /**
   * How long a leader with an empty pool waits before proposing an empty block, when the engine
   * proposes them (default `EMPTY_BLOCK_MS_DEFAULT`; checked on ticks; 0: at the next tick).
   */
  readonly emptyBlockMs?: number
  /** blockLimit window for proposal checks (default 1000). */
  readonly blockLimitMax?: number
  /** Called after each block commits (after the pool saw it). Exceptions are logged. */
  readonly onCommitted?: (block: StoredBlock) => void
  /** Crash-test hooks of the commit path (default: those armed by `CONSORTIA_FAILPOINTS`, usually none). */
  readonly failpoints?: Failpoints
  readonly logger?: Logger
}

/** Counters of the host loop. */
export interface ConsensusDriverStats {
  readonly committed: number
  readonly proposed: number
  readonly verified: number
  readonly rejected: number
  /** Peer messages dropped: sender not a sealer, undecodable, or the event queue was full. */
  readonly droppedNonSealer: number
  readonly droppedMalformed: number
  readonly droppedQueueFull: number
  /** Blocks committed through `importBlocks` (block sync); also counted in `committed`. */
  readonly imported: number
  /** Blocks `importBlocks` refused (bad certificate, not on the head, execution differs, ...). */
  readonly importRefused: number
}

/** A committed block from another node (block sync), imported by `ConsensusDriver.importBlocks`. */
export interface BlockToImport {
  /** The decoded block (senders recovered); its `signatureList` is the certificate. */
  readonly block: Block
  /** The block hash the sender claims (checked against the header and the re-execution). */
  readonly hash: Hash32
  /** The consensus round the certificate is bound to (PBFT view), when the engine has one. */
  readonly view?: number
}

/**
 * Checks an imported block's certificate against the sealer list in force at its height
 * (`sealerList`, FISCO order); returns the problem, or undefined when it is acceptable.
 */
export type ImportCertificateCheck = (
  block: BlockToImport,
  sealerList: readonly NodeId[],
) => string | undefined

/** What `importBlocks` did. */
export interface ImportBlocksResult {
  /** Blocks committed (a prefix of the input; blocks at or below the head are skipped). */
  readonly imported: number
  /** The first block refused, with the reason; the blocks after it were not looked at. */
  readonly refused?: { readonly index: number; readonly number: BlockNumber; readonly reason: string }
  /** False when the host loop did not take the work (closed, stopped or its queue full). */
  readonly queued: boolean
}

/** Most blocks one `importBlocks` call takes. */
export const IMPORT_BLOCKS_MAX = 256

/** The host loop around one consensus engine for one group. */
export interface ConsensusDriver {
  readonly nodeId: NodeId
  /** The last committed block. */
  readonly head: BlockStore['head']
  /** Sealer list in force at head + 1. */
  readonly config: ChainConfig
  /** This node's index in the sealer list, or undefined for an observer. */
  readonly selfIndex: number | undefined
  readonly stats: ConsensusDriverStats
  /** The error that stopped the loop (a block the engine decided could not be committed), if any. */
  readonly failure: unknown
  /**
   * Block sync: checks, re-executes and commits blocks that follow the head, in order, in the
   * host loop (so never concurrently with a consensus commit), each in one atomic write.
   * Checks: parent and number, header hash, the sealer list in force, sealer index,
   * timestamp, `tx_count_limit`, `checkCertificate`, the transactions (as for proposals),
   * then the re-executed header must hash to the block hash. After a commit the engine is
   * rebuilt at the new head from its persisted state, as on a restart.
   */
  importBlocks(
    blocks: readonly BlockToImport[],
    checkCertificate: ImportCertificateCheck,
  ): Promise<ImportBlocksResult>
  /** Resolves when no event is queued or running. */
  idle(): Promise<void>
  /** Stops the timer and the subscription and waits for the loop. Leaves the stores and pool open. */
  close(): Promise<void>
}

/** Milliseconds spent at one height, from the previous commit (debug log 'block timeline'). */
interface Timeline {
  startMs: number
  proposeAtMs: number | undefined
  verifyAtMs: number | undefined
  executeMs: number
  persistMs: number
  persists: number
  messages: number
  /** Transactions of a verified proposal this node's pool did not hold (sender recovered). */
  recovered: number
}

const newTimeline = (startMs: number): Timeline => ({
  startMs,
  proposeAtMs: undefined,
  verifyAtMs: undefined,
  executeMs: 0,
  persistMs: 0,
  persists: 0,
  messages: 0,
  recovered: 0,
})

interface Executed {
  readonly factory: TableFactory
  readonly header: BlockHeader
  readonly hash: Hash32
  readonly transactions: readonly SignedTransaction[]
  readonly receipts: readonly Receipt[]
}

const hexOf = (b: Bytes) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const equal = (a: Bytes, b: Bytes) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b))
const stateKeyOf = (groupId: number, moduleId: number) =>
  Buffer.from(`consortia/consensus/${groupId}/${moduleId}`, 'utf8')

function isProposal(p: unknown): p is BlockProposal {
  if (p === null || typeof p !== 'object') return false
  const r = p as Record<string, unknown>
  return (
    r['header'] instanceof Uint8Array &&
    Array.isArray(r['transactions']) &&
    r['transactions'].every((t) => t instanceof Uint8Array)
  )
}

/**
 * Builds a header from execution results (stateRoot = dbHash, as AMDB chains do).
 * Exported for tests and tools that rebuild a block's header.
 */
export function buildBlockHeader(
  suite: CryptoSuite,
  h: {
    readonly parentHash: Hash32
    readonly number: BlockNumber
    readonly timestamp: number
    readonly dbHash: Hash32
    readonly sealerList: readonly NodeId[]
    readonly sealer: number
    readonly transactions: readonly SignedTransaction[]
    readonly receipts: readonly Receipt[]
    readonly gasUsed: bigint
    readonly gasLimit?: bigint
    readonly extraData?: readonly Bytes[]
  },
): BlockHeader {
  const bloom = createBloom()
  for (const r of h.receipts) bloomMerge(bloom, r.logsBloom)
  return {
    parentHash: h.parentHash,
    stateRoot: h.dbHash,
    transactionsRoot: merkleRoot(
      suite,
      h.transactions.map((t) => t.hash),
    ),
    receiptsRoot: merkleRoot(
      suite,
      h.receipts.map((r) => receiptHash(r, suite.hash)),
    ),
    dbHash: h.dbHash,
    logsBloom: bloom,
    number: h.number,
    gasLimit: h.gasLimit ?? 0n,
    gasUsed: h.gasUsed,
    timestamp: h.timestamp,
    extraData: h.extraData ?? [],
    sealer: h.sealer,
    sealerList: h.sealerList,
  }
}

/**
 * Starts the host loop of one group around any `ConsensusEngine` (FISCO's Sealer +
 * ConsensusEngine + BlockChain glue): ticks on the injected clock, peer messages from the
 * transport (bodies as `encodeConsensusBinary`; JSON bodies of earlier versions decode too), and for every `Ready`: persist → send → commit
 * (state + block + indexes in one AMDB write, certificate as the signature list, then
 * `pool.onBlockCommitted`, then sealer/config changes for the next height) → advance → verify
 * proposals by re-executing them → propose from the pool when leading. With an empty pool
 * the leader waits one tick before proposing (an empty block only rotates the leader).
 */
export async function createConsensusDriver<B, S>(init: ConsensusDriverInit<B, S>): Promise<ConsensusDriver> {
  const { amdb, store, pool, suite, transport, clock, executor, nonceWindow } = init
  const logger = (init.logger ?? silentLogger).child({ component: 'consensus-driver', groupId: init.groupId })
  const tickMs = init.tickMs ?? TICK_MS_DEFAULT
  if (!Number.isSafeInteger(tickMs) || tickMs <= 0)
    throw ledgerInvalidInput('tickMs', 'a positive integer', String(tickMs))
  if (!Number.isSafeInteger(init.groupId) || init.groupId < 1 || init.groupId > 32767) {
    throw ledgerInvalidInput('groupId', 'an integer in 1..32767', String(init.groupId))
  }
  const emptyBlockMs = init.emptyBlockMs ?? EMPTY_BLOCK_MS_DEFAULT
  if (!Number.isSafeInteger(emptyBlockMs) || emptyBlockMs < 0)
    throw ledgerInvalidInput('emptyBlockMs', 'an integer >= 0', String(emptyBlockMs))
  const moduleId = init.moduleId ?? ModuleId.PBFT
  const chainId = init.chainId ?? 1n
  const blockLimitMax = init.blockLimitMax ?? BLOCK_LIMIT_MAX_DEFAULT
  const nodeId = suite.publicKey(init.privateKey)
  const stateKey = stateKeyOf(init.groupId, moduleId)
  const failpoints = init.failpoints ?? failpointsFromEnv()

  let config = await readChainConfig(amdb.driver, store.head.number + 1)
  const indexOf = (id: NodeId) => config.sealerList.findIndex((s) => equal(s, id))
  let selfIndex: number | undefined = indexOf(nodeId) >= 0 ? indexOf(nodeId) : undefined

  const rawState = await init.consensusStore.get(stateKey)
  let storedState = rawState === undefined ? undefined : (decodeConsensusMessage(rawState) as S)
  const committed: CommittedBlock<BlockProposal>[] = []
  for (let n = Math.max(1, store.head.number - RESTORE_BLOCKS_MAX + 1); n <= store.head.number; n++) {
    const b = await store.blockByNumber(n)
    if (b === undefined) continue
    committed.push({
      block: {
        number: n,
        hash: b.hash,
        parentHash: b.block.header.parentHash,
        txCount: b.block.transactions.length,
        payload: {
          header: encodeBlockHeader(b.block.header),
          transactions: b.block.transactions.map((t) => t.raw),
        },
      },
      certificate: b.block.signatureList,
      ...(b.view === undefined ? {} : { view: b.view }),
    })
  }
  let wired = init.engine(
    {
      head: { number: store.head.number, hash: store.head.hash },
      state: storedState,
      committed,
      sealerList: config.sealerList,
      selfIndex,
    },
    () => config.sealerList,
  )
  let engine = wired.engine

  const stats = {
    committed: 0,
    proposed: 0,
    verified: 0,
    rejected: 0,
    droppedNonSealer: 0,
    droppedMalformed: 0,
    droppedQueueFull: 0,
    imported: 0,
    importRefused: 0,
  }
  const executed = new Map<string, Executed>()
  let lastProposal: { number: number; hashes: Hash32[] } | undefined
  // Where the time of the current height goes (debug log 'block timeline' at each commit).
  let timeline = newTimeline(clock.nowMs())
  let leaderWaiting = false
  let leaderWaitingSinceMs = 0
  const waitForTransactions = () => {
    if (!leaderWaiting) leaderWaitingSinceMs = clock.nowMs()
    leaderWaiting = true
  }
  let closed = false
  let failure: unknown
  const events: (() => Promise<void> | void)[] = []
  let running: Promise<void> | undefined
  let tickQueued = false

  const run = async () => {
    while (events.length > 0 && failure === undefined) {
      const event = events.shift()!
      try {
        await event()
        await drain()
      } catch (err) {
        failure = err
        logger.error('consensus driver stopped', {}, err)
      }
    }
    running = undefined
  }
  const enqueue = (event: () => Promise<void> | void): boolean => {
    if (closed || failure !== undefined) return false
    if (events.length >= DRIVER_EVENT_QUEUE_MAX) {
      stats.droppedQueueFull++
      return false
    }
    events.push(event)
    running ??= run()
    return true
  }

  const send = (m: OutboundMessage<B>) => {
    const message = { groupId: init.groupId, moduleId, packetType: 0, payload: encodeConsensusBinary(m.body) }
    if (m.to === 'all') {
      transport.broadcast(
        message,
        config.sealerList.filter((id) => !equal(id, nodeId)),
      )
    } else {
      const to = config.sealerList[m.to]
      if (to !== undefined && !equal(to, nodeId)) transport.send(to, message)
    }
  }

  const remember = (e: Executed) => {
    executed.set(hexOf(e.hash), e)
    while (executed.size > EXECUTED_BLOCKS_MAX) {
      const [oldest, old] = executed.entries().next().value as [string, Executed]
      old.factory.discard()
      executed.delete(oldest)
    }
  }

  const execute = async (
    number: number,
    timestamp: number,
    sealer: number,
    transactions: readonly SignedTransaction[],
    extraData: readonly Bytes[],
  ): Promise<Executed> => {
    const factory = await amdb.openBlock(number)
    try {
      const state = createStorageState({ tables: factory, hash: suite.hash })
      const result = await executor.execute(
        {
          number,
          timestamp,
          gasLimit: 0n,
          parentHash: store.head.hash,
          sealer: suite.address(config.sealerList[sealer]!),
        },
        transactions,
        state,
      )
      await factory.settle()
      const header = buildBlockHeader(suite, {
        parentHash: store.head.hash,
        number,
        timestamp,
        dbHash: factory.hash(),
        sealerList: config.sealerList,
        sealer,
        transactions,
        receipts: result.receipts,
        gasUsed: result.gasUsed,
        extraData,
      })
      return {
        factory,
        header,
        hash: blockHeaderHash(header, suite.hash),
        transactions,
        receipts: result.receipts,
      }
    } catch (err) {
      factory.discard()
      throw err
    }
  }

  /** FISCO's block checks on every transaction of a proposal; returns the problem or undefined. */
  const checkTransactions = async (
    txs: readonly SignedTransaction[],
    number: number,
  ): Promise<string | undefined> => {
    const nonces = new Set<bigint>()
    const hashes = new Set<string>()
    for (const [i, t] of txs.entries()) {
      if (t.tx.format === 'rc2' && (t.tx.chainId !== chainId || t.tx.groupId !== BigInt(init.groupId))) {
        return `transaction ${i}: wrong chain or group`
      }
      // Ethereum-origin transactions: the chain id they signed; no blockLimit (the executor's
      // nonce rule guards them).
      if (t.tx.format === 'eth' && t.tx.chainId !== ethChainIdOf(chainId, init.groupId)) {
        return `transaction ${i}: Ethereum chain id ${t.tx.chainId} is not this group's`
      }
      const limit = t.tx.blockLimit
      if (
        t.tx.format !== 'eth' &&
        (limit <= BigInt(number - 1) || limit > BigInt(number - 1 + blockLimitMax))
      ) {
        return `transaction ${i}: blockLimit ${limit} outside the window`
      }
      if (nonceWindow.has(t.tx.nonce) || nonces.has(t.tx.nonce)) return `transaction ${i}: nonce already used`
      nonces.add(t.tx.nonce)
      const h = hexOf(t.hash)
      if (hashes.has(h) || (await store.hasTransaction(t.hash))) return `transaction ${i}: already on chain`
      hashes.add(h)
    }
    return undefined
  }

  const verify = async (b: ProposedBlock<BlockProposal>): Promise<boolean> => {
    const known = executed.get(hexOf(b.hash))
    // Executed before (our own proposal, or a re-proposal): the same hash is the same header,
    // but the payload must also carry exactly the transactions that were executed.
    if (
      known !== undefined &&
      b.number === known.header.number &&
      equal(b.parentHash, known.header.parentHash) &&
      isProposal(b.payload) &&
      b.txCount === known.transactions.length
    ) {
      const raws = b.payload.transactions
      if (
        raws.length === known.transactions.length &&
        raws.every((r, i) => equal(r, known.transactions[i]!.raw))
      ) {
        return true
      }
    }
    const reject = (reason: string) => {
      stats.rejected++
      logger.info('proposal rejected', { number: b.number, reason })
      return false
    }
    const head = store.head
    if (b.number !== head.number + 1 || !equal(b.parentHash, head.hash)) return reject('not on the head')
    if (!isProposal(b.payload)) return reject('malformed payload')
    const { payload } = b
    if (payload.transactions.length !== b.txCount || payload.transactions.length > config.txCountLimit) {
      return reject('transaction count')
    }
    let header: BlockHeader
    let txs: SignedTransaction[]
    try {
      header = decodeBlockHeader(payload.header)
      // A transaction this node admitted already carries the sender recovered then (same raw
      // bytes, same signature): only the others are recovered here (bench issue 14: recovery
      // was done twice per transaction on every verifying node).
      // Admissions still in flight (a forwarded packet waiting for its journal write) and
      // recent refusals count too (`pool.recovered`); what is recovered here is remembered, so
      // an admission of the same bytes still to come skips its recovery.
      // `recoveredRaw` finds them by their bytes, mostly without hashing them.
      txs = payload.transactions.map((raw) => {
        const known = pool.recoveredRaw(raw)
        if (known !== undefined) return known
        timeline.recovered++
        const stx = createBlockTransaction(raw, suite)
        pool.rememberRecovered(stx)
        return stx
      })
    } catch (err) {
      return reject(`undecodable: ${String(err)}`)
    }
    if (header.number !== b.number || !equal(header.parentHash, head.hash))
      return reject('header number or parent')
    if (!equal(blockHeaderHash(header, suite.hash), b.hash)) return reject('header hash')
    if (
      header.sealerList.length !== config.sealerList.length ||
      header.sealerList.some((id, i) => !equal(id, config.sealerList[i]!))
    ) {
      return reject('sealer list')
    }
    if (!(header.sealer >= 0 && header.sealer < config.sealerList.length)) return reject('sealer index')
    if (header.timestamp < head.header.timestamp) return reject('timestamp before parent')
    const problem = await checkTransactions(txs, b.number)
    if (problem !== undefined) return reject(problem)
    const executeStart = clock.nowMs()
    timeline.verifyAtMs ??= executeStart - timeline.startMs
    const result = await execute(b.number, header.timestamp, header.sealer, txs, header.extraData)
    timeline.executeMs += clock.nowMs() - executeStart
    if (!equal(result.hash, b.hash)) {
      result.factory.discard()
      return reject('execution result differs')
    }
    remember(result)
    stats.verified++
    return true
  }

  const propose = async () => {
    const number = store.head.number + 1
    if (selfIndex === undefined) return
    if (lastProposal?.number === number) pool.unmarkSealed(lastProposal.hashes)
    const txs = pool.fetchForSealing({ txCountMax: config.txCountLimit })
    if (txs.length === 0 && !wired.proposeEmptyBlocks) {
      waitForTransactions()
      return
    }
    const timestamp = Math.max(clock.nowMs(), store.head.header.timestamp)
    timeline.proposeAtMs = timestamp - timeline.startMs
    const result = await execute(number, timestamp, selfIndex, txs, [])
    timeline.executeMs += clock.nowMs() - timestamp
    remember(result)
    lastProposal = { number, hashes: txs.map((t) => t.hash) }
    // `ConsensusEngine.propose` returns void; PBFT returns false when it no longer wants a block.
    const accepted: unknown = engine.propose({
      number,
      hash: result.hash,
      parentHash: store.head.hash,
      txCount: txs.length,
      payload: { header: encodeBlockHeader(result.header), transactions: txs.map((t) => t.raw) },
    })
    if (accepted === false) pool.unmarkSealed(lastProposal.hashes)
    else stats.proposed++
  }

  const commit = async (c: CommittedBlock<BlockProposal>) => {
    const number = c.block.number
    if (!executed.has(hexOf(c.block.hash)) && !(await verify(c.block))) {
      throw ledgerError(
        { code: 'LEDGER_COMMIT_FAILED', number, reason: 'decided block does not verify' },
        `the engine decided block ${number}, which this node cannot verify`,
      )
    }
    const e = executed.get(hexOf(c.block.hash))!
    executed.delete(hexOf(c.block.hash))
    for (const other of executed.values()) other.factory.discard()
    executed.clear()
    const block = { header: e.header, transactions: e.transactions, signatureList: c.certificate }
    const storeStart = clock.nowMs()
    await store.commitBlock(e.factory, { block, hash: e.hash, receipts: e.receipts, view: c.view })
    failpoints?.hit('after-commit-before-pool')
    stats.committed++
    lastProposal = undefined
    const poolStart = clock.nowMs()
    await pool.onBlockCommitted({ header: e.header, transactions: e.transactions })
    const done = clock.nowMs()
    logger.debug('block timeline', {
      number,
      txs: e.transactions.length,
      view: c.view,
      poolSize: pool.size,
      ...timeline,
      // Cumulative: admissions that took a sender recovered before (by verify or admission).
      recoveriesSkipped: pool.recoveriesSkipped,
      committedCopiesRefused: pool.committedCopiesRefused,
      decidedAtMs: storeStart - timeline.startMs,
      storeMs: poolStart - storeStart,
      poolMs: done - poolStart,
      totalMs: done - timeline.startMs,
    })
    timeline = newTimeline(done)
    const next = await readChainConfig(amdb.driver, number + 1)
    const changed =
      next.sealerList.length !== config.sealerList.length ||
      next.sealerList.some((id, i) => !equal(id, config.sealerList[i]!))
    config = next
    if (changed) {
      const index = indexOf(nodeId)
      selfIndex = index >= 0 ? index : undefined
      wired.setSealers(number + 1, config.sealerList, selfIndex)
      logger.info('sealer list changed', { height: number + 1, sealers: config.sealerList.length })
    }
    if (init.onCommitted !== undefined) {
      try {
        init.onCommitted({ block, hash: e.hash, receipts: e.receipts, view: c.view })
      } catch (err) {
        logger.warn('onCommitted listener failed', { error: String(err) })
      }
    }
    failpoints?.hit('after-pool-before-advance')
  }

  /** One block of `importBlocks`: the problem, or undefined once it is committed. */
  const importOne = async (b: BlockToImport, check: ImportCertificateCheck): Promise<string | undefined> => {
    const head = store.head
    const { header, transactions } = b.block
    if (header.number !== head.number + 1 || !equal(header.parentHash, head.hash)) return 'not on the head'
    if (!equal(blockHeaderHash(header, suite.hash), b.hash)) return 'header hash'
    if (
      header.sealerList.length !== config.sealerList.length ||
      header.sealerList.some((id, i) => !equal(id, config.sealerList[i]!))
    ) {
      return 'sealer list'
    }
    if (!(header.sealer >= 0 && header.sealer < config.sealerList.length)) return 'sealer index'
    if (header.timestamp < head.header.timestamp) return 'timestamp before parent'
    if (transactions.length > config.txCountLimit) return 'transaction count'
    const certificate = check(b, config.sealerList)
    if (certificate !== undefined) return certificate
    const problem = await checkTransactions(transactions, header.number)
    if (problem !== undefined) return problem
    let result: Executed
    try {
      result = await execute(header.number, header.timestamp, header.sealer, transactions, header.extraData)
    } catch (err) {
      return `execution failed: ${String(err)}`
    }
    if (!equal(result.hash, b.hash)) {
      result.factory.discard()
      return 'execution result differs'
    }
    const block = { header: result.header, transactions, signatureList: b.block.signatureList }
    const stored: StoredBlock = { block, hash: result.hash, receipts: result.receipts, view: b.view }
    await store.commitBlock(result.factory, stored)
    stats.committed++
    stats.imported++
    lastProposal = undefined
    await pool.onBlockCommitted({ header, transactions })
    // Membership changes of this block apply from the next one (the engine is rebuilt after).
    config = await readChainConfig(amdb.driver, header.number + 1)
    const index = indexOf(nodeId)
    selfIndex = index >= 0 ? index : undefined
    if (init.onCommitted !== undefined) {
      try {
        init.onCommitted(stored)
      } catch (err) {
        logger.warn('onCommitted listener failed', { error: String(err) })
      }
    }
    return undefined
  }

  const importBlocks = (
    blocks: readonly BlockToImport[],
    check: ImportCertificateCheck,
  ): Promise<ImportBlocksResult> => {
    const count: unknown = (blocks as { length?: unknown } | undefined)?.length
    if (typeof count !== 'number' || count > IMPORT_BLOCKS_MAX) {
      throw ledgerInvalidInput('blocks', `at most ${IMPORT_BLOCKS_MAX} blocks`, String(count))
    }
    return new Promise<ImportBlocksResult>((resolve, reject) => {
      const queued = enqueue(async () => {
        try {
          let imported = 0
          const done: CommittedBlock<BlockProposal>[] = []
          let refused: ImportBlocksResult['refused']
          for (const [index, b] of blocks.entries()) {
            const number = b.block.header.number
            if (number <= store.head.number) continue
            if (imported === 0) {
              // Proposals executed on the old head can no longer be committed.
              for (const e of executed.values()) e.factory.discard()
              executed.clear()
            }
            const reason = await importOne(b, check)
            if (reason !== undefined) {
              stats.importRefused++
              refused = { index, number, reason }
              logger.info('synced block refused', { number, reason })
              break
            }
            imported++
            done.push({
              block: {
                number,
                hash: b.hash,
                parentHash: b.block.header.parentHash,
                txCount: b.block.transactions.length,
                payload: {
                  header: encodeBlockHeader(b.block.header),
                  transactions: b.block.transactions.map((t) => t.raw),
                },
              },
              certificate: b.block.signatureList,
              ...(b.view === undefined ? {} : { view: b.view }),
            })
          }
          if (imported > 0) {
            // The engine only knows heights it decided itself: rebuild it at the new head
            // from its persisted safety state, exactly as a restart does.
            leaderWaiting = false
            wired = init.engine(
              {
                head: { number: store.head.number, hash: store.head.hash },
                state: storedState,
                // The blocks just imported (a run ending at the head): no store reads.
                committed: done.slice(-RESTORE_BLOCKS_MAX),
                sealerList: config.sealerList,
                selfIndex,
              },
              () => config.sealerList,
            )
            engine = wired.engine
          }
          resolve(refused === undefined ? { imported, queued: true } : { imported, refused, queued: true })
        } catch (err) {
          reject(err)
          throw err
        }
      })
      if (!queued) resolve({ imported: 0, queued: false })
    })
  }

  const drain = async () => {
    while (engine.hasReady()) {
      const rd = engine.ready()
      // 1. persist before anything leaves this node, durably (fsync): a vote that was sent must
      //    survive a crash, or a restarted node could vote differently (see README "Crash recovery").
      //    The state of height h+1 is only produced by `advance` after block h is committed, so a
      //    persisted state is never ahead of the stored head + 1.
      if (rd.persist !== undefined) {
        failpoints?.hit('before-consensus-persist')
        const persistStart = clock.nowMs()
        storedState =
          wired.mergePersist !== undefined ? wired.mergePersist(storedState, rd.persist) : rd.persist
        // Durable (fsync) when messages leave with it; otherwise, for engines that allow it
        // (`lazySilentPersist`: a new PBFT height), an ordinary write that the next synced one
        // makes durable before any vote leaves.
        await init.consensusStore.batch(
          [{ type: 'put', key: stateKey, value: encodeConsensusBinary(storedState) }],
          { sync: rd.messages.length > 0 || wired.lazySilentPersist !== true },
        )
        timeline.persistMs += clock.nowMs() - persistStart
        timeline.persists++
        failpoints?.hit('after-consensus-persist')
      }
      // 2. send
      for (const m of rd.messages) send(m)
      if (rd.committed.length > 0) failpoints?.hit('after-send-before-execute')
      // 3. execute (if not yet) and commit
      for (const c of rd.committed) await commit(c)
      engine.advance(rd)
      if (rd.committed.length > 0) failpoints?.hit('after-advance')
      // 4. verify proposals by re-executing them, then vote
      for (const b of rd.verify) {
        const valid = await verify(b)
        const body = wired.verdict(b, valid)
        if (body !== undefined) engine.step({ from: selfIndex ?? -1, body })
      }
      // 5. seal; with an empty pool wait for a transaction (checked each tick) or `emptyBlockMs`
      if (rd.shouldPropose) {
        if (pool.size > 0) {
          leaderWaiting = false
          await propose()
        } else {
          waitForTransactions()
        }
      }
    }
  }

  const unsubscribe = transport.subscribe(init.groupId, moduleId, (from, message) => {
    if (message.payload.length > CONSENSUS_MESSAGE_BYTES_MAX) {
      stats.droppedMalformed++
      return
    }
    timeline.messages++
    enqueue(() => {
      const index = indexOf(from)
      if (index < 0) {
        stats.droppedNonSealer++
        return
      }
      let body: unknown
      try {
        body = decodeConsensusMessage(message.payload)
      } catch {
        stats.droppedMalformed++
        return
      }
      engine.step({ from: index, body: body as B })
    })
  })

  let cancelTimer: (() => void) | undefined
  const onTick = () => {
    if (closed) return
    cancelTimer = clock.setTimer(tickMs, onTick)
    if (tickQueued) return
    tickQueued = true
    const queued = enqueue(async () => {
      tickQueued = false
      engine.tick()
      if (
        leaderWaiting &&
        (pool.size > 0 || (wired.proposeEmptyBlocks && clock.nowMs() - leaderWaitingSinceMs >= emptyBlockMs))
      ) {
        leaderWaiting = false
        await propose()
      }
    })
    if (!queued) tickQueued = false
  }
  cancelTimer = clock.setTimer(tickMs, onTick)
  // A fresh engine may already have work (e.g. a leader at start).
  enqueue(() => undefined)

  const idle = async () => {
    while (running !== undefined) await running
  }

  return {
    nodeId,
    get head() {
      return store.head
    },
    get config() {
      return config
    },
    get selfIndex() {
      return selfIndex
    },
    get stats() {
      return { ...stats }
    },
    get failure() {
      return failure
    },
    importBlocks,
    idle,
    async close() {
      if (closed) return
      cancelTimer?.()
      unsubscribe()
      await idle()
      closed = true
      events.length = 0
      for (const e of executed.values()) e.factory.discard()
      executed.clear()
    },
  }
}
