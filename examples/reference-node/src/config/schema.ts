import { readFileSync } from 'node:fs'
import { configError } from '../errors.js'

/** The config format this node reads and writes; any other `version` is refused. */
export const CONFIG_VERSION = 1
/** The group genesis format this node reads and writes. */
export const GENESIS_VERSION = 1
/** Largest config or genesis file read (bytes). */
export const CONFIG_FILE_BYTES_MAX = 1024 * 1024
/** Most peers in `p2p.peers`, entries in the black/whitelists and identities. */
export const CONFIG_LIST_MAX = 1024
/** Most sealers in one group genesis. */
export const GENESIS_SEALERS_MAX = 256

/** Crypto suite of a chain: FISCO standard (secp256k1 + Keccak-256) or OSCCA (SM2 + SM3). */
export type SuiteName = 'ecdsa' | 'sm'
/** Consensus algorithm of a group. */
export type ConsensusType = 'pbft' | 'raft'
/** Where a node keeps its groups' state and blocks. */
export type StorageType = 'leveldb' | 'mysql'
/** Log levels of `log.level`. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'

/** A listening address. `port` 0 disables the endpoint where that is allowed. */
export interface ListenConfig {
  readonly listenIp: string
  readonly port: number
}

/**
 * A node's `config.json` (documented key by key in the package README). Paths are relative
 * to the node directory unless absolute.
 */
export interface NodeConfig {
  readonly version: typeof CONFIG_VERSION
  /** Chain-wide settings every node of the chain shares. */
  readonly chain: { readonly id: number; readonly suite: SuiteName }
  /** This node's name (build-chain: `node<i>`), used in logs. */
  readonly node: { readonly name: string }
  readonly p2p: {
    readonly listenIp: string
    readonly listenPort: number
    /** Other nodes, `host:port` (FISCO `[p2p] node.i`). */
    readonly peers: readonly string[]
    /** Node IDs (hex) refused at the handshake (FISCO `[certificate_blacklist]`). */
    readonly blacklist: readonly string[]
    /** When non-empty, only these node IDs (hex) are admitted (FISCO `[certificate_whitelist]`). */
    readonly whitelist: readonly string[]
  }
  /** FISCO JSON-RPC over HTTP (FISCO `[rpc] jsonrpc_listen_*`). */
  readonly rpc: ListenConfig
  /** Channel protocol over TLS for SDKs (FISCO `[rpc] channel_listen_*`); port 0 disables it. */
  readonly channel: ListenConfig
  /** Ethereum JSON-RPC (`eth_*`); port 0 disables it. */
  readonly eth: ListenConfig
  /** Prometheus metrics over HTTP at `/metrics`; port 0 disables it. */
  readonly metrics: ListenConfig
  /**
   * Block explorer and dashboard over HTTP + WebSocket (`src/explorer/`); absent or port 0
   * disables it.
   */
  readonly explorer?: ListenConfig
  readonly storage: {
    readonly type: StorageType
    /** Directory of LevelDB databases and the data-directory marker. */
    readonly dataPath: string
    /**
     * MySQL/MariaDB server for `type: "mysql"`, `mysql://user:pass@host:port/prefix`; each group
     * uses the database `<prefix>_g<groupId>` (created when missing).
     */
    readonly mysqlUrl: string
  }
  /**
   * Disk encryption (FISCO `[storage_security]`): when present, every LevelDB store of the node is
   * encrypted under a data key fetched at start from the key manager, and the key files may be
   * sealed (`requestSealedKeyFile`). LevelDB storage only.
   */
  readonly storageSecurity?: {
    /** The key manager, `http://ip:port` (FISCO `key_manager_ip` + `key_manager_port`). */
    readonly keyManagerUrl: string
    /** The node's data key sealed by the key manager (FISCO `cipher_data_key`). */
    readonly cipherDataKey: string
  }
  /** TLS material of p2p and the channel (FISCO `[network_security]`). */
  readonly tls: { readonly caCert: string; readonly cert: string; readonly key: string }
  /**
   * The key that signs consensus messages; its public key is the node ID in the group genesis.
   * ECDSA chains: the TLS key itself. SM chains: an SM2 key (`conf/sm/node.key`).
   */
  readonly consensusKey: string
  /**
   * TLS node ID (hex) → consensus node ID (hex) of every node of the chain. Needed only when the
   * two differ (SM chains: TLS certificates are secp256k1, consensus keys SM2); empty otherwise.
   */
  readonly identities: Readonly<Record<string, string>>
  /** Directory holding `group.<id>.genesis` files; every one found is started. */
  readonly groups: { readonly configPath: string }
  readonly consensus: {
    /** Driver tick length in ms. */
    readonly tickMs: number
  }
  /**
   * Block execution of this node's groups. Parallel execution gives byte-identical receipts,
   * roots and rows to serial execution, so each node chooses for itself. Absent: serial.
   */
  readonly executor?: {
    /** `off`: serial; `dag`: FISCO mutex keys on worker threads; `optimistic`: speculation with read-set checks. */
    readonly parallel: 'off' | 'dag' | 'optimistic'
    /** Worker threads (1 to 64). */
    readonly workers: number
    /** Smallest block run in parallel; smaller ones run serially (default: the executor's, 32). */
    readonly minTransactions?: number
  }
  readonly txPool: {
    /** Most pooled transactions per group (FISCO `[tx_pool] limit`). */
    readonly limit: number
    /** Keep accepted transactions in a LevelDB journal so they survive a crash. */
    readonly journal: boolean
  }
  readonly log: {
    readonly level: LogLevel
    /** JSON lines go to this file (appended); empty = standard output. */
    readonly file: string
  }
}

