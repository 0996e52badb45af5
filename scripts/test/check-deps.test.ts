import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { checkDeps, importsOf } from '../check-deps.mjs'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const exportsOf = { '.': { source: './src/index.ts', import: './dist/index.js' } }

let tmp: string | undefined
afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true })
  tmp = undefined
})

function write(root: string, path: string, text: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}

function fakeWorkspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'check-deps-'))
  tmp = root
  const pkg = (name: string, deps: Record<string, string> = {}, devDeps: Record<string, string> = {}) =>
    JSON.stringify({ name, exports: exportsOf, dependencies: deps, devDependencies: devDeps })
  write(root, 'packages/interface/package.json', pkg('@consortia/interface'))
  write(root, 'packages/interface/src/index.ts', 'export type X = 1\n')
  write(root, 'packages/amdb/package.json', pkg('@consortia/amdb', { '@consortia/interface': 'workspace:^' }))
  write(
    root,
    'packages/amdb/src/index.ts',
    "import type { X } from '@consortia/interface'\nexport type Y = X\n",
  )
  write(
    root,
    'packages/crypto/package.json',
    pkg('@consortia/crypto', { '@consortia/interface': 'workspace:^' }, { 'fast-check': '1' }),
  )
  write(root, 'packages/crypto/src/index.ts', "import { X } from '@consortia/interface'\nexport { X }\n")
  write(root, 'packages/crypto/test/a.test.ts', "import fc from 'fast-check'\nimport 'node:fs'\n")
  for (const [path, text] of Object.entries(files)) write(root, path, text)
  return root
}

describe('check-deps', () => {
  it('finds no violation in this repository', () => {
    expect(checkDeps(repoRoot)).toEqual([])
  })

  it('accepts a clean workspace', () => {
    expect(checkDeps(fakeWorkspace({}))).toEqual([])
  })

  it('catches a planted import of a higher layer', () => {
    const root = fakeWorkspace({
      'packages/crypto/src/bad.ts': "import { Y } from '@consortia/amdb'\nexport { Y }\n",
    })
    const found = checkDeps(root)
    expect(found.some((v) => v.includes("imports '@consortia/amdb'") && v.includes('does not declare'))).toBe(
      true,
    )
  })

  it('catches a declared dependency on a higher layer', () => {
    const root = fakeWorkspace({
      'packages/crypto/package.json': JSON.stringify({
        name: '@consortia/crypto',
        exports: exportsOf,
        dependencies: { '@consortia/interface': 'workspace:^', '@consortia/amdb': 'workspace:^' },
      }),
      'packages/crypto/src/bad.ts': "export * from '@consortia/amdb'\n",
    })
    const found = checkDeps(root)
    expect(found).toContain(
      'packages/crypto/package.json: @consortia/crypto (layer 1) may not depend on @consortia/amdb',
    )
    expect(found).toContain(
      'packages/crypto/src/bad.ts: @consortia/crypto (layer 1) may not import @consortia/amdb',
    )
  })

  it('catches sibling internals, escaping relative imports and dev-only deps in src', () => {
    const root = fakeWorkspace({
      'packages/amdb/src/a.ts': "import '@consortia/interface/src/bytes.js'\n",
      'packages/amdb/src/b.ts': "import '../../interface/src/index.js'\n",
      'packages/crypto/src/c.ts': "const m = await import('fast-check')\nexport { m }\n",
    })
    const found = checkDeps(root)
    expect(found.some((v) => v.startsWith('packages/amdb/src/a.ts') && v.includes('sibling internals'))).toBe(
      true,
    )
    expect(
      found.some((v) => v.startsWith('packages/amdb/src/b.ts') && v.includes('leaves the package')),
    ).toBe(true)
    expect(found.some((v) => v.startsWith('packages/crypto/src/c.ts') && v.includes('fast-check'))).toBe(true)
    expect(found).toHaveLength(3)
  })

  it('keeps pure consensus engines on the interface alone', () => {
    const root = fakeWorkspace({
      'packages/consensus-pbft/package.json': JSON.stringify({
        name: '@consortia/consensus-pbft',
        exports: exportsOf,
        dependencies: { '@consortia/interface': 'workspace:^', '@consortia/crypto': 'workspace:^' },
      }),
      'packages/consensus-pbft/src/index.ts': "import '@consortia/crypto'\n",
    })
    const found = checkDeps(root)
    expect(
      found.some((v) => v.includes('consensus-pbft (layer 3) may not depend on @consortia/crypto')),
    ).toBe(true)
  })

  it('reads import forms but not comments', () => {
    const text = [
      "import a from 'x'",
      "import type { B } from '@s/y/sub'",
      "export * from './z.js'",
      "const c = await import('w')",
      "const d = require('v')",
      "// import 'commented'",
      "/* import 'block' */",
      "import 'side-effect'",
    ].join('\n')
    expect(importsOf(text)).toEqual(['x', '@s/y/sub', './z.js', 'w', 'v', 'side-effect'])
  })

  it('leaves out Solidity imports in contract source a test compiles', () => {
    const text = ['const SOL = `pragma solidity ^0.8.0;', 'import "ParallelOk.sol";', '`', "import 'm'"].join(
      '\n',
    )
    expect(importsOf(text)).toEqual(['m'])
  })
})
