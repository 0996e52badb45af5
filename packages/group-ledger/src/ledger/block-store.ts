import {
  type AMDB,
  CurrentStateKey,
  createMemoryDriver,
  createTableFactory,
  type StorageDriver,
  SYSTEM_TABLES,
  SysTable,
  type TableFactory,
} from '@consortia/amdb'
import { merkleRoot } from '@consortia/crypto'
import type {
  Block,
  BlockHeader,
  BlockNumber,
  Bytes,
  CryptoSuite,
  Hash32,
  Logger,
  NodeId,
  Receipt,
} from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import {
  blockHeaderHash,
  createBloom,
  decodeBlock,
  decodeBlockHeader,
  encodeBlock,
  encodeBlockHeader,
} from '@consortia/protocol'
import { ledgerError, ledgerInvalidInput } from './errors.js'
import { type Failpoints, failpointsFromEnv } from './failpoints.js'

/** The `_sys_consensus_` key every node row lives under (FISCO `PRI_KEY`). */
export const CONSENSUS_ROW_KEY = 'node'

const hexOf = (b: Bytes) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const bytesOf = (hex: string, table: string, key: string): Uint8Array => {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) {
    throw ledgerError({ code: 'LEDGER_CORRUPT', table, key, reason: 'not hex' }, `${table}/${key} is not hex`)
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}
const info = (name: string) => SYSTEM_TABLES.get(name)!

/**
 * Most decoded blocks the store keeps by hash. Reading a block decodes it and recovers every
 * sender; under load the same recent blocks are read again and again (a receipt lookup reads
 * its whole block, peers catching up ask for the same blocks, RPC clients poll them), so the
 * last few read or committed are kept (a committed block goes in as executed, senders known). Committed blocks never change, so an entry never goes stale.
 */
export const DECODED_BLOCK_CACHE_MAX = 16

/** One committed block as the store returns it. */
export interface StoredBlock {
  readonly block: Block
  readonly hash: Hash32
  /** One per transaction. */
  readonly receipts: readonly Receipt[]
  /** The consensus round the signature list is bound to (PBFT view), when the engine has one. */
  readonly view: number | undefined
}

/** What `commitBlock` writes: the block, its hash, its receipts and the certificate round. */
export interface BlockToCommit {
  readonly block: Block
  readonly hash: Hash32
  readonly receipts: readonly Receipt[]
  readonly view?: number
}

/** The head of the chain, kept in memory by the store. */
export interface ChainHead {
  readonly number: BlockNumber
  readonly hash: Hash32
  readonly header: BlockHeader
}

/**
 * Committed blocks of one group, stored in FISCO's system tables in the SAME AMDB change set
 * as the block's state, so one atomic driver commit covers state, block and indexes:
 * `_sys_hash_2_block_` (hash → FISCO 5-item block RLP with receipts, hex), `_sys_number_2_hash_`,
 * `_sys_tx_hash_2_block_` (tx hash → block number and index), `_sys_hash_2_header_`
 * (hash → header RLP hex, `sigs` = JSON of the certificate round) and `_sys_current_state_`
 * (`current_number`, `total_transaction_count`, `total_failed_transaction_count`).
 */
export interface BlockStore {
  /** The last committed block (cached; updated by `commitBlock`). */
  readonly head: ChainHead
  hashByNumber(number: BlockNumber): Promise<Hash32 | undefined>
  blockByHash(hash: Hash32): Promise<StoredBlock | undefined>
  blockByNumber(number: BlockNumber): Promise<StoredBlock | undefined>
  headerByNumber(number: BlockNumber): Promise<BlockHeader | undefined>
  headerByHash(hash: Hash32): Promise<BlockHeader | undefined>
  /** Where a committed transaction is: block number and index in the block. */
  transactionLocation(
    txHash: Hash32,
  ): Promise<{ readonly number: BlockNumber; readonly index: number } | undefined>
  /** True when a transaction with this hash is on chain (the pool's `TxPoolChain.hasTransaction`). */
  hasTransaction(txHash: Hash32): Promise<boolean>
  /** The receipt of a committed transaction. */
  receipt(txHash: Hash32): Promise<Receipt | undefined>
  /** Transactions committed so far (genesis excluded). */
  totalTransactionCount(): Promise<number>
  /** The nonces of a block's transactions (the pool's `BlockNonceSource`, for `loadNonceWindow`). */
  blockNonces(number: BlockNumber): Promise<readonly bigint[] | undefined>
  /**
   * Writes the block and its indexes into `factory` (the change set that holds the block's
   * executed state) and commits it: one atomic write. The block must follow the head.
   */
  commitBlock(factory: TableFactory, entry: BlockToCommit): Promise<void>
}

