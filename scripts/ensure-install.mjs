#!/usr/bin/env node
// Makes the README's commands work on a machine that has only Node 20 and npm:
// installs the workspace's dependencies with the pinned pnpm when they are missing
// or older than the lockfile. Prints what it does; does nothing when up to date.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
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

// The block explorer's bundle (served by `consortia start` on `explorer.port`): built on the first
// run and rebuilt when a file of its sources is newer than the bundle.
const explorerDir = join(root, 'examples', 'explorer')
const bundle = join(explorerDir, 'dist', 'index.html')
/** Newest modification time (ms) of the files under `dir`. */
function newestMtimeMs(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs)
  }
  return newest
}
if (existsSync(explorerDir)) {
  const sourcesMs = Math.max(newestMtimeMs(join(explorerDir, 'web')), newestMtimeMs(join(explorerDir, 'src')))
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < sourcesMs) {
    console.log('[consortia] building the block explorer…')
    execFileSync(process.execPath, [join(explorerDir, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
      cwd: explorerDir,
      stdio: 'inherit',
    })
  }
}
