/**
 * Transaction pool admission throughput: signed FISCO transactions through `submitMany`
 * (decode, every admission check, signer recovery, insert), by crypto suite and by where the
 * signatures are recovered (the main thread, or a verify pool of 1 or 2 worker threads).
 *
 *   node --conditions=source --import tsx packages/group-ledger/bench/txpool-bench.ts [ecdsaTxs] [smTxs]
 *
 * Prints one table; each figure is the median of 3 runs on a fresh pool.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCryptoSuite, createVerifyPool, type VerifyPool } from '@consortia/crypto'
import type { Bytes, CryptoSuite, KvStore } from '@consortia/interface'
import { createLevelKvStore } from '@consortia/kv-level'
import { createTxPool, NonceWindow, SUBMIT_BATCH_MAX } from '../src/index.js'
import { makeSignedTxs } from './signed-txs.js'

const ECDSA_TXS = Number(process.argv[2] ?? 20_000)
const SM_TXS = Number(process.argv[3] ?? 4_000)
const BATCH = 1024
const IN_FLIGHT = 2
const RUNS = 3

/** A typical contract call: selector plus two 32-byte arguments. */
const makeTxs = (suite: CryptoSuite, count: number) =>
  makeSignedTxs(suite, count, { keys: 64, toFill: 0x11, dataBytes: 68, gasPrice: 300_000_000n })

/** Admits every tx, keeping IN_FLIGHT batches outstanding so workers and main thread overlap. */
async function admitAll(
  suite: CryptoSuite,
  raws: Bytes[],
  verifyPool: VerifyPool | undefined,
  journal: KvStore | undefined,
): Promise<number> {
  const chain = { currentNumber: () => 0, hasTransaction: async () => false }
  const pool = await createTxPool(
    { groupId: 1, txCountMax: raws.length, senderTxCountMax: raws.length },
    {
      suite,
      chain,
      nonceWindow: new NonceWindow(),
      ...(verifyPool ? { verifyPool } : {}),
      ...(journal ? { journal } : {}),
    },
  )
  const started = performance.now()
  let next = 0
  let accepted = 0
  const lane = async () => {
    while (next < raws.length) {
      const batch = raws.slice(next, next + Math.min(BATCH, SUBMIT_BATCH_MAX))
      next += batch.length
      for (const r of await pool.submitMany(batch)) if (r.ok) accepted++
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  const seconds = (performance.now() - started) / 1000
  await pool.close()
  if (accepted !== raws.length) throw new Error(`expected ${raws.length} accepted, got ${accepted}`)
  return raws.length / seconds
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

type Row = { suite: string; recovery: string; txs: number; perSecond: number }

async function scenario(
  rows: Row[],
  suiteName: 'ecdsa' | 'sm',
  suite: CryptoSuite,
  raws: Bytes[],
  workers: number,
  withLevel = false,
): Promise<void> {
  const verifyPool = workers === 0 ? undefined : createVerifyPool({ suite, workers })
  await verifyPool?.ready()
  const results: number[] = []
  for (let run = 0; run < RUNS; run++) {
    let dir: string | undefined
    let store: KvStore | undefined
    if (withLevel) {
      dir = await mkdtemp(join(tmpdir(), 'txpool-bench-'))
      store = await createLevelKvStore({ location: dir })
    }
    results.push(await admitAll(suite, raws, verifyPool, store))
    await store?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  }
  await verifyPool?.close()
  const recovery = workers === 0 ? 'main thread' : `verify pool, ${workers} worker${workers > 1 ? 's' : ''}`
  rows.push({
    suite: suiteName,
    recovery: withLevel ? `${recovery} + LevelDB journal (fsync/batch)` : recovery,
    txs: raws.length,
    perSecond: median(results),
  })
}

async function main(): Promise<void> {
  const ecdsa = createCryptoSuite('ecdsa')
  const sm = createCryptoSuite('sm')
  const backend = (ecdsa as { backend?: string }).backend
  const smBackend = (sm as { backend?: string }).backend
  const ecdsaTxs = makeTxs(ecdsa, ECDSA_TXS)
  const smTxs = makeTxs(sm, SM_TXS)
  const rows: Row[] = []
  await scenario(rows, 'ecdsa', ecdsa, ecdsaTxs, 0)
  await scenario(rows, 'ecdsa', ecdsa, ecdsaTxs, 1)
  await scenario(rows, 'ecdsa', ecdsa, ecdsaTxs, 2)
  await scenario(rows, 'ecdsa', ecdsa, ecdsaTxs, 2, true)
  await scenario(rows, 'sm', sm, smTxs, 0)
  await scenario(rows, 'sm', sm, smTxs, 1)
  await scenario(rows, 'sm', sm, smTxs, 2)

  const base = new Map<string, number>()
  for (const r of rows) if (r.recovery === 'main thread') base.set(r.suite, r.perSecond)
  const out = [
    `txpool admission — Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ` +
      `ECDSA backend ${backend}, SM2 verify backend ${smBackend}, batches of ${BATCH}, ${IN_FLIGHT} in flight, median of ${RUNS}`,
    '',
    '| suite | signer recovery | txs | admissions/s | vs main thread |',
    '|---|---|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.suite} | ${r.recovery} | ${r.txs} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${(r.perSecond / base.get(r.suite)!).toFixed(2)}× |`,
    ),
  ]
  process.stdout.write(`${out.join('\n')}\n`)
}

await main()
