import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import type { ConsensusType, StorageType, SuiteName } from '../config/schema.js'
import { invalidArgument } from '../errors.js'
import { parseKeyManagerUrl } from './key-manager.js'

/** Most nodes one build-chain run generates. */
export const BUILD_NODES_MAX = 256
/** Most groups one build-chain run generates. */
export const BUILD_GROUPS_MAX = 64

/** Start ports of one host; node k on a host uses start + k for each. */
export interface StartPorts {
  readonly p2p: number
  readonly channel: number
  readonly rpc: number
  readonly eth: number
  readonly metrics: number
}

/** FISCO's defaults (P2P 30300, channel 20200, JSON-RPC 8545), plus eth_* 8645 and metrics 9100. */
export const START_PORTS_DEFAULT: StartPorts = {
  p2p: 30300,
  channel: 20200,
  rpc: 8545,
  eth: 8645,
  metrics: 9100,
}

/** One `-l` entry: `count` nodes on `ip`. */
export interface HostSpec {
  readonly ip: string
  readonly count: number
}

/** One `-g` entry: a group and the global indices of its sealers. */
export interface GroupSpec {
  readonly id: number
  readonly members: readonly number[]
}

/** Validated options of `consortia build-chain`. */
export interface BuildChainOptions {
  readonly hosts: readonly HostSpec[]
  readonly output: string
  readonly consensus: ConsensusType
  readonly storage: StorageType
  /** For `storage: mysql`: server URL; each node's databases are prefixed with its name. */
  readonly mysqlUrl: string
  readonly suite: SuiteName
  readonly chainId: number
  readonly groups: readonly GroupSpec[]
  readonly ports: StartPorts
  /** Listen on 0.0.0.0 for RPC, eth RPC and metrics too (default: 127.0.0.1). */
  readonly listenAll: boolean
  /** Most transactions per block (`tx_count_limit`). */
  readonly txCountLimit: number
  /** PBFT view timeout or Raft election timeout, ms. */
  readonly consensusTimeoutMs: number
  /** Driver tick length, ms. */
  readonly tickMs: number
  /** Name of the agency that signs the node certificates. */
  readonly agency: string
  /** Certificate validity, days (FISCO `-X`, default 36500). */
  readonly certDays: number
  /** Genesis timestamp (ms); default: now. */
  readonly timestamp: number
  /** Overwrite a non-empty output directory. */
  readonly force: boolean
  /**
   * Disk encryption (FISCO `[storage_security]`, issue 16): the key manager (`-k`) that seals a
   * fresh data key per node; each config gets `storageSecurity` with the cipher data key only.
   */
  readonly keyManagerUrl?: string
}

/** The build-chain usage text. */
export const BUILD_CHAIN_USAGE = `Usage: consortia build-chain -l "ip:count[,ip:count...]" [options]

  -l, --hosts "ip:n,..."     nodes per host, e.g. "127.0.0.1:4" or "10.0.0.1:2,10.0.0.2:2" (required)
  -o, --output <dir>         output directory (default ./nodes); must not exist or be empty
  -c, --consensus <type>     pbft | raft (default pbft)
  -s, --storage <type>       leveldb | mysql (default leveldb)
      --mysql-url <url>      mysql://user:pass@host:port/prefix (required with -s mysql)
      --suite <suite>        ecdsa | sm (default ecdsa)
  -C, --chain-id <n>         chain ID (default 1)
  -g, --groups <spec>        groups and their sealers by global node index,
                             "1:0,1,2,3;2:0,1" (default: group 1 with every node)
  -p, --ports <list>         start ports p2p,channel,rpc[,eth[,metrics]]
                             (default 30300,20200,8545,8645,9100; +1 per node on a host)
  -i, --listen-all           RPC, eth RPC and metrics listen on 0.0.0.0 (default 127.0.0.1)
      --tx-count-limit <n>   most transactions per block (default 1000)
      --consensus-timeout-ms <ms>  PBFT view / Raft election timeout (default 3000)
      --tick-ms <ms>         consensus tick (default 100)
      --agency <name>        agency name in the certificates (default agency)
  -X, --cert-days <days>     certificate validity (default 36500)
      --timestamp <ms>       genesis timestamp (default now)
  -f, --force                write into a non-empty output directory
  -k, --key-manager <url>    disk encryption: a data key per node, sealed by this key manager
                             (http://ip:port); configs get storageSecurity (LevelDB only)
  -h, --help                 this text
`

const integer = (option: string, text: string, min: number, max: number): number => {
  if (!/^\d+$/.test(text)) throw invalidArgument(option, `an integer in ${min}..${max}`, JSON.stringify(text))
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidArgument(option, `an integer in ${min}..${max}`, text)
  }
  return n
}

