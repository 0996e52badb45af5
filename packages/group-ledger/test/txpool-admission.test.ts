import { TxStatus } from '@consortia/interface'
import {
  decodeRLP,
  decodeTransaction,
  encodeRLP,
  encodeTransaction,
  signTransaction,
  txBytesMax,
} from '@consortia/protocol'
import { describe, expect, it } from 'vitest'
import {
  type AdmitResult,
  createTxPool,
  loadNonceWindow,
  REJECT_STATUS,
  SUBMIT_BATCH_MAX,
  txEntryBytes,
} from '../src/index.js'
import {
  addressOf,
  ecdsa,
  fields,
  hex,
  keyOf,
  rawTx,
  SECP256K1_N,
  signedTx,
  sm,
  TestChain,
} from './helpers.js'
import { setupPool } from './setup.js'

/** SM2 curve order n (GB/T 32918.5-2017 recommended curve). */
const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n

/** The (r, n − s, v ⊕ 1) copy of a signed ECDSA transaction (attack catalogue A4). */
function highSCopy(raw: Uint8Array): Uint8Array {
  const tx = decodeTransaction(raw)
  if (tx.signature.kind !== 'ecdsa') throw new Error('expected ECDSA')
  const { r, s, v } = tx.signature
  return encodeTransaction({
    ...tx,
    signature: { kind: 'ecdsa', r, s: SECP256K1_N - s, v: v === 27 ? 28 : 27 },
  })
}

function rejected(result: AdmitResult | undefined) {
  if (result === undefined || result.ok)
    throw new Error(`expected a rejection, got ${JSON.stringify(result)}`)
  return result
}

