import {
  createAMDB,
  createMemoryDriver,
  createStorageState,
  type MemoryDriver,
  type StorageState,
  type TableFactory,
} from '@consortia/amdb'
import type { Executor, Receipt, SignedTransaction } from '@consortia/interface'
import { encodeDeployData, encodeFunctionData, parseAbi } from 'viem'
import { expect } from 'vitest'
import { bytesToHex, numberToAddress } from '../../src/bytes.js'
import { createSerialExecutor } from '../../src/index.js'
import { ALICE, BOB, blockContext, ecdsa, transaction } from './chain.js'
import { ERC20_SOL, PARALLEL_SOL } from './contracts.js'
import { type Compiled, compile } from './solc.js'

/** A StorageState world over a memory driver whose committed rows (hidden fields included) can be dumped. */
export interface DumpWorld {
  state: StorageState
  tables: TableFactory
  /** Commits the block and opens the next. */
  next(): Promise<void>
  /** Every committed row of every table, with ids and block numbers, as JSON. */
  dump(): string
}

export async function dumpWorld(): Promise<DumpWorld> {
  const driver: MemoryDriver = createMemoryDriver()
  const amdb = createAMDB({ driver, hash: ecdsa.hash })
  let block: TableFactory = await amdb.openBlock()
  const world: DumpWorld = {
    state: createStorageState({ tables: block, hash: ecdsa.hash }),
    get tables() {
      return block
    },
    async next() {
      await block.commit()
      block = await amdb.openBlock()
      world.state = createStorageState({ tables: block, hash: ecdsa.hash })
    },
    dump() {
      const tables = [...driver.data.tables].sort(([a], [b]) => (a < b ? -1 : 1))
      return JSON.stringify(
        tables.map(([name, keys]) => [name, [...keys].sort(([a], [b]) => (a < b ? -1 : 1))]),
      )
    },
  }
  return world
}

/** Receipt fields as plain JSON values. */
export function plain(r: Receipt): unknown {
  return {
    status: r.status,
    gasUsed: r.gasUsed.toString(),
    remainGas: String(r.remainGas),
    output: bytesToHex(r.output),
    contractAddress: bytesToHex(r.contractAddress),
    stateRoot: bytesToHex(r.stateRoot),
    bloom: bytesToHex(r.logsBloom),
    logs: r.logs.map((l) => [bytesToHex(l.address), ...l.topics.map(bytesToHex), bytesToHex(l.data)]),
  }
}

export const DAG_ABI = parseAbi([
  'function userAdd(string, uint256) returns (int256)',
  'function userBalance(string) view returns (int256, uint256)',
  'function userTransfer(string, string, uint256) returns (int256)',
  'function userDraw(string, uint256) returns (int256)',
])
const SYSTEM_CONFIG = parseAbi(['function setValueByKey(string key, string value) returns (int256)'])
export const DAG_ADDRESS = numberToAddress(0x5002)

let compiled: Record<string, Compiled> | undefined
/** ParallelOk (registers transfer/set with ParallelConfig), Misc (revert, spin) and Child. */
export function parallelContracts(): Record<string, Compiled> {
  compiled ??= compile({ 'ParallelOk.sol': PARALLEL_SOL, 'Token.sol': ERC20_SOL })
  return compiled
}

/** The contracts and users a world holds after `setupWorld`. */
export interface Fixture {
  readonly parallelOk: Uint8Array
  readonly misc: Uint8Array
  /** An ERC-20 whose whole supply ALICE holds (unregistered: its transfers declare nothing). */
  readonly token: Uint8Array
  readonly users: readonly string[]
}

/** A ParallelOk `transfer(from, to, amount)` by ALICE (registered: its mutex keys are `from` and `to`). */
export function parallelOkTransfer(
  fixture: Fixture,
  from: string,
  to: string,
  amount: bigint,
): SignedTransaction {
  const p = parallelContracts().ParallelOk as Compiled
  return transaction({
    from: ALICE,
    to: fixture.parallelOk,
    data: encodeFunctionData({ abi: p.abi, functionName: 'transfer', args: [from, to, amount] }),
  })
}

/** Users that random blocks pick from; the first two are the "hot" ones conflicting transactions share. */
export const USERS = Array.from({ length: 100 }, (_, i) => (i < 2 ? `hot${i}` : `user${i}`))

/**
 * Two setup blocks: deploy ParallelOk and Misc; register ParallelOk's parallel functions, give
 * every user a balance in DagTransfer and ParallelOk, and lower `tx_gas_limit` to 300,000
 * from block 3 on (out-of-gas stays cheap).
 */
