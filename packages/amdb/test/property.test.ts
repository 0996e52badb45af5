import type { Condition, ConditionOp } from '@consortia/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type AMDB,
  createAMDB,
  createLevelDBDriver,
  createMemoryDriver,
  createMySQLDriver,
  type TableFactory,
} from '../src/index.js'
import { createTestDatabase, mysqlUnreachable, sha256, tempDir } from './helpers.js'

// Random sequences of table operations, savepoints and block commits run in lockstep on every
// driver; each step must answer the same on all of them (the memory driver is the reference).

const TABLES = {
  u_p1: { keyField: 'k', valueFields: ['a', 'b'] },
  u_p2: { keyField: 'name', valueFields: ['n'] },
} as const
type TableName = keyof typeof TABLES

const text = fc.string({
  unit: fc.constantFrom('a', 'b', '0', '1', '7', '-', ' ', "'", '\\', '\u00e9', '\u4e2d', '\u{1F600}'),
  maxLength: 5,
})
const key = fc.constantFrom('', 'x', 'x ', 'X', 'y', '\u00e9', "k'1", 'k\\2', '\u{1F600}')
const table = fc.constantFrom<TableName>('u_p1', 'u_p2')
const entryFor = (name: TableName): fc.Arbitrary<Record<string, string>> =>
  fc
    .subarray([...TABLES[name].valueFields])
    .chain((fields) =>
      fc
        .tuple(...fields.map(() => text))
        .map((values) => Object.fromEntries(fields.map((f, i) => [f, values[i]!]))),
    )
const condition: fc.Arbitrary<Condition | undefined> = fc.option(
  fc.record({
    clauses: fc.array(
      fc.record({
        field: fc.constantFrom('k', 'a', 'b', 'name', 'n'),
        op: fc.constantFrom<ConditionOp>('EQ', 'NE', 'GT', 'GE', 'LT', 'LE'),
        value: fc.oneof(text, fc.integer({ min: -10, max: 80 }).map(String)),
      }),
      { maxLength: 2 },
    ),
    offset: fc.option(fc.nat(3), { nil: undefined }),
    limit: fc.option(fc.nat(3), { nil: undefined }),
  }),
  { nil: undefined },
)

