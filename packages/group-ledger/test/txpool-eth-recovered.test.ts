/**
 * The pool's entry point for Ethereum envelopes the caller already decoded and recovered
 * (`{ raw, ethRecovered: { eth, sender } }`, what the node's eth RPC hands over): no second
 * decode or signer recovery, the same transaction as from raw bytes, and every other check
 * (chain id, replay key, known hash, suite) still applied.
 */
import { decodeEthTransaction, ethChainIdOf, recoverEthSender, signEthTransaction } from '@consortia/protocol'
import { describe, expect, it } from 'vitest'
import { ecdsa, hex, keyOf, sm } from './helpers.js'
import { setupPool } from './setup.js'

const key = keyOf(ecdsa, 11)
const sender = ecdsa.address(ecdsa.publicKey(key))
const ethTx = (nonce: bigint, chainId = 1n, gas = 100_000n) =>
  signEthTransaction(
    {
      type: 'eip1559',
      chainId,
      nonce,
      maxFeePerGas: 0n,
      gas,
      to: new Uint8Array(20).fill(3),
      value: 0n,
      data: new Uint8Array(0),
    },
    key,
    ecdsa,
  )
const recovered = (raw: Uint8Array) => {
  const eth = decodeEthTransaction(raw)
  return { raw, ethRecovered: { eth, sender: recoverEthSender(eth, ecdsa) } }
}

describe('txpool: pre-recovered Ethereum transactions', () => {
  it('admits them without recovering again, as the same pooled transaction as raw bytes', async () => {
    const { pool, suite } = await setupPool({ groupId: 1, chainId: 1n })
    const raw = ethTx(0n)
    const input = recovered(raw)
    const result = await pool.submit(input)
    expect(result).toMatchObject({ ok: true, status: 0 })
    expect(suite.calls).toBe(0)
    if (!result.ok) return
    expect(hex(result.sender)).toBe(hex(sender))
    expect(hex(result.hash)).toBe(hex(ecdsa.hash(raw)))
    // The same bytes through the full path give an identical pooled transaction.
    const { pool: plain, suite: plainSuite } = await setupPool({ groupId: 1, chainId: 1n })
    const viaRaw = await plain.submit(raw)
    expect(plainSuite.calls).toBe(1)
    expect(pool.get(result.hash)).toEqual(viaRaw.ok ? plain.get(viaRaw.hash) : undefined)
    // Known hash and replay key are still checked.
    expect(await pool.submit(recovered(raw))).toMatchObject({ ok: false, reason: 'ALREADY_KNOWN' })
    expect(await pool.submit(recovered(ethTx(0n, 1n, 200_000n)))).toMatchObject({
      ok: false,
      reason: 'NONCE_IN_POOL',
    })
    // A batch mixing the two forms: one recovery for the raw one only.
    const before = suite.calls
    const results = await pool.submitMany([recovered(ethTx(1n)), ethTx(2n)])
    expect(results.map((r) => r.ok)).toEqual([true, true])
    expect(suite.calls - before).toBe(1)
  })

  it('still refuses another chain id and SM chains', async () => {
    const { pool } = await setupPool({ groupId: 2, chainId: 1n })
    expect(await pool.submit(recovered(ethTx(0n)))).toMatchObject({ ok: false, reason: 'INVALID_CHAIN_ID' })
    expect((await pool.submit(recovered(ethTx(0n, ethChainIdOf(1n, 2))))).ok).toBe(true)
    const { pool: smPool } = await setupPool({ groupId: 1, chainId: 1n }, {}, sm)
    expect(await smPool.submit(recovered(ethTx(0n)))).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' })
  })

  it('trusts only the explicit ethRecovered field: a sender field beside raw is ignored', async () => {
    const { pool, suite } = await setupPool({ groupId: 1, chainId: 1n })
    const raw = ethTx(0n)
    const forged = { raw, sender: new Uint8Array(20).fill(0xee) }
    const result = await pool.submit(forged)
    expect(suite.calls).toBe(1)
    expect(result.ok && hex(result.sender)).toBe(hex(sender))
  })
})
