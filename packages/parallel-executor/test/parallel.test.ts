import { encodeDeployData, encodeFunctionData } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex } from '../src/bytes.js'
import { createSerialExecutor, parallelConfigTableInfo, selectorOf, TableOverlay } from '../src/index.js'
import { ALICE, blockContext, ecdsa, storageWorld, transaction } from './helpers/chain.js'
import { PARALLEL_SOL } from './helpers/contracts.js'
import { type Compiled, compile } from './helpers/solc.js'

let parallelOk: Compiled

beforeAll(() => {
  parallelOk = compile({ 'ParallelOk.sol': PARALLEL_SOL }).ParallelOk as Compiled
})

describe('ParallelConfig 0x1006 and critical keys', () => {
  it('registers parallel functions of a ParallelContract and derives mutex keys from their arguments', async () => {
    const world = await storageWorld()
    const executor = createSerialExecutor({}, { crypto: ecdsa, tables: () => world.tables })
    const deploy = transaction({
      from: ALICE,
      to: null,
      data: encodeDeployData({ abi: parallelOk.abi, bytecode: parallelOk.bytecode }),
    })
    const r1 = await executor.execute(blockContext(1), [deploy], world.state)
    const address = r1.receipts[0]?.contractAddress as Uint8Array
    const call = (functionName: string, args: readonly unknown[] = []) =>
      transaction({
        from: ALICE,
        to: address,
        data: encodeFunctionData({ abi: parallelOk.abi, functionName, args }),
      })
    const transfer = call('transfer', ['alice', 'bob', 0n])
    expect(await executor.criticalKeys(transfer, world.tables)).toBeUndefined()

    const r2 = await executor.execute(
      blockContext(2),
      [call('enableParallel'), call('set', ['alice', 10n])],
      world.state,
    )
    expect(r2.receipts.map((r) => r.status)).toEqual([0, 0])
    const rows = await (await world.tables.openTable(parallelConfigTableInfo(address).name))?.select(
      'parallel',
    )
    expect(rows?.map((r) => [r.functionName, r.criticalSize, r.selector])).toEqual([
      ['transfer(string,string,uint256)', '2', String(selectorOf('transfer(string,string,uint256)', ecdsa))],
      ['set(string,uint256)', '1', String(selectorOf('set(string,uint256)', ecdsa))],
    ])
    const suffix = bytesToHex(address)
    expect(await executor.criticalKeys(transfer, world.tables)).toEqual([`alice${suffix}`, `bob${suffix}`])
    expect(await executor.criticalKeys(call('set', ['carol', 1n]), world.tables)).toEqual([`carol${suffix}`])
    expect(await executor.criticalKeys(call('balanceOf', ['carol']), world.tables)).toBeUndefined()

    const r3 = await executor.execute(blockContext(3), [call('disableParallel')], world.state)
    expect(r3.receipts[0]?.status).toBe(0)
    expect(await executor.criticalKeys(transfer, world.tables)).toBeUndefined()
  })
})

describe('TableOverlay', () => {
  it('reverts nested savepoints, replays surviving writes, and drops its cache past cachedKeysMax', async () => {
    const world = await storageWorld()
    const overlay = new TableOverlay(world.tables, { cachedKeysMax: 2 })
    expect(await overlay.createTable({ name: 'u_t', keyField: 'k', valueFields: ['v'] })).toBe(0)
    overlay.checkpoint()
    await overlay.insert('u_t', 'a', { v: '1' })
    overlay.checkpoint()
    await overlay.insert('u_t', 'b', { v: '2' })
    await overlay.update('u_t', 'a', { v: '9' })
    overlay.revert()
    expect(await overlay.select('u_t', 'a')).toEqual([{ k: 'a', v: '1' }])
    expect(await overlay.select('u_t', 'b')).toEqual([])
    overlay.commit()
    await overlay.insert('u_t', 'c', { v: '3' })
    expect(overlay.cachedKeys).toBe(3)
    await overlay.flush()
    expect(overlay.cachedKeys).toBe(0)
    expect(overlay.pendingOps).toBe(0)
    const table = await world.tables.openTable('u_t')
    expect(await table?.select('a')).toEqual([{ k: 'a', v: '1' }])
    expect(await table?.select('b')).toEqual([])
    expect(await table?.select('c')).toEqual([{ k: 'c', v: '3' }])
    expect(await overlay.update('u_t', 'a', { k: 'other' })).toBe(-51503)
    expect(await overlay.insert('u_t', 'a', { nope: 'x' })).toBe(-50008)
    expect(() => overlay.revert()).toThrow(/without checkpoint/)
  })

  it('looks schemas up without waiting when the store can answer synchronously, recording them as tableInfo does', async () => {
    const world = await storageWorld()
    const table = await world.tables.openTable('u_none')
    expect(table).toBeUndefined()
    expect(await world.tables.createTable({ name: 'u_t', keyField: 'k', valueFields: ['v'] })).toBe(0)
    await (await world.tables.openTable('u_t'))?.insert('a', { v: '1' })
    await world.next()
    // Open and loaded in the store's block: the overlay needs no asynchronous call at all.
    const store = world.tables
    await (await store.openTable('u_t'))?.select('a')
    const overlay = new TableOverlay(store)
    expect(overlay.cachedInfo('u_t')).toMatchObject({ name: 'u_t', keyField: 'k', valueFields: ['v'] })
    const fresh = new TableOverlay(store)
    expect(fresh.selectCached('u_t', 'a')).toEqual([{ k: 'a', v: '1' }])
    expect(fresh.updateCached('u_t', 'a', { v: '2' })).toBe(1)
    // b's rows are not in the store's memory: nothing is written until they are.
    expect(fresh.insertCached('u_t', 'b', { v: '3' })).toBeUndefined()
    await (await store.openTable('u_t'))?.select('b')
    expect(fresh.insertCached('u_t', 'b', { v: '3' })).toBe(1)
    expect(fresh.flushCached()).toBe(true)
    expect(await (await store.openTable('u_t'))?.select('a')).toEqual([{ k: 'a', v: '2' }])
    // A store that cannot answer without waiting: the overlay cannot either.
    const slow = new TableOverlay({
      openTable: (name) => store.openTable(name),
      createTable: (info) => store.createTable(info),
    })
    expect(slow.cachedInfo('u_t')).toBeUndefined()
    expect(slow.selectCached('u_t', 'a')).toBeUndefined()
    expect(await slow.tableInfo('u_t')).toMatchObject({ name: 'u_t', keyField: 'k', valueFields: ['v'] })
    // Once looked up, the rows come through the store's table and its own fast path.
    expect(slow.selectCached('u_t', 'a')).toEqual([{ k: 'a', v: '2' }])
  })
})
