import type { VerifyPool } from '@consortia/crypto'
import {
  type Address,
  type Bytes,
  type Clock,
  type CryptoSuite,
  GROUP_ID_MAX,
  type Hash32,
  type KvStore,
  type Logger,
  type SignedTransaction,
  silentLogger,
  type Transaction,
  type TxStatusCode,
} from '@consortia/interface'
import {
  type DecodedEthTransaction,
  decodeEthTransaction,
  decodeTransaction,
  ethChainIdOf,
  ethSignatureBytes,
  ethTransactionOf,
  isEthTransactionRaw,
  isProtocolError,
  txBytesMax as protocolTxBytesMax,
  signingPayloadFromRaw,
  txSignatureBytesFromRaw,
} from '@consortia/protocol'
import { intOption, invalidInput, txPoolError } from './errors.js'
import { TxJournal, type TxJournalRecord } from './journal.js'
import { NONCE_WINDOW_BLOCKS_DEFAULT, type NonceWindow } from './nonce-window.js'
import {
  type AdmitResult,
  type CommitSummary,
  type CommittedBlock,
  DROP_STATUS,
  type DropReason,
  REJECT_STATUS,
  type RecoveredEthTxInput,
  type RejectReason,
  type ReplaySummary,
  type SealingLimits,
  type TxInput,
  type TxOutcome,
  type TxPoolChain,
  type TxPoolEvent,
  type TxPoolListener,
} from './types.js'

/**
 * Default transaction count limit: FISCO BCOS 2.x `tx_pool.limit` as compiled into v2.11
 * (`SYNC_TX_POOL_SIZE_DEFAULT 102400`, libledger/LedgerParam.h). The 2.x manual's sample
 * config.ini says 150000; the code default, which a node without that line gets, is 102,400.
 */
export const TX_COUNT_MAX_DEFAULT = 102_400

/** Default memory limit: FISCO `tx_pool.memory_limit` = 512 MB (`TX_POOL_DEFAULT_MEMORY_SIZE`, LedgerParam.h). */
export const MEMORY_BYTES_MAX_DEFAULT = 512 * 1024 * 1024

/**
 * Default per-sender limit: a tenth of the default pool, so one account (or one flooding
 * client reusing a key) cannot fill the pool. FISCO 2.x has no such limit; set it to
 * `txCountMax` to behave like FISCO.
 */
export const SENDER_TX_COUNT_MAX_DEFAULT = 10_240

/** Default expiry: FISCO 2.9+ `tx_pool.txs_expiration_time` = 600 s. */
export const EXPIRATION_MS_DEFAULT = 600_000

/** Longest expiry accepted: the longest delay a Node.js timer can wait (2^31 − 1 ms, about 24.8 days). */
export const EXPIRATION_MS_MAX = 2 ** 31 - 1

/** Default blockLimit window: FISCO `c_blockLimit` = 1000 (a tx is valid iff `current < blockLimit ≤ current + 1000`). */
export const BLOCK_LIMIT_MAX_DEFAULT = NONCE_WINDOW_BLOCKS_DEFAULT

/** Most transactions one `submitMany` call may carry: one journal batch (≤ `JOURNAL_BATCH_OPS_MAX`), one verify-pool request. */
export const SUBMIT_BATCH_MAX = 4096

/** Default number of finished transactions (committed or dropped) whose outcome the pool remembers. */
export const OUTCOMES_MAX_DEFAULT = 65_536

/**
 * Default number of recently recovered transactions the pool remembers (`recovered`,
 * `rememberRecovered`): enough for several blocks of `txCountLimit` 1,000 (FISCO's default
 * block size) while they are forwarded, admitted and verified.
 */
export const RECOVERED_TXS_MAX_DEFAULT = 8_192

/**
 * Default number of recently committed transaction hashes the pool remembers, so a forwarded
 * copy that arrives after its block (`submitManyHashed`, tx sync) is refused as
 * `ALREADY_IN_CHAIN` without decoding it or reading the block store: several blocks of FISCO's
 * `txCountLimit` 1,000.
 */
export const COMMITTED_HASHES_MAX_DEFAULT = 16_384

/** Most event listeners one pool accepts. */
export const LISTENERS_MAX = 64

/**
 * Estimated memory of one pooled transaction beyond its raw bytes (decoded fields, maps,
 * bookkeeping); the decoded copy of `data` is counted by doubling the raw length.
 */
export const TX_ENTRY_OVERHEAD_BYTES = 512

/** The bytes one transaction of `rawBytes` counts against `memoryBytesMax`. */
export function txEntryBytes(rawBytes: number): number {
  return 2 * rawBytes + TX_ENTRY_OVERHEAD_BYTES
}

/** Options of `createTxPool`: the group's identity and the pool's limits. */
export interface TxPoolInit {
  /** The node's `[chain].id` (default 1n). */
  readonly chainId?: bigint
  /** This group's id, 1..32767. */
  readonly groupId: number
  /** Most transactions held (default `TX_COUNT_MAX_DEFAULT` = 102,400). */
  readonly txCountMax?: number
  /** Most estimated bytes held (`txEntryBytes` each; default 512 MiB). */
  readonly memoryBytesMax?: number
  /** Largest raw transaction accepted, checked before decoding (default 1 MiB, protocol's `txBytesMax`). */
  readonly txBytesMax?: number
  /** Most transactions of one sender held (default `SENDER_TX_COUNT_MAX_DEFAULT`). */
  readonly senderTxCountMax?: number
  /** blockLimit window (default 1000). */
  readonly blockLimitMax?: number
  /** Time an accepted transaction may wait to be sealed (default 600,000 ms). */
  readonly expirationMs?: number
  /** Finished outcomes remembered for `outcome()` (default 65,536). */
  readonly outcomesMax?: number
  /** Recently recovered transactions remembered for `recovered()` (default `RECOVERED_TXS_MAX_DEFAULT`). */
  readonly recoveredTxsMax?: number
  /** Recently committed hashes remembered for early `ALREADY_IN_CHAIN` (default `COMMITTED_HASHES_MAX_DEFAULT`). */
  readonly committedHashesMax?: number
  /** Journal key prefix, when several pools share one store. */
  readonly journalPrefix?: Bytes
  /** Make journal appends durable (fsync) before `submit` answers (default true). */
  readonly journalSync?: boolean
  readonly logger?: Logger
}

