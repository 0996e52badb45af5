import type { RaftEntry, RaftPersistedState, RaftSnapshot } from './types.js'

/** True when a log ending at (lastIndex, lastTerm) is at least as up to date as ours (§5.4.1). */
export function isLogUpToDate(
  lastIndex: number,
  lastTerm: number,
  ourLastIndex: number,
  ourLastTerm: number,
): boolean {
  return lastTerm > ourLastTerm || (lastTerm === ourLastTerm && lastIndex >= ourLastIndex)
}

const owned = new WeakSet<object>()

/**
 * Apply one `Ready.persist` to a host's storage and return the new storage, as a host's
 * write-ahead log would: term and vote overwrite; a snapshot drops the entries it covers;
 * entries replace everything stored from their first index on.
 * Storage returned by this function is updated in place on the next call (no copying of
 * the whole log per write); pass it back unchanged.
 */
export function mergeRaftPersist<P>(
  previous: RaftPersistedState<P> | undefined,
  next: RaftPersistedState<P>,
): RaftPersistedState<P> {
  let entries: RaftEntry<P>[]
  if (previous !== undefined && owned.has(previous.entries)) entries = previous.entries as RaftEntry<P>[]
  else entries = previous === undefined ? [] : [...previous.entries]
  let snapshot: RaftSnapshot | undefined = previous?.snapshot
  if (next.snapshot !== undefined && (snapshot === undefined || next.snapshot.index > snapshot.index)) {
    const snap = next.snapshot
    snapshot = snap
    const base = entries[0]?.index ?? 0
    const at = entries[snap.index - base]
    // §7: keep the entries after the snapshot only when the log holds its last entry
    // (compaction); a snapshot installed from the leader replaces the whole log.
    if (at !== undefined && at.index === snap.index && at.term === snap.term) {
      entries.splice(0, snap.index - base + 1)
    } else {
      entries.length = 0
    }
  }
  const first = next.entries[0]
  if (first !== undefined) {
    // Entries are consecutive, so the first one replaced sits at a computable position.
    const base = entries[0]?.index ?? first.index
    const keep = Math.max(0, first.index - base)
    if (keep < entries.length) entries.length = keep
    for (const e of next.entries) entries.push(e)
  }
  owned.add(entries)
  return snapshot === undefined
    ? { term: next.term, vote: next.vote, entries }
    : { term: next.term, vote: next.vote, snapshot, entries }
}
