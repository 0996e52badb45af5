/**
 * The planted-bug check of the reliability suite (issue 17): with `CONSORTIA_PLANTED_BUG=skip-commit-sync`
 * the AMDB KvStore driver stops fsyncing block commits (a real durability bug, planted by a hook in
 * packages/amdb/src/kv-driver.ts and never set by any configuration). This test runs the relevant part
 * of the suite — AMDB's power-loss test "with sync, every acknowledged block survives a cut" — in a
 * child vitest with the bug planted, and asserts the suite DETECTS it: the child fails and its
 * `power-loss` record counts violations. The verdict goes to a `planted-bug` record (1 violation when
 * the bug escaped). The same test without the bug is part of the normal run (its record must show 0).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { RELIABILITY_DIR_ENV, readReliabilityRecords, writeReliabilityRecord } from '../src/index.js'

const workspace = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const vitestCli = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')

/** Runs one test of another package in a child vitest with `env` added; its records go to a fresh folder. */
function runSuitePart(args: readonly string[], env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'consortia-planted-'))
  const childEnv: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST')) childEnv[k] = v
  try {
    const started = Date.now()
    const run = spawnSync(process.execPath, [vitestCli, 'run', ...args], {
      cwd: workspace,
      env: { ...childEnv, ...env, [RELIABILITY_DIR_ENV]: dir, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 240_000,
    })
    return {
      status: run.status,
      output: `${run.stdout}${run.stderr}`,
      records: readReliabilityRecords(dir),
      durationMs: Date.now() - started,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('planted bug: the suite detects a skipped fsync of the committed block (attack catalogue A21)', () => {
  it('AMDB power-loss test fails and records violations with CONSORTIA_PLANTED_BUG=skip-commit-sync', () => {
    const child = runSuitePart(
      [
        '--project',
        'amdb',
        'packages/amdb/test/power-loss.test.ts',
        '-t',
        'with sync, every acknowledged block',
      ],
      { CONSORTIA_PLANTED_BUG: 'skip-commit-sync' },
    )
    const record = child.records.records.find((r) => r.tier === 'power-loss')
    const detected = child.status === 1 && record !== undefined && record.violations > 0
    writeReliabilityRecord({
      tier: 'planted-bug',
      name: 'skip-commit-sync caught by AMDB power-loss test',
      seeds: ['skip-commit-sync'],
      faultsInjected: 1,
      badInputs: 0,
      // The blocks the buggy run lost are the child's figures, not this record's.
      txAcknowledged: 0,
      txFound: 0,
      violations: detected ? 0 : 1,
      violationMessages: detected
        ? []
        : [
            `planted bug skip-commit-sync escaped: child exit ${child.status}, record ${JSON.stringify(record)}`,
          ],
      durationMs: child.durationMs,
    })
    expect(child.records.errors).toEqual([])
    expect(record, child.output.slice(-3000)).toBeDefined()
    expect(record!.violations).toBeGreaterThan(0)
    expect(record!.violationMessages[0]).toMatch(/acknowledged batches not synced|reopened at height/)
    expect(record!.txFound).toBeLessThan(record!.txAcknowledged)
    expect(child.status, child.output.slice(-3000)).toBe(1)
  }, 300_000)
})
