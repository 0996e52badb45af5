import { isChainError } from '@consortia/interface'
import { afterAll, describe, expect, it } from 'vitest'
import {
  bytesToHex,
  createECDSASuite,
  createSMSuite,
  createVerifyPool,
  decodeRecoverResults,
  encodeRecoverRows,
  type RecoverItem,
  type RecoverResult,
  VERIFY_POOL_BATCH_LIMIT,
  VERIFY_POOL_IN_FLIGHT_LIMIT,
  VERIFY_RESULT_ROW_BYTES,
  type VerifyPool,
} from '../src/index.js'

const ecdsa = createECDSASuite()
const sm = createSMSuite()
const pools: VerifyPool[] = []
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()))
})

function signed(
  suite: typeof ecdsa | typeof sm,
  count: number,
  salt: number,
): { items: RecoverItem[]; keys: string[] } {
  const privs = [suite.randomPrivateKey(), suite.randomPrivateKey(), suite.randomPrivateKey()]
  const items: RecoverItem[] = []
  const keys: string[] = []
  for (let i = 0; i < count; i++) {
    const key = privs[i % 3]!
    const hash = suite.hash(Uint8Array.of(salt, i & 0xff, i >> 8))
    items.push({ hash, signature: suite.sign(hash, key) })
    keys.push(bytesToHex(suite.publicKey(key)))
  }
  return { items, keys }
}

