/**
 * One load generator thread, started once per chain (`startLoadThreads`, e2e.ts) and reused
 * for every set-up batch and load level, so the module loading of a thread (tsx compiling the
 * workspace sources: seconds of CPU) is paid once and not inside a level. Per level it gets a
 * `level` task, signs its share of transactions, reports "signed", waits for "go", then sends
 * them at `rateTPS`, round-robin over the nodes, and reports each accepted transaction's hash
 * with its submit time. Over JSON-RPC a batch is one HTTP request of up to `batchMax`
 * `sendRawTransaction` calls (bodies joined from JSON built before the clock starts, sent on
 * keep-alive connections); over the channel protocol (`channel` set) it is as many `0x12`
 * frames on the thread's TLS connection to that node (the channel has no batch frame).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { bytesToHex } from '@consortia/crypto'
import { type ChannelTLS, type ChannelTransport, createChannelTransport } from '@consortia/sdk'
import { nextDueBatch, WAKE_INTERVAL_MS } from './batch-plan.js'
import { type RpcAnswer, rpcBatch, rpcBatchEncoded } from './rpc.js'
import { type DagCall, presign, suiteOf } from './txgen.js'

/** What the thread is given once, at start (`workerData`). */
export interface LoadWorkerInit {
  readonly suite: 'ecdsa' | 'sm'
  readonly privateKeyHex: string
  readonly chainId: number
  readonly groupId: number
  readonly urls: readonly string[]
  readonly batchMax: number
  readonly inFlightMax: number
  /** Submit over the channel protocol to these endpoints (same order as `urls`) instead of JSON-RPC. */
  readonly channel?: {
    readonly tls: ChannelTLS
    readonly endpoints: readonly { readonly host: string; readonly port: number }[]
  }
}

/** What the main thread posts to a load thread. */
export type LoadWorkerCommand =
  | {
      /** Sign `calls` (nonces from `nonceBase`, blockLimit from `blockNumber`); answer `signed`. */
      readonly type: 'level'
      readonly blockNumber: number
      readonly nonceBase: bigint
      readonly calls: readonly DagCall[]
      readonly rateTPS: number
    }
  /** Send the signed level from `startAtMs` on; answer `done`. */
  | { readonly type: 'go'; readonly startAtMs: number }
  /** Close the connections and end the thread. */
  | { readonly type: 'close' }

/** Sends one batch of `sendRawTransaction` calls to node `k` of the thread's list. */
type BatchSender = (
  k: number,
  calls: readonly { method: string; params: readonly unknown[] }[],
) => Promise<RpcAnswer[]>

/** A batch sender over JSON-RPC or over one channel connection per node; `close` releases it. */
export async function createBatchSender(init: Pick<LoadWorkerInit, 'urls' | 'channel'>): Promise<{
  send: BatchSender
  /** Over JSON-RPC: sends a batch body built beforehand (`count` calls, ids `firstId`…). */
  sendEncoded(k: number, body: string, count: number, firstId: number): Promise<RpcAnswer[]>
  close(): Promise<void>
}> {
  if (init.channel === undefined) {
    const urlOf = (k: number) => init.urls[k % init.urls.length] as string
    return {
      send: (k, calls) => rpcBatch(urlOf(k), calls),
      sendEncoded: (k, body, count, firstId) => rpcBatchEncoded(urlOf(k), body, count, firstId),
      close: async () => {},
    }
  }
  const tls = init.channel.tls
  const transports: ChannelTransport[] = []
  try {
    for (const e of init.channel.endpoints)
      transports.push(await createChannelTransport({ host: e.host, port: e.port, tls, heartbeatMs: 0 }))
  } catch (err) {
    await Promise.all(transports.map((t) => t.close()))
    throw err
  }
  return {
    async send(k, calls) {
      const t = transports[k % transports.length] as ChannelTransport
      const results = await t.batch(calls)
      return results.map((r) =>
        r.ok ? { result: r.result } : { error: { code: -32000, message: r.error.message } },
      )
    },
    sendEncoded: () => Promise.reject(new Error('pre-encoded batches are JSON-RPC only')),
    close: async () => {
      await Promise.all(transports.map((t) => t.close()))
    },
  }
}

/** Messages the worker posts. */
export type LoadWorkerMessage =
  | { readonly type: 'signed'; readonly count: number; readonly signMs: number }
  | {
      readonly type: 'done'
      readonly hashes: readonly string[]
      readonly submitMs: readonly number[]
      /** Hashes of transactions whose batch got no answer (timeout, connection lost): maybe admitted. */
      readonly unanswered: readonly string[]
      readonly refused: number
      readonly refusals: readonly string[]
      readonly transportErrors: number
      readonly firstSendMs: number
      readonly lastSendMs: number
    }

