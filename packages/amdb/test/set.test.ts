import { isChainError } from '@consortia/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type AMDB,
  type AMDBTable,
  createAMDB,
  createLevelDBDriver,
  createMemoryDriver,
  createMySQLDriver,
  createStorageState,
  EMPTY_DB_HASH,
  type StorageDriver,
  type StorageState,
  type TableFactory,
} from '../src/index.js'
import { createTestDatabase, mysqlUnreachable, sha256, tempDir } from './helpers.js'

// `AMDBTable.set` writes without reading: it must behave exactly as `select` followed by
// `insert` (no live row) or `update` (unless every live row already holds the values), which is
// what StorageState did before. These tests compare the two paths, step by step.

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const INFO = { name: 'u_s', keyField: 'k', valueFields: ['v', 'w'] }

/** The old path, through the table API: read the key, then insert or update. */
async function selectThenWrite(t: AMDBTable, key: string, entry: Record<string, string>): Promise<number> {
  const rows = await t.select(key)
  if (rows.length === 0) return t.insert(key, entry)
  if (rows.every((row) => Object.keys(entry).every((f) => row[f] === entry[f]))) return 1
  return (await t.update(key, entry)) > 0 ? 1 : 0
}

/** A driver that counts reads, to show what `set` does not read. */
function countingDriver(inner: StorageDriver) {
  const counts = { selectRows: 0, selectRowsMany: 0, keysRead: 0 }
  const driver: StorageDriver = {
    ...inner,
    name: inner.name,
    selectRows(info, key) {
      counts.selectRows++
      counts.keysRead++
      return inner.selectRows(info, key)
    },
    selectRowsMany(info, keys) {
      counts.selectRowsMany++
      counts.keysRead += keys.length
      return inner.selectRowsMany!(info, keys)
    },
    listKeys: (info, options) => inner.listKeys(info, options),
    commitBlock: (block) => inner.commitBlock(block),
    committedHeight: () => inner.committedHeight(),
    close: () => inner.close(),
  }
  return { driver, counts }
}

async function committedWith(amdb: AMDB, rows: [string, Record<string, string>][]): Promise<void> {
  const block = await amdb.openBlock()
  await block.createTable(INFO)
  const t = await block.openTableOrThrow(INFO.name)
  for (const [key, entry] of rows) await t.insert(key, entry)
  await block.commit()
}

