import { type Condition, isChainError } from '@consortia/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type AMDB,
  compareUtf8,
  createAMDB,
  createCondition,
  createMemoryDriver,
  createRowHashEncoder,
  EMPTY_DB_HASH,
  encodeRowForHash,
  LIST_KEYS_PAGE_MAX,
  SYSTEM_TABLES,
  SysTable,
  type TableFactory,
} from '../src/index.js'
import { sha256 } from './helpers.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const newAMDB = (): AMDB => createAMDB({ driver: createMemoryDriver(), hash: sha256 })

async function withTable(rows: [string, Record<string, string>][] = []) {
  const amdb = newAMDB()
  const block = await amdb.openBlock()
  expect(await block.createUserTable('t', 'name', ['item_id', 'item_name', 'count'])).toBe(0)
  const table = await block.openTableOrThrow('u_t')
  for (const [key, entry] of rows) expect(await table.insert(key, entry)).toBe(1)
  return { amdb, block, table }
}

const items: [string, Record<string, string>][] = [
  ['fruit', { item_id: '1', item_name: 'apple', count: '5' }],
  ['fruit', { item_id: '2', item_name: 'banana', count: '12' }],
  ['fruit', { item_id: '3', item_name: 'cherry', count: '' }],
  ['fruit', { item_id: '4', item_name: 'date', count: 'many' }],
  ['veg', { item_id: '5', item_name: 'leek', count: '-7' }],
]

