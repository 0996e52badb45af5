import { createAMDB, createMemoryDriver, SysTable } from '@consortia/amdb'
import { isChainError } from '@consortia/interface'
import { blockHeaderHash, createSignedTransaction } from '@consortia/protocol'
import { describe, expect, it } from 'vitest'
import {
  buildBlockHeader,
  CONSENSUS_MESSAGE_BYTES_MAX,
  CONSENSUS_MESSAGE_DEPTH_MAX,
  CONSENSUS_ROW_KEY,
  createConsensusDriver,
  DECODED_BLOCK_CACHE_MAX,
  DRIVER_EVENT_QUEUE_MAX,
  decodeConsensusJSON,
  encodeConsensusJSON,
  isLedgerError,
  openBlockStore,
  readChainConfig,
  TX_COUNT_LIMIT_DEFAULT,
  writeGenesis,
} from '../src/index.js'
import {
  createCluster,
  dagWorkload,
  GENESIS_TIMESTAMP,
  hexOf,
  keyOf,
  memoryStorage,
  suite,
} from './ledger-helpers.js'

const sealers = [1, 2, 3].map((i) => suite.publicKey(keyOf(`store-${i}`)))

async function freshStore() {
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: suite.hash })
  const genesisHash = await writeGenesis(amdb, suite, { sealerList: sealers, timestamp: GENESIS_TIMESTAMP })
  const store = await openBlockStore({ amdb, suite })
  return { amdb, store, genesisHash }
}

/** Block 1: two userAdd transactions with hand-made receipts (the store does not execute) and a config change. */
async function blockOne(
  amdb: Awaited<ReturnType<typeof freshStore>>['amdb'],
  store: Awaited<ReturnType<typeof freshStore>>['store'],
) {
  const factory = await amdb.openBlock(1)
  const table = await factory.openTableOrThrow(SysTable.config)
  await table.insert('tx_count_limit', { value: '7', enable_num: '2' })
  await factory.settle()
  const transactions = dagWorkload(2, 0).map((raw) => createSignedTransaction(raw, suite))
  const receipts = transactions.map((_, i) => ({
    stateRoot: new Uint8Array(32),
    gasUsed: 21_000n,
    contractAddress: new Uint8Array(20),
    logsBloom: new Uint8Array(256),
    status: i === 1 ? 22 : 0,
    output: new Uint8Array(32),
    logs: [],
  }))
  const header = buildBlockHeader(suite, {
    parentHash: store.head.hash,
    number: 1,
    timestamp: GENESIS_TIMESTAMP + 1000,
    dbHash: factory.hash(),
    sealerList: store.head.header.sealerList,
    sealer: 0,
    transactions,
    receipts,
    gasUsed: 42_000n,
  })
  return { factory, header, hash: blockHeaderHash(header, suite.hash), transactions, receipts }
}

