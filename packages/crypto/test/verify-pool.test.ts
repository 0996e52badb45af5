import { isChainError } from '@consortia/interface'
import { afterAll, describe, expect, it } from 'vitest'
import {
  bytesToHex,
  createECDSASuite,
  createSMSuite,
  createVerifyPool,
  type RecoverItem,
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
})
