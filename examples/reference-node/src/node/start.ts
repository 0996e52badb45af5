import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { createCryptoSuite, nodeIdToHex, privateKeyFromPEM } from '@consortia/crypto'
import type { CryptoSuite, Logger, NodeId, Transport } from '@consortia/interface'
import { createP2PNode, inspectCert, type P2PNode } from '@consortia/p2p'
import {
  CONFIG_LIST_MAX,
  type GroupGenesis,
  loadGroupGenesis,
  loadNodeConfig,
  type NodeConfig,
} from '../config/schema.js'
import { configError, isNodeError, nodeError } from '../errors.js'
import { createEthBackend } from '../eth/backend.js'
import { createBackendForwarder } from '../explorer/forwarder.js'
import { startExplorerServer } from '../explorer/server.js'
import { loadStorageSecurity, nodeKeyPem, type StorageSecurity } from '../key-manager/index.js'
import type { NodeBackend } from '../rpc/backend.js'
import { startEthServer } from '../rpc/eth-server.js'
import { claimDataDir } from './data-dir.js'
import { openNodeGroups, type RunningGroup } from './group.js'
import { createNodeLogger, type NodeLogger } from './logger.js'
import { createNodeMetrics, type NodeMetrics, startMetricsServer } from './metrics.js'
import { createIdentityTransport } from './runtime.js'
import { startServices } from './services.js'

/** Node version reported over RPC (`getClientVersion`). */
export const NODE_VERSION = {
  version: '2.9.0',
  supportedVersion: '2.9.0',
  buildType: 'consortia-reference-node',
}
/** Interval at which pool size, view changes and peers are sampled into the metrics. */
export const METRICS_SAMPLE_MS = 1000

/** A started node. */
export interface StartedNode {
  readonly dir: string
  readonly config: NodeConfig
  /** Consensus node ID (hex). */
  readonly nodeId: string
  readonly logger: NodeLogger
  readonly metrics: NodeMetrics
  /** The running groups (kept current as group-admin calls start and stop groups). */
  readonly groups: ReadonlyMap<number, RunningGroup>
  readonly p2p: P2PNode
  /** Bound ports (an endpoint configured with port 0 is absent). */
  readonly ports: {
    rpc: number
    channel?: number
    eth?: number
    metrics?: number
    /** The block explorer's HTTP port (`config.explorer`). */
    explorer?: number
    p2p: number
  }
  /** Graceful stop: servers stop accepting, each group finishes its commit, storage closes. */
  close(): Promise<void>
}

/** Options of `startNode`. */
export interface StartNodeOptions {
  /** Use this logger instead of the one `config.log` describes (tests). */
  readonly logger?: NodeLogger
}

const pathIn = (dir: string, p: string) => (isAbsolute(p) ? p : join(dir, p))

function readText(file: string, key: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    throw configError(file, key, `cannot be read: ${(err as Error).message}`)
  }
}

/** Reads every `group.<id>.genesis` of `dir`, checked against the node's chain. */
export function loadGroupGeneses(dir: string, config: NodeConfig): GroupGenesis[] {
  if (!existsSync(dir)) throw configError(dir, 'groups.configPath', 'directory does not exist')
  const files = readdirSync(dir).filter((f) => /^group\.\d+\.genesis$/.test(f))
  if (files.length > CONFIG_LIST_MAX)
    throw configError(dir, 'groups.configPath', `more than ${CONFIG_LIST_MAX} groups`)
  const out: GroupGenesis[] = []
  for (const f of files) {
    const file = join(dir, f)
    const g = loadGroupGenesis(file)
    if (`group.${g.groupId}.genesis` !== f)
      throw configError(file, 'groupId', `file name says another group than ${g.groupId}`)
    if (g.chainId !== config.chain.id)
      throw configError(file, 'chainId', `${g.chainId}, but config.json says chain ${config.chain.id}`)
    if (g.suite !== config.chain.suite)
      throw configError(file, 'suite', `${g.suite}, but config.json says ${config.chain.suite}`)
    out.push(g)
  }
  return out.sort((a, b) => a.groupId - b.groupId)
}

async function step<T>(logger: Logger, name: string, fn: () => Promise<T> | T): Promise<T> {
  const started = Date.now()
  try {
    const out = await fn()
    logger.info('startup step done', { step: name, ms: Date.now() - started })
    return out
  } catch (err) {
    if (isNodeError(err)) throw err
    throw nodeError(
      { code: 'NODE_STARTUP', step: name, reason: err instanceof Error ? err.message : String(err) },
      `startup step "${name}" failed: ${err instanceof Error ? err.message : String(err)}`,
      err,
    )
  }
}

