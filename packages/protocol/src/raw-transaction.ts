import type { Bytes, Transaction } from '@consortia/interface'

/**
 * Parts of a raw FISCO transaction cut out of its bytes instead of re-encoded from the decoded
 * fields: the signed payload (`signingPayload` re-encodes every integer, which costs more than
 * hashing it) and the signature bytes a suite recovers from (`txSignatureToBytes` turns the
 * decoded bigints back into bytes). Only valid for `raw` that `decodeTransaction` accepted:
 * strict, canonical RLP, so the items' encodings are exactly those the signer hashed and the
 * integers carry no leading zeros.
 */

/** `ecdsaVBase` of `transaction.ts` (not imported: that module imports this one). */
const ECDSA_V_BASE = 27

/**
 * The signed payload `rlp(items 0..n-1)` of a raw transaction that `decodeTransaction`
 * accepted; `signedItems` is 10 for RC2 and 7 for RC1. Equal to `signingPayload(decoded)`.
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

/**
 * The signature bytes of `tx`, decoded by `decodeTransaction` from `raw`, as
 * `txSignatureToBytes(tx.signature)` gives them (ECDSA `r‖s‖v−27`, 65 bytes; SM2 `r‖s‖pub`,
 * 128 bytes), with `r` and `s` copied from the raw bytes.
 */
export function txSignatureBytesFromRaw(raw: Bytes, tx: Transaction): Bytes {
  const sig = tx.signature
  const [listHeader] = itemSize(raw, 0)
  let at = listHeader
  // v is item 10 (RC2) or 7 (RC1); r and s follow it.
  for (let i = 0, n = tx.format === 'rc2' ? 11 : 8; i < n; i++) at += itemSize(raw, at)[1]
  const out = new Uint8Array(sig.kind === 'ecdsa' ? 65 : 128)
  at = copyUint(raw, at, out, 0)
  copyUint(raw, at, out, 32)
  if (sig.kind === 'ecdsa') out[64] = sig.v - ECDSA_V_BASE
  else out.set(sig.publicKey, 64)
  return out
}

/** Copies the integer item at `offset` right-aligned into `out[to..to+32)`; returns the next offset. */
function copyUint(raw: Bytes, offset: number, out: Uint8Array, to: number): number {
  const [header, total] = itemSize(raw, offset)
  const length = total - header
  out.set(raw.subarray(offset + header, offset + total), to + 32 - length)
  return offset + total
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
