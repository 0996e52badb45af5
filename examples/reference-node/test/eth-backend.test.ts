/**
 * The node's Ethereum transactions backend over a real pool and AMDB state: the admission
 * checks before the pool (chain id, nonce too low, no gaps), pending-aware nonces, storage reads.
 */
import { createAMDB, createMemoryDriver, createStorageState } from '@consortia/amdb'
import { createCryptoSuite } from '@consortia/crypto'
import { createTxPool, loadNonceWindow, type TxInput } from '@consortia/group-ledger'
import type { CryptoSuite } from '@consortia/interface'
import { ethChainIdOf, signEthTransaction } from '@consortia/protocol'
import { describe, expect, it } from 'vitest'
import { createEthBackend } from '../src/eth/backend.js'
import type { GroupBackend } from '../src/rpc/backend.js'

const suite = createCryptoSuite('ecdsa')
const key = suite.hash(new TextEncoder().encode('eth-backend-test'))
const sender = suite.address(suite.publicKey(key))
const raw = (nonce: bigint, chainId = 1n, gas = 50_000n) =>
  signEthTransaction(
    {
      type: 'eip1559',
      chainId,
      nonce,
      maxFeePerGas: 0n,
      gas,
      to: new Uint8Array(20).fill(1),
      value: 0n,
      data: new Uint8Array(0),
    },
    key,
    suite,
  )

async function setup(groupId = 1, poolSuite: CryptoSuite = suite, ethSuite: CryptoSuite = suite) {
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: suite.hash })
  const nonceWindow = await loadNonceWindow({ blockNonces: async () => [] }, 0)
  const pool = await createTxPool(
    { groupId, chainId: 1n },
    { suite: poolSuite, nonceWindow, chain: { currentNumber: () => 0, hasTransaction: async () => false } },
  )
  // The two members of the group backend the Ethereum backend uses.
  const backend = {
    chainId: 1n,
    submit: async (input: TxInput) => {
      const r = await pool.submit(input)
      return r.ok
        ? { ok: true, hash: r.hash }
        : { ok: false, status: r.status, reason: r.reason, message: r.message }
    },
  } as unknown as GroupBackend
  const eth = createEthBackend((id) =>
    id === groupId ? { backend, pool, amdb, suite: ethSuite } : undefined,
  )
  return { amdb, pool, eth }
}

describe('Ethereum transactions backend', () => {
  it('admits in nonce order, counts pending nonces, and refuses gaps, replays and other chains', async () => {
    const { eth, pool } = await setup()
    expect(await eth.nonce(1, sender, false)).toBe(0n)
    const first = await eth.submit(1, raw(0n))
    expect(first).toMatchObject({ ok: true })
    if (first.ok) {
      expect(eth.isPending(1, first.hash)).toBe(true)
      expect(eth.pendingTransaction(1, first.hash)?.hash).toEqual(first.hash)
      expect(eth.pendingTransaction(2, first.hash)).toBeUndefined()
    }
    expect(await eth.nonce(1, sender, true)).toBe(1n)
    expect(await eth.nonce(1, sender, false)).toBe(0n)
    expect(await eth.submit(1, raw(2n))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/nonce too high/),
    })
    expect((await eth.submit(1, raw(1n))).ok).toBe(true)
    expect(await eth.nonce(1, sender, true)).toBe(2n)
    // The same bytes again, and another transaction with a pooled nonce.
    expect(await eth.submit(1, raw(0n))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/ALREADY_KNOWN/),
    })
    expect(await eth.submit(1, raw(1n, 1n, 60_000n))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/same sender and nonce/),
    })
    expect(await eth.submit(1, raw(2n, 5n))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/chain 5/),
    })
    expect(await eth.submit(9, raw(2n))).toMatchObject({ ok: false, message: 'group 9 does not exist' })
    expect(pool.size).toBe(2)
  })

  it('decodes and recovers each transaction once: the pool reuses the admission check', async () => {
    const counter = { admission: 0, pool: 0 }
    const counting = (name: keyof typeof counter): CryptoSuite => ({
      ...suite,
      recover(hash, signature) {
        counter[name]++
        return suite.recover(hash, signature)
      },
    })
    // Admission recovers through the chain's suite; the pool (its own counter) never does.
    const { eth, pool } = await setup(1, counting('pool'), counting('admission'))
    for (let n = 0n; n < 5n; n++) expect((await eth.submit(1, raw(n))).ok).toBe(true)
    expect(counter).toEqual({ admission: 5, pool: 0 })
    expect(pool.size).toBe(5)
    // A wrong chain id is refused before any recovery.
    expect((await eth.submit(1, raw(5n, 7n))).ok).toBe(false)
    expect(counter).toEqual({ admission: 5, pool: 0 })
    const pooled = pool.pending().map((stx) => Buffer.from(stx.sender).toString('hex'))
    expect(new Set(pooled)).toEqual(new Set([Buffer.from(sender).toString('hex')]))
  })

  it('reads the committed account nonce and storage from state; nonces below it are refused', async () => {
    const { eth, amdb } = await setup(2)
    const block = await amdb.openBlock()
    const state = createStorageState({ tables: block, hash: suite.hash })
    await state.putAccount(sender, { nonce: 5n, balance: 0n, codeHash: suite.hash(new Uint8Array(0)) })
    const slot = new Uint8Array(32)
    slot[31] = 1
    await state.putStorage(sender, slot, Uint8Array.of(0x12, 0x34))
    await block.commit()
    expect(await eth.nonce(2, sender, false)).toBe(5n)
    expect(await eth.submit(2, raw(3n, ethChainIdOf(1n, 2)))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/nonce too low: 3, the account's next nonce is 5/),
    })
    expect((await eth.submit(2, raw(5n, ethChainIdOf(1n, 2)))).ok).toBe(true)
    const value = await eth.storageAt(2, sender, slot)
    expect(Buffer.from(value).toString('hex')).toBe(`${'00'.repeat(30)}1234`)
  })
})
