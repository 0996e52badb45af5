/**
 * The end-to-end bench on one running chain: create DagTransfer accounts, then for each
 * offered load run load-generator threads that send pre-signed `userTransfer` transactions
 * at that rate; follow the blocks on node 0 to time every transaction from submit to commit;
 * read CPU per node; check a sample of receipts.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { bytesToHex } from '@consortia/crypto'
import { profileName, type RunningChain, sleep } from './chain.js'
import type { LoadWorkerInit, LoadWorkerMessage } from './load-worker.js'
import { rpcCall } from './rpc.js'
import { type BlockSample, type LatencySummary, peakWindowTPS, summarizeLatencies } from './stats.js'
import { type DagCall, suiteOf, transferCalls, userNames } from './txgen.js'

/** Most blocks the follower keeps (older ones are dropped; a level uses only its own). */
export const FOLLOWED_BLOCKS_MAX = 100_000

/** Most receipts checked per level. */
export const RECEIPT_SAMPLE_MAX = 20

/** Window of the peak-TPS figure. */
export const PEAK_WINDOW_MS = 2_000

/** How an end-to-end run is shaped. */
export interface E2EOptions {
  /** Offered loads (transactions per second), in order. */
  readonly loadsTPS: readonly number[]
  /** Seconds of sending per load. */
  readonly durationS: number
  /** Load generator threads. */
  readonly workers: number
  /** DagTransfer accounts created before the loads. */
  readonly users: number
  /** Longest wait after sending for the last transactions to commit. */
  readonly drainTimeoutMs: number
  /** Stop the sweep once a load commits less than this share of what it offered. */
  readonly stopBelowShare: number
  /** Called with progress notes. */
  readonly onNote?: (text: string) => void
  /** Called after each load level. */
  readonly onLevel?: (level: LevelResult) => void
}

/** The figures of one offered load. */
export interface LevelResult {
  readonly profile: string
  readonly offeredTPS: number
  /** Rate the generators actually sent at (below offered when the machine could not keep up). */
  readonly sentTPS: number
  readonly sent: number
  readonly accepted: number
  readonly refused: number
  readonly transportErrors: number
  readonly refusalSamples: readonly string[]
  readonly committed: number
  /** Committed transactions / (last commit block timestamp − first submit). */
  readonly committedTPS: number
  /** Best `PEAK_WINDOW_MS` window over the level's blocks (block timestamps). */
  readonly peakTPS: number
  readonly blocks: number
  readonly latency: LatencySummary
  /** CPU use of each node over the level, in % of one core. */
  readonly cpuPercentPerNode: readonly (number | undefined)[]
  readonly receiptsChecked: number
  readonly receiptsFailed: number
  readonly signMs: number
}

/** A block as the follower saw it. */
interface FollowedBlock extends BlockSample {
  readonly hashes: readonly string[]
  readonly observedMs: number
}

/** Follows node 0's blocks: number, timestamp, transaction hashes and when each was seen. */
function followBlocks(chain: RunningChain, from: number) {
  const url = chain.nodes[0]!.rpcUrl
  const blocks: FollowedBlock[] = []
  const commitMs = new Map<string, number>()
  let next = from + 1
  let stopped = false
  let failure: Error | undefined
  const loop = (async () => {
    while (!stopped) {
      try {
        const head = Number(await rpcCall<string>(url, 'getBlockNumber', [chain.groupId]))
        while (next <= head && !stopped) {
          const b = await rpcCall<{ timestamp: string; transactions: (string | { hash: string })[] }>(
            url,
            'getBlockByNumber',
            [chain.groupId, `0x${next.toString(16)}`, false],
          )
          const observedMs = Date.now()
          const hashes = b.transactions.map((t) => (typeof t === 'string' ? t : t.hash).toLowerCase())
          for (const h of hashes) commitMs.set(h, observedMs)
          blocks.push({
            number: next,
            timestampMs: Number(b.timestamp),
            txCount: hashes.length,
            hashes,
            observedMs,
          })
          if (blocks.length > FOLLOWED_BLOCKS_MAX) blocks.shift()
          next++
        }
      } catch (err) {
        failure = err as Error
      }
      await sleep(50)
    }
  })()
  return {
    blocks,
    commitMs,
    lastError: () => failure,
    async stop() {
      stopped = true
      await loop
    },
  }
}

/**
 * Starts a worker thread on a TypeScript module: the thread first registers tsx's loader (the
 * main thread's `--import tsx` hooks do not reach worker threads), then imports the module.
 */
