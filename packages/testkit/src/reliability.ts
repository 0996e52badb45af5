/**
 * Reliability records (issue 17): every tier of the reliability suite — fuzzing, crash
 * (kill -9) recovery, power loss, multi-process fault networks, planted-bug checks — writes one
 * JSON record per run under a results folder, and `consortia-reliability` aggregates them into
 * one table. Any violation, or a tier the caller requires that wrote nothing, fails the report.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { ChainError } from '@consortia/interface'

/** The tiers of the reliability suite, in report order. */
export const RELIABILITY_TIERS = ['fuzz', 'crash', 'power-loss', 'faults', 'planted-bug'] as const

/** One tier of the reliability suite. */
export type ReliabilityTier = (typeof RELIABILITY_TIERS)[number]

/** Environment variable naming the results folder (default: see `reliabilityDir`). */
export const RELIABILITY_DIR_ENV = 'CONSORTIA_RELIABILITY_DIR'

/** Most violation messages one record keeps (the count goes on past it). */
export const RELIABILITY_MESSAGES_MAX = 20

/** Most records one report reads (a results folder is never unbounded). */
export const RELIABILITY_RECORDS_MAX = 1_000

/** Longest accepted record file, in bytes. */
export const RELIABILITY_RECORD_BYTES_MAX = 256 * 1024

/** What one run of one reliability test found. */
export interface ReliabilityRecord {
  readonly tier: ReliabilityTier
  /** What ran, e.g. `protocol.decodeTransaction` or `kill -9 under load, LevelDB`. */
  readonly name: string
  /** The seeds run (as text: a fast-check seed, `3 on 4 nodes`, ...). */
  readonly seeds: readonly string[]
  /** Faults injected: kills, pauses, partitions, power cuts, planted bugs. */
  readonly faultsInjected: number
  /** Hostile inputs tried (fuzz inputs, corrupted bytes). */
  readonly badInputs: number
  /** Transactions (or blocks, for storage-level tests) a client got an acknowledgement for. */
  readonly txAcknowledged: number
  /** Of those, found afterwards exactly once where the acknowledgement said. */
  readonly txFound: number
  /** Broken properties; every one is a bug. For `planted-bug`: 1 when the suite missed the bug. */
  readonly violations: number
  /** The first `RELIABILITY_MESSAGES_MAX` violation messages. */
  readonly violationMessages: readonly string[]
  /** Wall time of the run in milliseconds. */
  readonly durationMs: number
  /** ISO time the record was written. */
  readonly writtenAt: string
}

/** Error codes of the reliability records. */
export type ReliabilityErrorCode = 'RELIABILITY_BAD_RECORD' | 'RELIABILITY_TOO_MANY_RECORDS'

function reliabilityError(
  code: ReliabilityErrorCode,
  file: string,
  message: string,
): ChainError<{ code: ReliabilityErrorCode; file: string }> {
  return new ChainError({ code, file }, message)
}

/**
 * The results folder: `CONSORTIA_RELIABILITY_DIR` when set, else
 * `node_modules/.cache/consortia-reliability` under the workspace root (the nearest folder above
 * `cwd` holding `pnpm-workspace.yaml`, else `cwd`), which git ignores.
 */
export function reliabilityDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const fromEnv = env[RELIABILITY_DIR_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return resolve(cwd, fromEnv)
  let dir = resolve(cwd)
  for (;;) {
    try {
      readFileSync(join(dir, 'pnpm-workspace.yaml'))
      break
    } catch {
      const up = dirname(dir)
      if (up === dir) {
        dir = resolve(cwd)
        break
      }
      dir = up
    }
  }
  return join(dir, 'node_modules', '.cache', 'consortia-reliability')
}

/** What a test hands `writeReliabilityRecord` (time and message bound are filled in). */
export type ReliabilityRecordInput = Omit<ReliabilityRecord, 'writtenAt' | 'violationMessages'> & {
  readonly violationMessages?: readonly string[]
}

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80)

/**
 * Writes `record` as `<tier>--<name>.json` in `dir` (default `reliabilityDir()`), replacing the
 * record of an earlier run of the same test; the write is atomic (temp file, rename). Returns the path.
 */
