/**
 * Event-log filters of the channel protocol (`0x15` register, `0x16` unregister, `0x1002` push;
 * reference/interop.md §3.3, [SRC] libeventfilter/EventLogFilterParams.cpp): which logs of a
 * block a filter selects, and the JSON the push carries.
 */
import type { CryptoSuite } from '@consortia/interface'
import type { BackendBlock } from '../rpc/backend.js'
import { dataHex, quantityHex } from '../rpc/format.js'

/** Most addresses in one filter. */
export const FILTER_ADDRESSES_MAX = 256
/** Topic positions a log has at most (LOG0..LOG4). */
export const FILTER_TOPIC_POSITIONS_MAX = 4
/** Most alternatives at one topic position. */
export const FILTER_TOPIC_ALTERNATIVES_MAX = 64

/** A registered filter; `nextBlock` is the first block not yet pushed. */
export interface EventFilter {
  readonly filterID: string
  readonly groupId: number
  /** First block to push, or undefined for "latest" (from the next block on). */
  readonly fromBlock: number | undefined
  /** Last block to push, or undefined for "latest" (no end). */
  readonly toBlock: number | undefined
  /** Lower-case hex addresses without `0x`; empty = any. */
  readonly addresses: ReadonlySet<string>
  /** Per position: lower-case hex topics without `0x` (any of them), or undefined = any. */
  readonly topics: readonly (ReadonlySet<string> | undefined)[]
  nextBlock: number
}

const HEX32 = /^(0x)?[0-9a-fA-F]{64}$/
const HEX20 = /^(0x)?[0-9a-fA-F]{40}$/
const strip = (s: string) => (s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s).toLowerCase()

function blockParam(value: unknown): number | undefined | null {
  if (value === undefined || value === null || value === 'latest' || value === '') return undefined
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  if (typeof value === 'string') {
    if (/^0x[0-9a-fA-F]{1,13}$/.test(value)) return Number.parseInt(value.slice(2), 16)
    if (/^\d{1,15}$/.test(value)) return Number(value)
  }
  return null
}

/** Parses the JSON of a `0x15`/`0x16` payload; `ok: false` with the reason when it is not a valid filter. */
export function parseEventFilter(
  payload: Uint8Array,
): { readonly ok: true; readonly filter: EventFilter } | { readonly ok: false; readonly reason: string } {
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(payload).toString('utf8'))
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, reason: 'not an object' }
  const o = v as Record<string, unknown>
  const filterID = o['filterID']
  if (typeof filterID !== 'string' || !/^[0-9A-Za-z_-]{1,64}$/.test(filterID)) {
    return { ok: false, reason: 'filterID' }
  }
  const g = o['groupID']
  const groupId = typeof g === 'string' && /^\d{1,5}$/.test(g) ? Number(g) : g
  if (typeof groupId !== 'number' || !Number.isSafeInteger(groupId) || groupId < 1 || groupId > 32767) {
    return { ok: false, reason: 'groupID' }
  }
  const fromBlock = blockParam(o['fromBlock'])
  const toBlock = blockParam(o['toBlock'])
  if (fromBlock === null || toBlock === null) return { ok: false, reason: 'block range' }
  const rawAddresses = o['addresses'] === undefined || o['addresses'] === null ? [] : o['addresses']
  const addressList = typeof rawAddresses === 'string' ? [rawAddresses] : rawAddresses
  if (!Array.isArray(addressList) || addressList.length > FILTER_ADDRESSES_MAX)
    return { ok: false, reason: 'addresses' }
  const addresses = new Set<string>()
  for (const a of addressList) {
    if (typeof a !== 'string' || !HEX20.test(a)) return { ok: false, reason: 'addresses' }
    addresses.add(strip(a))
  }
  const rawTopics = o['topics'] === undefined || o['topics'] === null ? [] : o['topics']
  if (!Array.isArray(rawTopics) || rawTopics.length > FILTER_TOPIC_POSITIONS_MAX)
    return { ok: false, reason: 'topics' }
  const topics: (Set<string> | undefined)[] = []
  for (const t of rawTopics) {
    if (t === null || t === undefined || (Array.isArray(t) && t.length === 0)) {
      topics.push(undefined)
      continue
    }
    const list = typeof t === 'string' ? [t] : t
    if (!Array.isArray(list) || list.length > FILTER_TOPIC_ALTERNATIVES_MAX)
      return { ok: false, reason: 'topics' }
    const set = new Set<string>()
    for (const x of list) {
      if (typeof x !== 'string' || !HEX32.test(x)) return { ok: false, reason: 'topics' }
      set.add(strip(x))
    }
    topics.push(set)
  }
  return {
    ok: true,
    filter: { filterID, groupId, fromBlock, toBlock, addresses, topics, nextBlock: fromBlock ?? 0 },
  }
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** The logs of `block` the filter selects, in the JSON of a `0x1002` push (`blockNumber` as a decimal string). */
export function logsOfBlock(
  block: BackendBlock,
  filter: EventFilter,
  _suite?: CryptoSuite,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  block.receipts.forEach((receipt, txIndex) => {
    const tx = block.block.transactions[txIndex]
    if (tx === undefined) return
    receipt.logs.forEach((log, logIndex) => {
      if (filter.addresses.size > 0 && !filter.addresses.has(hex(log.address))) return
      for (let i = 0; i < filter.topics.length; i++) {
        const want = filter.topics[i]
        if (want === undefined) continue
        const got = log.topics[i]
        if (got === undefined || !want.has(hex(got))) return
      }
      out.push({
        address: dataHex(log.address),
        blockHash: dataHex(block.hash),
        blockNumber: String(block.block.header.number),
        data: dataHex(log.data),
        logIndex: quantityHex(logIndex),
        topics: log.topics.map(dataHex),
        transactionHash: dataHex(tx.hash),
        transactionIndex: quantityHex(txIndex),
      })
    })
  })
  return out
}
