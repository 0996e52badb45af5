/**
 * What a backup sealer pays per transaction to admit it from a peer (tx sync) and to verify
 * the proposal that carries it, with the pre-session-6 calls against the current ones,
 * interleaved in one process (CPU µs per transaction, median of the rounds):
 *
 * - **admitted first** (the forwarded packet arrived before the proposal): tx sync hashes the
 *   raw bytes to skip known ones; before, `submitMany` hashed them again and the driver hashed
 *   each proposal transaction to look it up (`recovered(hash)`); now `submitManyHashed` takes
 *   tx sync's hashes and the driver looks up by the bytes (`recoveredRaw`).
 * - **proposal first** (the packet was still queued behind another's journal write): the
 *   driver recovers the sender (`createBlockTransaction`); before, the admission that followed
 *   recovered it again; now the driver hands it to `rememberRecovered` and the admission skips
 *   the recovery.
 * - **proposal first, session 7**: the driver's recovery cuts the signed payload and the
 *   signature out of the raw bytes (`createBlockTransaction` → `recoverSenderFromRaw`) instead of
 *   re-encoding them from the decoded fields (`recoverSender`, the "before" here).
 * - **committed first** (the block committed before the forwarded packet arrived: a third to a
 *   half of a backup's transactions at saturation): before, each late copy was decoded and looked
 *   up in the block store (`ALREADY_IN_CHAIN`); now the pool remembers the hashes of recent
 *   blocks (`committedHashesMax`) and refuses the copy from tx sync's hash. The bench's chain
 *   answers `hasTransaction` from memory, so it leaves out the LevelDB read a node saves too.
 *
 *   node --conditions=source --import tsx packages/group-ledger/bench/backup-path-bench.ts [txs=500] [rounds=9]
 */
import { createCryptoSuite } from '@consortia/crypto'
import type { Bytes, CryptoSuite, SignedTransaction } from '@consortia/interface'
import { createBlockTransaction, decodeBlockTransaction, recoverSender, txHash } from '@consortia/protocol'
import { createTxPool, NonceWindow, type TxPool } from '../src/index.js'
import { makeSignedTxs } from './signed-txs.js'

const TXS = Number(process.argv[2] ?? 500)
const ROUNDS = Number(process.argv[3] ?? 9)
/** Transactions per tx-sync packet (what a 100 ms forward tick carries at a few hundred tx/s). */
const PACKET = 50

/** DagTransfer-sized calls: selector, three words and two strings. */
const makeTxs = (suite: CryptoSuite, count: number) =>
  makeSignedTxs(suite, count, { keys: 16, toFill: 0x50, dataBytes: 196, gasPrice: 0n })

/** A pool over a chain that answers `hasTransaction` from the hashes of `commit`ted blocks. */
async function freshPool(suite: CryptoSuite, committedHashesMax?: number) {
  const onChain = new Set<string>()
  let height = 0
  const chain = {
    currentNumber: () => height,
    hasTransaction: async (hash: Bytes) => onChain.has(Buffer.from(hash).toString('hex')),
  }
  const nonceWindow = new NonceWindow()
  const pool = await createTxPool(
    {
      groupId: 1,
      txCountMax: TXS,
      senderTxCountMax: TXS,
      ...(committedHashesMax !== undefined ? { committedHashesMax } : {}),
    },
    { suite, chain, nonceWindow },
  )
  /** Commits `stxs` as the next block, as the driver does after storing it. */
  const commit = async (stxs: readonly SignedTransaction[]) => {
    height++
    for (const t of stxs) onChain.add(Buffer.from(t.hash).toString('hex'))
    await pool.onBlockCommitted({ header: { number: height }, transactions: stxs })
  }
  return { pool, commit }
}

type Path = (suite: CryptoSuite, raws: readonly Bytes[]) => Promise<void>

/** Tx sync's receive loop: hash each raw to skip known ones, then admit the packet. */
async function receive(
  pool: TxPool,
  raws: readonly Bytes[],
  suite: CryptoSuite,
  hashed: boolean,
  expect: 'accepted' | 'on chain' = 'accepted',
) {
  for (let i = 0; i < raws.length; i += PACKET) {
    const packet = raws.slice(i, i + PACKET)
    const hashes = packet.map((raw) => txHash(raw, suite.hash))
    const results = hashed ? await pool.submitManyHashed(packet, hashes) : await pool.submitMany(packet)
    const ok = results.every((r) => (expect === 'accepted' ? r.ok : !r.ok && r.reason === 'ALREADY_IN_CHAIN'))
    if (!ok) throw new Error(`bench: an admission was not ${expect}`)
  }
}

