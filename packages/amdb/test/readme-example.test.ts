// The README's example, run as a test so it stays true. Keep the two in step.
import { createHash } from 'node:crypto'
import { expect, it } from 'vitest'
import { createAMDB, createCondition, createLevelDBDriver, createStorageState } from '../src/index.js'
import { tempDir } from './helpers.js'

it('README example runs', async () => {
  const dir = tempDir('amdb-readme-')
  // --- README example start ---
  const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest())
  const amdb = createAMDB({ driver: await createLevelDBDriver({ location: dir.path }), hash: sha256 })

  const block = await amdb.openBlock() // block 0: a change set over the committed state
  await block.createUserTable('t_asset', 'account', ['amount', 'note']) // creates u_t_asset
  const assets = await block.openTableOrThrow('u_t_asset')
  await assets.insert('alice', { amount: '100', note: 'salary' })
  await assets.insert('alice', { amount: '7', note: 'refund' }) // several rows per key
  const savepoint = block.savepoint() // one per transaction
  await assets.remove('alice')
  block.rollback(savepoint) // the transaction failed: undo its writes
  const big = await assets.select('alice', createCondition().GE('amount', 50))

  const state = createStorageState({ tables: block, hash: sha256 }) // a StateView for the EVM
  const contract = new Uint8Array(20).fill(0x11)
  await state.putCode(contract, Uint8Array.from([0x60, 0x00]))
  await state.putStorage(contract, new Uint8Array(32), Uint8Array.from([42]))

  await block.settle() // StorageState writes without reading: one batched read resolves them
  const dbHash = block.hash() // goes into the block header
  await block.commit() // one atomic LevelDB batch, fsynced
  await amdb.close()
  // --- README example end ---
  expect(big).toEqual([{ account: 'alice', amount: '100', note: 'salary' }])
  expect(dbHash).toHaveLength(32)
  const again = createAMDB({ driver: await createLevelDBDriver({ location: dir.path }), hash: sha256 })
  const next = createStorageState({ tables: await again.openBlock(), hash: sha256 })
  expect(Array.from(await next.getStorage(contract, new Uint8Array(32)))).toEqual([42])
  await again.close()
  dir.remove()
})