describe('block store', () => {
  it('writes genesis once, reopens it, and refuses a different genesis', async () => {
    const { amdb, store, genesisHash } = await freshStore()
    expect(store.head.number).toBe(0)
    expect(hexOf(store.head.hash)).toBe(hexOf(genesisHash))
    expect(await amdb.committedHeight()).toBe(0)
    // Sorted as FISCO sorts the sealer list.
    const sorted = [...sealers].map(hexOf).sort()
    expect(store.head.header.sealerList.map(hexOf)).toEqual(sorted)
    expect(
      hexOf(
        await writeGenesis(amdb, suite, { sealerList: [...sealers].reverse(), timestamp: GENESIS_TIMESTAMP }),
      ),
    ).toBe(hexOf(genesisHash))
    await expect(
      writeGenesis(amdb, suite, { sealerList: sealers, timestamp: GENESIS_TIMESTAMP + 1 }),
    ).rejects.toSatisfy((e: unknown) => isLedgerError(e, 'LEDGER_CORRUPT'))
    await expect(writeGenesis(amdb, suite, { sealerList: [], timestamp: 0 })).rejects.toThrow(
      'sealerList: expected at least one sealer, got 0',
    )
    await expect(
      writeGenesis(amdb, suite, { sealerList: [new Uint8Array(63)], timestamp: 0 }),
    ).rejects.toThrow('sealerList[0]: expected 64-byte node ID, got 63 bytes')
  })

  it('refuses to open a database without genesis', async () => {
    const amdb = createAMDB({ driver: createMemoryDriver(), hash: suite.hash })
    await expect(openBlockStore({ amdb, suite })).rejects.toSatisfy((e: unknown) =>
      isChainError(e, 'LEDGER_CORRUPT'),
    )
  })

  it('commits state, block, tx index, receipts and counters in one AMDB commit', async () => {
    const { amdb, store } = await freshStore()
    const b = await blockOne(amdb, store)
    const signatureList = [{ index: 0, signature: new Uint8Array(65).fill(1) }]
    await store.commitBlock(b.factory, {
      block: { header: b.header, transactions: b.transactions, signatureList },
      hash: b.hash,
      receipts: b.receipts,
      view: 3,
    })
    expect(await amdb.committedHeight()).toBe(1)
    expect(store.head.number).toBe(1)
    // A fresh store over the same database sees the same head: all of it is on disk.
    const reopened = await openBlockStore({ amdb, suite })
    expect(hexOf(reopened.head.hash)).toBe(hexOf(b.hash))
    const stored = await reopened.blockByNumber(1)
    expect(stored?.view).toBe(3)
    expect(stored?.block.signatureList.map((s) => hexOf(s.signature))).toEqual([
      hexOf(signatureList[0]!.signature),
    ])
    expect(hexOf((await reopened.headerByHash(b.hash))!.dbHash)).toBe(hexOf(b.header.dbHash))
    expect(await reopened.transactionLocation(b.transactions[1]!.hash)).toEqual({ number: 1, index: 1 })
    expect((await reopened.receipt(b.transactions[1]!.hash))?.status).toBe(22)
    expect(await reopened.hasTransaction(b.transactions[0]!.hash)).toBe(true)
    expect(await reopened.hasTransaction(new Uint8Array(32))).toBe(false)
    expect(await reopened.totalTransactionCount()).toBe(2)
    expect(await reopened.blockNonces(1)).toEqual(b.transactions.map((t) => t.tx.nonce))
    expect(await reopened.blockByNumber(2)).toBeUndefined()
    const failed = await amdb.driver.selectRows(
      { name: SysTable.currentState, keyField: 'key', valueFields: ['value'] },
      'total_failed_transaction_count',
    )
    expect(failed[0]?.fields['value']).toBe('1')
  })

  it('decodes a block once while it stays among the last DECODED_BLOCK_CACHE_MAX read', async () => {
    const { amdb, store } = await freshStore()
    const b = await blockOne(amdb, store)
    await store.commitBlock(b.factory, {
      block: { header: b.header, transactions: b.transactions, signatureList: [] },
      hash: b.hash,
      receipts: b.receipts,
    })
    // Empty blocks 2 … DECODED_BLOCK_CACHE_MAX + 1: enough to push block 1 out.
    for (let n = 2; n <= DECODED_BLOCK_CACHE_MAX + 1; n++) {
      const factory = await amdb.openBlock(n)
      await factory.settle()
      const header = buildBlockHeader(suite, {
        parentHash: store.head.hash,
        number: n,
        timestamp: GENESIS_TIMESTAMP + 1000 * n,
        dbHash: factory.hash(),
        sealerList: store.head.header.sealerList,
        sealer: 0,
        transactions: [],
        receipts: [],
        gasUsed: 0n,
      })
      await store.commitBlock(factory, {
        block: { header, transactions: [], signatureList: [] },
        hash: blockHeaderHash(header, suite.hash),
        receipts: [],
      })
    }
    // A store whose suite counts sender recoveries (each read of block 1 recovers its 2 senders).
    let recovered = 0
    const counting = {
      ...suite,
      recover: (h: Uint8Array, sig: Uint8Array) => {
        recovered++
        return suite.recover(h, sig)
      },
    }
    const reopened = await openBlockStore({ amdb, suite: counting })
    const first = await reopened.blockByNumber(1)
    expect(recovered).toBe(2)
    // Receipts, nonces and the block again: no decoding.
    expect((await reopened.receipt(b.transactions[1]!.hash))?.status).toBe(22)
    expect(await reopened.blockNonces(1)).toEqual(b.transactions.map((t) => t.tx.nonce))
    expect(await reopened.blockByNumber(1)).toBe(first)
    expect(recovered).toBe(2)
    // DECODED_BLOCK_CACHE_MAX other blocks later, block 1 was dropped and is decoded again.
    for (let n = 2; n <= DECODED_BLOCK_CACHE_MAX + 1; n++)
      expect(await reopened.blockByNumber(n)).toBeDefined()
    const again = await reopened.blockByNumber(1)
    expect(recovered).toBe(4)
    expect(again).not.toBe(first)
    expect(again?.block.transactions.map((t) => hexOf(t.sender))).toEqual(
      first?.block.transactions.map((t) => hexOf(t.sender)),
    )
  })

  it('keeps a committed block as committed: reading it back decodes and recovers nothing, and equals a decode', async () => {
    let recovered = 0
    const counting = {
      ...suite,
      recover: (h: Uint8Array, sig: Uint8Array) => {
        recovered++
        return suite.recover(h, sig)
      },
    }
    const amdb = createAMDB({ driver: createMemoryDriver(), hash: suite.hash })
    await writeGenesis(amdb, suite, { sealerList: sealers, timestamp: GENESIS_TIMESTAMP })
    const store = await openBlockStore({ amdb, suite: counting })
    const b = await blockOne(amdb, store)
    await store.commitBlock(b.factory, {
      block: { header: b.header, transactions: b.transactions, signatureList: [] },
      hash: b.hash,
      receipts: b.receipts,
      view: 4,
    })
    recovered = 0
    const cached = await store.blockByNumber(1)
    expect(await store.receipt(b.transactions[1]!.hash)).toBe(cached?.receipts[1])
    expect(recovered).toBe(0)
    // What a fresh read decodes from the tables is the same block.
    const decoded = await (await openBlockStore({ amdb, suite })).blockByNumber(1)
    expect(cached?.view).toBe(4)
    expect(decoded?.view).toBe(4)
    expect(hexOf(cached!.hash)).toBe(hexOf(decoded!.hash))
    expect(cached!.block.transactions.map((t) => [hexOf(t.hash), hexOf(t.sender), hexOf(t.raw)])).toEqual(
      decoded!.block.transactions.map((t) => [hexOf(t.hash), hexOf(t.sender), hexOf(t.raw)]),
    )
    expect(cached!.receipts).toEqual(decoded!.receipts)
  })

  it('refuses a block that does not follow the head, and a discarded change set leaves nothing', async () => {
    const { amdb, store } = await freshStore()
    const b = await blockOne(amdb, store)
    const wrongParent = { ...b.header, parentHash: new Uint8Array(32).fill(9) }
    await expect(
      store.commitBlock(b.factory, {
        block: { header: wrongParent, transactions: b.transactions, signatureList: [] },
        hash: b.hash,
        receipts: b.receipts,
      }),
    ).rejects.toSatisfy((e: unknown) => isLedgerError(e, 'LEDGER_NOT_NEXT'))
    b.factory.discard()
    expect(await amdb.committedHeight()).toBe(0)
    expect(await store.hashByNumber(1)).toBeUndefined()
    expect(await store.hasTransaction(b.transactions[0]!.hash)).toBe(false)
  })

  it('activates configuration changes at block + 1 (enable_num)', async () => {
    const { amdb, store } = await freshStore()
    expect((await readChainConfig(amdb.driver, 1)).txCountLimit).toBe(TX_COUNT_LIMIT_DEFAULT)
    const b = await blockOne(amdb, store)
    const consensus = await b.factory.openTableOrThrow(SysTable.consensus)
    const newcomer = suite.publicKey(keyOf('store-new'))
    await consensus.insert(CONSENSUS_ROW_KEY, { type: 'sealer', node_id: hexOf(newcomer), enable_num: '2' })
    await b.factory.settle()
    const header = { ...b.header, dbHash: b.factory.hash(), stateRoot: b.factory.hash() }
    await store.commitBlock(b.factory, {
      block: { header, transactions: b.transactions, signatureList: [] },
      hash: blockHeaderHash(header, suite.hash),
      receipts: b.receipts,
    })
    const atOne = await readChainConfig(amdb.driver, 1)
    const atTwo = await readChainConfig(amdb.driver, 2)
    expect(atOne.sealerList.length).toBe(3)
    expect(atOne.txCountLimit).toBe(TX_COUNT_LIMIT_DEFAULT)
    expect(atTwo.sealerList.length).toBe(4)
    expect(atTwo.sealerList.map(hexOf)).toEqual([...sealers, newcomer].map(hexOf).sort())
    expect(atTwo.txCountLimit).toBe(7)
  })
})

