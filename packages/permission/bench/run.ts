// Permission hot paths on AMDB's memory driver: the per-write ACL check (cached and uncached)
// and a committee vote. Run: cd packages/permission && node --conditions=source --import tsx bench/run.ts
import { createHash } from 'node:crypto'
import { createAMDB, createMemoryDriver } from '@consortia/amdb'
import { createPermission, initGovernance, topLevelCaller } from '../src/index.js'

const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest())
const address = (n: number) => {
  const a = new Uint8Array(20)
  new DataView(a.buffer).setUint32(16, n)
  return a
}

const TABLES = 200
const CHECKS = 200_000
const MEMBERS = 50

const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256 })
const genesis = await amdb.openBlock()
await initGovernance(genesis, {
  committee: Array.from({ length: MEMBERS }, (_, i) => ({ address: address(1000 + i) })),
})
{
  const p = createPermission({ tables: genesis, blockNumber: 0 })
  for (let t = 0; t < TABLES; t++) {
    for (let w = 0; w < 5; w++) {
      await p.tablePermissions.insert(
        topLevelCaller(address(1000)),
        `t${t}`,
        `0x${'00'.repeat(16)}${(w + 1).toString(16).padStart(8, '0')}`,
      )
    }
  }
}
await genesis.commit()

async function checks(cacheTablesMax: number): Promise<number> {
  const block = await amdb.openBlock()
  const p = createPermission({ tables: block, blockNumber: block.number, aclCacheTablesMax: cacheTablesMax })
  const callers = [topLevelCaller(address(3)), topLevelCaller(address(99))]
  const start = performance.now()
  for (let i = 0; i < CHECKS; i++) {
    await p.checkTableWrite(callers[i & 1] as ReturnType<typeof topLevelCaller>, `u_t${i % TABLES}`)
  }
  const ms = performance.now() - start
  block.discard()
  return (CHECKS / ms) * 1000
}

async function vote(): Promise<number> {
  const block = await amdb.openBlock()
  const p = createPermission({ tables: block, blockNumber: block.number })
  const start = performance.now()
  // 26 of 50 members vote: the last vote passes (> 50%).
  for (let i = 0; i < 26; i++)
    await p.governance.grantCommitteeMember(topLevelCaller(address(1000 + i)), address(5))
  const ms = performance.now() - start
  block.discard()
  return ms / 26
}

const cached = await checks(4096)
const uncached = await checks(1)
const voteMs = await vote()
console.log(
  `checkTableWrite, ${TABLES} tables, ACL cache on : ${Math.round(cached).toLocaleString('en')} checks/s`,
)
console.log(
  `checkTableWrite, ${TABLES} tables, cache of 1   : ${Math.round(uncached).toLocaleString('en')} checks/s`,
)
console.log(`ratio cached / uncached                  : ${(cached / uncached).toFixed(1)}x`)
console.log(`committee vote, ${MEMBERS} members             : ${voteMs.toFixed(2)} ms/vote`)
await amdb.close()