describe('AMDBTable.set', () => {
  it('reads nothing when it writes, and settles all pending keys in one driver read', async () => {
    const { driver, counts } = countingDriver(createMemoryDriver())
    const amdb = createAMDB({ driver, hash: sha256, cacheBytesMax: 0 })
    await committedWith(amdb, [['old', { v: '1', w: '' }]])
    const block = await amdb.openBlock()
    const t = await block.openTableOrThrow(INFO.name)
    const before = { ...counts }
    for (let i = 0; i < 50; i++) expect(await t.set(`new${i}`, { v: String(i) })).toBe(1)
    expect(await t.set('old', { v: '2' })).toBe(1)
    expect(counts).toEqual(before)
    expect(block.pendingKeys).toBe(51)
    expect(() => block.hash()).toThrow(/pending set writes: await settle\(\)/)
    await block.settle()
    expect(block.pendingKeys).toBe(0)
    expect(counts.selectRowsMany).toBe(before.selectRowsMany + 1)
    expect(counts.keysRead).toBe(before.keysRead + 51)
    expect(counts.selectRows).toBe(before.selectRows)
    expect(await t.select('old')).toEqual([{ k: 'old', v: '2', w: '' }])
    expect(await t.select('new7')).toEqual([{ k: 'new7', v: '7', w: '' }])
  })

  it('inserts on an absent key, updates every live row of a present one, and does nothing when they already hold the values', async () => {
    const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256 })
    await committedWith(amdb, [
      ['two', { v: 'a', w: 'x' }],
      ['two', { v: 'b', w: 'x' }],
      ['same', { v: 's', w: 'x' }],
    ])
    const block = await amdb.openBlock()
    const t = await block.openTableOrThrow(INFO.name)
    await t.set('same', { v: 's' })
    await block.settle()
    expect(hex(block.hash())).toBe(hex(EMPTY_DB_HASH)) // nothing changed
    await t.set('two', { w: 'y' })
    await t.set('none', { k: 'none', w: 'z' }) // the key field may repeat the key, as on insert
    await block.settle()
    expect(await t.select('two')).toEqual([
      { k: 'two', v: 'a', w: 'y' },
      { k: 'two', v: 'b', w: 'y' },
    ])
    expect(await t.select('none')).toEqual([{ k: 'none', v: '', w: 'z' }])
    expect((await t.keys()).sort()).toEqual(['none', 'same', 'two'])
  })

  it('answers bad input with FISCO codes and records nothing', async () => {
    const block = await createAMDB({ driver: createMemoryDriver(), hash: sha256 }).openBlock()
    await block.createTable(INFO)
    const t = await block.openTableOrThrow(INFO.name)
    const changes = block.changeCount
    expect(await t.set('k', { nope: '1' })).toBe(-50008)
    expect(await t.set('k', { k: 'other' })).toBe(-51503)
    expect(await t.set('x'.repeat(256), { v: '1' })).toBe(-50005)
    expect(await t.set('k', { v: 'x'.repeat(16 * 1024 * 1024) })).toBe(-50006)
    expect(block.changeCount).toBe(changes)
    expect(block.pendingKeys).toBe(0)
  })

  it('rolls pending and settled sets back to a savepoint', async () => {
    const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256 })
    await committedWith(amdb, [['a', { v: '1', w: '' }]])
    const block = await amdb.openBlock()
    const t = await block.openTableOrThrow(INFO.name)
    const start = block.savepoint()
    await t.set('a', { v: '2' })
    const mid = block.savepoint()
    await t.set('a', { v: '3' })
    await t.set('b', { v: '1' })
    block.rollback(mid) // both still pending
    expect(block.pendingKeys).toBe(1)
    await block.settle()
    const afterMid = hex(block.hash())
    await t.set('b', { v: '1' })
    await t.set('a', { v: '4' }) // 'a' is loaded now: applied at once
    expect(block.pendingKeys).toBe(1)
    await block.settle()
    expect(await t.select('a')).toEqual([{ k: 'a', v: '4', w: '' }])
    block.rollback(mid) // undoes a settled insert and an immediate update
    expect(hex(block.hash())).toBe(afterMid)
    expect(await t.select('b')).toEqual([])
    expect(await t.select('a')).toEqual([{ k: 'a', v: '2', w: '' }])
    block.rollback(start)
    expect(hex(block.hash())).toBe(hex(EMPTY_DB_HASH))
    expect(await t.select('a')).toEqual([{ k: 'a', v: '1', w: '' }])
  })

  it('keeps write order with insert, update, remove and select on the same key', async () => {
    const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256 })
    await committedWith(amdb, [['a', { v: '1', w: '' }]])
    const block = await amdb.openBlock()
    const t = await block.openTableOrThrow(INFO.name)
    await t.set('a', { v: '2' })
    await t.insert('a', { v: '9', w: 'new' }) // loads 'a': the set updates the committed row first
    expect(block.pendingKeys).toBe(0)
    expect(await t.select('a')).toEqual([
      { k: 'a', v: '2', w: '' },
      { k: 'a', v: '9', w: 'new' },
    ])
    await t.insert('b', { v: '1' })
    await t.set('b', { v: '5' }) // 'b' has a row of this block: set loads and updates it
    expect(await t.select('b')).toEqual([{ k: 'b', v: '5', w: '' }])
    await t.set('c', { v: '1' })
    expect(await t.remove('c')).toBe(1)
    expect(await t.keys()).toEqual(['a', 'b'])
    await t.set('d', { v: '1' })
    expect(await t.keys()).toEqual(['a', 'b', 'd']) // a pending set always leaves a live row
    await block.commit() // settles 'd'
    const committedHash = hex(block.hash())
    await block.settle() // nothing pending: fine after commit, as stateRoot() relies on
    expect(hex(block.hash())).toBe(committedHash)
    const next = await amdb.openBlock()
    const n = await next.openTableOrThrow(INFO.name)
    expect((await n.selectWithHidden('d')).map((r) => [r.v, r._num_])).toEqual([['1', '1']])
  })

  it('counts toward changeLogMax and refuses a set untouched when the log is full', async () => {
    const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256, changeLogMax: 4 })
    const block = await amdb.openBlock()
    await block.createTable(INFO) // two entries
    const t = await block.openTableOrThrow(INFO.name)
    await t.set('a', { v: '1' })
    await t.set('b', { v: '1' })
    await expect(t.set('c', { v: '1' })).rejects.toSatisfy((e) => isChainError(e, 'CHANGE_LOG_FULL'))
    expect(block.pendingKeys).toBe(2)
    expect(await t.keys()).toEqual(['a', 'b'])
  })

  it('leaves the change set open with its pending sets when the settling read fails', async () => {
    const inner = createMemoryDriver()
    let fail = true
    const flaky: StorageDriver = {
      ...inner,
      selectRows: (info, key) => inner.selectRows(info, key),
      listKeys: (info, options) => inner.listKeys(info, options),
      commitBlock: (block) => inner.commitBlock(block),
      committedHeight: () => inner.committedHeight(),
      close: () => inner.close(),
      async selectRowsMany(info, keys) {
        if (fail) throw new Error('connection lost')
        return inner.selectRowsMany(info, keys)
      },
    }
    const amdb = createAMDB({ driver: flaky, hash: sha256, cacheBytesMax: 0 })
    await committedWith(amdb, [])
    const block = await amdb.openBlock()
    const t = await block.openTableOrThrow(INFO.name)
    await t.set('a', { v: '1' })
    await expect(block.commit()).rejects.toThrow('connection lost')
    expect(block.closed).toBe(false)
    expect(block.pendingKeys).toBe(1)
    fail = false
    await block.commit()
    const again = await (await amdb.openBlock()).openTableOrThrow(INFO.name)
    expect(await again.select('a')).toEqual([{ k: 'a', v: '1', w: '' }])
  })
})