describe('admission: each check with its FISCO status code', () => {
  it('accepts a valid transaction: status 0, hash = Hash(raw), sender from the signature', async () => {
    const { pool } = await setupPool()
    const raw = rawTx({ nonce: 42n })
    const result = await pool.submit(raw)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.status).toBe(0)
    expect(hex(result.hash)).toBe(hex(ecdsa.hash(raw)))
    expect(hex(result.sender)).toBe(hex(addressOf(1)))
    expect(pool.size).toBe(1)
    expect(pool.bytes).toBe(txEntryBytes(raw.length))
    expect(pool.get(result.hash)?.tx.nonce).toBe(42n)
    expect(pool.hasNonce(42n)).toBe(true)
    expect(pool.senderCount(addressOf(1))).toBe(1)
    expect(pool.outcome(result.hash)).toEqual({ state: 'pending', sealed: false })
  })

  it('10005 MalformedTx for bytes that are not a transaction, before any signature or chain work', async () => {
    const { pool, suite, chain } = await setupPool()
    const good = rawTx()
    const cases: unknown[] = [
      Uint8Array.of(0xc0), // an empty list
      Uint8Array.of(0x81, 0x00), // non-canonical single byte (RLPTests invalidRLPTest `bytesShouldBeSingleByte00`)
      good.subarray(0, good.length - 1), // truncated
      Uint8Array.from([...good, 0x00]), // trailing byte
      new Uint8Array(0),
      'f8d3a0...', // a hex string instead of bytes
      { raw: 'nope' },
      null,
    ]
    const results = await pool.submitMany(cases as Uint8Array[])
    for (const r of results) {
      expect(rejected(r).status).toBe(TxStatus.MalformedTx)
      expect(rejected(r).reason).toBe('MALFORMED')
    }
    expect(rejected(results[1]).message).toContain('RLP_SINGLE_BYTE_NOT_CANONICAL')
    expect(suite.calls).toBe(0)
    expect(chain.hasTransactionCalls).toBe(0)
    expect(pool.size).toBe(0)
  })

  it('10005 for wrong item counts and a bad v (attack catalogue A2)', async () => {
    const { pool, suite } = await setupPool()
    // 12 items: an RC2 list with extraData dropped.
    const tx12 = Uint8Array.of(0xcc, ...new Array(12).fill(0x80))
    const tx14 = Uint8Array.of(0xce, ...new Array(14).fill(0x80))
    const items = decodeRLP(rawTx()) as Uint8Array[]
    const badV = encodeRLP(items.map((item, i) => (i === 10 ? Uint8Array.of(29) : item)))
    const shortTo = encodeRLP(items.map((item, i) => (i === 4 ? new Uint8Array(19) : item)))
    const results = await pool.submitMany([tx12, tx14, badV, shortTo])
    expect(results.map((r) => rejected(r).status)).toEqual([10005, 10005, 10005, 10005])
    expect(results.map((r) => rejected(r).message.split(':')[0])).toEqual([
      'RLP_WRONG_ITEM_COUNT',
      'RLP_WRONG_ITEM_COUNT',
      'TX_BAD_V',
      'RLP_WRONG_LENGTH',
    ])
    expect(suite.calls).toBe(0)
  })

  it('10005 TX_TOO_LARGE before decoding or buffering (attack catalogue A9)', async () => {
    const { pool, suite, chain } = await setupPool({ txBytesMax: 1024 })
    const big = rawTx({ data: new Uint8Array(2000).fill(7) })
    const r = rejected(await pool.submit(big))
    expect(r).toMatchObject({ status: 10005, reason: 'TX_TOO_LARGE' })
    expect(r.message).toBe(`transaction of ${big.length} bytes exceeds txBytesMax 1024`)
    expect(r.hash).toBeUndefined() // refused before it was even hashed
    expect(suite.calls).toBe(0)
    expect(chain.hasTransactionCalls).toBe(0)
  })

  it('applies the protocol default txBytesMax (1 MiB) when none is configured', async () => {
    const { pool } = await setupPool()
    // Zero bytes are not RLP; TX_TOO_LARGE rather than MALFORMED shows the size check ran first.
    const r = rejected(await pool.submit(new Uint8Array(txBytesMax + 1)))
    expect(r.reason).toBe('TX_TOO_LARGE')
    expect(rejected(await pool.submit(new Uint8Array(txBytesMax))).reason).toBe('MALFORMED')
  })

  it('10000 AlreadyKnown for a hash already in the pool, across and within batches', async () => {
    const { pool } = await setupPool()
    const raw = rawTx()
    expect((await pool.submit(raw)).ok).toBe(true)
    expect(rejected(await pool.submit(raw))).toMatchObject({ status: 10000, reason: 'ALREADY_KNOWN' })
    const other = rawTx({ nonce: 2n })
    const [a, b] = await pool.submitMany([other, other])
    expect(a?.ok).toBe(true)
    expect(rejected(b).status).toBe(10000)
  })

  it('10000 for two concurrent submissions of one transaction: exactly one is accepted', async () => {
    const { pool } = await setupPool()
    const raw = rawTx({ nonce: 77n })
    const results = await Promise.all([pool.submit(raw), pool.submit(raw), pool.submit(raw)])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(results.filter((r) => !r.ok).map((r) => r.status)).toEqual([10000, 10000])
    expect(pool.size).toBe(1)
  })

  it('10001 AlreadyInChain for a hash on chain', async () => {
    const { pool, chain } = await setupPool()
    const raw = rawTx({ nonce: 3n })
    chain.hashes.add(hex(ecdsa.hash(raw)))
    expect(rejected(await pool.submit(raw))).toMatchObject({ status: 10001, reason: 'ALREADY_IN_CHAIN' })
  })

  it('10001 guards replays even when the nonce window is shorter than the blockLimit window', async () => {
    const chain = new TestChain()
    const nonceWindow = await loadNonceWindow(chain, 0, { blocksMax: 5 })
    const pool = await createTxPool({ groupId: 1, blockLimitMax: 30 }, { suite: ecdsa, chain, nonceWindow })
    const raw = rawTx({ nonce: 1n, blockLimit: 20n })
    await pool.submit(raw)
    await pool.onBlockCommitted(chain.commit(pool.fetchForSealing({ txCountMax: 1 })))
    for (const block of chain.commitEmpty(5)) await pool.onBlockCommitted(block)
    expect(nonceWindow.has(1n)).toBe(false)
    expect(rejected(await pool.submit(raw))).toMatchObject({ status: 10001, reason: 'ALREADY_IN_CHAIN' })
  })

  it('10002 InvalidChainId and 10003 InvalidGroupId (attack catalogue A5: cross-chain and cross-group replay)', async () => {
    const group1 = await setupPool({ groupId: 1 })
    const group2 = await setupPool({ groupId: 2 })
    const chain7 = await setupPool({ groupId: 1, chainId: 7n })
    const raw = rawTx({ nonce: 5n }) // signed for chain 1, group 1
    expect((await group1.pool.submit(raw)).ok).toBe(true)
    expect(rejected(await group2.pool.submit(raw))).toMatchObject({
      status: 10003,
      reason: 'INVALID_GROUP_ID',
    })
    expect(rejected(await chain7.pool.submit(raw))).toMatchObject({
      status: 10002,
      reason: 'INVALID_CHAIN_ID',
    })
    expect(rejected(await chain7.pool.submit(raw)).message).toBe('chainId 1, expected 7')
    // Both fields are signed: rewriting them breaks the signature (a different sender, or none).
    const moved = encodeTransaction({ ...decodeTransaction(raw), groupId: 2n })
    const r = await group2.pool.submit(moved)
    if (r.ok) expect(hex(r.sender)).not.toBe(hex(addressOf(1)))
    else expect(r.status).toBe(10005)
  })

  it('10002 for a legacy RC1 transaction, which has no chainId', async () => {
    const { pool } = await setupPool()
    const rc1 = encodeTransaction(
      signTransaction(fields({ format: 'rc1', chainId: 0n, groupId: 0n }), keyOf(ecdsa, 1), ecdsa),
    )
    expect(rejected(await pool.submit(rc1)).status).toBe(10002)
  })

  it('16 BlockLimitCheckFail outside (current, current + 1000]', async () => {
    const { pool, chain } = await setupPool()
    for (const block of chain.commitEmpty(10)) await pool.onBlockCommitted(block)
    const at = (blockLimit: bigint, nonce: bigint) => pool.submit(rawTx({ blockLimit, nonce }))
    expect(rejected(await at(10n, 1n))).toMatchObject({ status: 16, reason: 'BLOCK_LIMIT' })
    expect(rejected(await at(10n, 1n)).message).toBe('blockLimit 10 outside (10, 1010]')
    expect(rejected(await at(1011n, 2n)).status).toBe(16)
    expect(rejected(await at(0n, 3n)).status).toBe(16)
    expect((await at(11n, 4n)).ok).toBe(true)
    expect((await at(1010n, 5n)).ok).toBe(true)
  })

  it('15 NonceCheckFail for a nonce used in the last 1000 blocks', async () => {
    const { pool, chain } = await setupPool()
    const foreign = signedTx({ nonce: 900n }, 2)
    await pool.onBlockCommitted(chain.commit([foreign]))
    const r = rejected(await pool.submit(rawTx({ nonce: 900n, data: Uint8Array.of(1) })))
    expect(r).toMatchObject({ status: 15, reason: 'NONCE_IN_CHAIN' })
    expect(r.message).toBe('nonce 900 used in the last 1000 blocks')
  })

  it('15 NonceCheckFail for a nonce used by a pooled transaction, whoever sent it', async () => {
    const { pool } = await setupPool()
    expect((await pool.submit(rawTx({ nonce: 8n }, 1))).ok).toBe(true)
    const r = rejected(await pool.submit(rawTx({ nonce: 8n, data: Uint8Array.of(2) }, 2)))
    expect(r).toMatchObject({ status: 15, reason: 'NONCE_IN_POOL' })
  })

  it('28 TxPoolIsFull at txCountMax', async () => {
    const { pool, suite } = await setupPool({ txCountMax: 2 })
    const results = await pool.submitMany([1n, 2n, 3n].map((nonce) => rawTx({ nonce })))
    expect(results.map((r) => r.status)).toEqual([0, 0, 28])
    expect(rejected(results[2]).reason).toBe('POOL_FULL')
    expect(suite.calls).toBe(2) // the third never reached signature recovery
    expect(rejected(await pool.submit(rawTx({ nonce: 4n }))).status).toBe(28)
    expect(pool.size).toBe(2)
  })

  it('10006 OverGroupMemoryLimit at memoryBytesMax', async () => {
    const one = txEntryBytes(rawTx({ nonce: 1n }).length)
    const { pool } = await setupPool({ memoryBytesMax: 2 * one + one - 1 })
    const results = await pool.submitMany([1n, 2n, 3n].map((nonce) => rawTx({ nonce })))
    expect(results.map((r) => r.status)).toEqual([0, 0, 10006])
    expect(rejected(results[2]).reason).toBe('POOL_MEMORY_FULL')
    expect(pool.bytes).toBe(2 * one)
    expect(pool.bytes).toBeLessThanOrEqual(2 * one + one - 1)
  })

  it('28 SENDER_LIMIT at senderTxCountMax, other senders unaffected', async () => {
    const { pool } = await setupPool({ senderTxCountMax: 2 })
    const mine = await pool.submitMany([1n, 2n, 3n].map((nonce) => rawTx({ nonce }, 1)))
    expect(mine.map((r) => r.status)).toEqual([0, 0, 28])
    expect(rejected(mine[2]).reason).toBe('SENDER_LIMIT')
    expect((await pool.submit(rawTx({ nonce: 4n }, 2))).ok).toBe(true)
    expect(pool.senderCount(addressOf(1))).toBe(2)
  })

  it('maps every reason to its FISCO code', () => {
    expect(REJECT_STATUS).toEqual({
      MALFORMED: 10005,
      TX_TOO_LARGE: 10005,
      ALREADY_KNOWN: 10000,
      ALREADY_IN_CHAIN: 10001,
      INVALID_CHAIN_ID: 10002,
      INVALID_GROUP_ID: 10003,
      BLOCK_LIMIT: 16,
      NONCE_IN_CHAIN: 15,
      NONCE_IN_POOL: 15,
      POOL_FULL: 28,
      POOL_MEMORY_FULL: 10006,
      SENDER_LIMIT: 28,
      BAD_SIGNATURE: 10005,
    })
  })
})

