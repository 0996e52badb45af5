import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PermissionCode } from '../src/index.js'
import { addr, by, createTestChain, hexOf } from './helpers.js'

// A model-based check of fisco-2x.md §5.1 with Consortia's next-block rule: the ACL in force in
// block n is the one the previous blocks left, whatever grants and revocations block n makes,
// and 0x1005 answers -51000/-51001 against the ACL as it will be from block n + 1.

type Op = { readonly kind: 'grant' | 'revoke'; readonly table: number; readonly who: number }

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('grant' as const, 'revoke' as const),
  table: fc.integer({ min: 0, max: 2 }),
  who: fc.integer({ min: 10, max: 13 }),
})

describe('ACL model', () => {
  it('matches a two-set model (in force now / from the next block) over random blocks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArb, { maxLength: 8 }), { minLength: 1, maxLength: 6 }),
        async (blocks) => {
          const chain = await createTestChain()
          const now = [0, 1, 2].map(() => new Set<number>())
          const next = [0, 1, 2].map(() => new Set<number>())
          for (const ops of [...blocks, []]) {
            await chain.block(async (p) => {
              for (let t = 0; t < 3; t++) {
                for (let who = 10; who <= 13; who++) {
                  const open = (now[t] as Set<number>).size === 0
                  expect(await p.isPermitted(`u_t${t}`, addr(who))).toBe(
                    open || (now[t] as Set<number>).has(who),
                  )
                }
              }
              for (const op of ops) {
                const n = next[op.table] as Set<number>
                if (op.kind === 'grant') {
                  const rc = await p.tablePermissions.insert(by(op.who), `t${op.table}`, hexOf(op.who))
                  expect(rc).toBe(n.has(op.who) ? PermissionCode.TableAndAddressExist : 1)
                  n.add(op.who)
                } else {
                  const rc = await p.tablePermissions.remove(by(op.who), `t${op.table}`, hexOf(op.who))
                  expect(rc).toBe(n.has(op.who) ? 1 : PermissionCode.TableAndAddressNotExist)
                  n.delete(op.who)
                }
              }
              for (let t = 0; t < 3; t++) {
                const listed = JSON.parse(await p.tablePermissions.queryByName(`t${t}`)) as {
                  address: string
                }[]
                expect(new Set(listed.map((e) => e.address))).toEqual(
                  new Set([...(next[t] as Set<number>)].map(hexOf)),
                )
              }
            })
            for (let t = 0; t < 3; t++) now[t] = new Set(next[t])
          }
          await chain.close()
        },
      ),
      { seed: 20240611, numRuns: 60 },
    )
  })
})
