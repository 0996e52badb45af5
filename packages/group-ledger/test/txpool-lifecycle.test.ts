import { TxStatus } from '@consortia/interface'
import { createManualClock } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import {
  EXPIRATION_MS_DEFAULT,
  EXPIRATION_MS_MAX,
  LISTENERS_MAX,
  type TxPoolEvent,
  txEntryBytes,
} from '../src/index.js'
import { ecdsa, hex, rawTx, signedTx } from './helpers.js'
import { setupPool } from './setup.js'

function eventsOf(pool: { subscribe(l: (e: TxPoolEvent) => void): () => void }) {
  const events: string[] = []
  pool.subscribe((e) => {
    const id = `${hex(e.hash).slice(0, 6)}`
    if (e.type === 'accepted') events.push(`accepted ${id}`)
    else if (e.type === 'committed') events.push(`committed ${id} #${e.blockNumber}.${e.index}`)
    else events.push(`dropped ${id} ${e.reason} ${e.status}`)
  })
  return events
}

const hashOf = (raw: Uint8Array) => ecdsa.hash(raw)
const short = (raw: Uint8Array) => hex(hashOf(raw)).slice(0, 6)

describe('sealing', () => {
  it('fetches in arrival order, skips sealed ones, and respects count, byte and gas limits', async () => {
    const { pool } = await setupPool()
    const raws = [5n, 1n, 9n, 3n].map((nonce) => rawTx({ nonce }))
    await pool.submitMany(raws)
    expect(pool.fetchForSealing({ txCountMax: 2 }).map((t) => t.tx.nonce)).toEqual([5n, 1n])
    expect(pool.fetchForSealing({ txCountMax: 10 }).map((t) => t.tx.nonce)).toEqual([9n, 3n])
    expect(pool.fetchForSealing({ txCountMax: 10 })).toEqual([])
    expect(pool.outcome(hashOf(raws[0]!))).toEqual({ state: 'pending', sealed: true })
    expect(pool.unmarkSealed([hashOf(raws[1]!), new Uint8Array(32)])).toBe(1)
    expect(pool.fetchForSealing({ txCountMax: 10, mark: false }).map((t) => t.tx.nonce)).toEqual([1n])
    pool.unmarkSealed(raws.map(hashOf))
    const oneBytes = raws[0]!.length
    expect(pool.fetchForSealing({ txCountMax: 10, bytesMax: 2 * oneBytes + 1, mark: false })).toHaveLength(2)
    expect(pool.fetchForSealing({ txCountMax: 10, gasMax: 3n * 3_000_000n, mark: false })).toHaveLength(3)
    expect(pool.markSealed([hashOf(raws[2]!)])).toBe(1)
    expect(pool.fetchForSealing({ txCountMax: 10 }).map((t) => t.tx.nonce)).toEqual([5n, 1n, 3n])
  })

  it('labels bad sealing limits', async () => {
    const { pool } = await setupPool()
    expect(() => pool.fetchForSealing({ txCountMax: 0 })).toThrow(
      'limits.txCountMax: expected an integer in [1,',
    )
    expect(() => pool.fetchForSealing({ txCountMax: 1, gasMax: -1n })).toThrow('limits.gasMax')
  })

  it('drops, instead of sealing, a transaction whose blockLimit has passed', async () => {
    const { pool, chain } = await setupPool()
    const events = eventsOf(pool)
    const raw = rawTx({ nonce: 1n, blockLimit: 2n })
    await pool.submit(raw)
    chain.height = 2 // the chain moved on and the pool has not heard yet
    expect(pool.fetchForSealing({ txCountMax: 10 })).toEqual([])
    expect(pool.size).toBe(0)
    expect(events).toEqual([`accepted ${short(raw)}`, `dropped ${short(raw)} BLOCK_LIMIT_PASSED 16`])
  })
})

