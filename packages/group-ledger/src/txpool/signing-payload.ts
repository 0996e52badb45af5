import type { Bytes } from '@consortia/interface'

/**
 * The signed payload `rlp(items 0..n-1)` of a transaction, cut out of its raw bytes instead of
 * re-encoded from the decoded fields (`signingPayload` of `@consortia/protocol` re-encodes,
 * which costs more than hashing). Only valid for `raw` that `decodeTransaction` accepted:
 * strict, canonical RLP, so the items' encodings are exactly those the signer hashed.
 * `signedItems` is 10 for RC2 and 7 for RC1.
 */
export function signingPayloadFromRaw(raw: Bytes, signedItems: number): Bytes {
  const [listHeader] = itemSize(raw, 0)
  let end = listHeader
  for (let i = 0; i < signedItems; i++) end += itemSize(raw, end)[1]
  const bodyBytes = end - listHeader
  const header = listHeaderOf(bodyBytes)
  const out = new Uint8Array(header.length + bodyBytes)
  out.set(header, 0)
  out.set(raw.subarray(listHeader, end), header.length)
  return out
}

/** [header bytes, total bytes] of the RLP item at `offset` (input already validated). */
function itemSize(raw: Bytes, offset: number): [number, number] {
  const b = raw[offset]!
  if (b < 0x80) return [0, 1]
  if (b <= 0xb7) return [1, 1 + b - 0x80]
  if (b <= 0xbf) return longForm(raw, offset, b - 0xb7)
  if (b <= 0xf7) return [1, 1 + b - 0xc0]
  return longForm(raw, offset, b - 0xf7)
}

function longForm(raw: Bytes, offset: number, lengthBytes: number): [number, number] {
  let length = 0
  for (let i = 1; i <= lengthBytes; i++) length = length * 256 + raw[offset + i]!
  return [1 + lengthBytes, 1 + lengthBytes + length]
}

function listHeaderOf(bodyBytes: number): Uint8Array {
  if (bodyBytes < 56) return Uint8Array.of(0xc0 + bodyBytes)
  const be: number[] = []
  for (let n = bodyBytes; n > 0; n = Math.floor(n / 256)) be.unshift(n & 0xff)
  return Uint8Array.of(0xf7 + be.length, ...be)
}