describe('Table: multi-row keys and conditions (FISCO Table.sol semantics)', () => {
  it('keeps several rows per key in insertion order and fills missing fields with ""', async () => {
    const { table } = await withTable(items)
    const fruit = await table.select('fruit')
    expect(fruit.map((r) => r['item_name'])).toEqual(['apple', 'banana', 'cherry', 'date'])
    expect(fruit[0]).toEqual({ name: 'fruit', item_id: '1', item_name: 'apple', count: '5' })
    expect(await table.insert('nuts', { item_name: 'pecan' })).toBe(1)
    expect(await table.select('nuts')).toEqual([{ name: 'nuts', item_id: '', item_name: 'pecan', count: '' }])
    expect(await table.select('nothing')).toEqual([])
  })

  it('EQ and NE compare strings; GT GE LT LE compare int64, "" as 0, non-integers never match', async () => {
    const { table } = await withTable(items)
    const names = async (c: Condition) => (await table.select('fruit', c)).map((r) => r['item_name'])
    expect(await names(createCondition().EQ('item_name', 'banana'))).toEqual(['banana'])
    expect(await names(createCondition().NE('item_name', 'banana'))).toEqual(['apple', 'cherry', 'date'])
    expect(await names(createCondition().GT('count', 5))).toEqual(['banana'])
    expect(await names(createCondition().GE('count', 5))).toEqual(['apple', 'banana'])
    expect(await names(createCondition().LT('count', 5))).toEqual(['cherry'])
    expect(await names(createCondition().LE('count', '0'))).toEqual(['cherry'])
    expect(await names(createCondition().GE('count', 0).LE('count', 10))).toEqual(['apple', 'cherry'])
    expect(await names(createCondition().GT('count', 'abc'))).toEqual([])
    expect(await names(createCondition().EQ('name', 'fruit').EQ('item_id', '3'))).toEqual(['cherry'])
    expect(await names(createCondition().EQ('no_such_field', 'x'))).toEqual([])
    // Conditions on hidden fields are ignored, as FISCO skips non-hash fields.
    expect(await names(createCondition().EQ('_id_', '999'))).toEqual(['apple', 'banana', 'cherry', 'date'])
    expect(await table.select('veg', createCondition().LT('count', -6))).toHaveLength(1)
    expect(await table.select('veg', createCondition().GT('count', '9223372036854775808'))).toHaveLength(0)
  })

  it('pages with limit(offset, count) after filtering', async () => {
    const { table } = await withTable(items)
    const names = async (c: Condition) => (await table.select('fruit', c)).map((r) => r['item_name'])
    expect(await names(createCondition().limitTo(2))).toEqual(['apple', 'banana'])
    expect(await names(createCondition().limitTo(1, 2))).toEqual(['banana', 'cherry'])
    expect(await names(createCondition().limitTo(3, 10))).toEqual(['date'])
    expect(await names(createCondition().limitTo(9, 1))).toEqual([])
    expect(await names(createCondition().NE('item_name', 'apple').limitTo(1, 1))).toEqual(['cherry'])
    expect(await names({ clauses: [], offset: 2 })).toEqual(['cherry', 'date'])
    expect(await names({ clauses: [], limit: 0 })).toEqual([])
  })

  it('updates and removes only matching rows and returns the count', async () => {
    const { table } = await withTable(items)
    expect(await table.update('fruit', { count: '0' }, createCondition().GE('count', 5))).toBe(2)
    expect((await table.select('fruit')).map((r) => r['count'])).toEqual(['0', '0', '', 'many'])
    expect(await table.update('fruit', { item_name: 'x' }, createCondition().limitTo(3, 5))).toBe(1)
    expect(await table.remove('fruit', createCondition().EQ('count', '0'))).toBe(2)
    expect((await table.select('fruit')).map((r) => r['item_name'])).toEqual(['cherry', 'x'])
    expect(await table.remove('fruit', createCondition().EQ('item_name', 'nope'))).toBe(0)
    expect(await table.update('absent', { count: '1' })).toBe(0)
    expect(await table.remove('fruit')).toBe(2)
    expect(await table.select('fruit')).toEqual([])
  })

  it('reports bad conditions: -51502 unknown operator, -51501 bad paging', async () => {
    const { table } = await withTable(items)
    const badOp = { clauses: [{ field: 'count', op: 'LIKE' as never, value: '1' }] }
    await expect(table.select('fruit', badOp)).rejects.toSatisfy(
      (e) => isChainError(e, 'INVALID_CONDITION') && (e.type as { fiscoCode?: number }).fiscoCode === -51502,
    )
    expect(await table.update('fruit', { count: '1' }, badOp)).toBe(-51502)
    expect(await table.remove('fruit', { clauses: [], limit: -1 })).toBe(-51501)
    expect(await table.update('fruit', { count: '1' }, { clauses: [], offset: 1.5 })).toBe(-51501)
  })

  it('exposes hidden fields: _id_ 0 until commit, _num_ the block, _status_ 0 for live rows', async () => {
    const { amdb, block, table } = await withTable(items.slice(0, 2))
    expect((await table.selectWithHidden('fruit')).map((r) => [r._id_, r._num_, r._status_])).toEqual([
      ['0', '0', '0'],
      ['0', '0', '0'],
    ])
    await block.commit()
    const next = await amdb.openBlock()
    const t = await next.openTableOrThrow('u_t')
    const rows = await t.selectWithHidden('fruit')
    // Ids: _sys_current_state_ 1, _sys_tables_ 2, then the two fruit rows.
    expect(rows.map((r) => [r._id_, r._num_])).toEqual([
      ['3', '0'],
      ['4', '0'],
    ])
    await t.update('fruit', { count: '1' }, createCondition().EQ('item_id', '2'))
    expect(await t.insert('fruit', { _status_: '1' } as never)).toBe(-50008)
    await next.commit()
    // `_num_` moves to the block that wrote the row when that block commits.
    const after = await (await amdb.openBlock()).openTableOrThrow('u_t')
    expect((await after.selectWithHidden('fruit')).map((r) => [r._id_, r._num_, r.count])).toEqual([
      ['3', '0', '5'],
      ['4', '1', '1'],
    ])
  })

  it('lists keys: committed ones, new ones, not removed ones', async () => {
    const { amdb, block, table } = await withTable(items)
    await block.commit()
    const b1 = await amdb.openBlock()
    const t = await b1.openTableOrThrow('u_t')
    expect(await table.keys().catch((e) => e.type.code)).toBe('BLOCK_CLOSED')
    await t.insert('zucchini', { item_name: 'z' })
    await t.insert('apple', { item_name: 'a' })
    await t.remove('veg')
    expect(await t.keys()).toEqual(['apple', 'fruit', 'zucchini'])
    await t.remove('fruit', createCondition().limitTo(3))
    expect(await t.keys()).toEqual(['apple', 'fruit', 'zucchini'])
  })
})

