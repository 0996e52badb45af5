import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

describe('README example', () => {
  it('runs examples/basic.ts end to end (suite, Merkle proof, key files, verify pool)', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx')
    const out = execFileSync(
      process.execPath,
      ['--conditions=source', '--import', tsx, 'examples/basic.ts'],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        encoding: 'utf8',
        timeout: 60_000,
      },
    )
    expect(out).toContain('nodeIdMatches: true')
    expect(out).toContain('poolOk: true')
  })
})
