import { encodeDeployData, encodeFunctionData } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { createParallelExecutor, createSerialExecutor } from '../src/index.js'
import { ALICE, blockContext, ecdsa, transaction } from './helpers/chain.js'
import { PARALLEL_SOL } from './helpers/contracts.js'
import { dumpWorld, sameAsSerial } from './helpers/parallel.js'
import { type Compiled, compile } from './helpers/solc.js'

/**
 * A contract whose parallel functions declare only the user's name as their mutex key but all
 * read (and `bump` also writes) one shared slot, `total`: the DAG lets them run at once, so
 * only validation on the main thread keeps results serial. Written for these tests.
 */
const SHARED_COUNTER_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
import "ParallelOk.sol";
contract SharedCounter is ParallelContract {
  uint256 public total;
  mapping(string => uint256) public seen;
  function bump(string memory name) public { total += 1; seen[name] = total; }
  function copy(string memory name) public { seen[name] = total; }
  function enableParallel() public override {
    registerParallelFunction("bump(string)", 1);
    registerParallelFunction("copy(string)", 1);
  }
  function disableParallel() public override {
    unregisterParallelFunction("bump(string)");
    unregisterParallelFunction("copy(string)");
  }
}
`
/** Storage slot of `total` (slot 0 holds ParallelContract's `precompiled` address). */
const TOTAL_SLOT = Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? 1 : 0))

let counter: Compiled

beforeAll(() => {
  counter = compile({ 'ParallelOk.sol': PARALLEL_SOL, 'SharedCounter.sol': SHARED_COUNTER_SOL })
    .SharedCounter as Compiled
}, 120_000)

/** `sameAsSerial`, and every transaction of the block succeeded. */
async function allOkAsSerial(...args: Parameters<typeof sameAsSerial>) {
  const expected = await sameAsSerial(...args)
  expect(expected.receipts.every((r) => r.status === 0)).toBe(true)
}

describe('parallel executor: reads validated by version', () => {
  it('detects cached values changed earlier in the block and values changed by a commit outside the executor, in both modes and with 2-4 worker threads', async () => {
    // 2, 3 and 4 worker threads that run every transaction (`never`: the main lane would take
    // some, and with them the stale reads this test needs on a worker).
    const configs = [
      { mode: 'dag', workers: 3, mainLane: 'never' },
      { mode: 'optimistic', workers: 4, mainLane: 'never' },
      // Few remembered versions: they start over many times a block.
      { mode: 'dag', workers: 5, mainLane: 'never', itemVersionsMax: 2 },
    ] as const
    for (const config of configs) {
      const a = await dumpWorld()
      const b = await dumpWorld()
      const executor = createParallelExecutor(
        { ...config, minTransactions: 1 },
        { crypto: ecdsa, tables: () => b.tables },
      )
      try {
        const deploy = transaction({
          from: ALICE,
          to: null,
          data: encodeDeployData({ abi: counter.abi, bytecode: counter.bytecode }),
        })
        const serial = createSerialExecutor({}, { crypto: ecdsa, tables: () => a.tables })
        const address = (await serial.execute(blockContext(1), [deploy], a.state)).receipts[0]
          ?.contractAddress as Uint8Array
        await executor.execute(blockContext(1), [deploy], b.state)
        await a.next()
        await b.next()
        const call = (functionName: 'bump' | 'copy' | 'enableParallel', args: readonly unknown[] = []) =>
          transaction({
            from: ALICE,
            to: address,
            data: encodeFunctionData({ abi: counter.abi, functionName, args }),
          })
        const many = (fn: 'bump' | 'copy', block: number) =>
          Array.from({ length: 20 }, (_, i) => call(fn, [`user${block}-${i}`]))
        await allOkAsSerial(a, b, executor, 2, [call('enableParallel')])
        // Block 3 fills the workers' caches (with `total` among them); in block 4 the cached
        // `total` changes with the first merged transaction, so later results that read the
        // cached value must fail validation.
        await allOkAsSerial(a, b, executor, 3, many('bump', 3))
        await allOkAsSerial(a, b, executor, 4, many('bump', 4))
        expect(executor.lastBlock?.workers).toBe(config.workers - 1)
        expect(executor.lastBlock?.conflicts).toBeGreaterThan(0)
        // A commit outside this executor changes `total`; the next block continues the chain,
        // so the workers keep their caches, whose `total` is now stale.
        for (const world of [a, b]) {
          await world.state.putStorage(
            address,
            TOTAL_SLOT,
            Uint8Array.from({ length: 32 }, () => 7),
          )
          await world.next()
        }
        await allOkAsSerial(a, b, executor, 5, many('copy', 5))
        // (With few remembered versions they started over in block 4, so block 5 began with
        // empty worker caches: nothing was stale.)
        if (!('itemVersionsMax' in config)) expect(executor.lastBlock?.conflicts).toBeGreaterThan(0)
        else expect(executor.lastBlock?.conflicts).toBe(0)
        // The failed validation sent the committed `total` to the workers: no conflict now.
        await allOkAsSerial(a, b, executor, 6, many('copy', 6))
        expect(executor.lastBlock?.merged).toBe(20)
        expect(executor.lastBlock?.conflicts).toBe(0)
      } finally {
        await executor.close()
      }
    }
  }, 240_000)

  it('refuses a bad itemVersionsMax with a labelled error', () => {
    expect(() => createParallelExecutor({ workers: 2, itemVersionsMax: 0 }, { crypto: ecdsa })).toThrow(
      /itemVersionsMax/,
    )
  })
})
