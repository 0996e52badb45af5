/**
 * Helpers of the kill -9 under load test (issue 17 item 1): a JSON-RPC load generator that
 * records the receipts its client received (the acknowledgements), a pause switch so the chain
 * can be brought to rest for a state check, and the agreement checks run after each restart and
 * at the end: blocks, state, indexes (transaction by hash, receipts) and every acknowledged
 * transaction on chain exactly once, in the block its receipt named.
 */
import { decodeFunctionResult, encodeFunctionData } from 'viem'
import { createRpcClient, type RpcClient, signRawTransaction } from '../src/client.js'
import { DemoTokenAbi } from '../src/contracts/compiled.js'
import { addViolation, type FaultReport } from '../src/faults/report.js'
import { heights, waitHeights } from './faults-helpers.js'
import type { Account } from './helpers/workload.js'

/** Most transactions sent but not yet acknowledged; the generator waits while this many are open. */
export const ACK_PENDING_MAX = 64

/** Acknowledged transactions the final check looks up at once. */
export const CHECK_PARALLEL_MAX = 8

/** How long one JSON-RPC call of the generator may take (a killed node never answers). */
export const ACK_RPC_TIMEOUT_MS = 2_000

/** How long the generator polls for a receipt before giving the transaction up (default; not acknowledged). */
export const ACK_WAIT_MS = 60_000

/** A receipt the client received: what it said about where the transaction is. */
export interface Acknowledgement {
  readonly hash: string
  /** The node the transaction was sent to (and whose receipt the client read). */
  readonly node: number
  readonly blockNumber: number
  readonly blockHash: string
}

/** A load generator whose client waits for receipts. */
export interface AckLoad {
  /** Receipts received, in arrival order. */
  readonly acknowledged: readonly Acknowledgement[]
  /** Hashes the nodes answered to sendRawTransaction. */
  readonly sent: number
  /** Transactions being sent or waiting for their receipt (at most `ACK_PENDING_MAX`). */
  readonly pending: number
  /** Stops sending new transactions (receipts of those sent are still polled). */
  pause(): void
  resume(): void
  /** Stops sending and waits for every open transaction (receipt or give-up). */
  stop(): Promise<void>
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Sends one DemoToken transfer of 1 every `intervalMs`, round-robin over `rpcUrls`, then polls the
 * receiving node for the receipt; a receipt received is an acknowledgement. Failed submissions
 * (a killed node) count in `report.txRejected`.
 */
export function startAckLoad(
  rpcUrls: readonly string[],
  account: Account,
  token: string,
  intervalMs: number,
  report: FaultReport,
  ackWaitMs = ACK_WAIT_MS,
): AckLoad {
  const clients = rpcUrls.map((u) => createRpcClient(u, ACK_RPC_TIMEOUT_MS))
  const acknowledged: Acknowledgement[] = []
  const open = new Set<Promise<void>>()
  let k = 0
  let sent = 0
  let paused = false
  let stopped = false
  const one = async (i: number) => {
    const node = i % clients.length
    const rpc = clients[node]!
    let hash: string
    try {
      const blockNumber = Number(await rpc.call<string>('getBlockNumber', [1]))
      const to = `0x${(0x10000 + i).toString(16).padStart(40, '0')}` as `0x${string}`
      const data = encodeFunctionData({ abi: DemoTokenAbi, functionName: 'transfer', args: [to, 1n] })
      const raw = signRawTransaction({ ...account, chainId: 1, groupId: 1, blockNumber }, token, data)
      hash = await rpc.call<string>('sendRawTransaction', [1, raw])
    } catch {
      report.txRejected++
      return
    }
    sent++
    report.txSent++
    const deadline = Date.now() + ackWaitMs
    while (Date.now() < deadline) {
      try {
        const r = await rpc.call<{ blockNumber: string; blockHash: string } | null>('getTransactionReceipt', [
          1,
          hash,
        ])
        if (r !== null) {
          acknowledged.push({ hash, node, blockNumber: Number(r.blockNumber), blockHash: r.blockHash })
          return
        }
      } catch {
        // The node is down (killed): the client keeps asking until it is back.
      }
      await sleep(150)
    }
  }
  const timer = setInterval(() => {
    if (stopped || paused || open.size >= ACK_PENDING_MAX) return
    const p = one(k++).finally(() => open.delete(p))
    open.add(p)
  }, intervalMs)
  return {
    acknowledged,
    get sent() {
      return sent
    },
    get pending() {
      return open.size
    },
    pause() {
      paused = true
    },
    resume() {
      paused = false
    },
    async stop() {
      stopped = true
      clearInterval(timer)
      while (open.size > 0) await Promise.all([...open])
    },
  }
}

/** Waits until no node has pending transactions and every node is at the same height. */
export async function waitQuiet(rpcs: readonly RpcClient[], timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const pending = await Promise.all(rpcs.map((r) => r.call<string>('getPendingTxSize', [1])))
      const h = await heights(rpcs)
      if (pending.every((p) => Number(p) === 0) && new Set(h).size === 1 && h[0]! >= 0) return h[0]!
    } catch {
      // a node restarting: ask again
    }
    await sleep(200)
  }
  return undefined
}

