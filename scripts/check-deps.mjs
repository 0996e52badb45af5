#!/usr/bin/env node
// Checks the dependency rules of DESIGN.md: a package's source imports only packages of
// lower layers (plus the few edges DESIGN.md names), never a sibling's internals, and
// only dependencies its package.json declares. Run as a test and from the command line.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Layer of each workspace package (DESIGN.md "Layers and packages"). */
export const LAYERS = {
  '@consortia/interface': 0,
  '@consortia/crypto': 1,
  '@consortia/protocol': 1,
  '@consortia/kv-level': 1,
  '@consortia/mpt': 2,
  '@consortia/amdb': 2,
  '@consortia/permission': 2,
  '@consortia/parallel-executor': 3,
  '@consortia/consensus-pbft': 3,
  '@consortia/consensus-raft': 3,
  '@consortia/p2p': 3,
  '@consortia/group-ledger': 4,
  '@consortia/sdk': 4,
  '@consortia/testkit': 4,
}

/** Edges inside one layer that DESIGN.md names explicitly. */
export const SAME_LAYER_ALLOWED = {
  '@consortia/protocol': ['@consortia/crypto'],
}

/** Packages whose sources may depend on nothing but these (pure consensus engines). */
export const ONLY_ALLOWED = {
  '@consortia/consensus-pbft': ['@consortia/interface'],
  '@consortia/consensus-raft': ['@consortia/interface'],
}

const TOP_LAYER = 99
const SOURCE_EXT = /\.(ts|mts|cts|tsx|js|mjs|cjs)$/
const IMPORT_RE =
  /(?:^|[^\w$.])(?:import|export)\s+(?:type\s+)?(?:[\w$*{}\s,]+?\s+from\s+)?['"]([^'"]+)['"]|(?:^|[^\w$.])(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/gm
const BUILTINS = new Set(builtinModules)

function listFiles(dir) {
  let out = []
  let names
  try {
    names = readdirSync(dir)
  } catch {
    return out
  }
  for (const name of names) {
    if (name === 'node_modules' || name === 'dist') continue
    const full = join(dir, name)
    if (statSync(full).isDirectory()) out = out.concat(listFiles(full))
    else if (SOURCE_EXT.test(name) && !name.endsWith('.d.ts')) out.push(full)
  }
  return out
}

function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
}

/**
 * Every module specifier a source file imports, exports from or requires. A `.sol` specifier is
 * a Solidity `import` inside contract source a test compiles, not a module, and is left out.
 */
export function importsOf(text) {
  const specs = []
  const clean = stripComments(text)
  for (const m of clean.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2]
    if (!spec.endsWith('.sol')) specs.push(spec)
  }
  return specs
}

function packageNameOf(spec) {
  const parts = spec.split('/')
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'))
}

function workspacePackages(root) {
  const pkgs = []
  for (const group of ['packages', 'examples']) {
    let names = []
    try {
      names = readdirSync(join(root, group))
    } catch {
      continue
    }
    for (const name of names) {
      const dir = join(root, group, name)
      try {
        pkgs.push({ dir, json: readJson(join(dir, 'package.json')) })
      } catch {
        // Not a package folder.
      }
    }
  }
  try {
    pkgs.push({ dir: join(root, 'bench'), json: readJson(join(root, 'bench', 'package.json')) })
  } catch {
    // No bench package.
  }
  return pkgs
}

/**
 * Check the workspace at `root`. Returns one message per violation (empty when clean).
 * @param {string} root
 * @returns {string[]}
 */
export function checkDeps(root) {
  const violations = []
  // Shared tooling (vitest, fast-check, typescript) is declared once at the root for tests and benches.
  let rootDev = []
  try {
    rootDev = Object.keys(readJson(join(root, 'package.json')).devDependencies ?? {})
  } catch {
    // No root package.json.
  }
  const pkgs = workspacePackages(root)
  const byName = new Map(pkgs.map((p) => [p.json.name, p]))
  const layerOf = (name, dir) => {
    if (name in LAYERS) return LAYERS[name]
    const rel = relative(root, dir)
    if (rel.startsWith(`examples${sep}`) || rel === 'bench') return TOP_LAYER
    return undefined
  }

  for (const pkg of pkgs) {
    const name = pkg.json.name
    const rel = relative(root, pkg.dir)
    const layer = layerOf(name, pkg.dir)
    if (layer === undefined) {
      violations.push(`${rel}: package ${name} has no layer; add it to LAYERS in scripts/check-deps.mjs`)
      continue
    }
    const runtime = new Set([
      ...Object.keys(pkg.json.dependencies ?? {}),
      ...Object.keys(pkg.json.peerDependencies ?? {}),
      ...Object.keys(pkg.json.optionalDependencies ?? {}),
    ])
    const all = new Set([...runtime, ...Object.keys(pkg.json.devDependencies ?? {}), ...rootDev])

    const layerAllows = (target) => {
      if (ONLY_ALLOWED[name] && !ONLY_ALLOWED[name].includes(target)) return false
      const targetLayer = layerOf(target, byName.get(target)?.dir ?? '')
      if (targetLayer === undefined) return false
      return targetLayer < layer || (SAME_LAYER_ALLOWED[name] ?? []).includes(target)
    }

    for (const dep of runtime) {
      if (byName.has(dep) && !layerAllows(dep)) {
        violations.push(`${rel}/package.json: ${name} (layer ${layer}) may not depend on ${dep}`)
      }
    }

    const files = ['src', 'test', 'bench'].flatMap((d) => listFiles(join(pkg.dir, d)))
    for (const file of files) {
      const relFile = relative(root, file)
      const inSource = relative(pkg.dir, file).startsWith(`src${sep}`)
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('.')) {
          const target = resolve(file, '..', spec)
          if (!target.startsWith(pkg.dir + sep)) {
            violations.push(
              `${relFile}: relative import '${spec}' leaves the package; import the package by name`,
            )
          }
          continue
        }
        if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0])) continue
        const dep = packageNameOf(spec)
        if (dep === name) {
          violations.push(`${relFile}: imports its own package '${spec}'; use a relative import`)
          continue
        }
        const declared = inSource ? runtime : all
        if (!declared.has(dep)) {
          const where = inSource ? 'dependencies' : 'dependencies or devDependencies'
          violations.push(`${relFile}: imports '${spec}' but ${name} does not declare ${dep} in ${where}`)
          continue
        }
        const sibling = byName.get(dep)
        if (sibling) {
          const subpath = spec === dep ? '.' : `.${spec.slice(dep.length)}`
          const exportsField = sibling.json.exports ?? {}
          if (!(subpath in exportsField)) {
            violations.push(`${relFile}: imports '${spec}', which ${dep} does not export (sibling internals)`)
          }
          if (inSource && !layerAllows(dep)) {
            violations.push(`${relFile}: ${name} (layer ${layer}) may not import ${dep}`)
          }
        }
      }
    }
  }
  return violations
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), '..', '..')
  const violations = checkDeps(root)
  for (const v of violations) console.error(v)
  console.log(violations.length === 0 ? 'check-deps: ok' : `check-deps: ${violations.length} violation(s)`)
  process.exit(violations.length === 0 ? 0 : 1)
}
