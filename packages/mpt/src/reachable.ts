import { RLP } from '@ethereumjs/rlp'
import { bytesToHexRaw } from './bytes.js'

type Decoded = Uint8Array | Decoded[]

/**
 * The keys (unprefixed hex) of the nodes of the trie under `root` that are in `pending` — the nodes a
 * block created and still uses. `@ethereumjs/mpt` stores a node for every intermediate state of every
 * write; only the nodes reachable from the final root need to reach disk. The walk stops at nodes that
 * are not pending: they were committed by an earlier block, and so was everything below them.
 * `onValue` sees each value reachable through pending nodes (account leaves, for the storage roots).
 */
export function pendingReachable(
  root: Uint8Array,
  pending: (keyHex: string) => Uint8Array | undefined,
  onValue: (value: Uint8Array) => void,
  into: Set<string>,
): void {
  const stack: Uint8Array[] = [root]
  while (stack.length > 0) {
    const keyHex = bytesToHexRaw(stack.pop()!)
    if (into.has(keyHex)) continue
    const encoded = pending(keyHex)
    if (encoded === undefined) continue
    into.add(keyHex)
    visitNode(RLP.decode(encoded) as Decoded, (ref) => stack.push(ref), onValue)
  }
}

function visitNode(
  node: Decoded,
  onRef: (hash: Uint8Array) => void,
  onValue: (value: Uint8Array) => void,
): void {
  if (!Array.isArray(node)) return
  if (node.length === 17) {
    for (let i = 0; i < 16; i++) visitChild(node[i]!, onRef, onValue)
    const value = node[16]
    if (value instanceof Uint8Array && value.length > 0) onValue(value)
    return
  }
  if (node.length === 2) {
    const path = node[0]
    if (!(path instanceof Uint8Array) || path.length === 0) return
    // Hex-prefix flag (Yellow Paper appendix C): 2 or 3 in the high nibble marks a leaf.
    if (path[0]! >> 4 >= 2) {
      if (node[1] instanceof Uint8Array) onValue(node[1])
    } else {
      visitChild(node[1]!, onRef, onValue)
    }
  }
}

function visitChild(
  child: Decoded,
  onRef: (hash: Uint8Array) => void,
  onValue: (value: Uint8Array) => void,
): void {
  // A child is a 32-byte hash, an empty slot, or a node under 32 bytes inlined into its parent.
  if (Array.isArray(child)) visitNode(child, onRef, onValue)
  else if (child.length === 32) onRef(child)
}