/** `balanceOf(holder)` of the DemoToken at `token`, read from the node's state through `call`. */
export async function tokenBalance(rpc: RpcClient, token: string, holder: string): Promise<bigint> {
  const data = encodeFunctionData({
    abi: DemoTokenAbi,
    functionName: 'balanceOf',
    args: [holder as `0x${string}`],
  })
  const r = await rpc.call<{ output: string; status: string }>('call', [
    1,
    { from: holder, to: token, value: '0x0', data },
  ])
  if (r.status !== '0x0') throw new Error(`balanceOf on ${rpc.url}: status ${r.status}`)
  return decodeFunctionResult({
    abi: DemoTokenAbi,
    functionName: 'balanceOf',
    data: r.output as `0x${string}`,
  })
}

/**
 * The state check at rest (every node at `height`, no pending transaction): the token balance of
 * the sender, the total transaction count and the header at `height` (state root, dbHash) are
 * the same on every node.
 */
export async function checkStateAtRest(
  rpcs: readonly RpcClient[],
  token: string,
  holder: string,
  height: number,
  report: FaultReport,
  label: string,
): Promise<bigint | undefined> {
  const balances = await Promise.all(rpcs.map((r) => tokenBalance(r, token, holder)))
  if (new Set(balances).size !== 1)
    addViolation(report, `${label}: token balances differ at height ${height}: ${balances.join(' ')}`)
  const totals = await Promise.all(
    rpcs.map(async (r) => JSON.stringify(await r.call<unknown>('getTotalTransactionCount', [1]))),
  )
  if (new Set(totals).size !== 1)
    addViolation(report, `${label}: total transaction counts differ: ${totals.join(' ')}`)
  const hex = `0x${height.toString(16)}`
  const headers = await Promise.all(
    rpcs.map(async (r) => {
      const b = await r.call<{ hash: string; stateRoot: string; dbHash: string }>('getBlockByNumber', [
        1,
        hex,
        false,
      ])
      return `${b.hash}/${b.stateRoot}/${b.dbHash}`
    }),
  )
  if (new Set(headers).size !== 1)
    addViolation(
      report,
      `${label}: block ${height} header (hash/stateRoot/dbHash) differs: ${headers.join(' ')}`,
    )
  return new Set(balances).size === 1 ? balances[0] : undefined
}

/** Fields of a receipt and of a transaction-by-hash answer that every node must agree on. */
const RECEIPT_FIELDS = [
  'blockHash',
  'blockNumber',
  'transactionIndex',
  'status',
  'gasUsed',
  'output',
  'logs',
  'root',
]
const TX_FIELDS = ['blockHash', 'blockNumber', 'transactionIndex', 'hash', 'from', 'to', 'input', 'nonce']

const pick = (o: Record<string, unknown> | null, fields: readonly string[]): string =>
  o === null ? 'missing' : JSON.stringify(fields.map((f) => o[f]))

/**
 * Compares `node` with `reference` on blocks `from..to` (hashes) and on the indexes of the
 * acknowledged transactions in that range (transaction by hash, receipt). Returns blocks compared.
 */
