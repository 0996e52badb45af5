import type { SignedTransaction } from '@consortia/interface'
import { encodeFunctionData, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex } from '../src/bytes.js'
import {
  createParallelExecutor,
  createSerialExecutor,
  PARALLEL_WORKERS_MAX,
  type ParallelExecutor,
} from '../src/index.js'
import {
  ALICE,
  blockContext,
  ecdsa,
  mptWorld,
  sm,
  storageWorld,
  transaction,
  type World,
} from './helpers/chain.js'
import {
  CRASH_ADDRESS,
  CRASH_VALUE,
  precompiles as crashPrecompiles,
  HANG_VALUE,
} from './helpers/crash-precompile.js'
import {
  DAG_ABI,
  DAG_ADDRESS,
  type DumpWorld,
  dumpWorld,
  type Fixture,
  parallelContracts,
  parallelOkTransfer,
  plain,
  sameAsSerial,
  setupWorld,
} from './helpers/parallel.js'
import { runScenario, scenarioContracts } from './helpers/scenario.js'
import type { Compiled } from './helpers/solc.js'

beforeAll(() => {
  parallelContracts()
  scenarioContracts()
}, 120_000)

const transfer = (from: string, to: string, amount: bigint) =>
  transaction({
    from: ALICE,
    to: DAG_ADDRESS,
    data: encodeFunctionData({ abi: DAG_ABI, functionName: 'userTransfer', args: [from, to, amount] }),
  })

