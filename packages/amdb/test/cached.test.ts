import type { Condition, Entry } from '@consortia/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type AMDBTable, createAMDB, createCachedDriver, createMemoryDriver } from '../src/index.js'
import { sha256 } from './helpers.js'

// The `...Cached` methods are synchronous fast paths: each must give what its asynchronous
// namesake gives, or `undefined` having changed nothing. These tests run the same operations
// on two databases, one only through the asynchronous methods, the other through the cached
// ones first (falling back as a caller does), and compare every result, dbHash and row.

const INFO = { name: 'u_c', keyField: 'k', valueFields: ['v', 'w'] }
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

type Op =
  | { kind: 'select'; key: string; cond: Condition | undefined }
  | { kind: 'insert'; key: string; entry: Entry }
  | { kind: 'update'; key: string; entry: Entry; cond: Condition | undefined }
  | { kind: 'remove'; key: string }
  | { kind: 'savepoint' }
  | { kind: 'rollback' }
  | { kind: 'commit' }

const keyArb = fc.constantFrom('a', 'b', 'c', 'd', '')
const valueArb = fc.constantFrom('1', '2', 'x', '10')
const condArb = fc.option(
  fc.record({
    clauses: fc.array(
      fc.record({ field: fc.constantFrom('v', 'w'), op: fc.constantFrom('EQ', 'NE', 'GT'), value: valueArb }),
      { maxLength: 2 },
    ),
  }) as fc.Arbitrary<Condition>,
  { nil: undefined },
)
const entryArb = fc.oneof(
  fc.record({ v: valueArb }),
  fc.record({ v: valueArb, w: valueArb }),
  fc.record({ bad: valueArb }),
  fc.record({ k: valueArb }),
) as fc.Arbitrary<Entry>
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('select' as const), key: keyArb, cond: condArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), key: keyArb, entry: entryArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      key: keyArb,
      entry: entryArb,
      cond: condArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'savepoint' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rollback' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'commit' as const }) },
)

async function runOps(ops: readonly Op[], cached: boolean, cacheBytesMax?: number) {
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256, cacheBytesMax })
  let block = await amdb.openBlock()
  await block.createTable(INFO)
  const open = async () => (await block.openTable(INFO.name)) as AMDBTable
  let table = await open()
  const marks: number[] = []
  const out: unknown[] = []
  let syncAnswers = 0
  for (const op of ops) {
    switch (op.kind) {
      case 'select': {
        const hit = cached ? table.selectCached(op.key, op.cond) : undefined
        if (hit !== undefined) syncAnswers++
        out.push(hit ?? (await table.select(op.key, op.cond)))
        break
      }
      case 'insert': {
        const hit = cached ? table.insertCached(op.key, op.entry) : undefined
        if (hit !== undefined) syncAnswers++
        out.push(hit ?? (await table.insert(op.key, op.entry)))
        break
      }
      case 'update': {
        const hit = cached ? table.updateCached(op.key, op.entry, op.cond) : undefined
        if (hit !== undefined) syncAnswers++
        out.push(hit ?? (await table.update(op.key, op.entry, op.cond)))
        break
      }
      case 'remove':
        out.push(await table.remove(op.key))
        break
      case 'savepoint':
        marks.push(block.savepoint())
        break
      case 'rollback': {
        const mark = marks.pop()
        if (mark !== undefined) block.rollback(mark)
        break
      }
      case 'commit':
        await block.settle()
        out.push(hex(block.hash()))
        await block.commit()
        block = await amdb.openBlock()
        table = await open()
        marks.length = 0
        break
    }
  }
  await block.settle()
  out.push(hex(block.hash()))
  for (const key of await table.keys()) out.push(key, await table.selectWithHidden(key))
  await amdb.close()
  return { out, syncAnswers }
}

describe('AMDB cached (synchronous) table paths', () => {
  it('give the same results, dbHash and rows as the asynchronous methods (property, seed 7)', async () => {
    let answered = 0
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const plain = await runOps(ops, false)
        const fast = await runOps(ops, true)
        expect(fast.out).toEqual(plain.out)
        answered += fast.syncAnswers
      }),
      { seed: 7, numRuns: 150 },
    )
    // The fast paths did answer (the property would hold vacuously otherwise).
    expect(answered).toBeGreaterThan(200)
  })

  it('answer undefined and change nothing when the rows are not in memory', async () => {
    const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256, cacheBytesMax: 0 })
    const setup = await amdb.openBlock()
    await setup.createTable(INFO)
    await (await setup.openTable(INFO.name))!.insert('a', { v: '1' })
    await setup.commit()
    const block = await amdb.openBlock()
    const table = (await block.openTable(INFO.name))!
    // No driver cache: a committed key not read in this block is unknown to the fast paths.
    expect(table.selectCached('a')).toBeUndefined()
    expect(table.updateCached('a', { v: '2' })).toBeUndefined()
    expect(block.changeCount).toBe(0)
    expect(await table.select('a')).toEqual([{ k: 'a', v: '1', w: '' }])
    // Read once: now in memory, and the fast paths answer.
    expect(table.selectCached('a')).toEqual([{ k: 'a', v: '1', w: '' }])
    expect(table.updateCached('a', { v: '2' })).toBe(1)
    expect(table.selectCached('a')).toEqual([{ k: 'a', v: '2', w: '' }])
    // Input checks answer as the asynchronous methods do.
    expect(table.updateCached('a', { k: 'b' })).toBe(await table.update('a', { k: 'b' }))
    expect(table.insertCached('a', { nope: '1' })).toBe(await table.insert('a', { nope: '1' }))
    // A `set` pending on a key: insertCached leaves it to `insert`.
    await table.set('z', { v: '9' })
    expect(table.insertCached('z', { v: '8' })).toBeUndefined()
    await amdb.close()
  })

  it('openTableCached knows open, built-in and missing tables, and defers the rest', async () => {
    const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256 })
    const setup = await amdb.openBlock()
    await setup.createTable(INFO)
    await setup.commit()
    const block = await amdb.openBlock()
    expect(block.openTableCached('_sys_tables_')?.info.name).toBe('_sys_tables_')
    // Not looked up in this block yet.
    expect(block.openTableCached(INFO.name)).toBeUndefined()
    expect(block.openTableCached('u_missing')).toBeUndefined()
    expect(await block.openTable(INFO.name)).toBeDefined()
    expect(await block.openTable('u_missing')).toBeUndefined()
    expect(block.openTableCached(INFO.name)?.info.name).toBe(INFO.name)
    expect(block.openTableCached('u_missing')).toBeNull()
    await amdb.close()
  })

  it("the driver's read cache answers selectRowsCached only for rows it holds", async () => {
    const inner = createMemoryDriver()
    const driver = createCachedDriver(inner, { cacheBytesMax: 1 << 20 })
    const info = { ...INFO, enableConsensus: true, enableCache: true } as Parameters<
      typeof driver.selectRows
    >[0]
    expect(driver.selectRowsCached?.(info, 'a')).toBeUndefined()
    expect(await driver.selectRows(info, 'a')).toEqual([])
    const hits = driver.stats().hits
    expect(driver.selectRowsCached?.(info, 'a')).toEqual([])
    expect(driver.stats().hits).toBe(hits + 1)
    const off = createCachedDriver(createMemoryDriver(), { cacheBytesMax: 0 })
    await off.selectRows(info, 'a')
    expect(off.selectRowsCached?.(info, 'a')).toBeUndefined()
  })
})
