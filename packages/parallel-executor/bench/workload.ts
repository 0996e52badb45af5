/**
 * The serial-execution workloads of bench/run.ts: DagTransfer `userTransfer` (a precompile,
 * 1,000 users) and a Solidity ERC-20 `transfer` (1,000 recipients), one block at a time, on
 * AMDB StorageState (memory or LevelDB driver) or on MPT state over LevelDB with the block's
 * tables in a LevelDB AMDB.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createAMDB,
  createLevelDBDriver,
  createMemoryDriver,
  createStorageState,
  type TableFactory,
} from '@consortia/amdb'
import { createECDSASuite } from '@consortia/crypto'
import type { Executor, SignedTransaction, StateView } from '@consortia/interface'
import { createLevelKvStore } from '@consortia/kv-level'
import { createMPTState } from '@consortia/mpt'
import { Common, Mainnet } from '@ethereumjs/common'
import { createEVM } from '@ethereumjs/evm'
import { Address as EthAddress } from '@ethereumjs/util'
import { encodeDeployData, encodeFunctionData, parseAbi } from 'viem'
import { numberToAddress } from '../src/bytes.js'
import { ERC20_SOL } from '../test/helpers/contracts.js'
import { compile } from '../test/helpers/solc.js'

/** Noble backend: figures do not depend on the optional native module. */
export const benchSuite = createECDSASuite({ backend: 'noble' })

/** Where the world state lives. */
export type BenchState = 'StorageState/memory' | 'StorageState/LevelDB' | 'MPTState/LevelDB'
/** What the block's transactions do. */
export type BenchWorkload = 'DagTransfer' | 'ERC-20'

/** Timings of one measured block. */
export interface BlockTiming {
  /** Wall time of `execute` (receipts and the block's state root included). */
  readonly execMs: number
  /** Process CPU time (all threads) during `execute`. */
  readonly cpuMs: number
  /** Wall time of committing the block to storage afterwards. */
  readonly commitMs: number
}

const DAG = parseAbi([
  'function userAdd(string, uint256) returns (int256)',
  'function userTransfer(string, string, uint256) returns (int256)',
])
const USERS = 1000
let token: { abi: readonly unknown[]; bytecode: `0x${string}` } | undefined

let n = 0n
function tx(from: Uint8Array, to: Uint8Array | null, data: `0x${string}`, block: number): SignedTransaction {
  n++
  const bytes = Uint8Array.from(Buffer.from(data.slice(2), 'hex'))
  return {
    tx: {
      format: 'rc2',
      nonce: n,
      gasPrice: 0n,
      gas: 0n,
      blockLimit: BigInt(block + 500),
      to,
      value: 0n,
      data: bytes,
      chainId: 1n,
      groupId: 1n,
      extraData: new Uint8Array(),
      signature: { kind: 'ecdsa', v: 27, r: 1n, s: 1n },
    },
    raw: bytes,
    hash: benchSuite.hash(new Uint8Array([...bytes, Number(n & 255n)])),
    sender: from,
  }
}

const ctx = (number: number) => ({
  number,
  timestamp: number * 1000,
  gasLimit: 0n,
  parentHash: new Uint8Array(32),
  sealer: new Uint8Array(20),
})

interface BenchWorld {
  state: StateView
  tables: TableFactory
  next(): Promise<void>
  close(): Promise<void>
}

async function openWorld(kind: BenchState, dir: string): Promise<BenchWorld> {
  const driver =
    kind === 'StorageState/memory'
      ? createMemoryDriver()
      : await createLevelDBDriver({ location: join(dir, 'tables') })
  const amdb = createAMDB({ driver, hash: benchSuite.hash })
  let tables = await amdb.openBlock()
  if (kind !== 'MPTState/LevelDB') {
    const world: BenchWorld = {
      state: createStorageState({ tables, hash: benchSuite.hash }),
      tables,
      async next() {
        await tables.commit()
        tables = await amdb.openBlock()
        world.tables = tables
        world.state = createStorageState({ tables, hash: benchSuite.hash })
      },
      close: () => amdb.close(),
    }
    return world
  }
  const kv = await createLevelKvStore({ location: join(dir, 'state') })
  const mpt = await createMPTState({ store: kv, hash: benchSuite.hash })
  const world: BenchWorld = {
    state: mpt,
    tables,
    async next() {
      await mpt.commitBlock()
      await tables.commit()
      tables = await amdb.openBlock()
      world.tables = tables
    },
    async close() {
      await amdb.close()
      await kv.close()
    },
  }
  return world
}