/**
 * `consortia start <node dir>`: one ordered init — config → storage (data directory check) →
 * crypto → p2p → groups → RPC, channel and metrics servers. Each step is logged; a failure
 * closes what was opened and throws a `NodeError` naming the step and the reason.
 */
export async function startNode(nodeDir: string, options: StartNodeOptions = {}): Promise<StartedNode> {
  const dir = resolve(nodeDir)
  const configFile = join(dir, 'config.json')
  // 1. config
  const config = loadNodeConfig(configFile)
  const logger =
    options.logger ??
    createNodeLogger({
      level: config.log.level,
      file: config.log.file === '' ? '' : pathIn(dir, config.log.file),
      base: { node: config.node.name },
    })
  const closers: (() => Promise<void>)[] = []
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c()
      } catch (err) {
        logger.warn('close step failed', { error: String(err) })
      }
    }
  }
  try {
    logger.info('starting node', {
      dir,
      chainId: config.chain.id,
      suite: config.chain.suite,
      storage: config.storage.type,
    })
    const geneses = await step(logger, 'config', () =>
      loadGroupGeneses(pathIn(dir, config.groups.configPath), config),
    )

    // 1b. disk encryption: the data key from the key manager, before any key file or store is read
    const security: StorageSecurity | undefined =
      config.storageSecurity === undefined
        ? undefined
        : await step(logger, 'storage-security', () =>
            loadStorageSecurity({
              keyManagerUrl: config.storageSecurity!.keyManagerUrl,
              cipherDataKey: config.storageSecurity!.cipherDataKey,
              cipher: config.chain.suite === 'sm' ? 'sm4-ctr-hmac-sm3' : 'aes-256-gcm',
              logger: logger.child({ component: 'key-manager-client' }),
            }),
          )
    const readKey = (file: string, key: string) => nodeKeyPem(readText(file, key), security, file)

    // 2. crypto: the suite and the consensus key
    const { suite, privateKey, nodeId } = await step(logger, 'crypto', () => {
      const suite: CryptoSuite = createCryptoSuite(config.chain.suite)
      const keyFile = pathIn(dir, config.consensusKey)
      const pair = privateKeyFromPEM(readKey(keyFile, 'consensusKey'))
      const expected = config.chain.suite === 'sm' ? 'sm2' : 'secp256k1'
      if (pair.curve !== expected) {
        throw configError(
          keyFile,
          'consensusKey',
          `a ${pair.curve} key, but suite ${config.chain.suite} needs ${expected}`,
        )
      }
      const nodeId: NodeId = suite.publicKey(pair.privateKey)
      return { suite, privateKey: pair.privateKey, nodeId }
    })
    const nodeIdHex = nodeIdToHex(nodeId)

    // 3. storage: claim the data directory (refuses another chain's or another genesis' data)
    const dataPath = pathIn(dir, config.storage.dataPath)
    // With disk encryption the marker holds a keyed fingerprint of the node ID, not the ID (issue 16).
    const markerNodeId = security === undefined ? nodeIdHex : security.fingerprint('node-id', nodeIdHex)
    await step(logger, 'storage', () => claimDataDir(dataPath, config, markerNodeId, geneses))

    // 4. p2p
    const caPem = readText(pathIn(dir, config.tls.caCert), 'tls.caCert')
    const certPem = readText(pathIn(dir, config.tls.cert), 'tls.cert')
    const keyPem = readKey(pathIn(dir, config.tls.key), 'tls.key')
    const p2p = await step(logger, 'p2p', () =>
      createP2PNode(
        {
          certPem,
          keyPem,
          caPem,
          listenHost: config.p2p.listenIp,
          listenPort: config.p2p.listenPort,
          peers: config.p2p.peers,
          blacklist: config.p2p.blacklist,
          whitelist: config.p2p.whitelist,
        },
        { logger: logger.child({ component: 'p2p' }) },
      ),
    )
    closers.push(() => p2p.close())
    const tlsIdHex = nodeIdToHex(p2p.localId)
    let transport: Transport = p2p
    if (tlsIdHex !== nodeIdHex) {
      if (config.identities[tlsIdHex] !== nodeIdHex) {
        throw configError(
          configFile,
          'identities',
          `no entry mapping this node's TLS ID ${tlsIdHex.slice(0, 16)}… to its consensus ID`,
        )
      }
      transport = createIdentityTransport(p2p, nodeId, config.identities)
    }

    // 5. groups
    const metrics = createNodeMetrics({ node: config.node.name, chainId: config.chain.id })
    const nodeGroups = await step(logger, 'groups', () =>
      openNodeGroups(
        {
          config,
          dataPath,
          suite,
          privateKey,
          transport,
          logger,
          ...(security === undefined ? {} : { security }),
          onCommitted: (groupId, b) => {
            const h = b.block.header
            metrics.blockCommitted(groupId, h.number, b.block.transactions.length, h.timestamp, Date.now())
            logger.info('block committed', {
              groupId,
              number: h.number,
              txs: b.block.transactions.length,
              hash: Buffer.from(b.hash).toString('hex'),
              sealer: h.sealer,
            })
          },
        },
        geneses,
      ),
    )
    closers.push(() => nodeGroups.close())
    const groups = nodeGroups.running
    const sample = () => {
      metrics.setPeers(p2p.peers().length)
      for (const g of groups.values()) {
        metrics.sample(g.groupId, {
          poolSize: g.pool.size,
          viewChanges: g.viewChanges(),
          height: g.store.head.number,
        })
      }
    }
    sample()
    const sampler = setInterval(sample, METRICS_SAMPLE_MS)
    sampler.unref()
    closers.push(async () => clearInterval(sampler))

    // 6. RPC, channel, metrics
    const certInfo = inspectCert(certPem)
    const nodeBackend: NodeBackend = {
      nodeId,
      chainId: BigInt(config.chain.id),
      suite: config.chain.suite,
      version: NODE_VERSION,
      groupIds: () => [...groups.keys()].sort((a, b) => a - b),
      group: (id) => groups.get(id)?.backend,
      groupManager: nodeGroups.admin,
      peers: () =>
        transport.peers().map((p) => ({ nodeId: p.nodeId, ipAndPort: p.address, topics: [] as string[] })),
      info: () => ({
        agency: certInfo.subject.organization ?? '',
        node: certInfo.subject.commonName,
        ipAndPort: `${config.p2p.listenIp}:${config.p2p.listenPort}`,
      }),
      // Ethereum-signed transactions (issue 13): admission, nonces, storage reads
      eth: createEthBackend((id) => {
        const g = groups.get(id)
        return g === undefined ? undefined : { backend: g.backend, pool: g.pool, amdb: g.amdb, suite }
      }),
    }
    const services = await step(logger, 'rpc', () =>
      startServices({ config, node: nodeBackend, tls: { caPem, certPem, keyPem }, logger }),
    )
    closers.push(() => services.close())
    let metricsPort: number | undefined
    if (config.metrics.port !== 0) {
      const server = await step(logger, 'metrics', () =>
        startMetricsServer({ host: config.metrics.listenIp, port: config.metrics.port, metrics }),
      )
      closers.push(() => server.close())
      metricsPort = server.port
    }
    // explorer (issue 15): the app and JSON-RPC over this node's own backend, live pushes on /ws
    let explorerPort: number | undefined
    if (config.explorer !== undefined && config.explorer.port !== 0) {
      const explorerListen = config.explorer
      const explorer = await step(logger, 'explorer', () =>
        startExplorerServer({
          host: explorerListen.listenIp,
          port: explorerListen.port,
          rpc: createBackendForwarder(nodeBackend, logger),
          logger,
        }),
      )
      closers.push(() => explorer.close())
      explorerPort = explorer.port
    }
    // Ethereum JSON-RPC and WebSocket subscriptions (issue 13): `/` is group 1, `/group/N` group N
    let ethPort: number | undefined
    if (config.eth.port !== 0) {
      const ethServer = await step(logger, 'eth-rpc', () =>
        startEthServer({ host: config.eth.listenIp, port: config.eth.port, node: nodeBackend, logger }),
      )
      closers.push(() => ethServer.close())
      ethPort = ethServer.port
    }
    const ports = {
      p2p: config.p2p.listenPort,
      ...services.ports,
      ...(ethPort === undefined ? {} : { eth: ethPort }),
      ...(metricsPort === undefined ? {} : { metrics: metricsPort }),
      ...(explorerPort === undefined ? {} : { explorer: explorerPort }),
    }
    logger.info('node started', { nodeId: nodeIdHex, groups: [...groups.keys()], ports })
    let closing: Promise<void> | undefined
    return {
      dir,
      config,
      nodeId: nodeIdHex,
      logger,
      metrics,
      groups,
      p2p,
      ports,
      close() {
        closing ??= (async () => {
          logger.info('stopping node')
          await closeAll()
          logger.info('node stopped')
          logger.flush()
        })()
        return closing
      },
    }
  } catch (err) {
    logger.error(
      'node failed to start',
      err instanceof Error && 'type' in err ? { ...(err as { type: object }).type } : {},
      err,
    )
    await closeAll()
    logger.flush()
    throw err
  }
}
