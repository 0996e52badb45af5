#!/usr/bin/env node
// Makes the README's commands work on a machine that has only Node 20 and npm:
// installs the workspace's dependencies with the pinned pnpm when they are missing
// or older than the lockfile. Prints what it does; does nothing when up to date.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]
const lockfile = join(root, 'pnpm-lock.yaml')
const installed = join(root, 'node_modules', '.pnpm', 'lock.yaml')

const upToDate =
  existsSync(installed) &&
  existsSync(lockfile) &&
  readFileSync(installed, 'utf8') === readFileSync(lockfile, 'utf8')

if (!upToDate) {
  let pnpm = ['pnpm']
  try {
    const version = execFileSync('pnpm', ['--version'], { encoding: 'utf8' }).trim()
    if (version !== pinned) throw new Error(`pnpm ${version} is not the pinned ${pinned}`)
  } catch {
    // npx fetches the pinned pnpm from the npm registry; nothing is installed globally.
    pnpm = ['npx', '--yes', `pnpm@${pinned}`]
  }
  console.log(`[consortia] installing dependencies with pnpm ${pinned} (first run only)…`)
  execFileSync(pnpm[0], [...pnpm.slice(1), 'install', '--frozen-lockfile'], { cwd: root, stdio: 'inherit' })
}
