/** Batch files: parsing, labelled errors, control totals and the entry limit. */
import { describe, expect, it } from 'vitest'
import { BATCH_ENTRIES_MAX, batchToCsv, batchTotals, isReconError, parseBatchCsv } from '../src/index.js'

describe('batch files', () => {
  it('parses entries, skips the header, comments and blank lines, and round-trips', () => {
    const entries = parseBatchCsv('account,amount\n# settlement 2026-11-26\nacct-1, 100\n\nacct-2,250\r\n')
    expect(entries).toEqual([
      { account: 'acct-1', amount: 100n },
      { account: 'acct-2', amount: 250n },
    ])
    expect(parseBatchCsv(batchToCsv(entries))).toEqual(entries)
    expect(batchTotals(entries)).toEqual({ total: 350n, accounts: 2 })
  })

  it('rejects malformed lines with the line number', () => {
    expect(() => parseBatchCsv('acct-1,100\nacct-2')).toThrow(
      'batch line 2: expected "account,amount", got "acct-2"',
    )
    expect(() => parseBatchCsv('acct-1,-5')).toThrow('batch line 1 amount: expected a non-negative integer')
    expect(() => parseBatchCsv('acct 1,5')).toThrow('batch line 1 account: expected 1 to 64 characters')
    expect(() => parseBatchCsv('a,1\na,2')).toThrow(
      'batch line 2 account: expected each account once per batch, got a',
    )
  })

  it(`accepts ${BATCH_ENTRIES_MAX} entries and refuses one more`, () => {
    const lines = Array.from({ length: BATCH_ENTRIES_MAX }, (_, i) => `a${i},${i}`)
    expect(parseBatchCsv(lines.join('\n'))).toHaveLength(BATCH_ENTRIES_MAX)
    let caught: unknown
    try {
      parseBatchCsv([...lines, 'extra,1'].join('\n'))
    } catch (err) {
      caught = err
    }
    expect(isReconError(caught, 'RECON_LIMIT_REACHED')).toBe(true)
  })
})