describe('consensus message codec', () => {
  it('round-trips bytes, bigints and nested values, leaving out undefined fields', () => {
    const value = {
      type: 'sign',
      height: 3,
      hash: new Uint8Array([1, 2, 255]),
      gas: 2n ** 70n,
      list: [{ a: undefined, b: 'x' }],
    }
    const bytes = encodeConsensusJSON(value)
    expect(Buffer.from(bytes).toString()).toContain('"$b":"0102ff"')
    expect(decodeConsensusJSON(bytes)).toEqual({
      type: 'sign',
      height: 3,
      hash: new Uint8Array([1, 2, 255]),
      gas: 2n ** 70n,
      list: [{ b: 'x' }],
    })
  })

  it('refuses malformed input with labelled errors', () => {
    const bad = (s: string) => () => decodeConsensusJSON(Buffer.from(s))
    expect(bad('{')).toThrow('message: expected JSON, got unparsable bytes')
    expect(bad('{"$b":"0g"}')).toThrow('message bytes: expected lower-case hex')
    expect(bad('{"$n":"1.5"}')).toThrow('message bigint: expected decimal digits')
    expect(() => decodeConsensusJSON(Buffer.from('[1]'), 2)).toThrow(
      'message: expected at most 2 bytes, got 3',
    )
    const deep = '['.repeat(CONSENSUS_MESSAGE_DEPTH_MAX + 2) + ']'.repeat(CONSENSUS_MESSAGE_DEPTH_MAX + 2)
    expect(bad(deep)).toThrow(`expected depth <= ${CONSENSUS_MESSAGE_DEPTH_MAX}`)
    expect(CONSENSUS_MESSAGE_BYTES_MAX).toBe(100 * 1024 * 1024)
  })
})

