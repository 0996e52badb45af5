import { describe, expect, it } from 'vitest'
import {
  isTxPoolError,
  loadNonceWindow,
  NONCE_WINDOW_BLOCKS_DEFAULT,
  NONCE_WINDOW_BLOCKS_MAX,
  NonceWindow,
} from '../src/index.js'
import { TestChain } from './helpers.js'

describe('NonceWindow', () => {
  it('defaults to FISCO maxBlockLimit = 1000 blocks', () => {
    expect(NONCE_WINDOW_BLOCKS_DEFAULT).toBe(1000)
    expect(new NonceWindow().blocksMax).toBe(1000)
  })

  it('holds the nonces of added blocks', () => {
    const w = new NonceWindow()
    expect(w.lastNumber).toBeUndefined()
    w.addBlock(0, [])
    w.addBlock(1, [7n, 9n])
    expect(w.has(7n)).toBe(true)
    expect(w.has(9n)).toBe(true)
    expect(w.has(8n)).toBe(false)
    expect(w.lastNumber).toBe(1)
    expect(w.firstNumber).toBe(0)
    expect(w.size).toBe(2)
    expect(w.blockCount).toBe(2)
  })

  it('forgets a block once blocksMax newer blocks exist (the limit is hit and slides)', () => {
    const w = new NonceWindow({ blocksMax: 3 })
    w.addBlock(1, [1n])
    w.addBlock(2, [2n])
    w.addBlock(3, [3n])
    expect(w.has(1n)).toBe(true)
    expect(w.blockCount).toBe(3)
    w.addBlock(4, [4n])
    expect(w.has(1n)).toBe(false)
    expect(w.has(2n)).toBe(true)
    expect(w.blockCount).toBe(3)
    expect(w.firstNumber).toBe(2)
  })

  it('keeps a nonce that two blocks of the window hold until both leave', () => {
    const w = new NonceWindow({ blocksMax: 2 })
    w.addBlock(1, [5n])
    w.addBlock(2, [5n])
    w.addBlock(3, [])
    expect(w.has(5n)).toBe(true)
    w.addBlock(4, [])
    expect(w.has(5n)).toBe(false)
  })

  it('covers exactly the last 1000 blocks with the default size', () => {
    const w = new NonceWindow()
    for (let n = 1; n <= 1000; n++) w.addBlock(n, [BigInt(n)])
    expect(w.has(1n)).toBe(true)
    w.addBlock(1001, [1001n])
    expect(w.has(1n)).toBe(false)
    expect(w.has(2n)).toBe(true)
    expect(w.blockCount).toBe(1000)
  })

  it('refuses blocks out of order with a typed error, changing nothing', () => {
    const w = new NonceWindow()
    w.addBlock(5, [1n])
    let err: unknown
    try {
      w.addBlock(7, [2n])
    } catch (e) {
      err = e
    }
    expect(isTxPoolError(err, 'NONCE_WINDOW_NOT_NEXT')).toBe(true)
    expect((err as { type: unknown }).type).toEqual({ code: 'NONCE_WINDOW_NOT_NEXT', expected: 6, got: 7 })
    expect(w.has(2n)).toBe(false)
    expect(() => w.addBlock(5, [])).toThrow('expected block 6, got 5')
  })

  it('labels bad input', () => {
    expect(() => new NonceWindow({ blocksMax: 0 })).toThrow(
      `blocksMax: expected an integer in [1, ${NONCE_WINDOW_BLOCKS_MAX}]`,
    )
    expect(() => new NonceWindow({ blocksMax: NONCE_WINDOW_BLOCKS_MAX + 1 })).toThrow('blocksMax')
    const w = new NonceWindow()
    expect(() => w.addBlock(-1, [])).toThrow('blockNumber: expected a non-negative integer, got number -1')
    expect(() => w.addBlock(1, [1 as unknown as bigint])).toThrow(
      'nonce: expected a u256 bigint, got number 1',
    )
  })
})

describe('loadNonceWindow', () => {
  it('reads the last blocksMax blocks from the block source', async () => {
    const chain = new TestChain()
    for (let i = 1; i <= 12; i++) chain.commit([])
    chain.blocks.set(3, [33n])
    chain.blocks.set(12, [1212n])
    const w = await loadNonceWindow(chain, 12, { blocksMax: 10 })
    expect(w.firstNumber).toBe(3)
    expect(w.lastNumber).toBe(12)
    expect(w.has(33n)).toBe(true)
    expect(w.has(1212n)).toBe(true)
    // Block 2 is outside the window.
    chain.blocks.set(2, [22n])
    expect((await loadNonceWindow(chain, 12, { blocksMax: 10 })).has(22n)).toBe(false)
  })

  it('starts at genesis on a young chain', async () => {
    const chain = new TestChain()
    chain.commit([])
    const w = await loadNonceWindow(chain, 1)
    expect(w.firstNumber).toBe(0)
    expect(w.blockCount).toBe(2)
  })

  it('fails with NONCE_WINDOW_SOURCE_MISSING when a block is unknown', async () => {
    const chain = new TestChain()
    await expect(loadNonceWindow(chain, 3)).rejects.toMatchObject({
      type: { code: 'NONCE_WINDOW_SOURCE_MISSING', blockNumber: 1 },
    })
  })
})
