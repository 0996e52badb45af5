import { BroadcastChannel, threadId } from 'node:worker_threads'
import { encodeFunctionData } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  createParallelExecutor,
  createSerialExecutor,
  PARALLEL_MAIN_LANE_BATCH_MAX,
  type ParallelExecutor,
} from '../src/index.js'
import {
  createLaneCosts,
  LANE_COSTS_SAMPLES_MIN,
  LANE_COSTS_WEIGHT,
  LANE_WORKLOAD_CHANGE_BLOCKS,
  LANE_WORKLOAD_CHANGE_FACTOR,
  noteMainLane,
  noteParallelBlock,
  noteSerialBlock,
  workersPay,
} from '../src/parallel/lanes.js'
import { ALICE, ecdsa, transaction } from './helpers/chain.js'
import {
  DAG_ABI,
  DAG_ADDRESS,
  dumpWorld,
  parallelContracts,
  parallelOkTransfer,
  sameAsSerial,
  setupWorld,
} from './helpers/parallel.js'
import { THREAD_CENSUS_CHANNEL } from './helpers/thread-census.js'

beforeAll(() => {
  parallelContracts()
}, 120_000)

/**
 * Runs `body` on two worlds set up alike: `a` by the serial executor, `b` by a 2-lane executor
 * whose main lane always takes part (closed afterwards).
 */
async function withTwoLanes(
  body: (worlds: {
    a: Awaited<ReturnType<typeof dumpWorld>>
    b: Awaited<ReturnType<typeof dumpWorld>>
    executor: ParallelExecutor
    fixture: Awaited<ReturnType<typeof setupWorld>>
  }) => Promise<void>,
): Promise<void> {
  const a = await dumpWorld()
  const b = await dumpWorld()
  const executor = createParallelExecutor(
    { workers: 2, mode: 'dag', mainLane: 'always', minTransactions: 1 },
    { crypto: ecdsa, tables: () => b.tables },
  )
  try {
    const fixture = await setupWorld(a, createSerialExecutor({}, { crypto: ecdsa, tables: () => a.tables }))
    await setupWorld(b, executor)
    await body({ a, b, executor, fixture })
  } finally {
    await executor.close()
  }
}

