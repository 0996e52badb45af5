import { createVerifyPool, type RecoverResult, type VerifyPool } from '@consortia/crypto'
import { decodeTransaction, encodeTransaction } from '@consortia/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AdmitResult } from '../src/index.js'
import { ecdsa, hex, rawTx, SECP256K1_N, sm } from './helpers.js'
import { setupPool } from './setup.js'

function highS(raw: Uint8Array): Uint8Array {
  const tx = decodeTransaction(raw)
  if (tx.signature.kind !== 'ecdsa') throw new Error('expected ECDSA')
  const { r, s, v } = tx.signature
  return encodeTransaction({
    ...tx,
    signature: { kind: 'ecdsa', r, s: SECP256K1_N - s, v: v === 27 ? 28 : 27 },
  })
}

const summary = (results: AdmitResult[]) =>
  results.map((r) => (r.ok ? `ok ${hex(r.sender).slice(0, 8)}` : `${r.status} ${r.reason}`))

describe('batch signer recovery on the worker pool', () => {
  let ecdsaWorkers: VerifyPool
  let smWorkers: VerifyPool
  beforeAll(async () => {
    ecdsaWorkers = createVerifyPool({ suite: ecdsa, workers: 1 })
    smWorkers = createVerifyPool({ suite: sm, workers: 1 })
    await Promise.all([ecdsaWorkers.ready(), smWorkers.ready()])
  }, 60_000)
  afterAll(async () => {
    await Promise.all([ecdsaWorkers.close(), smWorkers.close()])
  })

  it('ECDSA: gives the same per-transaction results as local recovery, in order', async () => {
    const batch = [
      ...Array.from({ length: 40 }, (_, i) => rawTx({ nonce: BigInt(i + 1) }, i % 7)),
      highS(rawTx({ nonce: 500n })),
      rawTx({ nonce: 501n }, 1, sm),
      rawTx({ nonce: 3n, data: Uint8Array.of(1) }), // duplicate nonce inside the batch
    ]
    const withWorkers = await setupPool({}, { verifyPool: ecdsaWorkers })
    const local = await setupPool()
    const a = await withWorkers.pool.submitMany(batch)
    const b = await local.pool.submitMany(batch)
    expect(summary(a)).toEqual(summary(b))
    expect(a.filter((r) => r.ok)).toHaveLength(40)
    expect(summary(a).slice(40)).toEqual(['10005 BAD_SIGNATURE', '10005 BAD_SIGNATURE', '15 NONCE_IN_POOL'])
    expect(withWorkers.suite.calls).toBe(0) // every recovery ran on the worker
  })

  it('SM2: verifies on the worker against the key carried in v', async () => {
    const { pool, suite } = await setupPool({}, { verifyPool: smWorkers }, sm)
    const good = rawTx({ nonce: 1n }, 2, sm)
    const tx = decodeTransaction(rawTx({ nonce: 2n }, 2, sm))
    if (tx.signature.kind !== 'sm2') throw new Error('expected SM2')
    // The signature of key 2 with the public key of key 3 in v: verification must fail.
    const other = decodeTransaction(rawTx({ nonce: 2n }, 3, sm))
    if (other.signature.kind !== 'sm2') throw new Error('expected SM2')
    const swapped = encodeTransaction({
      ...tx,
      signature: { ...tx.signature, publicKey: other.signature.publicKey },
    })
    const results = await pool.submitMany([good, swapped])
    expect(results.map((r) => r.status)).toEqual([0, 10005])
    expect(suite.calls).toBe(0)
  })

  it('falls back to local recovery when the verify pool is closed or a worker failed', async () => {
    const closed = createVerifyPool({ suite: 'ecdsa', workers: 1 })
    await closed.close()
    const a = await setupPool({}, { verifyPool: closed })
    expect(
      (await a.pool.submitMany([rawTx({ nonce: 1n }), highS(rawTx({ nonce: 2n }))])).map((r) => r.status),
    ).toEqual([0, 10005])
    expect(a.suite.calls).toBe(2)
    const crashed = {
      recover: async (items: readonly unknown[]): Promise<RecoverResult[]> =>
        items.map(() => ({ ok: false, code: 'WORKER_FAILED' })),
    }
    const b = await setupPool({}, { verifyPool: crashed })
    expect((await b.pool.submit(rawTx({ nonce: 1n }))).status).toBe(0)
    expect(b.suite.calls).toBe(1)
  })

  it('trusts a worker refusal (no second opinion that could differ)', async () => {
    const refusing = {
      recover: async (items: readonly unknown[]): Promise<RecoverResult[]> =>
        items.map(() => ({ ok: false, code: 'INVALID_SIGNATURE' })),
    }
    const { pool, suite } = await setupPool({}, { verifyPool: refusing })
    const r = await pool.submit(rawTx({ nonce: 1n }))
    expect(r).toMatchObject({
      ok: false,
      status: 10005,
      reason: 'BAD_SIGNATURE',
      message: 'invalid signature: INVALID_SIGNATURE',
    })
    expect(suite.calls).toBe(0)
  })
})
