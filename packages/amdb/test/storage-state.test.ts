import { isChainError } from '@consortia/interface'
import { stateViewComplianceSuite } from '@consortia/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AccountRow,
  type AMDB,
  contractTableName,
  createAMDB,
  createLevelDBDriver,
  createMemoryDriver,
  createStorageState,
  SysTable,
} from '../src/index.js'
import { sha256, tempDir } from './helpers.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const addr = (n: number) => {
  const a = new Uint8Array(20)
  a[0] = 0xbb
  a[19] = n
  return a
}
const slot = (n: number) => {
  const s = new Uint8Array(32)
  s[31] = n
  return s
}

stateViewComplianceSuite('AMDB StorageState (memory)', async () => {
  const block = await createAMDB({ driver: createMemoryDriver(), hash: sha256 }).openBlock()
  return createStorageState({ tables: block, hash: sha256 })
})

// The suite does not close the views it opens, so the LevelDB ones are closed here.
const opened: { amdb: AMDB; remove: () => void }[] = []
afterAll(async () => {
  for (const { amdb, remove } of opened) {
    await amdb.close()
    remove()
  }
})
stateViewComplianceSuite('AMDB StorageState (LevelDB)', async () => {
  const dir = tempDir('amdb-state-')
  const amdb = createAMDB({ driver: await createLevelDBDriver({ location: dir.path }), hash: sha256 })
  opened.push({ amdb, remove: dir.remove })
  return createStorageState({ tables: await amdb.openBlock(), hash: sha256 })
})

describe('StorageState layout and lifecycle', () => {
  it('keeps an account in table c_<address> with FISCO rows and hex storage keys', async () => {
    const block = await createAMDB({ driver: createMemoryDriver(), hash: sha256 }).openBlock()
    const state = createStorageState({ tables: block, hash: sha256 })
    await state.putAccount(addr(1), { nonce: 3n, balance: 0n, codeHash: sha256(new Uint8Array()) })
    await state.putCode(addr(1), Uint8Array.from([0x60, 0x01]))
    await state.putStorage(addr(1), slot(9), Uint8Array.from([0, 0, 0x12, 0x34]))
    const name = `c_bb${'00'.repeat(18)}01`
    expect(contractTableName(addr(1))).toBe(name)
    expect(await (await block.openTableOrThrow(SysTable.tables)).select(name)).toEqual([
      { table_name: name, key_field: 'key', value_field: 'value' },
    ])
    const table = await block.openTableOrThrow(name)
    const rows: Record<string, string | undefined> = {}
    for (const k of await table.keys()) rows[k] = (await table.select(k))[0]?.['value']
    expect(rows).toEqual({
      [AccountRow.nonce]: '3',
      [AccountRow.balance]: '0',
      [AccountRow.codeHash]: hex(sha256(Uint8Array.from([0x60, 0x01]))),
      [AccountRow.code]: '6001',
      [AccountRow.alive]: 'true',
      [AccountRow.frozen]: 'false',
      [hex(slot(9))]: '1234',
    })
    expect(hex((await state.getAccount(addr(1)))!.codeHash)).toBe(hex(sha256(Uint8Array.from([0x60, 0x01]))))
  })

  it('creates an account with nonce 0 when code arrives first', async () => {
    const block = await createAMDB({ driver: createMemoryDriver(), hash: sha256 }).openBlock()
    const state = createStorageState({ tables: block, hash: sha256 })
    await state.putCode(addr(2), Uint8Array.from([1]))
    expect(await state.getAccount(addr(2))).toEqual({
      nonce: 0n,
      balance: 0n,
      codeHash: sha256(Uint8Array.from([1])),
    })
  })

  it('persists across blocks and keeps stateRoot equal to the block dbHash', async () => {
    const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256 })
    const b0 = await amdb.openBlock()
    const s0 = createStorageState({ tables: b0, hash: sha256 })
    await s0.putAccount(addr(1), { nonce: 1n, balance: 0n, codeHash: new Uint8Array(32) })
    await s0.putStorage(addr(1), slot(1), Uint8Array.from([7]))
    expect(hex(await s0.stateRoot())).toBe(hex(b0.hash()))
    await b0.commit()
    const b1 = await amdb.openBlock()
    const s1 = createStorageState({ tables: b1, hash: sha256 })
    expect(hex(await s1.getStorage(addr(1), slot(1)))).toBe('07')
    expect(hex(await s1.stateRoot())).toBe('00'.repeat(32))
    await s1.clearStorage(addr(1))
    expect(hex(await s1.getStorage(addr(1), slot(1)))).toBe('')
    expect((await s1.getAccount(addr(1)))?.nonce).toBe(1n)
    await s1.deleteAccount(addr(1))
    await b1.commit()
    const s2 = createStorageState({ tables: await amdb.openBlock(), hash: sha256 })
    expect(await s2.getAccount(addr(1))).toBeUndefined()
    await s2.putAccount(addr(1), { nonce: 5n, balance: 0n, codeHash: new Uint8Array(32) })
    expect((await s2.getAccount(addr(1)))?.nonce).toBe(5n)
    expect(hex(await s2.getStorage(addr(1), slot(1)))).toBe('')
  })

  it('checks its inputs with labelled errors', async () => {
    const state = createStorageState({
      tables: await createAMDB({ driver: createMemoryDriver(), hash: sha256 }).openBlock(),
      hash: sha256,
    })
    const code = async (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e) => (isChainError(e) ? e.message : String(e)),
      )
    expect(await code(state.getAccount(new Uint8Array(19)))).toBe('expected 20-byte address, got 19')
    expect(await code(state.getStorage(addr(1), new Uint8Array(31)))).toBe(
      'expected 32-byte storage slot, got 31',
    )
    expect(await code(state.putStorage(addr(1), slot(1), new Uint8Array(33)))).toBe(
      'expected at most 32-byte storage value, got 33',
    )
    expect(await code(state.commit())).toBe('commit without a checkpoint')
    expect(await code(state.revert())).toBe('revert without a checkpoint')
    await state.checkpoint()
    expect(state.depth).toBe(1)
  })
})
