#!/usr/bin/env node
// Launcher of `consortia-reliability` (the reliability report): inside the workspace it runs the
// TypeScript sources through tsx with the `source` export condition; from a published package,
// the built dist/.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const source = join(root, 'src', 'reliability-cli.ts')

let tsx = false
try {
  import.meta.resolve('tsx')
  tsx = true
} catch {
  tsx = false
}

if (existsSync(source) && tsx) {
  const run = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  )
  process.exitCode = run.status ?? 1
} else {
  const { runReliabilityReport } = await import(join(root, 'dist', 'reliability.js'))
  process.exitCode = runReliabilityReport(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  })
}