describe('parallel executor behaviour', () => {
  let current: { tables: DumpWorld['tables'] } | undefined
  const tables = () => {
    if (current === undefined) throw new Error('no world')
    return current.tables
  }
  let dag: ParallelExecutor
  let optimistic: ParallelExecutor
  beforeAll(() => {
    // `always`: every block in parallel, the main thread one of the 2 lanes. `never`: the
    // worker threads run every speculative transaction, so the optimistic conflicts below
    // cannot be taken by the main lane first.
    dag = createParallelExecutor(
      { workers: 2, mode: 'dag', mainLane: 'always', minTransactions: 1 },
      { crypto: ecdsa, sm, tables },
    )
    optimistic = createParallelExecutor(
      { workers: 3, mode: 'optimistic', mainLane: 'never', minTransactions: 1 },
      { crypto: ecdsa, sm, tables },
    )
  })
  afterAll(async () => {
    await dag.close()
    await optimistic.close()
  })

  async function pair(executor: ParallelExecutor): Promise<[DumpWorld, DumpWorld, Fixture]> {
    const a = await dumpWorld()
    const b = await dumpWorld()
    const fixture = await setupWorld(a, createSerialExecutor({}, { crypto: ecdsa, tables: () => a.tables }))
    current = b
    await setupWorld(b, executor)
    expect(b.dump()).toBe(a.dump())
    return [a, b, fixture]
  }

  it('completes a block where every transaction conflicts with serial results, in both modes', async () => {
    for (const executor of [dag, optimistic]) {
      const [a, b, fixture] = await pair(executor)
      const hot: SignedTransaction[] = []
      for (let i = 0; i < 30; i++) {
        hot.push(transfer(i % 2 === 0 ? 'hot0' : 'hot1', i % 2 === 0 ? 'hot1' : 'hot0', BigInt(1 + (i % 7))))
        hot.push(parallelOkTransfer(fixture, 'hot0', 'hot1', BigInt(i)))
      }
      await sameAsSerial(a, b, executor, 3, hot)
      // DAG: one chain per contract, no conflict found at merge time.
      expect(executor.lastBlock?.edges).toBe(58)
      expect(executor.lastBlock?.conflicts).toBe(0)
      // Unregistered ERC-20 transfers that all debit ALICE: barriers in dag mode, speculation
      // that fails validation in optimistic mode.
      const token = parallelContracts().Token as Compiled
      const recurse = Array.from({ length: 24 }, (_, i) =>
        transaction({
          from: ALICE,
          to: fixture.token,
          data: encodeFunctionData({
            abi: token.abi,
            functionName: 'transfer',
            args: [`0x${(i + 1).toString(16).padStart(40, '0')}`, 5n],
          }),
        }),
      )
      await sameAsSerial(a, b, executor, 4, recurse)
      if (executor === dag) expect(executor.lastBlock?.barriers).toBe(24)
      else expect(executor.lastBlock?.conflicts).toBeGreaterThan(0)
    }
  }, 180_000)

  it('runs the serial executor scenario (every receipt kind, transient table objects) with identical results', async () => {
    for (const [executor, kind] of [
      [dag, 'storage'],
      [optimistic, 'storage'],
      [dag, 'mpt'],
    ] as const) {
      const reference = kind === 'storage' ? await storageWorld() : await mptWorld()
      const world: World = kind === 'storage' ? await storageWorld() : await mptWorld()
      const expected = await runScenario(
        reference,
        createSerialExecutor({}, { crypto: ecdsa, sm, tables: () => reference.tables }),
      )
      current = world as unknown as DumpWorld
      const got = await runScenario(world, {
        execute: (context, txs, state) => {
          current = world as unknown as DumpWorld
          return executor.execute(context, txs, state)
        },
      })
      expect(got).toEqual(expected)
    }
  }, 240_000)

  it('hits its queue, batch, window and cache bounds and still gives serial results', async () => {
    const [a, b] = await pair(dag)
    const tight = createParallelExecutor(
      {
        // Two worker threads that run every transaction (the main lane would take some).
        workers: 3,
        mainLane: 'never',
        minTransactions: 1,
        workerQueueMax: 1,
        batchMax: 1,
        windowMax: 2,
        workerCacheEntriesMax: 2,
      },
      { crypto: ecdsa, tables: () => b.tables },
    )
    try {
      const txs = Array.from({ length: 40 }, (_, i) => transfer(`user${2 + i}`, `user${50 + (i % 7)}`, 3n))
      await sameAsSerial(a, b, tight, 3, txs)
      expect(tight.lastBlock?.workers).toBe(2)
      expect(tight.lastBlock?.merged).toBeGreaterThan(0)
    } finally {
      await tight.close()
    }
  }, 120_000)

  it('survives a worker that dies mid-block: its transactions run on the main thread, the next block respawns it', async () => {
    const a = await dumpWorld()
    const b = await dumpWorld()
    const init = { precompiles: crashPrecompiles() }
    const executor = createParallelExecutor(
      {
        ...init,
        // Two worker threads that run every transaction, so one of them meets the crash.
        workers: 3,
        mainLane: 'never',
        minTransactions: 1,
        precompilesModule: new URL('./helpers/crash-precompile.ts', import.meta.url),
      },
      { crypto: ecdsa, tables: () => b.tables },
    )
    const touch = parseAbi(['function touch(string, uint256) returns (uint256)'])
    const call = (key: string, n: bigint) =>
      transaction({
        from: ALICE,
        to: CRASH_ADDRESS,
        data: encodeFunctionData({ abi: touch, functionName: 'touch', args: [key, n] }),
      })
    const serial = createSerialExecutor(init, { crypto: ecdsa, tables: () => a.tables })
    try {
      for (const [number, crash] of [
        [1, true],
        [2, false],
      ] as const) {
        const txs = [
          ...Array.from({ length: 20 }, (_, i) => call(`k${i}`, BigInt(i + 100))),
          ...(crash ? [call('boom', CRASH_VALUE)] : []),
          ...Array.from({ length: 20 }, (_, i) => transfer(`x${i}`, `y${i}`, 1n)),
        ]
        const expected = await serial.execute(blockContext(number), txs, a.state)
        const got = await executor.execute(blockContext(number), txs, b.state)
        expect(got.receipts.map(plain)).toEqual(expected.receipts.map(plain))
        expect(bytesToHex(got.stateRoot)).toBe(bytesToHex(expected.stateRoot))
        await a.next()
        await b.next()
        expect(b.dump()).toBe(a.dump())
        if (crash) expect(executor.lastBlock?.fallbacks).toBeGreaterThan(0)
        else expect(executor.lastBlock?.workers).toBe(2)
      }
    } finally {
      await executor.close()
    }
  }, 120_000)

  it('treats a worker that hangs as dead after workerTimeoutMs: its transactions run on the main thread, the next block replaces it', async () => {
    const a = await dumpWorld()
    const b = await dumpWorld()
    const init = { precompiles: crashPrecompiles() }
    const timeoutMs = 3000
    const executor = createParallelExecutor(
      {
        ...init,
        // Two worker threads that run every transaction, so one of them meets the hang.
        workers: 3,
        mainLane: 'never',
        minTransactions: 1,
        workerTimeoutMs: timeoutMs,
        precompilesModule: new URL('./helpers/crash-precompile.ts', import.meta.url),
      },
      { crypto: ecdsa, tables: () => b.tables },
    )
    const touch = parseAbi(['function touch(string, uint256) returns (uint256)'])
    const call = (key: string, n: bigint) =>
      transaction({
        from: ALICE,
        to: CRASH_ADDRESS,
        data: encodeFunctionData({ abi: touch, functionName: 'touch', args: [key, n] }),
      })
    const serial = createSerialExecutor(init, { crypto: ecdsa, tables: () => a.tables })
    try {
      for (const [number, hang] of [
        [1, true],
        [2, false],
      ] as const) {
        const txs = [
          ...Array.from({ length: 10 }, (_, i) => call(`k${i}`, BigInt(i + 100))),
          // A key of its own: only this transaction waits for the hung worker.
          ...(hang ? [call('spin', HANG_VALUE)] : []),
          ...Array.from({ length: 20 }, (_, i) => transfer(`x${i}`, `y${i}`, 1n)),
        ]
        const expected = await serial.execute(blockContext(number), txs, a.state)
        const started = performance.now()
        const got = await executor.execute(blockContext(number), txs, b.state)
        const elapsedMs = performance.now() - started
        expect(got.receipts.map(plain)).toEqual(expected.receipts.map(plain))
        expect(got.receipts.every((r) => r.status === 0)).toBe(true)
        expect(bytesToHex(got.stateRoot)).toBe(bytesToHex(expected.stateRoot))
        await a.next()
        await b.next()
        expect(b.dump()).toBe(a.dump())
        if (hang) {
          // The block waited for the timeout, not forever, and gave the worker up.
          expect(elapsedMs).toBeGreaterThanOrEqual(timeoutMs)
          expect(executor.lastBlock?.hung).toBe(1)
          expect(executor.lastBlock?.fallbacks).toBeGreaterThan(0)
        } else {
          expect(executor.lastBlock?.hung).toBe(0)
          expect(executor.lastBlock?.workers).toBe(2)
          expect(executor.lastBlock?.merged).toBeGreaterThan(0)
        }
      }
    } finally {
      await executor.close()
    }
  }, 120_000)

  it('takes the serial path for 1 worker and small blocks, and refuses bad options with typed errors', async () => {
    const [a, b] = await pair(dag)
    const one = createParallelExecutor({ workers: 1 }, { crypto: ecdsa, tables: () => b.tables })
    const txs = Array.from({ length: 40 }, (_, i) => transfer(`user${2 + i}`, 'hot0', 1n))
    await sameAsSerial(a, b, one, 3, txs)
    expect(one.lastBlock?.workers).toBe(0)
    await one.close()
    await expect(one.execute(blockContext(4), txs, b.state)).rejects.toMatchObject({
      type: { code: 'EXECUTOR_CLOSED' },
    })
    expect(() => createParallelExecutor({ workers: 0 }, { crypto: ecdsa })).toThrow(/workers/)
    expect(() => createParallelExecutor({ workers: PARALLEL_WORKERS_MAX + 1 }, { crypto: ecdsa })).toThrow(
      /workers/,
    )
    expect(() => createParallelExecutor({ workers: 2, mode: 'eager' as 'dag' }, { crypto: ecdsa })).toThrow(
      /mode/,
    )
    expect(() => createParallelExecutor({ workers: 2, workerTimeoutMs: 0 }, { crypto: ecdsa })).toThrow(
      /workerTimeoutMs/,
    )
    expect(() =>
      createParallelExecutor({ workers: 2, mainLane: 'sometimes' as 'auto' }, { crypto: ecdsa }),
    ).toThrow(/mainLane/)
    let missing: unknown
    try {
      createParallelExecutor({ workers: 2, precompiles: crashPrecompiles() }, { crypto: ecdsa })
    } catch (err) {
      missing = err
    }
    expect(missing).toMatchObject({ type: { code: 'MISSING_COMPONENT' } })
  }, 120_000)
})