export async function checkNodeAgainst(
  rpcs: readonly RpcClient[],
  node: number,
  reference: number,
  from: number,
  to: number,
  acknowledged: readonly Acknowledgement[],
  report: FaultReport,
  label: string,
): Promise<number> {
  const a = rpcs[node]!
  const b = rpcs[reference]!
  let compared = 0
  for (let n = from; n <= to; n++) {
    const hex = `0x${n.toString(16)}`
    const [x, y] = await Promise.all([
      a.call<string>('getBlockHashByNumber', [1, hex]),
      b.call<string>('getBlockHashByNumber', [1, hex]),
    ])
    if (x !== y)
      addViolation(report, `${label}: block ${n} on node ${node} is ${x}, on node ${reference} ${y}`)
    compared++
  }
  for (const ack of acknowledged) {
    if (ack.blockNumber < from || ack.blockNumber > to) continue
    for (const [method, fields] of [
      ['getTransactionByHash', TX_FIELDS],
      ['getTransactionReceipt', RECEIPT_FIELDS],
    ] as const) {
      const [x, y] = await Promise.all([
        a.call<Record<string, unknown> | null>(method, [1, ack.hash]),
        b.call<Record<string, unknown> | null>(method, [1, ack.hash]),
      ])
      const px = pick(x, fields)
      if (x === null || px !== pick(y, fields))
        addViolation(
          report,
          `${label}: ${method}(${ack.hash}) on node ${node}: ${px}, on node ${reference}: ${pick(y, fields)}`,
        )
    }
  }
  return compared
}

/**
 * The final check: every node has the same hash for every block 0..common height; every
 * acknowledged transaction is on chain exactly once, in the block its receipt named, and every
 * node locates it there. Returns the transactions on chain (block scan of node 0).
 */
export async function checkAcknowledged(
  rpcs: readonly RpcClient[],
  acknowledged: readonly Acknowledgement[],
  report: FaultReport,
): Promise<number> {
  const common = Math.min(...(await heights(rpcs)))
  if (common < 0) {
    addViolation(report, 'a node does not answer after the kills')
    return 0
  }
  const occurrences = new Map<string, number[]>()
  let onChain = 0
  const blockHash: string[] = []
  for (let n = 0; n <= common; n++) {
    const hex = `0x${n.toString(16)}`
    const hashes = await Promise.all(rpcs.map((r) => r.call<string>('getBlockHashByNumber', [1, hex])))
    if (new Set(hashes).size !== 1) addViolation(report, `block ${n}: nodes disagree (${hashes.join(' ')})`)
    blockHash.push(hashes[0]!)
    const block = await rpcs[0]!.call<{ transactions: string[] }>('getBlockByNumber', [1, hex, false])
    for (const h of block.transactions) occurrences.set(h, [...(occurrences.get(h) ?? []), n])
    onChain += block.transactions.length
    report.blocksChecked++
  }
  report.txAcknowledged += acknowledged.length
  const checkOne = async (ack: Acknowledgement) => {
    const at = occurrences.get(ack.hash) ?? []
    if (at.length !== 1) {
      addViolation(
        report,
        `acknowledged ${ack.hash} (block ${ack.blockNumber}) is on chain ${at.length} times`,
      )
      return
    }
    if (at[0] !== ack.blockNumber || blockHash[ack.blockNumber] !== ack.blockHash) {
      addViolation(
        report,
        `acknowledged ${ack.hash}: receipt said block ${ack.blockNumber} ${ack.blockHash}, chain has it in block ${at[0]} ${blockHash[at[0]!]}`,
      )
      return
    }
    const located = await Promise.all(
      rpcs.map((r) => r.call<{ blockNumber: string } | null>('getTransactionReceipt', [1, ack.hash])),
    )
    if (located.some((l) => l === null || Number(l.blockNumber) !== ack.blockNumber))
      addViolation(
        report,
        `acknowledged ${ack.hash}: receipts ${located.map((l) => l?.blockNumber ?? 'missing').join(' ')}`,
      )
    else report.txFoundOnChain++
  }
  for (let i = 0; i < acknowledged.length; i += CHECK_PARALLEL_MAX)
    await Promise.all(acknowledged.slice(i, i + CHECK_PARALLEL_MAX).map(checkOne))
  return onChain
}

/** Waits until `node` is at least at the height the others had when it came back; false after the bound. */
export async function waitCaughtUp(
  rpcs: readonly RpcClient[],
  node: number,
  timeoutMs: number,
): Promise<boolean> {
  const target = Math.max(...(await heights(rpcs)).filter((_, k) => k !== node))
  return waitHeights(rpcs, (h) => (h[node] ?? -1) >= target, timeoutMs)
}