describe('parallel executor: the main thread is one of the lanes', () => {
  it('splits a block between the main lane and the worker thread, with serial results', async () => {
    await withTwoLanes(async ({ a, b, executor, fixture }) => {
      // Solidity transfers between users no other transaction of the block touches: both lanes
      // can take any of them. The main lane starts from the front of each batch, the worker
      // thread from its end; a block on a warmed-up worker gives both some.
      const block = (number: number) =>
        Array.from({ length: 96 }, (_, i) =>
          parallelOkTransfer(
            fixture,
            `user${2 + (i % 48)}`,
            `user${50 + (i % 48)}`,
            BigInt(1 + ((i + number) % 5)),
          ),
        )
      let split = false
      for (let number = 3; number < 9 && !split; number++) {
        await sameAsSerial(a, b, executor, number, block(number))
        const s = executor.lastBlock
        expect(s?.workers).toBe(2)
        expect(s?.transactions).toBe(96)
        // Every transaction is either merged from the worker or executed by the main lane.
        expect((s?.merged ?? 0) + (s?.onMain ?? 0) + (s?.conflicts ?? 0) + (s?.fallbacks ?? 0)).toBe(96)
        split = (s?.merged ?? 0) > 0 && (s?.onMain ?? 0) > 0
      }
      expect(split).toBe(true)
    })
  }, 240_000)

  // What the pauses are for (the worker keeps getting work) shows only in the bench: here the
  // worker is fast enough to take part without them. This checks that a main lane past its bound
  // pauses (hands out work, answers reads) mid-block and the block still equals serial execution.
  it('a DagTransfer block split between both lanes, the main lane past PARALLEL_MAIN_LANE_BATCH_MAX, equals serial', async () => {
    await withTwoLanes(async ({ a, b, executor }) => {
      // DagTransfer calls: cheap, so a main lane that never paused would run nearly all of them
      // before the worker got past its first hand-out.
      const block = (number: number) =>
        Array.from({ length: 400 }, (_, i) =>
          transaction({
            from: ALICE,
            to: DAG_ADDRESS,
            data: encodeFunctionData({
              abi: DAG_ABI,
              functionName: 'userTransfer',
              args: [`user${2 + (i % 49)}`, `user${51 + (i % 49)}`, BigInt(1 + (number % 3))],
            }),
          }),
        )
      let fed = false
      for (let number = 3; number < 9 && !fed; number++) {
        await sameAsSerial(a, b, executor, number, block(number))
        const s = executor.lastBlock
        expect(s?.workers).toBe(2)
        expect((s?.merged ?? 0) + (s?.onMain ?? 0) + (s?.conflicts ?? 0) + (s?.fallbacks ?? 0)).toBe(400)
        // Both lanes took part, the main lane past its batch bound (so it paused on the way).
        fed = (s?.onMain ?? 0) > PARALLEL_MAIN_LANE_BATCH_MAX && (s?.merged ?? 0) > 0
      }
      expect(fed).toBe(true)
    })
  }, 240_000)

  it('starts workers − 1 threads: one thread for 2 lanes, two for 3', async () => {
    const census = new BroadcastChannel(THREAD_CENSUS_CHANNEL)
    const seen = new Set<number>()
    census.onmessage = (event) => seen.add((event as { data: number }).data)
    try {
      for (const workers of [2, 3]) {
        seen.clear()
        const a = await dumpWorld()
        const b = await dumpWorld()
        const executor = createParallelExecutor(
          {
            workers,
            mainLane: 'always',
            minTransactions: 1,
            precompilesModule: new URL('./helpers/thread-census.ts', import.meta.url),
          },
          { crypto: ecdsa, tables: () => b.tables },
        )
        try {
          await setupWorld(a, createSerialExecutor({}, { crypto: ecdsa, tables: () => a.tables }))
          await setupWorld(b, executor)
          expect(executor.workers).toBe(workers)
          expect(executor.lastBlock?.workers).toBe(workers)
          // Every worker reported before it loaded its executor, so before the block began; give
          // the channel's messages a few turns of the event loop to arrive.
          for (let turn = 0; turn < 50 && seen.size < workers; turn++)
            await new Promise((resolve) => setTimeout(resolve, 20))
          expect(seen.size).toBe(workers - 1)
          expect(seen.has(threadId)).toBe(false)
        } finally {
          await executor.close()
        }
      }
    } finally {
      census.close()
    }
  }, 240_000)
})

