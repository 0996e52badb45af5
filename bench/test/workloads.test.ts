/**
 * The workloads end to end through the real executor (no chain): each workload's set-up and a
 * level of its calls are pre-signed, decoded, recovered and executed block by block by
 * `createSerialExecutor` on AMDB state over the memory driver; every receipt must pass the
 * workload's own check, and the checks must refuse failures.
 */
import { createAMDB, createMemoryDriver, createStorageState, type TableFactory } from '@consortia/amdb'
import { bytesToHex, createECDSASuite } from '@consortia/crypto'
import type { SignedTransaction } from '@consortia/interface'
import { createSerialExecutor } from '@consortia/parallel-executor'
import { decodeTransaction, recoverSender, txHash } from '@consortia/protocol'
import { beforeAll, describe, expect, it } from 'vitest'
import { type DagCall, presign, userNames } from '../src/txgen.js'
import {
  compileContracts,
  isWorkloadName,
  nameToAddress,
  prepareWorkload,
  type ReceiptFields,
  receiptChecks,
  type SetupEnv,
  WORKLOAD_NAMES,
  withConstructorArgs,
} from '../src/workloads.js'

const suite = createECDSASuite()
const threadKeys = [1, 2, 3].map((k) => new Uint8Array(32).fill(k))
const threadAddresses = threadKeys.map((k) => `0x${bytesToHex(suite.address(suite.publicKey(k)))}`)

/** A one-node "chain" in memory: blocks of pre-signed transactions through the serial executor. */
async function memoryChain() {
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: suite.hash })
  let block: TableFactory = await amdb.openBlock()
  const executor = createSerialExecutor({}, { crypto: suite, tables: () => block })
  let height = 0
  let nonce = 1n
  const sign = (calls: readonly DagCall[], thread: (i: number) => number): SignedTransaction[] =>
    calls.map((c, i) => {
      const [raw] = presign(
        {
          suite,
          privateKey: threadKeys[thread(i)]!,
          chainId: 1,
          groupId: 1,
          blockNumber: height,
          nonceBase: nonce++,
        },
        [c],
      )
      const bytes = Uint8Array.from(Buffer.from(raw!.slice(2), 'hex'))
      const tx = decodeTransaction(bytes)
      return { tx, raw: bytes, hash: txHash(bytes, suite.hash), sender: recoverSender(tx, suite) }
    })
  const run = async (txs: SignedTransaction[]): Promise<ReceiptFields[]> => {
    height++
    const r = await executor.execute(
      {
        number: height,
        timestamp: height * 1000,
        gasLimit: 0n,
        parentHash: new Uint8Array(32),
        sealer: new Uint8Array(20),
      },
      txs,
      createStorageState({ tables: block, hash: suite.hash }),
    )
    await block.commit()
    block = await amdb.openBlock()
    return r.receipts.map((x) => ({
      status: `0x${x.status.toString(16)}`,
      output: `0x${bytesToHex(x.output)}`,
      contractAddress: x.contractAddress.every((b) => b === 0) ? null : `0x${bytesToHex(x.contractAddress)}`,
    }))
  }
  const env = (users: readonly string[]): SetupEnv => ({
    suite,
    users,
    threadAddresses,
    sendAndWait: (calls) => run(sign(calls, () => 0)),
    async sendMany(calls) {
      const receipts = await run(sign(calls, (i) => i % threadKeys.length))
      if (receipts.some((r) => Number(r.status) !== 0))
        throw new Error('sendMany: a set-up transaction failed')
    },
  })
  /** Runs a level: call i signed by thread i % threads, as the load generator does. */
  const level = (calls: readonly DagCall[]) => run(sign(calls, (i) => i % threadKeys.length))
  return { env, level }
}

beforeAll(() => {
  compileContracts()
}, 60_000)

describe('workloads through the executor', () => {
  it.each(WORKLOAD_NAMES.map((w) => [w]))(
    '%s: set-up and a level of 30 calls all pass the receipt check',
    async (name) => {
      const chain = await memoryChain()
      const users = userNames(`w${name}`, 12)
      const workload = await prepareWorkload(name, chain.env(users), 'r1')
      const calls = workload.levelCalls(30, 1)
      expect(calls).toHaveLength(30)
      const receipts = await chain.level(calls)
      const failed = receipts.filter((r) => !workload.receiptOk(r))
      expect(failed).toEqual([])
      // A second level with another seed works on the same state (balances, table).
      const again = await chain.level(workload.levelCalls(10, 2))
      expect(again.every((r) => workload.receiptOk(r))).toBe(true)
    },
  )

  it('erc20: a thread without funds fails the check (the check is not vacuous)', async () => {
    const chain = await memoryChain()
    const { token } = compileContracts()
    const [deployed] = await chain
      .env([])
      .sendAndWait([{ kind: 'deploy', code: withConstructorArgs(token, '(uint256)', [100n]) }])
    const to = deployed?.contractAddress as string
    // Thread 1 was never funded: its transfer reverts.
    const receipts = await chain.level([
      { kind: 'call', to, signature: 'transfer(address,uint256)', args: [threadAddresses[2], 1n] },
      { kind: 'call', to, signature: 'transfer(address,uint256)', args: [threadAddresses[2], 1n] },
    ])
    expect(receipts.map((r) => receiptChecks.erc20(r))).toEqual([true, false])
  })

  it('dag and table: a refused call fails the check', async () => {
    const chain = await memoryChain()
    const [r] = await chain.level([{ kind: 'transfer', from: 'nobody', to: 'none', amount: 1n }])
    expect(Number(r?.status)).toBe(0)
    expect(receiptChecks.dag(r!)).toBe(false)
    const [t] = await chain.level([
      {
        kind: 'call',
        to: '0x0000000000000000000000000000000000001002',
        signature: 'insert(string,string,string,string)',
        args: ['missing_table', 'k', '{"id":"k"}', ''],
      },
    ])
    expect(receiptChecks.table(t!)).toBe(false)
  })
})

describe('workload helpers', () => {
  it('names workloads and maps account names to addresses', () => {
    expect(WORKLOAD_NAMES.every(isWorkloadName)).toBe(true)
    expect(isWorkloadName('erc721')).toBe(false)
    const a = nameToAddress(suite, 'alice')
    expect(a).toMatch(/^0x[0-9a-f]{40}$/)
    expect(a).toBe(`0x${bytesToHex(suite.hash(new TextEncoder().encode('alice')).subarray(12))}`)
  })
  it('appends ABI-encoded constructor arguments', () => {
    expect(withConstructorArgs('0x6000', '(uint256)', [5n])).toBe(`0x6000${'0'.repeat(63)}5`)
  })
})
