import { createAMDB, createMemoryDriver, type TableFactory } from '@consortia/amdb'
import { type CachedTableStore, type Receipt, type StateView, silentLogger } from '@consortia/interface'
import { createPermission, initGovernance, topLevelCaller } from '@consortia/permission'
import fc from 'fast-check'
import { encodeFunctionData, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { bytesToHex, numberToAddress } from '../src/bytes.js'
import {
  createPermissionTableStore,
  createSerialExecutor,
  DAG_TRANSFER_TABLE,
  dagTransferPrecompiled,
  GuardedTables,
  type PermissionDenial,
  PrecompiledAddress,
  type PrecompiledCallContext,
  PrecompiledGasMeter,
  type PrecompiledTables,
  runPrecompiled,
  TableOverlay,
  TransientObjects,
} from '../src/index.js'
import { ALICE, account, BOB, blockContext, ecdsa, storageWorld, transaction } from './helpers/chain.js'

// DagTransfer runs synchronously on rows in memory (`transferFirst`, the tables' `...Cached`
// methods, the cached permission checks, `flushCached`). These tests run the same calls twice,
// once on tables that offer the synchronous paths and once on the same tables with those
// paths hidden (everything asynchronous), and compare outcomes, gas, denials, rows and dbHash.

const DAG = parseAbi([
  'function userAdd(string, uint256) returns (int256)',
  'function userSave(string, uint256) returns (int256)',
  'function userTransfer(string, string, uint256) returns (int256)',
  'function userBalance(string) returns (int256, uint256)',
])
const U256_MAX = (1n << 256n) - 1n
const COMMITTEE = account(7)
const CAROL = account(3)
const dag = numberToAddress(PrecompiledAddress.DagTransfer)
const hash = ecdsa.hash

/** The same tables with every synchronous fast path hidden. */
function asyncOnly(t: PrecompiledTables): PrecompiledTables {
  return {
    tableInfo: (name) => t.tableInfo(name),
    createTable: (info) => t.createTable(info),
    select: (table, key, condition) => t.select(table, key, condition),
    insert: (table, key, entry) => t.insert(table, key, entry),
    update: (table, key, entry, condition) => t.update(table, key, entry, condition),
    remove: (table, key, condition) => t.remove(table, key, condition),
  }
}

/** A `TableStore` over `block` whose tables have no `...Cached` methods. */
function asyncStore(block: TableFactory): CachedTableStore {
  return {
    createTable: (info) => block.createTable(info),
    async openTable(name) {
      const t = await block.openTable(name)
      if (t === undefined) return undefined
      return {
        info: t.info,
        select: (k, c) => t.select(k, c),
        insert: (k, e) => t.insert(k, e),
        update: (k, e, c) => t.update(k, e, c),
        remove: (k, c) => t.remove(k, c),
      }
    },
  }
}

type Call = { readonly from: Uint8Array; readonly data: Uint8Array }
const users = ['u0', 'u1', 'u2', 'u3', 'rich', 'ghost']
const amountArb = fc.constantFrom(0n, 1n, 7n, 1000n, 10n ** 12n, U256_MAX)
const callArb: fc.Arbitrary<Call> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        from: fc.constantFrom(...users, ''),
        to: fc.constantFrom(...users),
        amount: amountArb,
        sender: fc.constantFrom(ALICE, ALICE, BOB),
      })
      .map(({ from, to, amount, sender }) => ({
        from: sender,
        data: hex(encodeFunctionData({ abi: DAG, functionName: 'userTransfer', args: [from, to, amount] })),
      })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ user: fc.constantFrom(...users), amount: amountArb }).map(({ user, amount }) => ({
      from: ALICE,
      data: hex(encodeFunctionData({ abi: DAG, functionName: 'userSave', args: [user, amount] })),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...users).map((user) => ({
      from: ALICE,
      data: hex(encodeFunctionData({ abi: DAG, functionName: 'userBalance', args: [user] })),
    })),
  },
)
/** The context of a top-level call from `from` to DagTransfer (no EVM state: it reads none). */
function dagCallContext(
  from: Uint8Array,
  blockNumber: number,
  tables: PrecompiledTables,
  permission: PrecompiledCallContext['permission'],
): PrecompiledCallContext {
  return {
    origin: from,
    sender: from,
    address: dag,
    blockNumber,
    isStatic: false,
    tables,
    permission,
    state: undefined as unknown as StateView,
    crypto: ecdsa,
    sm: undefined,
    objects: new TransientObjects(),
    gas: new PrecompiledGasMeter(),
    logger: silentLogger,
  }
}

