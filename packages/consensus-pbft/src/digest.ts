import type { BlockNumber, Bytes, Hash32 } from '@consortia/interface'

/** Domain tags: a Sign vote can never be replayed as a Commit vote. */
const SIGN_TAG = 0x01
const COMMIT_TAG = 0x02

/** Length of a vote preimage: tag, height (u64), view (u64), block hash. */
const PREIMAGE_BYTES = 1 + 8 + 8 + 32

function writeU64(out: Uint8Array, offset: number, value: number): void {
  // Heights and views are safe integers (< 2^53), so the high word fits in 21 bits.
  const high = Math.floor(value / 2 ** 32)
  const low = value >>> 0
  out[offset] = high >>> 24
  out[offset + 1] = (high >>> 16) & 0xff
  out[offset + 2] = (high >>> 8) & 0xff
  out[offset + 3] = high & 0xff
  out[offset + 4] = low >>> 24
  out[offset + 5] = (low >>> 16) & 0xff
  out[offset + 6] = (low >>> 8) & 0xff
  out[offset + 7] = low & 0xff
}

function preimage(tag: number, height: BlockNumber, view: number, hash: Hash32): Bytes {
  const out = new Uint8Array(PREIMAGE_BYTES)
  out[0] = tag
  writeU64(out, 1, height)
  writeU64(out, 9, view)
  out.set(hash, 17)
  return out
}

/**
 * The bytes a Sign vote signs (after hashing): `0x01 ‖ u64(height) ‖ u64(view) ‖ hash`.
 * Binding height and view makes a prepared certificate prove *when* it was prepared.
 */
export function signPreimage(height: BlockNumber, view: number, hash: Hash32): Bytes {
  return preimage(SIGN_TAG, height, view, hash)
}

/**
 * The bytes a Commit vote signs (after hashing): `0x02 ‖ u64(height) ‖ u64(view) ‖ hash`.
 * A block's certificate is n−f signatures over `hash(commitPreimage(number, view, hash))`;
 * verifiers rebuild it from `CommittedBlock.view`.
 */
export function commitPreimage(height: BlockNumber, view: number, hash: Hash32): Bytes {
  return preimage(COMMIT_TAG, height, view, hash)
}