/** A group's genesis (`conf/group.<id>.genesis`): identical on every node of the group. */
export interface GroupGenesis {
  readonly version: typeof GENESIS_VERSION
  readonly groupId: number
  readonly chainId: number
  readonly suite: SuiteName
  /** Genesis block timestamp, ms since the Unix epoch. */
  readonly timestamp: number
  readonly consensus: {
    readonly type: ConsensusType
    /** Consensus node IDs (128 hex chars) of the sealers. */
    readonly sealers: readonly string[]
    /** Most transactions per block (`tx_count_limit`). */
    readonly txCountLimit: number
    /** PBFT view timeout / Raft election timeout base, ms (FISCO `consensus_timeout`, seconds). */
    readonly timeoutMs: number
  }
  /** Gas limit of one transaction (`tx_gas_limit`). */
  readonly txGasLimit: number
}

type Check = (value: unknown, key: string, file: string) => unknown

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

const show = (v: unknown) => {
  const s = JSON.stringify(v)
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s
}

function str(opts: { nonEmpty?: boolean; pattern?: RegExp; expected?: string } = {}): Check {
  return (v, key, file) => {
    if (typeof v !== 'string') throw configError(file, key, `expected a string, got ${show(v)}`)
    if (opts.nonEmpty === true && v.length === 0) throw configError(file, key, 'expected a non-empty string')
    if (opts.pattern !== undefined && !opts.pattern.test(v)) {
      throw configError(file, key, `expected ${opts.expected ?? String(opts.pattern)}, got ${show(v)}`)
    }
    return v
  }
}

function int(min: number, max: number): Check {
  return (v, key, file) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      throw configError(file, key, `expected an integer in ${min}..${max}, got ${show(v)}`)
    }
    return v
  }
}

function oneOf<T extends string>(values: readonly T[]): Check {
  return (v, key, file) => {
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      throw configError(file, key, `expected one of ${values.join(', ')}, got ${show(v)}`)
    }
    return v
  }
}

const bool: Check = (v, key, file) => {
  if (typeof v !== 'boolean') throw configError(file, key, `expected true or false, got ${show(v)}`)
  return v
}