// ---------------------------------------------------------------------------------------------
// Property: the same random workload through `set` and through select-then-write gives the same
// answers, dbHash and committed rows (ids included), on every driver.

const keyArb = fc.constantFrom('a', 'b', 'c', 'd', '\u00e9')
const valueArb = fc.constantFrom('', '0', '1', '2')
type TableOp =
  | { op: 'write'; key: string; entry: Record<string, string> }
  | { op: 'insert'; key: string; entry: Record<string, string> }
  | { op: 'update'; key: string; entry: Record<string, string> }
  | { op: 'remove'; key: string }
  | { op: 'select'; key: string }
  | { op: 'keys' }
  | { op: 'hash' }
  | { op: 'savepoint' }
  | { op: 'rollback'; pick: number }
  | { op: 'commit' }
const entryArb = fc
  .record({ v: valueArb, w: valueArb }, { requiredKeys: [] })
  .filter((e) => Object.keys(e).length > 0)
const tableOpArb: fc.Arbitrary<TableOp> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('write' as const), key: keyArb, entry: entryArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), key: keyArb, entry: entryArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('update' as const), key: keyArb, entry: entryArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('select' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'keys' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'hash' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'savepoint' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('rollback' as const), pick: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'commit' as const }) },
)

interface TableRunner {
  amdb: AMDB
  block: TableFactory
  savepoints: number[]
  blind: boolean
}

async function tableStep(r: TableRunner, op: TableOp): Promise<unknown> {
  const t = await r.block.openTableOrThrow(INFO.name)
  switch (op.op) {
    case 'write':
      return r.blind ? t.set(op.key, op.entry) : selectThenWrite(t, op.key, op.entry)
    case 'insert':
      return t.insert(op.key, op.entry)
    case 'update':
      return t.update(op.key, op.entry)
    case 'remove':
      return t.remove(op.key)
    case 'select':
      return t.selectWithHidden(op.key)
    case 'keys':
      return t.keys()
    case 'hash':
      await r.block.settle()
      return hex(r.block.hash())
    case 'savepoint':
      r.savepoints.push(r.block.savepoint())
      return r.savepoints.length
    case 'rollback': {
      if (r.savepoints.length === 0) return 'none'
      const at = op.pick % r.savepoints.length
      r.block.rollback(r.savepoints[at]!)
      r.savepoints.length = at
      return 'rolled back'
    }
    case 'commit': {
      await r.block.settle()
      const hash = hex(r.block.hash())
      await r.block.commit()
      r.block = await r.amdb.openBlock()
      r.savepoints = []
      return hash
    }
  }
}

