import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import {
  formatReliabilityReport,
  RELIABILITY_DIR_ENV,
  RELIABILITY_MESSAGES_MAX,
  RELIABILITY_RECORD_BYTES_MAX,
  RELIABILITY_RECORDS_MAX,
  type ReliabilityRecordInput,
  readReliabilityRecords,
  reliabilityDir,
  runReliabilityReport,
  summarizeReliability,
  writeReliabilityRecord,
} from '../src/index.js'

const root = mkdtempSync(join(tmpdir(), 'consortia-reliability-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const freshDir = () => join(root, `d${n++}`)

const record = (over: Partial<ReliabilityRecordInput> = {}): ReliabilityRecordInput => ({
  tier: 'crash',
  name: 'kill -9 under load, LevelDB',
  seeds: ['1 on 4 nodes'],
  faultsInjected: 10,
  badInputs: 0,
  txAcknowledged: 200,
  txFound: 200,
  violations: 0,
  durationMs: 1500,
  ...over,
})

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const out: string[] = []
  const err: string[] = []
  const code = runReliabilityReport(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, env)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('reliability records', () => {
  it('are written one per test (a rerun replaces its record), read back and added up per tier', () => {
    const dir = freshDir()
    writeReliabilityRecord(record(), dir)
    writeReliabilityRecord(record({ txAcknowledged: 300, txFound: 300 }), dir)
    writeReliabilityRecord(
      record({
        tier: 'fuzz',
        name: 'protocol.decodeTransaction',
        faultsInjected: 0,
        badInputs: 50_000,
        txAcknowledged: 0,
        txFound: 0,
      }),
      dir,
    )
    writeReliabilityRecord(
      record({
        tier: 'fuzz',
        name: 'p2p.decodeFrame',
        faultsInjected: 0,
        badInputs: 50_000,
        txAcknowledged: 0,
        txFound: 0,
        seeds: ['17'],
      }),
      dir,
    )
    expect(readdirSync(dir).sort()).toEqual([
      'crash--kill-9-under-load-leveldb.json',
      'fuzz--p2p-decodeframe.json',
      'fuzz--protocol-decodetransaction.json',
    ])
    const read = readReliabilityRecords(dir)
    expect(read.errors).toEqual([])
    expect(read.records.find((r) => r.tier === 'crash')?.writtenAt).toMatch(/^\d{4}-\d\d-\d\dT/)
    const s = summarizeReliability(read, ['crash', 'fuzz'])
    expect(s.ok).toBe(true)
    expect(s.tiers.crash).toMatchObject({ records: 1, faultsInjected: 10, txAcknowledged: 300, txFound: 300 })
    expect(s.tiers.fuzz).toMatchObject({ records: 2, badInputs: 100_000, seeds: 2 })
    expect(s.total).toMatchObject({ records: 3, seeds: 3, violations: 0 })
    const text = formatReliabilityReport(s)
    expect(text).toMatch(/^fuzz +2 +2 +0 +100000 +0 +0 +0 +3\.0$/m)
    expect(text).toMatch(/^crash +1 +1 +10 +0 +300 +300 +0 +1\.5$/m)
    expect(text).toMatch(/^total +3 +3 +10 +100000 +300 +300 +0 +4\.5$/m)
    expect(text).toContain('verdict: OK (0 violations)')
  })

  it('fail the report on a violation, a missing required tier or an unreadable record, naming each', () => {
    const dir = freshDir()
    writeReliabilityRecord(
      record({
        tier: 'power-loss',
        name: 'AMDB power cut',
        violations: RELIABILITY_MESSAGES_MAX + 3,
        violationMessages: Array.from({ length: RELIABILITY_MESSAGES_MAX + 3 }, (_, i) => `block ${i} lost`),
      }),
      dir,
    )
    writeFileSync(
      join(dir, 'crash--broken.json'),
      '{"tier":"crash","name":"x","seeds":[],"violations":"none"}',
    )
    const read = readReliabilityRecords(dir)
    expect(read.records[0]?.violationMessages).toHaveLength(RELIABILITY_MESSAGES_MAX)
    expect(read.errors).toEqual([
      'crash--broken.json: violationMessages: expected a list of strings, got undefined',
    ])
    const s = summarizeReliability(read, ['crash', 'power-loss', 'faults'])
    expect(s.ok).toBe(false)
    expect(s.missingTiers).toEqual(['crash', 'faults'])
    expect(s.violations[0]).toBe('power-loss / AMDB power cut: block 0 lost')
    expect(s.violations.at(-1)).toBe('power-loss / AMDB power cut: … 3 more')
    const text = formatReliabilityReport(s)
    expect(text).toContain('tiers that wrote no record: crash, faults')
    expect(text).toContain(
      `verdict: FAILED (${RELIABILITY_MESSAGES_MAX + 3} violations, 2 missing tiers, 1 unreadable records)`,
    )
  })

  it('refuse bad figures at the boundary with the field named', () => {
    const dir = freshDir()
    expect(() => writeReliabilityRecord(record({ txFound: 201 }), dir)).toThrow(
      '(new record): txFound: expected at most txAcknowledged (200), got 201',
    )
    expect(() => writeReliabilityRecord(record({ violations: -1 }), dir)).toThrow(
      '(new record): violations: expected a number >= 0, got -1',
    )
    expect(() => writeReliabilityRecord(record({ tier: 'chaos' as 'crash' }), dir)).toThrow(
      '(new record): tier: expected fuzz | crash | power-loss | faults | planted-bug, got "chaos"',
    )
  })

  it(`read at most RELIABILITY_RECORDS_MAX records of at most RELIABILITY_RECORD_BYTES_MAX bytes`, () => {
    const big = freshDir()
    mkdirSync(big, { recursive: true })
    writeFileSync(join(big, 'fuzz--big.json'), `${' '.repeat(RELIABILITY_RECORD_BYTES_MAX + 1)}{}`)
    expect(readReliabilityRecords(big).errors[0]).toMatch(
      new RegExp(
        `expected at most ${RELIABILITY_RECORD_BYTES_MAX} bytes, got ${RELIABILITY_RECORD_BYTES_MAX + 3}$`,
      ),
    )
    const many = freshDir()
    mkdirSync(many, { recursive: true })
    for (let i = 0; i <= RELIABILITY_RECORDS_MAX; i++) writeFileSync(join(many, `fuzz--${i}.json`), '{}')
    expect(() => readReliabilityRecords(many)).toThrow(
      `expected at most ${RELIABILITY_RECORDS_MAX} records, got ${RELIABILITY_RECORDS_MAX + 1}`,
    )
    expect(run(['--dir', many]).code).toBe(1)
  })

  it('live under CONSORTIA_RELIABILITY_DIR, else node_modules/.cache under the workspace root', () => {
    expect(reliabilityDir({ [RELIABILITY_DIR_ENV]: '/x/y' }, '/tmp')).toBe('/x/y')
    const here = dirname(fileURLToPath(import.meta.url))
    const workspace = join(here, '..', '..', '..')
    expect(reliabilityDir({}, here)).toBe(join(workspace, 'node_modules', '.cache', 'consortia-reliability'))
    expect(reliabilityDir({}, '/')).toBe(join('/', 'node_modules', '.cache', 'consortia-reliability'))
  })
})

describe('consortia-reliability', () => {
  it('prints the table and exits 0 without violations, 1 with one, 2 on bad arguments', () => {
    const dir = freshDir()
    writeReliabilityRecord(record(), dir)
    const ok = run([], { [RELIABILITY_DIR_ENV]: dir })
    expect(ok.code).toBe(0)
    expect(ok.out).toContain(`records: ${dir}`)
    expect(ok.out).toContain('verdict: OK')
    expect(run(['--dir', dir, '--require', 'all']).code).toBe(1)
    expect(run(['--dir', dir, '--require', 'crash']).code).toBe(0)
    const bad = run(['--dir', dir, '--require', 'crash,chaos'])
    expect(bad.code).toBe(2)
    expect(bad.err).toBe(
      '--require: expected tiers of fuzz, crash, power-loss, faults, planted-bug, got chaos',
    )
    expect(run(['--dir']).code).toBe(2)
    expect(run(['--frobnicate']).code).toBe(2)
    writeReliabilityRecord(
      record({ tier: 'faults', name: 'seed 1', violations: 1, violationMessages: ['fork at 7'] }),
      dir,
    )
    const failed = run(['--dir', dir])
    expect(failed.code).toBe(1)
    expect(failed.out).toContain('faults / seed 1: fork at 7')
  })

  it('runs as a command (bin/consortia-reliability.mjs) with that exit code', () => {
    const dir = freshDir()
    writeReliabilityRecord(
      record({ tier: 'planted-bug', name: 'skip fsync', violations: 1, violationMessages: ['missed'] }),
      dir,
    )
    const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'consortia-reliability.mjs')
    const r = spawnSync(process.execPath, [bin, '--dir', dir], { encoding: 'utf8', timeout: 60_000 })
    expect(r.stdout).toContain('planted-bug / skip fsync: missed')
    expect(r.status).toBe(1)
  }, 60_000)
})
