/**
 * A chain of reference-node processes for the end-to-end bench: `consortia build-chain` into a
 * temporary directory, one `consortia start` process per node, CPU time per node from
 * `/proc/<pid>/stat`, and a clean stop (SIGTERM, then SIGKILL after a grace period).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChannelTLS } from '@consortia/sdk'
import { rpcCall } from './rpc.js'
import { cpuTicksOfProcStat } from './stats.js'

/** The repository root (bench/src/../..). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))

/** The reference node's CLI source, run through tsx like its bin/consortia.mjs does. */
export const CLI_PATH = join(REPO_ROOT, 'examples', 'reference-node', 'src', 'cli.ts')

/** Node arguments that run a TypeScript entry point from source. */
export const TS_NODE_ARGS: readonly string[] = ['--conditions=source', '--import', import.meta.resolve('tsx')]

/** Longest wait for a node's JSON-RPC to answer after start. */
export const NODE_START_TIMEOUT_MS = 180_000

/** Grace period after SIGTERM before SIGKILL. */
export const NODE_STOP_GRACE_MS = 15_000

/** What chain to build. */
export interface ChainProfile {
  readonly nodes: number
  readonly consensus: 'pbft' | 'raft'
  readonly storage: 'leveldb' | 'mysql'
  readonly suite: 'ecdsa' | 'sm'
}

/** A short name such as `pbft-4-ecdsa-leveldb`. */
export function profileName(p: ChainProfile): string {
  return `${p.consensus}-${p.nodes}-${p.suite}-${p.storage}`
}

/** One running node. */
export interface RunningNode {
  readonly index: number
  readonly dir: string
  readonly rpcUrl: string
  /** The node's channel (SDK) port on 127.0.0.1. */
  readonly channelPort: number
  readonly proc: ChildProcess
  /** Last few KB of its stderr, for error reports. */
  stderrTail(): string
}

/** A running chain. */
export interface RunningChain {
  readonly profile: ChainProfile
  readonly root: string
  readonly nodes: readonly RunningNode[]
  readonly chainId: number
  readonly groupId: number
  /** The SDK certificate build-chain wrote (`<host>/sdk/`), for channel connections. */
  readonly sdkTLS: ChannelTLS
  /** Directory of the `--cpu-prof` profiles of the profiled nodes (written when they stop). */
  readonly cpuProfDir?: string
  /** CPU seconds (user + system) used so far by each node process; undefined where unreadable. */
  cpuSeconds(): (number | undefined)[]
  /** Throws if a node process has exited. */
  checkAlive(): void
  close(): Promise<void>
}

let clockTicks: number | undefined
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      clockTicks = 100
    }
  }
  return clockTicks
}

/** CPU seconds of process `pid` from /proc, or undefined off Linux or once it exited. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    return cpuTicksOfProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')) / ticksPerSecond()
  } catch {
    return undefined
  }
}

async function portFree(port: number): Promise<boolean> {
  return new Promise<boolean>((done) => {
    const s = createServer()
    s.once('error', () => done(false))
    s.listen(port, '0.0.0.0', () => s.close(() => done(true)))
  })
}

/** Lowest port of the bench's chains (each session's helpers use their own range; all below 32768). */
export const PORT_BASE = 26_000

/** Start ports p2p, channel, rpc, eth, metrics with `count` consecutive free ports each. */
export async function pickPorts(count: number): Promise<number[]> {
  if (count > 100) throw new RangeError(`pickPorts: expected at most 100 nodes, got ${count}`)
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = PORT_BASE + ((process.pid * 31 + attempt * 1_709 + Date.now()) % 6_000)
    const starts = [0, 1, 2, 3, 4].map((k) => base + k * 100)
    let ok = true
    for (const s of starts) for (let i = 0; i < count && ok; i++) ok = await portFree(s + i)
    if (ok) return starts
  }
  throw new Error('pickPorts: no free port range found after 50 tries')
}

