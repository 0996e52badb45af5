import { createAMDB, createMemoryDriver, createStorageState } from '@consortia/amdb'
import type { Bytes, LogContext, Logger, ProposedBlock, Ready } from '@consortia/interface'
import { createSerialExecutor } from '@consortia/parallel-executor'
import {
  blockHeaderHash,
  createSignedTransaction,
  decodeTransaction,
  encodeBlockHeader,
  encodeTransaction,
  signTransaction,
} from '@consortia/protocol'
import { createManualClock, createMemoryKvStore, createMemoryNetwork } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import {
  type BlockProposal,
  buildBlockHeader,
  createConsensusDriver,
  createTxPool,
  isLedgerError,
  loadNonceWindow,
  openBlockStore,
  writeGenesis,
} from '../src/index.js'
import { abiCall, dagTx, dagWorkload, GENESIS_TIMESTAMP, keyOf, suite } from './ledger-helpers.js'

const key = keyOf('verify-self')
const sealerList = [suite.publicKey(key)]
const genesis = { sealerList, timestamp: GENESIS_TIMESTAMP }

/** Executes `raws` on a scratch database with the same genesis: the header an honest leader would propose. */
async function honestProposal(
  raws: readonly Bytes[],
  timestamp = GENESIS_TIMESTAMP + 500,
): Promise<ProposedBlock<BlockProposal>> {
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: suite.hash })
  await writeGenesis(amdb, suite, genesis)
  const store = await openBlockStore({ amdb, suite })
  const txs = raws.map((r) => createSignedTransaction(r, suite))
  const factory = await amdb.openBlock(1)
  const result = await createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite }).execute(
    {
      number: 1,
      timestamp,
      gasLimit: 0n,
      parentHash: store.head.hash,
      sealer: suite.address(sealerList[0]!),
    },
    txs,
    createStorageState({ tables: factory, hash: suite.hash }),
  )
  await factory.settle()
  const header = buildBlockHeader(suite, {
    parentHash: store.head.hash,
    number: 1,
    timestamp,
    dbHash: factory.hash(),
    sealerList: store.head.header.sealerList,
    sealer: 0,
    transactions: txs,
    receipts: result.receipts,
    gasUsed: result.gasUsed,
  })
  factory.discard()
  return {
    number: 1,
    hash: blockHeaderHash(header, suite.hash),
    parentHash: store.head.hash,
    txCount: raws.length,
    payload: { header: encodeBlockHeader(header), transactions: raws },
  }
}

/** A driver over a scripted engine: each case hands it one block to verify and reads the verdict. */
async function scriptedDriver() {
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: suite.hash })
  await writeGenesis(amdb, suite, genesis)
  const store = await openBlockStore({ amdb, suite })
  const clock = createManualClock(GENESIS_TIMESTAMP)
  const nonceWindow = await loadNonceWindow(store, 0)
  const pool = await createTxPool(
    { groupId: 1 },
    {
      suite,
      nonceWindow,
      clock,
      chain: { currentNumber: () => store.head.number, hasTransaction: (h) => store.hasTransaction(h) },
    },
  )
  let pending: Ready<{ hash: string; valid: boolean }, BlockProposal, unknown> | undefined
  const verdicts: { hash: string; valid: boolean }[] = []
  const reasons: string[] = []
  const logger: Logger = {
    trace() {},
    debug() {},
    info(message: string, context?: LogContext) {
      if (message === 'proposal rejected') reasons.push(String(context?.['reason']))
    },
    warn() {},
    error() {},
    child: () => logger,
  }
  const driver = await createConsensusDriver<{ hash: string; valid: boolean }, unknown>({
    groupId: 1,
    engine: () => ({
      engine: {
        tick() {},
        step: (msg) => verdicts.push(msg.body),
        propose() {},
        hasReady: () => pending !== undefined,
        ready: () => pending!,
        advance: () => {
          pending = undefined
        },
      },
      proposeEmptyBlocks: false,
      verdict: (b, valid) => ({ hash: Buffer.from(b.hash).toString('hex'), valid }),
      setSealers() {},
    }),
    executor: createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite }),
    amdb,
    store,
    pool,
    nonceWindow,
    transport: createMemoryNetwork().createTransport(sealerList[0]!),
    suite,
    privateKey: key,
    consensusStore: createMemoryKvStore(),
    clock,
    logger,
  })
  const judge = async (block: ProposedBlock<BlockProposal>) => {
    pending = { messages: [], persist: undefined, committed: [], verify: [block], shouldPropose: false }
    clock.advance(100)
    await driver.idle()
    return { verdict: verdicts.at(-1)!, reason: reasons.at(-1) }
  }
  const decide = async (block: ProposedBlock<BlockProposal>) => {
    pending = {
      messages: [],
      persist: undefined,
      committed: [{ block, certificate: [] }],
      verify: [],
      shouldPropose: false,
    }
    clock.advance(100)
    await driver.idle()
  }
  return { judge, decide, driver, store }
}