/** Options of `openBlockStore`. */
export interface BlockStoreInit {
  readonly amdb: AMDB
  readonly suite: CryptoSuite
  /** Crash-test hooks (`before-state-write`, `after-state-write-before-index`); default: those armed by `CONSORTIA_FAILPOINTS`. */
  readonly failpoints?: Failpoints
  readonly logger?: Logger
}

async function selectOne(driver: StorageDriver, table: string, key: string) {
  const rows = await driver.selectRows(info(table), key)
  return rows[0]?.fields
}

async function readBlock(
  driver: StorageDriver,
  suite: CryptoSuite,
  hashHex: string,
): Promise<StoredBlock | undefined> {
  const row = await selectOne(driver, SysTable.hash2Block, hashHex)
  if (row === undefined) return undefined
  const raw = bytesOf(row['value'] ?? '', SysTable.hash2Block, hashHex)
  let decoded: ReturnType<typeof decodeBlock>
  try {
    decoded = decodeBlock(raw, suite)
  } catch (err) {
    throw ledgerError(
      { code: 'LEDGER_CORRUPT', table: SysTable.hash2Block, key: hashHex, reason: 'block does not decode' },
      `stored block ${hashHex.slice(0, 16)} does not decode`,
      err,
    )
  }
  const headerRow = await selectOne(driver, SysTable.hash2Header, hashHex)
  let view: number | undefined
  if (headerRow?.['sigs'] !== undefined && headerRow['sigs'] !== '') {
    const parsed = JSON.parse(headerRow['sigs']) as { view?: unknown }
    if (typeof parsed.view === 'number') view = parsed.view
  }
  return { block: decoded.block, hash: decoded.hash, receipts: decoded.receipts, view }
}

/**
 * Opens the block store of an AMDB that holds a genesis block (see `writeGenesis`); reads the
 * head into memory. Throws `LEDGER_CORRUPT` when the database has no genesis or its head rows
 * are missing.
 */
