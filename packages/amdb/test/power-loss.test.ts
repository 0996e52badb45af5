/**
 * Attack catalogue A21 (power loss) for AMDB over a KvStore: with the default `sync` every block
 * a commit acknowledged survives a power cut at any moment; without it, the cut loses a tail of
 * blocks but never leaves a half-written block, and the reopened database is at a block boundary
 * with exactly the rows of the blocks it reports.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLevelKvStore } from '@consortia/kv-level'
import { createPowerLossKvStore, type MemoryKvStore, writeReliabilityRecord } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import { type AMDB, createAMDB, createKvDriver, createLevelDBDriver } from '../src/index.js'

const hash = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest())
const ROWS_PER_BLOCK = 4

async function commitBlock(amdb: AMDB): Promise<number> {
  const block = await amdb.openBlock()
  if ((await block.openTable('u_power')) === undefined) {
    await block.createTable({ name: 'u_power', keyField: 'k', valueFields: ['block'] })
  }
  const table = await block.openTableOrThrow('u_power')
  for (let i = 0; i < ROWS_PER_BLOCK; i++)
    await table.insert(`b${block.number}-${i}`, { block: String(block.number) })
  await block.commit()
  return block.number
}

/** Reopens what survived and checks it holds exactly the rows of blocks 0..height (AMDB numbers from 0). */
async function reopen(disk: MemoryKvStore, blocksWritten: number): Promise<number> {
  const amdb = createAMDB({ driver: await createKvDriver(disk), hash })
  const height = await amdb.committedHeight()
  const block = await amdb.openBlock()
  const table = await block.openTable('u_power')
  for (let n = 0; n < blocksWritten; n++) {
    for (let i = 0; i < ROWS_PER_BLOCK; i++) {
      const rows = table === undefined ? [] : await table.select(`b${n}-${i}`)
      expect(rows.length, `block ${n} row ${i} at height ${height}`).toBe(n <= height ? 1 : 0)
    }
  }
  return height
}

describe('AMDB under power loss (attack catalogue A21)', () => {
  it('A21: with sync, every acknowledged block survives a cut after any commit', async () => {
    // The figures go to a `power-loss` reliability record (issue 17's report), also when a check fails.
    const started = Date.now()
    const lost: string[] = []
    let acknowledged = 0
    let survived = 0
    try {
      for (let cutAfter = 1; cutAfter <= 6; cutAfter++) {
        const store = createPowerLossKvStore()
        const amdb = createAMDB({ driver: await createKvDriver(store), hash })
        for (let n = 0; n < cutAfter; n++) await commitBlock(amdb)
        acknowledged += cutAfter
        if (store.unsyncedBatches !== 0)
          lost.push(`cut after ${cutAfter} blocks: ${store.unsyncedBatches} acknowledged batches not synced`)
        const height = await reopen(store.powerLoss(), cutAfter)
        survived += height + 1
        if (height !== cutAfter - 1)
          lost.push(`cut after ${cutAfter} blocks: reopened at height ${height}, expected ${cutAfter - 1}`)
      }
    } finally {
      writeReliabilityRecord({
        tier: 'power-loss',
        name: 'AMDB over KvStore with sync: acknowledged blocks survive a cut',
        seeds: ['cut after 1..6 blocks'],
        faultsInjected: 6,
        badInputs: 0,
        txAcknowledged: acknowledged,
        txFound: Math.min(survived, acknowledged),
        violations: lost.length,
        violationMessages: lost,
        durationMs: Date.now() - started,
      })
    }
    expect(lost).toEqual([])
    expect(survived).toBe(acknowledged)
  })

  it('A21: without sync, a cut loses a tail of whole blocks and nothing else', async () => {
    const heights = new Set<number>()
    for (let keep = 0; keep <= 6; keep++) {
      const store = createPowerLossKvStore()
      const amdb = createAMDB({ driver: await createKvDriver(store, { sync: false }), hash })
      for (let n = 0; n < 6; n++) await commitBlock(amdb)
      expect(store.unsyncedBatches).toBeGreaterThan(0)
      const height = await reopen(store.powerLoss({ keepUnsyncedBatches: keep }), 6)
      expect(height).toBeLessThanOrEqual(5)
      heights.add(height)
    }
    // Keeping more of the unsynced tail keeps more blocks: the cut point matters, and is honoured.
    expect(heights.size).toBeGreaterThan(1)
    expect(heights.has(-1) || heights.has(0)).toBe(true)
  })

  it('A21: a bit flipped in a stored LevelDB row is refused as CORRUPT_DATA, never read as a wrong row', async () => {
    const location = mkdtempSync(join(tmpdir(), 'consortia-amdb-flip-'))
    try {
      const amdb = createAMDB({ driver: await createLevelDBDriver({ location }), hash })
      await commitBlock(amdb)
      await amdb.driver.close()
      // Flip one bit of stored values, as a failing disk would: first the rows, then the height too.
      const flip = async (all: boolean) => {
        const raw = await createLevelKvStore({ location })
        const ops = []
        for await (const [key, value] of raw.iterate()) {
          if (!all && Buffer.from(key).toString('latin1').includes('height')) continue
          const flipped = value.slice()
          if (flipped.length > 0) flipped[0] = (flipped[0] as number) ^ 0x01
          ops.push({ type: 'put' as const, key, value: flipped })
        }
        await raw.batch(ops, { sync: true })
        await raw.close()
      }
      await flip(false)
      const reopened = createAMDB({ driver: await createLevelDBDriver({ location }), hash })
      const read = async () => {
        const block = await reopened.openBlock()
        const table = await block.openTableOrThrow('u_power')
        return table.select('b0-0')
      }
      await expect(read()).rejects.toMatchObject({ type: { code: 'CORRUPT_DATA' } })
      await reopened.driver.close()
      await flip(true)
      await expect(createLevelDBDriver({ location })).rejects.toMatchObject({
        type: { code: 'CORRUPT_DATA' },
      })
    } finally {
      rmSync(location, { recursive: true, force: true })
    }
  })
})
