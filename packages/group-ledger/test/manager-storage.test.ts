import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAMDB } from '@consortia/amdb'
import { createMemoryKvStore, kvStoreComplianceSuite } from '@consortia/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createDirectoryGroupStorage,
  createPrefixedKvStore,
  createSharedKvGroupStorage,
  encodeGroupGenesis,
  GENESIS_BYTES_MAX,
  genesisConfigOf,
  isGroupManagerError,
  mysqlGroupDatabaseUrl,
  parseGroupGenesis,
  writeGenesis,
} from '../src/index.js'
import { keyOf, suite } from './manager-helpers.js'

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))
const ids = [0, 1, 2].map((i) => suite.publicKey(keyOf(`genesis-${i}`)))
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex')

// The shared store around each prefixed store holds a neighbour's keys on both sides, so any
// leak of the namespace shows up in the compliance suite's iteration checks.
kvStoreComplianceSuite('prefixed (namespace g7/ of a shared store)', async () => {
  const shared = createMemoryKvStore()
  await shared.put(enc('g6/x'), enc('other'))
  await shared.put(enc('g70'), enc('other'))
  await shared.put(enc('g8/a'), enc('other'))
  return createPrefixedKvStore(shared, enc('g7/'))
})

describe('prefixed KvStore', () => {
  it('keeps namespaces apart, batches atomically in the shared store and does not close it', async () => {
    const shared = createMemoryKvStore()
    const a = createPrefixedKvStore(shared, enc('g1/'))
    const b = createPrefixedKvStore(shared, enc('g2/'))
    await a.batch([
      { type: 'put', key: enc('k'), value: enc('a') },
      { type: 'put', key: enc('z'), value: enc('a2') },
    ])
    await b.put(enc('k'), enc('b'))
    expect(dec(await a.get(enc('k')))).toBe('a')
    expect(dec(await b.get(enc('k')))).toBe('b')
    const keys: string[] = []
    for await (const [k] of a.iterate({ reverse: true })) keys.push(dec(k)!)
    expect(keys).toEqual(['z', 'k'])
    const raw: string[] = []
    for await (const [k] of shared.iterate()) raw.push(dec(k)!)
    expect(raw).toEqual(['g1/k', 'g1/z', 'g2/k'])
    await a.close()
    expect(dec(await shared.get(enc('g2/k')))).toBe('b')
    await expect(a.get(enc('k'))).rejects.toThrow(/closed/)
    // A prefix of 0xff bytes has no successor: iteration runs to the end of the store.
    const ff = createPrefixedKvStore(shared, Uint8Array.of(0xff, 0xff))
    await ff.put(enc('q'), enc('1'))
    const all: string[] = []
    for await (const [k] of ff.iterate()) all.push(dec(k)!)
    expect(all).toEqual(['q'])
    expect(() => createPrefixedKvStore(shared, new Uint8Array())).toThrow(/non-empty/)
  })
})

describe('group storage providers', () => {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it('shared-kv: each group has its own AMDB, consensus and journal namespace in one store', async () => {
    const kv = createMemoryKvStore()
    const provider = createSharedKvGroupStorage(kv)
    const g1 = await provider.open(1)
    const g2 = await provider.open(2)
    const genesis = (groupId: number) => genesisConfigOf({ groupId, timestamp: 1, sealers: ids })
    const h1 = await writeGenesis(createAMDB({ driver: g1.driver, hash: suite.hash }), suite, genesis(1))
    expect(await g2.driver.committedHeight()).toBe(-1)
    const h2 = await writeGenesis(createAMDB({ driver: g2.driver, hash: suite.hash }), suite, genesis(2))
    expect(hexOf(h1)).not.toBe(hexOf(h2))
    await g1.consensus.put(enc('s'), enc('1'))
    expect(await g2.consensus.get(enc('s'))).toBeUndefined()
    await g1.close()
    await g2.close()
    // Reopened: the same data; the shared store stayed open.
    const again = await provider.open(1)
    expect(await again.driver.committedHeight()).toBe(0)
    expect(dec(await again.consensus.get(enc('s')))).toBe('1')
    await again.close()
    const prefixes = new Set<string>()
    for await (const [k] of kv.iterate()) prefixes.add(dec(k)!.split('/').slice(0, 2).join('/'))
    expect([...prefixes].sort()).toEqual(['g1/a', 'g1/c', 'g2/a'])
    await expect(provider.open(0)).rejects.toThrow(/1\.\.32767/)
  })

  it('directory: one LevelDB per group in <dataPath>/group<N>, reopened with its data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'consortia-groups-'))
    dirs.push(dir)
    const provider = createDirectoryGroupStorage({ dataPath: dir })
    const g = await provider.open(3)
    await writeGenesis(
      createAMDB({ driver: g.driver, hash: suite.hash }),
      suite,
      genesisConfigOf({ groupId: 3, timestamp: 5, sealers: ids }),
    )
    await g.journal.put(enc('j'), enc('x'))
    await g.close()
    const again = await provider.open(3)
    expect(await again.driver.committedHeight()).toBe(0)
    expect(dec(await again.journal.get(enc('j')))).toBe('x')
    // The directory is locked while open: a second open of the same group fails.
    await expect(provider.open(3)).rejects.toThrow()
    await again.close()
    expect(() => createDirectoryGroupStorage({ dataPath: '' })).toThrow(/dataPath/)
  })

  it('MariaDB: one database per group, named after the node database', () => {
    expect(mysqlGroupDatabaseUrl('mysql://root@127.0.0.1:3307/node0', 2)).toBe(
      'mysql://root@127.0.0.1:3307/node0_g2',
    )
    expect(() => mysqlGroupDatabaseUrl('mysql://root@h/', 2)).toThrow(/database name/)
    expect(() => mysqlGroupDatabaseUrl('not a url', 2)).toThrow(/mysql/)
  })
})

