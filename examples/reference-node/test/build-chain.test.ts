import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCryptoSuite, nodeIdToHex, privateKeyFromPEM } from '@consortia/crypto'
import { isCertSignedBy, nodeIdFromCert } from '@consortia/p2p'
import { afterAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import {
  BUILD_GROUPS_MAX,
  BUILD_NODES_MAX,
  type BuildChainOptions,
  parseBuildChainArgs,
  START_PORTS_DEFAULT,
} from '../src/build-chain/options.js'
import { runCli } from '../src/cli.js'
import { loadGroupGenesis, loadNodeConfig } from '../src/config/schema.js'
import { isNodeError } from '../src/errors.js'

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'consortia-build-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const parse = (args: string[]): BuildChainOptions => {
  const o = parseBuildChainArgs(args)
  if (o === 'help') throw new Error('help')
  return o
}

/** The error message of a call expected to fail with `code`. */
function failure(fn: () => unknown, code = 'NODE_INVALID_ARGUMENT'): string {
  try {
    fn()
  } catch (err) {
    expect(isNodeError(err, code as never), String(err)).toBe(true)
    return (err as Error).message
  }
  throw new Error('expected a failure')
}

describe('build-chain options', () => {
  it('has FISCO-like defaults', () => {
    const o = parse(['-l', '127.0.0.1:4'])
    expect(o.hosts).toEqual([{ ip: '127.0.0.1', count: 4 }])
    expect(o).toMatchObject({
      consensus: 'pbft',
      storage: 'leveldb',
      suite: 'ecdsa',
      chainId: 1,
      output: 'nodes',
    })
    expect(o.groups).toEqual([{ id: 1, members: [0, 1, 2, 3] }])
    expect(o.ports).toEqual(START_PORTS_DEFAULT)
    expect(parseBuildChainArgs(['-h'])).toBe('help')
  })

  it('parses hosts, groups, ports and the rest', () => {
    const o = parse([
      '-l',
      '127.0.0.1:4,10.0.0.2:2',
      '-g',
      '1:0,1,2,3;2:5,4',
      '-p',
      '31000,21000,9545',
      '-c',
      'raft',
      '--suite',
      'sm',
      '-C',
      '7',
      '-s',
      'mysql',
      '--mysql-url',
      'mysql://root:pw@127.0.0.1:3306/chain7',
    ])
    expect(o.hosts).toEqual([
      { ip: '127.0.0.1', count: 4 },
      { ip: '10.0.0.2', count: 2 },
    ])
    expect(o.groups).toEqual([
      { id: 1, members: [0, 1, 2, 3] },
      { id: 2, members: [4, 5] },
    ])
    expect(o.ports).toEqual({ p2p: 31000, channel: 21000, rpc: 9545, eth: 8645, metrics: 9100 })
    expect(o).toMatchObject({ consensus: 'raft', suite: 'sm', chainId: 7, storage: 'mysql' })
  })

  it('refuses bad input with the option and what was expected', () => {
    expect(failure(() => parse([]))).toMatch(/^-l: expected the nodes per host/)
    expect(failure(() => parse(['-l', 'localhost:4']))).toMatch(
      /-l: expected an IPv4 or IPv6 address, got "localhost"/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1']))).toMatch(/"ip:count"/)
    expect(failure(() => parse(['-l', '127.0.0.1:0']))).toMatch(
      /-l 127.0.0.1: expected an integer in 1\.\.256, got 0/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:2,127.0.0.1:2']))).toMatch(/each IP once/)
    expect(failure(() => parse(['-l', '127.0.0.1:4', '-g', '1:0,4']))).toMatch(
      /node index: expected an integer in 0\.\.3, got 4/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:4', '-g', '1:0,1;1:2']))).toMatch(/each group ID once/)
    expect(failure(() => parse(['-l', '127.0.0.1:4', '-g', '1:0,0']))).toMatch(/each node once/)
    expect(failure(() => parse(['-l', '127.0.0.1:4', '-g', '0:0']))).toMatch(
      /group ID: expected an integer in 1\.\.32767/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:4', '-c', 'rpbft']))).toMatch(
      /-c: expected one of pbft, raft/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:4', '--suite', 'rsa']))).toMatch(
      /--suite: expected one of ecdsa, sm/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:4', '-s', 'mysql']))).toMatch(
      /--mysql-url: expected a mysql:\/\/ URL/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:4', '-s', 'mysql', '--mysql-url', 'http://x/y']))).toMatch(
      /mysql:\/\/ or mariadb:\/\//,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:4', '--mysql-url', 'mysql://a@b/c']))).toMatch(
      /only with -s mysql/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:4', '-p', '65534,20200,8545']))).toMatch(
      /p2p ports up to 65535/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:4', '-p', '30300,30302,8545']))).toMatch(
      /distinct ports on one host, got port 30302 used for channel and p2p/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:4', '--bogus']))).toMatch(
      /build-chain: expected known options/,
    )
    expect(failure(() => parse(['-l', '127.0.0.1:4', '-C', '0']))).toMatch(/-C: expected an integer/)
  })

  it(`refuses more than BUILD_NODES_MAX (${BUILD_NODES_MAX}) nodes and BUILD_GROUPS_MAX (${BUILD_GROUPS_MAX}) groups`, () => {
    expect(failure(() => parse(['-l', `10.0.0.1:${BUILD_NODES_MAX},10.0.0.2:1`]))).toMatch(
      `at most ${BUILD_NODES_MAX} nodes, got ${BUILD_NODES_MAX + 1}`,
    )
    expect(
      parse(['-l', `10.0.0.1:${BUILD_NODES_MAX}`, '-p', '10000,20000,30000,40000,50000']).hosts[0]!.count,
    ).toBe(BUILD_NODES_MAX)
    const groups = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}:0`).join(';')
    expect(parse(['-l', '127.0.0.1:1', '-g', groups(BUILD_GROUPS_MAX)]).groups).toHaveLength(BUILD_GROUPS_MAX)
    expect(failure(() => parse(['-l', '127.0.0.1:1', '-g', groups(BUILD_GROUPS_MAX + 1)]))).toMatch(
      `at most ${BUILD_GROUPS_MAX} groups`,
    )
  })
})

describe('build-chain output', () => {
  it('writes certificates, configs, genesis files and scripts like FISCO build_chain', () => {
    const out = join(tmp(), 'nodes')
    const chain = buildChain(
      parse([
        '-l',
        '127.0.0.1:3,10.0.0.2:2',
        '-o',
        out,
        '-g',
        '1:0,1,2;2:2,3,4',
        '-C',
        '9',
        '--timestamp',
        '1767225600000',
      ]),
    )
    expect(chain.nodes.map((n) => `${n.host}/${n.name}`)).toEqual([
      '127.0.0.1/node0',
      '127.0.0.1/node1',
      '127.0.0.1/node2',
      '10.0.0.2/node0',
      '10.0.0.2/node1',
    ])
    const ca = readFileSync(join(out, 'cert', 'ca.crt'), 'utf8')
    const agency = readFileSync(join(out, 'cert', 'agency', 'agency.crt'), 'utf8')
    expect(isCertSignedBy(agency, ca)).toBe(true)
    for (const n of chain.nodes) {
      const conf = join(n.dir, 'conf')
      const cert = readFileSync(join(conf, 'node.crt'), 'utf8')
      expect(isCertSignedBy(cert, agency)).toBe(true)
      // node.crt holds the node certificate then the agency's, as FISCO's.
      expect(cert.match(/BEGIN CERTIFICATE/g)).toHaveLength(2)
      expect(readFileSync(join(conf, 'node.nodeid'), 'utf8').trim()).toBe(nodeIdToHex(nodeIdFromCert(cert)))
      const key = privateKeyFromPEM(readFileSync(join(conf, 'node.key'), 'utf8'))
      expect(nodeIdToHex(createCryptoSuite('ecdsa').publicKey(key.privateKey))).toBe(n.nodeId)
      expect(statSync(join(conf, 'node.key')).mode & 0o077).toBe(0)
      expect(statSync(join(n.dir, 'start.sh')).mode & 0o111).not.toBe(0)
      const config = loadNodeConfig(join(n.dir, 'config.json'))
      expect(config.chain).toEqual({ id: 9, suite: 'ecdsa' })
      expect(config.p2p.peers).toHaveLength(4)
      expect(config.p2p.peers).not.toContain(`${n.host}:${n.ports.p2p}`)
      expect(config.identities).toEqual({})
    }
    // Ports: +1 per node on a host, from the start again on the next host.
    expect(chain.nodes.map((n) => n.ports.p2p)).toEqual([30300, 30301, 30302, 30300, 30301])
    expect(chain.nodes.map((n) => n.ports.rpc)).toEqual([8545, 8546, 8547, 8545, 8546])
    // Group files only where the node is a member; sealers are the members' node IDs.
    expect(chain.nodes.map((n) => n.groups)).toEqual([[1], [1], [1, 2], [2], [2]])
    expect(existsSync(join(chain.nodes[0]!.dir, 'conf', 'group.2.genesis'))).toBe(false)
    const g2 = loadGroupGenesis(join(chain.nodes[3]!.dir, 'conf', 'group.2.genesis'))
    expect(g2).toMatchObject({
      groupId: 2,
      chainId: 9,
      timestamp: 1767225600000,
      consensus: { type: 'pbft' },
    })
    expect(g2.consensus.sealers).toEqual([2, 3, 4].map((i) => chain.nodes[i]!.nodeId))
    expect(readFileSync(join(chain.nodes[2]!.dir, 'conf', 'group.2.genesis'), 'utf8')).toBe(
      readFileSync(join(chain.nodes[4]!.dir, 'conf', 'group.2.genesis'), 'utf8'),
    )
    // SDK certificates per host, signed by the agency.
    for (const ip of ['127.0.0.1', '10.0.0.2']) {
      expect(isCertSignedBy(readFileSync(join(out, ip, 'sdk', 'sdk.crt'), 'utf8'), agency)).toBe(true)
      expect(readFileSync(join(out, ip, 'start_all.sh'), 'utf8')).toContain('start.sh')
      expect(readFileSync(join(out, ip, 'stop_all.sh'), 'utf8')).toContain('stop.sh')
    }
    expect(readFileSync(join(chain.nodes[0]!.dir, 'start.sh'), 'utf8')).toContain("cli.ts' start .")
  })

  it('SM suite: SM2 consensus keys, node IDs in the genesis, TLS identities mapped', () => {
    const out = join(tmp(), 'nodes')
    const chain = buildChain(parse(['-l', '127.0.0.1:2', '-o', out, '--suite', 'sm']))
    const sm = createCryptoSuite('sm')
    for (const n of chain.nodes) {
      const key = privateKeyFromPEM(readFileSync(join(n.dir, 'conf', 'sm', 'node.key'), 'utf8'))
      expect(key.curve).toBe('sm2')
      expect(nodeIdToHex(sm.publicKey(key.privateKey))).toBe(n.nodeId)
      expect(n.tlsNodeId).not.toBe(n.nodeId)
      expect(n.config.consensusKey).toBe('conf/sm/node.key')
      expect(n.config.identities[n.tlsNodeId]).toBe(n.nodeId)
    }
    const g = loadGroupGenesis(join(chain.nodes[0]!.dir, 'conf', 'group.1.genesis'))
    expect(g.suite).toBe('sm')
    expect(g.consensus.sealers).toEqual(chain.nodes.map((n) => n.nodeId))
  })

  it('MySQL storage: one database prefix per node', () => {
    const out = join(tmp(), 'nodes')
    const chain = buildChain(
      parse(['-l', '127.0.0.1:2', '-o', out, '-s', 'mysql', '--mysql-url', 'mysql://root:pw@db:3306/chain']),
    )
    expect(chain.nodes.map((n) => new URL(n.config.storage.mysqlUrl).pathname)).toEqual([
      '/chain_127_0_0_1_node0',
      '/chain_127_0_0_1_node1',
    ])
  })

  it('refuses a non-empty output directory unless -f', () => {
    const out = tmp()
    writeFileSync(join(out, 'x'), 'x')
    expect(failure(() => buildChain(parse(['-l', '127.0.0.1:1', '-o', out])), 'NODE_OUTPUT_EXISTS')).toMatch(
      /exists and is not empty/,
    )
    expect(buildChain(parse(['-l', '127.0.0.1:1', '-o', out, '-f'])).nodes).toHaveLength(1)
  })

  it('the CLI prints the nodes, or the reason and exit code 1', async () => {
    const lines: string[] = []
    const out = join(tmp(), 'cli')
    expect(await runCli(['build-chain', '-l', '127.0.0.1:2', '-o', out], (l) => lines.push(l))).toBe(0)
    expect(lines[0]).toMatch(/^chain 1 \(ecdsa, pbft, leveldb\) written to /)
    expect(lines.filter((l) => l.includes('rpc 854'))).toHaveLength(2)
    expect(await runCli(['build-chain', '-l', 'nope'], (l) => lines.push(l))).toBe(1)
    expect(await runCli(['frobnicate'], (l) => lines.push(l))).toBe(2)
    expect(lines.at(-1)).toMatch(/unknown command "frobnicate"/)
  })
})
