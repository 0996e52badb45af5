import type { TableInfo } from '@consortia/interface'
import { isChainError } from '@consortia/interface'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type AMDB,
  type BlockWrite,
  CurrentStateKey,
  createAMDB,
  createCondition,
  createMemoryDriver,
  type StorageDriver,
  type StoredRow,
  SysTable,
} from '../src/index.js'
import { sha256 } from './helpers.js'

/** A storage location a driver can be opened on, closed, and opened again. */
export interface DriverHarness {
  /** Opens the storage; after `close()` of the previous driver, opens the same contents. */
  open(): Promise<StorageDriver>
  /** Removes the storage (directory, database). */
  destroy(): Promise<void>
}

const T: TableInfo = { name: 'u_suite', keyField: 'k', valueFields: ['a', 'b'] }
const U: TableInfo = { name: 'u_other', keyField: 'name', valueFields: ['value'] }

// The first three code points (never half a surrogate pair).
const head = (s: string) => Array.from(s).slice(0, 3).join('')
const row = (id: number, key: string, a: string, b = '', num = 0): StoredRow => ({
  id,
  num,
  key,
  fields: { a, b },
})

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p
  } catch (err) {
    expect(isChainError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
    return
  }
  throw new Error(`expected ${code}, but the call succeeded`)
}

/** One scripted workload run on an AMDB: returns what it read and the block hashes. */
async function scriptedWorkload(amdb: AMDB): Promise<unknown[]> {
  const out: unknown[] = []
  const b0 = await amdb.openBlock()
  expect(await b0.createUserTable('asset', 'account', ['amount', 'memo'])).toBe(0)
  const t0 = await b0.openTableOrThrow('u_asset')
  for (const [k, amount] of [
    ['alice', '10'],
    ['alice', '20'],
    ['bob', '5'],
    ['carol', '-3'],
  ] as const) {
    expect(await t0.insert(k, { amount, memo: `m-${k}-${amount}` })).toBe(1)
  }
  const cfg = await b0.openTableOrThrow(SysTable.config)
  await cfg.insert('tx_count_limit', { value: '1000', enable_num: '0' })
  out.push(Buffer.from(b0.hash()).toString('hex'))
  await b0.commit()

  const b1 = await amdb.openBlock()
  const t1 = await b1.openTableOrThrow('u_asset')
  out.push(await t1.selectWithHidden('alice'))
  out.push(await t1.select('alice', createCondition().GT('amount', 10)))
  expect(await t1.update('alice', { memo: 'big' }, createCondition().GE('amount', 20))).toBe(1)
  expect(await t1.remove('bob')).toBe(1)
  const sp = b1.savepoint()
  expect(await t1.insert('dave', { amount: '1' })).toBe(1)
  expect(await t1.remove('carol')).toBe(1)
  b1.rollback(sp)
  expect(await t1.insert('erin', { amount: '7' })).toBe(1)
  out.push(Buffer.from(b1.hash()).toString('hex'))
  await b1.commit()

  const b2 = await amdb.openBlock()
  const t2 = await b2.openTableOrThrow('u_asset')
  for (const k of ['alice', 'bob', 'carol', 'dave', 'erin']) out.push(k, await t2.selectWithHidden(k))
  out.push(await t2.keys())
  out.push(await (await b2.openTableOrThrow(SysTable.currentState)).select(CurrentStateKey.currentId))
  out.push(await (await b2.openTableOrThrow(SysTable.tables)).select('u_asset'))
  b2.discard()
  return out
}

/**
 * The compliance suite every `StorageDriver` must pass: the driver port itself (rows, keys,
 * atomic blocks, height, reopen) and AMDB on top of it, compared with the memory driver.
 */
