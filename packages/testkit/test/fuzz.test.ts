import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  FUZZ_RUNS_DEFAULT,
  formatFuzzReport,
  readReliabilityRecords,
  runFuzz,
  runFuzzAsync,
} from '../src/index.js'

// The runs below fail on purpose: their reliability records go to a folder of their own.
const recordDir = mkdtempSync(join(tmpdir(), 'consortia-fuzz-records-'))
afterAll(() => rmSync(recordDir, { recursive: true, force: true }))

class ExpectedError extends Error {}

describe('runFuzz', () => {
  it('counts accepted and refused inputs and is deterministic for a seed', () => {
    const target = {
      name: 'first-byte-even',
      seeds: [Uint8Array.from([2, 4, 6])],
      run: (input: Uint8Array) => {
        if ((input[0] ?? 0) % 2 === 1) throw new ExpectedError('odd')
        return input.length
      },
      isExpected: (err: unknown) => err instanceof ExpectedError,
    }
    const a = runFuzz(target, { runs: 2000, recordDir })
    const b = runFuzz(target, { runs: 2000, recordDir })
    expect(a.runs).toBe(2000)
    expect(a.accepted + a.refused).toBe(2000)
    expect(a.accepted).toBeGreaterThan(0)
    expect(a.refused).toBeGreaterThan(0)
    expect(a.failures).toEqual([])
    expect([b.accepted, b.refused]).toEqual([a.accepted, a.refused])
    expect(formatFuzzReport(a)).toContain('first-byte-even: 2000 inputs')
  })

  it('reports an unexpected error with the input that caused it', () => {
    const report = runFuzz(
      {
        name: 'crashes-on-0xff',
        seeds: [Uint8Array.from([1, 2, 3])],
        run: (input) => {
          if (input.includes(0xff)) throw new TypeError('boom')
        },
        isExpected: (err) => err instanceof ExpectedError,
      },
      { runs: 5000, recordDir },
    )
    expect(report.failures.length).toBeGreaterThan(0)
    expect(report.failures[0]?.kind).toBe('unexpected-error')
    expect(report.failures[0]?.detail).toBe('TypeError: boom')
    expect(report.failures[0]?.input).toContain('ff')
  })

  it('reports an input that is slow twice', () => {
    const report = runFuzz(
      {
        name: 'slow-on-long-input',
        seeds: [new Uint8Array(64)],
        run: (input) => {
          if (input.length < 600) return
          const until = performance.now() + 30
          while (performance.now() < until) {
            // busy: a decoder doing quadratic work on a long input
          }
        },
        isExpected: () => false,
      },
      { runs: 300, slowMs: 10, recordDir },
    )
    expect(report.failures.some((f) => f.kind === 'slow')).toBe(true)
  })

  it('runs asynchronous targets and reports what they throw', async () => {
    const report = await runFuzzAsync(
      {
        name: 'async-handler',
        seeds: [Uint8Array.from([1, 2, 3])],
        run: async (input) => {
          await Promise.resolve()
          if (input.length > 3) throw new RangeError('too long')
          if (input.length === 0) throw new ExpectedError('empty')
        },
        isExpected: (err) => err instanceof ExpectedError,
      },
      { runs: 3000, recordDir },
    )
    expect(report.runs).toBeGreaterThan(0)
    expect(report.refused).toBeGreaterThan(0)
    expect(report.failures[0]?.detail).toBe('RangeError: too long')
  })

  it('writes a fuzz reliability record per target: inputs tried and failures as violations', () => {
    const { records, errors } = readReliabilityRecords(recordDir)
    expect(errors).toEqual([])
    const byName = new Map(records.map((r) => [r.name, r]))
    expect(byName.get('first-byte-even')).toMatchObject({ tier: 'fuzz', badInputs: 2000, violations: 0 })
    expect(byName.get('first-byte-even')?.seeds).toEqual(['17'])
    const crash = byName.get('crashes-on-0xff')
    expect(crash?.violations).toBeGreaterThan(0)
    expect(crash?.violationMessages[0]).toMatch(/^unexpected-error: TypeError: boom \(input [0-9a-f]*ff/)
    expect(byName.get('slow-on-long-input')?.violations).toBeGreaterThan(0)
    expect(byName.get('async-handler')?.violations).toBeGreaterThan(0)
    const before = readdirSync(recordDir).length
    runFuzz(
      { name: 'not-recorded', seeds: [], run: () => 0, isExpected: () => false },
      { runs: 10, record: false, recordDir },
    )
    expect(readdirSync(recordDir)).toHaveLength(before)
  })

  it('runs 50,000 inputs by default, as issue 17 asks of CI', () => {
    expect(FUZZ_RUNS_DEFAULT).toBe(50_000)
  })
})
