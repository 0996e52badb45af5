import { describe, expect, it } from 'vitest'
import { initGovernance, type Permission } from '../src/index.js'
import { addr, by, createTestChain, hexOf, makeAccount, makeContract, through } from './helpers.js'

// The `...Cached` hooks are synchronous fast paths of the enforcement hooks: each must give
// the verdict of its asynchronous namesake, or `undefined` when it would have to read.

const A = 1 // committee
const USER = 4
const MALLORY = 9
const WRITER = 5
const CONTRACT = 0x40
const GUARDED = 0x41

async function setup() {
  const chain = await createTestChain()
  await chain.block(async (p, tables) => {
    await initGovernance(tables, { committee: [{ address: addr(A) }] })
    for (const n of [USER, MALLORY, WRITER]) await makeAccount(tables, n)
    await makeContract(tables, CONTRACT)
    await makeContract(tables, GUARDED)
    await p.onContractCreated(by(A), addr(CONTRACT), { nested: false })
    await p.onContractCreated(by(A), addr(GUARDED), { nested: false })
  })
  await chain.block(async (p) => {
    expect(await p.governance.freezeAccount(by(A), addr(MALLORY))).toBeGreaterThan(0)
    expect(await p.lifecycle.freeze(by(A), addr(CONTRACT))).toBeGreaterThan(0)
    // Guards u_t (user tables are named without their prefix).
    expect(await p.tablePermissions.insert(by(A), 't', hexOf(WRITER))).toBe(1)
    expect(await p.tablePermissions.grantWrite(by(A), addr(GUARDED), addr(WRITER))).toBe(1)
  })
  return chain
}

type Hook = (p: Permission) => { cached: () => unknown; full: () => Promise<unknown> }
const hooks: Record<string, Hook> = {}
for (const n of [USER, MALLORY, WRITER]) {
  hooks[`sender ${n}`] = (p) => ({
    cached: () => p.checkSenderCached(addr(n)),
    full: () => p.checkSender(addr(n)),
  })
}
for (const c of [CONTRACT, GUARDED, 0x77]) {
  hooks[`call ${c}`] = (p) => ({
    cached: () => p.checkContractCallCached(addr(c)),
    full: () => p.checkContractCall(addr(c)),
  })
}
for (const [label, caller] of [
  ['user', by(USER)],
  ['writer', by(WRITER)],
  ['writer via contract', through(WRITER, CONTRACT)],
] as const) {
  for (const table of ['u_t', 'u_open', '_sys_config_', 'c_0000000000000000000000000000000000000040']) {
    hooks[`table ${table} ${label}`] = (p) => ({
      cached: () => p.checkTableWriteCached(caller, table),
      full: () => p.checkTableWrite(caller, table),
    })
  }
  for (const c of [CONTRACT, GUARDED]) {
    hooks[`storage ${c} ${label}`] = (p) => ({
      cached: () => p.checkStorageWriteCached(caller, addr(c)),
      full: () => p.checkStorageWrite(caller, addr(c)),
    })
  }
}

describe('cached enforcement hooks', () => {
  for (const mode of ['origin', 'caller'] as const) {
    it(`answer as the asynchronous hooks, or undefined before the data is in memory (${mode} mode)`, async () => {
      const chain = await setup()
      await chain.block(
        async (p) => {
          let answered = 0
          let allowed = 0
          let refused = 0
          for (const [name, hook] of Object.entries(hooks)) {
            const h = hook(p)
            const before = h.cached()
            const verdict = (await h.full()) as { allowed: boolean }
            if (before !== undefined) expect(before, name).toEqual(verdict)
            // The asynchronous hook read what it needed: the cached one now answers the same.
            const after = h.cached()
            expect(after, name).toEqual(verdict)
            answered++
            if (verdict.allowed) allowed++
            else refused++
          }
          expect(answered).toBe(Object.keys(hooks).length)
          // Both kinds of verdict were compared.
          expect(allowed).toBeGreaterThan(5)
          expect(refused).toBeGreaterThan(5)
        },
        { mode },
      )
      await chain.close()
    })
  }

  it('answer undefined for rows a fresh block has not read', async () => {
    const chain = await setup()
    await chain.block(async (p) => {
      expect(p.checkTableWriteCached(by(WRITER), 'u_t')).toBeUndefined()
      expect(p.checkStorageWriteCached(by(WRITER), addr(GUARDED))).toBeUndefined()
      expect((await p.checkTableWrite(by(USER), 'u_t')).allowed).toBe(false)
      expect(p.checkTableWriteCached(by(USER), 'u_t')).toMatchObject({ allowed: false })
    })
    await chain.close()
  })
})