describe('parallel executor: whether worker threads pay (lane costs)', () => {
  it('measures merges in a parallel block first, then serial execution in a serial one, then compares', () => {
    const costs = createLaneCosts()
    expect(workersPay(costs, 0.8, 16)).toBe(true)
    // Too few merges to count: still unknown, so parallel again.
    noteParallelBlock(costs, 70, LANE_COSTS_SAMPLES_MIN - 1)
    expect(Number.isNaN(costs.mergeMs)).toBe(true)
    expect(workersPay(costs, 0.8, 16)).toBe(true)
    noteParallelBlock(costs, 2, 20)
    expect(costs.mergeMs).toBe(0.1)
    // The serial cost is unknown: the next block measures it.
    expect(workersPay(costs, 0.8, 16)).toBe(false)
    noteSerialBlock(costs, 10, 20)
    expect(costs.serialMs).toBe(0.5)
    // 0.1 < 0.8 × 0.5: worker threads pay.
    expect(workersPay(costs, 0.8, 16)).toBe(true)
    // Running averages.
    noteParallelBlock(costs, 6, 20)
    expect(costs.mergeMs).toBe(0.2)
    noteSerialBlock(costs, 14, 20)
    expect(costs.serialMs).toBe(0.6)
  })

  it('takes the serial path while a merge costs about what serial execution does, taking the other path every interval', () => {
    for (const [mergeMs, pay] of [
      [9, false],
      [1, true],
    ] as const) {
      const costs = createLaneCosts()
      noteParallelBlock(costs, mergeMs, 10)
      expect(workersPay(costs, 0.8, 4)).toBe(false)
      noteSerialBlock(costs, 10, 10)
      const decisions: boolean[] = []
      for (let block = 0; block < 8; block++) {
        const parallel = workersPay(costs, 0.8, 4)
        decisions.push(parallel)
        if (parallel) noteParallelBlock(costs, mergeMs, 10)
        else noteSerialBlock(costs, 10, 10)
      }
      expect(decisions).toEqual([pay, pay, pay, !pay, pay, pay, pay, !pay])
    }
  })

  it('skips the serial probe while the main lane of each parallel block confirms that merges are cheaper', () => {
    // Merges 0.1 ms, serial execution 1 ms per transaction: parallel, probe interval 4.
    const start = () => {
      const costs = createLaneCosts()
      noteParallelBlock(costs, 1, 10)
      expect(workersPay(costs, 0.8, 4)).toBe(false)
      noteSerialBlock(costs, 10, 10)
      return costs
    }
    const run = (costs: ReturnType<typeof createLaneCosts>, laneMs: number, laneTxs: number) => {
      const decisions: boolean[] = []
      for (let block = 0; block < 8; block++) {
        const parallel = workersPay(costs, 0.8, 4)
        decisions.push(parallel)
        if (parallel) {
          noteParallelBlock(costs, 1, 10)
          noteMainLane(costs, laneMs, laneTxs)
        } else noteSerialBlock(costs, 10, 10)
      }
      return decisions
    }
    // The main lane executes at 0.9 ms per transaction: merges are cheaper, no serial block.
    expect(run(start(), 9, 10)).toEqual([true, true, true, true, true, true, true, true])
    // Too few main-lane transactions to count: the serial probe as before.
    expect(run(start(), 0.9, LANE_COSTS_SAMPLES_MIN - 1)).toEqual([
      true,
      true,
      true,
      false,
      true,
      true,
      true,
      false,
    ])
    // The main lane says a merge costs about what an execution does: the serial path is measured.
    expect(run(start(), 1.1, 10)).toEqual([true, true, true, false, true, true, true, false])
    // A main-lane figure from before the last probe point is not fresh: it does not skip the next.
    const costs = start()
    noteMainLane(costs, 9, 10)
    expect(costs.laneMs).toBe(0.9)
    const decisions: boolean[] = []
    for (let block = 0; block < 8; block++) {
      const parallel = workersPay(costs, 0.8, 4)
      decisions.push(parallel)
      noteParallelBlock(costs, 1, 10)
    }
    expect(decisions).toEqual([true, true, true, true, true, true, true, false])
  })

  it('measures merges again at once when serial blocks change cost per transaction by more than the factor, twice in a row', () => {
    for (const [ms, probe] of [
      [30 * LANE_WORKLOAD_CHANGE_FACTOR * 1.01, true],
      [30 / LANE_WORKLOAD_CHANGE_FACTOR / 1.01, true],
      [30 * LANE_WORKLOAD_CHANGE_FACTOR * 0.99, false],
    ] as const) {
      const costs = createLaneCosts()
      // A merge costs 50 ms, serial execution 3 ms per transaction: the serial path.
      noteParallelBlock(costs, 500, 10)
      noteSerialBlock(costs, 30, 10)
      expect(workersPay(costs, 0.8, 16)).toBe(false)
      // One far block may be noise: no probe, and the average keeps it out.
      noteSerialBlock(costs, ms, 10)
      expect(workersPay(costs, 0.8, 16)).toBe(false)
      expect(costs.serialMs).toBe(probe ? 3 : 3 + LANE_COSTS_WEIGHT * (ms / 10 - 3))
      // A normal block in between starts the count again.
      noteSerialBlock(costs, 30, 10)
      noteSerialBlock(costs, ms, 10)
      expect(workersPay(costs, 0.8, 16)).toBe(false)
      noteSerialBlock(costs, ms, 10)
      expect(workersPay(costs, 0.8, 16)).toBe(probe)
      expect(LANE_WORKLOAD_CHANGE_BLOCKS).toBe(2)
      if (probe) {
        // Another workload: the old merge cost is forgotten and the serial cost starts over.
        expect(Number.isNaN(costs.mergeMs)).toBe(true)
        expect(costs.serialMs).toBe(ms / 10)
        noteParallelBlock(costs, 1, 10)
        expect(workersPay(costs, 0.8, 16)).toBe(0.1 < 0.8 * (ms / 10))
      }
    }
  })
})
