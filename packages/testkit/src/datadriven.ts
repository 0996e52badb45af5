import { readFileSync, writeFileSync } from 'node:fs'

/**
 * Scripted interaction tests in the style of etcd-io/raft's `testdata/*.txt`: a file is a
 * header of `#` comments, then cases of `command args…`, a `----` line, the expected output
 * and a blank line. Engines supply the commands; this module parses, runs and rewrites.
 */

/** One case of a scripted test file. */
export interface DataDrivenCase {
  readonly command: string
  readonly expected: string
  /** 1-based line of the command in the file. */
  readonly line: number
}

/** A case whose actual output differs from the expected one. */
export interface DataDrivenMismatch extends DataDrivenCase {
  readonly actual: string
}

/** Parse a scripted test file into its header and cases. */
export function parseDataDriven(text: string): { header: string; cases: DataDrivenCase[] } {
  const lines = text.split('\n')
  const cases: DataDrivenCase[] = []
  const headerLines: string[] = []
  let i = 0
  while (i < lines.length && (lines[i]!.startsWith('#') || lines[i]!.trim() === ''))
    headerLines.push(lines[i++]!)
  while (i < lines.length) {
    if (lines[i]!.trim() === '') {
      i++
      continue
    }
    const start = i
    const cmd: string[] = []
    while (i < lines.length && lines[i] !== '----') cmd.push(lines[i++]!)
    if (i >= lines.length) throw new Error(`line ${start + 1}: command without ---- separator`)
    i++
    const out: string[] = []
    while (i < lines.length && lines[i]!.trim() !== '') out.push(lines[i++]!)
    cases.push({ command: cmd.join('\n'), expected: out.join('\n'), line: start + 1 })
  }
  return { header: headerLines.join('\n'), cases }
}

/** `key=value` arguments of a command (a bare `key` means `key=true`). */
export function parseDataDrivenArgs(parts: readonly string[]): Map<string, string> {
  const m = new Map<string, string>()
  for (const p of parts) {
    const [k, v] = p.split('=')
    m.set(k!, v ?? 'true')
  }
  return m
}

/** A numeric argument; throws when it is missing and has no fallback. */
export function dataDrivenNumber(a: ReadonlyMap<string, string>, key: string, fallback?: number): number {
  const v = a.get(key)
  if (v === undefined) {
    if (fallback === undefined) throw new Error(`missing argument ${key}`)
    return fallback
  }
  return Number(v)
}

/** A boolean argument (`true` is true, anything else false). */
export function dataDrivenBool(a: ReadonlyMap<string, string>, key: string, fallback: boolean): boolean {
  const v = a.get(key)
  return v === undefined ? fallback : v === 'true'
}

/**
 * Run every case of the file at `path` through `run` (one fresh `run` per file: it carries the
 * file's state). Returns the mismatches; with `rewrite`, writes the actual outputs back into the
 * file instead (review the diff before keeping it) and returns none.
 */
export function runDataDrivenFile(
  path: string,
  run: (command: string) => string,
  options: { readonly rewrite?: boolean } = {},
): DataDrivenMismatch[] {
  const { header, cases } = parseDataDriven(readFileSync(path, 'utf8'))
  const mismatches: DataDrivenMismatch[] = []
  const rewritten: string[] = [header.trimEnd(), '']
  for (const tc of cases) {
    const actual = run(tc.command)
    if (actual !== tc.expected) mismatches.push({ ...tc, actual })
    rewritten.push(tc.command, '----', actual, '')
  }
  if (options.rewrite) {
    writeFileSync(path, `${rewritten.join('\n').trimEnd()}\n`)
    return []
  }
  return mismatches
}
