/**
 * `npm start`: four PBFT sealers in one process, each with its own AMDB on LevelDB and its
 * own executor, agree on blocks of signed FISCO BCOS 2.x transactions (DagTransfer
 * precompile calls), execute them, and commit them atomically. Every block is checked by
 * every sealer: transactions decoded and signatures recovered, the block re-executed, roots
 * and header hash recomputed, before the sealer votes.
 *
 * This composes the libraries directly. The networked reference node (`consortia
 * build-chain` / `start`, JSON-RPC, TLS between processes) is a separate deliverable.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  type AMDB,
  createAMDB,
  createLevelDBDriver,
  createStorageState,
  type TableFactory,
} from '@consortia/amdb'
import { createPBFTEngine, type PBFTEngine, type PBFTMessage } from '@consortia/consensus-pbft'
import { createCryptoSuite, merkleRoot } from '@consortia/crypto'
import type {
  BlockHeader,
  CommittedBlock,
  ConsensusMessage,
  CryptoSuite,
  ProposedBlock,
  Receipt,
  SignedTransaction,
} from '@consortia/interface'
import { createSerialExecutor, DAG_TRANSFER_TABLE, PrecompiledAddress } from '@consortia/parallel-executor'
import {
  blockHeaderHash,
  bloomMerge,
  createBloom,
  createSignedTransaction,
  encodeTransaction,
  receiptHash,
  signTransaction,
} from '@consortia/protocol'
import { encodeFunctionData, parseAbi } from 'viem'

const SEALERS = 4
const USERS = 100
const TRANSFERS = Number(process.env['DEMO_TRANSFERS'] ?? 1_500)
const BLOCK_TXS_MAX = 400
const CHAIN_ID = 1n
const GROUP_ID = 1n
const DATA_DIR = resolve(process.env['DEMO_DATA_DIR'] ?? '.consortia-demo')

const dagAbi = parseAbi([
  'function userAdd(string user, uint256 balance) returns (int256)',
  'function userTransfer(string from, string to, uint256 amount) returns (int256)',
])

/** What a proposal carries: the header the leader computed and the raw signed transactions. */
interface Payload {
  readonly header: BlockHeader
  readonly raws: readonly Uint8Array[]
}

/** A block a sealer has executed but not yet committed. */
interface Executed {
  readonly factory: TableFactory
  readonly header: BlockHeader
  readonly hash: Uint8Array
}

interface Sealer {
  readonly index: number
  readonly privateKey: Uint8Array
  readonly amdb: AMDB
  readonly engine: PBFTEngine<Payload>
  readonly executor: ReturnType<typeof createSerialExecutor>
  head: { number: number; hash: Uint8Array }
  executed: Executed | undefined
  committedTxs: number
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const short = (b: Uint8Array) => `${hex(b).slice(0, 10)}…`
const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b))

