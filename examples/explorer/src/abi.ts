import { type Abi, decodeEventLog, decodeFunctionData, type Hex } from 'viem'
import { explorerAppError, invalidInput } from './errors.js'

/** Largest ABI JSON accepted from an upload or from CNS (bytes of text). */
export const ABI_JSON_BYTES_MAX = 512 * 1024
/** Most contracts whose ABI the app remembers; the oldest is forgotten first. */
export const ABI_BOOK_MAX = 256

/** A decoded argument: its name, Solidity type and value as display text. */
export interface DecodedArg {
  readonly name: string
  readonly type: string
  readonly value: string
}

/** A decoded call or event. */
export interface DecodedCall {
  readonly name: string
  readonly args: DecodedArg[]
}

/** Parses ABI JSON text (an array of fragments, or a solc/truffle artifact with an `abi` field). */
export function parseAbiJson(text: string): Abi {
  if (text.length > ABI_JSON_BYTES_MAX)
    throw invalidInput('abi', `at most ${ABI_JSON_BYTES_MAX} bytes of JSON`, `${text.length} bytes`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw explorerAppError(
      { code: 'EXPLORER_ABI', reason: 'not JSON' },
      `abi: not JSON: ${(err as Error).message}`,
      err,
    )
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'abi' in value) {
    value = (value as { abi: unknown }).abi
  }
  if (!Array.isArray(value)) throw invalidInput('abi', 'a JSON array of ABI fragments', text.slice(0, 30))
  value.forEach((f, i) => {
    if (f === null || typeof f !== 'object' || typeof (f as { type?: unknown }).type !== 'string') {
      throw invalidInput(`abi[${i}]`, 'a fragment object with a "type"', JSON.stringify(f))
    }
  })
  return value as Abi
}

const show = (v: unknown): string => {
  if (typeof v === 'bigint') return v.toString()
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${show(x)}`)
      .join(', ')}}`
  }
  return String(v)
}

interface AbiParam {
  readonly name?: string
  readonly type: string
}

const argsOf = (
  inputs: readonly AbiParam[],
  values: readonly unknown[] | Record<string, unknown> | undefined,
) =>
  inputs.map((p, i) => {
    const value = Array.isArray(values)
      ? values[i]
      : (values as Record<string, unknown> | undefined)?.[p.name ?? String(i)]
    return { name: p.name ?? `arg${i}`, type: p.type, value: show(value) }
  })

/** Decodes a transaction's input with `abi`; undefined when no function of the ABI matches. */
export function decodeInput(abi: Abi, input: string): DecodedCall | undefined {
  if (input === '0x' || input.length < 10) return undefined
  try {
    const d = decodeFunctionData({ abi, data: input as Hex })
    const fn = abi.find((f) => f.type === 'function' && f.name === d.functionName) as
      | { inputs: readonly AbiParam[] }
      | undefined
    return { name: d.functionName, args: argsOf(fn?.inputs ?? [], d.args as readonly unknown[] | undefined) }
  } catch {
    return undefined
  }
}

/** A receipt log as the node returns it. */
export interface LogJSON {
  readonly address: string
  readonly data: string
  readonly topics: readonly string[]
}

/** Decodes a receipt log with `abi`; undefined when no event of the ABI matches. */
export function decodeLog(abi: Abi, log: LogJSON): DecodedCall | undefined {
  try {
    const d = decodeEventLog({ abi, data: log.data as Hex, topics: log.topics as [Hex, ...Hex[]] })
    const ev = abi.find((f) => f.type === 'event' && f.name === d.eventName) as
      | { inputs: readonly AbiParam[] }
      | undefined
    return {
      name: d.eventName ?? '(anonymous)',
      args: argsOf(ev?.inputs ?? [], d.args as readonly unknown[] | Record<string, unknown> | undefined),
    }
  } catch {
    return undefined
  }
}

/** One remembered ABI. */
export interface AbiEntry {
  /** Contract address, lower case 0x hex. */
  readonly address: string
  /** Where it came from: `upload` or `cns:<name>@<version>`. */
  readonly source: string
  readonly abi: Abi
}

/** The ABIs the app knows, by contract address (at most `ABI_BOOK_MAX`, oldest forgotten first). */
export interface AbiBook {
  get(address: string): AbiEntry | undefined
  set(entry: AbiEntry): void
  entries(): AbiEntry[]
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/

/** Creates an ABI book, optionally from entries saved earlier (`entries()` JSON). */
export function createAbiBook(saved: readonly AbiEntry[] = []): AbiBook {
  const map = new Map<string, AbiEntry>()
  const book: AbiBook = {
    get: (address) => map.get(address.toLowerCase()),
    set(entry) {
      if (!ADDRESS.test(entry.address)) throw invalidInput('address', 'a 20-byte 0x address', entry.address)
      const key = entry.address.toLowerCase()
      map.delete(key)
      map.set(key, { ...entry, address: key })
      while (map.size > ABI_BOOK_MAX) map.delete(map.keys().next().value as string)
    },
    entries: () => [...map.values()],
  }
  for (const e of saved.slice(-ABI_BOOK_MAX)) {
    try {
      book.set(e)
    } catch {
      // A corrupted saved entry is dropped, not fatal.
    }
  }
  return book
}
