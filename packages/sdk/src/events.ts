import type { Hex } from '@consortia/interface'
import type { Abi } from 'viem'
import type { RawLog } from './abi.js'
import type { Client } from './client.js'
import { invalidInput, sdkError } from './errors.js'
import { bytesToHex, hexToBytes, parseNumber, toAddress } from './hex.js'
import { parseReceipt } from './receipt.js'
import type { ChannelTransport } from './transport/channel.js'

/** Most blocks one `getLogs` call or one poll round scans. */
export const logsBlockRangeMax = 1000

/** A log with its position in the chain, decoded when an ABI matched it. */
export interface ChainLog extends RawLog {
  readonly address: Hex
  readonly topics: readonly Hex[]
  readonly data: Hex
  readonly blockNumber: number
  readonly transactionHash: Hex
  /** Index of the log inside its transaction's receipt. */
  readonly logIndex: number
  /** Set when `abi` was given and one of its events matched. */
  readonly eventName?: string
  readonly args?: Record<string, unknown> | readonly unknown[]
}

/** Which logs to return. */
export interface LogFilter {
  /** One address or several; omitted = any. */
  readonly address?: string | readonly string[]
  /** Per position: a topic, alternatives, or null for any. */
  readonly topics?: readonly (string | readonly string[] | null)[]
  /** ABI to decode with; with `eventName` the filter also narrows topic0 to that event. */
  readonly abi?: Abi
  readonly eventName?: string
}

function matcher(client: Client, filter: LogFilter): (log: RawLog) => boolean {
  const addresses =
    filter.address === undefined
      ? undefined
      : new Set<string>(
          (typeof filter.address === 'string' ? [filter.address] : filter.address).map((a) => toAddress(a)),
        )
  const topics: (Set<string> | null)[] = (filter.topics ?? []).map((t) =>
    t === null
      ? null
      : new Set((typeof t === 'string' ? [t] : t).map((x) => bytesToHex(hexToBytes(x, 'topic', 32)))),
  )
  if (filter.eventName !== undefined) {
    const item = filter.abi?.find((x) => x.type === 'event' && x.name === filter.eventName)
    if (item === undefined || item.type !== 'event')
      throw invalidInput('eventName', 'an event of the ABI', filter.eventName)
    topics[0] = new Set([client.abi.eventTopic(item)])
  }
  return (log) => {
    if (addresses !== undefined && !addresses.has(log.address.toLowerCase())) return false
    return topics.every(
      (set, i) => set === null || (log.topics[i] !== undefined && set.has(log.topics[i]!.toLowerCase())),
    )
  }
}

function decorate(client: Client, filter: LogFilter, log: Omit<ChainLog, 'eventName' | 'args'>): ChainLog {
  if (filter.abi === undefined) return log
  const decoded = client.abi.decodeEventLog(filter.abi, log)
  return decoded === undefined ? log : { ...log, eventName: decoded.eventName, args: decoded.args }
}

async function logsOfBlock(
  client: Client,
  n: number,
  match: (log: RawLog) => boolean,
  filter: LogFilter,
): Promise<ChainLog[]> {
  const block = await client.getBlockByNumber(n, false)
  const txs = Array.isArray(block.transactions) ? block.transactions : []
  const hashes = txs.map((t: unknown) => (typeof t === 'string' ? t : String((t as { hash?: unknown }).hash)))
  if (hashes.length === 0) return []
  const results = await client.transport.batch(
    hashes.map((h) => ({ method: 'getTransactionReceipt', params: [client.groupId, h] })),
  )
  const out: ChainLog[] = []
  results.forEach((r, i) => {
    if (!r.ok) throw r.error
    if (r.result === null) return
    const receipt = parseReceipt(r.result)
    receipt.logs.forEach((log, logIndex) => {
      if (!match(log)) return
      out.push(
        decorate(client, filter, {
          address: log.address as Hex,
          topics: log.topics as Hex[],
          data: log.data as Hex,
          blockNumber: n,
          transactionHash: bytesToHex(hexToBytes(hashes[i]!, 'transaction hash', 32)),
          logIndex,
        }),
      )
    })
  })
  return out
}

/**
 * Logs of blocks `fromBlock..toBlock` (inclusive; at most `logsBlockRangeMax` blocks). FISCO 2.x
 * JSON-RPC has no `getLogs`, so this reads each block's receipts (one batch per block).
 */
export async function getLogs(
  client: Client,
  range: { fromBlock: number; toBlock?: number } & LogFilter,
): Promise<ChainLog[]> {
  const to = range.toBlock ?? (await client.getBlockNumber())
  if (!Number.isSafeInteger(range.fromBlock) || range.fromBlock < 0 || to < range.fromBlock) {
    throw invalidInput('fromBlock', `a height ≤ toBlock (${to})`, String(range.fromBlock))
  }
  if (to - range.fromBlock + 1 > logsBlockRangeMax) {
    throw sdkError(
      { code: 'SDK_LIMIT_REACHED', limit: 'logsBlockRangeMax', max: logsBlockRangeMax },
      `getLogs: at most ${logsBlockRangeMax} blocks per call (logsBlockRangeMax), got ${to - range.fromBlock + 1}`,
    )
  }
  const match = matcher(client, range)
  const out: ChainLog[] = []
  for (let n = range.fromBlock; n <= to; n++) out.push(...(await logsOfBlock(client, n, match, range)))
  return out
}

