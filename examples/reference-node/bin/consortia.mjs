#!/usr/bin/env node
// The `consortia` command: runs src/cli.ts from source through tsx (no build step), with the
// `source` export condition so workspace packages resolve to their src/. Signals are passed on.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url))
const tsx = import.meta.resolve('tsx')
const child = spawn(
  process.execPath,
  ['--conditions=source', '--import', tsx, cli, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