/** Injected components of `createTxPool`. */
export interface TxPoolComponents {
  /** The chain's crypto suite: hashes, and recovers signers when no verify pool is given. */
  readonly suite: CryptoSuite
  /** Worker-thread batch recovery (`createVerifyPool` of `@consortia/crypto`), same suite as `suite`. */
  readonly verifyPool?: Pick<VerifyPool, 'recover'>
  readonly chain: TxPoolChain
  /** The ledger's nonce window (see `loadNonceWindow`); the pool adds each committed block to it. */
  readonly nonceWindow: NonceWindow
  /** Time for expiry (default the system clock). */
  readonly clock?: Clock
  /** Where accepted transactions are journaled; replayed by `createTxPool`. Without it the pool is memory-only, like FISCO's. */
  readonly journal?: KvStore
}

/**
 * The transaction pool of one group: admission with FISCO 2.x checks and status codes,
 * arrival-ordered sealing, commit handling and expiry. See `createTxPool`.
 */
export interface TxPool {
  /** Transactions held. */
  readonly size: number
  /** Estimated bytes held (`txEntryBytes` each). */
  readonly bytes: number
  /** What the journal replay at start did (all zero without a journal). */
  readonly replay: ReplaySummary
  /** Admit one transaction. */
  submit(input: TxInput): Promise<AdmitResult>
  /**
   * Admit up to `SUBMIT_BATCH_MAX` transactions; signatures are recovered in one batch on the
   * verify pool. Results keep input order. Resolves once accepted transactions are journaled.
   */
  submitMany(inputs: readonly TxInput[]): Promise<AdmitResult[]>
  /**
   * `submitMany` of raw bytes whose hashes (`suite.hash(raw)`, same order) the caller computed
   * already: they are not hashed again. Only for the node's own code (tx sync hashes what peers
   * send, to skip known transactions); client input goes through `submitMany`, which derives
   * every hash itself (a wrong hash here would file a transaction under it).
   */
  submitManyHashed(raws: readonly Bytes[], hashes: readonly Hash32[]): Promise<AdmitResult[]>
  /** True when the pool holds this hash. */
  has(hash: Hash32): boolean
  /** The pooled transaction with this hash. */
  get(hash: Hash32): SignedTransaction | undefined
  /**
   * The transaction with this hash, decoded and with its sender, when it is pooled or its
   * signer was recovered recently (by an admission, even one still in flight or one that
   * refused it, or given to `rememberRecovered`): a verifier can then skip the recovery. The
   * caller compares `raw` with its own bytes. At most `recoveredTxsMax` are remembered besides
   * the pooled ones (oldest forgotten first); committed ones are forgotten.
   */
  recovered(hash: Hash32): SignedTransaction | undefined
  /**
   * `recovered` for these bytes, found without hashing them when it can (an index on the
   * bytes' tail, confirmed by comparing them whole; otherwise they are hashed): what a
   * verifier calls for every transaction of a proposal. The result's `raw` equals `raw`.
   */
  recoveredRaw(raw: Bytes): SignedTransaction | undefined
  /**
   * Remember a transaction whose sender the caller derived from the transaction's own
   * signature (the verifying driver's `createBlockTransaction`), so that an admission of the
   * same bytes still to come skips its recovery.
   */
  rememberRecovered(stx: SignedTransaction): void
  /** Signer recoveries admissions skipped because `recovered` knew the transaction. */
  readonly recoveriesSkipped: number
  /**
   * Forwarded copies (`submitManyHashed`) refused as `ALREADY_IN_CHAIN` by the remembered hashes
   * of recent blocks (`committedHashesMax`), without decoding them or reading the block store.
   */
  readonly committedCopiesRefused: number
  /** True when a pooled transaction uses this nonce. */
  hasNonce(nonce: bigint): boolean
  /** Pooled transactions of `sender`. */
  senderCount(sender: Address): number
  /** Pending, committed or dropped; `undefined` when unknown or forgotten (`outcomesMax`). */
  outcome(hash: Hash32): TxOutcome | undefined
  /** Every accepted transaction, in arrival order (for gossip to peers). */
  pending(): SignedTransaction[]
  /**
   * The next transactions to seal, in arrival order, skipping those already sealed;
   * transactions whose blockLimit or expiry has passed are dropped on the way.
   */
  fetchForSealing(limits: SealingLimits): SignedTransaction[]
  /** Mark transactions as part of a proposal (for example one received from the leader); returns how many were found. */
  markSealed(hashes: readonly Hash32[]): number
  /** Return transactions of an abandoned proposal to the pool; returns how many were found. */
  unmarkSealed(hashes: readonly Hash32[]): number
  /**
   * A block committed: add its nonces to the nonce window, remove its transactions (event
   * `committed`), drop pooled transactions whose nonce it used or whose blockLimit it reached
   * (event `dropped`), clear every sealed mark, expire old ones. Blocks must come in order.
   */
  onBlockCommitted(block: CommittedBlock): Promise<CommitSummary>
  /** Remove one transaction, reporting `status` to its submitter (reason `REMOVED`). */
  drop(hash: Hash32, status: TxStatusCode): Promise<boolean>
  /** Drop transactions older than `expirationMs` (also done by a timer on the clock). Returns how many. */
  removeExpired(): Promise<number>
  /** Listen to pool events; returns the unsubscribe function. At most `LISTENERS_MAX` listeners. */
  subscribe(listener: TxPoolListener): () => void
  /** Stop the expiry timer and wait for journal writes. Does not close the journal store or verify pool. */
  close(): Promise<void>
}

interface Entry {
  readonly stx: SignedTransaction
  readonly hashHex: string
  readonly senderHex: string
  readonly seq: number
  readonly importMs: number
  readonly bytes: number
  sealed: boolean
  /** Journaled (or no journal); only durable entries are sealed or gossiped. */
  durable: boolean
}