/** Options of `watchEvents`. */
export interface WatchEventsOptions extends LogFilter {
  /** First block to report; default the block after the current height. */
  readonly fromBlock?: number
  /** Polling period over HTTP. Default 1,000 ms. */
  readonly pollIntervalMs?: number
  /**
   * `poll`: read receipts of new blocks (triggered by a timer, or by block notify on a channel);
   * `push`: the channel's `0x15` event filter; `auto` (default): push on a channel, poll otherwise.
   */
  readonly mode?: 'auto' | 'poll' | 'push'
  readonly onLogs: (logs: readonly ChainLog[]) => void
  readonly onError?: (err: Error) => void
}

/**
 * Subscribes to logs. Returns a function that stops the subscription.
 *
 * @example
 * ```ts
 * const stop = watchEvents(client, { address, abi, eventName: 'Transfer', onLogs: (logs) => seen.push(...logs) })
 * ```
 */
export function watchEvents(client: Client, options: WatchEventsOptions): () => void {
  const mode = options.mode ?? 'auto'
  const channel = client.transport.kind === 'channel' ? (client.transport as ChannelTransport) : undefined
  if (mode === 'push' && channel === undefined) {
    throw sdkError(
      { code: 'SDK_UNSUPPORTED', operation: 'watchEvents push', reason: 'needs the channel transport' },
      'watchEvents: push mode needs the channel transport',
    )
  }
  const onError = options.onError ?? (() => {})
  const match = matcher(client, options)
  let stopped = false
  let stopPush: (() => Promise<void>) | undefined
  let stopPoll: (() => void) | undefined

  if (channel !== undefined && mode !== 'poll') {
    const topics = (options.topics ?? []).map((t) => (t === null ? null : typeof t === 'string' ? t : [...t]))
    if (options.eventName !== undefined) {
      const item = options.abi?.find((x) => x.type === 'event' && x.name === options.eventName)
      if (item !== undefined && item.type === 'event') topics[0] = client.abi.eventTopic(item)
    }
    const addresses =
      options.address === undefined
        ? []
        : typeof options.address === 'string'
          ? [options.address]
          : [...options.address]
    channel
      .registerEventFilter(
        {
          groupId: client.groupId,
          fromBlock: options.fromBlock === undefined ? 'latest' : String(options.fromBlock),
          toBlock: 'latest',
          addresses,
          topics,
        },
        (logs) => {
          if (stopped) return
          const out: ChainLog[] = []
          for (const l of logs) {
            const raw = {
              address: toAddress(l.address),
              topics: l.topics.map((t) => bytesToHex(hexToBytes(t, 'topic', 32))),
              data: bytesToHex(hexToBytes(l.data, 'data')),
            }
            if (!match(raw)) continue
            out.push(
              decorate(client, options, {
                ...raw,
                blockNumber: parseNumber(l.blockNumber, 'log.blockNumber'),
                transactionHash: bytesToHex(
                  hexToBytes(l.transactionHash ?? `0x${'0'.repeat(64)}`, 'log.transactionHash', 32),
                ),
                logIndex: l.logIndex === undefined ? 0 : parseNumber(l.logIndex, 'log.logIndex'),
              }),
            )
          }
          if (out.length > 0) options.onLogs(out)
        },
      )
      .then((stop) => {
        if (stopped) void stop()
        else stopPush = stop
      })
      .catch((err: Error) => {
        if (mode === 'push' || stopped) return onError(err)
        startPolling()
      })
    return () => {
      stopped = true
      void stopPush?.()
      stopPoll?.()
    }
  }

  function startPolling(): void {
    let next = options.fromBlock
    let running = false
    const tick = async () => {
      if (running || stopped) return
      running = true
      try {
        const height = await client.getBlockNumber()
        if (next === undefined) next = height + 1
        const last = Math.min(height, next + logsBlockRangeMax - 1)
        for (; next <= last && !stopped; next++) {
          const logs = await logsOfBlock(client, next, match, options)
          if (logs.length > 0 && !stopped) options.onLogs(logs)
        }
      } catch (err) {
        onError(err as Error)
      } finally {
        running = false
      }
    }
    if (channel !== undefined) {
      const off = channel.onBlockNumber(client.groupId, () => void tick())
      void tick()
      stopPoll = off
      return
    }
    const timer = setInterval(() => void tick(), options.pollIntervalMs ?? 1000)
    void tick()
    stopPoll = () => clearInterval(timer)
  }
  startPolling()
  return () => {
    stopped = true
    stopPoll?.()
  }
}