async function main(): Promise<void> {
  const started = performance.now()
  const suite = createCryptoSuite('ecdsa')
  rmSync(DATA_DIR, { recursive: true, force: true })
  mkdirSync(DATA_DIR, { recursive: true })
  log(`data directory ${DATA_DIR} (LevelDB, one database per sealer)`)

  const sealerKeys = Array.from({ length: SEALERS }, () => suite.randomPrivateKey())
  const sealerList = sealerKeys.map((k) => suite.publicKey(k))
  for (const [i, id] of sealerList.entries()) log(`sealer ${i}: node ID ${hex(id).slice(0, 18)}…`)

  const genesisTimestamp = Date.UTC(2026, 0, 1)
  const sealers: Sealer[] = []
  for (let i = 0; i < SEALERS; i++) {
    const amdb = createAMDB({
      driver: await createLevelDBDriver({ location: join(DATA_DIR, `sealer${i}`) }),
      hash: suite.hash,
    })
    // Genesis: an empty block 0, identical on every sealer.
    const genesis = await amdb.openBlock()
    const genesisHeader = makeHeader(suite, {
      parentHash: new Uint8Array(32),
      number: 0,
      timestamp: genesisTimestamp,
      dbHash: genesis.hash(),
      sealerList,
      sealer: 0,
    })
    await genesis.commit()
    const head = { number: 0, hash: blockHeaderHash(genesisHeader, suite.hash) }
    const engine = createPBFTEngine<Payload>(
      { sealerCount: SEALERS, selfIndex: i, head, viewTimeoutTicks: 50 },
      {
        sign: (digest) => suite.sign(digest, sealerKeys[i]!),
        verify: (index, digest, sig) => {
          const key = sealerList[index]
          return key !== undefined && suite.verify(digest, sig, key)
        },
        hash: (data) => suite.hash(data),
      },
    )
    const executor = createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite })
    sealers.push({
      index: i,
      privateKey: sealerKeys[i]!,
      amdb,
      engine,
      executor,
      head,
      executed: undefined,
      committedTxs: 0,
    })
  }
  log(
    `genesis ${short(sealers[0]!.head.hash)} on ${SEALERS} sealers (PBFT, quorum ${SEALERS - Math.floor((SEALERS - 1) / 3)})`,
  )

  // The client signs every transaction up front, as a load generator would.
  const client = suite.randomPrivateKey()
  const users = Array.from({ length: USERS }, (_, i) => `user${i}`)
  const mempool: Uint8Array[] = []
  const sign = (data: `0x${string}`, i: number) =>
    encodeTransaction(
      signTransaction(
        {
          format: 'rc2',
          nonce: BigInt(
            `0x${Buffer.from(suite.hash(new TextEncoder().encode(`demo-${i}`))).toString('hex')}`,
          ),
          gasPrice: 0n,
          gas: 3_000_000n,
          blockLimit: 500n,
          to: dagTransferAddress(),
          value: 0n,
          data: Buffer.from(data.slice(2), 'hex'),
          chainId: CHAIN_ID,
          groupId: GROUP_ID,
          extraData: new Uint8Array(),
        },
        client,
        suite,
      ),
    )
  let seq = 0
  for (const user of users)
    mempool.push(
      sign(encodeFunctionData({ abi: dagAbi, functionName: 'userAdd', args: [user, 1_000_000n] }), seq++),
    )
  for (let t = 0; t < TRANSFERS; t++) {
    const from = users[t % USERS]!
    const to = users[(t * 7 + 3) % USERS]!
    mempool.push(
      sign(
        encodeFunctionData({
          abi: dagAbi,
          functionName: 'userTransfer',
          args: [from, to, BigInt(1 + (t % 10))],
        }),
        seq++,
      ),
    )
  }
  const totalTxs = mempool.length
  log(
    `client signed ${totalTxs} transactions (${USERS} userAdd, ${TRANSFERS} userTransfer to DagTransfer 0x5002)`,
  )

  // Message delivery between the sealers: an in-process queue (a real node uses @consortia/p2p).
  const queue: { to: number; msg: ConsensusMessage<PBFTMessage<Payload>> }[] = []
  const committedAt: number[] = []

  const drain = async (s: Sealer) => {
    while (s.engine.hasReady()) {
      const rd = s.engine.ready()
      // 1. persist (a node writes rd.persist durably here), 2. send
      for (const m of rd.messages) {
        for (let to = 0; to < SEALERS; to++) {
          if (to !== s.index && (m.to === 'all' || m.to === to))
            queue.push({ to, msg: { from: s.index, body: m.body } })
        }
      }
      // 3. commit
      for (const c of rd.committed) await commit(s, c)
      s.engine.advance(rd)
      // 4. verify proposals by executing them, then vote
      for (const b of rd.verify) {
        const valid = await verify(s, b)
        s.engine.step({ from: s.index, body: { type: 'verdict', height: b.number, hash: b.hash, valid } })
      }
      // With nothing to seal, wait for the next tick instead of proposing an empty block at
      // once (an empty block only rotates the leader: FISCO's fast view change).
      if (rd.shouldPropose) {
        if (mempool.length > 0) await propose(s)
        else idleLeaders.add(s)
      }
    }
  }
  const idleLeaders = new Set<Sealer>()

  const execute = async (
    s: Sealer,
    number: number,
    timestamp: number,
    sealer: number,
    raws: readonly Uint8Array[],
  ) => {
    if (s.executed) {
      s.executed.factory.discard()
      s.executed = undefined
    }
    // Every sealer decodes and recovers senders itself; it never trusts the proposer.
    const txs: SignedTransaction[] = raws.map((raw) => createSignedTransaction(raw, suite))
    const factory = await s.amdb.openBlock(number)
    const state = createStorageState({ tables: factory, hash: suite.hash })
    const result = await s.executor.execute(
      {
        number,
        timestamp,
        gasLimit: 0n,
        parentHash: s.head.hash,
        sealer: suite.address(sealerList[sealer]!),
      },
      txs,
      state,
    )
    await factory.settle()
    const header = makeHeader(suite, {
      parentHash: s.head.hash,
      number,
      timestamp,
      dbHash: factory.hash(),
      sealerList,
      sealer,
      txHashes: txs.map((t) => t.hash),
      receipts: result.receipts,
      gasUsed: result.gasUsed,
    })
    const executed = { factory, header, hash: blockHeaderHash(header, suite.hash) }
    s.executed = executed
    return executed
  }

  const propose = async (s: Sealer) => {
    const raws = mempool.slice(0, BLOCK_TXS_MAX)
    const number = s.head.number + 1
    const executed = await execute(s, number, Date.now(), s.index, raws)
    const block: ProposedBlock<Payload> = {
      number,
      hash: executed.hash,
      parentHash: s.head.hash,
      txCount: raws.length,
      payload: { header: executed.header, raws },
    }
    s.engine.propose(block)
  }

  const verify = async (s: Sealer, b: ProposedBlock<Payload>): Promise<boolean> => {
    if (s.executed && equal(s.executed.hash, b.hash)) return true
    if (b.number !== s.head.number + 1 || !equal(b.parentHash, s.head.hash)) return false
    const h = b.payload.header
    try {
      const executed = await execute(s, b.number, h.timestamp, h.sealer, b.payload.raws)
      return equal(executed.hash, b.hash)
    } catch {
      return false
    }
  }

  const commit = async (s: Sealer, c: CommittedBlock<Payload>) => {
    const executed = s.executed
    if (!executed || !equal(executed.hash, c.block.hash)) {
      throw new Error(`sealer ${s.index} was asked to commit block ${c.block.number} it has not executed`)
    }
    await executed.factory.commit()
    s.executed = undefined
    s.head = { number: c.block.number, hash: c.block.hash }
    s.committedTxs += c.block.txCount
    committedAt[c.block.number] = (committedAt[c.block.number] ?? 0) + 1
    if (s.index === 0) {
      // The pool drops what the chain now holds (the leader always takes the oldest first).
      mempool.splice(0, c.block.txCount)
      const leader = c.block.payload.header.sealer
      log(
        `block #${c.block.number}: ${String(c.block.txCount).padStart(3)} txs, hash ${short(c.block.hash)}, ` +
          `sealed by ${leader}, ${c.certificate.length} commit signatures (view ${c.view ?? 0})`,
      )
    }
  }

  let ticks = 0
  const deadlineMs = 300_000
  while (sealers.some((s) => s.committedTxs < totalTxs)) {
    if (performance.now() - started > deadlineMs) throw new Error('demo did not finish within 5 minutes')
    for (const s of sealers) await drain(s)
    if (queue.length === 0) {
      // Time passes only when nobody has anything to do: a tick per round of idleness.
      for (const s of sealers) s.engine.tick()
      for (const s of idleLeaders) await propose(s)
      idleLeaders.clear()
      ticks++
      if (process.env['DEMO_DEBUG'] && ticks % 100 === 0) {
        log(
          `idle ${ticks}: ${sealers.map((x) => `${x.index}:h${x.head.number}/${x.committedTxs} ${JSON.stringify(x.engine.status())}`).join(' | ')}`,
        )
      }
      continue
    }
    while (queue.length > 0) {
      const next = queue.shift()!
      const s = sealers[next.to]!
      s.engine.step(next.msg)
      await drain(s)
    }
  }

  const elapsedS = (performance.now() - started) / 1000
  const heads = sealers.map((s) => hex(s.head.hash))
  const agree = heads.every((h) => h === heads[0])
  log(
    `all ${SEALERS} sealers at height ${sealers[0]!.head.number}, head ${short(sealers[0]!.head.hash)}: ${agree ? 'identical' : 'DIFFERENT'}`,
  )
  const balances = await readBalances(sealers[0]!.amdb, users)
  const total = balances.reduce((sum, [, b]) => sum + BigInt(b), 0n)
  const conserved = total === BigInt(USERS) * 1_000_000n
  log(
    `balances on sealer 0: ${balances
      .slice(0, 3)
      .map(([u, b]) => `${u}=${b}`)
      .join(', ')}, …`,
  )
  log(`sum of ${USERS} balances ${total}: ${conserved ? 'conserved' : 'NOT conserved'}`)
  log(
    `${totalTxs} transactions committed in ${elapsedS.toFixed(1)} s (${(totalTxs / elapsedS).toFixed(0)} tx/s, all four sealers in one process on this machine; ${ticks} idle ticks)`,
  )
  for (const s of sealers) await s.amdb.close()
  if (!agree || !conserved) process.exitCode = 1
}

