import type { Condition, ConditionOp, Entry } from '@consortia/interface'
import { PrecompiledCode, SystemTable, TableLimits, USER_TABLE_PREFIX } from '../codes.js'
import { encodeCode, type PrecompiledContract, PrecompiledFailure, PrecompiledGas } from '../precompiled.js'

const utf8 = new TextEncoder()
const OPS: Readonly<Record<string, ConditionOp>> = {
  eq: 'EQ',
  ne: 'NE',
  gt: 'GT',
  ge: 'GE',
  lt: 'LT',
  le: 'LE',
}

function jsonValueText(v: unknown): string {
  // jsoncpp `asString()`: strings as is, numbers and booleans in text form.
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (v === null) return ''
  throw new Error('not a scalar')
}

/** Parses a CRUD entry JSON object (`{"field":"value",...}`); undefined when malformed. */
export function parseEntryJson(text: string): Entry | undefined {
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) out[k] = jsonValueText(v)
    return out
  } catch {
    return undefined
  }
}

/**
 * Parses a CRUD condition JSON (`{"field":{"eq":"v"},"limit":{"limit":"offset,count"}}`,
 * FISCO CRUDPrecompiled `parseCondition`): a FISCO code on error.
 */
export function parseConditionJson(text: string): Condition | number {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return PrecompiledCode.ParseConditionError
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return PrecompiledCode.ParseConditionError
  const clauses: { field: string; op: ConditionOp; value: string }[] = []
  let offset: number | undefined
  let limit: number | undefined
  // jsoncpp iterates members in sorted order.
  for (const field of Object.keys(parsed).sort()) {
    if (field.startsWith('_')) continue
    const ops = (parsed as Record<string, unknown>)[field]
    if (ops === null || typeof ops !== 'object' || Array.isArray(ops))
      return PrecompiledCode.ParseConditionError
    for (const opName of Object.keys(ops).sort()) {
      const raw = (ops as Record<string, unknown>)[opName]
      let value: string
      try {
        value = jsonValueText(raw)
      } catch {
        return PrecompiledCode.ParseConditionError
      }
      if (opName === 'limit') {
        const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value)
        if (m === null) return PrecompiledCode.ParseConditionError
        offset = Number(m[1])
        limit = Number(m[2])
        continue
      }
      const op = OPS[opName]
      if (op === undefined) return PrecompiledCode.ConditionOperationUndefined
      clauses.push({ field, op, value })
    }
  }
  return { clauses, ...(offset === undefined ? {} : { offset }), ...(limit === undefined ? {} : { limit }) }
}

function checkValues(entry: Entry): void {
  for (const v of Object.values(entry)) {
    if (utf8.encode(v).length > TableLimits.fieldValueBytesMax) {
      throw new PrecompiledFailure(PrecompiledCode.TableKeyValueLengthOverflow, 'field value too long')
    }
  }
}

function sortedRecord(entry: Entry): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of Object.keys(entry).sort()) out[k] = entry[k] as string
  return out
}

const tableNotExist = () => encodeCode(PrecompiledCode.TableNotExist)

/**
 * CRUDPrecompiled (0x1002): string/JSON table access for SDKs. Missing tables return
 * -50100, malformed JSON -51500/-51501, unknown condition operators -51502, and an update
 * that sets the key field -51503.
 */
export const crudPrecompiled: PrecompiledContract = {
  name: 'CRUD',
  methods: [
    {
      signature: 'insert(string,string,string,string)',
      returns: 'int256',
      writes: true,
      async call(args, ctx) {
        const [name, key, entryText] = args.map(String) as [string, string, string]
        if (utf8.encode(key).length > TableLimits.keyValueBytesMax) {
          throw new PrecompiledFailure(PrecompiledCode.TableKeyValueLengthOverflow, 'key too long')
        }
        const table = `${USER_TABLE_PREFIX}${name}`
        ctx.gas.charge(PrecompiledGas.openTable)
        if ((await ctx.tables.tableInfo(table)) === undefined) return tableNotExist()
        const entry = parseEntryJson(entryText)
        if (entry === undefined) return [BigInt(PrecompiledCode.ParseEntryError)]
        checkValues(entry)
        const count = await ctx.tables.insert(table, key, entry)
        ctx.gas.charge(PrecompiledGas.insert, Math.max(count, 0))
        return [BigInt(count)]
      },
    },
    {
      signature: 'update(string,string,string,string,string)',
      returns: 'int256',
      writes: true,
      async call(args, ctx) {
        const [name, key, entryText, conditionText] = args.map(String) as [string, string, string, string]
        const table = `${USER_TABLE_PREFIX}${name}`
        ctx.gas.charge(PrecompiledGas.openTable)
        const info = await ctx.tables.tableInfo(table)
        if (info === undefined) return tableNotExist()
        const entry = parseEntryJson(entryText)
        if (entry === undefined) return [BigInt(PrecompiledCode.ParseEntryError)]
        if (info.keyField in entry) return [BigInt(PrecompiledCode.InvalidUpdateTableKey)]
        const condition = parseConditionJson(conditionText)
        if (typeof condition === 'number') return [BigInt(condition)]
        checkValues(entry)
        const count = await ctx.tables.update(table, key, entry, condition)
        ctx.gas.charge(PrecompiledGas.update, Math.max(count, 0))
        return [BigInt(count)]
      },
    },
    {
      signature: 'remove(string,string,string,string)',
      returns: 'int256',
      writes: true,
      async call(args, ctx) {
        const [name, key, conditionText] = args.map(String) as [string, string, string]
        const table = `${USER_TABLE_PREFIX}${name}`
        ctx.gas.charge(PrecompiledGas.openTable)
        if ((await ctx.tables.tableInfo(table)) === undefined) return tableNotExist()
        const condition = parseConditionJson(conditionText)
        if (typeof condition === 'number') return [BigInt(condition)]
        const count = await ctx.tables.remove(table, key, condition)
        ctx.gas.charge(PrecompiledGas.remove, Math.max(count, 0))
        return [BigInt(count)]
      },
    },
    {
      signature: 'select(string,string,string,string)',
      returns: 'string',
      async call(args, ctx) {
        const [name, key, conditionText] = args.map(String) as [string, string, string]
        const table = name === SystemTable.Tables ? name : `${USER_TABLE_PREFIX}${name}`
        ctx.gas.charge(PrecompiledGas.openTable)
        if ((await ctx.tables.tableInfo(table)) === undefined) return tableNotExist()
        const condition = parseConditionJson(conditionText)
        if (typeof condition === 'number') return encodeCode(condition)
        const rows = await ctx.tables.select(table, key, condition)
        ctx.gas.charge(PrecompiledGas.select, rows.length)
        const json = JSON.stringify(rows.map(sortedRecord))
        ctx.gas.touchMemory(json.length)
        return [json]
      },
    },
    {
      signature: 'desc(string)',
      returns: 'string,string',
      async call(args, ctx) {
        ctx.gas.charge(PrecompiledGas.openTable)
        const info = await ctx.tables.tableInfo(`${USER_TABLE_PREFIX}${String(args[0])}`)
        if (info === undefined) return ['', '']
        return [info.keyField, info.valueFields.join(',')]
      },
    },
  ],
}
