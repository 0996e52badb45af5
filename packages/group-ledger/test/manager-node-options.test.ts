import { afterEach, describe, expect, it } from 'vitest'
import {
  createSharedKvGroupStorage,
  encodeGroupGenesis,
  type GroupStorageProvider,
  isGroupManagerError,
  normalizeGroupGenesis,
  parseGroupGenesis,
} from '../src/index.js'
import { createManagedNetwork, groupTx, keyOf, type ManagedNetwork, suite } from './manager-helpers.js'

let net: ManagedNetwork | undefined
afterEach(async () => {
  await net?.close()
  net = undefined
})

const sealer = suite.publicKey(keyOf('genesis-ms'))

describe('genesis consensus timeout in milliseconds', () => {
  it('keeps whole-second texts unchanged and writes consensus_timeout_ms only when needed', () => {
    const whole = normalizeGroupGenesis({ groupId: 3, timestamp: 5, sealers: [sealer], consensusTimeoutS: 2 })
    expect(whole.consensusTimeoutMs).toBe(2000)
    expect(encodeGroupGenesis(whole)).not.toContain('consensus_timeout_ms')
    expect(
      encodeGroupGenesis({ groupId: 3, timestamp: 5, sealers: [sealer], consensusTimeoutMs: 2000 }),
    ).toBe(encodeGroupGenesis(whole))
    const fine = { groupId: 3, timestamp: 5, sealers: [sealer], consensusTimeoutMs: 1500 }
    const text = encodeGroupGenesis(fine)
    expect(text).toContain('consensus_timeout=2\n')
    expect(text).toContain('consensus_timeout_ms=1500\n')
    const back = parseGroupGenesis(text)
    expect(back.consensusTimeoutMs).toBe(1500)
    expect(back.consensusTimeoutS).toBe(2)
    expect(encodeGroupGenesis(back)).toBe(text)
  })

  it('refuses a millisecond timeout that disagrees with the seconds, naming the field', () => {
    let err: unknown
    try {
      normalizeGroupGenesis({
        groupId: 3,
        timestamp: 5,
        sealers: [sealer],
        consensusTimeoutS: 3,
        consensusTimeoutMs: 500,
      })
    } catch (e) {
      err = e
    }
    expect(isGroupManagerError(err, 'INVALID_PARAMS')).toBe(true)
    expect((err as { type: { field?: string } }).type.field).toBe('consensusTimeoutMs')
    expect(() =>
      normalizeGroupGenesis({ groupId: 3, timestamp: 5, sealers: [sealer], consensusTimeoutMs: 0 }),
    ).toThrow(/consensusTimeoutMs: expected a positive integer, got 0/)
  })
})

describe('a node-style manager', () => {
  it('generates a group with unconnected sealers when the call says so, and runs it without a journal', async () => {
    const noJournal = (
      _: number,
      kv: Parameters<typeof createSharedKvGroupStorage>[0],
    ): GroupStorageProvider => {
      const inner = createSharedKvGroupStorage(kv)
      return {
        kind: 'no-journal',
        async open(groupId) {
          const { journal: _journal, ...rest } = await inner.open(groupId)
          return rest
        },
      }
    }
    net = await createManagedNetwork(1, { storage: noJournal })
    const a = net.nodes[0]!
    const stranger = suite.publicKey(keyOf('genesis-ms-stranger'))
    const genesis = { groupId: 4, timestamp: 7, sealers: [a.id, stranger] }
    const err = await a.manager.generateGroup(genesis).catch((e: unknown) => e)
    expect(isGroupManagerError(err, 'PEERS_NOT_CONNECTED')).toBe(true)
    await a.manager.generateGroup(genesis, { requireConnectedSealers: false })
    expect(a.manager.queryGroupStatus(4)).toBe('STOPPED')
    // One sealer of the group alone: a single-sealer group commits without a journal.
    await a.manager.generateGroup({ groupId: 5, timestamp: 7, sealers: [a.id], consensusTimeoutMs: 1500 })
    await a.manager.startGroup(5)
    expect(a.manager.group(5)!.genesis.consensusTimeoutMs).toBe(1500)
    await a.manager.group(5)!.pool.submit(groupTx(5, 1))
    await net.runUntil(() => a.manager.group(5)!.store.head.number >= 1, 200)
    expect(a.manager.group(5)!.store.head.number).toBe(1)
    const block = (await a.manager.group(5)!.store.blockByNumber(1))!
    // FISCO's signature list: the one sealer's signature over the bare block hash.
    expect(block.block.signatureList.length).toBe(1)
    expect(suite.verify(block.hash, block.block.signatureList[0]!.signature, a.id)).toBe(true)
  })
})