export async function openBlockStore(init: BlockStoreInit): Promise<BlockStore> {
  const { amdb, suite } = init
  const logger = (init.logger ?? silentLogger).child({ component: 'block-store' })
  const failpoints = init.failpoints ?? failpointsFromEnv()
  const driver = amdb.driver
  const height = await amdb.committedHeight()
  if (height < 0) {
    throw ledgerError(
      { code: 'LEDGER_CORRUPT', table: SysTable.number2Hash, key: '0', reason: 'no genesis' },
      'the database has no genesis block: call writeGenesis first',
    )
  }
  const headRow = await selectOne(driver, SysTable.number2Hash, String(height))
  const headHex = headRow?.['value']
  const stored = headHex === undefined ? undefined : await readBlock(driver, suite, headHex)
  if (stored === undefined) {
    throw ledgerError(
      {
        code: 'LEDGER_CORRUPT',
        table: SysTable.number2Hash,
        key: String(height),
        reason: 'head block missing',
      },
      `block ${height} is committed in AMDB but not in the block tables`,
    )
  }
  let head: ChainHead = { number: height, hash: stored.hash, header: stored.block.header }
  /** Decoded blocks by hash hex, least recently used first (`DECODED_BLOCK_CACHE_MAX`). */
  const decoded = new Map<string, StoredBlock>()
  const cacheDecoded = (key: string, block: StoredBlock) => {
    decoded.delete(key)
    decoded.set(key, block)
    if (decoded.size > DECODED_BLOCK_CACHE_MAX) decoded.delete(decoded.keys().next().value as string)
  }

  const store: BlockStore = {
    get head() {
      return head
    },
    async hashByNumber(number) {
      const row = await selectOne(driver, SysTable.number2Hash, String(number))
      return row === undefined ? undefined : bytesOf(row['value'] ?? '', SysTable.number2Hash, String(number))
    },
    async blockByHash(hash) {
      const key = hexOf(hash)
      const cached = decoded.get(key)
      if (cached !== undefined) {
        // Most recently used last.
        decoded.delete(key)
        decoded.set(key, cached)
        return cached
      }
      const stored = await readBlock(driver, suite, key)
      if (stored === undefined) return undefined
      cacheDecoded(key, stored)
      return stored
    },
    async blockByNumber(number) {
      const hash = await store.hashByNumber(number)
      return hash === undefined ? undefined : store.blockByHash(hash)
    },
    async headerByNumber(number) {
      const hash = await store.hashByNumber(number)
      return hash === undefined ? undefined : store.headerByHash(hash)
    },
    async headerByHash(hash) {
      // From `_sys_hash_2_header_`: no transaction decoding or sender recovery.
      const key = hexOf(hash)
      const row = await selectOne(driver, SysTable.hash2Header, key)
      if (row === undefined) return undefined
      try {
        return decodeBlockHeader(bytesOf(row['value'] ?? '', SysTable.hash2Header, key))
      } catch (err) {
        throw ledgerError(
          { code: 'LEDGER_CORRUPT', table: SysTable.hash2Header, key, reason: 'header does not decode' },
          `stored header ${key.slice(0, 16)} does not decode`,
          err,
        )
      }
    },
    async transactionLocation(txHash) {
      const key = hexOf(txHash)
      const row = await selectOne(driver, SysTable.txHash2Block, key)
      if (row === undefined) return undefined
      const number = Number(row['value'])
      const index = Number(row['index'])
      if (!Number.isSafeInteger(number) || !Number.isSafeInteger(index)) {
        throw ledgerError(
          { code: 'LEDGER_CORRUPT', table: SysTable.txHash2Block, key, reason: 'not numbers' },
          `tx index of ${key.slice(0, 16)} is not numbers`,
        )
      }
      return { number, index }
    },
    async hasTransaction(txHash) {
      return (await selectOne(driver, SysTable.txHash2Block, hexOf(txHash))) !== undefined
    },
    async receipt(txHash) {
      const at = await store.transactionLocation(txHash)
      if (at === undefined) return undefined
      return (await store.blockByNumber(at.number))?.receipts[at.index]
    },
    async totalTransactionCount() {
      const row = await selectOne(driver, SysTable.currentState, CurrentStateKey.totalTransactionCount)
      return row === undefined ? 0 : Number(row['value'])
    },
    async blockNonces(number) {
      return (await store.blockByNumber(number))?.block.transactions.map((t) => t.tx.nonce)
    },
    async commitBlock(factory, entry) {
      const { header } = entry.block
      if (header.number !== head.number + 1 || factory.number !== header.number) {
        throw ledgerError(
          { code: 'LEDGER_NOT_NEXT', expected: head.number + 1, got: header.number },
          `expected block ${head.number + 1}, got ${header.number}`,
        )
      }
      if (!Buffer.from(header.parentHash).equals(Buffer.from(head.hash))) {
        throw ledgerError(
          { code: 'LEDGER_NOT_NEXT', expected: head.number + 1, got: header.number },
          `block ${header.number} does not extend the head ${hexOf(head.hash).slice(0, 16)}`,
        )
      }
      failpoints?.hit('before-state-write')
      const failed = entry.receipts.filter((r) => r.status !== 0).length
      const total = await store.totalTransactionCount()
      const totalFailedRow = await selectOne(
        driver,
        SysTable.currentState,
        CurrentStateKey.totalFailedTransactionCount,
      )
      await stageBlock(factory, suite, entry, {
        totalTransactions: total + entry.block.transactions.length,
        totalFailed: Number(totalFailedRow?.['value'] ?? '0') + failed,
      })
      failpoints?.hit('after-state-write-before-index')
      await factory.commit()
      head = { number: header.number, hash: entry.hash, header }
      // The block as a read would decode it (senders already recovered): RPC clients and peers
      // read recent blocks, which would otherwise decode and recover every sender again.
      cacheDecoded(hexOf(entry.hash), {
        block: entry.block,
        hash: entry.hash,
        receipts: entry.receipts,
        view: entry.view,
      })
      logger.debug('block committed', { number: header.number, txs: entry.block.transactions.length })
    },
  }
  return store
}

