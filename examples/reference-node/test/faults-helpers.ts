/**
 * Helpers of the multi-process fault test: a TCP-proxy partition rig for one node, a steady
 * load generator over JSON-RPC, a `FaultTarget` over the e2e test chain, and the after-fault
 * checks (agreement on every block, every acknowledged transaction on chain exactly once,
 * progress within a bound) that record violations in a `FaultReport`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { encodeFunctionData } from 'viem'
import { createRpcClient, type RpcClient, signRawTransaction } from '../src/client.js'
import { DemoTokenAbi } from '../src/contracts/compiled.js'
import type { FaultTarget } from '../src/faults/controller.js'
import { createTCPProxy, type TCPProxy } from '../src/faults/proxy.js'
import { addViolation, type FaultReport } from '../src/faults/report.js'
import type { TestChain } from './helpers/cluster.js'
import type { Account } from './helpers/workload.js'

/** A port the OS hands out as free on 0.0.0.0 right now. */
async function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '0.0.0.0', () => {
      const a = s.address()
      const port = typeof a === 'object' && a !== null ? a.port : 0
      s.close(() => resolve(port))
    })
  })
}

/** The proxies that can cut one node off the others. */
export interface PartitionRig {
  readonly node: number
  readonly proxies: readonly TCPProxy[]
  cut(): void
  heal(): void
  close(): Promise<void>
}

/**
 * Puts `node` behind proxies: the node is stopped, its p2p listener moves to a fresh port with a
 * proxy on the old one (so the other nodes' configs stay as build-chain wrote them), and its
 * `peers` are rewritten to one proxy per peer; then it is started again.
 */
export async function putBehindProxies(chain: TestChain, node: number): Promise<PartitionRig> {
  const built = chain.chain.nodes[node]!
  await chain.stop(node, 'SIGKILL')
  const path = join(built.dir, 'config.json')
  const config = JSON.parse(readFileSync(path, 'utf8')) as { p2p: { listenPort: number; peers: string[] } }
  const oldPort = config.p2p.listenPort
  const newPort = await anyFreePort()
  const proxies: TCPProxy[] = [await createTCPProxy(oldPort, newPort)]
  const peers: string[] = []
  for (const peer of config.p2p.peers) {
    const port = Number(peer.split(':')[1])
    const proxy = await createTCPProxy(0, port)
    proxies.push(proxy)
    peers.push(`127.0.0.1:${proxy.port}`)
  }
  config.p2p.listenPort = newPort
  config.p2p.peers = peers
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`)
  await chain.start(node)
  return {
    node,
    proxies,
    cut: () => {
      for (const p of proxies) p.cut()
    },
    heal: () => {
      for (const p of proxies) p.heal()
    },
    close: async () => {
      await Promise.all(proxies.map((p) => p.close()))
    },
  }
}

/** Most submissions the load generator has in flight at once. */
export const LOAD_IN_FLIGHT_MAX = 8

/** How long one submission may take (a paused node never answers). */
export const LOAD_RPC_TIMEOUT_MS = 3_000

/** A sent transaction: its hash and the node that accepted it. */
export interface SentTx {
  readonly hash: string
  readonly node: number
}

/** A load generator sending token transfers at a steady rate, round-robin over every node. */
export interface LoadGenerator {
  readonly sent: readonly SentTx[]
  stop(): Promise<void>
}

/** Starts sending one transfer of `token` every `intervalMs`, round-robin over the chain's nodes. */
export function startLoad(
  chain: TestChain,
  account: Account,
  token: string,
  intervalMs: number,
  report: FaultReport,
): LoadGenerator {
  const clients = chain.chain.nodes.map((n) =>
    createRpcClient(`http://127.0.0.1:${n.ports.rpc}`, LOAD_RPC_TIMEOUT_MS),
  )
  const sent: SentTx[] = []
  const inFlight = new Set<Promise<void>>()
  let i = 0
  let stopped = false
  const sendOne = async (k: number) => {
    const node = k % clients.length
    const rpc = clients[node]!
    try {
      const blockNumber = Number(await rpc.call<string>('getBlockNumber', [1]))
      const to = `0x${(10_000 + k).toString(16).padStart(40, '0')}` as `0x${string}`
      const data = encodeFunctionData({ abi: DemoTokenAbi, functionName: 'transfer', args: [to, 1n] })
      const raw = signRawTransaction({ ...account, chainId: 1, groupId: 1, blockNumber }, token, data)
      const hash = await rpc.call<string>('sendRawTransaction', [1, raw])
      sent.push({ hash, node })
      report.txSent++
    } catch {
      report.txRejected++
    }
  }
  const timer = setInterval(() => {
    if (stopped || inFlight.size >= LOAD_IN_FLIGHT_MAX) return
    const p = sendOne(i++).finally(() => inFlight.delete(p))
    inFlight.add(p)
  }, intervalMs)
  return {
    sent,
    async stop() {
      stopped = true
      clearInterval(timer)
      await Promise.all([...inFlight])
    },
  }
}

