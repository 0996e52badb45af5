import type { Condition, ConditionOp, Entry } from '@consortia/interface'
import { amdbError, FiscoCode } from './errors.js'

const OPS: ReadonlySet<string> = new Set<ConditionOp>(['EQ', 'NE', 'GT', 'GE', 'LT', 'LE'])
const INT_RE = /^[+-]?\d+$/
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/**
 * A `Condition` with FISCO's builder methods (Table.sol `Condition`). FISCO's `limit(...)`
 * is `limitTo(...)` here, because `limit` is the row-count property of `Condition`.
 */
export interface ConditionBuilder extends Condition {
  EQ(field: string, value: string | number | bigint): ConditionBuilder
  NE(field: string, value: string | number | bigint): ConditionBuilder
  GT(field: string, value: string | number | bigint): ConditionBuilder
  GE(field: string, value: string | number | bigint): ConditionBuilder
  LT(field: string, value: string | number | bigint): ConditionBuilder
  LE(field: string, value: string | number | bigint): ConditionBuilder
  /** `limitTo(count)` or `limitTo(offset, count)`, as FISCO's `limit`. */
  limitTo(offsetOrCount: number, count?: number): ConditionBuilder
}

/**
 * A new, empty condition. Clauses combine with AND.
 *
 * @example
 * ```ts
 * const rows = await table.select('alice', createCondition().GE('amount', 10).limitTo(0, 5))
 * ```
 */
export function createCondition(): ConditionBuilder {
  const clauses: { field: string; op: ConditionOp; value: string }[] = []
  let offset: number | undefined
  let limit: number | undefined
  const add = (op: ConditionOp) => (field: string, value: string | number | bigint) => {
    clauses.push({ field, op, value: String(value) })
    return builder
  }
  const builder: ConditionBuilder = {
    get clauses() {
      return clauses
    },
    get offset() {
      return offset
    },
    get limit() {
      return limit
    },
    EQ: add('EQ'),
    NE: add('NE'),
    GT: add('GT'),
    GE: add('GE'),
    LT: add('LT'),
    LE: add('LE'),
    limitTo(offsetOrCount: number, count?: number) {
      if (count === undefined) {
        offset = 0
        limit = offsetOrCount
      } else {
        offset = offsetOrCount
        limit = count
      }
      return builder
    },
  }
  return builder
}

/** A checked condition, ready to match rows. */
export interface CompiledCondition {
  readonly clauses: readonly {
    readonly field: string
    readonly op: ConditionOp
    readonly value: string
    readonly int?: bigint
  }[]
  readonly offset: number
  readonly limit: number | undefined
}

const MATCH_ALL: CompiledCondition = { clauses: [], offset: 0, limit: undefined }

/**
 * Checks a condition and prepares it for matching. Throws `INVALID_CONDITION` with FISCO code
 * -51502 (unknown operator) or -51501 (malformed clause or paging).
 */
export function compileCondition(condition: Condition | undefined): CompiledCondition {
  if (condition === undefined) return MATCH_ALL
  if (condition === null || typeof condition !== 'object' || !Array.isArray(condition.clauses)) {
    throw amdbError(
      { code: 'INVALID_CONDITION', fiscoCode: FiscoCode.conditionParseError },
      'expected a condition with a clauses array',
    )
  }
  const clauses = condition.clauses.map((clause, i) => {
    if (!OPS.has(clause?.op)) {
      throw amdbError(
        { code: 'INVALID_CONDITION', fiscoCode: FiscoCode.conditionOperationUndefined, op: clause?.op },
        `condition clause ${i}: unknown operator ${String(clause?.op)}`,
      )
    }
    if (typeof clause.field !== 'string' || typeof clause.value !== 'string') {
      throw amdbError(
        { code: 'INVALID_CONDITION', fiscoCode: FiscoCode.conditionParseError },
        `condition clause ${i}: expected string field and value`,
      )
    }
    if (clause.op === 'EQ' || clause.op === 'NE')
      return { field: clause.field, op: clause.op, value: clause.value }
    return { field: clause.field, op: clause.op, value: clause.value, int: parseInt64(clause.value) }
  })
  const offset = condition.offset ?? 0
  const limit = condition.limit
  const badCount = (n: number | undefined) => n !== undefined && (!Number.isSafeInteger(n) || n < 0)
  if (badCount(offset) || badCount(limit)) {
    throw amdbError(
      { code: 'INVALID_CONDITION', fiscoCode: FiscoCode.conditionParseError, offset, limit },
      `expected non-negative integer offset and limit, got offset ${offset} and limit ${limit}`,
    )
  }
  return { clauses, offset, limit }
}

/** Parses an int64 as FISCO's `boost::lexical_cast<int64_t>`; undefined when it is not one. */
function parseInt64(value: string): bigint | undefined {
  if (!INT_RE.test(value)) return undefined
  const n = BigInt(value)
  return n < INT64_MIN || n > INT64_MAX ? undefined : n
}

/**
 * Whether a row (key field included) satisfies every clause. EQ/NE compare strings; GT, GE,
 * LT and LE compare as 64-bit integers, an empty field counting as 0, and never match a value
 * that is not an integer (FISCO `Condition::process`). Clauses on hidden fields are ignored and
 * a clause on a field the row lacks does not match.
 */
export function matchesCondition(row: Entry, condition: CompiledCondition): boolean {
  for (const clause of condition.clauses) {
    if (clause.field.startsWith('_') && clause.field.endsWith('_')) continue
    const value = row[clause.field]
    if (value === undefined) return false
    switch (clause.op) {
      case 'EQ':
        if (value !== clause.value) return false
        break
      case 'NE':
        if (value === clause.value) return false
        break
      default: {
        if (clause.int === undefined) return false
        const field = value === '' ? 0n : parseInt64(value)
        if (field === undefined) return false
        if (clause.op === 'GT' && !(field > clause.int)) return false
        if (clause.op === 'GE' && !(field >= clause.int)) return false
        if (clause.op === 'LT' && !(field < clause.int)) return false
        if (clause.op === 'LE' && !(field <= clause.int)) return false
      }
    }
  }
  return true
}

/** Applies `offset`/`limit` to the matched rows. */
export function applyPaging<T>(rows: T[], condition: CompiledCondition): T[] {
  if (condition.offset === 0 && condition.limit === undefined) return rows
  const end = condition.limit === undefined ? undefined : condition.offset + condition.limit
  return rows.slice(condition.offset, end)
}
