/**
 * Attack catalogue A8 (Sybil accounts, FISCO#1990): anyone can mint accounts by signing with fresh
 * random keys, so accounts alone are no barrier. On an open chain (no committee — FISCO's default)
 * fresh accounts may deploy and write, as documented in the permission README; once the chain has
 * governance, none of a hundred fresh accounts can deploy, create tables or write them, while the
 * operator the committee appointed can.
 */
import { createHash } from 'node:crypto'
import { TxStatus } from '@consortia/interface'
import { encodeDeployData } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex } from '../src/bytes.js'
import { account } from './helpers/chain.js'
import { ABI, call, deploy, P, permissionContracts, testChain } from './helpers/permission-chain.js'
import type { Compiled } from './helpers/solc.js'

const lower = (a: Uint8Array) => `0x${bytesToHex(a)}`
const COMMITTEE = account(11)
const OPERATOR = account(20)
/** A hundred fresh addresses, as random keys would give (seeded: sha256 of the index). */
const SYBILS = Array.from({ length: 100 }, (_, i) =>
  new Uint8Array(createHash('sha256').update(`sybil ${i}`).digest()).subarray(0, 20),
)

let counter: Compiled
beforeAll(() => {
  counter = permissionContracts().counter
}, 120_000)

describe('Sybil accounts (attack catalogue A8)', () => {
  const deployCounter = (from: Uint8Array) =>
    deploy(from, encodeDeployData({ abi: counter.abi, bytecode: counter.bytecode }))
  const createTable = (from: Uint8Array, name: string) =>
    call(from, P.tableFactory, ABI.tableFactory, 'createTable', [name, 'k', 'v'])

  it('A8: on an open chain (no committee) fresh accounts deploy, as FISCO documents', async () => {
    const chain = await testChain(undefined)
    const out = await chain.run(SYBILS.slice(0, 10).map(deployCounter))
    expect(out.receipts.every((r) => r.status === TxStatus.None)).toBe(true)
  })

  it('A8: with governance, a hundred fresh accounts can neither deploy nor create tables; the operator can', async () => {
    const chain = await testChain({
      committee: [{ address: lower(COMMITTEE) }],
      operators: [lower(OPERATOR)],
    })
    const rootBefore = await chain.world.state.stateRoot()
    const sybil = await chain.run([
      ...SYBILS.map(deployCounter),
      ...SYBILS.slice(0, 20).map((from, i) => createTable(from, `sybil_${i}`)),
    ])
    expect(new Set(sybil.receipts.slice(0, 100).map((r) => r.status))).toEqual(
      new Set([TxStatus.NoDeployPermission]),
    )
    expect(sybil.receipts.slice(100).every((r) => r.status !== TxStatus.None)).toBe(true)
    expect(Buffer.from(sybil.stateRoot).equals(Buffer.from(rootBefore))).toBe(true)
    const operator = await chain.run([deployCounter(OPERATOR), createTable(OPERATOR, 'op_table')])
    expect(operator.receipts.map((r) => r.status)).toEqual([TxStatus.None, TxStatus.None])
  })
})
