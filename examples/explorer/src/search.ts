/** What a search box entry means. */
export type SearchTarget =
  | { readonly kind: 'block'; readonly number: number }
  | { readonly kind: 'hash'; readonly hash: string }
  | { readonly kind: 'address'; readonly address: string }
  | { readonly kind: 'invalid'; readonly reason: string }

/** Longest text the search box reads. */
export const SEARCH_TEXT_MAX = 200

/**
 * Classifies a search: a decimal or 0x block number, a 32-byte hash (block or transaction: the
 * caller asks the node which), or a 20-byte address.
 */
export function classifySearch(text: string): SearchTarget {
  const q = text.trim()
  if (q.length === 0) return { kind: 'invalid', reason: 'enter a block number, a hash or an address' }
  if (q.length > SEARCH_TEXT_MAX)
    return { kind: 'invalid', reason: `longer than ${SEARCH_TEXT_MAX} characters` }
  if (/^\d{1,15}$/.test(q)) return { kind: 'block', number: Number(q) }
  const hex = /^0x([0-9a-fA-F]+)$/.exec(q)?.[1] ?? /^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.exec(q)?.[1]
  if (hex === undefined) {
    return {
      kind: 'invalid',
      reason: `expected a block number, a 32-byte hash or a 20-byte address, got "${q.slice(0, 40)}"`,
    }
  }
  if (hex.length === 64) return { kind: 'hash', hash: `0x${hex.toLowerCase()}` }
  if (hex.length === 40) return { kind: 'address', address: `0x${hex.toLowerCase()}` }
  if (hex.length <= 13 && q.startsWith('0x')) return { kind: 'block', number: Number.parseInt(hex, 16) }
  return {
    kind: 'invalid',
    reason: `expected a 32-byte hash or a 20-byte address, got ${Math.ceil(hex.length / 2)} bytes`,
  }
}
