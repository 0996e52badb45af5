import type { AbiParameter } from 'viem'
import { invalidInput } from '../errors.js'

/** Splits a command line into words; single or double quotes group words, backslash escapes. */
export function tokenize(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quote: string | undefined
  let has = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote !== undefined) {
      if (c === '\\' && i + 1 < line.length) cur += line[++i]
      else if (c === quote) quote = undefined
      else cur += c
      continue
    }
    if (c === '"' || c === "'") {
      quote = c
      has = true
    } else if (/\s/.test(c)) {
      if (has || cur.length > 0) out.push(cur)
      cur = ''
      has = false
    } else cur += c
  }
  if (quote !== undefined) throw invalidInput('command', 'closed quotes', `an unclosed ${quote}`)
  if (has || cur.length > 0) out.push(cur)
  return out
}

/** Converts a console word to an ABI value of `param`'s type (ints → bigint, bool, arrays as JSON). */
export function parseArg(text: string, param: AbiParameter): unknown {
  const type = param.type
  const label = param.name === undefined || param.name === '' ? type : `${param.name} (${type})`
  if (type.endsWith(']') || type === 'tuple') {
    let v: unknown
    try {
      v = JSON.parse(text)
    } catch {
      throw invalidInput(label, 'a JSON array', JSON.stringify(text))
    }
    if (type === 'tuple') return v
    const inner = { ...param, type: type.slice(0, type.lastIndexOf('[')) } as AbiParameter
    if (!Array.isArray(v)) throw invalidInput(label, 'a JSON array', JSON.stringify(text))
    return v.map((x) => parseArg(typeof x === 'string' ? x : JSON.stringify(x), inner))
  }
  if (/^u?int\d*$/.test(type)) {
    if (!/^-?(0x[0-9a-fA-F]+|\d+)$/.test(text)) throw invalidInput(label, 'an integer', JSON.stringify(text))
    return text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text)
  }
  if (type === 'bool') {
    if (text !== 'true' && text !== 'false') throw invalidInput(label, 'true or false', JSON.stringify(text))
    return text === 'true'
  }
  return text
}

/** Formats a result for the console: bigints as decimal, bytes as hex, objects as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean')
    return String(value)
  if (value === undefined) return ''
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)
}
