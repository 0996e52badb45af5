import { describe, expect, it } from 'vitest'
import {
  accountItem,
  codeItem,
  encodeAccount,
  encodeInfo,
  encodeRows,
  type ItemValue,
  rowsItem,
  tableInfoItem,
} from '../src/parallel/items.js'
import { WorkerView } from '../src/parallel/worker-view.js'

const address = (n: number) => Uint8Array.from({ length: 20 }, (_, i) => (i === 19 ? n : 0x11))
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

/**
 * A view whose main thread is a map of committed item values (sent with the versions in
 * `versions`, when given); counts the items fetched.
 */
function viewOver(values: Map<string, ItemValue>, cacheEntriesMax = 100, versions?: Map<string, number>) {
  let fetched = 0
  const view = new WorkerView({
    cacheEntriesMax,
    transientObjectsMax: 1000,
    fetch: async (items) => {
      fetched += items.length
      return {
        values: items.map((item) => values.get(item) ?? null),
        ...(versions === undefined ? {} : { versions: items.map((item) => versions.get(item) as number) }),
      }
    },
  })
  return { view, fetched: () => fetched }
}

describe('worker view: decoded values reused across transactions', () => {
  it('decodes code, accounts, schemas and rows once, records every read, shares code arrays and copies or freezes the rest', async () => {
    const contract = address(1)
    const code = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    const values = new Map<string, ItemValue>([
      [codeItem(hex(contract)), hex(code)],
      [
        accountItem(hex(contract)),
        encodeAccount({ nonce: 1n, balance: 5n, codeHash: new Uint8Array(32).fill(9) }),
      ],
      [tableInfoItem('t_users'), encodeInfo({ name: 't_users', keyField: 'name', valueFields: ['balance'] })],
      [rowsItem('t_users', 'alice'), encodeRows([{ name: 'alice', balance: '10' }])],
    ])
    const { view, fetched } = viewOver(values)
    let shared: Uint8Array | undefined
    for (let tx = 0; tx < 3; tx++) {
      view.begin()
      const got = await view.getCode(contract)
      expect(got).toEqual(code)
      // One array for every transaction (read-only, as the serial state cache shares code):
      // the EVM's jump-destination analysis is kept per code array.
      if (shared !== undefined) expect(got).toBe(shared)
      shared = got
      const account = await view.getAccount(contract)
      expect(account?.balance).toBe(5n)
      account?.codeHash.fill(0)
      const table = await view.openTable('t_users')
      const rows = (await table?.select('alice')) ?? []
      expect(rows).toEqual([{ name: 'alice', balance: '10' }])
      expect(Object.isFrozen(rows[0])).toBe(true)
      expect(() => {
        ;(rows as { balance?: string }[])[0]!.balance = '11'
      }).toThrow(TypeError)
      const record = view.end()
      // Served from the caches, still in the transaction's read set for validation.
      expect(record.reads.filter((_, i) => i % 2 === 0).sort()).toEqual([...values.keys()].sort())
    }
    expect(fetched()).toBe(values.size)
    expect(view.decodedEntries).toBe(values.size)
    view.begin()
    expect((await view.getAccount(contract))?.codeHash).toEqual(new Uint8Array(32).fill(9))
    view.end()
  })

  it('decodes a changed value again', async () => {
    const item = rowsItem('t_users', 'bob')
    const { view } = viewOver(
      new Map([
        [
          tableInfoItem('t_users'),
          encodeInfo({ name: 't_users', keyField: 'name', valueFields: ['balance'] }),
        ],
        [item, encodeRows([{ name: 'bob', balance: '1' }])],
      ]),
    )
    view.begin()
    expect(await (await view.openTable('t_users'))?.select('bob')).toEqual([{ name: 'bob', balance: '1' }])
    view.end()
    view.applyUpdates({ set: [item, encodeRows([{ name: 'bob', balance: '2' }])], evict: [] })
    view.begin()
    expect(await (await view.openTable('t_users'))?.select('bob')).toEqual([{ name: 'bob', balance: '2' }])
    expect(view.end().reads).toContain(encodeRows([{ name: 'bob', balance: '2' }]))
  })

  it('hands out new code, not the shared array, once the code item changed', async () => {
    const contract = address(2)
    const item = codeItem(hex(contract))
    const { view } = viewOver(new Map([[item, hex(Uint8Array.of(0x60, 0x01))]]))
    view.begin()
    const before = await view.getCode(contract)
    view.end()
    view.applyUpdates({ set: [item, hex(Uint8Array.of(0x60, 0x02, 0x00))], evict: [] })
    view.begin()
    const after = await view.getCode(contract)
    expect(after).toEqual(Uint8Array.of(0x60, 0x02, 0x00))
    expect(after).not.toBe(before)
    expect(before).toEqual(Uint8Array.of(0x60, 0x01))
    expect(view.end().reads).toEqual([item, hex(Uint8Array.of(0x60, 0x02, 0x00))])
  })

  it('records a value sent with a version by that version, and follows the version as the value changes', async () => {
    const contract = address(3)
    const code = codeItem(hex(contract))
    const account = accountItem(hex(contract))
    const accountValue = encodeAccount({ nonce: 1n, balance: 5n, codeHash: new Uint8Array(32) })
    const { view, fetched } = viewOver(
      new Map([
        [code, hex(Uint8Array.of(0x60, 0x01))],
        [account, accountValue],
      ]),
      100,
      new Map([
        [code, 7],
        [account, 8],
      ]),
    )
    for (let tx = 0; tx < 2; tx++) {
      view.begin()
      await view.getCode(contract)
      await view.getAccount(contract)
      // Fetched, then cached: by version both times, never the (long) code value.
      expect(view.end().reads).toEqual([code, 7, account, 8])
    }
    expect(fetched()).toBe(2)
    expect(view.versionedEntries).toBe(2)
    // A merged write arrives with its new version.
    view.applyUpdates({ set: [code, hex(Uint8Array.of(0x60, 0x02))], versions: [12], evict: [] })
    view.begin()
    expect(await view.getCode(contract)).toEqual(Uint8Array.of(0x60, 0x02))
    expect(view.end().reads).toEqual([code, 12])
    // A value without a version (none given) is recorded by value, not by a stale version.
    view.applyUpdates({ set: [code, hex(Uint8Array.of(0x60, 0x03))], evict: [] })
    view.begin()
    await view.getCode(contract)
    await view.getAccount(contract)
    expect(view.end().reads).toEqual([code, hex(Uint8Array.of(0x60, 0x03)), account, 8])
    // Evicted items lose their versions with their values and are fetched again.
    view.applyUpdates({ set: [], evict: [`x:${hex(contract)}`] })
    expect(view.versionedEntries).toBe(0)
    view.begin()
    await view.getAccount(contract)
    expect(view.end().reads).toEqual([account, 8])
    expect(fetched()).toBe(3)
  })

  it('keeps at most cacheEntriesMax decoded values and versions', async () => {
    const values = new Map<string, ItemValue>()
    const versions = new Map<string, number>()
    for (let i = 0; i < 20; i++) {
      values.set(codeItem(hex(address(i))), hex(Uint8Array.of(i, 1, 2)))
      versions.set(codeItem(hex(address(i))), 100 + i)
    }
    const { view } = viewOver(values, 4, versions)
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 20; i++) {
        view.begin()
        expect(await view.getCode(address(i))).toEqual(Uint8Array.of(i, 1, 2))
        view.end()
        expect(view.decodedEntries).toBeLessThanOrEqual(4)
        expect(view.cachedEntries).toBeLessThanOrEqual(4)
        expect(view.versionedEntries).toBeLessThanOrEqual(4)
      }
    }
  })
})

