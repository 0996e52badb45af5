import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import { parseBuildChainArgs } from '../src/build-chain/options.js'
import {
  CONFIG_LIST_MAX,
  GENESIS_SEALERS_MAX,
  type GroupGenesis,
  type NodeConfig,
  parseGroupGenesis,
  parseNodeConfig,
} from '../src/config/schema.js'
import { isNodeError } from '../src/errors.js'
import { claimDataDir, DATA_MARKER_FILE } from '../src/node/data-dir.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const root = mkdtempSync(join(tmpdir(), 'consortia-config-'))
dirs.push(root)
const options = parseBuildChainArgs([
  '-l',
  '127.0.0.1:2',
  '-o',
  join(root, 'nodes'),
  '--timestamp',
  '1767225600000',
])
if (options === 'help') throw new Error('help')
const chain = buildChain(options)
const config: NodeConfig = chain.nodes[0]!.config
const genesis: GroupGenesis = chain.genesis[0]!

const clone = <T>(v: T): T => structuredClone(v) as T

function configFailure(fn: () => unknown, code = 'NODE_CONFIG'): string {
  try {
    fn()
  } catch (err) {
    expect(isNodeError(err, code as never), String(err)).toBe(true)
    return (err as Error).message
  }
  throw new Error('expected a failure')
}

