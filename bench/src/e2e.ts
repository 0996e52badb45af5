/**
 * The end-to-end bench on one running chain: set the workload up (accounts, contracts,
 * tables), then for each offered load run load-generator threads that send pre-signed
 * transactions at that rate over JSON-RPC or the channel protocol; follow the blocks on node 0
 * to time every transaction from submit to commit; read CPU per node; check a sample of
 * receipts. The loads come from a plan: a fixed sweep or the saturation search.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { bytesToHex, hexToBytes } from '@consortia/crypto'
import { profileName, type RunningChain, sleep } from './chain.js'
import type { LoadWorkerCommand, LoadWorkerInit, LoadWorkerMessage } from './load-worker.js'
import { rpcBatch, rpcCall } from './rpc.js'
import type { LoadPlan } from './saturation.js'
import { type BlockSample, type LatencySummary, peakWindowTPS, summarizeLatencies } from './stats.js'
import { type DagCall, presign, suiteOf, userNames } from './txgen.js'
import {
  prepareWorkload,
  type ReceiptFields,
  receiptChecks,
  type SetupEnv,
  type WorkloadName,
} from './workloads.js'

/** Most JSON-RPC / channel requests one load-generator thread keeps unanswered. */
export const LOAD_REQUESTS_IN_FLIGHT_MAX = 32

/** How the load generator submits transactions. */
export type SubmitTransport = 'rpc' | 'channel'

/** Most blocks the follower keeps (older ones are dropped; a level uses only its own). */
export const FOLLOWED_BLOCKS_MAX = 100_000

/** Most receipts checked per level. */
export const RECEIPT_SAMPLE_MAX = 20

/** Window of the peak-TPS figure. */
export const PEAK_WINDOW_MS = 2_000

/** How an end-to-end run is shaped. */
export interface E2EOptions {
  /** Which offered loads to run, in order (a sweep or the saturation search). */
  readonly plan: LoadPlan
  /** What the transactions do. */
  readonly workload: WorkloadName
  /** JSON-RPC batches over HTTP, or one channel frame per transaction over TLS. */
  readonly transport: SubmitTransport
  /** No new level starts after this many ms of levels (the search and sweep stay bounded). */
  readonly levelsBudgetMs: number
  /** Seconds of sending per load. */
  readonly durationS: number
  /** Load generator threads. */
  readonly workers: number
  /** DagTransfer accounts created before the loads. */
  readonly users: number
  /** Longest wait after sending for the last transactions to commit. */
  readonly drainTimeoutMs: number
  /** Called with progress notes. */
  readonly onNote?: (text: string) => void
  /** Called after each load level. */
  readonly onLevel?: (level: LevelResult) => void
}

