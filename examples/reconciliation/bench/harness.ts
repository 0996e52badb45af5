/**
 * An in-process chain for the Reconciliation contract, to compare the serial and the parallel
 * executor on the same blocks (the reference node runs the serial executor only): AMDB over
 * the memory driver, StorageState, `createSerialExecutor` or `createParallelExecutor` (dag
 * mode) of @consortia/parallel-executor. Transactions carry their sender directly (the
 * executor does not check signatures; the node's pool does).
 */
import { createAMDB, createMemoryDriver, createStorageState, type TableFactory } from '@consortia/amdb'
import { createECDSASuite } from '@consortia/crypto'
import type { Address, Executor, Receipt, SignedTransaction } from '@consortia/interface'
import {
  createParallelExecutor,
  createSerialExecutor,
  type MainLane,
  type ParallelExecutor,
} from '@consortia/parallel-executor'
import { encodeDeployData, encodeFunctionData } from 'viem'
import { ReconciliationAbi, ReconciliationBytecode } from '../src/index.js'

/** The suite of the in-process chain. */
export const suite = createECDSASuite()

const addressOf = (n: number): Address => {
  const a = new Uint8Array(20)
  new DataView(a.buffer).setUint32(16, n)
  return a
}
const hex = (a: Uint8Array) => `0x${Buffer.from(a).toString('hex')}` as const

/** The operator and the two banks. */
export const parties = { operator: addressOf(0x0e), bankA: addressOf(0xa1), bankB: addressOf(0xb2) }

let nonce = 0n
/** A transaction from `sender` (RC2 fields, placeholder signature). */
export function transaction(sender: Address, to: Address | null, data: `0x${string}`): SignedTransaction {
  nonce++
  const bytes = Uint8Array.from(Buffer.from(data.slice(2), 'hex'))
  const n = new Uint8Array(8)
  new DataView(n.buffer).setBigUint64(0, nonce)
  return {
    tx: {
      format: 'rc2',
      nonce,
      gasPrice: 0n,
      gas: 0n,
      blockLimit: 900n,
      to,
      value: 0n,
      data: bytes,
      chainId: 1n,
      groupId: 1n,
      extraData: new Uint8Array(),
      signature: { kind: 'ecdsa', v: 27, r: 1n, s: 1n },
    },
    raw: bytes,
    hash: suite.hash(new Uint8Array([...bytes, ...n])),
    sender,
  }
}

/** One executed block. */
export interface BlockRun {
  readonly ms: number
  readonly receipts: readonly Receipt[]
  readonly stateRoot: Uint8Array
}

/** A chain with the contract deployed and `record` registered as parallel. */
export interface ReconWorld {
  readonly executor: Executor
  /** The parallel executor (its `lastBlock` statistics), undefined on the serial chain. */
  readonly parallel: ParallelExecutor | undefined
  readonly contract: Address
  /** `record(account, batchId, amount)` from `bank`. */
  record(bank: Address, account: string, batchId: string, amount: bigint): SignedTransaction
  /** Any call of the contract. */
  call(sender: Address, functionName: string, args: readonly unknown[]): SignedTransaction
  /** Executes `txs` as the next block, commits it, and returns the wall time of `execute`. */
  execute(txs: readonly SignedTransaction[]): Promise<BlockRun>
  close(): Promise<void>
}

/**
 * Opens a chain run by the serial executor (`workers` 0) or the parallel one with `workers`
 * lanes (the main thread and `workers` − 1 worker threads; `mainLane` as the executor takes it).
 */
export async function openReconWorld(workers: number, mainLane?: MainLane): Promise<ReconWorld> {
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: suite.hash })
  let block: TableFactory = await amdb.openBlock()
  const parallel: ParallelExecutor | undefined =
    workers === 0
      ? undefined
      : createParallelExecutor(
          { workers, mode: 'dag', minTransactions: 1, ...(mainLane === undefined ? {} : { mainLane }) },
          { crypto: suite, tables: () => block },
        )
  const executor: Executor = parallel ?? createSerialExecutor({}, { crypto: suite, tables: () => block })
  let height = 1
  const execute = async (txs: readonly SignedTransaction[]): Promise<BlockRun> => {
    const number = height++
    const t0 = performance.now()
    const r = await executor.execute(
      {
        number,
        timestamp: number * 1000,
        gasLimit: 0n,
        parentHash: new Uint8Array(32),
        sealer: new Uint8Array(20),
      },
      [...txs],
      createStorageState({ tables: block, hash: suite.hash }),
    )
    const ms = performance.now() - t0
    await block.commit()
    block = await amdb.openBlock()
    return { ms, receipts: r.receipts, stateRoot: r.stateRoot }
  }
  const deployed = await execute([
    transaction(
      parties.operator,
      null,
      encodeDeployData({
        abi: ReconciliationAbi,
        bytecode: ReconciliationBytecode,
        args: [hex(parties.bankA), hex(parties.bankB)],
      }),
    ),
  ])
  const contract = deployed.receipts[0]?.contractAddress
  if (deployed.receipts[0]?.status !== 0 || contract == null) throw new Error('harness: deploy failed')
  const call = (sender: Address, functionName: string, args: readonly unknown[]) =>
    transaction(
      sender,
      contract,
      encodeFunctionData({ abi: ReconciliationAbi, functionName, args } as Parameters<
        typeof encodeFunctionData
      >[0]),
    )
  const enabled = await execute([call(parties.operator, 'enableParallel', [])])
  if (enabled.receipts[0]?.status !== 0) throw new Error('harness: enableParallel failed')
  return {
    executor,
    parallel,
    contract,
    call,
    record: (bank, account, batchId, amount) => call(bank, 'record', [account, batchId, amount]),
    execute,
    async close() {
      await parallel?.close()
      await amdb.close()
    },
  }
}
