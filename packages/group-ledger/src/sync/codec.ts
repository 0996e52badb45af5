import type { BlockNumber, Bytes, Hash32 } from '@consortia/interface'
import { decodeConsensusMessage, encodeConsensusBinary } from '../ledger/binary-codec.js'

/**
 * Packet types of the sync module (FISCO `libsync/Common.h`, module 9 `BlockSync`):
 * Status, Transactions, Blocks, ReqBlocks. FISCO 2.2+ also has TxsStatus/TxsRequest (hash
 * gossip); this port forwards whole transactions and dedupes by hash instead.
 */
export const SyncPacket = {
  Status: 0x00,
  Transactions: 0x01,
  Blocks: 0x02,
  ReqBlocks: 0x03,
} as const

/** A node's position: sent after every commit and gossiped periodically (FISCO `SyncStatusPacket`). */
export interface SyncStatus {
  readonly number: BlockNumber
  readonly genesisHash: Hash32
  readonly latestHash: Hash32
}

/** A request for `size` blocks from `from` on (FISCO `SyncReqBlockPacket`). */
export interface SyncBlockRequest {
  readonly from: BlockNumber
  readonly size: number
}

/** One block of a Blocks packet: the FISCO block RLP (no receipts) and the certificate's round. */
export interface SyncBlockEntry {
  readonly rlp: Bytes
  readonly view?: number
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object'
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isHash = (v: unknown): v is Hash32 => v instanceof Uint8Array && v.length === 32

const decode = (payload: Bytes): unknown => {
  try {
    return decodeConsensusMessage(payload)
  } catch {
    return undefined
  }
}

/** Encodes a Status packet body. */
export function encodeStatus(s: SyncStatus): Bytes {
  return encodeConsensusBinary({ number: s.number, genesisHash: s.genesisHash, latestHash: s.latestHash })
}

/** Decodes a Status packet body; undefined when malformed. */
export function decodeStatus(payload: Bytes): SyncStatus | undefined {
  const v = decode(payload)
  if (!isObject(v) || !isCount(v['number']) || !isHash(v['genesisHash']) || !isHash(v['latestHash']))
    return undefined
  return { number: v['number'], genesisHash: v['genesisHash'], latestHash: v['latestHash'] }
}

/** Encodes a ReqBlocks packet body. */
export function encodeBlockRequest(r: SyncBlockRequest): Bytes {
  return encodeConsensusBinary({ from: r.from, size: r.size })
}

/** Decodes a ReqBlocks packet body; undefined when malformed or `size` is not in 1..`sizeMax`. */
export function decodeBlockRequest(payload: Bytes, sizeMax: number): SyncBlockRequest | undefined {
  const v = decode(payload)
  if (!isObject(v) || !isCount(v['from']) || !isCount(v['size'])) return undefined
  if (v['from'] < 1 || v['size'] < 1 || v['size'] > sizeMax) return undefined
  return { from: v['from'], size: v['size'] }
}

/** Encodes a Blocks packet body. */
export function encodeBlocks(blocks: readonly SyncBlockEntry[]): Bytes {
  return encodeConsensusBinary({
    blocks: blocks.map((b) => (b.view === undefined ? { rlp: b.rlp } : { rlp: b.rlp, view: b.view })),
  })
}

/** Decodes a Blocks packet body; undefined when malformed or it holds more than `countMax` blocks. */
export function decodeBlocks(payload: Bytes, countMax: number): SyncBlockEntry[] | undefined {
  const v = decode(payload)
  if (!isObject(v) || !Array.isArray(v['blocks']) || v['blocks'].length > countMax) return undefined
  const out: SyncBlockEntry[] = []
  for (const b of v['blocks'] as unknown[]) {
    if (!isObject(b) || !(b['rlp'] instanceof Uint8Array)) return undefined
    if (b['view'] !== undefined && !isCount(b['view'])) return undefined
    out.push(b['view'] === undefined ? { rlp: b['rlp'] } : { rlp: b['rlp'], view: b['view'] })
  }
  return out
}

/** Encodes a Transactions packet body (raw signed transactions). */
export function encodeTransactions(raws: readonly Bytes[]): Bytes {
  return encodeConsensusBinary({ txs: raws })
}

/** Decodes a Transactions packet body; undefined when malformed or it holds more than `countMax` transactions. */
export function decodeTransactions(payload: Bytes, countMax: number): Bytes[] | undefined {
  const v = decode(payload)
  if (!isObject(v) || !Array.isArray(v['txs']) || v['txs'].length > countMax) return undefined
  const txs = v['txs'] as unknown[]
  return txs.every((t) => t instanceof Uint8Array) ? (txs as Bytes[]) : undefined
}