/** The figures of one offered load. */
export interface LevelResult {
  readonly profile: string
  readonly workload: WorkloadName
  readonly transport: SubmitTransport
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
  /**
   * CPU milliseconds all nodes together spent per committed transaction over the level (what
   * a transaction costs the chain, whatever share of the machine the nodes got).
   */
  readonly nodeCpuMsPerTx?: number
  readonly receiptsChecked: number
  readonly receiptsFailed: number
  readonly signMs: number
  /**
   * CPU milliseconds the bench process (load-generator threads, follower, drain; signing
   * included) spent per sent transaction over the level: what the load generator takes from the
   * machine the nodes run on.
   */
  readonly generatorCpuMsPerTx?: number
  /**
   * The level's span on the machine's monotonic clock, in µs (`process.hrtime`: the clock V8
   * CPU profiles of the node processes are stamped with), from the start of sending to the
   * end of the drain: the window `--cpu-prof` summaries cut a node's profile to.
   */
  readonly monotonicUs?: readonly [number, number]
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

/** The load generator threads of one chain run (`startLoadThreads`). */
interface LoadThreads {
  /**
   * Runs `calls` split over the first `threads` threads at `rateTPS` in total (nonces from
   * `nonceBase`); resolves with every thread's report and the longest signing time.
   */
  run(
    calls: readonly DagCall[],
    rateTPS: number,
    threads: number,
    nonceBase: bigint,
  ): Promise<{ reports: Extract<LoadWorkerMessage, { type: 'done' }>[]; signMs: number }>
  close(): Promise<void>
}

/**
 * Starts `count` load generator threads on `chain`, thread w signing with `keys[w]` and
 * starting its node list at node w. They live as long as the chain run: a thread's start
 * (tsx loading the workspace sources) costs seconds of CPU, which must not fall inside a level.
 */
function startLoadThreads(
  chain: RunningChain,
  count: number,
  keys: readonly string[],
  transport: SubmitTransport,
): LoadThreads {
  const urls = chain.nodes.map((n) => n.rpcUrl)
  const threads = Array.from({ length: count }, (_, w) => {
    const init: LoadWorkerInit = {
      suite: chain.profile.suite,
      privateKeyHex: keys[w % keys.length]!,
      chainId: chain.chainId,
      groupId: chain.groupId,
      // Each thread starts its node list at another node, so the nodes get equal shares.
      urls: [...urls.slice(w % urls.length), ...urls.slice(0, w % urls.length)],
      ...(transport === 'channel'
        ? {
            channel: {
              tls: chain.sdkTLS,
              endpoints: [
                ...chain.nodes.slice(w % urls.length),
                ...chain.nodes.slice(0, w % urls.length),
              ].map((n) => ({ host: '127.0.0.1', port: n.channelPort })),
            },
          }
        : {}),
      batchMax: 50,
      // Requests a thread may have unanswered. With 8, a chain near saturation answered slowly
      // enough that threads sent only 624 of 1,350 offered tx/s; 32 let them send 962 (and the
      // chain committed 688 instead of 579 TPS) on the 2-core machine.
      inFlightMax: LOAD_REQUESTS_IN_FLIGHT_MAX,
    }
    const worker = startTSWorker(new URL('./load-worker.ts', import.meta.url), init)
    // Answers come one at a time, in order: each waits for the next message of the thread.
    const waiting: { resolve: (m: LoadWorkerMessage) => void; reject: (e: Error) => void }[] = []
    let failure: Error | undefined
    const fail = (err: Error) => {
      failure ??= err
      for (const w of waiting.splice(0)) w.reject(err)
    }
    worker.on('message', (m: LoadWorkerMessage) => waiting.shift()?.resolve(m))
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`load thread ${w} exited (code ${code})`)))
    const ask = (command: LoadWorkerCommand) =>
      new Promise<LoadWorkerMessage>((resolve, reject) => {
        if (failure !== undefined) return reject(failure)
        waiting.push({ resolve, reject })
        worker.postMessage(command)
      })
    return { worker, ask }
  })
  return {
    async run(calls, rateTPS, use, nonceBase) {
      const n = Math.max(1, Math.min(use, threads.length))
      const head = Number(await rpcCall<string>(chain.nodes[0]!.rpcUrl, 'getBlockNumber', [chain.groupId]))
      const shares: DagCall[][] = Array.from({ length: n }, () => [])
      for (const [i, c] of calls.entries()) shares[i % n]!.push(c)
      const signed = await Promise.all(
        shares.map((share, w) =>
          threads[w]!.ask({
            type: 'level',
            blockNumber: head,
            nonceBase: nonceBase + BigInt(w) * 10_000_000n,
            calls: share,
            rateTPS: rateTPS / n,
          }),
        ),
      )
      const signMs = Math.max(...signed.map((m) => (m.type === 'signed' ? m.signMs : 0)))
      const startAtMs = Date.now() + 200
      const done = await Promise.all(threads.slice(0, n).map((t) => t.ask({ type: 'go', startAtMs })))
      return { reports: done.filter((m) => m.type === 'done'), signMs }
    },
    async close() {
      await Promise.all(
        threads.map(
          ({ worker }) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 5_000)
              worker.once('exit', () => {
                clearTimeout(timer)
                resolve()
              })
              worker.postMessage({ type: 'close' } satisfies LoadWorkerCommand)
            }),
        ),
      )
    },
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

