/**
 * The contract under the parallel executor (in process; the reference node runs the serial
 * executor): `record` calls of different accounts are handed to worker threads through the
 * DAG ParallelConfig 0x1006 builds, the block's receipts and state root equal serial
 * execution, and once the operator unregisters `record` every call is a barrier again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openReconWorld, parties, type ReconWorld } from '../bench/harness.js'

describe('Reconciliation under the parallel executor', () => {
  let serial: ReconWorld
  let parallel: ReconWorld
  beforeAll(async () => {
    serial = await openReconWorld(0)
    // Two worker threads beside a main thread that only merges: every keyed record runs on a worker.
    parallel = await openReconWorld(3, 'never')
  }, 120_000)
  afterAll(async () => {
    await serial?.close()
    await parallel?.close()
  })

  /** Both banks record each of `accounts` accounts: 2 × accounts transactions, pairs sharing a key. */
  const block = (world: ReconWorld, batchId: string, accounts: number) =>
    Array.from({ length: accounts }, (_, i) => [
      world.record(parties.bankA, `acct-${i}`, batchId, BigInt(100 + i)),
      world.record(parties.bankB, `acct-${i}`, batchId, BigInt(100 + i)),
    ]).flat()

  it('runs records of different accounts on the workers, with the serial result', async () => {
    const s = await serial.execute(block(serial, 'B-1', 24))
    const p = await parallel.execute(block(parallel, 'B-1', 24))
    expect(s.receipts.map((r) => r.status)).toEqual(Array(48).fill(0))
    expect(p.receipts.map((r) => r.status)).toEqual(s.receipts.map((r) => r.status))
    expect(p.receipts.map((r) => r.gasUsed)).toEqual(s.receipts.map((r) => r.gasUsed))
    expect(Buffer.from(p.stateRoot).toString('hex')).toBe(Buffer.from(s.stateRoot).toString('hex'))
    const stats = parallel.parallel!.lastBlock!
    expect(stats).toMatchObject({ transactions: 48, workers: 2, barriers: 0 })
    // One edge per account: bank B's record waits for bank A's record of the same account.
    expect(stats.edges).toBe(24)
    expect(stats.merged + stats.conflicts + stats.fallbacks).toBe(48)
    expect(stats.merged).toBeGreaterThan(0)
  }, 60_000)

  it('runs every record as a barrier after disableParallel', async () => {
    await serial.execute([serial.call(parties.operator, 'disableParallel', [])])
    const off = await parallel.execute([parallel.call(parties.operator, 'disableParallel', [])])
    expect(off.receipts[0]!.status).toBe(0)
    const s = await serial.execute(block(serial, 'B-2', 8))
    const p = await parallel.execute(block(parallel, 'B-2', 8))
    expect(Buffer.from(p.stateRoot).toString('hex')).toBe(Buffer.from(s.stateRoot).toString('hex'))
    expect(parallel.parallel!.lastBlock).toMatchObject({ transactions: 16, barriers: 16, merged: 0 })
  }, 60_000)
})
