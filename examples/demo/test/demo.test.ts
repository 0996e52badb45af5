import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const demoDir = join(dirname(fileURLToPath(import.meta.url)), '..')

// `npm start` runs this program; this test runs it the same way with a smaller workload.
it('four sealers commit every transaction, agree on the head and conserve balances', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'consortia-demo-'))
  try {
    const run = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/main.ts'], {
      cwd: demoDir,
      env: { ...process.env, DEMO_TRANSFERS: '500', DEMO_DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 170_000,
    })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/client signed 600 transactions/)
    expect(run.stdout).toMatch(/block #1: 400 txs/)
    expect(run.stdout).toMatch(/block #2: 200 txs/)
    expect(run.stdout).toMatch(/all 4 sealers at height 2, head 0x[0-9a-f]+…: identical/)
    expect(run.stdout).toMatch(/sum of 100 balances 100000000: conserved/)
    expect(run.stdout).toMatch(/600 transactions committed/)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
})