export function startTSWorker(module: URL, workerData: unknown): Worker {
  const api = import.meta.resolve('tsx/esm/api')
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(module.href)}) })`
  return new Worker(code, { eval: true, workerData })
}

/** Runs `calls` split over `workers` threads at `rateTPS` in total; resolves with every thread's report. */
async function runWorkers(
  chain: RunningChain,
  calls: readonly DagCall[],
  rateTPS: number,
  workers: number,
  nonceBase: bigint,
  keys: readonly string[],
): Promise<{ reports: Extract<LoadWorkerMessage, { type: 'done' }>[]; signMs: number }> {
  const head = Number(await rpcCall<string>(chain.nodes[0]!.rpcUrl, 'getBlockNumber', [chain.groupId]))
  const urls = chain.nodes.map((n) => n.rpcUrl)
  const shares: DagCall[][] = Array.from({ length: workers }, () => [])
  for (const [i, c] of calls.entries()) shares[i % workers]!.push(c)
  const threads = shares.map((share, w) => {
    const init: LoadWorkerInit = {
      suite: chain.profile.suite,
      privateKeyHex: keys[w % keys.length]!,
      chainId: chain.chainId,
      groupId: chain.groupId,
      blockNumber: head,
      nonceBase: nonceBase + BigInt(w) * 10_000_000n,
      calls: share,
      // Each thread starts its node list at another node, so the nodes get equal shares.
      urls: [...urls.slice(w % urls.length), ...urls.slice(0, w % urls.length)],
      rateTPS: rateTPS / workers,
      batchMax: 50,
      inFlightMax: 8,
    }
    return startTSWorker(new URL('./load-worker.ts', import.meta.url), init)
  })
  const errors: Error[] = []
  const signed = threads.map(
    (t) =>
      new Promise<number>((resolve, reject) => {
        t.once('error', (e) => {
          errors.push(e)
          reject(e)
        })
        t.once('message', (m: LoadWorkerMessage) => resolve(m.type === 'signed' ? m.signMs : 0))
      }),
  )
  let signMs = 0
  try {
    signMs = Math.max(...(await Promise.all(signed)))
  } catch (err) {
    await Promise.all(threads.map((t) => t.terminate()))
    throw err
  }
  const done = threads.map(
    (t) =>
      new Promise<Extract<LoadWorkerMessage, { type: 'done' }>>((resolve, reject) => {
        t.once('error', reject)
        t.once('message', (m: LoadWorkerMessage) => {
          if (m.type === 'done') resolve(m)
        })
      }),
  )
  const startAtMs = Date.now() + 200
  for (const t of threads) t.postMessage({ type: 'go', startAtMs })
  try {
    return { reports: await Promise.all(done), signMs }
  } finally {
    await Promise.all(threads.map((t) => t.terminate()))
  }
}

/** Waits until every hash in `hashes` is committed, the follower stalls for `timeoutMs`, or a node dies. */
async function drain(
  chain: RunningChain,
  follower: ReturnType<typeof followBlocks>,
  hashes: readonly string[],
  timeoutMs: number,
): Promise<void> {
  let lastProgress = Date.now()
  let lastCount = -1
  for (;;) {
    chain.checkAlive()
    let count = 0
    for (const h of hashes) if (follower.commitMs.has(h)) count++
    if (count === hashes.length) return
    if (count !== lastCount) {
      lastCount = count
      lastProgress = Date.now()
    } else if (Date.now() - lastProgress > timeoutMs) return
    await sleep(100)
  }
}

/** Checks up to RECEIPT_SAMPLE_MAX receipts: status 0 and DagTransfer code 0 in the output. */
async function checkReceipts(
  chain: RunningChain,
  hashes: readonly string[],
): Promise<{ checked: number; failed: number }> {
  const step = Math.max(1, Math.floor(hashes.length / RECEIPT_SAMPLE_MAX))
  let checked = 0
  let failed = 0
  for (let i = 0; i < hashes.length && checked < RECEIPT_SAMPLE_MAX; i += step) {
    const r = await rpcCall<{ status: string; output: string } | null>(
      chain.nodes[0]!.rpcUrl,
      'getTransactionReceipt',
      [chain.groupId, hashes[i]],
    )
    checked++
    if (r === null || Number(r.status) !== 0 || BigInt(r.output === '0x' ? 1 : r.output) !== 0n) failed++
  }
  return { checked, failed }
}

/** Runs the end-to-end bench on `chain`: account setup, then one level per offered load. */
export async function runE2E(chain: RunningChain, options: E2EOptions): Promise<LevelResult[]> {
  const name = profileName(chain.profile)
  const suite = suiteOf(chain.profile.suite)
  const workers = Math.max(1, Math.min(options.workers, availableParallelism() * 4))
  const keys = Array.from({ length: workers }, () => bytesToHex(suite.randomPrivateKey()))
  const head0 = Number(await rpcCall<string>(chain.nodes[0]!.rpcUrl, 'getBlockNumber', [chain.groupId]))
  const follower = followBlocks(chain, head0)
  const runTag = Date.now().toString(36)
  const users = userNames(runTag, options.users)
  let nonce = BigInt(Date.now()) * 1_000_000n
  const results: LevelResult[] = []
  try {
    // Accounts first, at a modest rate, and wait for all of them.
    options.onNote?.(`${name}: creating ${users.length} accounts`)
    const setup = await runWorkers(
      chain,
      users.map((user) => ({ kind: 'add', user, balance: 10n ** 30n })),
      Math.max(200, users.length / 5),
      Math.min(workers, 2),
      nonce,
      keys,
    )
    nonce += 1_000_000_000n
    const setupHashes = setup.reports.flatMap((r) => r.hashes)
    if (setupHashes.length === 0)
      throw new Error(
        `${name}: every account transaction was refused: ${setup.reports.flatMap((r) => r.refusals).join('; ')}`,
      )
    await drain(chain, follower, setupHashes, options.drainTimeoutMs)
    const setupCommitted = setupHashes.filter((h) => follower.commitMs.has(h)).length
    if (setupCommitted < setupHashes.length)
      throw new Error(
        `${name}: only ${setupCommitted} of ${setupHashes.length} account transactions committed`,
      )
    const setupCheck = await checkReceipts(chain, setupHashes)
    if (setupCheck.failed > 0)
      throw new Error(`${name}: ${setupCheck.failed} of ${setupCheck.checked} account receipts failed`)

    for (const [k, offered] of options.loadsTPS.entries()) {
      const count = Math.max(1, Math.round(offered * options.durationS))
      options.onNote?.(`${name}: ${offered} tx/s offered (${count} txs, signing)`)
      const calls = transferCalls(users, count, k + 1)
      const cpu0 = chain.cpuSeconds()
      const t0 = Date.now()
      const { reports, signMs } = await runWorkers(chain, calls, offered, workers, nonce, keys)
      nonce += 1_000_000_000n
      const hashes = reports.flatMap((r) => r.hashes)
      const submitMs = reports.flatMap((r) => r.submitMs)
      options.onNote?.(`${name}: ${offered} tx/s offered, waiting for commits`)
      await drain(chain, follower, hashes, options.drainTimeoutMs)
      const cpu1 = chain.cpuSeconds()
      const wallS = (Date.now() - t0) / 1000
      const latencies: number[] = []
      const levelBlocks = new Set<number>()
      let lastCommitBlockMs = 0
      const blockOf = new Map<string, FollowedBlock>()
      for (const b of follower.blocks) for (const h of b.hashes) blockOf.set(h, b)
      hashes.forEach((h, i) => {
        const at = follower.commitMs.get(h)
        if (at === undefined) return
        latencies.push(at - (submitMs[i] as number))
        const b = blockOf.get(h)
        if (b !== undefined) {
          levelBlocks.add(b.number)
          lastCommitBlockMs = Math.max(lastCommitBlockMs, b.timestampMs)
        }
      })
      const firstSend = Math.min(...reports.map((r) => r.firstSendMs).filter((t) => t > 0))
      const lastSend = Math.max(...reports.map((r) => r.lastSendMs))
      const committed = latencies.length
      const blocks = follower.blocks.filter((b) => levelBlocks.has(b.number))
      const check = await checkReceipts(
        chain,
        hashes.filter((h) => follower.commitMs.has(h)),
      )
      const sent = calls.length
      const level: LevelResult = {
        profile: name,
        offeredTPS: offered,
        sentTPS: lastSend > firstSend ? (sent / (lastSend - firstSend)) * 1000 : sent,
        sent,
        accepted: hashes.length,
        refused: reports.reduce((a, r) => a + r.refused, 0),
        transportErrors: reports.reduce((a, r) => a + r.transportErrors, 0),
        refusalSamples: reports.flatMap((r) => r.refusals).slice(0, 5),
        committed,
        committedTPS:
          committed > 0 && lastCommitBlockMs > firstSend
            ? (committed / (lastCommitBlockMs - firstSend)) * 1000
            : 0,
        peakTPS: peakWindowTPS(blocks, PEAK_WINDOW_MS),
        blocks: blocks.length,
        latency: summarizeLatencies(latencies),
        cpuPercentPerNode: cpu1.map((c, i) => {
          const c0 = cpu0[i]
          return c === undefined || c0 === undefined ? undefined : ((c - c0) / wallS) * 100
        }),
        receiptsChecked: check.checked,
        receiptsFailed: check.failed,
        signMs,
      }
      results.push(level)
      options.onLevel?.(level)
      if (committed < offered * options.durationS * options.stopBelowShare) break
    }
  } finally {
    await follower.stop()
  }
  return results
}