/** Height of every node (-1 for one that does not answer). */
export async function heights(rpcs: readonly RpcClient[]): Promise<number[]> {
  return Promise.all(
    rpcs.map(async (r) => {
      try {
        return Number(await r.call<string>('getBlockNumber', [1]))
      } catch {
        return -1
      }
    }),
  )
}

/** Waits until `pred(heights)` holds; false after `timeoutMs`. */
export async function waitHeights(
  rpcs: readonly RpcClient[],
  pred: (h: number[]) => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (pred(await heights(rpcs))) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}

/** Bound on a healed node catching up with the others. */
export const CATCH_UP_TIMEOUT_MS = 60_000

/** Heights of the partitioned node and of the highest other node, when cut and when healed. */
export interface PartitionRecord {
  readonly node: number
  readonly nodeAtCut: number
  readonly othersAtCut: number
  nodeAtHeal: number
  othersAtHeal: number
}

/** The fault target, plus what its partitions did (to check that a cut really isolates the node). */
export interface ChainFaultTarget extends FaultTarget {
  readonly partitions: readonly PartitionRecord[]
}

/** A `FaultTarget` over the e2e test chain, with `rig` for partitions. */
export function chainFaultTarget(chain: TestChain, rig: PartitionRig, report: FaultReport): ChainFaultTarget {
  const rpcs = chain.nodes.map((n) => n.rpc)
  const paused = new Set<number>()
  const partitions: PartitionRecord[] = []
  const split = async (node: number) => {
    const h = await heights(rpcs)
    return { own: h[node] ?? -1, others: Math.max(...h.filter((_, k) => k !== node)) }
  }
  return {
    partitions,
    async kill(node) {
      await chain.stop(node, 'SIGKILL')
    },
    async restart(node) {
      await chain.start(node)
    },
    pause(node) {
      chain.nodes[node]!.proc?.kill('SIGSTOP')
      paused.add(node)
    },
    resume(node) {
      chain.nodes[node]!.proc?.kill('SIGCONT')
      paused.delete(node)
    },
    async partition(node) {
      if (node !== rig.node) throw new Error(`node ${node} is not behind the proxies (node ${rig.node} is)`)
      rig.cut()
      const h = await split(node)
      partitions.push({ node, nodeAtCut: h.own, othersAtCut: h.others, nodeAtHeal: -1, othersAtHeal: -1 })
    },
    async heal(node) {
      if (node !== rig.node) return
      const record = partitions.at(-1)!
      // Hold the cut until the others have committed two blocks past the node's height at the
      // cut (or the bound passes), so the record shows whether the cut really isolated it.
      await waitHeights(
        rpcs,
        (hs) => Math.max(...hs.filter((_, k) => k !== node)) > record.nodeAtCut + 1,
        CATCH_UP_TIMEOUT_MS,
      )
      const h = await split(node)
      record.nodeAtHeal = h.own
      record.othersAtHeal = h.others
      rig.heal()
    },
    async caughtUp(node) {
      const others = (await heights(rpcs)).filter((_, k) => k !== node)
      const target = Math.max(...others)
      const ok = await waitHeights(rpcs, (h) => (h[node] ?? -1) >= target, CATCH_UP_TIMEOUT_MS)
      if (!ok)
        addViolation(report, `node ${node} did not reach height ${target} within ${CATCH_UP_TIMEOUT_MS} ms`)
    },
  }
}