export function writeReliabilityRecord(input: ReliabilityRecordInput, dir = reliabilityDir()): string {
  const record: ReliabilityRecord = {
    ...input,
    violationMessages: (input.violationMessages ?? []).slice(0, RELIABILITY_MESSAGES_MAX),
    writtenAt: new Date().toISOString(),
  }
  checkRecord(record, '(new record)')
  mkdirSync(dir, { recursive: true })
  const path = join(dir, `${record.tier}--${slug(record.name)}.json`)
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`)
  renameSync(tmp, path)
  return path
}

const COUNTS = [
  'faultsInjected',
  'badInputs',
  'txAcknowledged',
  'txFound',
  'violations',
  'durationMs',
] as const

/** Checks the shape of a record read from `file`; throws `RELIABILITY_BAD_RECORD` with the field. */
function checkRecord(value: unknown, file: string): asserts value is ReliabilityRecord {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw reliabilityError(
      'RELIABILITY_BAD_RECORD',
      file,
      `${file}: ${field}: expected ${expected}, got ${JSON.stringify(got)}`,
    )
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('record', 'an object', value)
  const r = value as Record<string, unknown>
  if (!(RELIABILITY_TIERS as readonly unknown[]).includes(r['tier']))
    bad('tier', RELIABILITY_TIERS.join(' | '), r['tier'])
  if (typeof r['name'] !== 'string' || r['name'] === '') bad('name', 'a non-empty string', r['name'])
  for (const field of ['seeds', 'violationMessages'] as const) {
    const list = r[field]
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string'))
      bad(field, 'a list of strings', list)
  }
  for (const field of COUNTS) {
    const n = r[field]
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) bad(field, 'a number >= 0', n)
  }
  if ((r['txFound'] as number) > (r['txAcknowledged'] as number))
    bad('txFound', `at most txAcknowledged (${String(r['txAcknowledged'])})`, r['txFound'])
  if (r['writtenAt'] !== undefined && typeof r['writtenAt'] !== 'string')
    bad('writtenAt', 'an ISO time', r['writtenAt'])
}

/** The records of a results folder, and the files that could not be read as records. */
export interface ReliabilityRecords {
  readonly records: readonly ReliabilityRecord[]
  /** One line per unreadable file (each one fails the report). */
  readonly errors: readonly string[]
}

/** Reads every `*.json` record in `dir` (none when it does not exist). */
export function readReliabilityRecords(dir = reliabilityDir()): ReliabilityRecords {
  let names: string[]
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort()
  } catch {
    return { records: [], errors: [] }
  }
  if (names.length > RELIABILITY_RECORDS_MAX) {
    throw reliabilityError(
      'RELIABILITY_TOO_MANY_RECORDS',
      dir,
      `${dir}: expected at most ${RELIABILITY_RECORDS_MAX} records, got ${names.length}`,
    )
  }
  const records: ReliabilityRecord[] = []
  const errors: string[] = []
  for (const name of names) {
    const file = join(dir, name)
    try {
      const text = readFileSync(file, 'utf8')
      if (text.length > RELIABILITY_RECORD_BYTES_MAX) {
        throw reliabilityError(
          'RELIABILITY_BAD_RECORD',
          file,
          `${file}: expected at most ${RELIABILITY_RECORD_BYTES_MAX} bytes, got ${text.length}`,
        )
      }
      const value: unknown = JSON.parse(text)
      checkRecord(value, name)
      records.push(value)
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err))
    }
  }
  return { records, errors }
}

/** The figures of one tier (or of all tiers). */
export interface ReliabilityTotals {
  records: number
  seeds: number
  faultsInjected: number
  badInputs: number
  txAcknowledged: number
  txFound: number
  violations: number
  durationMs: number
}

/** What `summarizeReliability` finds. */
export interface ReliabilitySummary {
  readonly tiers: Readonly<Record<ReliabilityTier, ReliabilityTotals>>
  readonly total: ReliabilityTotals
  /** Every violation message, prefixed with its record's tier and name. */
  readonly violations: readonly string[]
  /** Required tiers that wrote no record. */
  readonly missingTiers: readonly ReliabilityTier[]
  /** Unreadable record files. */
  readonly errors: readonly string[]
  /** True when there is no violation, no missing tier and no unreadable record. */
  readonly ok: boolean
}

const emptyTotals = (): ReliabilityTotals => ({
  records: 0,
  seeds: 0,
  faultsInjected: 0,
  badInputs: 0,
  txAcknowledged: 0,
  txFound: 0,
  violations: 0,
  durationMs: 0,
})

/** Adds up the records per tier; `require` lists tiers that must have written at least one record. */
export function summarizeReliability(
  read: ReliabilityRecords,
  require: readonly ReliabilityTier[] = [],
): ReliabilitySummary {
  const tiers = Object.fromEntries(RELIABILITY_TIERS.map((t) => [t, emptyTotals()])) as Record<
    ReliabilityTier,
    ReliabilityTotals
  >
  const total = emptyTotals()
  const violations: string[] = []
  for (const r of read.records) {
    for (const t of [tiers[r.tier], total]) {
      t.records++
      t.seeds += r.seeds.length
      t.faultsInjected += r.faultsInjected
      t.badInputs += r.badInputs
      t.txAcknowledged += r.txAcknowledged
      t.txFound += r.txFound
      t.violations += r.violations
      t.durationMs += r.durationMs
    }
    if (r.violations > 0) {
      const shown = r.violationMessages.length > 0 ? r.violationMessages : ['(no message recorded)']
      for (const m of shown) violations.push(`${r.tier} / ${r.name}: ${m}`)
      if (r.violations > r.violationMessages.length && r.violationMessages.length > 0)
        violations.push(`${r.tier} / ${r.name}: … ${r.violations - r.violationMessages.length} more`)
    }
  }
  const missingTiers = require.filter((t) => tiers[t].records === 0)
  return {
    tiers,
    total,
    violations,
    missingTiers,
    errors: read.errors,
    ok: total.violations === 0 && missingTiers.length === 0 && read.errors.length === 0,
  }
}

const pad = (cells: readonly string[], widths: readonly number[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')

/** The summary as a printable table plus the violation list and the verdict. */
export function formatReliabilityReport(summary: ReliabilitySummary): string {
  const head = [
    'tier',
    'records',
    'seeds',
    'faults',
    'bad inputs',
    'acknowledged',
    'found once',
    'violations',
    'time s',
  ]
  const row = (name: string, t: ReliabilityTotals) => [
    name,
    String(t.records),
    String(t.seeds),
    String(t.faultsInjected),
    String(t.badInputs),
    String(t.txAcknowledged),
    String(t.txFound),
    String(t.violations),
    (t.durationMs / 1000).toFixed(1),
  ]
  const rows = [head, ...RELIABILITY_TIERS.map((t) => row(t, summary.tiers[t])), row('total', summary.total)]
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  const lines = ['reliability report', pad(head, widths), rule]
  for (const r of rows.slice(1, -1)) lines.push(pad(r, widths))
  lines.push(rule, pad(rows.at(-1)!, widths))
  if (summary.violations.length > 0)
    lines.push('', 'violations:', ...summary.violations.map((v) => `  - ${v}`))
  if (summary.missingTiers.length > 0)
    lines.push('', `tiers that wrote no record: ${summary.missingTiers.join(', ')}`)
  if (summary.errors.length > 0)
    lines.push('', 'unreadable records:', ...summary.errors.map((e) => `  - ${e}`))
  lines.push(
    '',
    summary.ok
      ? 'verdict: OK (0 violations)'
      : `verdict: FAILED (${summary.total.violations} violations, ${summary.missingTiers.length} missing tiers, ${summary.errors.length} unreadable records)`,
  )
  return lines.join('\n')
}

/** Where `runReliabilityReport` prints. */
export interface ReliabilityReportIO {
  out(text: string): void
  err(text: string): void
}

const USAGE = `usage: consortia-reliability [--dir <folder>] [--require <tier,...>|all]
  Prints the figures the reliability tests wrote (${RELIABILITY_TIERS.join(', ')}) and exits 1
  when any record has violations, a required tier wrote no record, or a record is unreadable.
  --dir      results folder (default $${RELIABILITY_DIR_ENV}, else node_modules/.cache/consortia-reliability)
  --require  tiers that must have written a record ("all" = every tier)`

/** The `consortia-reliability` command: returns the exit code (0 ok, 1 violations, 2 usage). */
export function runReliabilityReport(
  args: readonly string[],
  io: ReliabilityReportIO,
  env: NodeJS.ProcessEnv = process.env,
): number {
  let dir = reliabilityDir(env)
  let require: ReliabilityTier[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const value = args[i + 1]
    if (a === '--help' || a === '-h') {
      io.out(USAGE)
      return 0
    }
    if ((a === '--dir' || a === '--require') && value === undefined) {
      io.err(`${a}: expected a value, got nothing\n${USAGE}`)
      return 2
    }
    if (a === '--dir') dir = resolve(value!)
    else if (a === '--require') {
      const list = value === 'all' ? [...RELIABILITY_TIERS] : value!.split(',').map((s) => s.trim())
      const unknown = list.filter((t) => !(RELIABILITY_TIERS as readonly string[]).includes(t))
      if (unknown.length > 0) {
        io.err(`--require: expected tiers of ${RELIABILITY_TIERS.join(', ')}, got ${unknown.join(', ')}`)
        return 2
      }
      require = list as ReliabilityTier[]
    } else {
      io.err(`unknown argument ${a}\n${USAGE}`)
      return 2
    }
    i++
  }
  let read: ReliabilityRecords
  try {
    read = readReliabilityRecords(dir)
  } catch (err) {
    io.err(err instanceof Error ? err.message : String(err))
    return 1
  }
  const summary = summarizeReliability(read, require)
  io.out(`records: ${dir}`)
  io.out(formatReliabilityReport(summary))
  return summary.ok ? 0 : 1
}