describe('proposal checks (every sealer re-checks and re-executes)', () => {
  it('accepts an honest block and refuses each kind of bad one with its reason', async () => {
    const { judge, driver } = await scriptedDriver()
    const raws = dagWorkload(3, 2)
    const honest = await honestProposal(raws)
    expect((await judge(honest)).verdict.valid).toBe(true)
    expect(driver.stats.verified).toBe(1)

    const check = async (block: ProposedBlock<BlockProposal>, reason: string) => {
      const result = await judge(block)
      expect(result.verdict.valid).toBe(false)
      expect(result.reason).toContain(reason)
    }
    // A header whose hash is not the proposed hash.
    await check({ ...honest, hash: new Uint8Array(32).fill(1) }, 'header hash')
    // Fewer transactions than announced.
    await check({ ...honest, txCount: raws.length + 1 }, 'transaction count')
    // Not a proposal at all.
    await check(
      { ...honest, payload: { header: 'x', transactions: [] } as unknown as BlockProposal },
      'malformed payload',
    )
    // Not on the head.
    await check({ ...honest, number: 2 }, 'not on the head')
    // A transaction twice in one block.
    await check(await honestProposal([raws[0]!, raws[0]!]), 'nonce already used')
    // blockLimit past the window (head + 1000).
    await check(
      await honestProposal([dagTx(900, abiCall('userAdd(string,uint256)', ['z', 1n]), 1001n)]),
      'blockLimit',
    )
    // A transaction of another group.
    const other = decodeTransaction(dagTx(901, abiCall('userAdd(string,uint256)', ['y', 1n])))
    const { signature: _s, ...unsigned } = other
    const foreign = encodeTransaction(signTransaction({ ...unsigned, groupId: 2n }, keyOf('client'), suite))
    await check(await honestProposal([foreign]), 'wrong chain or group')
    // A timestamp before the parent's.
    await check(await honestProposal(raws, GENESIS_TIMESTAMP - 1), 'timestamp before parent')
    expect(driver.stats.rejected).toBe(8)
    await driver.close()
  })

  it('commits a decided block it can verify, and stops with LEDGER_COMMIT_FAILED on one it cannot', async () => {
    const { decide, driver, store } = await scriptedDriver()
    const raws = dagWorkload(2, 1)
    const honest = await honestProposal(raws)
    await decide(honest)
    expect(store.head.number).toBe(1)
    expect(Buffer.from(store.head.hash).equals(Buffer.from(honest.hash))).toBe(true)
    expect(await store.totalTransactionCount()).toBe(3)
    // A decided block that does not follow the new head cannot be committed: the loop stops.
    await decide(honest)
    expect(isLedgerError(driver.failure, 'LEDGER_COMMIT_FAILED')).toBe(true)
    expect(store.head.number).toBe(1)
    await driver.close()
  })
})
