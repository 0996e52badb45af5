import { createHash } from 'node:crypto'
import { createAMDB, createMemoryDriver } from '@consortia/amdb'
import { expect, it } from 'vitest'
import { createPermission, initGovernance, PermissionStatus, topLevelCaller } from '../src/index.js'

// The example of README.md, run as a test.
it('README example', async () => {
  const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest())
  const alice = new Uint8Array(20).fill(0xa1) // committee member
  const bob = new Uint8Array(20).fill(0xb0) // operator
  const carol = new Uint8Array(20).fill(0xc0)
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256 })

  const genesis = await amdb.openBlock() // block 0
  await initGovernance(genesis, { committee: [{ address: alice }], operators: [bob] })
  await genesis.commit()

  const block1 = await amdb.openBlock()
  const permission = createPermission({ tables: block1, blockNumber: block1.number }) // mode: 'origin' (FISCO)
  const deploy = await permission.checkDeploy(topLevelCaller(carol), { nested: false })
  // { allowed: false, status: 18 (NoDeployPermission), code: -50000, ... }
  const granted = await permission.governance.grantOperator(topLevelCaller(alice), carol) // 1
  const stillDenied = await permission.checkDeploy(topLevelCaller(carol), { nested: false }) // next block
  await block1.commit()

  const block2 = await amdb.openBlock()
  const later = createPermission({ tables: block2, blockNumber: block2.number })
  const allowed = await later.checkDeploy(topLevelCaller(carol), { nested: false }) // { allowed: true }
  await block2.commit()
  await amdb.close()

  expect(deploy).toMatchObject({ allowed: false, status: PermissionStatus.NoDeployPermission })
  expect(granted).toBe(1)
  expect(stillDenied.allowed).toBe(false)
  expect(allowed).toEqual({ allowed: true })
})