describe('admission: order of checks', () => {
  it('a transaction failing several checks gets the code of the first, with no signature work before step 10', async () => {
    // Pool A is full (txCountMax 1) and holds nonce 50; nonce 60 is on chain.
    const a = await setupPool({ txCountMax: 1 })
    await a.pool.onBlockCommitted(a.chain.commit([signedTx({ nonce: 60n }, 9)]))
    expect((await a.pool.submit(rawTx({ nonce: 50n }, 9))).ok).toBe(true)
    const callsBefore = a.suite.calls

    type Feature = 'onChain' | 'chainId' | 'groupId' | 'blockLimit' | 'nonceChain' | 'noncePool' | 'poolFull'
    const order: [Feature, number][] = [
      ['onChain', 10001],
      ['chainId', 10002],
      ['groupId', 10003],
      ['blockLimit', 16],
      ['nonceChain', 15],
      ['noncePool', 15],
      ['poolFull', 28],
    ]
    for (let i = 0; i < order.length; i++) {
      const failing = new Set(order.slice(i).map(([f]) => f))
      const raw = highSCopy(
        rawTx(
          {
            chainId: failing.has('chainId') ? 2n : 1n,
            groupId: failing.has('groupId') ? 2n : 1n,
            blockLimit: failing.has('blockLimit') ? 1n : 500n,
            nonce: failing.has('nonceChain') ? 60n : failing.has('noncePool') ? 50n : 1000n + BigInt(i),
            data: Uint8Array.of(i),
          },
          1,
        ),
      )
      if (failing.has('onChain')) a.chain.hashes.add(hex(ecdsa.hash(raw)))
      const r = rejected(await a.pool.submit(raw))
      expect([order[i]![0], r.status]).toEqual([order[i]![0], order[i]![1]])
    }
    expect(a.suite.calls).toBe(callsBefore)

    // Pool B has room, and sender 1 is at its limit: a bad signature beats the sender limit.
    const b = await setupPool({ senderTxCountMax: 1 })
    expect((await b.pool.submit(rawTx({ nonce: 1n }, 1))).ok).toBe(true)
    expect(rejected(await b.pool.submit(highSCopy(rawTx({ nonce: 2n }, 1))))).toMatchObject({
      status: 10005,
      reason: 'BAD_SIGNATURE',
    })
    expect(rejected(await b.pool.submit(rawTx({ nonce: 3n }, 1)))).toMatchObject({
      status: 28,
      reason: 'SENDER_LIMIT',
    })
  })

  it('AlreadyKnown comes before AlreadyInChain', async () => {
    const { pool, chain } = await setupPool()
    const raw = rawTx({ nonce: 11n })
    await pool.submit(raw)
    chain.hashes.add(hex(ecdsa.hash(raw)))
    expect(rejected(await pool.submit(raw)).status).toBe(10000)
  })

  it('malformed input comes before everything', async () => {
    const { pool } = await setupPool({ txCountMax: 1 })
    await pool.submit(rawTx({ nonce: 1n }))
    expect(rejected(await pool.submit(Uint8Array.of(0xc0))).status).toBe(10005)
  })
})

