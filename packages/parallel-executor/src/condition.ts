import type { Condition, ConditionOp, Entry } from '@consortia/interface'

const INTEGER = /^[+-]?\d+$/

function compareIntegers(a: string, b: string): number | undefined {
  if (!INTEGER.test(a) || !INTEGER.test(b)) return undefined
  const x = BigInt(a)
  const y = BigInt(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * Whether `entry` satisfies one clause. EQ/NE compare strings; GT/GE/LT/LE compare the
 * values as integers and fail when either side is not an integer (FISCO 2.x
 * `Condition::process` casts both sides and treats a failed cast as no match).
 */
export function clauseMatches(entry: Entry, field: string, op: ConditionOp, value: string): boolean {
  const actual = entry[field] ?? ''
  switch (op) {
    case 'EQ':
      return actual === value
    case 'NE':
      return actual !== value
    default: {
      const c = compareIntegers(actual, value)
      if (c === undefined) return false
      if (op === 'GT') return c > 0
      if (op === 'GE') return c >= 0
      if (op === 'LT') return c < 0
      return c <= 0
    }
  }
}

/** Whether `entry` satisfies every clause of `condition` (an absent condition matches all rows). */
export function entryMatches(entry: Entry, condition: Condition | undefined): boolean {
  if (condition === undefined) return true
  for (const c of condition.clauses) if (!clauseMatches(entry, c.field, c.op, c.value)) return false
  return true
}

/** The rows of one key that a select returns: matching rows, then `offset`/`limit` paging. */
export function selectRows(rows: readonly Entry[], condition: Condition | undefined): Entry[] {
  if (condition === undefined) return rows.slice()
  const matched = rows.filter((r) => entryMatches(r, condition))
  const offset = condition.offset ?? 0
  const end = condition.limit === undefined ? matched.length : offset + condition.limit
  return matched.slice(offset, end)
}