function list(item: Check, max = CONFIG_LIST_MAX): Check {
  return (v, key, file) => {
    if (!Array.isArray(v)) throw configError(file, key, `expected an array, got ${show(v)}`)
    if (v.length > max) throw configError(file, key, `expected at most ${max} entries, got ${v.length}`)
    return v.map((x, i) => item(x, `${key}[${i}]`, file))
  }
}

function record(value: Check, keyPattern: RegExp, expectedKey: string): Check {
  return (v, key, file) => {
    if (!isObject(v)) throw configError(file, key, `expected an object, got ${show(v)}`)
    const entries = Object.entries(v)
    if (entries.length > CONFIG_LIST_MAX) {
      throw configError(file, key, `expected at most ${CONFIG_LIST_MAX} entries, got ${entries.length}`)
    }
    const out: Record<string, unknown> = {}
    for (const [k, x] of entries) {
      if (!keyPattern.test(k)) throw configError(file, `${key}.${k}`, `expected the key to be ${expectedKey}`)
      out[k] = value(x, `${key}.${k}`, file)
    }
    return out
  }
}

const OPTIONAL = Symbol('optional')

/** A field `object` accepts as missing (left out of the result). */
function optional(check: Check): Check {
  const wrapped: Check = (v, key, file) => check(v, key, file)
  ;(wrapped as unknown as Record<symbol, boolean>)[OPTIONAL] = true
  return wrapped
}

function object(fields: Record<string, Check>): Check {
  return (v, key, file) => {
    if (!isObject(v)) throw configError(file, key, `expected an object, got ${show(v)}`)
    const at = (k: string) => (key === '' ? k : `${key}.${k}`)
    for (const k of Object.keys(v)) {
      if (!(k in fields)) {
        throw configError(file, at(k), `unknown key (known: ${Object.keys(fields).join(', ')})`)
      }
    }
    const out: Record<string, unknown> = {}
    for (const [k, check] of Object.entries(fields)) {
      if (!(k in v)) {
        if ((check as unknown as Record<symbol, boolean>)[OPTIONAL]) continue
        throw configError(file, at(k), 'missing')
      }
      out[k] = check(v[k], at(k), file)
    }
    return out
  }
}

const HEX_ID = /^[0-9a-f]{128}$/
const port = int(0, 65535)
const host = str({
  nonEmpty: true,
  pattern: /^[0-9A-Za-z.:\-[\]]{1,253}$/,
  expected: 'an IPv4, IPv6 address or host name',
})
const listen = object({ listenIp: host, port })
const endpoint = str({
  pattern: /^[0-9A-Za-z.\-[\]:]{1,253}:\d{1,5}$/,
  expected: '"host:port"',
})
const nodeIdHex = str({ pattern: HEX_ID, expected: 'a 128-hex-digit node ID (lower case)' })

const versionOf =
  (expected: number): Check =>
  (v, key, file) => {
    if (v !== expected) {
      throw configError(file, key, `this node reads version ${expected} only, got ${show(v)}`)
    }
    return v
  }

