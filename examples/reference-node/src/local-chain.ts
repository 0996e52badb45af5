/**
 * A local chain of node processes, for end-to-end tests and sample applications: build-chain
 * into a temp dir, one `consortia start` process per node (through tsx from source),
 * JSON-RPC clients, kill and restart.
 *
 * @example
 * ```ts
 * import { startTestChain } from '@consortia/reference-node'
 *
 * const chain = await startTestChain(['-l', '127.0.0.1:4'], 4, 23_000) // seed: picks free ports
 * console.log(await chain.nodes[0]!.rpc.call('getBlockNumber', [1]))
 * await chain.close() // SIGTERM to every node, temp dir removed
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BuiltChain, buildChain } from './build-chain/generate.js'
import { parseBuildChainArgs } from './build-chain/options.js'
import { createRpcClient, type RpcClient } from './client.js'
import { nodeError } from './errors.js'
import { NODE_ARGS } from './paths.js'

/** Whether `port` can be bound on 127.0.0.1 and 0.0.0.0 right now. */
async function portFree(port: number): Promise<boolean> {
  for (const host of ['0.0.0.0']) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer()
      s.once('error', () => resolve(false))
      s.listen(port, host, () => s.close(() => resolve(true)))
    })
    if (!ok) return false
  }
  return true
}

/**
 * Picks start ports (p2p, channel, rpc, eth, metrics) with `count` consecutive free ports each,
 * all below 32768 (Linux's ephemeral range); `seed` separates concurrent users.
 */
export async function freePorts(count: number, seed: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768+), so outgoing connections of other tests cannot take them.
    const base = 20_000 + ((seed * 997 + attempt * 1_531 + process.pid * 13) % 12_000)
    const starts = [0, 1, 2, 3, 4].map((k) => base + k * 100)
    let ok = true
    for (const s of starts) {
      for (let i = 0; i < count && ok; i++) ok = await portFree(s + i)
    }
    if (ok) return starts
  }
  throw nodeError(
    { code: 'NODE_STARTUP', step: 'ports', reason: 'no free port range found' },
    'no free port range found',
  )
}

/** How long a node process may take to answer JSON-RPC (tsx compiles the sources on a loaded machine). */
export const NODE_START_TIMEOUT_MS = 180_000

/** One node process of a `TestChain`. */
export interface NodeProc {
  /** Position in build-chain's node list. */
  readonly index: number
  /** The node directory (`config.json`, keys, data, log). */
  readonly dir: string
  /** JSON-RPC client of the node's RPC port. */
  readonly rpc: RpcClient
  /** The running process, undefined while stopped. */
  proc: ChildProcess | undefined
  /** Resolves to the exit code once the current process exits. */
  exited: Promise<number | null> | undefined
}

/** A running local chain (`startTestChain`). */
export interface TestChain {
  /** What build-chain wrote (nodes, ports, certificates). */
  readonly chain: BuiltChain
  /** Temp directory holding the chain; removed by `close`. */
  readonly root: string
  /** The node processes, by index. */
  readonly nodes: NodeProc[]
  /** Starts node `index` again (same data directory) and waits until it answers JSON-RPC. */
  start(index: number): Promise<void>
  /** Sends `signal` and waits for the process to exit; resolves to its exit code. */
  stop(index: number, signal?: NodeJS.Signals): Promise<number | null>
  /** Last lines of a node's log file. */
  logTail(index: number, lines?: number): string
  /** Stops every node (SIGTERM) and removes the temp directory. */
  close(): Promise<void>
}

/** Polls `fn` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline)
      throw nodeError(
        { code: 'NODE_STARTUP', step: what, reason: 'timed out' },
        `timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      )
    await new Promise((r) => setTimeout(r, 150))
  }
}

/**
 * Waits until every node of `chain` has the blocks of group `groupId` that the highest one had
 * when called, so a read on one node sees what was written through another.
 */
export async function waitInSync(chain: TestChain, groupId = 1, timeoutMs = 30_000): Promise<void> {
  const heights = async () =>
    Promise.all(chain.nodes.map(async (n) => Number(await n.rpc.call<string>('getBlockNumber', [groupId]))))
  const target = Math.max(...(await heights()))
  await until(
    'nodes in sync',
    async () => ((await heights()).every((h) => h >= target) ? true : undefined),
    timeoutMs,
  )
}

/** Builds a chain with `args` (plus -o and -p chosen here) and starts every node process. */
export async function startTestChain(
  args: readonly string[],
  nodeCount: number,
  seed: number,
): Promise<TestChain> {
  const root = mkdtempSync(join(tmpdir(), 'consortia-e2e-'))
  const ports = await freePorts(nodeCount, seed)
  const options = parseBuildChainArgs([
    ...args,
    '-o',
    join(root, 'nodes'),
    '-p',
    ports.join(','),
    '--tick-ms',
    '50',
  ])
  if (options === 'help') {
    throw nodeError(
      { code: 'NODE_INVALID_ARGUMENT', option: 'args', expected: 'build-chain options', got: 'help' },
      'args: expected build-chain options, got help',
    )
  }
  const chain = buildChain(options)
  const nodes: NodeProc[] = chain.nodes.map((n) => ({
    index: n.index,
    dir: n.dir,
    rpc: createRpcClient(`http://127.0.0.1:${n.ports.rpc}`),
    proc: undefined,
    exited: undefined,
  }))
  const start = async (index: number) => {
    const n = nodes[index]!
    const proc = spawn(process.execPath, [...NODE_ARGS, 'start', n.dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    proc.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000)
    })
    n.proc = proc
    // If the test process dies, its nodes die with it.
    const reap = () => proc.kill('SIGKILL')
    process.once('exit', reap)
    proc.once('exit', () => process.off('exit', reap))
    n.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)))
    let dead = false
    void n.exited.then(() => {
      dead = true
    })
    await until(
      `node ${index} RPC`,
      async () => {
        if (dead) {
          throw nodeError(
            { code: 'NODE_STARTUP', step: `node ${index}`, reason: 'exited' },
            `node ${index} exited: ${stderr}`,
          )
        }
        return n.rpc.call<string>('getBlockNumber', [1])
      },
      NODE_START_TIMEOUT_MS,
    )
  }
  const stop = async (index: number, signal: NodeJS.Signals = 'SIGTERM') => {
    const n = nodes[index]!
    if (n.proc === undefined) return null
    n.proc.kill(signal)
    const code = await n.exited!
    n.proc = undefined
    return code
  }
  try {
    await Promise.all(nodes.map((n) => start(n.index)))
  } catch (err) {
    // Leave no process behind when the chain does not come up.
    for (const n of nodes) n.proc?.kill('SIGKILL')
    rmSync(root, { recursive: true, force: true })
    throw err
  }
  return {
    chain,
    root,
    nodes,
    start,
    stop,
    logTail(index, lines = 30) {
      try {
        return readFileSync(join(nodes[index]!.dir, 'log', 'node.log'), 'utf8')
          .split('\n')
          .slice(-lines)
          .join('\n')
      } catch {
        return '(no log)'
      }
    },
    async close() {
      await Promise.all(nodes.map((n) => stop(n.index, 'SIGTERM').catch(() => null)))
      rmSync(root, { recursive: true, force: true })
    },
  }
}
