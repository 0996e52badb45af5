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
 *
 *   node --conditions=source --import tsx packages/group-ledger/bench/backup-path-bench.ts [txs=500] [rounds=9]
 */
import { createCryptoSuite } from '@consortia/crypto'
import type { Bytes, CryptoSuite } from '@consortia/interface'
import { createBlockTransaction, txHash } from '@consortia/protocol'
import { createTxPool, NonceWindow, type TxPool } from '../src/index.js'
import { makeSignedTxs } from './signed-txs.js'

const TXS = Number(process.argv[2] ?? 500)
const ROUNDS = Number(process.argv[3] ?? 9)
/** Transactions per tx-sync packet (what a 100 ms forward tick carries at a few hundred tx/s). */
const PACKET = 50

/** DagTransfer-sized calls: selector, three words and two strings. */
const makeTxs = (suite: CryptoSuite, count: number) =>
  makeSignedTxs(suite, count, { keys: 16, toFill: 0x50, dataBytes: 196, gasPrice: 0n })

async function freshPool(suite: CryptoSuite): Promise<TxPool> {
  const chain = { currentNumber: () => 0, hasTransaction: async () => false }
  return createTxPool(
    { groupId: 1, txCountMax: TXS, senderTxCountMax: TXS },
    { suite, chain, nonceWindow: new NonceWindow() },
  )
}

type Path = (pool: TxPool, raws: readonly Bytes[]) => Promise<void>

/** Tx sync's receive loop: hash each raw to skip known ones, then admit the packet. */
async function receive(pool: TxPool, raws: readonly Bytes[], suite: CryptoSuite, hashed: boolean) {
  for (let i = 0; i < raws.length; i += PACKET) {
    const packet = raws.slice(i, i + PACKET)
    const hashes = packet.map((raw) => txHash(raw, suite.hash))
    const results = hashed ? await pool.submitManyHashed(packet, hashes) : await pool.submitMany(packet)
    if (!results.every((r) => r.ok)) throw new Error('bench: admission refused a transaction')
  }
}

function verifyOld(pool: TxPool, raws: readonly Bytes[], suite: CryptoSuite) {
  return raws.map((raw) => {
    const known = pool.recovered(suite.hash(raw))
    return known !== undefined ? known : createBlockTransaction(raw, suite)
  })
}

function verifyNew(pool: TxPool, raws: readonly Bytes[], suite: CryptoSuite) {
  return raws.map((raw) => {
    const known = pool.recoveredRaw(raw)
    if (known !== undefined) return known
    const stx = createBlockTransaction(raw, suite)
    pool.rememberRecovered(stx)
    return stx
  })
}

function paths(suite: CryptoSuite): Record<string, Path> {
  return {
    'admitted first, before': async (pool, raws) => {
      await receive(pool, raws, suite, false)
      verifyOld(pool, raws, suite)
    },
    'admitted first, now': async (pool, raws) => {
      await receive(pool, raws, suite, true)
      verifyNew(pool, raws, suite)
    },
    'proposal first, before': async (pool, raws) => {
      verifyOld(pool, raws, suite)
      await receive(pool, raws, suite, false)
    },
    'proposal first, now': async (pool, raws) => {
      verifyNew(pool, raws, suite)
      await receive(pool, raws, suite, true)
    },
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

for (const name of ['ecdsa', 'sm'] as const) {
  const suite = createCryptoSuite(name)
  const raws = makeTxs(suite, TXS)
  const cases = paths(suite)
  const samples = new Map<string, number[]>(Object.keys(cases).map((k) => [k, []]))
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const [label, run] of Object.entries(cases)) {
      const pool = await freshPool(suite)
      const start = process.cpuUsage()
      await run(pool, raws)
      const d = process.cpuUsage(start)
      await pool.close()
      // Round 0 warms the JIT up and is not counted.
      if (round > 0) samples.get(label)!.push((d.user + d.system) / TXS)
    }
  }
  console.log(
    `\n${name}: ${TXS} transactions of ${raws[0]!.length} bytes, ${ROUNDS} rounds, CPU µs per transaction`,
  )
  console.log('| path | µs/tx | vs before |')
  console.log('|---|---:|---:|')
  for (const kind of ['admitted first', 'proposal first']) {
    const before = median(samples.get(`${kind}, before`)!)
    const now = median(samples.get(`${kind}, now`)!)
    console.log(`| ${kind}, before | ${before.toFixed(1)} | |`)
    console.log(`| ${kind}, now | ${now.toFixed(1)} | ${((now / before) * 100).toFixed(0)} % |`)
  }
}