export function storageDriverComplianceSuite(
  name: string,
  createHarness: () => Promise<DriverHarness>,
): void {
  describe(`StorageDriver compliance: ${name}`, () => {
    let harness: DriverHarness
    let driver: StorageDriver
    beforeEach(async () => {
      harness = await createHarness()
      driver = await harness.open()
    })
    afterEach(async () => {
      await driver.close().catch(() => undefined)
      await harness.destroy()
    })

    it('starts empty at height -1', async () => {
      expect(await driver.committedHeight()).toBe(-1)
      expect(await driver.selectRows(T, 'x')).toEqual([])
      expect(await driver.listKeys(T, { limit: 10 })).toEqual([])
    })

    it('commits rows of several tables and keys, several rows per key, read back in id order', async () => {
      await driver.commitBlock({
        number: 0,
        tables: [
          {
            info: T,
            puts: [row(3, 'k1', 'third'), row(1, 'k1', 'first', 'x'), row(2, 'k2', 'second')],
            deletes: [],
          },
          { info: U, puts: [{ id: 4, num: 0, key: 'n', fields: { value: 'v' } }], deletes: [] },
        ],
      })
      expect(await driver.committedHeight()).toBe(0)
      expect(await driver.selectRows(T, 'k1')).toEqual([row(1, 'k1', 'first', 'x'), row(3, 'k1', 'third')])
      expect(await driver.selectRows(T, 'k2')).toEqual([row(2, 'k2', 'second')])
      expect(await driver.selectRows(U, 'n')).toEqual([{ id: 4, num: 0, key: 'n', fields: { value: 'v' } }])
      expect(await driver.selectRows(U, 'k1')).toEqual([])
    })

    it('reads many keys at once exactly as one selectRows per key (selectRowsMany)', async () => {
      expect(driver.selectRowsMany).toBeTypeOf('function')
      const keys = ['k1', 'none', 'k2', 'k1', '\u00e9 x', '']
      expect(await driver.selectRowsMany!(T, keys)).toEqual(keys.map(() => []))
      await driver.commitBlock({
        number: 0,
        tables: [
          {
            info: T,
            puts: [
              row(3, 'k1', 'third'),
              row(1, 'k1', 'first', 'x'),
              row(2, 'k2', 'second'),
              row(5, '\u00e9 x', "'q'"),
              row(6, '\u00e9', 'prefix of another key'),
              row(7, '', 'empty key'),
            ],
            deletes: [],
          },
        ],
      })
      const many = await driver.selectRowsMany!(T, keys)
      expect(many).toEqual(await Promise.all(keys.map((k) => driver.selectRows(T, k))))
      expect(many[0]).toEqual([row(1, 'k1', 'first', 'x'), row(3, 'k1', 'third')])
      expect(many[1]).toEqual([])
      expect(many[4]).toEqual([row(5, '\u00e9 x', "'q'")])
      expect(await driver.selectRowsMany!(U, ['k1'])).toEqual([[]]) // a table never stored
      expect(await driver.selectRowsMany!(T, [])).toEqual([])
      many[0]!.pop() // results are the caller's
      expect(await driver.selectRowsMany!(T, ['k1'])).toHaveLength(1)
      expect((await driver.selectRowsMany!(T, ['k1']))[0]).toHaveLength(2)
    })

    it('replaces rows by id, deletes by id, and forgets keys with no rows left', async () => {
      await driver.commitBlock({
        number: 0,
        tables: [{ info: T, puts: [row(1, 'a', '1'), row(2, 'a', '2'), row(3, 'b', '3')], deletes: [] }],
      })
      await driver.commitBlock({
        number: 1,
        tables: [
          {
            info: T,
            puts: [row(2, 'a', '2b', 'changed', 1), row(4, 'c', '4', '', 1)],
            deletes: [
              { key: 'a', id: 1 },
              { key: 'b', id: 3 },
            ],
          },
        ],
      })
      expect(await driver.selectRows(T, 'a')).toEqual([row(2, 'a', '2b', 'changed', 1)])
      expect(await driver.selectRows(T, 'b')).toEqual([])
      expect(await driver.listKeys(T, { limit: 100 })).toEqual(['a', 'c'])
    })

    it('refuses a block whose number does not follow the height, writing nothing', async () => {
      const block = (number: number): BlockWrite => ({
        number,
        tables: [{ info: T, puts: [row(number + 1, `k${number}`, 'v')], deletes: [] }],
      })
      await expectCode(driver.commitBlock(block(1)), 'BLOCK_NUMBER_MISMATCH')
      await driver.commitBlock(block(0))
      await expectCode(driver.commitBlock(block(0)), 'BLOCK_NUMBER_MISMATCH')
      await expectCode(driver.commitBlock(block(2)), 'BLOCK_NUMBER_MISMATCH')
      expect(await driver.committedHeight()).toBe(0)
      expect(await driver.listKeys(T, { limit: 10 })).toEqual(['k0'])
    })

    it('refuses a malformed block before writing any of it', async () => {
      const bad: BlockWrite = {
        number: 0,
        tables: [
          { info: T, puts: [row(1, 'good', 'v')], deletes: [] },
          {
            info: { name: 'u_bad`; DROP TABLE x', keyField: 'k', valueFields: ['v'] },
            puts: [],
            deletes: [],
          },
        ],
      }
      await expectCode(driver.commitBlock(bad), 'INVALID_ARGUMENT')
      const missingField: BlockWrite = {
        number: 0,
        tables: [{ info: T, puts: [{ id: 1, num: 0, key: 'k', fields: { a: 'only a' } }], deletes: [] }],
      }
      await expectCode(driver.commitBlock(missingField), 'INVALID_ARGUMENT')
      // A lone surrogate has no UTF-8 form: no database would store it faithfully.
      const loneSurrogate: BlockWrite = {
        number: 0,
        tables: [{ info: T, puts: [row(1, 'k', 'bad \ud800 value')], deletes: [] }],
      }
      await expectCode(driver.commitBlock(loneSurrogate), 'INVALID_ARGUMENT')
      expect(await driver.committedHeight()).toBe(-1)
      expect(await driver.selectRows(T, 'good')).toEqual([])
    })

    it('lists keys in UTF-8 byte order with paging', async () => {
      const keys = ['b', 'a', 'ab', '\u00e9', 'Z', '0', 'a b', '\u{1F600}', '\uffff']
      await driver.commitBlock({
        number: 0,
        tables: [{ info: T, puts: keys.map((k, i) => row(i + 1, k, k)), deletes: [] }],
      })
      const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
      expect(await driver.listKeys(T, { limit: 100 })).toEqual(expected)
      const page1 = await driver.listKeys(T, { limit: 4 })
      expect(page1).toEqual(expected.slice(0, 4))
      expect(await driver.listKeys(T, { after: page1[3], limit: 100 })).toEqual(expected.slice(4))
      expect(await driver.listKeys(T, { after: expected[expected.length - 1], limit: 100 })).toEqual([])
    })

    it('stores values exactly: empty, quotes, backslashes, NUL, non-ASCII, large', async () => {
      const values = [
        '',
        "it's",
        'back\\slash',
        'nul\u0000char',
        '"quoted"',
        '\u4e2d\u6587\u{1F680}',
        'x'.repeat(200_000),
      ]
      await driver.commitBlock({
        number: 0,
        tables: [{ info: T, puts: values.map((v, i) => row(i + 1, `k${i}`, v, head(v))), deletes: [] }],
      })
      for (let i = 0; i < values.length; i++) {
        expect(await driver.selectRows(T, `k${i}`)).toEqual([
          row(i + 1, `k${i}`, values[i]!, head(values[i]!)),
        ])
      }
      const key = "k'`\\\u0000\u00e9".padEnd(40, 'z')
      await driver.commitBlock({
        number: 1,
        tables: [{ info: T, puts: [row(100, key, 'v', '', 1)], deletes: [] }],
      })
      expect(await driver.selectRows(T, key)).toEqual([row(100, key, 'v', '', 1)])
      expect(await driver.selectRows(T, key.toUpperCase())).toEqual([])
    })

    it('keeps committed blocks across close and reopen', async () => {
      await driver.commitBlock({
        number: 0,
        tables: [{ info: T, puts: [row(1, 'p', 'persist')], deletes: [] }],
      })
      await driver.commitBlock({
        number: 1,
        tables: [{ info: T, puts: [row(2, 'p', 'again', '', 1)], deletes: [] }],
      })
      await driver.close()
      driver = await harness.open()
      expect(await driver.committedHeight()).toBe(1)
      expect(await driver.selectRows(T, 'p')).toEqual([row(1, 'p', 'persist'), row(2, 'p', 'again', '', 1)])
    })

    it('refuses use after close', async () => {
      await driver.close()
      await expectCode(driver.selectRows(T, 'x'), 'DRIVER_CLOSED')
      await expectCode(driver.committedHeight(), 'DRIVER_CLOSED')
      await expectCode(driver.commitBlock({ number: 0, tables: [] }), 'DRIVER_CLOSED')
    })

    it('runs AMDB blocks exactly as the memory driver does (reads, hidden fields, dbHash)', async () => {
      const reference = await scriptedWorkload(createAMDB({ driver: createMemoryDriver(), hash: sha256 }))
      const amdb = createAMDB({ driver, hash: sha256 })
      const got = await scriptedWorkload(amdb)
      expect(got).toEqual(reference)
      // Spot checks that the script did what it claims.
      const alice = got[5] as { _id_: string; _num_: string; amount: string; memo: string }[]
      expect(alice.map((r) => [r._id_, r._num_, r.amount, r.memo])).toEqual([
        // Block 0 ids: _sys_config_ 1, _sys_current_state_ 2, _sys_tables_ 3, then u_asset rows.
        ['4', '0', '10', 'm-alice-10'],
        ['5', '1', '20', 'big'],
      ])
      expect(got).toContainEqual(['alice', 'carol', 'erin'])
      expect(await amdb.committedHeight()).toBe(1)
    })

    it('reopens AMDB on the same storage and goes on from the committed height', async () => {
      let amdb = createAMDB({ driver, hash: sha256 })
      const b0 = await amdb.openBlock()
      await b0.createTable({ name: 'u_r', keyField: 'k', valueFields: ['v'] })
      await (await b0.openTableOrThrow('u_r')).insert('k', { v: 'one' })
      await b0.commit()
      await amdb.close()
      driver = await harness.open()
      amdb = createAMDB({ driver, hash: sha256 })
      expect(await amdb.committedHeight()).toBe(0)
      await expectCode(amdb.openBlock(0), 'BLOCK_NUMBER_MISMATCH')
      const b1 = await amdb.openBlock(1)
      const t = await b1.openTableOrThrow('u_r')
      expect(await t.select('k')).toEqual([{ k: 'k', v: 'one' }])
      expect(await t.insert('k', { v: 'two' })).toBe(1)
      await b1.commit()
      const b2 = await amdb.openBlock()
      expect(
        (await (await b2.openTableOrThrow('u_r')).selectWithHidden('k')).map((r) => [r._id_, r.v]),
      ).toEqual([
        ['3', 'one'],
        ['4', 'two'],
      ])
    })

    it('lets only one of two competing change sets of a height commit', async () => {
      const amdb = createAMDB({ driver, hash: sha256 })
      const a = await amdb.openBlock()
      const b = await amdb.openBlock()
      await a.createTable({ name: 'u_a', keyField: 'k', valueFields: ['v'] })
      await b.createTable({ name: 'u_b', keyField: 'k', valueFields: ['v'] })
      await a.commit()
      await expectCode(b.commit(), 'BLOCK_NUMBER_MISMATCH')
      expect(b.closed).toBe(false)
      const next = await amdb.openBlock()
      expect(await next.openTable('u_a')).toBeDefined()
      expect(await next.openTable('u_b')).toBeUndefined()
    })
  })
}