describe('admission: attack catalogue', () => {
  it('A4 malleability: a high-s copy is refused; with the original pooled its nonce also refuses it', async () => {
    const fresh = await setupPool()
    const raw = rawTx({ nonce: 123n })
    const copy = highSCopy(raw)
    expect(hex(ecdsa.hash(copy))).not.toBe(hex(ecdsa.hash(raw)))
    expect(rejected(await fresh.pool.submit(copy))).toMatchObject({ status: 10005, reason: 'BAD_SIGNATURE' })
    const withOriginal = await setupPool()
    expect((await withOriginal.pool.submit(raw)).ok).toBe(true)
    expect(rejected(await withOriginal.pool.submit(copy))).toMatchObject({
      status: 15,
      reason: 'NONCE_IN_POOL',
    })
  })

  it('A4 malleability, SM2: (r, n − s) does not verify', async () => {
    const { pool } = await setupPool({}, {}, sm)
    const raw = rawTx({ nonce: 5n }, 1, sm)
    const tx = decodeTransaction(raw)
    if (tx.signature.kind !== 'sm2') throw new Error('expected SM2')
    const copy = encodeTransaction({ ...tx, signature: { ...tx.signature, s: SM2_N - tx.signature.s } })
    expect(rejected(await pool.submit(copy))).toMatchObject({ status: 10005, reason: 'BAD_SIGNATURE' })
    expect((await pool.submit(raw)).ok).toBe(true)
  })

  it('A6 in-chain replay: identical resend, same nonce with a new payload, blockLimit outside the window', async () => {
    const { pool, chain } = await setupPool()
    const raw = rawTx({ nonce: 31n })
    const first = await pool.submit(raw)
    expect(first.ok).toBe(true)
    const [sealed] = pool.fetchForSealing({ txCountMax: 10 })
    await pool.onBlockCommitted(chain.commit([sealed!]))
    expect(pool.size).toBe(0)
    expect(rejected(await pool.submit(raw))).toMatchObject({ status: 10001 })
    expect(rejected(await pool.submit(rawTx({ nonce: 31n, data: Uint8Array.of(9) })))).toMatchObject({
      status: 15,
      reason: 'NONCE_IN_CHAIN',
    })
    expect(rejected(await pool.submit(rawTx({ nonce: 32n, blockLimit: 1n })))).toMatchObject({ status: 16 })
    expect(rejected(await pool.submit(rawTx({ nonce: 33n, blockLimit: 1002n })))).toMatchObject({
      status: 16,
    })
  })

  it('A7 forged sender: a claimed sender and hash are ignored, both are re-derived', async () => {
    const { pool } = await setupPool()
    const real = signedTx({ nonce: 71n }, 1)
    const forged = { ...real, sender: addressOf(2), hash: new Uint8Array(32).fill(0xee) }
    const r = await pool.submit(forged)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(hex(r.sender)).toBe(hex(addressOf(1)))
    expect(hex(r.hash)).toBe(hex(real.hash))
    expect(pool.has(forged.hash)).toBe(false)
    expect(hex(pool.get(real.hash)!.sender)).toBe(hex(addressOf(1)))
    expect(pool.senderCount(addressOf(2))).toBe(0)
  })

  it('refuses a signature of the other suite', async () => {
    const smPool = await setupPool({}, {}, sm)
    expect(rejected(await smPool.pool.submit(rawTx({ nonce: 1n }, 1, ecdsa)))).toMatchObject({
      status: 10005,
      reason: 'BAD_SIGNATURE',
    })
    const ecdsaPool = await setupPool()
    expect(rejected(await ecdsaPool.pool.submit(rawTx({ nonce: 1n }, 1, sm)))).toMatchObject({
      status: 10005,
    })
  })

  it('accepts SM2 transactions on an SM chain, sender = SM3(pub)[12:]', async () => {
    const { pool } = await setupPool({}, {}, sm)
    const r = await pool.submit(rawTx({ nonce: 1n }, 4, sm))
    expect(r.ok && hex(r.sender)).toBe(hex(addressOf(4, sm)))
  })
})

