/**
 * End to end on a 4-node PBFT chain (four `consortia start` processes): the operator deploys
 * the contract and registers `record` with ParallelConfig 0x1006; bank A and bank B, each on
 * its own node, record their views of transfer batches concurrently and close them; the
 * reconciliation flags differing accounts and wrong control totals; outsiders and late records
 * are refused.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestChain, type TestChain, waitInSync } from '@consortia/reference-node'
import { type Client, createAccount, createClient, createHttpTransport, isSDKError } from '@consortia/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  accountsOf,
  type BatchEntry,
  batchResult,
  batchToCsv,
  closeBatch,
  deployReconciliation,
  isReconError,
  openReconciliation,
  RECONCILE_ACCOUNTS_MAX,
  RECORD_IN_FLIGHT_MAX,
  type ReconciliationContract,
  reconcile,
  recordBatch,
  runCli,
} from '../src/index.js'

/** Deterministic batch: `n` accounts with amounts derived from their index. */
function makeBatch(prefix: string, n: number): BatchEntry[] {
  return Array.from({ length: n }, (_, i) => ({ account: `${prefix}-${i}`, amount: BigInt(1_000 + i * 37) }))
}

describe('reconciliation on a 4-node chain', () => {
  let chain: TestChain
  let operator: Client
  let bankA: Client
  let bankB: Client
  let outsider: Client
  let contract: ReconciliationContract
  const key = (n: number) => `0x${n.toString(16).padStart(64, '0')}`

  beforeAll(async () => {
    chain = await startTestChain(['-l', '127.0.0.1:4', '--consensus-timeout-ms', '1000'], 4, 23_001)
    const client = (node: number, secret: number) =>
      createClient({
        transport: createHttpTransport({ url: chain.nodes[node]!.rpc.url }),
        account: createAccount('ecdsa', key(secret)),
        pollIntervalMs: 100,
      })
    operator = client(2, 0x0e)
    bankA = client(0, 0xa1)
    bankB = client(1, 0xb2)
    outsider = client(3, 0x77)
    contract = await deployReconciliation(operator, {
      bankA: bankA.account!.address,
      bankB: bankB.account!.address,
    })
    await contract.write('enableParallel')
  }, 240_000)
  afterAll(async () => {
    await chain?.close()
  })

  /** Reads on another node see earlier writes. */
  const synced = () => waitInSync(chain)

  it('reconciles a batch both banks booked alike', async () => {
    const entries = makeBatch('acct', 16)
    await Promise.all([
      recordBatch(bankA, contract.address, 'B-1', entries),
      recordBatch(bankB, contract.address, 'B-1', entries),
    ])
    await closeBatch(openReconciliation(bankA, contract.address), 'B-1', entries)
    await closeBatch(openReconciliation(bankB, contract.address), 'B-1', entries)
    const outcome = await reconcile(
      openReconciliation(bankB, contract.address),
      'B-1',
      accountsOf(entries, entries),
    )
    const total = entries.reduce((s, e) => s + e.amount, 0n)
    expect(outcome).toMatchObject({ status: 'matched', totalA: total, totalB: total, mismatches: [] })
    expect(outcome.controlTotalMismatches).toEqual([])
    // Every node holds the same result.
    await synced()
    const onNode3 = openReconciliation(outsider, contract.address)
    expect(await batchResult(onNode3, 'B-1')).toEqual({
      status: 'matched',
      totalA: total,
      totalB: total,
      mismatches: 0,
    })
    expect(await onNode3.read('recordedAmount', ['B-1', bankB.account!.address, 'acct-5'])).toBe(1_185n)
  })

  it('flags accounts booked differently or by one bank only', async () => {
    const a = makeBatch('acct', 10)
    // Bank B booked acct-3 with 1 more and never booked acct-7; it booked acct-x which A did not.
    const b = a
      .filter((e) => e.account !== 'acct-7')
      .map((e) => (e.account === 'acct-3' ? { ...e, amount: e.amount + 1n } : e))
      .concat([{ account: 'acct-x', amount: 500n }])
    await Promise.all([
      recordBatch(bankA, contract.address, 'B-2', a),
      recordBatch(bankB, contract.address, 'B-2', b),
    ])
    await closeBatch(openReconciliation(bankA, contract.address), 'B-2', a)
    await closeBatch(openReconciliation(bankB, contract.address), 'B-2', b)
    const outcome = await reconcile(openReconciliation(bankA, contract.address), 'B-2', accountsOf(a, b))
    expect(outcome.status).toBe('mismatched')
    expect(outcome.mismatches).toEqual([
      { account: 'acct-3', amountA: 1_111n, amountB: 1_112n },
      { account: 'acct-7', amountA: 1_259n, amountB: 0n },
      { account: 'acct-x', amountA: 0n, amountB: 500n },
    ])
    // Each bank's control totals match its own records over the union of accounts.
    expect(outcome.controlTotalMismatches).toEqual([])
    await synced()
    expect((await batchResult(openReconciliation(outsider, contract.address), 'B-2')).mismatches).toBe(3)
  })

  it('flags a control total that does not match the records', async () => {
    const entries = makeBatch('acct', 4)
    await Promise.all([
      recordBatch(bankA, contract.address, 'B-3', entries),
      recordBatch(bankB, contract.address, 'B-3', entries),
    ])
    const total = entries.reduce((s, e) => s + e.amount, 0n)
    // Bank A declares 10 more than it recorded.
    await openReconciliation(bankA, contract.address).write('closeBatch', ['B-3', total + 10n, 4n])
    await closeBatch(openReconciliation(bankB, contract.address), 'B-3', entries)
    const outcome = await reconcile(
      openReconciliation(bankA, contract.address),
      'B-3',
      accountsOf(entries, entries),
    )
    expect(outcome.status).toBe('mismatched')
    expect(outcome.mismatches).toEqual([])
    expect(outcome.controlTotalMismatches).toEqual([
      { bank: bankA.account!.address, declaredTotal: total + 10n, recordedTotal: total },
    ])
  })

  it('refuses outsiders, records after closing, a second reconciliation and parallel switches by others', async () => {
    const revert = async (p: Promise<unknown>) => {
      try {
        await p
      } catch (err) {
        if (isSDKError(err, 'SDK_TX_FAILED')) return err.type.revertReason
        throw err
      }
      throw new Error('expected the transaction to fail')
    }
    const asOutsider = openReconciliation(outsider, contract.address)
    expect(await revert(asOutsider.write('record', ['acct-1', 'B-1', 5n]))).toBe(
      'not a bank of this reconciliation',
    )
    expect(await revert(asOutsider.write('closeBatch', ['B-9', 1n, 1n]))).toBe(
      'not a bank of this reconciliation',
    )
    expect(
      await revert(openReconciliation(bankA, contract.address).write('record', ['acct-1', 'B-1', 5n])),
    ).toBe('batch closed by this bank')
    expect(
      await revert(openReconciliation(bankB, contract.address).write('reconcile', ['B-1', ['acct-1']])),
    ).toBe('batch already reconciled')
    expect(await revert(openReconciliation(bankA, contract.address).write('disableParallel'))).toBe(
      'only the operator',
    )
    expect(await revert(openReconciliation(bankA, contract.address).write('reconcile', ['B-9', []]))).toBe(
      'both banks must close the batch first',
    )
    // Limits are checked before anything is sent.
    const many = Array.from({ length: RECONCILE_ACCOUNTS_MAX + 1 }, (_, i) => `a-${i}`)
    await expect(reconcile(openReconciliation(bankA, contract.address), 'B-9', many)).rejects.toSatisfy((e) =>
      isReconError(e, 'RECON_LIMIT_REACHED'),
    )
    await expect(
      recordBatch(bankA, contract.address, 'B-9', makeBatch('a', 1), {
        inFlightMax: RECORD_IN_FLIGHT_MAX + 1,
      }),
    ).rejects.toSatisfy((e) => isReconError(e, 'RECON_LIMIT_REACHED'))
    // Nothing changed.
    await synced()
    expect(await asOutsider.read('recordedAmount', ['B-1', bankA.account!.address, 'acct-1'])).toBe(1_037n)
  })

  it('runs the same flow through the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-cli-'))
    try {
      const url = ['--url', chain.nodes[3]!.rpc.url]
      const file = (name: string, text: string) => {
        writeFileSync(join(dir, name), text)
        return join(dir, name)
      }
      const keyA = file('a.pem', bankA.account!.toPEM())
      const keyB = file('b.pem', bankB.account!.toPEM())
      const a = file('a.csv', batchToCsv(makeBatch('cli', 3)))
      const b = file(
        'b.csv',
        batchToCsv(makeBatch('cli', 3).map((e, i) => (i === 1 ? { ...e, amount: 7n } : e))),
      )
      const lines: string[] = []
      const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`ERR ${l}`) }
      const run = (...args: string[]) => runCli([...args, ...url], io)
      const batch = ['--contract', contract.address, '--batch', 'B-cli']
      expect(await run('record', '--key', keyA, ...batch, '--file', a)).toBe(0)
      expect(await run('record', '--key', keyB, ...batch, '--file', b)).toBe(0)
      expect(await run('close', '--key', keyA, ...batch, '--file', a)).toBe(0)
      expect(await run('close', '--key', keyB, ...batch, '--file', b)).toBe(0)
      expect(await run('reconcile', '--key', keyA, ...batch, '--file', a, '--file', b)).toBe(2)
      expect(await run('status', ...batch)).toBe(0)
      expect(await run('record', ...batch, '--file', a)).toBe(1)
      expect(lines).toEqual([
        'recorded 3 entries',
        'recorded 3 entries',
        'closed',
        'closed',
        'mismatched: total A 3111, total B 2081',
        'mismatch cli-1: A 1037, B 7',
        'mismatched: total A 3111, total B 2081, 1 mismatched accounts',
        'ERR --key: expected a PEM key file, got nothing',
      ])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