describe('System tables', () => {
  it('has every FISCO 2.x system table with its schema', async () => {
    const block = await newAMDB().openBlock()
    const expected: Record<string, [string, string[]]> = {
      _sys_tables_: ['table_name', ['key_field', 'value_field']],
      _sys_consensus_: ['name', ['type', 'node_id', 'enable_num']],
      _sys_table_access_: ['table_name', ['address', 'enable_num']],
      _sys_cns_: ['name', ['version', 'address', 'abi']],
      _sys_config_: ['key', ['value', 'enable_num']],
      _sys_current_state_: ['key', ['value']],
      _sys_tx_hash_2_block_: ['hash', ['value', 'index']],
      _sys_number_2_hash_: ['number', ['value']],
      _sys_hash_2_block_: ['hash', ['value']],
      _sys_block_2_nonces_: ['number', ['value']],
      _sys_hash_2_header_: ['hash', ['value', 'sigs']],
    }
    expect([...SYSTEM_TABLES.keys()].sort()).toEqual(Object.keys(expected).sort())
    for (const [name, [keyField, valueFields]] of Object.entries(expected)) {
      const t = await block.openTableOrThrow(name)
      expect({ keyField: t.info.keyField, valueFields: t.info.valueFields }).toEqual({
        keyField,
        valueFields,
      })
      expect(await block.createTable({ name, keyField, valueFields })).toBe(-50001)
    }
    // Consensus tables enter the dbHash; block indexes and counters do not.
    const consensus = [...SYSTEM_TABLES.values()].filter((t) => t.enableConsensus).map((t) => t.name)
    expect(consensus.sort()).toEqual(
      ['_sys_cns_', '_sys_config_', '_sys_consensus_', '_sys_table_access_', '_sys_tables_'].sort(),
    )
  })

  it('records created tables in _sys_tables_ (user u_*, contract c_*)', async () => {
    const amdb = newAMDB()
    const block = await amdb.openBlock()
    expect(await block.createUserTable('orders', 'id', ['buyer', 'amount'])).toBe(0)
    expect(
      await block.createTable({ name: `c_${'ab'.repeat(20)}`, keyField: 'key', valueFields: ['value'] }),
    ).toBe(0)
    const sys = await block.openTableOrThrow(SysTable.tables)
    expect(await sys.select('u_orders')).toEqual([
      { table_name: 'u_orders', key_field: 'id', value_field: 'buyer,amount' },
    ])
    await block.commit()
    const next = await amdb.openBlock()
    const orders = await next.openTableOrThrow('u_orders')
    expect(orders.info).toMatchObject({ name: 'u_orders', keyField: 'id', valueFields: ['buyer', 'amount'] })
    expect((await next.openTableOrThrow(`c_${'ab'.repeat(20)}`)).info.enableConsensus).toBe(true)
    expect(await next.createUserTable('orders', 'id', ['x'])).toBe(-50001)
  })

  it('creates a table once when two creations race', async () => {
    const block = await newAMDB().openBlock()
    const info = { name: 'u_race', keyField: 'k', valueFields: ['v'] }
    const codes = await Promise.all([
      block.createTable(info),
      block.createTable(info),
      block.createTable(info),
    ])
    expect(codes.sort()).toEqual([-50001, -50001, 0])
    expect(await (await block.openTableOrThrow(SysTable.tables)).select('u_race')).toHaveLength(1)
  })
})

