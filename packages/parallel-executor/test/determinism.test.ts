/**
 * Attack catalogue A12 (non-determinism): contracts that read the block environment
 * (prevrandao/difficulty, coinbase, timestamp, gas price, gas left, gas limit, chain id, base fee,
 * block hash) must give identical receipts and roots on every node — so nothing in the execution
 * path may read the wall clock or an unordered map. Two independent worlds run the same blocks
 * with the system clock set to different times and must agree byte for byte.
 */
import { encodeDeployData, encodeFunctionData } from 'viem'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createSerialExecutor } from '../src/index.js'
import {
  ALICE,
  BOB,
  blockContext,
  hex,
  mptWorld,
  storageWorld,
  transaction,
  type World,
} from './helpers/chain.js'
import { type Compiled, compile } from './helpers/solc.js'

const ENV_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
contract Env {
  uint256 public randao; uint256 public time; address public sealer; uint256 public price;
  uint256 public left; uint256 public limit; uint256 public chain; uint256 public fee; bytes32 public parent;
  mapping(uint256 => uint256) public seen;
  function record(uint256 salt) external {
    randao = block.prevrandao; time = block.timestamp; sealer = block.coinbase; price = tx.gasprice;
    left = gasleft(); limit = block.gaslimit; chain = block.chainid; fee = block.basefee;
    parent = blockhash(block.number - 1);
    seen[uint256(keccak256(abi.encode(salt, block.timestamp, msg.sender)))] = gasleft();
  }
}`

let env: Compiled
beforeAll(() => {
  env = compile({ 'Env.sol': ENV_SOL }).Env as Compiled
})
afterEach(() => {
  vi.useRealTimers()
})

async function run(world: World, wallClockMs: number) {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(wallClockMs)
  const executor = createSerialExecutor({}, { crypto: world.crypto, tables: () => world.tables })
  const deploy = await executor.execute(
    blockContext(1),
    [
      transaction({
        from: ALICE,
        to: null,
        data: encodeDeployData({ abi: env.abi, bytecode: env.bytecode }),
      }),
    ],
    world.state,
  )
  await world.next()
  const address = deploy.receipts[0]?.contractAddress as Uint8Array
  const calls = Array.from({ length: 12 }, (_, i) =>
    transaction({
      from: i % 2 === 0 ? ALICE : BOB,
      to: address,
      data: encodeFunctionData({ abi: env.abi, functionName: 'record', args: [BigInt(i)] }),
    }),
  )
  const out = await executor.execute(blockContext(2), calls, world.state)
  return {
    deployRoot: hex(deploy.stateRoot),
    root: hex(out.stateRoot),
    receipts: out.receipts.map((r) => ({
      status: r.status,
      gas: r.gasUsed,
      output: hex(r.output),
      bloom: hex(r.logsBloom),
    })),
  }
}

describe('deterministic execution (attack catalogue A12)', () => {
  for (const [name, make] of [
    ['StorageState', () => storageWorld()],
    ['MPT state', () => mptWorld()],
  ] as const) {
    it(`A12: environment-reading contracts give identical receipts and roots on two nodes (${name})`, async () => {
      const first = await run(await make(), Date.UTC(2020, 0, 1))
      const second = await run(await make(), Date.UTC(2031, 5, 15, 12, 34, 56))
      expect(first.receipts.every((r) => r.status === 0)).toBe(true)
      expect(second).toEqual(first)
    })
  }
})
