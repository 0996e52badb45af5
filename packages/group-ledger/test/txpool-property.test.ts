import type { SignedTransaction } from '@consortia/interface'
import { createSignedTransaction } from '@consortia/protocol'
import { createManualClock } from '@consortia/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createTxPool, loadNonceWindow, txEntryBytes } from '../src/index.js'
import { ecdsa, hex, rawTx, TestChain } from './helpers.js'

// 48 signed transactions over 12 nonces, 4 senders and blockLimits 1..25, so random runs hit
// nonce clashes, on-chain replays and expiring blockLimits all the time. The nonce window (3
// blocks) is shorter than the blockLimit window (30), so replays past the window test the
// on-chain check too.
const UNIVERSE: SignedTransaction[] = Array.from({ length: 48 }, (_, i) =>
  createSignedTransaction(
    rawTx(
      { nonce: BigInt((i * 7) % 12), blockLimit: BigInt(1 + ((i * 5) % 25)), data: Uint8Array.of(i) },
      i % 4,
    ),
    ecdsa,
  ),
)

type Op =
  | { kind: 'submit'; txs: number[] }
  | { kind: 'seal'; count: number; foreign: number | null; abandon: boolean }
  | { kind: 'tick'; ms: number }
  | { kind: 'replay'; pick: number }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      txs: fc.array(fc.nat(47), { minLength: 1, maxLength: 6, size: 'max' }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('seal' as const),
      count: fc.integer({ min: 1, max: 5 }),
      foreign: fc.option(fc.nat(47)),
      abandon: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 40 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), pick: fc.nat() }) },
)

describe('property: any interleaving of submits, commits and time', () => {
  it('never holds a transaction that is on chain, never duplicates a nonce, never loses one silently', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40, size: 'max' }), async (ops) => {
        const chain = new TestChain()
        const clock = createManualClock(0)
        const nonceWindow = await loadNonceWindow(chain, 0, { blocksMax: 3 })
        const txCountMax = 8
        const pool = await createTxPool(
          { groupId: 1, txCountMax, expirationMs: 100, blockLimitMax: 30 },
          { suite: ecdsa, chain, nonceWindow, clock },
        )
        // Bookkeeping from events only: accepted − committed − dropped must equal the pool.
        const live = new Set<string>()
        pool.subscribe((e) => {
          const h = hex(e.hash)
          if (e.type === 'accepted') live.add(h)
          else live.delete(h)
        })

        const committed: SignedTransaction[] = []
        for (const op of ops) {
          if (op.kind === 'replay') {
            // Resend something already on chain (the nonce window here is shorter than the
            // blockLimit window, so only the on-chain check stands in the way).
            if (committed.length > 0) await pool.submit(committed[op.pick % committed.length]!.raw)
          } else if (op.kind === 'submit') {
            await pool.submitMany(op.txs.map((i) => UNIVERSE[i]!.raw))
          } else if (op.kind === 'tick') {
            clock.advance(op.ms)
          } else {
            const sealed = pool.fetchForSealing({ txCountMax: op.count })
            if (op.abandon) {
              pool.unmarkSealed(sealed.map((t) => t.hash))
            } else {
              const block = [...sealed]
              const f = op.foreign === null ? undefined : UNIVERSE[op.foreign]!
              // A valid foreign transaction (another node's) may join the block.
              if (
                f !== undefined &&
                !chain.hashes.has(hex(f.hash)) &&
                !nonceWindow.has(f.tx.nonce) &&
                f.tx.blockLimit > BigInt(chain.height) &&
                block.every((t) => t.tx.nonce !== f.tx.nonce)
              ) {
                block.push(f)
              }
              await pool.onBlockCommitted(chain.commit(block))
              committed.push(...block)
            }
          }

          const held = pool.pending()
          const nonces = new Set<bigint>()
          let bytes = 0
          for (const t of held) {
            expect(chain.hashes.has(hex(t.hash))).toBe(false)
            expect(nonceWindow.has(t.tx.nonce)).toBe(false)
            expect(nonces.has(t.tx.nonce)).toBe(false)
            expect(t.tx.blockLimit > BigInt(chain.height)).toBe(true)
            nonces.add(t.tx.nonce)
            bytes += txEntryBytes(t.raw.length)
          }
          expect(held.length).toBeLessThanOrEqual(txCountMax)
          expect(pool.size).toBe(held.length)
          expect(pool.bytes).toBe(bytes)
          expect([...live].sort()).toEqual(held.map((t) => hex(t.hash)).sort())
        }
        await pool.close()
      }),
      { seed: 20_240_611, numRuns: 150 },
    )
  })
})