/** Runs `blocks` blocks of `txsPerBlock` transactions after a setup block; times each block. */
export async function runWorkload(opts: {
  readonly executor: (tables: () => TableFactory) => Executor
  readonly state: BenchState
  readonly workload: BenchWorkload
  readonly txsPerBlock: number
  readonly blocks: number
  /** Called before each block is executed (a profiler can start at a chosen block). */
  readonly onBlock?: (index: number) => void | Promise<void>
}): Promise<BlockTiming[]> {
  token ??= compile({ 'Token.sol': ERC20_SOL }).Token
  if (token === undefined) throw new Error('bench: Token did not compile')
  const dir = mkdtempSync(join(tmpdir(), 'pe-bench-'))
  const world = await openWorld(opts.state, dir)
  try {
    const executor = opts.executor(() => world.tables)
    const alice = numberToAddress(0xa11ce)
    const dag = numberToAddress(0x5002)
    const users = Array.from({ length: USERS }, (_, i) => `user${i}`)
    const setup = await executor.execute(
      ctx(1),
      [
        ...users.map((u) =>
          tx(alice, dag, encodeFunctionData({ abi: DAG, functionName: 'userAdd', args: [u, 10n ** 12n] }), 1),
        ),
        tx(
          alice,
          null,
          encodeDeployData({ abi: token!.abi, bytecode: token.bytecode, args: [10n ** 30n] }),
          1,
        ),
      ],
      world.state,
    )
    if (setup.receipts.some((r) => r.status !== 0)) throw new Error('bench: setup failed')
    const tokenAddress = setup.receipts.at(-1)?.contractAddress as Uint8Array
    await world.next()
    const make =
      opts.workload === 'DagTransfer'
        ? (i: number, block: number) =>
            tx(
              alice,
              dag,
              encodeFunctionData({
                abi: DAG,
                functionName: 'userTransfer',
                args: [users[i % USERS] as string, users[(i * 7 + 1) % USERS] as string, 1n],
              }),
              block,
            )
        : (i: number, block: number) =>
            tx(
              alice,
              tokenAddress,
              encodeFunctionData({
                abi: token!.abi,
                functionName: 'transfer',
                args: [`0x${(i % USERS).toString(16).padStart(40, '0')}`, 1n],
              }),
              block,
            )
    // Built before any timing, so the figures hold execution alone. (No forced GC in
    // between: a full collection shrinks V8's young generation and halves the rate.)
    const blockTxs = Array.from({ length: opts.blocks }, (_, b) =>
      Array.from({ length: opts.txsPerBlock }, (_, i) => make(i, 2 + b)),
    )
    const timings: BlockTiming[] = []
    for (let b = 0; b < opts.blocks; b++) {
      const txs = blockTxs[b] as SignedTransaction[]
      await opts.onBlock?.(b)
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      const r = await executor.execute(ctx(2 + b), txs, world.state)
      const t1 = performance.now()
      const cpu = process.cpuUsage(cpu0)
      if (r.receipts.some((x) => x.status !== 0))
        throw new Error(`bench: a ${opts.workload} transaction failed`)
      await world.next()
      const t2 = performance.now()
      timings.push({ execMs: t1 - t0, cpuMs: (cpu.user + cpu.system) / 1000, commitMs: t2 - t1 })
    }
    return timings
  } finally {
    await world.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The reference point: the same ERC-20 `transfer`s through bare @ethereumjs/evm
 * `runCall` on its in-memory `SimpleStateManager` (no FISCO rules, receipts, tables or state
 * root), one `runCall` and journal cleanup per transaction, as a VM would do.
 */
export async function runEthereumjsReference(opts: {
  readonly txsPerBlock: number
  readonly blocks: number
}): Promise<BlockTiming[]> {
  token ??= compile({ 'Token.sol': ERC20_SOL }).Token
  if (token === undefined) throw new Error('bench: Token did not compile')
  const evm = await createEVM({ common: new Common({ chain: Mainnet, hardfork: 'cancun' }) })
  const caller = new EthAddress(numberToAddress(0xa11ce))
  const deploy = await evm.runCall({
    caller,
    data: hexBytes(encodeDeployData({ abi: token.abi, bytecode: token.bytecode, args: [10n ** 30n] })),
    gasLimit: 300_000_000n,
  })
  const to = deploy.createdAddress
  if (to === undefined || deploy.execResult.exceptionError !== undefined)
    throw new Error('bench: reference deploy failed')
  await evm.journal.cleanup()
  const data = Array.from({ length: opts.txsPerBlock }, (_, i) =>
    hexBytes(
      encodeFunctionData({
        abi: token!.abi,
        functionName: 'transfer',
        args: [`0x${(i % USERS).toString(16).padStart(40, '0')}`, 1n],
      }),
    ),
  )
  const timings: BlockTiming[] = []
  for (let b = 0; b < opts.blocks; b++) {
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    for (const d of data) {
      const r = await evm.runCall({ caller, to, data: d, gasLimit: 300_000_000n, skipNonceIncrement: true })
      if (r.execResult.exceptionError !== undefined) throw new Error('bench: reference transfer failed')
      evm.stateManager.originalStorageCache.clear()
      await evm.journal.cleanup()
    }
    const t1 = performance.now()
    const cpu = process.cpuUsage(cpu0)
    timings.push({ execMs: t1 - t0, cpuMs: (cpu.user + cpu.system) / 1000, commitMs: 0 })
  }
  return timings
}

const hexBytes = (hex: `0x${string}`) => Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