/** Refusal messages kept as samples. */
const REFUSAL_SAMPLES_MAX = 5

/** One signed level, ready to send. */
interface SignedLevel {
  readonly rateTPS: number
  readonly raws: readonly string[]
  readonly hashes: readonly string[]
  /** Over JSON-RPC: each call's JSON (id = its index); a batch body is a join of them. */
  readonly fragments: readonly string[] | undefined
}

if (parentPort !== null) {
  const port = parentPort
  const init = workerData as LoadWorkerInit
  const suite = suiteOf(init.suite)
  const privateKey = Uint8Array.from(Buffer.from(init.privateKeyHex, 'hex'))
  const senderReady = createBatchSender(init)
  senderReady.catch(() => {})
  let level: SignedLevel | undefined

  port.on('message', (msg: LoadWorkerCommand) => {
    if (msg.type === 'level') {
      const t0 = performance.now()
      const raws = presign(
        {
          suite,
          privateKey,
          chainId: init.chainId,
          groupId: init.groupId,
          blockNumber: msg.blockNumber,
          nonceBase: msg.nonceBase,
        },
        msg.calls,
      )
      level = {
        rateTPS: msg.rateTPS,
        raws,
        hashes: raws.map((r) => `0x${bytesToHex(suite.hash(Buffer.from(r.slice(2), 'hex')))}`),
        fragments:
          init.channel === undefined
            ? raws.map((raw, id) =>
                JSON.stringify({
                  jsonrpc: '2.0',
                  id,
                  method: 'sendRawTransaction',
                  params: [init.groupId, raw],
                }),
              )
            : undefined,
      }
      port.postMessage({
        type: 'signed',
        count: raws.length,
        signMs: performance.now() - t0,
      } satisfies LoadWorkerMessage)
    } else if (msg.type === 'go') {
      const signed = level
      level = undefined
      if (signed === undefined) throw new Error('load worker: "go" without a signed level')
      void send(signed, msg.startAtMs).then((done) => port.postMessage(done))
    } else if (msg.type === 'close') {
      void senderReady
        .then((s) => s.close())
        .catch(() => {})
        .finally(() => port.close())
    }
  })

  async function send(signed: SignedLevel, startAtMs: number): Promise<LoadWorkerMessage> {
    const sender = await senderReady
    const { raws, fragments, rateTPS } = signed
    const hashes: string[] = []
    const submitMs: number[] = []
    const unanswered: string[] = []
    const refusals: string[] = []
    let refused = 0
    let transportErrors = 0
    let sent = 0
    let inFlight = 0
    let next = 0
    let firstSendMs = 0
    let lastSendMs = 0
    const callsOf = (from: number, to: number) =>
      raws.slice(from, to).map((raw) => ({ method: 'sendRawTransaction', params: [init.groupId, raw] }))
    while (Date.now() < startAtMs) await sleep(Math.min(20, startAtMs - Date.now()))
    const start = Date.now()
    await new Promise<void>((finished) => {
      if (raws.length === 0) return finished()
      const pump = () => {
        for (
          let b = nextDueBatch(sent, Date.now() - start, rateTPS, raws.length, init.batchMax);
          b !== undefined && inFlight < init.inFlightMax;
          b = nextDueBatch(sent, Date.now() - start, rateTPS, raws.length, init.batchMax)
        ) {
          const { from, to } = b
          sent = to
          inFlight++
          const node = next++
          const at = Date.now()
          if (firstSendMs === 0) firstSendMs = at
          lastSendMs = at
          const request =
            fragments === undefined
              ? sender.send(node, callsOf(from, to))
              : sender.sendEncoded(node, `[${fragments.slice(from, to).join(',')}]`, to - from, from)
          request
            .then((answers) => {
              answers.forEach((a, k) => {
                if ('error' in a) {
                  refused++
                  if (refusals.length < REFUSAL_SAMPLES_MAX) refusals.push(a.error.message)
                } else {
                  hashes.push(signed.hashes[from + k] as string)
                  submitMs.push(at)
                }
              })
            })
            .catch((err: unknown) => {
              transportErrors += to - from
              for (let k = from; k < to; k++) unanswered.push(signed.hashes[k] as string)
              if (refusals.length < REFUSAL_SAMPLES_MAX) refusals.push(String(err))
            })
            .finally(() => {
              inFlight--
              if (sent >= raws.length && inFlight === 0) finished()
            })
        }
        // Wake again after 1/BATCHES_PER_SECOND_MAX s: what fell due meanwhile goes in one batch.
        if (sent < raws.length) setTimeout(pump, WAKE_INTERVAL_MS)
      }
      pump()
    })
    return {
      type: 'done',
      hashes,
      submitMs,
      unanswered,
      refused,
      refusals,
      transportErrors,
      firstSendMs,
      lastSendMs,
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)))
}