const hex = (h: `0x${string}`) => Uint8Array.from(Buffer.from(h.slice(2), 'hex'))

/**
 * Runs `blocks` of calls on a fresh database (block 1: the table with balances, and with
 * `withPermission` an ACL on it naming ALICE only), each call in a savepoint as the executor
 * runs a precompiled transaction. Returns every outcome, denial, dbHash and final row.
 */
async function run(blocks: readonly (readonly Call[])[], fast: boolean, withPermission: boolean) {
  const amdb = createAMDB({ driver: createMemoryDriver(), hash })
  const setup = await amdb.openBlock()
  await setup.createTable({ name: DAG_TRANSFER_TABLE, keyField: 'user_name', valueFields: ['user_balance'] })
  const table = (await setup.openTable(DAG_TRANSFER_TABLE))!
  for (const [user, balance] of [
    ['u0', 5n],
    ['u1', 0n],
    ['u2', 10n ** 12n],
    ['u3', 999n],
    ['rich', U256_MAX],
  ] as const)
    await table.insert(user, { user_balance: balance.toString() })
  if (withPermission) {
    await initGovernance(setup, { committee: [{ address: COMMITTEE }] })
    const p = createPermission({ tables: setup, blockNumber: setup.number })
    expect(
      await p.tablePermissions.insert(topLevelCaller(COMMITTEE), 'dag_transfer', bytesToHex(ALICE)),
    ).toBe(1)
  }
  await setup.commit()
  const out: unknown[] = []
  for (const calls of blocks) {
    const block = await amdb.openBlock()
    const overlay = new TableOverlay(fast ? block : asyncStore(block))
    const permission = withPermission
      ? createPermission({
          tables: createPermissionTableStore(overlay, {
            hasAccount: async () => false,
            codeOf: async () => new Uint8Array(0),
          }),
          blockNumber: block.number,
        })
      : undefined
    for (const call of calls) {
      const denials: PermissionDenial[] = []
      const guarded =
        permission === undefined
          ? overlay
          : new GuardedTables(overlay, permission, topLevelCaller(call.from), (d) => denials.push(d))
      const ctx = dagCallContext(call.from, block.number, fast ? guarded : asyncOnly(guarded), permission)
      overlay.checkpoint()
      const outcome = await runPrecompiled(dagTransferPrecompiled, call.data, ctx, 10n ** 9n)
      if (outcome.kind === 'ok') overlay.commit()
      else overlay.revert()
      if (!fast || !overlay.flushCached()) await overlay.flush()
      out.push({ ...outcome, denials })
    }
    await block.settle()
    out.push(bytesToHex(block.hash()))
    await block.commit()
  }
  const last = await amdb.openBlock()
  const rows = (await last.openTable(DAG_TRANSFER_TABLE))!
  for (const key of await rows.keys()) out.push(await rows.selectWithHidden(key))
  await amdb.close()
  return out
}