describe('onBlockCommitted', () => {
  it('removes included transactions and reports them committed, with block number and index', async () => {
    const { pool, chain, nonceWindow } = await setupPool()
    const events = eventsOf(pool)
    const raws = [1n, 2n, 3n].map((nonce) => rawTx({ nonce }))
    await pool.submitMany(raws)
    const sealed = pool.fetchForSealing({ txCountMax: 2 })
    const summary = await pool.onBlockCommitted(chain.commit(sealed))
    expect(summary).toEqual({ blockNumber: 1, committed: 2, dropped: 0 })
    expect(pool.size).toBe(1)
    expect(pool.bytes).toBe(txEntryBytes(raws[2]!.length))
    expect(nonceWindow.has(1n) && nonceWindow.has(2n)).toBe(true)
    expect(pool.hasNonce(1n)).toBe(false)
    expect(events.slice(3)).toEqual([
      `committed ${short(raws[0]!)} #1.0`,
      `committed ${short(raws[1]!)} #1.1`,
    ])
    expect(pool.outcome(hashOf(raws[1]!))).toEqual({ state: 'committed', blockNumber: 1, index: 1 })
  })

  it('drops a pooled transaction whose nonce another committed transaction used (15)', async () => {
    const { pool, chain } = await setupPool()
    const events = eventsOf(pool)
    const mine = rawTx({ nonce: 7n }, 1)
    await pool.submit(mine)
    // Another node's block carries a different transaction with the same nonce.
    const summary = await pool.onBlockCommitted(chain.commit([signedTx({ nonce: 7n }, 2)]))
    expect(summary).toMatchObject({ committed: 0, dropped: 1 })
    expect(events.at(-1)).toBe(`dropped ${short(mine)} NONCE_USED 15`)
    expect(pool.outcome(hashOf(mine))).toEqual({ state: 'dropped', status: 15, reason: 'NONCE_USED' })
  })

  it('drops transactions whose blockLimit the block reached, as BlockLimitCheckFail (16)', async () => {
    const { pool, chain } = await setupPool()
    const events = eventsOf(pool)
    const soon = rawTx({ nonce: 1n, blockLimit: 2n })
    const later = rawTx({ nonce: 2n, blockLimit: 3n })
    await pool.submitMany([soon, later])
    await pool.onBlockCommitted(chain.commit([]))
    expect(pool.size).toBe(2) // blockLimit 2 may still go into block 2
    await pool.onBlockCommitted(chain.commit([]))
    expect(pool.size).toBe(1)
    expect(events.at(-1)).toBe(`dropped ${short(soon)} BLOCK_LIMIT_PASSED ${TxStatus.BlockLimitCheckFail}`)
    await pool.onBlockCommitted(chain.commit([]))
    expect(pool.size).toBe(0)
  })

  it('returns transactions of an abandoned proposal to the pool', async () => {
    const { pool, chain } = await setupPool()
    await pool.submitMany([1n, 2n].map((nonce) => rawTx({ nonce })))
    expect(pool.fetchForSealing({ txCountMax: 10 })).toHaveLength(2)
    // A view change: a different leader's block (with only the first) commits.
    const [first] = pool.pending()
    await pool.onBlockCommitted(chain.commit([first!]))
    expect(pool.fetchForSealing({ txCountMax: 10 }).map((t) => t.tx.nonce)).toEqual([2n])
  })

  it('refuses a malformed block before changing anything', async () => {
    const { pool, nonceWindow } = await setupPool()
    const good = signedTx({ nonce: 4n })
    await expect(
      pool.onBlockCommitted({
        header: { number: 1 },
        transactions: [good, { ...good, hash: new Uint8Array(31) }],
      }),
    ).rejects.toThrow('block transaction hash: expected 32-byte hash, got Uint8Array(31)')
    expect(nonceWindow.lastNumber).toBe(0)
    expect(nonceWindow.has(4n)).toBe(false)
  })

  it('refuses blocks out of order before changing anything', async () => {
    const { pool, chain } = await setupPool()
    await pool.submit(rawTx({ nonce: 1n }))
    const [tx] = pool.pending()
    chain.height = 5
    await expect(pool.onBlockCommitted(chain.commit([tx!]))).rejects.toMatchObject({
      type: { code: 'NONCE_WINDOW_NOT_NEXT', expected: 1, got: 6 },
    })
    expect(pool.size).toBe(1)
  })
})

