import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createCryptoSuite, generateKeyPair, nodeIdToHex, privateKeyToPEM } from '@consortia/crypto'
import { type CertBundle, createAgency, createCA, createNodeCert } from '@consortia/p2p'
import {
  CONFIG_VERSION,
  GENESIS_VERSION,
  type GroupGenesis,
  type NodeConfig,
  parseGroupGenesis,
  parseNodeConfig,
} from '../config/schema.js'
import { nodeError } from '../errors.js'
import { NODE_ARGS } from '../paths.js'
import type { NodeStorageSecurity } from './key-manager.js'
import type { BuildChainOptions } from './options.js'

/** One generated node, as build-chain reports it. */
export interface BuiltNode {
  /** Global index (the numbering `-g` uses). */
  readonly index: number
  readonly name: string
  readonly host: string
  readonly dir: string
  /** Consensus node ID (hex): the ID in the group genesis. */
  readonly nodeId: string
  /** TLS node ID (hex): the certificate's public key (equal to `nodeId` on ECDSA chains). */
  readonly tlsNodeId: string
  readonly ports: { p2p: number; channel: number; rpc: number; eth: number; metrics: number }
  readonly groups: readonly number[]
  readonly config: NodeConfig
}

/** What build-chain wrote. */
export interface BuiltChain {
  readonly output: string
  readonly nodes: readonly BuiltNode[]
  readonly genesis: readonly GroupGenesis[]
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`

function writeFile(path: string, text: string, mode?: number): void {
  writeFileSync(path, text, mode === undefined ? undefined : { mode })
  if (mode !== undefined) chmodSync(path, mode)
}

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`

function startScript(): string {
  const cmd = [`"\${CONSORTIA_NODE_BIN:-${process.execPath}}"`, ...NODE_ARGS.map(shQuote), 'start', '.'].join(
    ' ',
  )
  return `#!/usr/bin/env bash
# Starts this node in the background; JSON logs go to log/node.log (see config.json "log").
set -euo pipefail
cd "$(dirname "$0")"
if [ -f node.pid ] && kill -0 "$(cat node.pid)" 2>/dev/null; then
  echo "$(basename "$PWD") is already running (pid $(cat node.pid))"; exit 0
fi
mkdir -p log
nohup ${cmd} >>log/stdout.log 2>&1 &
echo $! > node.pid
echo "$(basename "$PWD") started (pid $!)"
`
}

const STOP_SCRIPT = `#!/usr/bin/env bash
# Stops this node gracefully (SIGTERM: stop accepting, finish the commit, close storage).
set -euo pipefail
cd "$(dirname "$0")"
[ -f node.pid ] || { echo "$(basename "$PWD") is not running"; exit 0; }
pid="$(cat node.pid)"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then echo "still running after 10 s: kill -9 $pid"; kill -KILL "$pid"; fi
fi
rm -f node.pid
echo "$(basename "$PWD") stopped"
`

const allScript = (names: readonly string[], script: string) => `#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")"
for n in ${names.join(' ')}; do bash "$n/${script}"; done
`

/**
 * Generates a chain like FISCO's build_chain.sh: `cert/` (chain CA and agency keys),
 * `<ip>/` per host with `start_all.sh`, `stop_all.sh`, `sdk/` (CA, SDK certificate and key)
 * and `node<k>/` per node (`config.json`, `start.sh`, `stop.sh`, `conf/` with the TLS
 * certificate chain and key, node ID, SM2 consensus key on SM chains, and the genesis of each
 * group the node belongs to). Every config and genesis is validated before it is written.
 */
export function buildChain(
  options: BuildChainOptions,
  security?: readonly NodeStorageSecurity[],
): BuiltChain {
  const output = resolve(options.output)
  // Disk encryption (-k): one sealed data key per node, from requestNodeStorageSecurity.
  const nodeCount = options.hosts.reduce((n, h) => n + h.count, 0)
  if ((options.keyManagerUrl !== undefined || security !== undefined) && security?.length !== nodeCount) {
    throw nodeError(
      { code: 'NODE_STARTUP', step: 'build-chain', reason: 'storage security' },
      `-k needs one cipher data key per node (${nodeCount}), got ${security?.length ?? 0}: use buildSecureChain`,
    )
  }
  if (existsSync(output) && readdirSync(output).length > 0 && !options.force) {
    throw nodeError(
      { code: 'NODE_OUTPUT_EXISTS', path: output },
      `output directory ${output} exists and is not empty (use -f to write into it)`,
    )
  }
  const suite = createCryptoSuite(options.suite)
  const validityDays = options.certDays
  const ca = createCA({ subject: { commonName: 'chain', organization: 'consortia' }, validityDays })
  const agency = createAgency(ca, {
    subject: { commonName: options.agency, organization: options.agency },
    validityDays,
  })

  // Nodes in -l order; global index i is the -g numbering.
  interface Draft {
    index: number
    name: string
    host: string
    local: number
    cert: ReturnType<typeof createNodeCert>
    consensusPem: string
    nodeId: string
  }
  const drafts: Draft[] = []
  for (const h of options.hosts) {
    for (let k = 0; k < h.count; k++) {
      const index = drafts.length
      const name = `node${k}`
      const cert = createNodeCert(agency, {
        subject: { commonName: `${h.ip}-${name}`, organization: options.agency },
        validityDays,
      })
      let consensusPem = cert.keyPem
      let nodeId = nodeIdToHex(cert.nodeId)
      if (options.suite === 'sm') {
        const pair = generateKeyPair('sm2')
        consensusPem = privateKeyToPEM('sm2', pair.privateKey)
        nodeId = nodeIdToHex(pair.publicKey)
        if (nodeIdToHex(suite.publicKey(pair.privateKey)) !== nodeId) {
          throw nodeError(
            { code: 'NODE_STARTUP', step: 'build-chain', reason: 'SM2 key check' },
            'SM2 key pair mismatch',
          )
        }
      }
      drafts.push({ index, name, host: h.ip, local: k, cert, consensusPem, nodeId })
    }
  }

  const genesis: GroupGenesis[] = options.groups.map((g) =>
    parseGroupGenesis(
      {
        version: GENESIS_VERSION,
        groupId: g.id,
        chainId: options.chainId,
        suite: options.suite,
        timestamp: options.timestamp,
        consensus: {
          type: options.consensus,
          sealers: g.members.map((i) => drafts[i]!.nodeId),
          txCountLimit: options.txCountLimit,
          timeoutMs: options.consensusTimeoutMs,
        },
        txGasLimit: 300_000_000,
      },
      `group.${g.id}.genesis`,
    ),
  )

  const portsOf = (d: Draft) => ({
    p2p: options.ports.p2p + d.local,
    channel: options.ports.channel + d.local,
    rpc: options.ports.rpc + d.local,
    eth: options.ports.eth + d.local,
    metrics: options.ports.metrics + d.local,
  })
  const identities: Record<string, string> = {}
  if (options.suite === 'sm') for (const d of drafts) identities[nodeIdToHex(d.cert.nodeId)] = d.nodeId

  mkdirSync(join(output, 'cert', 'agency'), { recursive: true })
  writeFile(join(output, 'cert', 'ca.crt'), ca.certPem)
  writeFile(join(output, 'cert', 'ca.key'), ca.keyPem, 0o600)
  writeFile(join(output, 'cert', 'agency', 'agency.crt'), agency.certPem)
  writeFile(join(output, 'cert', 'agency', 'agency.key'), agency.keyPem, 0o600)
  writeFile(join(output, 'cert', 'agency', 'ca.crt'), ca.certPem)

  const nodes: BuiltNode[] = []
  const localIp = options.listenAll ? '0.0.0.0' : '127.0.0.1'
  for (const h of options.hosts) {
    const hostDir = join(output, h.ip)
    const sdkDir = join(hostDir, 'sdk')
    mkdirSync(sdkDir, { recursive: true })
    const sdk: CertBundle = createNodeCert(agency, {
      subject: { commonName: `${h.ip}-sdk`, organization: options.agency },
      validityDays,
    })
    writeFile(join(sdkDir, 'ca.crt'), ca.certPem)
    writeFile(join(sdkDir, 'sdk.crt'), sdk.chainPem)
    writeFile(join(sdkDir, 'sdk.key'), sdk.keyPem, 0o600)
    const onHost = drafts.filter((d) => d.host === h.ip)
    for (const d of onHost) {
      const dir = join(hostDir, d.name)
      mkdirSync(join(dir, 'conf'), { recursive: true })
      mkdirSync(join(dir, 'log'), { recursive: true })
      const ports = portsOf(d)
      const groups = options.groups.filter((g) => g.members.includes(d.index)).map((g) => g.id)
      const peers = drafts.filter((o) => o !== d).map((o) => `${o.host}:${portsOf(o).p2p}`)
      const config = parseNodeConfig(
        {
          version: CONFIG_VERSION,
          chain: { id: options.chainId, suite: options.suite },
          node: { name: d.name },
          p2p: { listenIp: '0.0.0.0', listenPort: ports.p2p, peers, blacklist: [], whitelist: [] },
          rpc: { listenIp: localIp, port: ports.rpc },
          channel: { listenIp: '0.0.0.0', port: ports.channel },
          eth: { listenIp: localIp, port: ports.eth },
          metrics: { listenIp: localIp, port: ports.metrics },
          storage: {
            type: options.storage,
            dataPath: 'data',
            mysqlUrl: options.storage === 'mysql' ? nodeMysqlUrl(options.mysqlUrl, h.ip, d.name) : '',
          },
          tls: { caCert: 'conf/ca.crt', cert: 'conf/node.crt', key: 'conf/node.key' },
          consensusKey: options.suite === 'sm' ? 'conf/sm/node.key' : 'conf/node.key',
          identities,
          groups: { configPath: 'conf' },
          consensus: { tickMs: options.tickMs },
          txPool: { limit: 150_000, journal: true },
          log: { level: 'info', file: 'log/node.log' },
          ...(security === undefined ? {} : { storageSecurity: security[d.index]! }),
        },
        join(dir, 'config.json'),
      )
      writeFile(join(dir, 'config.json'), json(config))
      writeFile(join(dir, 'conf', 'ca.crt'), ca.certPem)
      writeFile(join(dir, 'conf', 'node.crt'), d.cert.chainPem)
      writeFile(join(dir, 'conf', 'node.key'), d.cert.keyPem, 0o600)
      writeFile(join(dir, 'conf', 'node.nodeid'), `${nodeIdToHex(d.cert.nodeId)}\n`)
      if (options.suite === 'sm') {
        mkdirSync(join(dir, 'conf', 'sm'), { recursive: true })
        writeFile(join(dir, 'conf', 'sm', 'node.key'), d.consensusPem, 0o600)
        writeFile(join(dir, 'conf', 'sm', 'node.nodeid'), `${d.nodeId}\n`)
      }
      for (const g of genesis) {
        if (groups.includes(g.groupId)) writeFile(join(dir, 'conf', `group.${g.groupId}.genesis`), json(g))
      }
      writeFile(join(dir, 'start.sh'), startScript(), 0o755)
      writeFile(join(dir, 'stop.sh'), STOP_SCRIPT, 0o755)
      nodes.push({
        index: d.index,
        name: d.name,
        host: d.host,
        dir,
        nodeId: d.nodeId,
        tlsNodeId: nodeIdToHex(d.cert.nodeId),
        ports,
        groups,
        config,
      })
    }
    const names = onHost.map((d) => d.name)
    writeFile(join(hostDir, 'start_all.sh'), allScript(names, 'start.sh'), 0o755)
    writeFile(join(hostDir, 'stop_all.sh'), allScript(names, 'stop.sh'), 0o755)
  }
  nodes.sort((a, b) => a.index - b.index)
  return { output, nodes, genesis }
}

/** Each node gets its own database prefix: `<prefix>_<ip with _>_<node>`. */
function nodeMysqlUrl(base: string, ip: string, name: string): string {
  const url = new URL(base)
  url.pathname = `${url.pathname}_${ip.replaceAll(/[^0-9A-Za-z]/g, '_')}_${name}`
  return url.toString()
}
