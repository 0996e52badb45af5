import type { RaftStatus } from './engine.js'
import type { RaftEntry } from './types.js'

/** What the safety checker reads from an engine (a `RaftEngine` satisfies it). */
export interface RaftObservable<P = unknown> {
  status(): RaftStatus
  entry(index: number): RaftEntry<P> | undefined
  termAt(index: number): number | undefined
}

/** Terms remembered for Election Safety; older terms are forgotten (bounded memory). */
export const SAFETY_TERMS_MAX = 10_000
/** Log indexes remembered for Log Matching and State Machine Safety. */
export const SAFETY_INDEXES_MAX = 100_000

/**
 * Checks the four safety properties of Raft (Ongaro & Ousterhout 2014, Figure 3) over a
 * group's engines, incrementally, so it can run after every step of a simulation.
 */
export interface RaftSafetyChecker {
  /**
   * Check the group now. `engines[i]` is node i's engine, undefined while it is down.
   * Returns one message per violation (empty when safe).
   */
  check(engines: readonly (RaftObservable | undefined)[]): string[]
}

interface Seen {
  readonly entry: RaftEntry
  /** Term of the entry before it (in the log that first showed it). */
  readonly prevTerm: number | undefined
}

interface NodeMark {
  engine: RaftObservable | undefined
  /** Entries up to here were checked for Log Matching and have not changed since. */
  checkedTo: number
  checkedEntry: RaftEntry | undefined
  committedTo: number
  leaderTerm: number
}

function sameEntry(a: RaftEntry, b: RaftEntry): boolean {
  if (a === b) return true
  if (a.index !== b.index || a.term !== b.term) return false
  if (a.block === undefined || b.block === undefined) return a.block === b.block
  const x = a.block.hash
  const y = b.block.hash
  if (x.length !== y.length) return false
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}

function describe(e: RaftEntry): string {
  return `${e.index}/t${e.term}${e.block === undefined ? ' (empty)' : ` block ${e.block.number}`}`
}

/**
 * Create a checker of Election Safety (at most one leader per term), Log Matching (same
 * index and term ⇒ same entry and same prefix), Leader Completeness (a leader's log holds
 * every entry committed in earlier terms) and State Machine Safety (no two nodes commit
 * different entries at one index). Memory is bounded by SAFETY_TERMS_MAX and
 * SAFETY_INDEXES_MAX.
 */
export function createRaftSafetyChecker(): RaftSafetyChecker {
  const leaders = new Map<number, string>()
  let lowestTerm = 0
  /** (index → term → entry): every entry any log has shown. */
  const entries = new Map<number, Map<number, Seen>>()
  let lowestIndex = 1
  /** index → committed entry, with the term of the first node seen committing it. */
  const committed = new Map<number, { entry: RaftEntry; seenInTerm: number }>()
  let lowestCommitted = 1
  let maxCommitted = 0
  const marks: NodeMark[] = []

  const remember = (e: RaftEntry, prevTerm: number | undefined): string | undefined => {
    if (e.index < lowestIndex) return undefined
    let byTerm = entries.get(e.index)
    if (byTerm === undefined) {
      byTerm = new Map()
      entries.set(e.index, byTerm)
      while (entries.size > SAFETY_INDEXES_MAX) entries.delete(lowestIndex++)
    }
    const prior = byTerm.get(e.term)
    if (prior === undefined) {
      byTerm.set(e.term, { entry: e, prevTerm })
      return undefined
    }
    if (!sameEntry(prior.entry, e)) {
      return `log matching: two different entries at index ${e.index} term ${e.term}: ${describe(prior.entry)} vs ${describe(e)}`
    }
    if (prior.prevTerm !== undefined && prevTerm !== undefined && prior.prevTerm !== prevTerm) {
      return `log matching: entry ${describe(e)} follows term ${prevTerm} in one log and term ${prior.prevTerm} in another`
    }
    return undefined
  }

  return {
    check(engines) {
      const problems: string[] = []
      for (let i = 0; i < engines.length; i++) {
        const engine = engines[i]
        let mark = marks[i]
        if (mark === undefined) {
          mark = { engine: undefined, checkedTo: 0, checkedEntry: undefined, committedTo: 0, leaderTerm: -1 }
          marks[i] = mark
        }
        if (engine === undefined) {
          mark.engine = undefined
          continue
        }
        if (engine !== mark.engine) {
          // A restarted node: its log is re-read from the persisted state.
          mark.engine = engine
          mark.checkedTo = 0
          mark.checkedEntry = undefined
          mark.leaderTerm = -1
        }
        const s = engine.status()

        // Election Safety (§5.2).
        if (s.role === 'leader') {
          const prior = leaders.get(s.term)
          if (prior === undefined) {
            if (s.term >= lowestTerm) {
              leaders.set(s.term, s.self)
              while (leaders.size > SAFETY_TERMS_MAX) leaders.delete(lowestTerm++)
            }
          } else if (prior !== s.self) {
            problems.push(`election safety: ${prior} and ${s.self} both lead term ${s.term}`)
          }
        }

        // Log Matching (§5.3), incrementally: re-check from the start only when an
        // already-checked entry was replaced (truncation) or compacted away.
        if (
          mark.checkedTo > 0 &&
          (mark.checkedTo < s.firstIndex || engine.entry(mark.checkedTo) !== mark.checkedEntry)
        ) {
          mark.checkedTo = 0
        }
        for (let idx = Math.max(mark.checkedTo + 1, s.firstIndex); idx <= s.lastIndex; idx++) {
          const e = engine.entry(idx)!
          if (e.index !== idx) problems.push(`log matching: node ${i} holds entry ${e.index} at index ${idx}`)
          const problem = remember(e, engine.termAt(idx - 1))
          if (problem !== undefined) problems.push(`${problem} (node ${i})`)
        }
        mark.checkedTo = s.lastIndex
        mark.checkedEntry = s.lastIndex >= s.firstIndex ? engine.entry(s.lastIndex) : undefined

        // State Machine Safety (§5.4.3): one entry per committed index, everywhere.
        if (s.commitIndex > s.lastIndex)
          problems.push(`node ${i} commits ${s.commitIndex} beyond its log ${s.lastIndex}`)
        for (
          let idx = Math.max(mark.committedTo + 1, s.firstIndex);
          idx <= Math.min(s.commitIndex, s.lastIndex);
          idx++
        ) {
          const e = engine.entry(idx)!
          if (idx < lowestCommitted) continue
          const prior = committed.get(idx)
          if (prior === undefined) {
            committed.set(idx, { entry: e, seenInTerm: s.term })
            if (idx > maxCommitted) maxCommitted = idx
            while (committed.size > SAFETY_INDEXES_MAX) committed.delete(lowestCommitted++)
          } else if (!sameEntry(prior.entry, e)) {
            problems.push(
              `state machine safety: node ${i} committed ${describe(e)} where another committed ${describe(prior.entry)}`,
            )
          }
        }
        if (s.commitIndex > mark.committedTo) mark.committedTo = s.commitIndex

        // Leader Completeness (§5.4): a new leader holds every entry committed before its term.
        if (s.role === 'leader' && mark.leaderTerm !== s.term) {
          mark.leaderTerm = s.term
          for (const [idx, c] of committed) {
            if (c.seenInTerm >= s.term || idx < s.firstIndex) continue
            const mine = engine.entry(idx)
            if (mine === undefined || !sameEntry(mine, c.entry)) {
              problems.push(
                `leader completeness: leader ${s.self} of term ${s.term} lacks committed entry ${describe(c.entry)}`,
              )
              break
            }
          }
        }
      }
      return problems
    },
  }
}
