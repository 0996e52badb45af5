import type { BlockNumber, Hash32 } from '@consortia/interface'
import { fastHash, fastHashInto } from './fast-hash.js'
import type { SimBlock, SimHead, SimPayload } from './types.js'

/** Hash of a simulated genesis block. */
export const SIM_GENESIS_HASH: Hash32 = fastHash(new TextEncoder().encode('consortia simulator genesis'))

/** The genesis head every simulated node starts from. */
export const SIM_GENESIS: SimHead = { number: 0, hash: SIM_GENESIS_HASH }

const PREIMAGE = new Uint8Array(8 + 32 + 4 + 4 + 8)
const PREIMAGE_VIEW = new DataView(PREIMAGE.buffer)
const SCRATCH = new Uint8Array(32)

function hashInto(
  number: BlockNumber,
  parentHash: Hash32,
  txCount: number,
  payload: SimPayload,
  out: Uint8Array,
) {
  PREIMAGE_VIEW.setFloat64(0, number)
  PREIMAGE.set(parentHash.subarray(0, 32), 8)
  PREIMAGE_VIEW.setUint32(40, txCount >>> 0)
  PREIMAGE_VIEW.setUint32(44, payload.proposer >>> 0)
  PREIMAGE_VIEW.setFloat64(48, payload.nonce)
  return fastHashInto(PREIMAGE, out)
}

/** The hash a simulated block must carry: fastHash(number ‖ parentHash ‖ txCount ‖ proposer ‖ nonce). */
export function simBlockHash(
  number: BlockNumber,
  parentHash: Hash32,
  txCount: number,
  payload: SimPayload,
): Hash32 {
  return hashInto(number, parentHash, txCount, payload, new Uint8Array(32))
}

/** Build a well-formed simulated block. */
export function createSimBlock(
  number: BlockNumber,
  parentHash: Hash32,
  txCount: number,
  payload: SimPayload,
): SimBlock {
  return { number, parentHash, txCount, payload, hash: simBlockHash(number, parentHash, txCount, payload) }
}

/** What an honest host checks before voting: height, parent and that the header hash matches the content. */
export function isSimBlockValid(block: SimBlock, head: SimHead): boolean {
  if (block.number !== head.number + 1) return false
  if (!equal(block.parentHash, head.hash)) return false
  if (typeof block.payload !== 'object' || block.payload === null) return false
  if (!(block.parentHash instanceof Uint8Array) || block.parentHash.length !== 32) return false
  return equal(block.hash, hashInto(block.number, block.parentHash, block.txCount, block.payload, SCRATCH))
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