const choice = <T extends string>(
  option: string,
  text: string | undefined,
  values: readonly T[],
  def: T,
): T => {
  if (text === undefined) return def
  if (!(values as readonly string[]).includes(text)) {
    throw invalidArgument(option, `one of ${values.join(', ')}`, JSON.stringify(text))
  }
  return text as T
}

/** Parses `-l "ip:count,ip:count"`. */
export function parseHosts(text: string): HostSpec[] {
  const entries = text.split(',').map((s) => s.trim())
  const hosts: HostSpec[] = []
  const seen = new Set<string>()
  for (const e of entries) {
    const m = /^(.+):(\d+)$/.exec(e)
    if (m === null) throw invalidArgument('-l', '"ip:count" entries separated by commas', JSON.stringify(e))
    const ip = m[1]!
    if (isIP(ip) === 0) throw invalidArgument('-l', 'an IPv4 or IPv6 address', JSON.stringify(ip))
    if (seen.has(ip)) throw invalidArgument('-l', 'each IP once', `${ip} twice`)
    seen.add(ip)
    hosts.push({ ip, count: integer(`-l ${ip}`, m[2]!, 1, BUILD_NODES_MAX) })
  }
  const total = hosts.reduce((n, h) => n + h.count, 0)
  if (total > BUILD_NODES_MAX) throw invalidArgument('-l', `at most ${BUILD_NODES_MAX} nodes`, String(total))
  return hosts
}

/** Parses `-g "1:0,1,2,3;2:0,1"` against `nodeCount` nodes. */
export function parseGroups(text: string, nodeCount: number): GroupSpec[] {
  const entries = text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (entries.length === 0)
    throw invalidArgument('-g', 'at least one group "id:i,j,..."', JSON.stringify(text))
  if (entries.length > BUILD_GROUPS_MAX) {
    throw invalidArgument('-g', `at most ${BUILD_GROUPS_MAX} groups`, String(entries.length))
  }
  const groups: GroupSpec[] = []
  for (const e of entries) {
    const m = /^(\d+):(.*)$/.exec(e)
    if (m === null) throw invalidArgument('-g', '"groupId:nodeIndex,nodeIndex,..."', JSON.stringify(e))
    const id = integer('-g group ID', m[1]!, 1, 32767)
    if (groups.some((g) => g.id === id))
      throw invalidArgument('-g', 'each group ID once', `group ${id} twice`)
    const body = m[2]!.trim()
    const members =
      body === 'all'
        ? Array.from({ length: nodeCount }, (_, i) => i)
        : body.split(',').map((s) => integer(`-g group ${id} node index`, s.trim(), 0, nodeCount - 1))
    if (members.length === 0) throw invalidArgument(`-g group ${id}`, 'at least one node', '0')
    if (new Set(members).size !== members.length) {
      throw invalidArgument(`-g group ${id}`, 'each node once', body)
    }
    groups.push({ id, members: [...members].sort((a, b) => a - b) })
  }
  return groups
}

/** Parses `-p p2p,channel,rpc[,eth[,metrics]]`. */
export function parsePorts(text: string): StartPorts {
  const parts = text.split(',').map((s) => s.trim())
  if (parts.length < 3 || parts.length > 5) {
    throw invalidArgument('-p', '3 to 5 ports "p2p,channel,rpc[,eth[,metrics]]"', JSON.stringify(text))
  }
  const names = ['p2p', 'channel', 'rpc', 'eth', 'metrics'] as const
  const out: Record<string, number> = { ...START_PORTS_DEFAULT }
  parts.forEach((p, i) => {
    out[names[i]!] = integer(`-p ${names[i]}`, p, 1, 65535)
  })
  return out as unknown as StartPorts
}

/** Checks that every node's five ports fit in 1..65535 and no two endpoints on a host collide. */
export function checkPorts(hosts: readonly HostSpec[], ports: StartPorts): void {
  const kinds = Object.entries(ports) as [keyof StartPorts, number][]
  for (const h of hosts) {
    const used = new Map<number, string>()
    for (let k = 0; k < h.count; k++) {
      for (const [kind, start] of kinds) {
        const p = start + k
        if (p > 65535) throw invalidArgument('-p', `${kind} ports up to 65535 for ${h.count} nodes`, `${p}`)
        const other = used.get(p)
        if (other !== undefined) {
          throw invalidArgument('-p', 'distinct ports on one host', `port ${p} used for ${other} and ${kind}`)
        }
        used.set(p, kind)
      }
    }
  }
}

