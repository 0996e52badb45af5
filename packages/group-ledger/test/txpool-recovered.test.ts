import type { KvStore } from '@consortia/interface'
import { createBlockTransaction } from '@consortia/protocol'
import { createMemoryKvStore } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import { isTxPoolError, RECOVERED_TXS_MAX_DEFAULT } from '../src/index.js'
import { addressOf, ecdsa, hex, rawTx, sm } from './helpers.js'
import { setupPool } from './setup.js'

/** The ECDSA suite, recording every input it hashes. */
function hashCounting() {
  const hashed: Uint8Array[] = []
  const suite = {
    ...ecdsa,
    hash: (d: Uint8Array) => {
      hashed.push(d)
      return ecdsa.hash(d)
    },
  }
  return { suite, hashed }
}

describe('recovered transactions shared by admission and verification', () => {
  it('an admission takes the sender a verifier recovered before, without recovering', async () => {
    const { pool, suite } = await setupPool()
    const raw = rawTx({ nonce: 1n }, 3)
    // What the verifying driver does with a proposal transaction its pool does not hold.
    const stx = createBlockTransaction(raw, ecdsa)
    pool.rememberRecovered(stx)
    expect(pool.recovered(stx.hash)).toBe(stx)
    const result = await pool.submit(raw)
    expect(result.ok && hex(result.sender)).toBe(hex(addressOf(3)))
    expect(suite.calls).toBe(0)
    expect(pool.recoveriesSkipped).toBe(1)
    expect(hex(pool.get(stx.hash)!.sender)).toBe(hex(addressOf(3)))
  })

  it('SM: the same, and the reused sender is the one of the key in v', async () => {
    const { pool, suite } = await setupPool({}, {}, sm)
    const raw = rawTx({ nonce: 1n }, 2, sm)
    pool.rememberRecovered(createBlockTransaction(raw, sm))
    const result = await pool.submit(raw)
    expect(result.ok && hex(result.sender)).toBe(hex(addressOf(2, sm)))
    expect(suite.calls).toBe(0)
  })

  it('a verifier finds what admissions recovered: accepted, still journaling, or refused after recovery', async () => {
    let release: (() => void) | undefined
    const gate = new Promise<void>((r) => {
      release = r
    })
    // A journal store whose batch writes wait for the gate: the admission is in flight.
    const memory = createMemoryKvStore()
    const journal: KvStore = Object.assign(Object.create(memory) as KvStore, {
      batch: async (...args: Parameters<KvStore['batch']>) => {
        await gate
        return memory.batch(...args)
      },
    })
    const { pool } = await setupPool({}, { journal })
    const accepted = rawTx({ nonce: 1n }, 1)
    const clash = rawTx({ nonce: 1n, data: Uint8Array.of(7) }, 2) // same nonce: refused after recovery
    const admitted = pool.submitMany([accepted, clash])
    let settled = false
    void admitted.then(() => {
      settled = true
    })
    await new Promise((r) => setTimeout(r, 20))
    expect(settled).toBe(false) // still waiting for its journal write
    const a = createBlockTransaction(accepted, ecdsa)
    const b = createBlockTransaction(clash, ecdsa)
    expect(hex(pool.recovered(a.hash)!.sender)).toBe(hex(a.sender))
    expect(hex(pool.recovered(b.hash)!.sender)).toBe(hex(b.sender))
    release!()
    expect((await admitted).map((r) => r.status)).toEqual([0, 15])
    expect(hex(pool.recovered(b.hash)!.raw)).toBe(hex(clash))
  })

  it('forgets the oldest beyond recoveredTxsMax, and committed ones', async () => {
    expect(RECOVERED_TXS_MAX_DEFAULT).toBe(8_192)
    const { pool, suite, chain } = await setupPool({ recoveredTxsMax: 2 })
    const raws = [1n, 2n, 3n].map((nonce) => rawTx({ nonce }, Number(nonce)))
    const stxs = raws.map((raw) => createBlockTransaction(raw, ecdsa))
    for (const stx of stxs) pool.rememberRecovered(stx)
    expect(pool.recovered(stxs[0]!.hash)).toBeUndefined() // the limit was hit: the oldest went
    expect(pool.recovered(stxs[1]!.hash)).toBe(stxs[1])
    expect(pool.recovered(stxs[2]!.hash)).toBe(stxs[2])
    await pool.submitMany(raws)
    expect(suite.calls).toBe(1) // only the forgotten one was recovered
    expect(pool.recoveriesSkipped).toBe(2)
    // Committed: out of the pool and out of the recovered set.
    await pool.onBlockCommitted(chain.commit(stxs))
    for (const stx of stxs) expect(pool.recovered(stx.hash)).toBeUndefined()
  })

  it('never takes a sender remembered for other bytes under the same hash', async () => {
    const { pool, suite } = await setupPool()
    const raw = rawTx({ nonce: 1n }, 1)
    const other = createBlockTransaction(rawTx({ nonce: 2n }, 4), ecdsa)
    pool.rememberRecovered({ ...other, hash: ecdsa.hash(raw) })
    const result = await pool.submit(raw)
    expect(result.ok && hex(result.sender)).toBe(hex(addressOf(1)))
    expect(suite.calls).toBe(1)
    expect(pool.recoveriesSkipped).toBe(0)
  })

  it('checks what it is given', async () => {
    const { pool } = await setupPool()
    const stx = createBlockTransaction(rawTx({ nonce: 1n }), ecdsa)
    const bad = [
      [null, 'expected a SignedTransaction'],
      [{ ...stx, sender: new Uint8Array(19) }, 'expected 20-byte address'],
      [{ ...stx, hash: new Uint8Array(31) }, 'expected 32-byte hash'],
    ] as const
    for (const [input, message] of bad) {
      try {
        pool.rememberRecovered(input as never)
        expect.unreachable()
      } catch (err) {
        expect(isTxPoolError(err) && err.type.code).toBe('TXPOOL_INVALID_INPUT')
        expect((err as Error).message).toContain(message)
      }
    }
    expect(() => pool.recovered(new Uint8Array(31))).toThrow('expected 32-byte hash')
  })

  it('recoveredRaw finds a known transaction by its bytes without hashing them', async () => {
    const { suite, hashed } = hashCounting()
    const { pool } = await setupPool({}, { suite })
    const raw = rawTx({ nonce: 1n }, 2)
    await pool.submit(raw)
    hashed.length = 0
    const copy = Uint8Array.from(raw)
    expect(hex(pool.recoveredRaw(copy)!.sender)).toBe(hex(addressOf(2)))
    expect(hashed).toHaveLength(0)
    // Same tail, other bytes: the index points at the pooled one, the full comparison refuses
    // it, and the bytes are hashed and looked up (unknown).
    const twin = Uint8Array.from(raw)
    twin[10] = twin[10]! ^ 1
    expect(pool.recoveredRaw(twin)).toBeUndefined()
    expect(hashed).toEqual([twin])
    // Beyond recoveredTxsMax the index forgets, and the pooled transaction is found by its hash.
    const small = await setupPool({ recoveredTxsMax: 1 }, { suite })
    await small.pool.submitMany([rawTx({ nonce: 1n }, 1), rawTx({ nonce: 2n }, 1)])
    hashed.length = 0
    const first = rawTx({ nonce: 1n }, 1)
    expect(small.pool.recoveredRaw(first)?.tx.nonce).toBe(1n)
    expect(hashed).toEqual([first])
    expect(() => pool.recoveredRaw('0x00' as never)).toThrow('expected raw transaction bytes')
  })

  it('submitManyHashed takes the hashes tx sync computed instead of hashing the bytes again', async () => {
    const { suite, hashed } = hashCounting()
    const { pool } = await setupPool({}, { suite })
    const raw = rawTx({ nonce: 1n }, 2)
    const hash = ecdsa.hash(raw)
    const [result] = await pool.submitManyHashed([raw], [hash])
    expect(result!.ok && hex(result!.hash)).toBe(hex(hash))
    expect(hashed.some((d) => d === raw)).toBe(false)
    expect(pool.has(hash)).toBe(true)
    // Checked at the boundary: one 32-byte hash per transaction.
    const other = rawTx({ nonce: 2n }, 2)
    await expect(pool.submitManyHashed([other], [])).rejects.toThrow(
      'hashes: expected one hash per transaction (1)',
    )
    await expect(pool.submitManyHashed([other], [new Uint8Array(31)])).rejects.toThrow(
      'hashes[0]: expected 32-byte hash',
    )
    // submitMany ignores a hash carried with the input (attack catalogue A7).
    const [plain] = await pool.submitMany([{ raw: other, hash: new Uint8Array(32) } as never])
    expect(plain!.ok && hex(plain!.hash)).toBe(hex(ecdsa.hash(other)))
  })
})