describe('worker view: tables without waiting', () => {
  const info = { name: 't_users', keyField: 'name', valueFields: ['balance'] }
  const values = new Map<string, ItemValue>([
    [tableInfoItem('t_users'), encodeInfo(info)],
    [tableInfoItem('t_none'), null],
    [rowsItem('t_users', 'alice'), encodeRows([{ name: 'alice', balance: '10' }])],
    [rowsItem('t_users', 'bob'), encodeRows([])],
  ])
  const versions = new Map([...values.keys()].map((item, i) => [item, i + 1]))

  /** A view whose cache holds every item of `values` (fetched in one transaction). */
  async function warmView() {
    const { view, fetched } = viewOver(values, 100, versions)
    view.begin()
    const table = await view.openTable('t_users')
    await table?.select('alice')
    await table?.select('bob')
    expect(await view.openTable('t_none')).toBeUndefined()
    view.end()
    return { view, fetched }
  }

  it('records the same reads, writes and table operations as the asynchronous methods once values are cached', async () => {
    const slow = await warmView()
    const fast = await warmView()
    slow.view.begin()
    const t1 = await slow.view.openTable('t_users')
    expect(await t1?.select('alice')).toEqual([{ name: 'alice', balance: '10' }])
    expect(await t1?.update('alice', { balance: '9' })).toBe(1)
    expect(await t1?.insert('bob', { balance: '1' })).toBe(1)
    expect(await t1?.select('bob')).toEqual([{ name: 'bob', balance: '1' }])
    expect(await slow.view.openTable('t_none')).toBeUndefined()
    const expected = slow.view.end()

    fast.view.begin()
    const t2 = fast.view.openTableCached('t_users')
    expect(t2?.selectCached?.('alice')).toEqual([{ name: 'alice', balance: '10' }])
    expect(t2?.updateCached?.('alice', { balance: '9' })).toBe(1)
    expect(t2?.insertCached?.('bob', { balance: '1' })).toBe(1)
    expect(t2?.selectCached?.('bob')).toEqual([{ name: 'bob', balance: '1' }])
    expect(fast.view.openTableCached('t_none')).toBeNull()
    const got = fast.view.end()
    expect(got.reads).toEqual(expected.reads)
    // Recorded by version: the values came with one.
    expect(got.reads.filter((_, i) => i % 2 === 1).every((v) => typeof v === 'number')).toBe(true)
    expect(got.writes).toEqual(expected.writes)
    expect(got.tableOps).toEqual(expected.tableOps)
    expect(fast.fetched()).toBe(slow.fetched())
  })

  it('answers undefined and records nothing for what it would have to fetch', async () => {
    const { view, fetched } = viewOver(values, 100, versions)
    view.begin()
    expect(view.openTableCached('t_users')).toBeUndefined()
    expect(view.end().reads).toEqual([])
    // The schema cached, the rows not: the schema read is recorded, the rows are not read.
    view.begin()
    await view.openTable('t_users')
    view.end()
    view.begin()
    const table = view.openTableCached('t_users')
    expect(table?.selectCached?.('alice')).toBeUndefined()
    expect(table?.updateCached?.('alice', { balance: '1' })).toBeUndefined()
    expect(table?.insertCached?.('alice', { balance: '1' })).toBeUndefined()
    const record = view.end()
    expect(record.reads).toEqual([tableInfoItem('t_users'), versions.get(tableInfoItem('t_users'))])
    expect(record.writes).toEqual([])
    expect(record.tableOps).toEqual([])
    expect(fetched()).toBe(1)
  })
})
