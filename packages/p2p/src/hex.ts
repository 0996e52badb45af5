import type { NodeId } from '@consortia/interface'
import { p2pError } from './errors.js'

/** Lower-case hex of some bytes, without a `0x` prefix (FISCO writes node IDs this way). */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** The 128-hex-digit form of a node ID, as in FISCO's `node.nodeid` and config files. */
export function nodeIdToHex(nodeId: NodeId): string {
  if (nodeId.length !== 64) {
    throw p2pError('INVALID_ARGUMENT', `expected 64-byte node ID, got ${nodeId.length}`)
  }
  return bytesToHex(nodeId)
}

/** Parse a node ID from 128 hex digits, with or without `0x`, any case. */
export function nodeIdFromHex(hex: string): NodeId {
  const clean = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex
  if (!/^[0-9a-fA-F]{128}$/.test(clean)) {
    throw p2pError(
      'INVALID_ARGUMENT',
      `expected 128 hex digits for a node ID, got ${clean.length} characters`,
    )
  }
  return new Uint8Array(Buffer.from(clean, 'hex'))
}

/** Byte-wise comparison: negative when a < b, 0 when equal, positive when a > b. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}
