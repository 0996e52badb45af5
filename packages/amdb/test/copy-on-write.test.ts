import { describe, expect, it } from 'vitest'
import { createAMDB, createMemoryDriver, type StorageDriver, type StoredRow } from '../src/index.js'
import { sha256 } from './helpers.js'

// Working rows share the fields objects a driver (or the read cache in front of it) hands out,
// and an update gives the row a new fields object instead of changing it: these tests hand
// out rows that are not frozen, keep them, and check that no update, rollback, commit or
// discarded block ever changes one of them.

const INFO = { name: 'u_cow', keyField: 'k', valueFields: ['v', 'w'] }

/** The memory driver, but every row it returns is a fresh, unfrozen copy kept for the checks. */
function watchedDriver() {
  const inner = createMemoryDriver()
  const handedOut: { row: StoredRow; json: string }[] = []
  const watch = (rows: readonly StoredRow[]): StoredRow[] =>
    rows.map((r) => {
      const row: StoredRow = { id: r.id, num: r.num, key: r.key, fields: { ...r.fields } }
      handedOut.push({ row, json: JSON.stringify(row) })
      return row
    })
  const driver: StorageDriver = {
    name: 'watched',
    selectRows: async (info, key) => watch(await inner.selectRows(info, key)),
    selectRowsMany: async (info, keys) =>
      (await Promise.all(keys.map((key) => inner.selectRows(info, key)))).map(watch),
    listKeys: (info, options) => inner.listKeys(info, options),
    commitBlock: (block) => inner.commitBlock(block),
    committedHeight: () => inner.committedHeight(),
    close: () => inner.close(),
  }
  const unchanged = () => handedOut.every(({ row, json }) => JSON.stringify(row) === json)
  return { driver, handedOut, unchanged }
}

describe('copy-on-write rows', () => {
  it.each([
    ['with the read cache', undefined],
    ['without it', 0],
  ])('never change a row object the driver handed out (%s)', async (_label, cacheBytesMax) => {
    const watched = watchedDriver()
    const amdb = createAMDB({ driver: watched.driver, hash: sha256, cacheBytesMax })
    const first = await amdb.openBlock()
    expect(await first.createTable(INFO)).toBe(0)
    const t0 = (await first.openTable(INFO.name))!
    for (const key of ['a', 'b']) expect(await t0.insert(key, { v: '1', w: '2' })).toBe(1)
    await first.commit()

    // A block that updates (one row, then both rows of a key), rolls back, and is discarded.
    const second = await amdb.openBlock()
    const t1 = (await second.openTable(INFO.name))!
    expect(await t1.insert('b', { v: '1', w: '3' })).toBe(1)
    const mark = second.savepoint()
    expect(await t1.update('a', { v: '7' })).toBe(1)
    expect(await t1.update('b', { w: '8' })).toBe(2)
    expect(await t1.select('a')).toEqual([{ k: 'a', v: '7', w: '2' }])
    expect(await t1.select('b')).toEqual([
      { k: 'b', v: '1', w: '8' },
      { k: 'b', v: '1', w: '8' },
    ])
    second.rollback(mark)
    expect(await t1.select('a')).toEqual([{ k: 'a', v: '1', w: '2' }])
    expect(await t1.select('b')).toEqual([
      { k: 'b', v: '1', w: '2' },
      { k: 'b', v: '1', w: '3' },
    ])
    expect(t1.updateCached('a', { v: '9', w: '9' })).toBe(1)
    expect(t1.selectCached('a')).toEqual([{ k: 'a', v: '9', w: '9' }])
    second.discard()
    expect(watched.handedOut.length).toBeGreaterThan(0)
    expect(watched.unchanged()).toBe(true)

    // The same block again, committed: reads in later blocks see its writes, and still no
    // row object handed out before changed.
    const third = await amdb.openBlock()
    const t2 = (await third.openTable(INFO.name))!
    expect(await t2.select('a')).toEqual([{ k: 'a', v: '1', w: '2' }])
    expect(await t2.update('a', { v: '5' })).toBe(1)
    const hashAfterUpdate = third.hash()
    const again = third.savepoint()
    expect(await t2.update('a', { w: '6' })).toBe(1)
    third.rollback(again)
    expect(third.hash()).toEqual(hashAfterUpdate)
    await third.commit()
    const fourth = await amdb.openBlock()
    const t3 = (await fourth.openTable(INFO.name))!
    expect(await t3.select('a')).toEqual([{ k: 'a', v: '5', w: '2' }])
    expect(await t3.update('a', { v: '6' })).toBe(1)
    fourth.discard()
    const fifth = await amdb.openBlock()
    expect(await (await fifth.openTable(INFO.name))!.select('a')).toEqual([{ k: 'a', v: '5', w: '2' }])
    expect(watched.unchanged()).toBe(true)
    await amdb.close()
  })
})