/** The driver's recovery before session 7: `recoverSender` re-encodes the signed payload. */
function createBlockTransactionBefore(raw: Bytes, suite: CryptoSuite): SignedTransaction {
  const decoded = decodeBlockTransaction(raw)
  if (decoded.kind !== 'fisco') throw new Error('bench: expected FISCO transactions')
  return { tx: decoded.tx, raw, hash: suite.hash(raw), sender: recoverSender(decoded.tx, suite) }
}

function verifyOld(pool: TxPool, raws: readonly Bytes[], suite: CryptoSuite) {
  return raws.map((raw) => {
    const known = pool.recovered(suite.hash(raw))
    return known !== undefined ? known : createBlockTransaction(raw, suite)
  })
}

function verifyNew(
  pool: TxPool,
  raws: readonly Bytes[],
  suite: CryptoSuite,
  create: (raw: Bytes, suite: CryptoSuite) => SignedTransaction = createBlockTransaction,
) {
  return raws.map((raw) => {
    const known = pool.recoveredRaw(raw)
    if (known !== undefined) return known
    const stx = create(raw, suite)
    pool.rememberRecovered(stx)
    return stx
  })
}

function paths(): Record<string, Path> {
  return {
    'admitted first, before': async (suite, raws) => {
      const { pool } = await freshPool(suite)
      await receive(pool, raws, suite, false)
      verifyOld(pool, raws, suite)
    },
    'admitted first, now': async (suite, raws) => {
      const { pool } = await freshPool(suite)
      await receive(pool, raws, suite, true)
      verifyNew(pool, raws, suite)
    },
    'proposal first, before': async (suite, raws) => {
      const { pool } = await freshPool(suite)
      verifyOld(pool, raws, suite)
      await receive(pool, raws, suite, false)
    },
    'proposal first, session 6': async (suite, raws) => {
      const { pool } = await freshPool(suite)
      verifyNew(pool, raws, suite, createBlockTransactionBefore)
      await receive(pool, raws, suite, true)
    },
    'proposal first, now': async (suite, raws) => {
      const { pool } = await freshPool(suite)
      verifyNew(pool, raws, suite)
      await receive(pool, raws, suite, true)
    },
    // The block commits before tx sync's packet arrives: verify, commit, then the late copies.
    'committed first, session 6': async (suite, raws) => {
      // Remembering one hash is all but none: every late copy takes the full path.
      const { pool, commit } = await freshPool(suite, 1)
      await commit(verifyNew(pool, raws, suite, createBlockTransactionBefore))
      await receive(pool, raws, suite, true, 'on chain')
    },
    'committed first, now': async (suite, raws) => {
      const { pool, commit } = await freshPool(suite)
      await commit(verifyNew(pool, raws, suite))
      await receive(pool, raws, suite, true, 'on chain')
    },
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

for (const name of ['ecdsa', 'sm'] as const) {
  const suite = createCryptoSuite(name)
  const raws = makeTxs(suite, TXS)
  const cases = paths()
  const samples = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]))
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const [label, run] of Object.entries(cases)) {
      const start = process.cpuUsage()
      await run(suite, raws)
      const d = process.cpuUsage(start)
      // Round 0 warms the JIT up and is not counted.
      if (round > 0) samples.get(label)!.push((d.user + d.system) / TXS)
    }
  }
  console.log(
    `\n${name}: ${TXS} transactions of ${raws[0]!.length} bytes, ${ROUNDS} rounds, CPU µs per transaction`,
  )
  console.log('| path | µs/tx | vs the first of its kind |')
  console.log('|---|---:|---:|')
  for (const kind of ['admitted first', 'proposal first', 'committed first']) {
    const labels = Object.keys(cases).filter((k) => k.startsWith(`${kind},`))
    const first = median(samples.get(labels[0]!)!)
    for (const label of labels) {
      const us = median(samples.get(label)!)
      console.log(
        `| ${label} | ${us.toFixed(1)} | ${label === labels[0] ? '' : `${((us / first) * 100).toFixed(0)} %`} |`,
      )
    }
  }
}
