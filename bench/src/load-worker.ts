/**
 * One load generator thread: signs its share of transactions first, reports "signed", waits
 * for "go", then sends them at `rateTPS`, round-robin over the nodes, and reports each accepted
 * transaction's hash with its submit time. Over JSON-RPC a batch is one HTTP request of up to
 * `batchMax` `sendRawTransaction` calls; over the channel protocol (`channel` set) it is as many
 * `0x12` frames on the thread's TLS connection to that node (the channel has no batch frame).
 * Started by `runWorkers` (e2e.ts) with `new Worker(...)`.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { bytesToHex } from '@consortia/crypto'
import { type ChannelTLS, type ChannelTransport, createChannelTransport } from '@consortia/sdk'
import { type RpcAnswer, rpcBatch } from './rpc.js'
import { type DagCall, presign, suiteOf } from './txgen.js'

/** What the worker is given. */
export interface LoadWorkerInit {
  readonly suite: 'ecdsa' | 'sm'
  readonly privateKeyHex: string
  readonly chainId: number
  readonly groupId: number
  readonly blockNumber: number
  readonly nonceBase: bigint
  readonly calls: readonly DagCall[]
  readonly urls: readonly string[]
  readonly rateTPS: number
  readonly batchMax: number
  readonly inFlightMax: number
  /** Submit over the channel protocol to these endpoints (same order as `urls`) instead of JSON-RPC. */
  readonly channel?: {
    readonly tls: ChannelTLS
    readonly endpoints: readonly { readonly host: string; readonly port: number }[]
  }
}

/** Sends one batch of `sendRawTransaction` calls to node `k` of the thread's list. */
type BatchSender = (
  k: number,
  calls: readonly { method: string; params: readonly unknown[] }[],
) => Promise<RpcAnswer[]>

/** A batch sender over JSON-RPC or over one channel connection per node; `close` releases it. */
export async function createBatchSender(
  init: Pick<LoadWorkerInit, 'urls' | 'channel'>,
): Promise<{ send: BatchSender; close(): Promise<void> }> {
  if (init.channel === undefined) {
    return {
      send: (k, calls) => rpcBatch(init.urls[k % init.urls.length] as string, calls),
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

if (parentPort !== null) {
  const port = parentPort
  const init = workerData as LoadWorkerInit
  const suite = suiteOf(init.suite)
  const t0 = performance.now()
  const raws = presign(
    {
      suite,
      privateKey: Uint8Array.from(Buffer.from(init.privateKeyHex, 'hex')),
      chainId: init.chainId,
      groupId: init.groupId,
      blockNumber: init.blockNumber,
      nonceBase: init.nonceBase,
    },
    init.calls,
  )
  const hashesOfRaw = raws.map((r) => `0x${bytesToHex(suite.hash(Buffer.from(r.slice(2), 'hex')))}`)
  port.postMessage({
    type: 'signed',
    count: raws.length,
    signMs: performance.now() - t0,
  } satisfies LoadWorkerMessage)
  const senderReady = createBatchSender(init)
  senderReady.catch(() => {})
  port.once('message', (msg: { type: 'go'; startAtMs: number }) => {
    void send(msg.startAtMs).then((done) => port.postMessage(done))
  })

  async function send(startAtMs: number): Promise<LoadWorkerMessage> {
    const sender = await senderReady
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
    while (Date.now() < startAtMs) await sleep(Math.min(20, startAtMs - Date.now()))
    const start = Date.now()
    await new Promise<void>((finished) => {
      if (raws.length === 0) return finished()
      const pump = () => {
        const due = Math.min(raws.length, Math.floor(((Date.now() - start) / 1000) * init.rateTPS) + 1)
        while (sent < due && inFlight < init.inFlightMax) {
          const from = sent
          const to = Math.min(due, from + init.batchMax)
          sent = to
          inFlight++
          const node = next++
          const at = Date.now()
          if (firstSendMs === 0) firstSendMs = at
          lastSendMs = at
          const calls = raws
            .slice(from, to)
            .map((raw) => ({ method: 'sendRawTransaction', params: [init.groupId, raw] }))
          sender
            .send(node, calls)
            .then((answers) => {
              answers.forEach((a, k) => {
                if ('error' in a) {
                  refused++
                  if (refusals.length < REFUSAL_SAMPLES_MAX) refusals.push(a.error.message)
                } else {
                  hashes.push(hashesOfRaw[from + k] as string)
                  submitMs.push(at)
                }
              })
            })
            .catch((err: unknown) => {
              transportErrors += to - from
              for (let k = from; k < to; k++) unanswered.push(hashesOfRaw[k] as string)
              if (refusals.length < REFUSAL_SAMPLES_MAX) refusals.push(String(err))
            })
            .finally(() => {
              inFlight--
              if (sent >= raws.length && inFlight === 0) finished()
            })
        }
        if (sent < raws.length) setTimeout(pump, 5)
      }
      pump()
    })
    await sender.close()
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