describe('DagTransfer synchronous path', () => {
  for (const withPermission of [false, true]) {
    it(`gives the outcomes, gas, denials, rows and dbHash of the asynchronous path${withPermission ? ' (permissions enforced)' : ''}`, async () => {
      let compared = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(callArb, { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 3 }),
          async (blocks) => {
            const slow = await run(blocks, false, withPermission)
            const fast = await run(blocks, true, withPermission)
            expect(fast).toEqual(slow)
            compared += blocks.flat().length
          },
        ),
        { seed: 11, numRuns: 40 },
      )
      expect(compared).toBeGreaterThan(200)
    }, 120_000)
  }

  it('answers a transfer from rows in memory without waiting, and goes asynchronous otherwise', async () => {
    // No read cache in front of the driver: rows are in memory only once read in the block.
    const amdb = createAMDB({ driver: createMemoryDriver(), hash, cacheBytesMax: 0 })
    let block = await amdb.openBlock()
    let overlay = new TableOverlay(block)
    const ctx = () => dagCallContext(ALICE, block.number, overlay, undefined)
    const transfer = dagTransferPrecompiled.methods.find((m) => m.signature.startsWith('userTransfer'))!
    const add = dagTransferPrecompiled.methods.find((m) => m.signature.startsWith('userAdd'))!
    await add.call(['a', 10n], ctx())
    await add.call(['b', 0n], ctx())
    await add.call(['c', 0n], ctx())
    await overlay.flush()
    await block.commit()
    block = await amdb.openBlock()
    overlay = new TableOverlay(block)
    // A fresh block: nothing in memory, the call reads asynchronously.
    const first = transfer.call(['a', 'b', 3n], ctx())
    expect(first).toBeInstanceOf(Promise)
    expect(await first).toEqual([0n])
    // Both users read: the same call answers at once, with the same gas.
    const gasOf = async (c: PrecompiledCallContext, r: unknown) => {
      expect(await r).toEqual([0n])
      return c.gas.total()
    }
    const asyncCtx = ctx()
    const asyncGas = await gasOf(
      asyncCtx,
      transfer.call(['b', 'a', 1n], { ...asyncCtx, tables: asyncOnly(overlay) }),
    )
    const syncCtx = ctx()
    const second = transfer.call(['a', 'b', 1n], syncCtx)
    expect(second).toEqual([0n])
    expect(await gasOf(syncCtx, second)).toBe(asyncGas)
    // A user not read in this block: asynchronous again.
    const third = transfer.call(['a', 'c', 1n], ctx())
    expect(third).toBeInstanceOf(Promise)
    expect(await third).toEqual([0n])
    // Every key written was read through the store first: the replay needs no wait either.
    expect(overlay.pendingOps).toBeGreaterThan(0)
    expect(overlay.flushCached()).toBe(true)
    expect(overlay.pendingOps).toBe(0)
    expect(await overlay.select(DAG_TRANSFER_TABLE, 'a')).toEqual([{ user_name: 'a', user_balance: '6' }])
    await amdb.close()
  })
})

describe('permission table store, account tables without waiting', () => {
  it('knows a missing account table once the overlay and the state cache both know', async () => {
    const amdb = createAMDB({ driver: createMemoryDriver(), hash })
    const overlay = new TableOverlay(await amdb.openBlock())
    let cached: boolean | undefined
    let asked = 0
    const store = createPermissionTableStore(overlay, {
      hasAccount: async () => {
        asked++
        return cached === true
      },
      hasAccountCached: () => cached,
      codeOf: async () => new Uint8Array(0),
    })
    const name = `c_${'ab'.repeat(20)}`
    expect(store.openTableCached?.(name)).toBeUndefined()
    cached = false
    // The overlay has not looked the table up yet: only openTable can tell.
    expect(store.openTableCached?.(name)).toBeUndefined()
    expect(await store.openTable(name)).toBeUndefined()
    expect(asked).toBe(1)
    expect(store.openTableCached?.(name)).toBeNull()
    cached = undefined
    expect(store.openTableCached?.(name)).toBeUndefined()
    cached = true
    expect(store.openTableCached?.(name)?.info.name).toBe(name)
    expect((await store.openTable(name))?.info.name).toBe(name)
    expect(asked).toBe(2)
  })
})