async function stageBlock(
  factory: TableFactory,
  suite: CryptoSuite,
  entry: BlockToCommit,
  totals: { totalTransactions: number; totalFailed: number },
): Promise<void> {
  const number = entry.block.header.number
  const hashHex = hexOf(entry.hash)
  const encoded = encodeBlock(entry.block, suite.hash, { receipts: entry.receipts })
  const open = (name: string) => factory.openTableOrThrow(name)
  await (await open(SysTable.hash2Block)).set(hashHex, { value: hexOf(encoded) })
  await (await open(SysTable.hash2Header)).set(hashHex, {
    value: hexOf(encodeBlockHeader(entry.block.header)),
    sigs: JSON.stringify(entry.view === undefined ? {} : { view: entry.view }),
  })
  await (await open(SysTable.number2Hash)).set(String(number), { value: hashHex })
  const txTable = await open(SysTable.txHash2Block)
  for (const [index, tx] of entry.block.transactions.entries()) {
    await txTable.set(hexOf(tx.hash), { value: String(number), index: String(index) })
  }
  const current = await open(SysTable.currentState)
  await current.set(CurrentStateKey.currentNumber, { value: String(number) })
  await current.set(CurrentStateKey.totalTransactionCount, { value: String(totals.totalTransactions) })
  await current.set(CurrentStateKey.totalFailedTransactionCount, { value: String(totals.totalFailed) })
}

/** The genesis of a group: identical on every node of the group. */
export interface GenesisConfig {
  /** Sealer node IDs (64 bytes each); stored in `_sys_consensus_` with `enable_num` 0. */
  readonly sealerList: readonly NodeId[]
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number
  /** `_sys_config_` values (e.g. `tx_count_limit`), stored with `enable_num` 0. */
  readonly config?: Readonly<Record<string, string>>
  /** Header extra data (FISCO puts the group's genesis mark here). */
  readonly extraData?: readonly Bytes[]
}

/**
 * Writes block 0 (sealers and system config in the state, an empty header, the block tables)
 * when the database is empty, and returns the genesis hash. When a genesis is already there,
 * checks that it is this one and returns its hash (throws `LEDGER_CORRUPT` otherwise).
 */
export async function writeGenesis(amdb: AMDB, suite: CryptoSuite, genesis: GenesisConfig): Promise<Hash32> {
  if (genesis.sealerList.length === 0) throw ledgerInvalidInput('sealerList', 'at least one sealer', '0')
  for (const [i, id] of genesis.sealerList.entries()) {
    if (!(id instanceof Uint8Array) || id.length !== 64) {
      throw ledgerInvalidInput(`sealerList[${i}]`, '64-byte node ID', `${(id as Uint8Array)?.length} bytes`)
    }
  }
  const sealerList = sortNodeIds(genesis.sealerList)
  const factory = await amdb.openBlock(0).catch(() => undefined)
  if (factory === undefined) {
    const store = await openBlockStore({ amdb, suite })
    const stored = await store.blockByNumber(0)
    const expected = await genesisHeaderOf(undefined, suite, genesis, sealerList)
    if (
      stored === undefined ||
      !Buffer.from(stored.hash).equals(Buffer.from(blockHeaderHash(expected, suite.hash)))
    ) {
      throw ledgerError(
        { code: 'LEDGER_CORRUPT', table: SysTable.hash2Block, key: '0', reason: 'different genesis' },
        'the database holds a different genesis block',
      )
    }
    return stored.hash
  }
  const header = await genesisHeaderOf(factory, suite, genesis, sealerList)
  const hash = blockHeaderHash(header, suite.hash)
  await stageBlock(
    factory,
    suite,
    { block: { header, transactions: [], signatureList: [] }, hash, receipts: [] },
    {
      totalTransactions: 0,
      totalFailed: 0,
    },
  )
  await factory.commit()
  return hash
}