describe('Change set: savepoints, dbHash, commit', () => {
  const fill = async (block: TableFactory, order: number[]) => {
    await block.createTable({ name: 'u_h', keyField: 'k', valueFields: ['v'] })
    const t = await block.openTableOrThrow('u_h')
    for (const i of order) await t.insert(`k${i % 3}`, { v: `v${i}` })
  }

  it('rolls back to nested savepoints, including table creation', async () => {
    const block = await newAMDB().openBlock()
    const outer = block.savepoint()
    await fill(block, [1, 2])
    const t = await block.openTableOrThrow('u_h')
    const inner = block.savepoint()
    await t.update('k1', { v: 'changed' })
    await t.remove('k2')
    await t.insert('k9', { v: 'new' })
    const innerHash = hex(block.hash())
    const deeper = block.savepoint()
    await t.remove('k9')
    expect(hex(block.hash())).not.toBe(innerHash)
    block.rollback(deeper)
    expect(hex(block.hash())).toBe(innerHash)
    block.rollback(inner)
    expect(await t.select('k1')).toEqual([{ k: 'k1', v: 'v1' }])
    expect(await t.select('k2')).toEqual([{ k: 'k2', v: 'v2' }])
    expect(await t.select('k9')).toEqual([])
    block.rollback(outer)
    expect(await block.openTable('u_h')).toBeUndefined()
    expect(hex(block.hash())).toBe(hex(EMPTY_DB_HASH))
    expect(block.changeCount).toBe(0)
    expect(() => block.rollback(5)).toThrow(/savepoint/)
  })

  it('gives the same dbHash for the same changes in any order, and a different one for other content', async () => {
    const a = await newAMDB().openBlock()
    const b = await newAMDB().openBlock()
    await fill(a, [1, 2, 3, 4, 5, 6])
    await fill(b, [6, 4, 2, 5, 3, 1])
    expect(hex(a.hash())).toBe(hex(b.hash()))
    expect(hex(a.hash())).not.toBe(hex(EMPTY_DB_HASH))
    await (await b.openTableOrThrow('u_h')).update('k1', { v: 'x' }, createCondition().EQ('v', 'v4'))
    expect(hex(a.hash())).not.toBe(hex(b.hash()))
  })

  it('leaves non-consensus tables (block indexes, counters) out of the dbHash', async () => {
    const block = await newAMDB().openBlock()
    for (const name of [
      SysTable.hash2Block,
      SysTable.number2Hash,
      SysTable.txHash2Block,
      SysTable.currentState,
    ]) {
      const t = await block.openTableOrThrow(name)
      const [field] = t.info.valueFields
      expect(await t.insert('0xabc', { [field!]: '1' })).toBe(1)
    }
    expect(hex(block.hash())).toBe(hex(EMPTY_DB_HASH))
    await (await block.openTableOrThrow(SysTable.config)).insert('tx_gas_limit', {
      value: '300000000',
      enable_num: '1',
    })
    expect(hex(block.hash())).not.toBe(hex(EMPTY_DB_HASH))
  })

  it('counts committed rows that were updated or removed in the dbHash of later blocks', async () => {
    const amdb = newAMDB()
    const b0 = await amdb.openBlock()
    await fill(b0, [1])
    await b0.commit()
    const b1 = await amdb.openBlock()
    const t = await b1.openTableOrThrow('u_h')
    expect(await t.select('k1')).toHaveLength(1)
    expect(hex(b1.hash())).toBe(hex(EMPTY_DB_HASH))
    await t.remove('k1')
    const removed = hex(b1.hash())
    expect(removed).not.toBe(hex(EMPTY_DB_HASH))
    await t.insert('k1', { v: 'v1' })
    expect(hex(b1.hash())).not.toBe(removed)
  })

  it('commits once: the change set closes, and a driver failure leaves it open to retry', async () => {
    const inner = createMemoryDriver()
    let failNext = true
    const flaky = {
      ...inner,
      async commitBlock(block: Parameters<typeof inner.commitBlock>[0]) {
        if (failNext) {
          failNext = false
          throw new Error('disk full')
        }
        return inner.commitBlock(block)
      },
    }
    const amdb = createAMDB({ driver: flaky, hash: sha256, cacheBytesMax: 0 })
    const block = await amdb.openBlock()
    await fill(block, [1, 2])
    const changes = block.changeCount
    const hash = hex(block.hash())
    await expect(block.commit()).rejects.toThrow('disk full')
    expect(block.closed).toBe(false)
    expect(block.changeCount).toBe(changes)
    expect(hex(block.hash())).toBe(hash)
    await block.commit()
    expect(block.closed).toBe(true)
    await expect(block.openTable('u_h')).rejects.toSatisfy((e) => isChainError(e, 'BLOCK_CLOSED'))
    const next = await amdb.openBlock()
    expect((await (await next.openTableOrThrow('u_h')).selectWithHidden('k1')).map((r) => r._id_)).toEqual([
      '3',
    ])
    expect(await (await next.openTableOrThrow(SysTable.currentState)).select('current_id')).toEqual([
      { key: 'current_id', value: '4' },
    ])
  })

  it('commits an empty block and moves the height', async () => {
    const amdb = newAMDB()
    await (await amdb.openBlock()).commit()
    await (await amdb.openBlock()).commit()
    expect(await amdb.committedHeight()).toBe(1)
  })
})

