import { describe, expect, it } from 'vitest'
import { rowsItem, tableInfoItem } from '../src/parallel/items.js'
import {
  RecordingWorld,
  readItem,
  readItemCached,
  replayTableOps,
  replayTableOpsCached,
} from '../src/parallel/main-view.js'
import type { TableOp } from '../src/parallel/protocol.js'
import { storageWorld } from './helpers/chain.js'

const users = { name: 'u_users', keyField: 'name', valueFields: ['balance'] }

/** A storage world whose committed block holds `u_users` with alice (10) and bob (20). */
async function worldWithUsers() {
  const world = await storageWorld()
  expect(await world.tables.createTable(users)).toBe(0)
  const table = await world.tables.openTable('u_users')
  await table?.insert('alice', { balance: '10' })
  await table?.insert('bob', { balance: '20' })
  await world.next()
  return world
}

const noHash = async () => undefined

describe('main view: reading and replaying without waiting', () => {
  it('reads table items without waiting once their rows are in memory, with the values readItem gives', async () => {
    const world = await worldWithUsers()
    const handles = new Map()
    const items = [
      tableInfoItem('u_users'),
      tableInfoItem('u_missing'),
      rowsItem('u_users', 'alice'),
      rowsItem('u_users', 'carol'),
      rowsItem('u_missing', 'alice'),
    ]
    // Rows not loaded in this block yet: only the asynchronous read can tell.
    expect(readItemCached(rowsItem('u_users', 'alice'), world.tables, handles)).toBeUndefined()
    const expected = []
    for (const item of items) expected.push(await readItem(item, world.state, world.tables, noHash, handles))
    const got = items.map((item) => readItemCached(item, world.tables, handles))
    expect(got).toEqual(expected)
    expect(got[0]).toContain('"keyField":"name"')
    expect(got[1]).toBeNull()
    expect(got[4]).toBe('[]')
    // World-state items always take the asynchronous read.
    expect(readItemCached(`a:${'11'.repeat(20)}`, world.tables, handles)).toBeUndefined()
  })

  it('replays inserts and updates without waiting as far as the store allows, and checks row counts', async () => {
    const world = await worldWithUsers()
    const handles = new Map()
    const ops: TableOp[] = [
      ['update', 'u_users', 'alice', { balance: '9' }, undefined, 1],
      ['insert', 'u_users', 'carol', { balance: '1' }, 1],
      ['remove', 'u_users', 'bob', undefined, 1],
    ]
    // alice's rows are not loaded in this block: nothing can be replayed without waiting.
    expect(replayTableOpsCached(world.tables, handles, ops)).toBe(0)
    await (await world.tables.openTable('u_users'))?.select('alice')
    // Loaded now: the update and the insert go; the remove needs the asynchronous path.
    expect(replayTableOpsCached(world.tables, handles, ops)).toBe(2)
    await replayTableOps(world.tables, handles, ops, 2)
    const table = await world.tables.openTable('u_users')
    expect(await table?.select('alice')).toEqual([{ name: 'alice', balance: '9' }])
    expect(await table?.select('carol')).toEqual([{ name: 'carol', balance: '1' }])
    expect(await table?.select('bob')).toEqual([])
    // A worker that computed another row count: the replay stops with a typed error.
    const wrong: TableOp[] = [['update', 'u_users', 'alice', { balance: '8' }, undefined, 2]]
    expect(() => replayTableOpsCached(world.tables, handles, wrong)).toThrow(
      /affected 1 rows on the main thread, the worker computed 2/,
    )
  })

  it('names the rows written through the store fast paths of a recording world, once per table wrapper', async () => {
    const world = await worldWithUsers()
    const recording = new RecordingWorld(world.state, world.tables)
    const store = recording.tables as import('@consortia/interface').CachedTableStore
    const table = await recording.tables.openTable('u_users')
    expect(store.openTableCached?.('u_users')).toBe(table)
    // A table the store cannot tell about (or knows missing) is forwarded as the store says it.
    const base = world.tables as import('@consortia/interface').CachedTableStore
    expect(await recording.tables.openTable('u_missing')).toBeUndefined()
    expect(store.openTableCached?.('u_missing')).toBe(base.openTableCached?.('u_missing'))
    const cached = table as import('@consortia/interface').CachedTable
    // Not loaded: nothing written, nothing named.
    expect(cached.updateCached?.('alice', { balance: '1' })).toBeUndefined()
    expect(recording.take().size).toBe(0)
    expect(await cached.select('alice')).toEqual([{ name: 'alice', balance: '10' }])
    expect(cached.selectCached?.('alice')).toEqual([{ name: 'alice', balance: '10' }])
    expect(cached.updateCached?.('alice', { balance: '1' })).toBe(1)
    expect(cached.insertCached?.('dave', { balance: '4' })).toBe(1)
    expect([...recording.take()].sort()).toEqual([rowsItem('u_users', 'alice'), rowsItem('u_users', 'dave')])
    expect(await cached.select('alice')).toEqual([{ name: 'alice', balance: '1' }])
  })
})
