import { describe, expect, it } from 'vitest'
import { FUZZ_RUNS_DEFAULT, formatFuzzReport, runFuzz, runFuzzAsync } from '../src/index.js'

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
    const a = runFuzz(target, { runs: 2000 })
    const b = runFuzz(target, { runs: 2000 })
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
      { runs: 5000 },
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
      { runs: 300, slowMs: 10 },
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
      { runs: 3000 },
    )
    expect(report.runs).toBeGreaterThan(0)
    expect(report.refused).toBeGreaterThan(0)
    expect(report.failures[0]?.detail).toBe('RangeError: too long')
  })

  it('runs 50,000 inputs by default, as issue 17 asks of CI', () => {
    expect(FUZZ_RUNS_DEFAULT).toBe(50_000)
  })
})