/** One transaction on its way through admission. */
interface Candidate {
  readonly index: number
  readonly input: TxInput
  raw?: Bytes
  tx?: Transaction
  /** An Ethereum envelope (`format: 'eth'`): `tx` is set once its sender is recovered. */
  eth?: DecodedEthTransaction
  hash?: Hash32
  hashHex?: string
  sender?: Address
  senderHex?: string
  result?: AdmitResult
  /** Replay only: the journaled arrival sequence and time. */
  seq?: number
  importMs?: number
}

const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, fn) {
    const timer = setTimeout(fn, delayMs)
    timer.unref()
    return () => clearTimeout(timer)
  },
}

function hexOf(bytes: Bytes): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/**
 * A cheap key of raw transaction bytes for `recoveredRaw`: the length and the last
 * `RAW_PRINT_BYTES` bytes (the end of the signature in every transaction format). Equal
 * prints are confirmed by comparing the bytes whole.
 */
function printOf(raw: Bytes): string {
  const tail = Math.min(RAW_PRINT_BYTES, raw.length)
  return `${raw.length}:${Buffer.from(raw.buffer, raw.byteOffset + raw.length - tail, tail).toString('latin1')}`
}

/** Bytes of a raw transaction's tail that `printOf` keys on. */
const RAW_PRINT_BYTES = 32

function equalBytes(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function checkHash(hash: unknown, field = 'hash'): Hash32 {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) throw invalidInput(field, '32-byte hash', hash)
  return hash
}

function resolveInit(init: TxPoolInit) {
  if (init === null || typeof init !== 'object') throw invalidInput('init', 'an options object', init)
  const chainId = init.chainId ?? 1n
  if (typeof chainId !== 'bigint' || chainId < 0n) throw invalidInput('chainId', 'a u256 bigint', chainId)
  const groupId = intOption(init.groupId, 0, 'groupId', 1, GROUP_ID_MAX)
  const txCountMax = intOption(init.txCountMax, TX_COUNT_MAX_DEFAULT, 'txCountMax')
  return {
    chainId,
    groupId: BigInt(groupId),
    txCountMax,
    memoryBytesMax: intOption(init.memoryBytesMax, MEMORY_BYTES_MAX_DEFAULT, 'memoryBytesMax'),
    txBytesMax: intOption(init.txBytesMax, protocolTxBytesMax, 'txBytesMax'),
    senderTxCountMax: intOption(init.senderTxCountMax, SENDER_TX_COUNT_MAX_DEFAULT, 'senderTxCountMax'),
    blockLimitMax: BigInt(intOption(init.blockLimitMax, BLOCK_LIMIT_MAX_DEFAULT, 'blockLimitMax')),
    expirationMs: intOption(init.expirationMs, EXPIRATION_MS_DEFAULT, 'expirationMs', 1, EXPIRATION_MS_MAX),
    outcomesMax: intOption(init.outcomesMax, OUTCOMES_MAX_DEFAULT, 'outcomesMax'),
    recoveredTxsMax: intOption(init.recoveredTxsMax, RECOVERED_TXS_MAX_DEFAULT, 'recoveredTxsMax'),
    committedHashesMax: intOption(
      init.committedHashesMax,
      COMMITTED_HASHES_MAX_DEFAULT,
      'committedHashesMax',
    ),
  }
}

function checkComponents(c: TxPoolComponents): void {
  if (c === null || typeof c !== 'object') throw invalidInput('components', 'a components object', c)
  const s = c.suite
  if (
    s === null ||
    typeof s !== 'object' ||
    typeof s.hash !== 'function' ||
    typeof s.recover !== 'function'
  ) {
    throw invalidInput('components.suite', 'a CryptoSuite', s)
  }
  const ch = c.chain
  if (
    ch === null ||
    typeof ch !== 'object' ||
    typeof ch.currentNumber !== 'function' ||
    typeof ch.hasTransaction !== 'function'
  ) {
    throw invalidInput('components.chain', 'an object with currentNumber() and hasTransaction()', ch)
  }
  const w = c.nonceWindow
  if (
    w === null ||
    typeof w !== 'object' ||
    typeof w.has !== 'function' ||
    typeof w.addBlock !== 'function'
  ) {
    throw invalidInput('components.nonceWindow', 'a NonceWindow', w)
  }
  if (c.verifyPool !== undefined && typeof c.verifyPool?.recover !== 'function') {
    throw invalidInput('components.verifyPool', 'a VerifyPool', c.verifyPool)
  }
}

/**
 * Creates the transaction pool of one group and, when a journal store is given, replays the
 * transactions it holds (each re-checked as if newly submitted; those now on chain, expired
 * or otherwise invalid are dropped and reported through `outcome`).
 *
 * Admission runs FISCO 2.x's checks in this order; a transaction failing several gets the
 * code of the first (reference/fisco-2x.md §2.2, interop.md §1.3):
 *
 * | # | check | status |
 * |---|---|---|
 * | 1 | raw size ≤ `txBytesMax`, then strict decode | 10005 MalformedTx |
 * | 2 | hash already in the pool | 10000 AlreadyKnown |
 * | 3 | hash already on chain | 10001 AlreadyInChain |
 * | 4 | chainId | 10002 InvalidChainId |
 * | 5 | groupId | 10003 InvalidGroupId |
 * | 6 | `current < blockLimit ≤ current + blockLimitMax` | 16 BlockLimitCheckFail |
 * | 7 | nonce not in the last 1000 blocks | 15 NonceCheckFail |
 * | 8 | nonce not in the pool | 15 NonceCheckFail |
 * | 9 | pool count, then memory | 28 TxPoolIsFull, 10006 OverGroupMemoryLimit |
 * | 10 | signature (batch recovery on the verify pool) | 10005 MalformedTx |
 * | 11 | per-sender count | 28 TxPoolIsFull |
 *
 * Every cheap check runs before the signature is touched, so floods of invalid or excess
 * transactions cost no signature work (attack catalogue A9, A10).
 *
 * @example
 * ```ts
 * const window = await loadNonceWindow(blockStore, chain.currentNumber())
 * const pool = await createTxPool({ groupId: 1 }, { suite, chain, nonceWindow: window, journal: store })
 * const [result] = await pool.submitMany([raw])
 * if (!result.ok) console.log(result.status, result.reason) // e.g. 15 'NONCE_IN_POOL'
 * const txs = pool.fetchForSealing({ txCountMax: 1000 })
 * ```
 */