export async function setupWorld(world: DumpWorld, executor: Executor): Promise<Fixture> {
  const c = parallelContracts()
  const p = c.ParallelOk as Compiled
  const misc = c.Misc as Compiled
  const token = c.Token as Compiled
  const r1 = await executor.execute(
    blockContext(1),
    [
      transaction({ from: ALICE, to: null, data: encodeDeployData({ abi: p.abi, bytecode: p.bytecode }) }),
      transaction({
        from: ALICE,
        to: null,
        data: encodeDeployData({ abi: misc.abi, bytecode: misc.bytecode }),
      }),
      transaction({
        from: ALICE,
        to: null,
        data: encodeDeployData({ abi: token.abi, bytecode: token.bytecode, args: [10n ** 24n] }),
      }),
    ],
    world.state,
  )
  await world.next()
  const parallelOk = r1.receipts[0]?.contractAddress as Uint8Array
  const miscAddress = r1.receipts[1]?.contractAddress as Uint8Array
  const tokenAddress = r1.receipts[2]?.contractAddress as Uint8Array
  const txs: SignedTransaction[] = [
    transaction({
      from: ALICE,
      to: parallelOk,
      data: encodeFunctionData({ abi: p.abi, functionName: 'enableParallel' }),
    }),
    transaction({
      from: ALICE,
      to: numberToAddress(0x1000),
      data: encodeFunctionData({
        abi: SYSTEM_CONFIG,
        functionName: 'setValueByKey',
        args: ['tx_gas_limit', '300000'],
      }),
    }),
  ]
  for (const u of USERS) {
    txs.push(
      transaction({
        from: BOB,
        to: DAG_ADDRESS,
        data: encodeFunctionData({ abi: DAG_ABI, functionName: 'userAdd', args: [u, 1000n] }),
      }),
    )
    txs.push(
      transaction({
        from: BOB,
        to: parallelOk,
        data: encodeFunctionData({ abi: p.abi, functionName: 'set', args: [u, 1000n] }),
      }),
    )
  }
  const r2 = await executor.execute(blockContext(2), txs, world.state)
  if (r2.receipts.some((r) => r.status !== 0)) throw new Error('setup block failed')
  await world.next()
  return { parallelOk, misc: miscAddress, token: tokenAddress, users: USERS }
}

/** One generated transaction of a random block. */
export interface RandomOp {
  readonly kind:
    | 'dag-transfer'
    | 'sol-transfer'
    | 'sol-set'
    | 'dag-balance'
    | 'sol-balance'
    | 'deploy'
    | 'revert'
    | 'out-of-gas'
    | 'dag-draw-missing'
  /** 0-99: below the block's conflict rate (percent), the op uses the hot users. */
  readonly dice: number
  readonly amount: number
}

/** Builds a block's transactions from generated ops; cold ops use users no other op of the block uses. */
export function buildBlock(
  ops: readonly RandomOp[],
  conflictPercent: number,
  fixture: Fixture,
): SignedTransaction[] {
  const c = parallelContracts()
  const p = c.ParallelOk as Compiled
  const misc = c.Misc as Compiled
  const child = c.Child as Compiled
  let cold = 2
  const pair = (op: RandomOp): [string, string] => {
    if (op.dice < conflictPercent) return op.dice % 2 === 0 ? ['hot0', 'hot1'] : ['hot1', 'hot0']
    const a = USERS[cold++] as string
    const b = USERS[cold++] as string
    return [a, b]
  }
  const txOf = (op: RandomOp): SignedTransaction => {
    const [from, to] = pair(op)
    const amount = BigInt(op.amount)
    switch (op.kind) {
      case 'dag-transfer':
        return transaction({
          from: ALICE,
          to: DAG_ADDRESS,
          data: encodeFunctionData({ abi: DAG_ABI, functionName: 'userTransfer', args: [from, to, amount] }),
        })
      case 'sol-transfer':
        return parallelOkTransfer(fixture, from, to, amount)
      case 'sol-set':
        return transaction({
          from: ALICE,
          to: fixture.parallelOk,
          data: encodeFunctionData({ abi: p.abi, functionName: 'set', args: [from, amount] }),
        })
      case 'dag-balance':
        return transaction({
          from: ALICE,
          to: DAG_ADDRESS,
          data: encodeFunctionData({ abi: DAG_ABI, functionName: 'userBalance', args: [from] }),
        })
      case 'sol-balance':
        return transaction({
          from: ALICE,
          to: fixture.parallelOk,
          data: encodeFunctionData({ abi: p.abi, functionName: 'balanceOf', args: [from] }),
        })
      case 'deploy':
        return transaction({
          from: ALICE,
          to: null,
          data: encodeDeployData({ abi: child.abi, bytecode: child.bytecode }),
        })
      case 'revert':
        return transaction({
          from: ALICE,
          to: fixture.misc,
          data: encodeFunctionData({ abi: misc.abi, functionName: 'fail', args: [from] }),
        })
      case 'out-of-gas':
        return transaction({
          from: ALICE,
          to: fixture.misc,
          data: encodeFunctionData({ abi: misc.abi, functionName: 'spin' }),
        })
      case 'dag-draw-missing':
        return transaction({
          from: ALICE,
          to: DAG_ADDRESS,
          data: encodeFunctionData({
            abi: DAG_ABI,
            functionName: 'userDraw',
            args: [`nobody${op.amount}`, 1n],
          }),
        })
    }
  }
  return ops.map(txOf)
}

/**
 * Runs `txs` as block `number` serially on `a` and with `executor` on `b`, commits both, and
 * expects identical receipts, state root, gas and committed rows; returns the serial result.
 */
export async function sameAsSerial(
  a: DumpWorld,
  b: DumpWorld,
  executor: Executor,
  number: number,
  txs: readonly SignedTransaction[],
) {
  const serial = createSerialExecutor({}, { crypto: ecdsa, tables: () => a.tables })
  const expected = await serial.execute(blockContext(number), txs, a.state)
  const got = await executor.execute(blockContext(number), txs, b.state)
  expect(got.receipts.map(plain)).toEqual(expected.receipts.map(plain))
  expect(bytesToHex(got.stateRoot)).toBe(bytesToHex(expected.stateRoot))
  expect(got.gasUsed).toBe(expected.gasUsed)
  await a.next()
  await b.next()
  expect(b.dump()).toBe(a.dump())
  return expected
}