/**
 * The after-fault checks. Acknowledged = the client got the receipt from the node it sent the
 * transaction to. Then: every node has the same hash for every block 0..common height, and
 * every acknowledged transaction appears on chain exactly once (block scan) and is found by
 * hash on every node, in the same block.
 */
export async function checkChain(
  rpcs: readonly RpcClient[],
  sent: readonly SentTx[],
  report: FaultReport,
  drainTimeoutMs = 60_000,
): Promise<void> {
  // Let the pools drain (transactions still pending when the load stopped).
  const deadline = Date.now() + drainTimeoutMs
  while (Date.now() < deadline) {
    const pending = await Promise.all(rpcs.map((r) => r.call<string>('getPendingTxSize', [1])))
    if (pending.every((p) => Number(p) === 0)) break
    await new Promise((r) => setTimeout(r, 300))
  }
  const acknowledged: string[] = []
  for (const tx of sent) {
    const receipt = await rpcs[tx.node]!.call<{ status: string } | null>('getTransactionReceipt', [
      1,
      tx.hash,
    ])
    if (receipt !== null) acknowledged.push(tx.hash)
  }
  report.txAcknowledged += acknowledged.length
  const common = Math.min(...(await heights(rpcs)))
  if (common < 0) {
    addViolation(report, 'a node does not answer after the faults stopped')
    return
  }
  const occurrences = new Map<string, number>()
  for (let n = 0; n <= common; n++) {
    const hex = `0x${n.toString(16)}`
    const hashes = await Promise.all(rpcs.map((r) => r.call<string>('getBlockHashByNumber', [1, hex])))
    if (new Set(hashes).size !== 1) addViolation(report, `block ${n}: nodes disagree (${hashes.join(' ')})`)
    const block = await rpcs[0]!.call<{ transactions: string[] }>('getBlockByNumber', [1, hex, false])
    for (const h of block.transactions) occurrences.set(h, (occurrences.get(h) ?? 0) + 1)
    report.blocksChecked++
  }
  for (const hash of acknowledged) {
    const count = occurrences.get(hash) ?? 0
    const located = await Promise.all(
      rpcs.map((r) =>
        r.call<{ blockHash: string; blockNumber: string } | null>('getTransactionByHash', [1, hash]),
      ),
    )
    const where = new Set(located.map((t) => (t === null ? 'missing' : `${t.blockNumber}/${t.blockHash}`)))
    if (count !== 1)
      addViolation(report, `acknowledged ${hash} is on chain ${count} times (blocks 0..${common})`)
    else if (where.size !== 1 || where.has('missing'))
      addViolation(report, `acknowledged ${hash} located differently by the nodes: ${[...where].join(' ')}`)
    else report.txFoundOnChain++
  }
}

/** Bound on the chain committing a new block after the faults stopped. */
export const PROGRESS_TIMEOUT_MS = 60_000

/** Sends one more transfer through every node and expects every node to pass `from` within the bound. */
export async function checkProgress(
  rpcs: readonly RpcClient[],
  account: Account,
  token: string,
  report: FaultReport,
): Promise<void> {
  const from = Math.max(...(await heights(rpcs)))
  for (const rpc of rpcs) {
    const blockNumber = Number(await rpc.call<string>('getBlockNumber', [1]))
    const data = encodeFunctionData({
      abi: DemoTokenAbi,
      functionName: 'transfer',
      args: [`0x${'77'.repeat(20)}`, 1n],
    })
    await rpc.call<string>('sendRawTransaction', [
      1,
      signRawTransaction({ ...account, chainId: 1, groupId: 1, blockNumber }, token, data),
    ])
  }
  const ok = await waitHeights(rpcs, (h) => h.every((x) => x > from), PROGRESS_TIMEOUT_MS)
  if (!ok) addViolation(report, `no progress past height ${from} within ${PROGRESS_TIMEOUT_MS} ms`)
}