type Op =
  | { op: 'create'; table: TableName }
  | { op: 'insert'; table: TableName; key: string; entry: Record<string, string> }
  | { op: 'set'; table: TableName; key: string; entry: Record<string, string> }
  | { op: 'settle' }
  | { op: 'update'; table: TableName; key: string; entry: Record<string, string>; condition?: Condition }
  | { op: 'remove'; table: TableName; key: string; condition?: Condition }
  | { op: 'select'; table: TableName; key: string; condition?: Condition }
  | { op: 'keys'; table: TableName }
  | { op: 'savepoint' }
  | { op: 'rollback'; pick: number }
  | { op: 'commit' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: table.map((t) => ({ op: 'create' as const, table: t })) },
  {
    weight: 6,
    arbitrary: table.chain((t) =>
      fc.record({ op: fc.constant('insert' as const), table: fc.constant(t), key, entry: entryFor(t) }),
    ),
  },
  {
    weight: 3,
    arbitrary: table.chain((t) =>
      fc.record({ op: fc.constant('set' as const), table: fc.constant(t), key, entry: entryFor(t) }),
    ),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'settle' as const }) },
  {
    weight: 3,
    arbitrary: table.chain((t) =>
      fc.record({
        op: fc.constant('update' as const),
        table: fc.constant(t),
        key,
        entry: entryFor(t),
        condition,
      }),
    ),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), table, key, condition }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('select' as const), table, key, condition }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('keys' as const), table }) },
  { weight: 1, arbitrary: fc.constant({ op: 'savepoint' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rollback' as const), pick: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'commit' as const }) },
)

interface Runner {
  amdb: AMDB
  block: TableFactory
  savepoints: number[]
}

async function step(r: Runner, op: Op): Promise<unknown> {
  switch (op.op) {
    case 'create':
      return r.block.createTable({ name: op.table, ...TABLES[op.table] })
    case 'savepoint':
      r.savepoints.push(r.block.savepoint())
      return r.savepoints.length
    case 'rollback': {
      if (r.savepoints.length === 0) return 'none'
      const at = op.pick % r.savepoints.length
      r.block.rollback(r.savepoints[at]!)
      r.savepoints.length = at
      await r.block.settle()
      return Buffer.from(r.block.hash()).toString('hex')
    }
    case 'settle':
      await r.block.settle()
      return r.block.pendingKeys
    case 'commit': {
      await r.block.settle()
      const hash = Buffer.from(r.block.hash()).toString('hex')
      await r.block.commit()
      r.block = await r.amdb.openBlock()
      r.savepoints = []
      return hash
    }
    default: {
      const t = await r.block.openTable(op.table)
      if (t === undefined) return 'no table'
      if (op.op === 'insert') return t.insert(op.key, op.entry)
      if (op.op === 'set') return t.set(op.key, op.entry)
      if (op.op === 'update') return t.update(op.key, op.entry, op.condition)
      if (op.op === 'remove') return t.remove(op.key, op.condition)
      if (op.op === 'keys') return t.keys()
      return t.selectWithHidden(op.key, op.condition).catch((e) => `error ${e.type?.code}`)
    }
  }
}

async function finalReads(r: Runner): Promise<unknown> {
  await r.block.settle()
  const out: unknown[] = [Buffer.from(r.block.hash()).toString('hex')]
  await r.block.commit()
  const block = await r.amdb.openBlock()
  for (const name of Object.keys(TABLES)) {
    const t = await block.openTable(name)
    if (t === undefined) {
      out.push(name, 'absent')
      continue
    }
    for (const k of await t.keys()) out.push(name, k, await t.selectWithHidden(k))
  }
  out.push(await r.amdb.committedHeight())
  return out
}

async function runOn(amdbs: AMDB[], ops: Op[]): Promise<void> {
  const runners: Runner[] = []
  for (const amdb of amdbs) runners.push({ amdb, block: await amdb.openBlock(), savepoints: [] })
  for (const [i, op] of ops.entries()) {
    const results = await Promise.all(runners.map((r) => step(r, op)))
    for (let d = 1; d < results.length; d++) {
      expect(results[d], `step ${i} ${JSON.stringify(op)} on ${amdbs[d]!.driver.name}`).toEqual(results[0])
    }
  }
  const finals = await Promise.all(runners.map(finalReads))
  for (let d = 1; d < finals.length; d++) expect(finals[d]).toEqual(finals[0])
}

describe('Property: every driver answers a random table workload the same way', () => {
  const withMySQL = mysqlUnreachable === undefined
  it(`memory, LevelDB${withMySQL ? ' and MariaDB' : ' (MariaDB unreachable: skipped)'} agree`, {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
        const dir = tempDir('amdb-prop-')
        const db = withMySQL ? await createTestDatabase('prop') : undefined
        const amdbs: AMDB[] = [
          createAMDB({ driver: createMemoryDriver(), hash: sha256 }),
          // A small cache so that evictions and refills happen during the run.
          createAMDB({
            driver: await createLevelDBDriver({ location: dir.path }),
            hash: sha256,
            cacheBytesMax: 2048,
          }),
        ]
        if (db !== undefined)
          amdbs.push(createAMDB({ driver: await createMySQLDriver({ url: db.url }), hash: sha256 }))
        try {
          await runOn(amdbs, [{ op: 'create', table: 'u_p1' }, ...ops])
        } finally {
          for (const a of amdbs) await a.close()
          dir.remove()
          await db?.drop()
        }
      }),
      { seed: 20261126, numRuns: withMySQL ? 25 : 60 },
    )
  })
})