describe('config.json', () => {
  it('round-trips what build-chain wrote', () => {
    expect(parseNodeConfig(clone(config))).toEqual(config)
  })

  it('refuses unknown keys, other versions, wrong types and missing keys, naming the key', () => {
    const unknownTop = { ...clone(config), extra: 1 }
    expect(configFailure(() => parseNodeConfig(unknownTop))).toMatch(
      /config.json: extra: unknown key \(known: version, chain/,
    )
    const unknownNested = clone(config) as unknown as { p2p: Record<string, unknown> }
    unknownNested.p2p['listen_port'] = 1
    expect(configFailure(() => parseNodeConfig(unknownNested))).toMatch(/p2p.listen_port: unknown key/)
    expect(configFailure(() => parseNodeConfig({ ...clone(config), version: 2 }))).toMatch(
      /version: this node reads version 1 only, got 2/,
    )
    const wrongType = clone(config) as unknown as { rpc: { port: unknown } }
    wrongType.rpc.port = '8545'
    expect(configFailure(() => parseNodeConfig(wrongType))).toMatch(
      /rpc.port: expected an integer in 1\.\.65535, got "8545"/,
    )
    const missing = clone(config) as unknown as { storage: Record<string, unknown> }
    delete missing.storage['dataPath']
    expect(configFailure(() => parseNodeConfig(missing))).toMatch(/storage.dataPath: missing/)
    const mysql = clone(config) as unknown as { storage: { type: string } }
    mysql.storage.type = 'mysql'
    expect(configFailure(() => parseNodeConfig(mysql))).toMatch(
      /storage.mysqlUrl: required when storage.type is "mysql"/,
    )
    const badId = clone(config) as unknown as { p2p: { blacklist: string[] } }
    badId.p2p.blacklist = ['abc']
    expect(configFailure(() => parseNodeConfig(badId))).toMatch(
      /p2p.blacklist\[0\]: expected a 128-hex-digit node ID/,
    )
    expect(configFailure(() => parseNodeConfig([]))).toMatch(/expected an object/)
  })

  it(`refuses lists longer than CONFIG_LIST_MAX (${CONFIG_LIST_MAX})`, () => {
    const at = (n: number) => {
      const c = clone(config) as unknown as { p2p: { peers: string[] } }
      c.p2p.peers = Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${i & 255}:30300`)
      return c
    }
    expect(parseNodeConfig(at(CONFIG_LIST_MAX)).p2p.peers).toHaveLength(CONFIG_LIST_MAX)
    expect(configFailure(() => parseNodeConfig(at(CONFIG_LIST_MAX + 1)))).toMatch(
      `p2p.peers: expected at most ${CONFIG_LIST_MAX} entries, got ${CONFIG_LIST_MAX + 1}`,
    )
  })
})

describe('group genesis', () => {
  it('round-trips and refuses bad sealer lists', () => {
    expect(parseGroupGenesis(clone(genesis))).toEqual(genesis)
    const dup = clone(genesis) as unknown as { consensus: { sealers: string[] } }
    dup.consensus.sealers.push(dup.consensus.sealers[0]!)
    expect(configFailure(() => parseGroupGenesis(dup))).toMatch(/a node ID is listed twice/)
    const none = clone(genesis) as unknown as { consensus: { sealers: string[] } }
    none.consensus.sealers = []
    expect(configFailure(() => parseGroupGenesis(none))).toMatch(/at least one sealer/)
    const raft = clone(genesis) as unknown as { consensus: { type: string } }
    raft.consensus.type = 'rpbft'
    expect(configFailure(() => parseGroupGenesis(raft))).toMatch(/consensus.type: expected one of pbft, raft/)
  })

  it(`refuses more than GENESIS_SEALERS_MAX (${GENESIS_SEALERS_MAX}) sealers`, () => {
    const at = (n: number) => {
      const g = clone(genesis) as unknown as { consensus: { sealers: string[] } }
      g.consensus.sealers = Array.from({ length: n }, (_, i) => i.toString(16).padStart(128, '0'))
      return g
    }
    expect(parseGroupGenesis(at(GENESIS_SEALERS_MAX)).consensus.sealers).toHaveLength(GENESIS_SEALERS_MAX)
    expect(configFailure(() => parseGroupGenesis(at(GENESIS_SEALERS_MAX + 1)))).toMatch(
      `expected at most ${GENESIS_SEALERS_MAX} entries`,
    )
  })
})

describe('data directory', () => {
  const nodeId = chain.nodes[0]!.nodeId
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'consortia-data-'))
    dirs.push(d)
    return join(d, 'data')
  }

  it('is claimed when empty, accepted again by the same node and genesis, and records new groups', () => {
    const data = fresh()
    const m = claimDataDir(data, config, nodeId, [genesis])
    expect(Object.keys(m.groups)).toEqual(['1'])
    const g2 = { ...clone(genesis), groupId: 2 }
    expect(Object.keys(claimDataDir(data, config, nodeId, [genesis, g2]).groups)).toEqual(['1', '2'])
    expect(Object.keys(claimDataDir(data, config, nodeId, [genesis]).groups)).toEqual(['1', '2'])
  })

  it('refuses data of another chain, suite, node, storage or genesis, and foreign data', () => {
    const data = fresh()
    claimDataDir(data, config, nodeId, [genesis])
    const mismatch = (fn: () => unknown) => configFailure(fn, 'NODE_DATA_MISMATCH')
    expect(
      mismatch(() => claimDataDir(data, { ...config, chain: { id: 2, suite: 'ecdsa' } }, nodeId, [genesis])),
    ).toMatch(/written for chain 1, config says chain 2; refusing to start/)
    expect(
      mismatch(() => claimDataDir(data, { ...config, chain: { id: 1, suite: 'sm' } }, nodeId, [genesis])),
    ).toMatch(/written with suite ecdsa, config says sm/)
    expect(mismatch(() => claimDataDir(data, config, chain.nodes[1]!.nodeId, [genesis]))).toMatch(
      /written by node/,
    )
    expect(
      mismatch(() =>
        claimDataDir(
          data,
          { ...config, storage: { ...config.storage, type: 'mysql', mysqlUrl: 'mysql://a@b/c' } },
          nodeId,
          [genesis],
        ),
      ),
    ).toMatch(/written with storage leveldb, config says mysql/)
    expect(
      mismatch(() => claimDataDir(data, config, nodeId, [{ ...genesis, timestamp: genesis.timestamp + 1 }])),
    ).toMatch(/group 1 was started with another genesis/)
    const foreign = fresh()
    mkdirSync(foreign, { recursive: true })
    writeFileSync(join(foreign, 'CURRENT'), 'MANIFEST-000001\n')
    expect(mismatch(() => claimDataDir(foreign, config, nodeId, [genesis]))).toMatch(
      `not empty and has no ${DATA_MARKER_FILE}`,
    )
    const future = fresh()
    mkdirSync(future, { recursive: true })
    writeFileSync(join(future, DATA_MARKER_FILE), JSON.stringify({ version: 9 }))
    expect(mismatch(() => claimDataDir(future, config, nodeId, [genesis]))).toMatch(/marker version 9/)
  })
})
