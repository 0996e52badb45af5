import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { GroupGenesis, NodeConfig } from '../config/schema.js'
import { nodeError } from '../errors.js'

/** Name of the marker file in the data directory. */
export const DATA_MARKER_FILE = 'consortia-node.json'
/** Version of the marker format. */
export const DATA_MARKER_VERSION = 1

/** What a data directory records about the node and chain that wrote it. */
export interface DataMarker {
  readonly version: typeof DATA_MARKER_VERSION
  readonly chainId: number
  readonly suite: string
  /** Consensus node ID (hex). */
  readonly nodeId: string
  readonly storage: string
  /** Group ID → SHA-256 of its genesis (canonical JSON). */
  readonly groups: Readonly<Record<string, string>>
}

/** SHA-256 hex of a genesis in canonical form (keys in a fixed order, as the schema writes them). */
export function genesisDigest(genesis: GroupGenesis): string {
  const canonical = JSON.stringify({
    version: genesis.version,
    groupId: genesis.groupId,
    chainId: genesis.chainId,
    suite: genesis.suite,
    timestamp: genesis.timestamp,
    consensus: {
      type: genesis.consensus.type,
      sealers: genesis.consensus.sealers,
      txCountLimit: genesis.consensus.txCountLimit,
      timeoutMs: genesis.consensus.timeoutMs,
    },
    txGasLimit: genesis.txGasLimit,
  })
  return createHash('sha256').update(canonical).digest('hex')
}

const mismatch = (path: string, reason: string) =>
  nodeError(
    { code: 'NODE_DATA_MISMATCH', path, reason },
    `data directory ${path}: ${reason}; refusing to start`,
  )

/**
 * Checks that the data directory was written by this node of this chain with these group
 * genesis files, and records new groups. An empty or missing directory is claimed; a non-empty
 * directory without a marker, another chain ID, suite, node ID or storage type, or a group
 * whose genesis changed is refused with the reason.
 */
export function claimDataDir(
  dataPath: string,
  config: NodeConfig,
  nodeId: string,
  genesis: readonly GroupGenesis[],
): DataMarker {
  const file = join(dataPath, DATA_MARKER_FILE)
  const groups: Record<string, string> = {}
  for (const g of genesis) groups[String(g.groupId)] = genesisDigest(g)
  let previous: DataMarker | undefined
  if (existsSync(file)) {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'))
    } catch (err) {
      throw mismatch(dataPath, `${DATA_MARKER_FILE} is not valid JSON (${(err as Error).message})`)
    }
    const m = parsed as Partial<DataMarker>
    if (m.version !== DATA_MARKER_VERSION) {
      throw mismatch(
        dataPath,
        `written by marker version ${JSON.stringify(m.version)}, this node reads ${DATA_MARKER_VERSION}`,
      )
    }
    if (m.chainId !== config.chain.id)
      throw mismatch(dataPath, `written for chain ${m.chainId}, config says chain ${config.chain.id}`)
    if (m.suite !== config.chain.suite)
      throw mismatch(dataPath, `written with suite ${m.suite}, config says ${config.chain.suite}`)
    if (m.nodeId !== nodeId)
      throw mismatch(
        dataPath,
        `written by node ${String(m.nodeId).slice(0, 16)}…, this node is ${nodeId.slice(0, 16)}…`,
      )
    if (m.storage !== config.storage.type) {
      throw mismatch(dataPath, `written with storage ${m.storage}, config says ${config.storage.type}`)
    }
    for (const [id, digest] of Object.entries(m.groups ?? {})) {
      const now = groups[id]
      if (now !== undefined && now !== digest) {
        throw mismatch(dataPath, `group ${id} was started with another genesis (genesis file changed)`)
      }
    }
    previous = m as DataMarker
  } else if (existsSync(dataPath) && readdirSync(dataPath).length > 0) {
    throw mismatch(dataPath, `not empty and has no ${DATA_MARKER_FILE}: not written by a Consortia node`)
  }
  const marker: DataMarker = {
    version: DATA_MARKER_VERSION,
    chainId: config.chain.id,
    suite: config.chain.suite,
    nodeId,
    storage: config.storage.type,
    groups: { ...(previous?.groups ?? {}), ...groups },
  }
  mkdirSync(dataPath, { recursive: true })
  writeFileSync(`${file}.tmp`, `${JSON.stringify(marker, null, 2)}\n`)
  renameSync(`${file}.tmp`, file)
  return marker
}
