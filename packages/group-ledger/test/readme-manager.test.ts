import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCryptoSuite } from '@consortia/crypto'
import { createLevelKvStore } from '@consortia/kv-level'
import { createSerialExecutor } from '@consortia/parallel-executor'
import { createManualClock, createMemoryNetwork } from '@consortia/testkit'
import { afterAll, expect, it } from 'vitest'
import { createDirectoryGroupStorage, createGroupManager } from '../src/index.js'

// The GroupManager example of README.md, run as written (one sealer, so it needs no peers).
const dir = mkdtempSync(join(tmpdir(), 'consortia-readme-manager-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('README GroupManager example', async () => {
  const suite = createCryptoSuite('ecdsa')
  const privateKey = suite.hash(new TextEncoder().encode('readme-node'))
  const sealers = [suite.publicKey(privateKey)]
  const transport = createMemoryNetwork().createTransport(suite.publicKey(privateKey))
  const clock = createManualClock(Date.UTC(2026, 0, 1))
  const statusStore = await createLevelKvStore({ location: join(dir, 'groups') })

  // --- README
  const manager = await createGroupManager({
    suite,
    privateKey,
    transport,
    clock, // the node's key and its one p2p transport
    storage: createDirectoryGroupStorage({ dataPath: join(dir, 'data') }), // one LevelDB per group: data/group<N>
    statusStore, // statuses + genesis texts
    executor: () => createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite }),
    sync: true, // block sync + tx sync per group (src/sync), on the group's members-only transport
    onGroupStarted: () => undefined, // attach RPC, observers...; closed before the group stops
  })
  await manager.generateGroup({ groupId: 2, timestamp: clock.nowMs(), sealers, consensusType: 'pbft' })
  await manager.startGroup(2)
  const group = manager.group(2) // { store, pool, driver, transport, amdb, nonceWindow, genesis, blockSync, txSync }
  expect(manager.queryGroupStatus(2)).toBe('RUNNING')
  await manager.stopGroup(2)
  expect(manager.queryGroupStatus(2)).toBe('STOPPED')
  await manager.removeGroup(2) // data kept
  expect(manager.queryGroupStatus(2)).toBe('DELETED')
  await manager.recoverGroup(2)
  expect(manager.queryGroupStatus(2)).toBe('STOPPED')
  // --- end of README

  expect(group?.store.head.number).toBe(0)
  expect(group?.blockSync).toBeDefined()
  await manager.startGroup(2)
  expect(manager.group(2)?.store.head.number).toBe(0)
  await manager.close()
  await statusStore.close()
})