describe('Limits', () => {
  it('refuses writes past changeLogMax with CHANGE_LOG_FULL and keeps the change set consistent', async () => {
    const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256, changeLogMax: 4 })
    const block = await amdb.openBlock()
    expect(await block.createTable({ name: 'u_l', keyField: 'k', valueFields: ['v'] })).toBe(0)
    expect(block.changeCount).toBe(2)
    const t = await block.openTableOrThrow('u_l')
    expect(await t.insert('a', { v: '1' })).toBe(1)
    expect(await t.update('a', { v: '2' })).toBe(1)
    await expect(t.insert('b', { v: '1' })).rejects.toSatisfy((e) => isChainError(e, 'CHANGE_LOG_FULL'))
    await expect(block.createTable({ name: 'u_m', keyField: 'k', valueFields: ['v'] })).rejects.toSatisfy(
      (e) => isChainError(e, 'CHANGE_LOG_FULL'),
    )
    expect(await block.openTable('u_m')).toBeUndefined()
    expect(await t.select('b')).toEqual([])
    expect(block.changeCount).toBe(4)
  })

  it('pages listKeys at LIST_KEYS_PAGE_MAX and still lists every key of a table', async () => {
    const driver = createMemoryDriver()
    const info = { name: 'u_many', keyField: 'k', valueFields: ['v'] }
    const count = LIST_KEYS_PAGE_MAX + 5
    await driver.commitBlock({
      number: 0,
      tables: [
        {
          info,
          puts: Array.from({ length: count }, (_, i) => ({
            id: i + 1,
            num: 0,
            key: `k${i}`,
            fields: { v: '' },
          })),
          deletes: [],
        },
      ],
    })
    expect(await driver.listKeys(info, { limit: count })).toHaveLength(LIST_KEYS_PAGE_MAX)
    await expect(driver.listKeys(info, { limit: 0 })).rejects.toSatisfy((e) =>
      isChainError(e, 'INVALID_ARGUMENT'),
    )
    const block = await createAMDB({ driver, hash: sha256 }).openBlock()
    const sys = await block.openTableOrThrow(SysTable.tables)
    await sys.insert('u_many', { key_field: 'k', value_field: 'v' })
    expect(await (await block.openTableOrThrow('u_many')).keys()).toHaveLength(count)
  })
})

describe('compareUtf8', () => {
  it('orders strings as their UTF-8 bytes, surrogate pairs included', () => {
    const words = [
      '',
      'a',
      'ab',
      'b',
      'Z',
      '\u00e9',
      '\u4e2d',
      '\uffff',
      '\u{1F600}',
      '\u{10000}',
      'a\u{1F600}',
      'a\uffff',
      'a\u0000',
    ]
    const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
    expect([...words].sort(compareUtf8)).toEqual(byBytes)
    for (const x of words)
      for (const y of words)
        expect(Math.sign(compareUtf8(x, y))).toBe(Math.sign(Buffer.compare(Buffer.from(x), Buffer.from(y))))
  })
})

describe('compareUtf8 and the row hash encoder (fast paths)', () => {
  const unit = fc.constantFrom(
    'a',
    'b',
    '0',
    'f',
    '\u0000',
    '\u00e9',
    '\u4e2d',
    '\ud7ff',
    '\ue000',
    '\uffff',
    '\u{1F600}',
  )
  it('compareUtf8 agrees with Buffer.compare on random strings', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 6 }), fc.string({ unit, maxLength: 6 }), (x, y) => {
        expect(Math.sign(compareUtf8(x, y))).toBe(Math.sign(Buffer.compare(Buffer.from(x), Buffer.from(y))))
      }),
      { seed: 7, numRuns: 2000 },
    )
  })

  it('createRowHashEncoder gives the bytes of encodeRowForHash', () => {
    const fields = ['value', 'b', 'Zeta', 'a1', '$x', '@y']
    const encode = createRowHashEncoder('key', fields)
    fc.assert(
      fc.property(
        fc.string({ unit, maxLength: 8 }),
        fc.array(fc.string({ unit, maxLength: 8 }), { minLength: fields.length, maxLength: fields.length }),
        fc.constantFrom(0, 1),
        (key, values, status) => {
          const row = Object.fromEntries(fields.map((f, i) => [f, values[i]!]))
          expect(encode(key, row, status)).toEqual(encodeRowForHash('key', key, row, status))
        },
      ),
      { seed: 8, numRuns: 500 },
    )
  })
})

describe('Rolled-back tables', () => {
  it('refuses writes through a handle of a table whose creation was rolled back', async () => {
    const block = await newAMDB().openBlock()
    const sp = block.savepoint()
    await block.createTable({ name: 'u_gone', keyField: 'k', valueFields: ['v'] })
    const handle = await block.openTableOrThrow('u_gone')
    block.rollback(sp)
    await expect(handle.insert('a', { v: '1' })).rejects.toSatisfy((e) => isChainError(e, 'TABLE_NOT_EXIST'))
    expect(await block.createTable({ name: 'u_gone', keyField: 'k', valueFields: ['w'] })).toBe(0)
    expect((await block.openTableOrThrow('u_gone')).info.valueFields).toEqual(['w'])
  })
})