export async function createTxPool(init: TxPoolInit, components: TxPoolComponents): Promise<TxPool> {
  const cfg = resolveInit(init)
  checkComponents(components)
  const logger = (init.logger ?? silentLogger).child({ component: 'txpool', groupId: init.groupId })
  const { suite, chain, nonceWindow, verifyPool } = components
  const clock = components.clock ?? systemClock
  const journal =
    components.journal === undefined
      ? undefined
      : new TxJournal(components.journal, {
          ...(init.journalPrefix !== undefined ? { prefix: init.journalPrefix } : {}),
          sync: init.journalSync ?? true,
        })

  const entries = new Map<string, Entry>()
  const nonces = new Map<bigint, string>()
  const senders = new Map<string, number>()
  const outcomes = new Map<string, TxOutcome>()
  /** Recently recovered transactions by hash hex (insertion order, oldest forgotten first). */
  const recoveredTxs = new Map<string, SignedTransaction>()
  /** The same transactions by `printOf(raw)` (a later one with the same print replaces one). */
  const recoveredPrints = new Map<string, SignedTransaction>()
  let recoveriesSkipped = 0
  /** Hash hex of the transactions of recently committed blocks (insertion order, oldest forgotten first). */
  const committedHashes = new Set<string>()
  let committedSkips = 0
  const listeners = new Set<TxPoolListener>()
  let bytesHeld = 0
  let nextSeq = 0
  let closed = false
  let cancelTimer: (() => void) | undefined
  let replay: ReplaySummary = { records: 0, restored: 0, dropped: 0 }

  function emit(event: TxPoolEvent): void {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch (err) {
        logger.error('txpool listener threw', { type: event.type }, err)
      }
    }
  }

  function remember(hashHex: string, outcome: TxOutcome): void {
    outcomes.delete(hashHex)
    outcomes.set(hashHex, outcome)
    if (outcomes.size > cfg.outcomesMax) outcomes.delete(outcomes.keys().next().value as string)
  }

  function forgetRecovered(hashHex: string): void {
    const stx = recoveredTxs.get(hashHex)
    if (stx === undefined) return
    recoveredTxs.delete(hashHex)
    const print = printOf(stx.raw)
    if (recoveredPrints.get(print) === stx) recoveredPrints.delete(print)
  }

  /** A pooled or recently recovered transaction by its hash hex (`recovered`). */
  function recoveredByHex(hashHex: string): SignedTransaction | undefined {
    return entries.get(hashHex)?.stx ?? recoveredTxs.get(hashHex)
  }

  function rememberRecoveredTx(hashHex: string, stx: SignedTransaction): void {
    forgetRecovered(hashHex)
    recoveredTxs.set(hashHex, stx)
    recoveredPrints.set(printOf(stx.raw), stx)
    if (recoveredTxs.size > cfg.recoveredTxsMax) forgetRecovered(recoveredTxs.keys().next().value as string)
  }

  function reject(c: Candidate, reason: RejectReason, message: string): void {
    c.result = {
      ok: false,
      status: REJECT_STATUS[reason],
      reason,
      message,
      ...(c.hash !== undefined ? { hash: c.hash } : {}),
    }
  }

  function insert(c: Candidate, durable: boolean): Entry {
    const stx: SignedTransaction = { tx: c.tx!, raw: c.raw!, hash: c.hash!, sender: c.sender! }
    const entry: Entry = {
      stx,
      hashHex: c.hashHex!,
      senderHex: c.senderHex!,
      seq: c.seq ?? nextSeq++,
      importMs: c.importMs ?? clock.nowMs(),
      bytes: txEntryBytes(c.raw!.length),
      sealed: false,
      durable,
    }
    entries.set(entry.hashHex, entry)
    nonces.set(stx.tx.nonce, entry.hashHex)
    senders.set(entry.senderHex, (senders.get(entry.senderHex) ?? 0) + 1)
    bytesHeld += entry.bytes
    outcomes.delete(entry.hashHex)
    return entry
  }

  /** Removes an entry from memory; returns its journal sequence. */
  function unlink(entry: Entry): number {
    entries.delete(entry.hashHex)
    if (nonces.get(entry.stx.tx.nonce) === entry.hashHex) nonces.delete(entry.stx.tx.nonce)
    const n = (senders.get(entry.senderHex) ?? 1) - 1
    if (n === 0) senders.delete(entry.senderHex)
    else senders.set(entry.senderHex, n)
    bytesHeld -= entry.bytes
    return entry.seq
  }

  function dropEntry(entry: Entry, reason: DropReason, status: TxStatusCode): number {
    const seq = unlink(entry)
    remember(entry.hashHex, { state: 'dropped', status, reason })
    logger.debug('tx dropped', { hash: entry.hashHex, reason, status })
    emit({ type: 'dropped', hash: entry.stx.hash, status, reason })
    return seq
  }

  async function journalRemove(seqs: number[]): Promise<void> {
    if (journal === undefined || seqs.length === 0) return
    await journal.remove(seqs)
  }

  function journalRemoveInBackground(seqs: number[]): void {
    journalRemove(seqs).catch((err: unknown) => {
      // A leftover record is harmless: replay re-checks it and drops it.
      logger.error('txpool journal remove failed', { count: seqs.length }, err)
    })
  }

  // ---- expiry -------------------------------------------------------------------------------

  function isExpired(entry: Entry, nowMs: number): boolean {
    return entry.importMs + cfg.expirationMs <= nowMs
  }

  /** Drops expired, unsealed, durable entries (arrival order = expiry order). Returns journal seqs. */
  function sweepExpired(): number[] {
    const now = clock.nowMs()
    const seqs: number[] = []
    for (const entry of entries.values()) {
      if (!isExpired(entry, now)) break
      if (entry.sealed || !entry.durable) continue
      seqs.push(dropEntry(entry, 'EXPIRED', DROP_STATUS.EXPIRED))
    }
    return seqs
  }

  function scheduleExpiry(): void {
    if (closed || cancelTimer !== undefined) return
    const now = clock.nowMs()
    for (const entry of entries.values()) {
      if (isExpired(entry, now)) continue
      const delayMs = entry.importMs + cfg.expirationMs - now
      cancelTimer = clock.setTimer(delayMs, () => {
        cancelTimer = undefined
        journalRemoveInBackground(sweepExpired())
        scheduleExpiry()
      })
      return
    }
  }

  // ---- admission ----------------------------------------------------------------------------

  /** Steps 1–2: size, decode, hash, known. Synchronous and cheap. */
  function decodeStep(cands: Candidate[], hashes?: readonly Hash32[]): void {
    const batchHashes = new Set<string>()
    for (const c of cands) {
      const input = c.input
      const raw = input instanceof Uint8Array ? input : (input as { raw?: unknown } | null)?.raw
      if (!(raw instanceof Uint8Array)) {
        reject(
          c,
          'MALFORMED',
          `expected raw transaction bytes, got ${raw === undefined ? 'nothing' : typeof raw}`,
        )
        continue
      }
      if (raw.length > cfg.txBytesMax) {
        reject(c, 'TX_TOO_LARGE', `transaction of ${raw.length} bytes exceeds txBytesMax ${cfg.txBytesMax}`)
        continue
      }
      c.raw = raw
      const given = hashes?.[c.index]
      if (given !== undefined) {
        // A forwarded copy of a transaction a recent block committed: what chainStep would say,
        // without decoding it or reading the block store. Those bytes decoded when their block
        // was checked, so no MALFORMED is skipped; a copy already in this batch stays ALREADY_KNOWN.
        const hashHex = hexOf(given)
        if (committedHashes.has(hashHex) && !entries.has(hashHex) && !batchHashes.has(hashHex)) {
          c.hash = given
          c.hashHex = hashHex
          batchHashes.add(hashHex)
          committedSkips++
          reject(c, 'ALREADY_IN_CHAIN', 'transaction already on chain')
          continue
        }
      }
      const recovered = (input as Partial<RecoveredEthTxInput>).ethRecovered
      try {
        if (recovered !== undefined) {
          // Decoded and recovered by the caller (the node's eth admission): no second pass.
          c.eth = recovered.eth
          c.sender = recovered.sender
        } else if (isEthTransactionRaw(raw)) c.eth = decodeEthTransaction(raw, { maxBytes: cfg.txBytesMax })
        else c.tx = decodeTransaction(raw, { maxBytes: cfg.txBytesMax })
      } catch (err) {
        if (!isProtocolError(err)) throw err
        reject(c, 'MALFORMED', `${err.type.code}: ${err.message}`)
        continue
      }
      c.hash = hashes?.[c.index] ?? suite.hash(raw)
      c.hashHex = hexOf(c.hash)
      if (entries.has(c.hashHex) || batchHashes.has(c.hashHex)) {
        reject(c, 'ALREADY_KNOWN', 'transaction already in the pool')
        continue
      }
      batchHashes.add(c.hashHex)
    }
  }

  /** Step 3: on chain. */
  async function chainStep(cands: Candidate[]): Promise<void> {
    const alive = cands.filter((c) => c.result === undefined)
    const found = await Promise.all(alive.map((c) => chain.hasTransaction(c.hash!)))
    alive.forEach((c, i) => {
      if (found[i]) reject(c, 'ALREADY_IN_CHAIN', 'transaction already on chain')
    })
  }

  function blockLimitMessage(tx: Transaction, current: bigint): string | undefined {
    // Ethereum-origin transactions carry no blockLimit: the executor's nonce rule guards them.
    if (tx.format === 'eth') return undefined
    if (tx.blockLimit > current && tx.blockLimit <= current + cfg.blockLimitMax) return undefined
    return `blockLimit ${tx.blockLimit} outside (${current}, ${current + cfg.blockLimitMax}]`
  }

  /** Steps 4–9: fields, replay protection and capacity, before any signature work. */
  function fieldStep(cands: Candidate[]): void {
    const current = BigInt(chain.currentNumber())
    let count = entries.size
    let bytes = bytesHeld
    for (const c of cands) {
      if (c.result !== undefined) continue
      if (c.eth !== undefined) {
        // Chain id now; the replay key needs the sender, so the nonce checks run in insertStep.
        const want = ethChainIdOf(cfg.chainId, cfg.groupId)
        const got = c.eth.info.chainId
        if (got !== want) {
          reject(
            c,
            'INVALID_CHAIN_ID',
            got === undefined
              ? 'Ethereum transaction without chain id (pre-EIP-155) refused: sign with EIP-155'
              : `Ethereum chainId ${got}, expected ${want}`,
          )
          continue
        }
      } else if (!fieldsAccepted(c, c.tx!, current)) continue
      const size = txEntryBytes(c.raw!.length)
      if (count >= cfg.txCountMax) {
        reject(c, 'POOL_FULL', `pool holds ${count} of ${cfg.txCountMax} transactions`)
        continue
      }
      if (bytes + size > cfg.memoryBytesMax) {
        reject(c, 'POOL_MEMORY_FULL', `pool memory ${bytes} + ${size} exceeds ${cfg.memoryBytesMax} bytes`)
        continue
      }
      count++
      bytes += size
    }
  }

  /** Steps 4–8 of a FISCO transaction; false (and `c` rejected) when one fails. */
  function fieldsAccepted(c: Candidate, tx: Transaction, current: bigint): boolean {
    if (tx.chainId !== cfg.chainId) {
      reject(c, 'INVALID_CHAIN_ID', `chainId ${tx.chainId}, expected ${cfg.chainId}`)
      return false
    }
    if (tx.groupId !== cfg.groupId) {
      reject(c, 'INVALID_GROUP_ID', `groupId ${tx.groupId}, expected ${cfg.groupId}`)
      return false
    }
    const limitMessage = blockLimitMessage(tx, current)
    if (limitMessage !== undefined) {
      reject(c, 'BLOCK_LIMIT', limitMessage)
      return false
    }
    if (nonceWindow.has(tx.nonce)) {
      reject(c, 'NONCE_IN_CHAIN', `nonce ${tx.nonce} used in the last ${nonceWindow.blocksMax} blocks`)
      return false
    }
    // Duplicates inside one batch are settled after signature recovery (the first valid one
    // wins); here only the pool's own nonces count.
    if (nonces.has(tx.nonce)) {
      reject(c, 'NONCE_IN_POOL', `nonce ${tx.nonce} used by a pooled transaction`)
      return false
    }
    return true
  }

  function setSender(c: Candidate, publicKey: Bytes): void {
    const sig = c.tx?.signature
    if (sig?.kind === 'sm2' && !equalBytes(publicKey, sig.publicKey)) {
      reject(c, 'BAD_SIGNATURE', 'SM2 signature does not verify with the key in v')
      return
    }
    c.sender = suite.address(publicKey)
    c.senderHex = hexOf(c.sender)
    if (c.eth !== undefined) c.tx = ethTransactionOf(c.eth, c.sender, suite.hash)
    rememberRecoveredTx(c.hashHex!, { tx: c.tx!, raw: c.raw!, hash: c.hash!, sender: c.sender })
  }

  /** A transaction of the same bytes recovered recently: take its sender, skip the recovery. */
  function reuseRecovered(c: Candidate): boolean {
    const known = recoveredTxs.get(c.hashHex!)
    if (known === undefined || !equalBytes(known.raw, c.raw!)) return false
    c.sender = known.sender
    c.senderHex = hexOf(known.sender)
    if (c.eth !== undefined) c.tx = known.tx
    recoveriesSkipped++
    return true
  }

  function recoverLocally(c: Candidate, hash: Hash32, signature: Bytes): void {
    let publicKey: Bytes
    try {
      publicKey = suite.recover(hash, signature)
    } catch (err) {
      reject(c, 'BAD_SIGNATURE', `invalid signature: ${err instanceof Error ? err.message : String(err)}`)
      return
    }
    setSender(c, publicKey)
  }

  /** Step 10: signer recovery, in one batch on the verify pool when there is one. */
  async function signatureStep(cands: Candidate[]): Promise<void> {
    const jobs: { c: Candidate; hash: Hash32; signature: Bytes }[] = []
    for (const c of cands) {
      if (c.result !== undefined) continue
      if (c.eth !== undefined) {
        if (suite.name !== 'ecdsa') {
          reject(c, 'BAD_SIGNATURE', `Ethereum transaction on a chain using the ${suite.name} suite`)
          continue
        }
        if (c.sender !== undefined) {
          c.senderHex = hexOf(c.sender)
          c.tx = ethTransactionOf(c.eth, c.sender, suite.hash)
          continue
        }
        if (reuseRecovered(c)) continue
        try {
          jobs.push({ c, hash: suite.hash(c.eth.signingPayload), signature: ethSignatureBytes(c.eth) })
        } catch (err) {
          reject(c, 'BAD_SIGNATURE', `invalid signature: ${err instanceof Error ? err.message : String(err)}`)
        }
        continue
      }
      const sig = c.tx!.signature
      const wanted = sig.kind === 'ecdsa' ? 'ecdsa' : 'sm'
      if (suite.name !== wanted) {
        reject(c, 'BAD_SIGNATURE', `${sig.kind} signature on a chain using the ${suite.name} suite`)
        continue
      }
      if (reuseRecovered(c)) continue
      try {
        const payload = signingPayloadFromRaw(c.raw!, c.tx!.format === 'rc2' ? 10 : 7)
        jobs.push({ c, hash: suite.hash(payload), signature: txSignatureBytesFromRaw(c.raw!, c.tx!) })
      } catch (err) {
        reject(c, 'BAD_SIGNATURE', `invalid signature: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
    if (jobs.length === 0) return
    if (verifyPool === undefined) {
      for (const job of jobs) recoverLocally(job.c, job.hash, job.signature)
      return
    }
    let results: Awaited<ReturnType<VerifyPool['recover']>> | undefined
    try {
      results = await verifyPool.recover(jobs.map((j) => ({ hash: j.hash, signature: j.signature })))
    } catch (err) {
      // A closed or saturated verify pool must not refuse valid transactions: recover here.
      logger.warn('verify pool failed, recovering signers locally', {
        count: jobs.length,
        error: err instanceof Error ? err.message : String(err),
      })
    }
    jobs.forEach((job, i) => {
      const r = results?.[i]
      if (r?.ok === true) setSender(job.c, r.publicKey)
      else if (r !== undefined && r.code !== 'WORKER_FAILED')
        reject(job.c, 'BAD_SIGNATURE', `invalid signature: ${r.code}`)
      else recoverLocally(job.c, job.hash, job.signature)
    })
  }

  /** Steps 2 and 6–11 again against the pool as it is now (other batches, commits happened meanwhile), then insert. */
  function insertStep(cands: Candidate[], durable: boolean): Entry[] {
    const current = BigInt(chain.currentNumber())
    const inserted: Entry[] = []
    for (const c of cands) {
      if (c.result !== undefined) continue
      const tx = c.tx!
      let failed = true
      if (entries.has(c.hashHex!)) reject(c, 'ALREADY_KNOWN', 'transaction already in the pool')
      else if (blockLimitMessage(tx, current) !== undefined)
        reject(c, 'BLOCK_LIMIT', blockLimitMessage(tx, current)!)
      else if (nonceWindow.has(tx.nonce))
        reject(c, 'NONCE_IN_CHAIN', `nonce ${tx.nonce} used in the last ${nonceWindow.blocksMax} blocks`)
      else if (nonces.has(tx.nonce))
        reject(c, 'NONCE_IN_POOL', `nonce ${tx.nonce} used by a pooled transaction`)
      else if (entries.size >= cfg.txCountMax)
        reject(c, 'POOL_FULL', `pool holds ${entries.size} of ${cfg.txCountMax} transactions`)
      else if (bytesHeld + txEntryBytes(c.raw!.length) > cfg.memoryBytesMax)
        reject(
          c,
          'POOL_MEMORY_FULL',
          `pool memory ${bytesHeld} + ${txEntryBytes(c.raw!.length)} exceeds ${cfg.memoryBytesMax} bytes`,
        )
      else if ((senders.get(c.senderHex!) ?? 0) >= cfg.senderTxCountMax)
        reject(
          c,
          'SENDER_LIMIT',
          `sender holds ${cfg.senderTxCountMax} pooled transactions (senderTxCountMax)`,
        )
      else failed = false
      if (failed) continue
      inserted.push(insert(c, durable))
      c.result = { ok: true, status: 0, hash: c.hash!, sender: c.sender! }
    }
    return inserted
  }

  async function admit(
    cands: Candidate[],
    fromJournal: boolean,
    hashes?: readonly Hash32[],
  ): Promise<Entry[]> {
    decodeStep(cands, hashes)
    await chainStep(cands)
    fieldStep(cands)
    await signatureStep(cands)
    if (closed) throw txPoolError({ code: 'TXPOOL_CLOSED' }, 'transaction pool is closed')
    const inserted = insertStep(cands, fromJournal || journal === undefined)
    if (!fromJournal && journal !== undefined && inserted.length > 0) {
      const records: TxJournalRecord[] = inserted.map((e) => ({
        seq: e.seq,
        importMs: e.importMs,
        raw: e.stx.raw,
      }))
      try {
        await journal.append(records)
      } catch (err) {
        for (const e of inserted) if (entries.get(e.hashHex) === e) unlink(e)
        throw err
      }
      for (const e of inserted) e.durable = true
    }
    return inserted
  }

  async function submitMany(inputs: readonly TxInput[], hashes?: readonly Hash32[]): Promise<AdmitResult[]> {
    if (closed) throw txPoolError({ code: 'TXPOOL_CLOSED' }, 'transaction pool is closed')
    if (!Array.isArray(inputs)) throw invalidInput('inputs', 'an array of transactions', inputs)
    if (inputs.length > SUBMIT_BATCH_MAX) {
      throw txPoolError(
        { code: 'TXPOOL_BATCH_TOO_LARGE', count: inputs.length, submitBatchMax: SUBMIT_BATCH_MAX },
        `submitMany of ${inputs.length} transactions exceeds SUBMIT_BATCH_MAX ${SUBMIT_BATCH_MAX}`,
      )
    }
    const cands: Candidate[] = inputs.map((input, index) => ({ index, input }))
    const inserted = await admit(cands, false, hashes)
    for (const e of inserted) {
      if (entries.get(e.hashHex) !== e) continue // committed or dropped while journaling
      logger.trace('tx accepted', { hash: e.hashHex })
      emit({ type: 'accepted', hash: e.stx.hash, sender: e.stx.sender })
    }
    scheduleExpiry()
    return cands.map((c) => c.result!)
  }

  // ---- journal replay -----------------------------------------------------------------------

  async function replayJournal(j: TxJournal): Promise<void> {
    const records = await j.readAll()
    let restored = 0
    let dropped = 0
    const stale: number[] = []
    const now = clock.nowMs()
    for (const r of records) nextSeq = Math.max(nextSeq, r.seq + 1)
    const live = records.filter((r) => {
      if (r.importMs + cfg.expirationMs > now) return true
      stale.push(r.seq)
      dropped++
      remember(hexOf(suite.hash(r.raw)), { state: 'dropped', status: DROP_STATUS.EXPIRED, reason: 'EXPIRED' })
      return false
    })
    for (let i = 0; i < live.length; i += SUBMIT_BATCH_MAX) {
      const chunk = live.slice(i, i + SUBMIT_BATCH_MAX)
      const cands: Candidate[] = chunk.map((r, k) => ({
        index: k,
        input: r.raw,
        seq: r.seq,
        importMs: r.importMs,
      }))
      await admit(cands, true)
      for (const c of cands) {
        const result = c.result!
        if (result.ok) {
          restored++
          continue
        }
        dropped++
        stale.push(c.seq!)
        if (c.hashHex !== undefined)
          remember(c.hashHex, { state: 'dropped', status: result.status, reason: result.reason })
        logger.info('journaled tx dropped on replay', {
          seq: c.seq,
          reason: result.reason,
          status: result.status,
        })
      }
    }
    await journalRemove(stale)
    replay = { records: records.length, restored, dropped }
    logger.info('txpool journal replayed', { ...replay })
  }

  if (journal !== undefined) await replayJournal(journal)
  scheduleExpiry()

  // ---- public API ---------------------------------------------------------------------------

  function entryOf(hash: Hash32): Entry | undefined {
    return entries.get(hexOf(checkHash(hash)))
  }

  function setSealed(hashes: readonly Hash32[], sealed: boolean): number {
    if (!Array.isArray(hashes)) throw invalidInput('hashes', 'an array of 32-byte hashes', hashes)
    let found = 0
    for (const hash of hashes) {
      const entry = entryOf(hash)
      if (entry === undefined) continue
      entry.sealed = sealed
      found++
    }
    return found
  }

  const pool: TxPool = {
    get size() {
      return entries.size
    },
    get bytes() {
      return bytesHeld
    },
    get replay() {
      return replay
    },
    async submit(input) {
      const [result] = await submitMany([input])
      return result!
    },
    submitMany: (inputs) => submitMany(inputs),
    async submitManyHashed(raws, hashes) {
      if (!Array.isArray(raws) || !raws.every((r) => r instanceof Uint8Array))
        throw invalidInput('raws', 'an array of raw transaction bytes', raws)
      if (!Array.isArray(hashes) || hashes.length !== raws.length)
        throw invalidInput('hashes', `one hash per transaction (${raws.length})`, hashes)
      for (const [i, h] of hashes.entries()) checkHash(h, `hashes[${i}]`)
      return submitMany(raws, hashes)
    },
    has(hash) {
      return entryOf(hash) !== undefined
    },
    get(hash) {
      return entryOf(hash)?.stx
    },
    recovered(hash) {
      return recoveredByHex(hexOf(checkHash(hash)))
    },
    recoveredRaw(raw) {
      if (!(raw instanceof Uint8Array)) throw invalidInput('raw', 'raw transaction bytes', raw)
      const printed = recoveredPrints.get(printOf(raw))
      if (printed !== undefined && equalBytes(printed.raw, raw)) return printed
      const known = recoveredByHex(hexOf(suite.hash(raw)))
      return known !== undefined && equalBytes(known.raw, raw) ? known : undefined
    },
    rememberRecovered(stx) {
      if (stx === null || typeof stx !== 'object' || !(stx.raw instanceof Uint8Array))
        throw invalidInput('stx', 'a SignedTransaction', stx)
      if (!(stx.sender instanceof Uint8Array) || stx.sender.length !== 20)
        throw invalidInput('stx.sender', '20-byte address', stx.sender)
      rememberRecoveredTx(hexOf(checkHash(stx.hash, 'stx.hash')), stx)
    },
    get recoveriesSkipped() {
      return recoveriesSkipped
    },
    get committedCopiesRefused() {
      return committedSkips
    },
    hasNonce(nonce) {
      return nonces.has(nonce)
    },
    senderCount(sender) {
      if (!(sender instanceof Uint8Array) || sender.length !== 20)
        throw invalidInput('sender', '20-byte address', sender)
      return senders.get(hexOf(sender)) ?? 0
    },
    outcome(hash) {
      const hex = hexOf(checkHash(hash))
      const entry = entries.get(hex)
      if (entry !== undefined) return { state: 'pending', sealed: entry.sealed }
      return outcomes.get(hex)
    },
    pending() {
      const out: SignedTransaction[] = []
      for (const entry of entries.values()) if (entry.durable) out.push(entry.stx)
      return out
    },
    fetchForSealing(limits) {
      if (limits === null || typeof limits !== 'object') throw invalidInput('limits', 'SealingLimits', limits)
      const countMax = intOption(limits.txCountMax, 0, 'limits.txCountMax')
      const bytesMax =
        limits.bytesMax === undefined ? undefined : intOption(limits.bytesMax, 0, 'limits.bytesMax')
      if (limits.gasMax !== undefined && (typeof limits.gasMax !== 'bigint' || limits.gasMax < 0n)) {
        throw invalidInput('limits.gasMax', 'a non-negative bigint', limits.gasMax)
      }
      const mark = limits.mark ?? true
      const current = BigInt(chain.currentNumber())
      const now = clock.nowMs()
      const out: SignedTransaction[] = []
      const stale: Entry[] = []
      let bytes = 0
      let gas = 0n
      for (const entry of entries.values()) {
        if (out.length >= countMax) break
        if (!entry.durable || entry.sealed) continue
        const tx = entry.stx.tx
        if (tx.blockLimit <= current || isExpired(entry, now)) {
          stale.push(entry)
          continue
        }
        if (bytesMax !== undefined && bytes + entry.stx.raw.length > bytesMax) break
        if (limits.gasMax !== undefined && gas + tx.gas > limits.gasMax) break
        bytes += entry.stx.raw.length
        gas += tx.gas
        out.push(entry.stx)
        if (mark) entry.sealed = true
      }
      const seqs = stale.map((entry) =>
        isExpired(entry, now)
          ? dropEntry(entry, 'EXPIRED', DROP_STATUS.EXPIRED)
          : dropEntry(entry, 'BLOCK_LIMIT_PASSED', DROP_STATUS.BLOCK_LIMIT_PASSED),
      )
      journalRemoveInBackground(seqs)
      return out
    },
    markSealed(hashes) {
      return setSealed(hashes, true)
    },
    unmarkSealed(hashes) {
      const found = setSealed(hashes, false)
      journalRemoveInBackground(sweepExpired())
      scheduleExpiry()
      return found
    },
    async onBlockCommitted(block) {
      if (block === null || typeof block !== 'object' || !Array.isArray(block.transactions)) {
        throw invalidInput('block', 'a block with header.number and transactions', block)
      }
      const number = block.header?.number
      if (!Number.isSafeInteger(number) || number < 0)
        throw invalidInput('block.header.number', 'a block height', number)
      // Every input check, and NONCE_WINDOW_NOT_NEXT for a block out of order, throws before
      // anything changes.
      const hexes = block.transactions.map((t) => hexOf(checkHash(t?.hash, 'block transaction hash')))
      nonceWindow.addBlock(
        number,
        block.transactions.map((t) => t.tx.nonce),
      )
      const seqs: number[] = []
      let committed = 0
      let dropped = 0
      block.transactions.forEach((_, index) => {
        const hex = hexes[index]!
        forgetRecovered(hex)
        committedHashes.delete(hex)
        committedHashes.add(hex)
        if (committedHashes.size > cfg.committedHashesMax)
          committedHashes.delete(committedHashes.values().next().value as string)
        const entry = entries.get(hex)
        if (entry === undefined) return
        seqs.push(unlink(entry))
        committed++
        remember(hex, { state: 'committed', blockNumber: number, index })
        emit({ type: 'committed', hash: entry.stx.hash, blockNumber: number, index })
      })
      // A pooled transaction whose nonce this block used can never commit now.
      for (const t of block.transactions) {
        const hex = nonces.get(t.tx.nonce)
        const entry = hex === undefined ? undefined : entries.get(hex)
        if (entry === undefined) continue
        seqs.push(dropEntry(entry, 'NONCE_USED', DROP_STATUS.NONCE_USED))
        dropped++
      }
      const height = BigInt(number)
      for (const entry of entries.values()) {
        // The block ends every proposal of its height: what was sealed and not included returns.
        entry.sealed = false
        if (entry.stx.tx.blockLimit <= height) {
          seqs.push(dropEntry(entry, 'BLOCK_LIMIT_PASSED', DROP_STATUS.BLOCK_LIMIT_PASSED))
          dropped++
        }
      }
      const expired = sweepExpired()
      dropped += expired.length
      seqs.push(...expired)
      scheduleExpiry()
      // In the background: the commit path must not wait behind the journal's queued (fsynced)
      // appends. A record left by a crash is harmless: replay drops it (ALREADY_IN_CHAIN).
      journalRemoveInBackground(seqs)
      return { blockNumber: number, committed, dropped }
    },
    async drop(hash, status) {
      const entry = entryOf(hash)
      if (entry === undefined) return false
      await journalRemove([dropEntry(entry, 'REMOVED', status)])
      return true
    },
    async removeExpired() {
      const seqs = sweepExpired()
      scheduleExpiry()
      await journalRemove(seqs)
      return seqs.length
    },
    subscribe(listener) {
      if (typeof listener !== 'function') throw invalidInput('listener', 'a function', listener)
      if (listeners.size >= LISTENERS_MAX) {
        throw invalidInput('listener', `at most ${LISTENERS_MAX} listeners`, listeners.size + 1)
      }
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    async close() {
      if (closed) return
      closed = true
      cancelTimer?.()
      cancelTimer = undefined
      await journal?.flush()
    },
  }

  return pool
}