/** Checks up to RECEIPT_SAMPLE_MAX receipts with the workload's check. */
async function checkReceipts(
  chain: RunningChain,
  hashes: readonly string[],
  ok: (r: ReceiptFields) => boolean,
): Promise<{ checked: number; failed: number }> {
  const step = Math.max(1, Math.floor(hashes.length / RECEIPT_SAMPLE_MAX))
  let checked = 0
  let failed = 0
  for (let i = 0; i < hashes.length && checked < RECEIPT_SAMPLE_MAX; i += step) {
    const r = await rpcCall<ReceiptFields | null>(chain.nodes[0]!.rpcUrl, 'getTransactionReceipt', [
      chain.groupId,
      hashes[i],
    ])
    checked++
    if (r === null || !ok(r)) failed++
  }
  return { checked, failed }
}

/** Most transactions `sendAndWait` sends (set-up steps: deployments, registrations, funding). */
export const SEND_AND_WAIT_MAX = 100

/**
 * Signs `calls` with `keyHex`, sends them to node 0 in one batch and polls until every receipt
 * is there (or `timeoutMs` passes); resolves with the receipts in order.
 */
async function sendAndWait(
  chain: RunningChain,
  keyHex: string,
  calls: readonly DagCall[],
  nonceBase: bigint,
  timeoutMs: number,
): Promise<ReceiptFields[]> {
  if (calls.length === 0 || calls.length > SEND_AND_WAIT_MAX)
    throw new RangeError(`sendAndWait: expected 1..${SEND_AND_WAIT_MAX} calls, got ${calls.length}`)
  const suite = suiteOf(chain.profile.suite)
  const url = chain.nodes[0]!.rpcUrl
  const blockNumber = Number(await rpcCall<string>(url, 'getBlockNumber', [chain.groupId]))
  const raws = presign(
    {
      suite,
      privateKey: hexToBytes(keyHex),
      chainId: chain.chainId,
      groupId: chain.groupId,
      blockNumber,
      nonceBase,
    },
    calls,
  )
  const answers = await rpcBatch(
    url,
    raws.map((raw) => ({ method: 'sendRawTransaction', params: [chain.groupId, raw] })),
  )
  const hashes = answers.map((a, i) => {
    if ('error' in a) throw new Error(`sendAndWait: transaction ${i} refused: ${a.error.message}`)
    return String(a.result)
  })
  const receipts: (ReceiptFields | null)[] = hashes.map(() => null)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    chain.checkAlive()
    for (const [i, h] of hashes.entries()) {
      receipts[i] ??= await rpcCall<ReceiptFields | null>(url, 'getTransactionReceipt', [chain.groupId, h])
    }
    if (receipts.every((r) => r !== null)) return receipts as ReceiptFields[]
    if (Date.now() > deadline)
      throw new Error(
        `sendAndWait: ${receipts.filter((r) => r === null).length} of ${hashes.length} set-up transactions not committed within ${timeoutMs} ms`,
      )
    await sleep(200)
  }
}