describe('expiry', () => {
  it('drops an unsealed transaction after expirationMs (600 s by default) on the injected clock', async () => {
    const clock = createManualClock(1_000_000)
    const { pool } = await setupPool({}, { clock })
    const events = eventsOf(pool)
    const a = rawTx({ nonce: 1n })
    await pool.submit(a)
    clock.advance(200_000)
    const b = rawTx({ nonce: 2n })
    await pool.submit(b)
    clock.advance(EXPIRATION_MS_DEFAULT - 200_000 - 1)
    expect(pool.size).toBe(2)
    clock.advance(1)
    expect(pool.size).toBe(1)
    expect(events.at(-1)).toBe(`dropped ${short(a)} EXPIRED ${TxStatus.TransactionRefused}`)
    expect(pool.outcome(hashOf(a))).toEqual({ state: 'dropped', status: 29, reason: 'EXPIRED' })
    clock.advance(200_000)
    expect(pool.size).toBe(0)
    expect(clock.pendingTimers).toBe(0)
  })

  it('keeps a sealed transaction past expiry until its proposal is abandoned', async () => {
    const clock = createManualClock(0)
    const { pool } = await setupPool({ expirationMs: 1000 }, { clock })
    await pool.submit(rawTx({ nonce: 1n }))
    const sealed = pool.fetchForSealing({ txCountMax: 1 })
    clock.advance(5000)
    expect(pool.size).toBe(1)
    pool.unmarkSealed(sealed.map((t) => t.hash))
    expect(pool.size).toBe(0)
  })

  it('refuses an expiry longer than a timer can wait (EXPIRATION_MS_MAX)', async () => {
    await expect(setupPool({ expirationMs: EXPIRATION_MS_MAX + 1 })).rejects.toThrow(
      `expirationMs: expected an integer in [1, ${EXPIRATION_MS_MAX}]`,
    )
    const { pool } = await setupPool({ expirationMs: EXPIRATION_MS_MAX })
    expect((await pool.submit(rawTx({ nonce: 1n }))).ok).toBe(true)
    await pool.close()
  })

  it('removeExpired drops what the clock says has expired', async () => {
    let now = 0
    const clock = { nowMs: () => now, setTimer: () => () => {} }
    const { pool } = await setupPool({ expirationMs: 10 }, { clock })
    await pool.submitMany([1n, 2n].map((nonce) => rawTx({ nonce })))
    now = 9
    expect(await pool.removeExpired()).toBe(0)
    now = 10
    expect(await pool.removeExpired()).toBe(2)
  })
})

describe('events and outcomes', () => {
  it('drop() removes a transaction and reports the given status', async () => {
    const { pool } = await setupPool()
    const events = eventsOf(pool)
    const raw = rawTx({ nonce: 1n })
    await pool.submit(raw)
    expect(await pool.drop(hashOf(raw), TxStatus.PermissionDenied)).toBe(true)
    expect(await pool.drop(hashOf(raw), TxStatus.PermissionDenied)).toBe(false)
    expect(events.at(-1)).toBe(`dropped ${short(raw)} REMOVED 25`)
    expect(pool.outcome(hashOf(raw))).toEqual({ state: 'dropped', status: 25, reason: 'REMOVED' })
  })

  it('forgets the oldest outcomes past outcomesMax', async () => {
    const { pool, chain } = await setupPool({ outcomesMax: 2 })
    const raws = [1n, 2n, 3n].map((nonce) => rawTx({ nonce }))
    await pool.submitMany(raws)
    await pool.onBlockCommitted(chain.commit(pool.fetchForSealing({ txCountMax: 3 })))
    expect(pool.outcome(hashOf(raws[0]!))).toBeUndefined()
    expect(pool.outcome(hashOf(raws[1]!))?.state).toBe('committed')
    expect(pool.outcome(hashOf(raws[2]!))?.state).toBe('committed')
  })

  it(`accepts at most LISTENERS_MAX (${LISTENERS_MAX}) listeners; a throwing listener does not break the pool`, async () => {
    const { pool } = await setupPool()
    const offs = Array.from({ length: LISTENERS_MAX - 1 }, () => pool.subscribe(() => {}))
    pool.subscribe(() => {
      throw new Error('listener bug')
    })
    expect(() => pool.subscribe(() => {})).toThrow(`listener: expected at most ${LISTENERS_MAX} listeners`)
    offs[0]!()
    const seen: string[] = []
    pool.subscribe((e) => seen.push(e.type))
    expect((await pool.submit(rawTx({ nonce: 1n }))).ok).toBe(true)
    expect(seen).toEqual(['accepted'])
  })
})