async function tableFinal(r: TableRunner): Promise<unknown> {
  await r.block.settle()
  const out: unknown[] = [hex(r.block.hash())]
  await r.block.commit()
  const t = await (await r.amdb.openBlock()).openTableOrThrow(INFO.name)
  for (const k of await t.keys()) out.push(k, await t.selectWithHidden(k))
  return out
}

const withMySQL = mysqlUnreachable === undefined

/** Driver openers for one property run: each call gives a fresh, empty driver of its kind. */
async function openDrivers(tag: string) {
  const dir = tempDir(`amdb-${tag}-`)
  let levels = 0
  const dbs = withMySQL ? [await createTestDatabase(tag), await createTestDatabase(tag)] : []
  let mysqls = 0
  const drivers: (() => Promise<StorageDriver>)[] = [
    async () => createMemoryDriver(),
    () => createLevelDBDriver({ location: `${dir.path}/db${levels++}` }),
  ]
  if (withMySQL) drivers.push(() => createMySQLDriver({ url: dbs[mysqls++]!.url }))
  return {
    drivers,
    cleanup: async () => {
      dir.remove()
      for (const db of dbs) await db.drop()
    },
  }
}

describe('Property: set gives what select-then-insert/update gives', () => {
  it(`on tables: same answers, dbHash and committed rows (memory, LevelDB${withMySQL ? ', MariaDB' : ''})`, {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tableOpArb, { minLength: 5, maxLength: 40 }), async (ops) => {
        const { drivers, cleanup } = await openDrivers('set')
        const runners: TableRunner[] = []
        try {
          // Each driver runs both paths; a small read cache on LevelDB exercises its batched reads.
          for (const [i, open] of drivers.entries()) {
            for (const blind of [false, true]) {
              const amdb = createAMDB({
                driver: await open(),
                hash: sha256,
                cacheBytesMax: i === 1 ? 1024 : 0,
              })
              const block = await amdb.openBlock()
              await block.createTable(INFO)
              runners.push({ amdb, block, savepoints: [], blind })
            }
          }
          for (const [i, op] of ops.entries()) {
            const results = await Promise.all(runners.map((r) => tableStep(r, op)))
            for (let d = 1; d < results.length; d++) {
              expect(results[d], `step ${i} ${JSON.stringify(op)} runner ${d}`).toEqual(results[0])
            }
          }
          const finals = await Promise.all(runners.map(tableFinal))
          for (let d = 1; d < finals.length; d++) expect(finals[d]).toEqual(finals[0])
        } finally {
          for (const r of runners) await r.amdb.close()
          await cleanup()
        }
      }),
      { seed: 20260412, numRuns: withMySQL ? 20 : 50 },
    )
  })
})

// StorageState: readBeforeWrite (FISCO's read, then insert or update) against the default `set`.

const slotArb = fc.nat(5)
const addrArb = fc.nat(2)
type StateOp =
  | { op: 'putStorage'; a: number; s: number; value: number }
  | { op: 'getStorage'; a: number; s: number }
  | { op: 'putAccount'; a: number; nonce: number; balance: number }
  | { op: 'getAccount'; a: number }
  | { op: 'putCode'; a: number; code: number }
  | { op: 'clearStorage'; a: number }
  | { op: 'deleteAccount'; a: number }
  | { op: 'checkpoint' }
  | { op: 'commit' }
  | { op: 'revert' }
  | { op: 'stateRoot' }
  | { op: 'commitBlock' }