/** Parses and validates the arguments of `consortia build-chain` (argv after the command). */
export function parseBuildChainArgs(argv: readonly string[]): BuildChainOptions | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof spec; strict: true; allowPositionals: false }>>
  const spec = {
    hosts: { type: 'string', short: 'l' },
    output: { type: 'string', short: 'o' },
    consensus: { type: 'string', short: 'c' },
    storage: { type: 'string', short: 's' },
    'mysql-url': { type: 'string' },
    suite: { type: 'string' },
    'chain-id': { type: 'string', short: 'C' },
    groups: { type: 'string', short: 'g' },
    ports: { type: 'string', short: 'p' },
    'listen-all': { type: 'boolean', short: 'i' },
    'tx-count-limit': { type: 'string' },
    'consensus-timeout-ms': { type: 'string' },
    'tick-ms': { type: 'string' },
    agency: { type: 'string' },
    'cert-days': { type: 'string', short: 'X' },
    timestamp: { type: 'string' },
    force: { type: 'boolean', short: 'f' },
    'key-manager': { type: 'string', short: 'k' },
    help: { type: 'boolean', short: 'h' },
  } as const
  try {
    parsed = parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false })
  } catch (err) {
    throw invalidArgument('build-chain', 'known options (see --help)', (err as Error).message)
  }
  const v = parsed.values
  if (v.help === true) return 'help'
  if (v.hosts === undefined)
    throw invalidArgument('-l', 'the nodes per host, e.g. -l "127.0.0.1:4"', 'nothing')
  const hosts = parseHosts(v.hosts)
  const nodeCount = hosts.reduce((n, h) => n + h.count, 0)
  const storage = choice('-s', v.storage, ['leveldb', 'mysql'], 'leveldb')
  const mysqlUrl = v['mysql-url'] ?? ''
  if (storage === 'mysql') {
    if (mysqlUrl === '') throw invalidArgument('--mysql-url', 'a mysql:// URL with -s mysql', 'nothing')
    let url: URL
    try {
      url = new URL(mysqlUrl)
    } catch {
      throw invalidArgument('--mysql-url', 'mysql://user:pass@host:port/prefix', JSON.stringify(mysqlUrl))
    }
    if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
      throw invalidArgument('--mysql-url', 'a mysql:// or mariadb:// URL', url.protocol)
    }
    if (!/^\/[A-Za-z0-9_]{1,40}$/.test(url.pathname)) {
      throw invalidArgument('--mysql-url', 'a database prefix of [A-Za-z0-9_] after the host', url.pathname)
    }
  } else if (mysqlUrl !== '') {
    throw invalidArgument('--mysql-url', 'only with -s mysql', mysqlUrl)
  }
  const keyManager = v['key-manager'] === undefined ? undefined : parseKeyManagerUrl(v['key-manager'])
  if (keyManager !== undefined && storage !== 'leveldb') {
    throw invalidArgument('-k', 'LevelDB storage (disk encryption does not apply to -s mysql)', storage)
  }
  const ports = v.ports === undefined ? START_PORTS_DEFAULT : parsePorts(v.ports)
  checkPorts(hosts, ports)
  const agency = v.agency ?? 'agency'
  if (!/^[\w.-]{1,64}$/.test(agency)) throw invalidArgument('--agency', 'a name of [A-Za-z0-9_.-]', agency)
  return {
    hosts,
    output: v.output ?? 'nodes',
    consensus: choice('-c', v.consensus, ['pbft', 'raft'], 'pbft'),
    storage,
    mysqlUrl,
    suite: choice('--suite', v.suite, ['ecdsa', 'sm'], 'ecdsa'),
    chainId: v['chain-id'] === undefined ? 1 : integer('-C', v['chain-id'], 1, 2 ** 31 - 1),
    groups: parseGroups(v.groups ?? '1:all', nodeCount),
    ports,
    listenAll: v['listen-all'] === true,
    txCountLimit:
      v['tx-count-limit'] === undefined ? 1000 : integer('--tx-count-limit', v['tx-count-limit'], 1, 100_000),
    consensusTimeoutMs:
      v['consensus-timeout-ms'] === undefined
        ? 3000
        : integer('--consensus-timeout-ms', v['consensus-timeout-ms'], 100, 600_000),
    tickMs: v['tick-ms'] === undefined ? 100 : integer('--tick-ms', v['tick-ms'], 10, 10_000),
    agency,
    certDays: v['cert-days'] === undefined ? 36_500 : integer('-X', v['cert-days'], 1, 36_500),
    timestamp:
      v.timestamp === undefined
        ? Date.now()
        : integer('--timestamp', v.timestamp, 0, Number.MAX_SAFE_INTEGER),
    force: v.force === true,
    ...(keyManager === undefined ? {} : { keyManagerUrl: keyManager }),
  }
}
