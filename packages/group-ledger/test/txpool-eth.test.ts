/**
 * Ethereum-origin transactions (`format: 'eth'`) through the pool: sender from the Ethereum
 * signature, hash = keccak256(raw), the replay key in the pool and the nonce window, no
 * blockLimit expiry, and the refusals (chain id, pre-EIP-155, SM chains, bad signatures).
 */
import { isEthTransaction, TxStatus } from '@consortia/interface'
import { ethChainIdOf, ethReplayKey, signEthTransaction } from '@consortia/protocol'
import { describe, expect, it } from 'vitest'
import { REJECT_STATUS } from '../src/index.js'
import { ecdsa, hex, keyOf, sm } from './helpers.js'
import { setupPool } from './setup.js'

const key = keyOf(ecdsa, 7)
const sender = ecdsa.address(ecdsa.publicKey(key))
const ethTx = (
  nonce: bigint,
  overrides: { chainId?: bigint; gas?: bigint; type?: 'eip155' | 'eip1559' } = {},
) =>
  signEthTransaction(
    {
      type: overrides.type ?? 'eip1559',
      chainId: overrides.chainId ?? 1n,
      nonce,
      maxFeePerGas: 0n,
      gas: overrides.gas ?? 100_000n,
      to: new Uint8Array(20).fill(9),
      value: 0n,
      data: new Uint8Array(0),
    },
    key,
    ecdsa,
  )

describe('txpool: Ethereum-origin transactions', () => {
  it('admits them with the sender recovered from the Ethereum signature and hash keccak256(raw)', async () => {
    const { pool } = await setupPool({ groupId: 1, chainId: 1n })
    const raw = ethTx(0n)
    const result = await pool.submit(raw)
    expect(result).toMatchObject({ ok: true, status: 0 })
    if (!result.ok) return
    expect(hex(result.hash)).toBe(hex(ecdsa.hash(raw)))
    expect(hex(result.sender)).toBe(hex(sender))
    const stx = pool.get(result.hash)!
    expect(isEthTransaction(stx.tx)).toBe(true)
    expect(stx.tx.nonce).toBe(ethReplayKey(sender, 0n, ecdsa.hash))
    // Sealed like any other; no blockLimit makes it expire by height.
    expect(pool.fetchForSealing({ txCountMax: 10 }).map((t) => hex(t.hash))).toEqual([hex(result.hash)])
  })

  it('refuses a second transaction with the same sender and nonce, in the pool and after commit', async () => {
    const { pool, chain } = await setupPool({ groupId: 1, chainId: 1n })
    const first = ethTx(5n)
    expect((await pool.submit(first)).ok).toBe(true)
    const replacement = ethTx(5n, { gas: 200_000n })
    expect(await pool.submit(replacement)).toMatchObject({
      ok: false,
      reason: 'NONCE_IN_POOL',
      status: REJECT_STATUS.NONCE_IN_POOL,
    })
    const sealed = pool.fetchForSealing({ txCountMax: 10 })
    await pool.onBlockCommitted(chain.commit(sealed))
    expect(await pool.submit(first)).toMatchObject({ ok: false, reason: 'ALREADY_IN_CHAIN' })
    expect(await pool.submit(replacement)).toMatchObject({ ok: false, reason: 'NONCE_IN_CHAIN' })
    // Blocks pass; an Ethereum transaction is never dropped for its (absent) blockLimit.
    expect((await pool.submit(ethTx(6n))).ok).toBe(true)
    for (const b of chain.commitEmpty(3)) await pool.onBlockCommitted(b)
    expect(pool.size).toBe(1)
  })

  it('refuses another chain id, another group, and pre-EIP-155 transactions', async () => {
    const { pool } = await setupPool({ groupId: 2, chainId: 1n })
    expect(await pool.submit(ethTx(0n))).toMatchObject({ ok: false, status: TxStatus.InvalidChainId })
    expect((await pool.submit(ethTx(0n, { chainId: ethChainIdOf(1n, 2) }))).ok).toBe(true)
    // Pre-EIP-155 (v = 27/28, no chain id) is refused before any signature work.
    const { pool: group1 } = await setupPool({ groupId: 1, chainId: 1n })
    const raw = ethTx(1n, { type: 'eip155', chainId: 1n })
    const v = raw[raw.length - 67]!
    expect([37, 38]).toContain(v)
    const unprotected = Uint8Array.from(raw)
    unprotected[raw.length - 67] = 27 + ((v - 35) % 2)
    const result = await group1.submit(unprotected)
    expect(result).toMatchObject({ ok: false, status: TxStatus.InvalidChainId })
    if (!result.ok) expect(result.message).toMatch(/pre-EIP-155/)
  })

  it('refuses them on SM chains and with a broken signature', async () => {
    const { pool } = await setupPool({ groupId: 1, chainId: 1n }, {}, sm)
    expect(await pool.submit(ethTx(0n))).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' })
    const { pool: ecdsaPool } = await setupPool({ groupId: 1, chainId: 1n })
    const broken = Uint8Array.from(ethTx(0n))
    broken[broken.length - 1] = 0 // s becomes another value: recovery gives another key or fails
    const result = await ecdsaPool.submit(broken)
    if (result.ok) expect(hex(result.sender)).not.toBe(hex(sender))
    else expect(result.reason).toBe('BAD_SIGNATURE')
  })
})