const stateOpArb: fc.Arbitrary<StateOp> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant('putStorage' as const),
      a: addrArb,
      s: slotArb,
      value: fc.nat(3),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('getStorage' as const), a: addrArb, s: slotArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('putAccount' as const),
      a: addrArb,
      nonce: fc.nat(2),
      balance: fc.nat(2),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('getAccount' as const), a: addrArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('putCode' as const), a: addrArb, code: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clearStorage' as const), a: addrArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteAccount' as const), a: addrArb }) },
  { weight: 2, arbitrary: fc.constant({ op: 'checkpoint' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'commit' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'revert' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'stateRoot' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'commitBlock' as const }) },
)

const address = (a: number) => new Uint8Array(20).fill(0xa0 + a)
const slotBytes = (s: number) => {
  const out = new Uint8Array(32)
  out[31] = s
  return out
}

interface StateRunner {
  amdb: AMDB
  state: StorageState
  readBeforeWrite: boolean
}

async function stateStep(r: StateRunner, op: StateOp): Promise<unknown> {
  const { state } = r
  switch (op.op) {
    case 'putStorage':
      return state.putStorage(
        address(op.a),
        slotBytes(op.s),
        op.value === 0 ? new Uint8Array() : Uint8Array.of(op.value),
      )
    case 'getStorage':
      return hex(await state.getStorage(address(op.a), slotBytes(op.s)))
    case 'putAccount':
      return state.putAccount(address(op.a), {
        nonce: BigInt(op.nonce),
        balance: BigInt(op.balance),
        codeHash: sha256(new Uint8Array()),
      })
    case 'getAccount': {
      const account = await state.getAccount(address(op.a))
      return account === undefined ? 'none' : [account.nonce, account.balance, hex(account.codeHash)]
    }
    case 'putCode':
      return state.putCode(address(op.a), Uint8Array.of(0x60, op.code))
    case 'clearStorage':
      return state.clearStorage(address(op.a))
    case 'deleteAccount':
      return state.deleteAccount(address(op.a))
    case 'checkpoint':
      return state.checkpoint()
    case 'commit':
    case 'revert':
      if (state.depth === 0) return 'no checkpoint'
      return op.op === 'commit' ? state.commit() : state.revert()
    case 'stateRoot':
      return hex(await state.stateRoot())
    case 'commitBlock': {
      const root = hex(await state.stateRoot())
      await state.tables.commit()
      r.state = createStorageState({
        tables: await r.amdb.openBlock(),
        hash: sha256,
        readBeforeWrite: r.readBeforeWrite,
      })
      return root
    }
  }
}

async function stateFinal(r: StateRunner): Promise<unknown> {
  const out: unknown[] = [hex(await r.state.stateRoot())]
  await r.state.tables.commit()
  const block = await r.amdb.openBlock()
  for (let a = 0; a < 3; a++) {
    const t = await block.openTable(`c_${hex(address(a))}`)
    if (t === undefined) continue
    for (const k of await t.keys()) out.push(a, k, await t.selectWithHidden(k))
  }
  return out
}

describe('Property: StorageState writes the same with set and with readBeforeWrite', () => {
  it(`same reads, stateRoots and committed rows (memory, LevelDB${withMySQL ? ', MariaDB' : ''})`, {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stateOpArb, { minLength: 5, maxLength: 50 }), async (ops) => {
        const { drivers, cleanup } = await openDrivers('state')
        const runners: StateRunner[] = []
        try {
          for (const open of drivers) {
            for (const readBeforeWrite of [true, false]) {
              const amdb = createAMDB({ driver: await open(), hash: sha256 })
              runners.push({
                amdb,
                state: createStorageState({ tables: await amdb.openBlock(), hash: sha256, readBeforeWrite }),
                readBeforeWrite,
              })
            }
          }
          for (const [i, op] of ops.entries()) {
            const results = await Promise.all(runners.map((r) => stateStep(r, op)))
            for (let d = 1; d < results.length; d++) {
              expect(results[d], `step ${i} ${JSON.stringify(op)} runner ${d}`).toEqual(results[0])
            }
          }
          const finals = await Promise.all(runners.map(stateFinal))
          for (let d = 1; d < finals.length; d++) expect(finals[d]).toEqual(finals[0])
        } finally {
          for (const r of runners) await r.amdb.close()
          await cleanup()
        }
      }),
      { seed: 20260413, numRuns: withMySQL ? 15 : 40 },
    )
  })
})
