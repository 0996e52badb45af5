import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isChainError, ModuleId } from '@consortia/interface'
import { createLevelKvStore } from '@consortia/kv-level'
import { createSerialExecutor } from '@consortia/parallel-executor'
import {
  createManualClock,
  createMemoryKvStore,
  createMemoryNetwork,
  createSeededRandom,
} from '@consortia/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createDirectoryGroupStorage,
  createGroupManager,
  type GroupErrorCode,
  type GroupManager,
  GroupStatusCode,
  groupResponseOf,
  isGroupManagerError,
} from '../src/index.js'
import {
  createManagedNetwork,
  GENESIS_TIMESTAMP,
  groupTx,
  keyOf,
  type ManagedNetwork,
  suite,
  TICK_MS,
} from './manager-helpers.js'

let net: ManagedNetwork | undefined
const dirs: string[] = []
afterEach(async () => {
  await net?.close()
  net = undefined
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function refused(op: Promise<unknown>, code: GroupErrorCode): Promise<void> {
  const err = await op.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isGroupManagerError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
  if (isGroupManagerError(err)) expect(err.type.fiscoCode).toBe(GroupStatusCode[code])
}

describe('GroupManager lifecycle (FISCO dynamic group management)', () => {
  it('generate → start → stop → remove → recover → start, with FISCO codes for every invalid transition', async () => {
    net = await createManagedNetwork(1)
    const node = net.nodes[0]!
    const m = node.manager
    const genesis = { groupId: 7, timestamp: GENESIS_TIMESTAMP, sealers: [node.id], txCountLimit: 10 }

    expect(m.queryGroupStatus(7)).toBe('INEXISTENT')
    await refused(m.startGroup(7), 'GROUP_NOT_FOUND')
    await refused(m.stopGroup(7), 'GROUP_NOT_FOUND')
    await refused(m.removeGroup(7), 'GROUP_NOT_FOUND')
    await refused(m.recoverGroup(7), 'GROUP_NOT_FOUND')

    await m.generateGroup(genesis)
    expect(m.queryGroupStatus(7)).toBe('STOPPED')
    expect(m.genesisOf(7)).toContain('max_trans_num=10')
    await refused(m.generateGroup(genesis), 'GROUP_ALREADY_EXISTS')
    await refused(m.stopGroup(7), 'GROUP_ALREADY_STOPPED')
    await refused(m.recoverGroup(7), 'GROUP_NOT_DELETED')

    await m.startGroup(7)
    expect(m.queryGroupStatus(7)).toBe('RUNNING')
    expect(m.groupList()).toEqual([7])
    await refused(m.startGroup(7), 'GROUP_ALREADY_RUNNING')
    await refused(m.removeGroup(7), 'GROUP_ALREADY_RUNNING')

    // The running group commits: one sealer, PBFT with n = 1.
    const g = m.group(7)!
    expect((await g.pool.submit(groupTx(7, 1))).ok).toBe(true)
    await net.runUntil(() => g.store.head.number >= 1, 50)
    expect(await g.store.totalTransactionCount()).toBe(1)
    // A transaction of another group is refused by this group's pool (FISCO 10003).
    const other = await g.pool.submit(groupTx(8, 1))
    expect(other.ok === false && other.status).toBe(10003)

    await m.stopGroup(7)
    expect(m.queryGroupStatus(7)).toBe('STOPPED')
    expect(m.group(7)).toBeUndefined()
    expect(m.groupList()).toEqual([])
    await m.removeGroup(7)
    expect(m.queryGroupStatus(7)).toBe('DELETED')
    await refused(m.startGroup(7), 'GROUP_ALREADY_DELETED')
    await refused(m.stopGroup(7), 'GROUP_ALREADY_DELETED')
    await refused(m.removeGroup(7), 'GROUP_ALREADY_DELETED')
    await refused(m.generateGroup(genesis), 'GROUP_ALREADY_EXISTS')

    await m.recoverGroup(7)
    expect(m.queryGroupStatus(7)).toBe('STOPPED')
    await m.startGroup(7)
    // Removal kept the data: the recovered group reopens at its height.
    expect(m.group(7)!.store.head.number).toBe(1)

    // FISCO's RPC answer shape.
    expect(groupResponseOf({ message: 'ok' })).toEqual({ code: '0x0', message: 'ok' })
    const err = await m.startGroup(7).catch((e: unknown) => e)
    expect(groupResponseOf({ error: err, message: '' }).code).toBe('0x3')
  })

  it('runs the engine the genesis names: a Raft group next to a PBFT group', async () => {
    net = await createManagedNetwork(1, { manager: { random: createSeededRandom(5) } })
    const node = net.nodes[0]!
    const m = node.manager
    await m.generateGroup({ groupId: 1, timestamp: GENESIS_TIMESTAMP, sealers: [node.id] })
    await m.generateGroup({
      groupId: 2,
      timestamp: GENESIS_TIMESTAMP,
      sealers: [node.id],
      consensusType: 'raft',
    })
    expect(m.genesisOf(2)).toContain('consensus_type=raft')
    await m.startGroup(1)
    await m.startGroup(2)
    expect(m.group(1)!.moduleId).toBe(ModuleId.PBFT)
    expect(m.group(2)!.moduleId).toBe(ModuleId.Raft)
    await m.group(1)!.pool.submit(groupTx(1, 1))
    await m.group(2)!.pool.submit(groupTx(2, 1))
    await net.runUntil(() => m.group(1)!.store.head.number >= 1 && m.group(2)!.store.head.number >= 1, 100)
    // Raft blocks carry no signatures; PBFT blocks carry the commit certificate.
    expect((await m.group(2)!.store.blockByNumber(1))!.block.signatureList).toEqual([])
    expect((await m.group(1)!.store.blockByNumber(1))!.block.signatureList.length).toBe(1)
  })

  it('refuses bad parameters, unconnected sealers and more groups than groupsMax', async () => {
    net = await createManagedNetwork(2, { manager: { groupsMax: 2 } })
    const [a, b] = net.nodes as [(typeof net.nodes)[0], (typeof net.nodes)[0]]
    const m = a.manager
    await refused(m.generateGroup({ groupId: 0, timestamp: 1, sealers: [a.id] }), 'INVALID_PARAMS')
    await refused(m.generateGroup({ groupId: 32768, timestamp: 1, sealers: [a.id] }), 'INVALID_PARAMS')
    await refused(m.generateGroup({ groupId: 1, timestamp: -1, sealers: [a.id] }), 'INVALID_PARAMS')
    await refused(m.generateGroup({ groupId: 1, timestamp: 1, sealers: [] }), 'INVALID_PARAMS')
    await refused(m.generateGroup({ groupId: 1, timestamp: 1, sealers: [a.id, a.id] }), 'INVALID_PARAMS')
    await refused(m.generateGroup({ groupId: 1, timestamp: 1, sealers: [a.id.slice(1)] }), 'INVALID_PARAMS')
    await refused(m.startGroup(1.5), 'INVALID_PARAMS')
    const err = await m
      .generateGroup({ groupId: 1, timestamp: 1, sealers: [a.id.slice(1)] })
      .catch((e: unknown) => e)
    expect(String((err as Error).message)).toBe('sealers[0]: expected 64-byte node ID, got 63 bytes')

    // A sealer that is not a connected peer (FISCO: sealers must be P2P-connected).
    const stranger = suite.publicKey(keyOf('stranger'))
    await refused(
      m.generateGroup({ groupId: 1, timestamp: 1, sealers: [a.id, stranger] }),
      'PEERS_NOT_CONNECTED',
    )
    net.network.disconnect(a.id, b.id)
    await refused(m.generateGroup({ groupId: 1, timestamp: 1, sealers: [a.id, b.id] }), 'PEERS_NOT_CONNECTED')
    net.network.heal()
    await m.generateGroup({ groupId: 1, timestamp: 1, sealers: [a.id, b.id] })
    expect(m.queryGroupStatus(1)).toBe('STOPPED')

    // groupsMax: 2 known groups (any status) are the limit.
    await m.generateGroup({ groupId: 2, timestamp: 1, sealers: [a.id] })
    await refused(m.generateGroup({ groupId: 3, timestamp: 1, sealers: [a.id] }), 'INTERNAL_ERROR')
    expect(m.groups().map((g) => g.groupId)).toEqual([1, 2])
  })

  it('reports STOPPING while a stop runs and refuses other operations on the group meanwhile', async () => {
    // The extension attached at start (block sync in a node) takes its time to close.
    let release = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const started: number[] = []
    net = await createManagedNetwork(1, {
      manager: {
        onGroupStarted: (group) => {
          started.push(group.groupId)
          return { close: () => gate }
        },
      },
    })
    const node = net.nodes[0]!
    const m = node.manager
    await m.generateGroup({ groupId: 3, timestamp: GENESIS_TIMESTAMP, sealers: [node.id] })
    await m.startGroup(3)
    expect(started).toEqual([3])
    const stopping = m.stopGroup(3)
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
    expect(m.queryGroupStatus(3)).toBe('STOPPING')
    await refused(m.startGroup(3), 'GROUP_IS_STOPPING')
    await refused(m.stopGroup(3), 'GROUP_IS_STOPPING')
    await refused(m.removeGroup(3), 'GROUP_IS_STOPPING')
    await refused(m.recoverGroup(3), 'GROUP_IS_STOPPING')
    release()
    await stopping
    expect(m.queryGroupStatus(3)).toBe('STOPPED')
  })
})

describe('GroupManager restart recovery', () => {
  function tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'consortia-manager-'))
    dirs.push(d)
    return d
  }

  it('a restarted node restores every group status from disk, restarts RUNNING groups at their height and finishes interrupted stops', async () => {
    const dir = tempDir()
    const key = keyOf('restart-node')
    const id = suite.publicKey(key)
    const clock = createManualClock(GENESIS_TIMESTAMP)
    const network = createMemoryNetwork()
    const open = async (): Promise<{ m: GroupManager; close(): Promise<void> }> => {
      const transport = network.createTransport(id)
      const statusStore = await createLevelKvStore({ location: join(dir, 'status') })
      const m = await createGroupManager({
        suite,
        privateKey: key,
        transport,
        storage: createDirectoryGroupStorage({ dataPath: join(dir, 'data') }),
        statusStore,
        executor: () => createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite }),
        clock,
        tickMs: TICK_MS,
      })
      return {
        m,
        async close() {
          await m.close()
          await transport.close()
          await statusStore.close()
        },
      }
    }
    const run = async (m: GroupManager, done: () => boolean) => {
      for (let t = 0; t < 100 && !done(); t++) {
        clock.advance(TICK_MS)
        await m.idle()
        await new Promise((resolve) => setImmediate(resolve))
        await m.idle()
      }
      expect(done()).toBe(true)
    }

    const first = await open()
    for (const groupId of [1, 2, 3, 4]) {
      await first.m.generateGroup({ groupId, timestamp: GENESIS_TIMESTAMP, sealers: [id] })
    }
    await first.m.startGroup(1)
    await first.m.startGroup(2)
    await first.m.startGroup(4)
    const g1 = first.m.group(1)!
    await g1.pool.submitMany([groupTx(1, 1), groupTx(1, 2)])
    await run(first.m, () => g1.store.head.number >= 1 && g1.pool.size === 0)
    const height = g1.store.head.number
    const headHash = Buffer.from(g1.store.head.hash).toString('hex')
    // A pending transaction in group 4 is journaled in the group's namespace.
    expect((await first.m.group(4)!.pool.submit(groupTx(4, 1))).ok).toBe(true)
    await first.m.stopGroup(2)
    await first.m.removeGroup(3)
    await first.close()

    // The directory layout is FISCO's data/group{N}.
    const { readdirSync } = await import('node:fs')
    expect(readdirSync(join(dir, 'data')).sort()).toEqual(['group1', 'group2', 'group4'])

    const second = await open()
    expect(second.m.groups().map((g) => [g.groupId, g.status])).toEqual([
      [1, 'RUNNING'],
      [2, 'STOPPED'],
      [3, 'DELETED'],
      [4, 'RUNNING'],
    ])
    expect(second.m.groupList()).toEqual([1, 4])
    const again = second.m.group(1)!
    expect(again.store.head.number).toBe(height)
    expect(Buffer.from(again.store.head.hash).toString('hex')).toBe(headHash)
    // The pool journal of group 4 was replayed; its transaction commits after the restart.
    const g4 = second.m.group(4)!
    expect(g4.pool.size).toBe(1)
    await run(second.m, () => g4.store.head.number >= 1)
    expect(await g4.store.totalTransactionCount()).toBe(1)
    // Group 1 keeps committing.
    await again.pool.submit(groupTx(1, 3))
    await run(second.m, () => again.store.head.number > height)
    await second.m.recoverGroup(3)
    await second.m.startGroup(3)
    expect(second.m.groupList()).toEqual([1, 3, 4])
    // A stop interrupted by a crash (STOPPING on disk) reopens as STOPPED.
    await second.m.stopGroup(4)
    await second.close()
    const raw = await createLevelKvStore({ location: join(dir, 'status') })
    const k = new TextEncoder().encode('consortia/group/4')
    const rec = JSON.parse(Buffer.from((await raw.get(k))!).toString()) as { status: string; genesis: string }
    await raw.put(k, new TextEncoder().encode(JSON.stringify({ ...rec, status: 'STOPPING' })))
    await raw.close()
    const third = await open()
    expect(third.m.queryGroupStatus(4)).toBe('STOPPED')
    expect(third.m.groupList()).toEqual([1, 3])
    await third.close()
  })

  it('refuses a corrupt status record with a typed error', async () => {
    const statusStore = createMemoryKvStore()
    await statusStore.put(
      new TextEncoder().encode('consortia/group/5'),
      new TextEncoder().encode('{not json'),
    )
    const network = createMemoryNetwork()
    const key = keyOf('corrupt')
    const err = await createGroupManager({
      suite,
      privateKey: key,
      transport: network.createTransport(suite.publicKey(key)),
      storage: createDirectoryGroupStorage({ dataPath: '/nonexistent' }),
      statusStore,
      executor: () => createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite }),
      clock: createManualClock(0),
    }).catch((e: unknown) => e)
    expect(isChainError(err, 'INTERNAL_ERROR')).toBe(true)
    expect(isGroupManagerError(err) && err.type.groupId).toBe(5)
  })
})
