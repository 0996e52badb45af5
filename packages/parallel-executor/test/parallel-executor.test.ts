import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex } from '../src/bytes.js'
import {
  createParallelExecutor,
  createSerialExecutor,
  type ParallelExecutor,
  type ParallelMode,
} from '../src/index.js'
import { blockContext, ecdsa } from './helpers/chain.js'
import {
  buildBlock,
  type DumpWorld,
  dumpWorld,
  type Fixture,
  parallelContracts,
  plain,
  type RandomOp,
  setupWorld,
} from './helpers/parallel.js'

beforeAll(() => {
  parallelContracts()
}, 120_000)

const opArb: fc.Arbitrary<RandomOp> = fc.record({
  kind: fc.oneof(
    { weight: 8, arbitrary: fc.constant('dag-transfer' as const) },
    { weight: 6, arbitrary: fc.constant('sol-transfer' as const) },
    { weight: 1, arbitrary: fc.constant('sol-set' as const) },
    { weight: 1, arbitrary: fc.constant('dag-balance' as const) },
    { weight: 1, arbitrary: fc.constant('sol-balance' as const) },
    { weight: 1, arbitrary: fc.constant('deploy' as const) },
    { weight: 1, arbitrary: fc.constant('revert' as const) },
    { weight: 1, arbitrary: fc.constant('out-of-gas' as const) },
    { weight: 1, arbitrary: fc.constant('dag-draw-missing' as const) },
  ),
  dice: fc.integer({ min: 0, max: 99 }),
  amount: fc.integer({ min: 1, max: 1500 }),
})

const blockArb = fc.record({
  conflictPercent: fc.constantFrom(0, 10, 50, 100),
  ops: fc.array(opArb, { minLength: 8, maxLength: 40 }),
  // Some blocks carry a block gas limit: later transactions then get status 9.
  gasLimit: fc.constantFrom(0n, 0n, 0n, 1_500_000n),
})

interface Lane {
  readonly world: DumpWorld
  readonly executor: ParallelExecutor
}

/**
 * Random blocks, one per property run, executed by the serial executor on a reference world and
 * by parallel executors on their own worlds: 1 lane (the serial path), 2 and 4 lanes with the
 * main thread as one of them (`always`: every block in parallel, so the main lane takes what
 * no worker thread has started), and 2 lanes with `mainLane: 'never'` (the worker thread runs
 * every keyed transaction). After each block the receipts, gas, state root (the block's dbHash)
 * and every committed row must be the same.
 */
async function compareOnRandomBlocks(mode: ParallelMode, seed: number, numRuns: number) {
  const reference = await dumpWorld()
  const serial = createSerialExecutor({}, { crypto: ecdsa, tables: () => reference.tables })
  const fixture: Fixture = await setupWorld(reference, serial)
  const lanes: Lane[] = []
  const configs = [
    { workers: 1 },
    { workers: 2, mainLane: 'always' },
    { workers: 4, mainLane: 'always' },
    { workers: 2, mainLane: 'never' },
  ] as const
  for (const config of configs) {
    const world = await dumpWorld()
    const executor = createParallelExecutor(
      { ...config, mode, minTransactions: 1 },
      { crypto: ecdsa, tables: () => world.tables },
    )
    await setupWorld(world, executor)
    expect(world.dump()).toBe(reference.dump())
    lanes.push({ world, executor })
  }
  let number = 3
  const stats = { merged: 0, conflicts: 0, fallbacks: 0, onMain: 0 }
  try {
    await fc.assert(
      fc.asyncProperty(blockArb, async ({ conflictPercent, ops, gasLimit }) => {
        const txs = buildBlock(ops, conflictPercent, fixture)
        const context = blockContext(number++, gasLimit)
        const expected = await serial.execute(context, txs, reference.state)
        await reference.next()
        const rows = reference.dump()
        for (const lane of lanes) {
          const got = await lane.executor.execute(context, txs, lane.world.state)
          expect(got.receipts.map(plain)).toEqual(expected.receipts.map(plain))
          expect(got.gasUsed).toBe(expected.gasUsed)
          expect(bytesToHex(got.stateRoot)).toBe(bytesToHex(expected.stateRoot))
          await lane.world.next()
          expect(lane.world.dump()).toBe(rows)
          const s = lane.executor.lastBlock
          if (s !== undefined && s.workers > 0) {
            stats.merged += s.merged
            stats.conflicts += s.conflicts
            stats.fallbacks += s.fallbacks
            stats.onMain += s.onMain
          }
        }
      }),
      { seed, numRuns, endOnFailure: true },
    )
  } finally {
    for (const lane of lanes) await lane.executor.close()
  }
  return stats
}

describe('parallel executor: identical to serial on random blocks', () => {
  it('dag mode with 1, 2 and 4 lanes', async () => {
    const stats = await compareOnRandomBlocks('dag', 0x5eed, 6)
    // The worker threads did the bulk of their part: most results were merged as they came.
    expect(stats.merged).toBeGreaterThan(stats.conflicts + stats.fallbacks)
    expect(stats.onMain).toBeGreaterThan(0)
  }, 240_000)

  it('optimistic mode with 1, 2 and 4 lanes', async () => {
    const stats = await compareOnRandomBlocks('optimistic', 0x0b57, 6)
    expect(stats.merged).toBeGreaterThan(0)
    expect(stats.onMain).toBeGreaterThan(0)
    // Speculation on hot users fails validation and re-executes those transactions.
    expect(stats.conflicts).toBeGreaterThan(0)
  }, 240_000)
})
