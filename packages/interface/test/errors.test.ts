import { describe, expect, it } from 'vitest'
import { ChainError, isChainError, TxStatus } from '../src/index.js'

type RlpCode = { code: 'RLP_TRUNCATED'; offset: number } | { code: 'RLP_EMPTY' }

describe('ChainError', () => {
  it('carries a typed code and metadata', () => {
    const err = new ChainError<RlpCode>({ code: 'RLP_TRUNCATED', offset: 7 }, 'input ends early')
    expect(err).toBeInstanceOf(Error)
    expect(err.code).toBe('RLP_TRUNCATED')
    expect(err.message).toBe('input ends early')
    expect(err.getMetadata()).toEqual({ offset: 7 })
    expect(isChainError(err, 'RLP_TRUNCATED')).toBe(true)
    expect(isChainError(err, 'RLP_EMPTY')).toBe(false)
    expect(isChainError(new Error('x'))).toBe(false)
  })

  it('defaults the message to the code', () => {
    expect(new ChainError({ code: 'RLP_EMPTY' }).message).toBe('RLP_EMPTY')
  })
})

describe('TxStatus', () => {
  it('matches the FISCO 2.x receipt status table', () => {
    // Source: FISCO BCOS 2.x doc api.md, "交易回执状态" (reference/fisco-2x.md §1.2).
    expect(TxStatus.BlockLimitCheckFail).toBe(0x10)
    expect(TxStatus.PrecompiledError).toBe(0x15)
    expect(TxStatus.RevertInstruction).toBe(0x16)
    expect(TxStatus.CallAddressError).toBe(0x1a)
    expect(TxStatus.ContractFrozen).toBe(0x1e)
    expect(TxStatus.AccountFrozen).toBe(0x1f)
    expect(TxStatus.MalformedTx).toBe(10005)
    const codes = Object.values(TxStatus)
    expect(new Set(codes).size).toBe(codes.length)
  })
})