describe('submitMany', () => {
  it('keeps per-transaction results in input order', async () => {
    const { pool } = await setupPool()
    const good1 = rawTx({ nonce: 1n })
    const good2 = rawTx({ nonce: 2n }, 2)
    const results = await pool.submitMany([
      good1,
      Uint8Array.of(1, 2, 3),
      rawTx({ nonce: 3n, groupId: 9n }),
      good2,
      good1,
      highSCopy(rawTx({ nonce: 4n })),
    ])
    expect(results.map((r) => r.status)).toEqual([0, 10005, 10003, 0, 10000, 10005])
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'ok',
      'MALFORMED',
      'INVALID_GROUP_ID',
      'ok',
      'ALREADY_KNOWN',
      'BAD_SIGNATURE',
    ])
    expect(pool.pending().map((t) => t.tx.nonce)).toEqual([1n, 2n])
  })

  it('settles duplicate nonces inside a batch after recovery: the first valid one wins', async () => {
    const { pool } = await setupPool()
    const results = await pool.submitMany([
      highSCopy(rawTx({ nonce: 9n, data: Uint8Array.of(1) })),
      rawTx({ nonce: 9n, data: Uint8Array.of(2) }),
      rawTx({ nonce: 9n, data: Uint8Array.of(3) }, 2),
    ])
    expect(results.map((r) => r.status)).toEqual([10005, 0, 15])
    expect(pool.get(results[1]!.ok ? results[1]!.hash : new Uint8Array(32))?.tx.data).toEqual(
      Uint8Array.of(2),
    )
  })

  it(`refuses more than SUBMIT_BATCH_MAX (${SUBMIT_BATCH_MAX}) transactions with a typed error`, async () => {
    const { pool, suite } = await setupPool()
    const inputs = Array.from({ length: SUBMIT_BATCH_MAX + 1 }, () => new Uint8Array(0))
    await expect(pool.submitMany(inputs)).rejects.toMatchObject({
      type: { code: 'TXPOOL_BATCH_TOO_LARGE', count: SUBMIT_BATCH_MAX + 1, submitBatchMax: SUBMIT_BATCH_MAX },
    })
    expect(await pool.submitMany(inputs.slice(1))).toHaveLength(SUBMIT_BATCH_MAX)
    expect(suite.calls).toBe(0)
  })

  it('labels bad options and arguments', async () => {
    await expect(setupPool({ txCountMax: 0 })).rejects.toThrow('txCountMax: expected an integer in [1, ')
    await expect(setupPool({ groupId: 40000 })).rejects.toThrow(
      'groupId: expected an integer in [1, 32767], got number 40000',
    )
    await expect(setupPool({ chainId: 1 as unknown as bigint })).rejects.toThrow(
      'chainId: expected a u256 bigint',
    )
    const { pool } = await setupPool()
    expect(() => pool.has(new Uint8Array(31))).toThrow('hash: expected 32-byte hash, got Uint8Array(31)')
    expect(() => pool.senderCount(new Uint8Array(32))).toThrow('sender: expected 20-byte address')
    await expect(pool.submitMany('x' as unknown as Uint8Array[])).rejects.toThrow('inputs: expected an array')
  })

  it('refuses submissions after close', async () => {
    const { pool } = await setupPool()
    await pool.close()
    await expect(pool.submit(rawTx())).rejects.toMatchObject({ type: { code: 'TXPOOL_CLOSED' } })
  })
})
