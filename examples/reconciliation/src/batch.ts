import { invalidInput, reconError } from './errors.js'

/** The most entries one batch may hold (one `record` transaction each). */
export const BATCH_ENTRIES_MAX = 10_000
/** Longest account identifier, in characters. */
export const ACCOUNT_CHARS_MAX = 64
/** Longest batch identifier, in characters. */
export const BATCH_ID_CHARS_MAX = 64

/** One line of a transfer batch: the amount a bank booked for an account (minor units). */
export interface BatchEntry {
  readonly account: string
  readonly amount: bigint
}

/** A bank's control totals of a batch: the sum of the amounts and the number of accounts. */
export interface BatchTotals {
  readonly total: bigint
  readonly accounts: number
}

const ID_RE = /^[A-Za-z0-9_.:-]+$/

/** Checks an account or batch identifier: 1 to `max` characters of [A-Za-z0-9_.:-]. */
export function checkIdentifier(field: string, value: string, max: number): string {
  if (value.length === 0 || value.length > max || !ID_RE.test(value)) {
    throw invalidInput(field, `1 to ${max} characters of [A-Za-z0-9_.:-]`, JSON.stringify(value))
  }
  return value
}

/**
 * Parses a batch file: one `account,amount` per line (amount a non-negative integer in minor
 * units), blank lines and `#` comments ignored, an optional `account,amount` header. Each
 * account appears once; at most `BATCH_ENTRIES_MAX` entries.
 */
export function parseBatchCsv(text: string): BatchEntry[] {
  const entries: BatchEntry[] = []
  const seen = new Set<string>()
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '' || line.startsWith('#')) continue
    if (entries.length === 0 && seen.size === 0 && /^account\s*,\s*amount$/i.test(line)) continue
    const field = `batch line ${i + 1}`
    const parts = line.split(',').map((p) => p.trim())
    if (parts.length !== 2) throw invalidInput(field, '"account,amount"', JSON.stringify(line))
    const account = checkIdentifier(`${field} account`, parts[0]!, ACCOUNT_CHARS_MAX)
    if (!/^\d{1,30}$/.test(parts[1]!)) {
      throw invalidInput(
        `${field} amount`,
        'a non-negative integer of at most 30 digits',
        JSON.stringify(parts[1]),
      )
    }
    if (seen.has(account)) throw invalidInput(`${field} account`, 'each account once per batch', account)
    if (entries.length === BATCH_ENTRIES_MAX) {
      throw reconError(
        {
          code: 'RECON_LIMIT_REACHED',
          limit: 'BATCH_ENTRIES_MAX',
          max: BATCH_ENTRIES_MAX,
          got: entries.length + 1,
        },
        `batch: at most ${BATCH_ENTRIES_MAX} entries`,
      )
    }
    seen.add(account)
    entries.push({ account, amount: BigInt(parts[1]!) })
  }
  return entries
}

/** Writes entries as a batch file (`parseBatchCsv` reads it back). */
export function batchToCsv(entries: readonly BatchEntry[]): string {
  return `account,amount\n${entries.map((e) => `${e.account},${e.amount}`).join('\n')}\n`
}

/** The control totals of a batch. */
export function batchTotals(entries: readonly BatchEntry[]): BatchTotals {
  let total = 0n
  for (const e of entries) total += e.amount
  return { total, accounts: entries.length }
}