async function genesisHeaderOf(
  factory: TableFactory | undefined,
  suite: CryptoSuite,
  genesis: GenesisConfig,
  sealerList: readonly NodeId[],
): Promise<BlockHeader> {
  // The dbHash depends only on the rows written, so a throwaway change set recomputes it.
  const tables = factory ?? createTableFactory({ driver: createMemoryDriver(), hash: suite.hash, number: 0 })
  const consensus = await tables.openTableOrThrow(SysTable.consensus)
  for (const id of sealerList) {
    await consensus.insert(CONSENSUS_ROW_KEY, { type: 'sealer', node_id: hexOf(id), enable_num: '0' })
  }
  const config = await tables.openTableOrThrow(SysTable.config)
  for (const key of Object.keys(genesis.config ?? {}).sort()) {
    await config.insert(key, { value: genesis.config![key]!, enable_num: '0' })
  }
  await tables.settle()
  const dbHash = tables.hash()
  if (factory === undefined) tables.discard()
  return {
    parentHash: new Uint8Array(32),
    stateRoot: dbHash,
    transactionsRoot: merkleRoot(suite, []),
    receiptsRoot: merkleRoot(suite, []),
    dbHash,
    logsBloom: createBloom(),
    number: 0,
    gasLimit: 0n,
    gasUsed: 0n,
    timestamp: genesis.timestamp,
    extraData: genesis.extraData ?? [],
    sealer: 0,
    sealerList,
  }
}

/** Node IDs in ascending byte order, as FISCO sorts the sealer list. */
export function sortNodeIds(ids: readonly NodeId[]): NodeId[] {
  return [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

/** The consensus configuration in force at one height (block+1 activation of changes). */
export interface ChainConfig {
  /** Sealers in FISCO order (ascending node ID). */
  readonly sealerList: readonly NodeId[]
  /** `tx_count_limit` of `_sys_config_` (default 1000). */
  readonly txCountLimit: number
}

/** Default `tx_count_limit` (FISCO's genesis default). */
export const TX_COUNT_LIMIT_DEFAULT = 1000

/**
 * Reads the sealer list and `tx_count_limit` in force at `height` from committed rows:
 * entries whose `enable_num` is at most `height`. A change made in block h carries
 * `enable_num = h + 1`, so it applies from block h + 1 on.
 */
export async function readChainConfig(driver: StorageDriver, height: BlockNumber): Promise<ChainConfig> {
  const rows = await driver.selectRows(info(SysTable.consensus), CONSENSUS_ROW_KEY)
  const sealers: NodeId[] = []
  for (const row of rows) {
    const enable = Number(row.fields['enable_num'])
    if (row.fields['type'] !== 'sealer' || !(enable <= height)) continue
    sealers.push(bytesOf(row.fields['node_id'] ?? '', SysTable.consensus, CONSENSUS_ROW_KEY))
  }
  const limitRow = (await driver.selectRows(info(SysTable.config), 'tx_count_limit'))[0]?.fields
  const limit =
    limitRow !== undefined && Number(limitRow['enable_num']) <= height
      ? Number(limitRow['value'])
      : TX_COUNT_LIMIT_DEFAULT
  return {
    sealerList: sortNodeIds(sealers),
    txCountLimit: Number.isSafeInteger(limit) && limit > 0 ? limit : TX_COUNT_LIMIT_DEFAULT,
  }
}