/** Builds the chain with `consortia build-chain` and starts every node; resolves once all answer. */
export async function startChain(
  profile: ChainProfile,
  options: {
    mysqlUrl?: string
    txCountLimit?: number
    /** Run these nodes with `node --cpu-prof` into `cpuProfDir` (default: none). */
    profileNodes?: readonly number[]
    /** Where the profiles go (needed with `profileNodes`; outside the chain's temporary directory). */
    cpuProfDir?: string
    onNote?: (text: string) => void
  } = {},
): Promise<RunningChain> {
  const root = mkdtempSync(join(tmpdir(), 'consortia-bench-'))
  const out = join(root, 'nodes')
  const ports = await pickPorts(profile.nodes)
  const mysqlPrefix = `bench${process.pid}_${Date.now().toString(36)}`
  const args = [
    'build-chain',
    '-l',
    `127.0.0.1:${profile.nodes}`,
    '-o',
    out,
    '-c',
    profile.consensus,
    '--suite',
    profile.suite,
    '-s',
    profile.storage,
    '-p',
    ports.join(','),
    '--tx-count-limit',
    String(options.txCountLimit ?? 1000),
  ]
  if (profile.storage === 'mysql') {
    if (options.mysqlUrl === undefined) throw new Error('startChain: mysql storage needs CONSORTIA_MYSQL_URL')
    const url = new URL(options.mysqlUrl)
    url.pathname = `/${mysqlPrefix}`
    args.push('--mysql-url', url.toString())
  }
  const built = spawnSync(process.execPath, [...TS_NODE_ARGS, CLI_PATH, ...args], { encoding: 'utf8' })
  if (built.status !== 0) {
    rmSync(root, { recursive: true, force: true })
    throw new Error(`consortia build-chain failed (exit ${built.status}): ${built.stderr || built.stdout}`)
  }
  // Diagnostics: BENCH_NODE_LOG_LEVEL (e.g. debug) sets every node's log level; BENCH_KEEP_CHAIN=1
  // keeps the chain directory (node logs under <node>/log/) after the run.
  const logLevel = process.env['BENCH_NODE_LOG_LEVEL']
  if (logLevel !== undefined && logLevel !== '') {
    for (let i = 0; i < profile.nodes; i++) {
      const file = join(out, '127.0.0.1', `node${i}`, 'config.json')
      const config = JSON.parse(readFileSync(file, 'utf8')) as { log: { level: string } }
      config.log.level = logLevel
      writeFileSync(file, JSON.stringify(config, null, 2))
    }
  }
  const keep = process.env['BENCH_KEEP_CHAIN'] === '1'
  if (keep) options.onNote?.(`chain kept in ${root}`)
  const sdkDir = join(out, '127.0.0.1', 'sdk')
  const sdkTLS: ChannelTLS = {
    ca: readFileSync(join(sdkDir, 'ca.crt'), 'utf8'),
    cert: readFileSync(join(sdkDir, 'sdk.crt'), 'utf8'),
    key: readFileSync(join(sdkDir, 'sdk.key'), 'utf8'),
  }
  const profiled = new Set(options.profileNodes ?? [])
  if (profiled.size > 0 && options.cpuProfDir === undefined)
    throw new Error('startChain: profileNodes needs cpuProfDir')
  const cpuProfDir = profiled.size > 0 ? options.cpuProfDir : undefined
  // Diagnostics: BENCH_NODE_FLAGS (space-separated, e.g. "--single-threaded-gc") goes on every
  // node's command line, for experiments with V8 and Node settings.
  const nodeFlags = (process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '')
  const nodes: RunningNode[] = []
  for (let i = 0; i < profile.nodes; i++) {
    const dir = join(out, '127.0.0.1', `node${i}`)
    const prof =
      cpuProfDir !== undefined && profiled.has(i)
        ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=node${i}.cpuprofile`]
        : []
    const proc = spawn(process.execPath, [...prof, ...nodeFlags, ...TS_NODE_ARGS, CLI_PATH, 'start', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let tail = ''
    proc.stderr?.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000)
    })
    nodes.push({
      index: i,
      dir,
      rpcUrl: `http://127.0.0.1:${ports[2]! + i}`,
      channelPort: ports[1]! + i,
      proc,
      stderrTail: () => tail,
    })
  }
  const chain: RunningChain = {
    profile,
    root,
    nodes,
    chainId: 1,
    groupId: 1,
    sdkTLS,
    ...(cpuProfDir !== undefined ? { cpuProfDir } : {}),
    cpuSeconds: () => nodes.map((n) => processCpuSeconds(n.proc.pid)),
    checkAlive() {
      for (const n of nodes) {
        if (n.proc.exitCode !== null || n.proc.signalCode !== null)
          throw new Error(
            `node ${n.index} of ${profileName(profile)} exited (${n.proc.exitCode ?? n.proc.signalCode}): ${n.stderrTail()}`,
          )
      }
    },
    async close() {
      await Promise.all(nodes.map((n) => stopProcess(n.proc)))
      if (profile.storage === 'mysql' && options.mysqlUrl !== undefined)
        await dropMySQL(options.mysqlUrl, mysqlPrefix)
      if (!keep) rmSync(root, { recursive: true, force: true })
    },
  }
  try {
    const deadline = Date.now() + NODE_START_TIMEOUT_MS
    for (const n of nodes) {
      for (;;) {
        chain.checkAlive()
        try {
          await rpcCall<string>(n.rpcUrl, 'getBlockNumber', [1])
          break
        } catch (err) {
          if (Date.now() > deadline)
            throw new Error(`node ${n.index} did not answer JSON-RPC: ${String(err)}`)
          await sleep(250)
        }
      }
      options.onNote?.(`node ${n.index} up`)
    }
  } catch (err) {
    await chain.close()
    throw err
  }
  return chain
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  const exited = new Promise<void>((done) => proc.once('exit', () => done()))
  proc.kill('SIGTERM')
  const timer = setTimeout(() => proc.kill('SIGKILL'), NODE_STOP_GRACE_MS)
  await exited
  clearTimeout(timer)
}

async function dropMySQL(mysqlUrl: string, prefix: string): Promise<void> {
  const { createMySQLDriver } = await import('@consortia/amdb')
  const url = new URL(mysqlUrl)
  url.pathname = '/mysql'
  try {
    const admin = await createMySQLDriver({ url: url.toString() })
    try {
      const [rows] = (await admin.pool.query(`SHOW DATABASES LIKE '${prefix}%'`)) as unknown as [
        Record<string, string>[],
      ]
      for (const r of rows) {
        const name = Object.values(r)[0]
        if (name?.startsWith(prefix)) await admin.pool.query(`DROP DATABASE \`${name}\``)
      }
    } finally {
      await admin.close()
    }
  } catch {
    // Best effort: a database left behind is named bench<pid>_… and can be dropped by hand.
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
