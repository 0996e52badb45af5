import { invalidInput } from '../errors.js'
import type { TableCondition } from '../system.js'

/** A parsed CRUD statement of the FISCO console's SQL-like syntax. */
export type SqlStatement =
  | { kind: 'create'; table: string; key: string; fields: string[] }
  | { kind: 'insert'; table: string; entry: Record<string, string> }
  | { kind: 'select'; table: string; columns: string[] | '*'; where: Where }
  | { kind: 'update'; table: string; entry: Record<string, string>; where: Where }
  | { kind: 'delete'; table: string; where: Where }
  | { kind: 'desc'; table: string }

/** A where clause: `field op value [and …]` plus an optional `limit [offset,] count`. */
export interface Where {
  readonly conditions: readonly { field: string; op: keyof OpMap; value: string }[]
  readonly limit?: [number, number]
}

interface OpMap {
  eq: '='
  ne: '!='
  gt: '>'
  ge: '>='
  lt: '<'
  le: '<='
}

const OPS: Record<string, keyof OpMap> = {
  '=': 'eq',
  '!=': 'ne',
  '<>': 'ne',
  '>': 'gt',
  '>=': 'ge',
  '<': 'lt',
  '<=': 'le',
}

/** The first word of each SQL-like statement the console accepts. */
export const sqlKeywords = ['create', 'insert', 'select', 'update', 'delete', 'desc'] as const

const unquote = (v: string) => v.trim().replace(/^(['"])(.*)\1$/s, '$2')

function splitTop(text: string, sep: string): string[] {
  const out: string[] = []
  let cur = ''
  let quote: string | undefined
  let depth = 0
  for (const c of text) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined
      cur += c
      continue
    }
    if (c === '"' || c === "'") quote = c
    if (c === '(') depth++
    if (c === ')') depth--
    if (c === sep && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out.map((s) => s.trim()).filter((s) => s.length > 0)
}

function parseWhere(text: string | undefined): Where {
  if (text === undefined || text.trim() === '') return { conditions: [] }
  let body = text.trim()
  let limit: [number, number] | undefined
  const lm = /\s*\blimit\s+(\d+)(?:\s*,\s*(\d+))?\s*$/i.exec(body)
  if (lm !== null) {
    limit = lm[2] === undefined ? [0, Number(lm[1])] : [Number(lm[1]), Number(lm[2])]
    body = body.slice(0, lm.index).trim()
  }
  const conditions =
    body === ''
      ? []
      : body.split(/\s+and\s+/i).map((part) => {
          const m = /^([A-Za-z_$][\w$]*)\s*(<=|>=|!=|<>|=|<|>)\s*(.+)$/s.exec(part.trim())
          if (m === null)
            throw invalidInput('where', 'field op value (op: = != > >= < <=)', JSON.stringify(part))
          return { field: m[1]!, op: OPS[m[2]!]!, value: unquote(m[3]!) }
        })
  return { conditions, ...(limit !== undefined ? { limit } : {}) }
}

/** The key value a statement addresses: the `key = value` condition (the console requires it). */
export function keyOfWhere(where: Where, key: string, statement: string): string {
  const c = where.conditions.find((x) => x.field === key && x.op === 'eq')
  if (c === undefined)
    throw invalidInput(statement, `a where clause with ${key} = <value> (the table key)`, 'none')
  return c.value
}

/** The CRUD condition JSON of a where clause, without the key condition. */
export function conditionOfWhere(where: Where, key: string): TableCondition {
  const out: Record<string, Record<string, string>> = {}
  for (const c of where.conditions) {
    if (c.field === key && c.op === 'eq') continue
    out[c.field] = { ...out[c.field], [c.op]: c.value }
  }
  return out
}

/**
 * Parses one statement: `create table t(a varchar, b varchar, primary key(a))`,
 * `insert into t (a, b) values (x, y)`, `select * from t where a = x [and …] [limit n]`,
 * `update t set b = y where a = x`, `delete from t where a = x`, `desc t`.
 */
export function parseSql(line: string): SqlStatement {
  const text = line.trim().replace(/;\s*$/, '')
  let m = /^create\s+table\s+([\w$@]+)\s*\((.*)\)$/is.exec(text)
  if (m !== null) {
    const parts = splitTop(m[2]!, ',')
    let key: string | undefined
    const fields: string[] = []
    for (const p of parts) {
      const pk = /^primary\s+key\s*\(\s*([\w$]+)\s*\)$/i.exec(p)
      if (pk !== null) key = pk[1]!
      else fields.push(p.split(/\s+/)[0]!)
    }
    if (key === undefined) throw invalidInput('create table', 'a primary key(<field>) clause', 'none')
    if (!fields.includes(key))
      throw invalidInput('primary key', `one of the columns (${fields.join(', ')})`, key)
    return { kind: 'create', table: m[1]!, key, fields: fields.filter((f) => f !== key) }
  }
  m = /^insert\s+into\s+([\w$@]+)\s*\((.*?)\)\s*values\s*\((.*)\)$/is.exec(text)
  if (m !== null) {
    const cols = splitTop(m[2]!, ',')
    const vals = splitTop(m[3]!, ',').map(unquote)
    if (cols.length !== vals.length) throw invalidInput('insert', `${cols.length} values`, `${vals.length}`)
    return { kind: 'insert', table: m[1]!, entry: Object.fromEntries(cols.map((c, i) => [c, vals[i]!])) }
  }
  m = /^select\s+(.+?)\s+from\s+([\w$@]+)(?:\s+where\s+(.*))?$/is.exec(text)
  if (m !== null) {
    const cols = m[1]!.trim() === '*' ? '*' : splitTop(m[1]!, ',')
    return { kind: 'select', table: m[2]!, columns: cols, where: parseWhere(m[3]) }
  }
  m = /^update\s+([\w$@]+)\s+set\s+(.+?)(?:\s+where\s+(.*))?$/is.exec(text)
  if (m !== null) {
    const entry: Record<string, string> = {}
    for (const a of splitTop(m[2]!, ',')) {
      const am = /^([\w$]+)\s*=\s*(.+)$/s.exec(a)
      if (am === null) throw invalidInput('update set', 'field = value', JSON.stringify(a))
      entry[am[1]!] = unquote(am[2]!)
    }
    return { kind: 'update', table: m[1]!, entry, where: parseWhere(m[3]) }
  }
  m = /^delete\s+from\s+([\w$@]+)(?:\s+where\s+(.*))?$/is.exec(text)
  if (m !== null) return { kind: 'delete', table: m[1]!, where: parseWhere(m[2]) }
  m = /^desc\s+([\w$@]+)$/i.exec(text)
  if (m !== null) return { kind: 'desc', table: m[1]! }
  throw invalidInput(
    'sql',
    'create/insert/select/update/delete/desc statement',
    JSON.stringify(text.slice(0, 40)),
  )
}
