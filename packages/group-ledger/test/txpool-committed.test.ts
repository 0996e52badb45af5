import { describe, expect, it } from 'vitest'
import { COMMITTED_HASHES_MAX_DEFAULT } from '../src/index.js'
import { ecdsa, hex, rawTx, signedTx } from './helpers.js'
import { setupPool } from './setup.js'

/** Each result as `status reason` (`0 ok`). */
function answersOf(
  results: readonly ({ ok: true; status: number } | { ok: false; status: number; reason: string })[],
) {
  return results.map((r) => `${r.status} ${r.ok ? 'ok' : r.reason}`)
}

describe('forwarded copies of recently committed transactions', () => {
  it('are refused ALREADY_IN_CHAIN from the remembered hashes, without a block-store read', async () => {
    const { pool, chain, suite } = await setupPool()
    // Committed in a block this pool never held (the proposal reached this node first).
    const stx = signedTx({ nonce: 5n }, 2)
    await pool.onBlockCommitted(chain.commit([stx]))
    const reads = chain.hasTransactionCalls
    const [late] = await pool.submitManyHashed([stx.raw], [stx.hash])
    expect(late).toMatchObject({ ok: false, reason: 'ALREADY_IN_CHAIN' })
    expect(!late!.ok && hex(late!.hash!)).toBe(hex(stx.hash))
    expect(chain.hasTransactionCalls).toBe(reads)
    expect(suite.calls).toBe(0)
    expect(pool.committedCopiesRefused).toBe(1)
    // A client's submit (no hash given) takes the full path to the same answer.
    const viaRpc = await pool.submit(stx.raw)
    expect(viaRpc).toMatchObject({ ok: false, reason: 'ALREADY_IN_CHAIN' })
    expect(chain.hasTransactionCalls).toBe(reads + 1)
    expect(pool.committedCopiesRefused).toBe(1)
  })

  it('give the answers of the full path: a copy twice in one batch is ALREADY_KNOWN the second time', async () => {
    const committed = signedTx({ nonce: 7n }, 1)
    const fresh = rawTx({ nonce: 8n }, 1)
    const answers: string[][] = []
    for (const early of [true, false]) {
      const { pool, chain } = await setupPool()
      await pool.onBlockCommitted(chain.commit([committed]))
      const raws = [committed.raw, committed.raw, fresh]
      const hashes = raws.map((r) => ecdsa.hash(r))
      answers.push(answersOf(early ? await pool.submitManyHashed(raws, hashes) : await pool.submitMany(raws)))
      expect(pool.committedCopiesRefused).toBe(early ? 1 : 0)
    }
    expect(answers[0]).toEqual(answers[1])
    expect(answers[0]!.map((a) => a.split(' ')[1])).toEqual(['ALREADY_IN_CHAIN', 'ALREADY_KNOWN', 'ok'])
  })

  it('forget the oldest hash at committedHashesMax: an older copy takes the full path again', async () => {
    expect(COMMITTED_HASHES_MAX_DEFAULT).toBeGreaterThanOrEqual(1000)
    const { pool, chain } = await setupPool({ committedHashesMax: 2 })
    const txs = [1n, 2n, 3n].map((nonce) => signedTx({ nonce }, 3))
    for (const t of txs) await pool.onBlockCommitted(chain.commit([t]))
    const reads = chain.hasTransactionCalls
    const results = await pool.submitManyHashed(
      txs.map((t) => t.raw),
      txs.map((t) => t.hash),
    )
    expect(results.map((r) => !r.ok && r.reason)).toEqual([
      'ALREADY_IN_CHAIN',
      'ALREADY_IN_CHAIN',
      'ALREADY_IN_CHAIN',
    ])
    // The first one was forgotten: only it was looked up in the block store.
    expect(pool.committedCopiesRefused).toBe(2)
    expect(chain.hasTransactionCalls).toBe(reads + 1)
  })

  it('checks committedHashesMax', async () => {
    await expect(setupPool({ committedHashesMax: 0 })).rejects.toThrow('committedHashesMax')
  })
})