describe('serial executor, synchronous transaction loop', () => {
  const userAdd = (name: string) =>
    encodeFunctionData({ abi: DAG, functionName: 'userAdd', args: [name, 5n] }) as `0x${string}`
  // A world whose block 1 gave ALICE and BOB account tables (each deployed an empty contract),
  // so from their second transaction in a block on, the sender checks answer from memory and
  // precompile calls take the synchronous path.
  const accountsWorld = async () => {
    const world = await storageWorld()
    const deploys = [ALICE, BOB].map((from) => transaction({ from, to: null, data: '0x00' }))
    const setup = await createSerialExecutor({}, { crypto: ecdsa }).execute(
      blockContext(1),
      deploys,
      world.state,
    )
    expect(setup.receipts.map((r) => r.status)).toEqual([0, 0])
    await world.next()
    return world
  }
  const strip = (receipts: readonly Receipt[]) =>
    receipts.map((r) => ({ ...r, logsBloom: bytesToHex(r.logsBloom), output: bytesToHex(r.output) }))

  it('routes by the current bytes of `to`, also when one byte array is reused and changed', async () => {
    // One `to` array, changed in place after two transactions of a session (the second runs on
    // the synchronous path): the third goes to SystemConfig (which has no userAdd:
    // PrecompiledError), as with a fresh array.
    const to = numberToAddress(PrecompiledAddress.DagTransfer)
    const world = await accountsWorld()
    const session = await createSerialExecutor({}, { crypto: ecdsa }).openBlock(blockContext(2), world.state)
    const receipts = [
      await session.executeTransaction(transaction({ from: ALICE, to, data: userAdd('a') })),
      await session.executeTransaction(transaction({ from: ALICE, to, data: userAdd('b') })),
    ]
    to.set(numberToAddress(PrecompiledAddress.SystemConfig))
    receipts.push(await session.executeTransaction(transaction({ from: ALICE, to, data: userAdd('c') })))
    const viaSession = await session.finish()

    const fresh = await accountsWorld()
    const dagTo = () => numberToAddress(PrecompiledAddress.DagTransfer)
    const reference = await createSerialExecutor({}, { crypto: ecdsa }).execute(
      blockContext(2),
      [
        transaction({ from: ALICE, to: dagTo(), data: userAdd('a') }),
        transaction({ from: ALICE, to: dagTo(), data: userAdd('b') }),
        transaction({
          from: ALICE,
          to: numberToAddress(PrecompiledAddress.SystemConfig),
          data: userAdd('c'),
        }),
      ],
      fresh.state,
    )
    expect(receipts.map((r) => r.status)).toEqual([0, 0, reference.receipts[2]?.status])
    expect(receipts[2]?.status).not.toBe(0)
    expect(strip(receipts)).toEqual(strip(reference.receipts))
    expect(viaSession.stateRoot).toEqual(reference.stateRoot)
  })

  it('gives the same receipts, gas and root through execute as through a session', async () => {
    const mixed = (n: number) =>
      Array.from({ length: n }, (_, i) => {
        const to = numberToAddress(
          i % 5 === 4 ? PrecompiledAddress.SystemConfig : PrecompiledAddress.DagTransfer,
        )
        const data =
          i % 3 === 2
            ? encodeFunctionData({
                abi: DAG,
                functionName: 'userTransfer',
                args: [`u${i % 4}`, `u${(i + 1) % 4}`, BigInt(i)],
              })
            : userAdd(`u${i % 6}`)
        // CAROL has no account table: her sender checks answer from the state cache.
        return transaction({ from: [ALICE, BOB, CAROL][i % 3] as Uint8Array, to, data })
      })
    const txs = mixed(40)
    const a = await storageWorld()
    const viaExecute = await createSerialExecutor({}, { crypto: ecdsa }).execute(
      blockContext(1),
      txs,
      a.state,
    )
    const b = await storageWorld()
    const session = await createSerialExecutor({}, { crypto: ecdsa }).openBlock(blockContext(1), b.state)
    for (const tx of txs) await session.executeTransaction(tx)
    expect(session.gasUsed).toBe(viaExecute.gasUsed)
    const viaSession = await session.finish()
    expect(new Set(viaExecute.receipts.map((r) => r.status)).size).toBeGreaterThan(1)
    expect(strip(viaSession.receipts)).toEqual(strip(viaExecute.receipts))
    expect(viaSession.stateRoot).toEqual(viaExecute.stateRoot)
  })
})