describe('verify pool', () => {
  it('recovers ECDSA signers in order across batches and workers (source .ts worker under vitest)', async () => {
    const pool = createVerifyPool({ suite: ecdsa, workers: 2, batchMax: 16 })
    pools.push(pool)
    await pool.ready()
    const { items, keys } = signed(ecdsa, 200, 1)
    // Mix in bad items: wrong length, tampered signature, high v.
    items[5] = { hash: items[5]!.hash.subarray(1), signature: items[5]!.signature }
    const tampered = items[7]!.signature.slice()
    tampered[64] = 5
    items[7] = { hash: items[7]!.hash, signature: tampered }
    const results = await pool.recover(items)
    expect(results.length).toBe(200)
    results.forEach((r, i) => {
      if (i === 5) expect(r).toEqual({ ok: false, code: 'INVALID_LENGTH' })
      else if (i === 7) expect(r).toEqual({ ok: false, code: 'INVALID_SIGNATURE' })
      else expect(r.ok && bytesToHex(r.publicKey)).toBe(keys[i])
    })
    expect(pool.pending).toBe(0)
  })

  it('checks SM2 signatures (r‖s‖pub) and reports ones that do not verify', async () => {
    const pool = createVerifyPool({ suite: 'sm', workers: 2 })
    pools.push(pool)
    const { items, keys } = signed(sm, 20, 2)
    const forged = items[3]!.signature.slice()
    forged[0]! ^= 1
    items[3] = { hash: items[3]!.hash, signature: forged }
    const results = await pool.recover(items)
    results.forEach((r, i) => {
      if (i === 3) expect(r).toEqual({ ok: false, code: 'SIGNATURE_MISMATCH' })
      else expect(r.ok && bytesToHex(r.publicKey)).toBe(keys[i])
    })
  })

  it('bounds its queue: QUEUE_FULL in reject mode, back-pressure in wait mode', async () => {
    const { items } = signed(ecdsa, 40, 3)
    const rejecting = createVerifyPool({ suite: ecdsa, workers: 1, queueMax: 50, whenFull: 'reject' })
    pools.push(rejecting)
    const first = rejecting.recover(items)
    expect(rejecting.pending).toBe(40)
    await expect(rejecting.recover(items.slice(0, 20))).rejects.toSatisfy((e) =>
      isChainError(e, 'QUEUE_FULL'),
    )
    await expect(rejecting.recover([...items, ...items])).rejects.toSatisfy((e) =>
      isChainError(e, 'INVALID_ARGUMENT'),
    )
    const firstResults = await first
    expect(firstResults.filter((r) => !r.ok)).toEqual([])

    const waiting = createVerifyPool({ suite: ecdsa, workers: 1, queueMax: 50, waitersMax: 1 })
    pools.push(waiting)
    const a = waiting.recover(items)
    const b = waiting.recover(items.slice(0, 20)) // waits for room
    expect(waiting.pending).toBe(40)
    await expect(waiting.recover(items.slice(0, 20))).rejects.toSatisfy((e) => isChainError(e, 'QUEUE_FULL'))
    const [ra, rb] = await Promise.all([a, b])
    expect(ra.length + rb.length).toBe(60)
    expect(rb.every((r) => r.ok)).toBe(true)
    expect(waiting.pending).toBe(0)
  })

  it('rejects work after close, and rejects waiting callers on close', async () => {
    const pool = createVerifyPool({ suite: ecdsa, workers: 1, queueMax: 10 })
    const { items } = signed(ecdsa, 10, 4)
    const running = pool.recover(items)
    const waiting = pool.recover(items.slice(0, 5))
    const waitingRejected = expect(waiting).rejects.toSatisfy((e) => isChainError(e, 'POOL_CLOSED'))
    const runningRejected = expect(running).rejects.toSatisfy((e) => isChainError(e, 'POOL_CLOSED'))
    await pool.close()
    await waitingRejected
    await runningRejected
    await expect(pool.recover(items)).rejects.toSatisfy((e) => isChainError(e, 'POOL_CLOSED'))
    expect(() => createVerifyPool({ suite: ecdsa, workers: 0 })).toThrow('workers')
  })

  it('measures thread CPU only when asked (threadCpu), and still counts items and batches', async () => {
    const pool = createVerifyPool({ suite: ecdsa, workers: 1, batchMax: 8 })
    pools.push(pool)
    const { items, keys } = signed(ecdsa, 20, 6)
    const results = await pool.recover(items)
    expect(results.map((r) => r.ok && bytesToHex(r.publicKey))).toEqual(keys)
    const stats = pool.stats()
    expect(stats.workerCpuUs).toBeUndefined()
    expect(stats.items).toBe(20)
    expect(stats.batches).toBeGreaterThanOrEqual(3)
    expect(stats.mainBusyUs).toBeGreaterThan(0) // wall-clock time inside the pool's code
  })

  it('never posts a batch above batchMax nor more than inFlightMax batches per worker', async () => {
    const pool = createVerifyPool({ suite: ecdsa, workers: 2, batchMax: 16, inFlightMax: 1, threadCpu: true })
    pools.push(pool)
    const { items, keys } = signed(ecdsa, 200, 5)
    const results = await pool.recover(items)
    expect(results.map((r) => r.ok && bytesToHex(r.publicKey))).toEqual(keys)
    const stats = pool.stats()
    expect(stats.largestBatch).toBe(16) // 200 queued items would make 50-item batches without the limit
    expect(stats.batches).toBeGreaterThanOrEqual(13)
    expect(stats.items).toBe(200)
    expect(stats.inFlightPeak).toBeLessThanOrEqual(2)
    // Thread CPU time is sampled by the kernel at scheduler ticks: a short run may read 0 µs, so
    // only its presence (opt-in, Linux) and sign are checked here.
    if (process.platform === 'linux') expect(stats.workerCpuUs).toBeGreaterThanOrEqual(0)
    expect(stats.mainBusyUs).toBeGreaterThanOrEqual(0)
    expect(() =>
      createVerifyPool({ suite: ecdsa, workers: 1, batchMax: VERIFY_POOL_BATCH_LIMIT + 1 }),
    ).toThrow(
      `expected batchMax as an integer in [1, ${VERIFY_POOL_BATCH_LIMIT}], got ${VERIFY_POOL_BATCH_LIMIT + 1}`,
    )
    expect(() =>
      createVerifyPool({ suite: ecdsa, workers: 1, inFlightMax: VERIFY_POOL_IN_FLIGHT_LIMIT + 1 }),
    ).toThrow('inFlightMax')
  })

  it('keeps each request in order when batches are cut across several concurrent requests', async () => {
    const pool = createVerifyPool({ suite: ecdsa, workers: 2, batchMax: 24 })
    pools.push(pool)
    const sizes = [1, 37, 2, 90, 5, 1, 64]
    const requests = sizes.map((n, k) => signed(ecdsa, n, 10 + k))
    const answers = await Promise.all(requests.map((r) => pool.recover(r.items)))
    answers.forEach((results, k) => {
      expect(results.length).toBe(sizes[k])
      expect(results.map((r) => r.ok && bytesToHex(r.publicKey))).toEqual(requests[k]!.keys)
    })
    expect(pool.stats().largestBatch).toBeLessThanOrEqual(24)
    expect(pool.pending).toBe(0)
  })

  it('answers bad items inside one batch with typed codes without poisoning their neighbours', async () => {
    const pool = createVerifyPool({ suite: ecdsa, workers: 1 })
    pools.push(pool)
    const { items, keys } = signed(ecdsa, 12, 20)
    const bad = (i: number, edit: (sig: Uint8Array) => void): void => {
      const sig = items[i]!.signature.slice()
      edit(sig)
      items[i] = { hash: items[i]!.hash, signature: sig }
    }
    bad(1, (sig) => sig.fill(0, 0, 32)) // r = 0
    bad(3, (sig) => {
      sig[64] = 7 // v out of range
    })
    bad(5, (sig) => sig.fill(0xff, 32, 64)) // s ≥ n
    items[7] = { hash: items[7]!.hash, signature: items[7]!.signature.subarray(0, 64) }
    items[9] = { hash: 'not bytes', signature: items[9]!.signature } as unknown as RecoverItem
    const results = await pool.recover(items)
    expect(pool.stats().batches).toBe(1)
    const expected: Record<number, string> = {
      1: 'INVALID_SIGNATURE',
      3: 'INVALID_SIGNATURE',
      5: 'INVALID_SIGNATURE',
      7: 'INVALID_LENGTH',
      9: 'INVALID_LENGTH',
    }
    results.forEach((r, i) => {
      if (expected[i] !== undefined) expect(r).toEqual({ ok: false, code: expected[i] })
      else expect(r.ok && bytesToHex(r.publicKey)).toBe(keys[i])
    })

    const smPool = createVerifyPool({ suite: sm, workers: 1 })
    pools.push(smPool)
    const smSigned = signed(sm, 6, 21)
    const offCurve = smSigned.items[2]!.signature.slice()
    offCurve[127]! ^= 1 // the carried public key leaves the curve
    smSigned.items[2] = { hash: smSigned.items[2]!.hash, signature: offCurve }
    const forged = smSigned.items[4]!.signature.slice()
    forged[40]! ^= 1
    smSigned.items[4] = { hash: smSigned.items[4]!.hash, signature: forged }
    const smResults = await smPool.recover(smSigned.items)
    smResults.forEach((r, i) => {
      if (i === 2) expect(r).toEqual({ ok: false, code: 'INVALID_PUBLIC_KEY' })
      else if (i === 4) expect(r).toEqual({ ok: false, code: 'SIGNATURE_MISMATCH' })
      else expect(r.ok && bytesToHex(r.publicKey)).toBe(smSigned.keys[i])
    })
  })

  it('recoverRows answers packed rows exactly as recover answers objects', async () => {
    const pool = createVerifyPool({ suite: ecdsa, workers: 2, batchMax: 32 })
    pools.push(pool)
    const { items } = signed(ecdsa, 100, 30)
    const tampered = items[50]!.signature.slice()
    tampered[64] = 9
    items[50] = { hash: items[50]!.hash, signature: tampered }
    items[60] = { hash: items[60]!.hash.subarray(2), signature: items[60]!.signature }
    const rows = encodeRecoverRows(items, 65)
    const answer = pool.recoverRows(rows)
    rows.fill(0) // the pool copied the rows when the call was made
    const out = await answer
    expect(out.length).toBe(100 * VERIFY_RESULT_ROW_BYTES)
    const decoded: RecoverResult[] = []
    decodeRecoverResults(out, decoded)
    expect(decoded).toEqual(await pool.recover(items))
    await expect(pool.recoverRows(new Uint8Array(97))).rejects.toSatisfy(
      (e) =>
        isChainError(e, 'INVALID_LENGTH') &&
        (e as Error).message.includes('98-byte request rows, got 97 bytes'),
    )
    expect(await pool.recoverRows(new Uint8Array(0))).toEqual(new Uint8Array(0))
  })
})
