import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runScriptFile } from './support/script.js'

// Scripted interaction tests (etcd-io/raft style): commands and the exact messages,
// verdicts, persists and commits they cause. `REWRITE=1 npx vitest run --project
// consensus-pbft scripted` regenerates the expected output after an intended change.
const dir = join(import.meta.dirname, 'testdata')
const rewrite = process.env.REWRITE === '1'

describe('scripted interactions (test/testdata/*.txt)', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt'))
  it('has scripts', () => {
    expect(files.length).toBeGreaterThanOrEqual(5)
  })
  for (const file of files) {
    it(file, () => {
      const mismatches = runScriptFile(join(dir, file), rewrite)
      for (const m of mismatches) {
        expect.soft(m.actual, `${file}:${m.line} ${m.command}`).toBe(m.expected)
      }
      expect(mismatches.length).toBe(0)
    })
  }
})
