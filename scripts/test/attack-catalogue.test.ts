/**
 * Issue 17: every row of the attack catalogue has a named test. The rows are the project's attack
 * catalogue (reference/attack-catalog.md of the Consortia design documents), copied here as values.
 * A test covers a row when the title of a `describe`/`it` in some `*.test.ts` names the row (`A13`,
 * `A14–A16`, `A2, A9`). Rows without a test yet are listed in `PENDING`, and this test also fails
 * when a pending row gains a test, so the list never claims less than what exists.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The catalogue's rows: id and class of hostile input. */
const ROWS: readonly (readonly [number, string])[] = [
  [1, 'malformed RLP'],
  [2, 'malformed tx'],
  [3, 'invalid signature'],
  [4, 'malleability'],
  [5, 'cross-group / cross-chain replay'],
  [6, 'in-chain replay'],
  [7, 'forged sender'],
  [8, 'Sybil accounts'],
  [9, 'oversize'],
  [10, 'tx-pool flooding'],
  [11, 'EVM gas exhaustion'],
  [12, 'non-determinism'],
  [13, 'permission bypass'],
  [14, 'equivocating leader'],
  [15, 'forged consensus messages'],
  [16, 'stale / future view'],
  [17, 'TLS'],
  [18, 'node admission'],
  [19, 'JSON-RPC fuzzing'],
  [20, 'crash during commit'],
  [21, 'power loss / torn write'],
]

/** Rows that have no named test yet (each one is reported in the closing note). */
const PENDING: readonly number[] = []

function testFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) testFiles(path, out)
    else if (name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

/** Row ids a title names: `A13`, ranges `A14–A16` / `A14-A16`, lists `A2, A9`. */
function rowsNamedBy(title: string): number[] {
  const ids: number[] = []
  for (const m of title.matchAll(/\bA(\d{1,2})(?:\s*[–-]\s*A?(\d{1,2}))?\b/g)) {
    const from = Number(m[1])
    const to = m[2] === undefined ? from : Number(m[2])
    for (let id = from; id <= to && id - from < 30; id += 1) ids.push(id)
  }
  return ids
}

function coverage(): Map<number, string[]> {
  const covered = new Map<number, string[]>()
  const titleRe = /\b(?:describe|it|test)(?:\.each\([^)]*\))?\s*\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g
  for (const file of [
    ...testFiles(join(root, 'packages')),
    ...testFiles(join(root, 'examples')),
    ...testFiles(join(root, 'scripts')),
  ]) {
    if (file.endsWith('attack-catalogue.test.ts')) continue
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(titleRe)) {
      for (const id of rowsNamedBy(m[2] as string)) {
        const list = covered.get(id) ?? []
        list.push(`${relative(root, file)}: ${m[2]}`)
        covered.set(id, list)
      }
    }
  }
  return covered
}

describe('attack catalogue coverage', () => {
  it('reads row ids from titles', () => {
    expect(rowsNamedBy('hostile input (attack catalogue A14–A16, A18)')).toEqual([14, 15, 16, 18])
    expect(rowsNamedBy('malformed transactions (attack catalogue A2, A9)')).toEqual([2, 9])
    expect(rowsNamedBy('A13 in %s mode')).toEqual([13])
    expect(rowsNamedBy('SHA256 and AES')).toEqual([])
  })

  const covered = coverage()
  for (const [id, cls] of ROWS) {
    const pending = PENDING.includes(id)
    it(`A${id} ${cls}: ${pending ? 'listed as pending and still without a test' : 'has a named test'}`, () => {
      const tests = covered.get(id) ?? []
      if (pending) expect(tests, `A${id} now has tests; remove it from PENDING`).toEqual([])
      else expect(tests.length, `no test names A${id} (${cls})`).toBeGreaterThan(0)
    })
  }
})