const nodeConfigCheck = object({
  version: versionOf(CONFIG_VERSION),
  chain: object({ id: int(1, 2 ** 31 - 1), suite: oneOf(['ecdsa', 'sm']) }),
  node: object({
    name: str({ nonEmpty: true, pattern: /^[\w.-]{1,64}$/, expected: 'a name of [A-Za-z0-9_.-]' }),
  }),
  p2p: object({
    listenIp: host,
    listenPort: int(1, 65535),
    peers: list(endpoint),
    blacklist: list(nodeIdHex),
    whitelist: list(nodeIdHex),
  }),
  rpc: object({ listenIp: host, port: int(1, 65535) }),
  channel: listen,
  eth: listen,
  metrics: listen,
  explorer: optional(listen),
  storage: object({
    type: oneOf(['leveldb', 'mysql']),
    dataPath: str({ nonEmpty: true }),
    mysqlUrl: str({ pattern: /^(?:|(?:mysql|mariadb):\/\/.+)$/, expected: 'empty or a mysql:// URL' }),
  }),
  storageSecurity: optional(
    object({
      keyManagerUrl: str({ pattern: /^https?:\/\/\S+$/, expected: 'an http:// URL of the key manager' }),
      cipherDataKey: str({ pattern: /^[0-9a-f]+$/, expected: 'the hex cipher data key from encDataKey' }),
    }),
  ),
  tls: object({
    caCert: str({ nonEmpty: true }),
    cert: str({ nonEmpty: true }),
    key: str({ nonEmpty: true }),
  }),
  consensusKey: str({ nonEmpty: true }),
  identities: record(nodeIdHex, HEX_ID, 'a 128-hex-digit TLS node ID'),
  groups: object({ configPath: str({ nonEmpty: true }) }),
  consensus: object({ tickMs: int(10, 10_000) }),
  executor: optional(
    object({
      parallel: oneOf(['off', 'dag', 'optimistic']),
      workers: int(1, 64),
      minTransactions: optional(int(1, 1_000_000)),
    }),
  ),
  txPool: object({ limit: int(1, 10_000_000), journal: bool }),
  log: object({
    level: oneOf(['trace', 'debug', 'info', 'warn', 'error', 'silent']),
    file: str(),
  }),
})

const genesisCheck = object({
  version: versionOf(GENESIS_VERSION),
  groupId: int(1, 32767),
  chainId: int(1, 2 ** 31 - 1),
  suite: oneOf(['ecdsa', 'sm']),
  timestamp: int(0, Number.MAX_SAFE_INTEGER),
  consensus: object({
    type: oneOf(['pbft', 'raft']),
    sealers: list(nodeIdHex, GENESIS_SEALERS_MAX),
    txCountLimit: int(1, 100_000),
    timeoutMs: int(100, 600_000),
  }),
  txGasLimit: int(100_000, 2 ** 31 - 1),
})

/** Validates a parsed `config.json`: every key known, every value of the right type and range. */
export function parseNodeConfig(value: unknown, file = 'config.json'): NodeConfig {
  const config = nodeConfigCheck(value, '', file) as NodeConfig
  if (config.storage.type === 'mysql' && config.storage.mysqlUrl === '') {
    throw configError(file, 'storage.mysqlUrl', 'required when storage.type is "mysql"')
  }
  if (config.storage.type === 'mysql' && config.storageSecurity !== undefined) {
    throw configError(
      file,
      'storageSecurity',
      'disk encryption applies to LevelDB storage only (as in FISCO)',
    )
  }
  return config
}

/** Validates a parsed group genesis. */
export function parseGroupGenesis(value: unknown, file = 'group.genesis'): GroupGenesis {
  const genesis = genesisCheck(value, '', file) as GroupGenesis
  if (genesis.consensus.sealers.length === 0) {
    throw configError(file, 'consensus.sealers', 'expected at least one sealer')
  }
  if (new Set(genesis.consensus.sealers).size !== genesis.consensus.sealers.length) {
    throw configError(file, 'consensus.sealers', 'a node ID is listed twice')
  }
  return genesis
}

/** Reads and parses a JSON file with a size bound, naming the file in every error. */
export function readJsonFile(path: string): unknown {
  let text: string
  try {
    const buf = readFileSync(path)
    if (buf.length > CONFIG_FILE_BYTES_MAX) {
      throw configError(path, '(file)', `larger than ${CONFIG_FILE_BYTES_MAX} bytes`)
    }
    text = buf.toString('utf8')
  } catch (err) {
    if (err instanceof Error && 'type' in err) throw err
    throw configError(path, '(file)', `cannot be read: ${(err as Error).message}`)
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw configError(path, '(file)', `is not valid JSON: ${(err as Error).message}`)
  }
}

/** Reads and validates a node's `config.json`. */
export function loadNodeConfig(path: string): NodeConfig {
  return parseNodeConfig(readJsonFile(path), path)
}

/** Reads and validates a group genesis file. */
export function loadGroupGenesis(path: string): GroupGenesis {
  return parseGroupGenesis(readJsonFile(path), path)
}
