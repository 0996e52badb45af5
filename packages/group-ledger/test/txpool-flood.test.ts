import { describe, expect, it } from 'vitest'
import {
  MEMORY_BYTES_MAX_DEFAULT,
  SUBMIT_BATCH_MAX,
  TX_COUNT_MAX_DEFAULT,
  txEntryBytes,
} from '../src/index.js'
import { rawTx } from './helpers.js'
import { setupPool } from './setup.js'

const LIMIT = 100

async function submitAll(
  pool: { submitMany(r: Uint8Array[]): Promise<{ status: number }[]> },
  raws: Uint8Array[],
) {
  const statuses: number[] = []
  for (let i = 0; i < raws.length; i += SUBMIT_BATCH_MAX) {
    for (const r of await pool.submitMany(raws.slice(i, i + SUBMIT_BATCH_MAX))) statuses.push(r.status)
  }
  return statuses
}

function count(statuses: number[]) {
  const out: Record<number, number> = {}
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1
  return out
}

describe('attack catalogue A10: pool flooding', () => {
  it('uses FISCO v2.11 defaults: 102,400 transactions and 512 MB', () => {
    expect(TX_COUNT_MAX_DEFAULT).toBe(102_400)
    expect(MEMORY_BYTES_MAX_DEFAULT).toBe(512 * 1024 * 1024)
  })

  it('10× the pool limit from one sender: pool size ≤ limit, the rest TxPoolIsFull, no signature work for them', async () => {
    const { pool, suite, chain } = await setupPool({ txCountMax: LIMIT, senderTxCountMax: LIMIT })
    const raws = Array.from({ length: 10 * LIMIT }, (_, i) =>
      rawTx({ nonce: BigInt(i + 1), blockLimit: 1000n }, 1),
    )
    const statuses = await submitAll(pool, raws)
    expect(count(statuses)).toEqual({ 0: LIMIT, 28: 9 * LIMIT })
    expect(pool.size).toBe(LIMIT)
    expect(suite.calls).toBe(LIMIT)
    // Consensus keeps going: a block drains the pool and admission resumes.
    const block = pool.fetchForSealing({ txCountMax: LIMIT })
    expect(block).toHaveLength(LIMIT)
    await pool.onBlockCommitted(chain.commit(block))
    expect(pool.size).toBe(0)
    expect((await pool.submit(rawTx({ nonce: 100_000n }, 1))).status).toBe(0)
  })

  it('10× the pool limit from one sender with the per-sender limit below it: the sender is capped, others still get in', async () => {
    const { pool } = await setupPool({ txCountMax: LIMIT, senderTxCountMax: LIMIT / 10 })
    const flood = Array.from({ length: 10 * LIMIT }, (_, i) => rawTx({ nonce: BigInt(i + 1) }, 1))
    const statuses = await submitAll(pool, flood)
    expect(count(statuses)).toEqual({ 0: LIMIT / 10, 28: 10 * LIMIT - LIMIT / 10 })
    expect(pool.size).toBe(LIMIT / 10)
    expect((await pool.submit(rawTx({ nonce: 999_999n }, 2))).status).toBe(0)
  })

  it('10× the pool limit from many senders: pool size ≤ limit, memory ≤ its limit', async () => {
    const memoryBytesMax = 60 * txEntryBytes(rawTx({ nonce: 1n }).length) + 10
    const { pool } = await setupPool({ txCountMax: LIMIT, memoryBytesMax })
    const raws = Array.from({ length: 10 * LIMIT }, (_, i) => rawTx({ nonce: BigInt(i + 1) }, 1000 + i))
    const statuses = await submitAll(pool, raws)
    expect(count(statuses)).toEqual({ 0: 60, 10006: 10 * LIMIT - 60 })
    expect(pool.bytes).toBeLessThanOrEqual(memoryBytesMax)
    const byCount = await setupPool({ txCountMax: LIMIT })
    const statuses2 = await submitAll(byCount.pool, raws)
    expect(count(statuses2)).toEqual({ 0: LIMIT, 28: 9 * LIMIT })
    expect(byCount.pool.size).toBe(LIMIT)
  })

  it('far-future blockLimits are refused (16) and cost nothing', async () => {
    const { pool, suite } = await setupPool({ txCountMax: LIMIT })
    const raws = Array.from({ length: 2 * LIMIT }, (_, i) =>
      rawTx({ nonce: BigInt(i + 1), blockLimit: 1001n + BigInt(i) }),
    )
    expect(count(await submitAll(pool, raws))).toEqual({ 16: 2 * LIMIT })
    expect(suite.calls).toBe(0)
    expect(pool.size).toBe(0)
  })
})