describe('consensus driver limits and input checks', () => {
  it('drops messages from non-sealers and beyond DRIVER_EVENT_QUEUE_MAX', async () => {
    const cluster = await createCluster([memoryStorage()], { clockDrivenNetwork: true })
    try {
      const node = cluster.nodes[0]!
      const intruder = cluster.network.createTransport(suite.publicKey(keyOf('intruder')))
      const payload = encodeConsensusJSON({ type: 'sync-request', height: 1 })
      for (let i = 0; i < DRIVER_EVENT_QUEUE_MAX + 100; i++) {
        intruder.send(node.id, { groupId: 1, moduleId: 8, packetType: 0, payload })
      }
      cluster.clock.advance(0)
      await node.driver.idle()
      const stats = node.driver.stats
      expect(stats.droppedQueueFull).toBeGreaterThan(0)
      expect(stats.droppedNonSealer + stats.droppedQueueFull).toBe(DRIVER_EVENT_QUEUE_MAX + 100)
    } finally {
      await cluster.close()
    }
  })

  it('refuses bad options', async () => {
    const cluster = await createCluster([memoryStorage()])
    try {
      const node = cluster.nodes[0]!
      const base = { groupId: 1, tickMs: 0 } as const
      await expect(
        createConsensusDriver({
          ...base,
          engine: () => {
            throw new Error('not reached')
          },
          executor: { execute: async () => ({ receipts: [], gasUsed: 0n, stateRoot: new Uint8Array(32) }) },
          amdb: node.amdb,
          store: node.store,
          pool: node.pool,
          nonceWindow: undefined as never,
          transport: node.transport,
          suite,
          privateKey: node.key,
          consensusStore: node.consensus,
          clock: cluster.clock,
        }),
      ).rejects.toThrow('tickMs: expected a positive integer, got 0')
    } finally {
      await cluster.close()
    }
  })

  it('a single sealer commits alone', async () => {
    const cluster = await createCluster([memoryStorage()])
    try {
      await cluster.submit(dagWorkload(3, 3))
      await cluster.runUntil(() => cluster.nodes[0]!.pool.size === 0, 200)
      expect(cluster.nodes[0]!.store.head.number).toBeGreaterThanOrEqual(1)
      expect(await cluster.nodes[0]!.store.totalTransactionCount()).toBe(6)
    } finally {
      await cluster.close()
    }
  })
})