/** Runs the end-to-end bench on `chain`: account setup, then one level per offered load. */
export async function runE2E(chain: RunningChain, options: E2EOptions): Promise<LevelResult[]> {
  const name = profileName(chain.profile)
  const suite = suiteOf(chain.profile.suite)
  const workers = Math.max(1, Math.min(options.workers, availableParallelism() * 4))
  const keys = Array.from({ length: workers }, () => bytesToHex(suite.randomPrivateKey()))
  const head0 = Number(await rpcCall<string>(chain.nodes[0]!.rpcUrl, 'getBlockNumber', [chain.groupId]))
  const follower = followBlocks(chain, head0)
  const load = startLoadThreads(chain, workers, keys, options.transport)
  const runTag = Date.now().toString(36)
  const users = userNames(runTag, options.users)
  let nonce = BigInt(Date.now()) * 1_000_000n
  const results: LevelResult[] = []
  const check = receiptChecks[options.workload]
  try {
    // Set-up first (contracts, then accounts at a modest rate), waiting for all of it.
    options.onNote?.(`${name}: setting up ${options.workload} (${users.length} accounts)`)
    const env: SetupEnv = {
      suite,
      users,
      threadAddresses: keys.map((k) => `0x${bytesToHex(suite.address(suite.publicKey(hexToBytes(k))))}`),
      sendAndWait: async (calls) => {
        // Nonces are unique chain-wide: every batch of sends takes its own range.
        const base = nonce
        nonce += 1_000_000_000n
        return sendAndWait(chain, keys[0]!, calls, base, options.drainTimeoutMs)
      },
      sendMany: async (calls) => {
        const setup = await load.run(calls, Math.max(200, calls.length / 5), Math.min(workers, 2), nonce)
        nonce += 1_000_000_000n
        // Unanswered batches (a starved node timing out) may still have been admitted: wait for
        // them too, and fail only on refusals or on what did not commit.
        const setupHashes = setup.reports.flatMap((r) => [...r.hashes, ...r.unanswered])
        const refused = setup.reports.reduce((a, r) => a + r.refused, 0)
        if (refused > 0)
          throw new Error(
            `${name}: ${refused} of ${calls.length} set-up transactions refused: ${setup.reports.flatMap((r) => r.refusals).join('; ')}`,
          )
        await drain(chain, follower, setupHashes, options.drainTimeoutMs)
        const setupCommitted = setupHashes.filter((h) => follower.commitMs.has(h)).length
        if (setupCommitted < setupHashes.length)
          throw new Error(
            `${name}: only ${setupCommitted} of ${setupHashes.length} set-up transactions committed`,
          )
        const setupCheck = await checkReceipts(chain, setupHashes, check)
        if (setupCheck.failed > 0)
          throw new Error(`${name}: ${setupCheck.failed} of ${setupCheck.checked} set-up receipts failed`)
      },
    }
    const workload = await prepareWorkload(options.workload, env, runTag)

    const levelsStart = Date.now()
    for (let k = 0; ; k++) {
      if (Date.now() - levelsStart > options.levelsBudgetMs) {
        options.onNote?.(`${name}: level budget of ${options.levelsBudgetMs / 1000} s spent`)
        break
      }
      const offered = options.plan.next(results)
      if (offered === undefined) break
      const count = Math.max(1, Math.round(offered * options.durationS))
      options.onNote?.(`${name}: ${offered} tx/s offered (${count} txs, signing)`)
      const calls = workload.levelCalls(count, k + 1)
      const cpu0 = chain.cpuSeconds()
      const generatorCpu0 = process.cpuUsage()
      const t0 = Date.now()
      const mono0Us = Number(process.hrtime.bigint() / 1000n)
      const { reports, signMs } = await load.run(calls, offered, workers, nonce)
      nonce += 1_000_000_000n
      const hashes = reports.flatMap((r) => r.hashes)
      const submitMs = reports.flatMap((r) => r.submitMs)
      options.onNote?.(`${name}: ${offered} tx/s offered, waiting for commits`)
      await drain(chain, follower, hashes, options.drainTimeoutMs)
      const cpu1 = chain.cpuSeconds()
      const mono1Us = Number(process.hrtime.bigint() / 1000n)
      const generatorCpu = process.cpuUsage(generatorCpu0)
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
      const receipts = await checkReceipts(
        chain,
        hashes.filter((h) => follower.commitMs.has(h)),
        workload.receiptOk,
      )
      const sent = calls.length
      const cpuDeltas = cpu1.map((c, i) =>
        c === undefined || cpu0[i] === undefined ? undefined : c - cpu0[i],
      )
      const nodeCpuMsPerTx =
        committed > 0 && cpuDeltas.every((d) => d !== undefined)
          ? (cpuDeltas.reduce((a: number, d) => a + (d as number), 0) * 1000) / committed
          : undefined
      const level: LevelResult = {
        profile: name,
        workload: options.workload,
        transport: options.transport,
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
        ...(nodeCpuMsPerTx !== undefined ? { nodeCpuMsPerTx } : {}),
        cpuPercentPerNode: cpu1.map((c, i) => {
          const c0 = cpu0[i]
          return c === undefined || c0 === undefined ? undefined : ((c - c0) / wallS) * 100
        }),
        receiptsChecked: receipts.checked,
        receiptsFailed: receipts.failed,
        signMs,
        generatorCpuMsPerTx: (generatorCpu.user + generatorCpu.system) / 1000 / Math.max(1, sent),
        monotonicUs: [mono0Us, mono1Us],
      }
      results.push(level)
      options.onLevel?.(level)
    }
  } finally {
    await follower.stop()
    await load.close()
  }
  return results
}