function dagTransferAddress(): Uint8Array {
  const out = new Uint8Array(20)
  const n = PrecompiledAddress.DagTransfer
  out[18] = n >> 8
  out[19] = n & 0xff
  return out
}

async function readBalances(amdb: AMDB, users: readonly string[]): Promise<[string, string][]> {
  const view = await amdb.openBlock()
  try {
    const table = await view.openTableOrThrow(DAG_TRANSFER_TABLE)
    const out: [string, string][] = []
    for (const u of users) out.push([u, (await table.select(u))[0]?.['user_balance'] ?? '0'])
    return out
  } finally {
    view.discard()
  }
}

function makeHeader(
  suite: CryptoSuite,
  h: {
    parentHash: Uint8Array
    number: number
    timestamp: number
    dbHash: Uint8Array
    sealerList: readonly Uint8Array[]
    sealer: number
    txHashes?: readonly Uint8Array[]
    receipts?: readonly Receipt[]
    gasUsed?: bigint
  },
): BlockHeader {
  const receipts = h.receipts ?? []
  const bloom = createBloom()
  for (const r of receipts) bloomMerge(bloom, r.logsBloom)
  return {
    parentHash: h.parentHash,
    stateRoot: h.dbHash,
    transactionsRoot: merkleRoot(suite, h.txHashes ?? []),
    receiptsRoot: merkleRoot(
      suite,
      receipts.map((r) => receiptHash(r, suite.hash)),
    ),
    dbHash: h.dbHash,
    logsBloom: bloom,
    number: h.number,
    gasLimit: 0n,
    gasUsed: h.gasUsed ?? 0n,
    timestamp: h.timestamp,
    extraData: [],
    sealer: h.sealer,
    sealerList: h.sealerList,
  }
}

function log(message: string): void {
  const t = new Date().toISOString().slice(11, 23)
  console.log(`[${t}] ${message}`)
}

main().catch((err: unknown) => {
  console.error('demo failed:', err)
  process.exit(1)
})