describe('group genesis files', () => {
  // The layout of FISCO's tools/build_chain.sh `generate_group_genesis` (FISCO-BCOS 2.x).
  const fiscoStyle = [
    '[consensus]',
    '    ; consensus algorithm now support PBFT(consensus_type=pbft), Raft(consensus_type=raft)',
    '    consensus_type=raft',
    '    max_trans_num=1000',
    '    consensus_timeout=3',
    ...ids.map((id, i) => `    node.${i}=${hexOf(id)}`),
    '[state]',
    '    type=storage',
    '[tx]',
    '    gas_limit=300000000',
    '[group]',
    '    id=2',
    '    timestamp=1577836800000',
    '[evm]',
    '    enable_free_storage=false',
  ].join('\n')

  it('parses a FISCO-style genesis and round-trips the canonical text', () => {
    const g = parseGroupGenesis(fiscoStyle)
    expect(g.groupId).toBe(2)
    expect(g.consensusType).toBe('raft')
    expect(g.timestamp).toBe(1577836800000)
    expect(g.sealers.map(hexOf)).toEqual(ids.map(hexOf).sort())
    expect(g.gasLimit).toBe(300_000_000n)
    const text = encodeGroupGenesis(g)
    expect(parseGroupGenesis(text)).toEqual(g)
    expect(encodeGroupGenesis(parseGroupGenesis(text))).toBe(text)
    // Sealer order does not matter: FISCO order (ascending node ID) in the text.
    expect(encodeGroupGenesis({ ...g, sealers: [...g.sealers].reverse() })).toBe(text)
  })

  it('refuses what it cannot run, naming the key', () => {
    const err = (text: string) => {
      try {
        parseGroupGenesis(text)
      } catch (e) {
        return e
      }
      return undefined
    }
    const e1 = err(fiscoStyle.replace('type=storage', 'type=mpt'))
    expect(isGroupManagerError(e1, 'INVALID_PARAMS') && e1.type.field).toBe('state.type')
    expect(String(err(fiscoStyle.replace('id=2', 'id=x')))).toMatch(/group.id: expected a decimal integer/)
    expect(String(err(fiscoStyle.replace(/node\.1=[0-9a-f]+/, 'node.1=abc')))).toMatch(/consensus.node.1/)
    expect(String(err(fiscoStyle.replace(/^ +consensus_type=raft$/m, 'consensus_type=rpbft')))).toMatch(
      /pbft or raft/,
    )
    expect(String(err(fiscoStyle.replace(/timestamp=\d+/, '')))).toMatch(/group.timestamp/)
    expect(String(err('[group]\nid=1\nnonsense'))).toMatch(/key=value/)
    // GENESIS_BYTES_MAX: a file one byte over the limit is refused before parsing.
    const big = `${fiscoStyle}\n;${'x'.repeat(GENESIS_BYTES_MAX - Buffer.byteLength(fiscoStyle) - 1)}`
    expect(Buffer.byteLength(big)).toBe(GENESIS_BYTES_MAX + 1)
    expect(String(err(big))).toMatch(/at most 65536 bytes/)
    expect(parseGroupGenesis(big.slice(0, -1)).groupId).toBe(2)
  })

  it('binds the genesis block to the whole genesis: a different timeout is a different chain', async () => {
    const a = genesisConfigOf({ groupId: 1, timestamp: 1, sealers: ids })
    const b = genesisConfigOf({ groupId: 1, timestamp: 1, sealers: ids, consensusTimeoutS: 4 })
    const ha = await writeGenesis(createAMDB({ driver: await memoryDriver(), hash: suite.hash }), suite, a)
    const hb = await writeGenesis(createAMDB({ driver: await memoryDriver(), hash: suite.hash }), suite, b)
    expect(hexOf(ha)).not.toBe(hexOf(hb))
    expect(a.config).toEqual({ tx_count_limit: '1000', tx_gas_limit: '300000000', consensus_timeout: '3' })
  })
})

async function memoryDriver() {
  const { createMemoryDriver } = await import('@consortia/amdb')
  return createMemoryDriver()
}
