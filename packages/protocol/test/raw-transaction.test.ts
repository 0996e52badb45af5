import type { Transaction, TxSignature } from '@consortia/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeRLP,
  decodeTransaction,
  encodeRLP,
  encodeTransaction,
  isProtocolError,
  recoverSender,
  recoverSenderFromRaw,
  signingPayload,
  signingPayloadFromRaw,
  signTransaction,
  txSignatureBytesFromRaw,
  txSignatureToBytes,
} from '../src/index.js'
import { txVectors } from './fixtures/fisco-transactions.js'
import { createTestECDSASuite, createTestSMSuite, hex, seededBigints, toHex } from './helpers/suites.js'

const u256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n })
// Small integers too: 0 encodes as 0x80, 1..127 as the byte itself, both short in the raw bytes.
const sigInt = fc.oneof(u256, fc.bigInt({ min: 0n, max: 300n }))

function txOf(f: {
  rc1: boolean
  nonce: bigint
  value: bigint
  data: Uint8Array
  create: boolean
  signature: TxSignature
}): Transaction {
  return {
    format: f.rc1 ? 'rc1' : 'rc2',
    nonce: f.nonce,
    gasPrice: 1n,
    gas: 30_000_000n,
    blockLimit: 500n,
    to: f.create ? null : new Uint8Array(20).fill(7),
    value: f.value,
    data: f.data,
    chainId: f.rc1 ? 0n : 1n,
    groupId: f.rc1 ? 0n : 1n,
    extraData: f.rc1 ? new Uint8Array(0) : Uint8Array.of(1, 2, 3),
    signature: f.signature,
  }
}

describe('signingPayloadFromRaw and txSignatureBytesFromRaw', () => {
  it('equal the re-encoded payload and signature bytes for RC2 and RC1, ECDSA and SM2, any sizes', () => {
    fc.assert(
      fc.property(
        fc.record({
          rc1: fc.boolean(),
          nonce: u256,
          value: u256,
          data: fc.uint8Array({ maxLength: 600 }),
          create: fc.boolean(),
          sm: fc.boolean(),
          v: fc.constantFrom(27, 28),
          r: sigInt,
          s: sigInt,
          publicKey: fc.uint8Array({ minLength: 64, maxLength: 64 }),
        }),
        (f) => {
          const signature: TxSignature = f.sm
            ? { kind: 'sm2', publicKey: f.publicKey, r: f.r, s: f.s }
            : { kind: 'ecdsa', v: f.v, r: f.r, s: f.s }
          const raw = encodeTransaction(txOf({ ...f, signature }))
          const decoded = decodeTransaction(raw)
          expect(toHex(signingPayloadFromRaw(raw, f.rc1 ? 7 : 10))).toBe(toHex(signingPayload(decoded)))
          expect(toHex(txSignatureBytesFromRaw(raw, decoded))).toBe(
            toHex(txSignatureToBytes(decoded.signature)),
          )
        },
      ),
      { seed: 11, numRuns: 300 },
    )
  })

  it('take the left-padded key of a 63-byte SM2 v from the decoded transaction', () => {
    const publicKey = new Uint8Array(64).fill(9)
    publicKey[0] = 0
    const raw = encodeTransaction(
      txOf({
        rc1: false,
        nonce: 1n,
        value: 0n,
        data: new Uint8Array(0),
        create: false,
        signature: { kind: 'sm2', publicKey, r: 5n, s: 1n << 255n },
      }),
    )
    const items = decodeRLP(raw) as Uint8Array[]
    items[10] = items[10]!.subarray(1)
    const short = encodeRLP(items)
    const decoded = decodeTransaction(short)
    const bytes = txSignatureBytesFromRaw(short, decoded)
    expect(toHex(bytes)).toBe(toHex(txSignatureToBytes(decoded.signature)))
    expect(toHex(bytes.subarray(64))).toBe(toHex(publicKey))
  })
})

describe('recoverSenderFromRaw', () => {
  it('gives the documented sender of every FISCO vector that verifies, as recoverSender does', () => {
    let checked = 0
    for (const vector of txVectors) {
      if (!vector.signatureVerifies) continue
      const raw = hex(vector.raw)
      const tx = decodeTransaction(raw)
      const suite = vector.mode === 'ecdsa' ? createTestECDSASuite() : createTestSMSuite(seededBigints(1))
      expect(toHex(recoverSenderFromRaw(tx, raw, suite)), vector.name).toBe(vector.sender)
      expect(toHex(recoverSender(tx, suite)), vector.name).toBe(vector.sender)
      checked++
    }
    expect(checked).toBeGreaterThan(0)
  })

  it('recovers signed RC1 and RC2 transactions of both suites', () => {
    const ecdsa = createTestECDSASuite()
    const sm = createTestSMSuite(seededBigints(5))
    for (const suite of [ecdsa, sm]) {
      for (const rc1 of [false, true]) {
        const key = suite.randomPrivateKey()
        const unsigned = txOf({
          rc1,
          nonce: 42n,
          value: 0n,
          data: Uint8Array.of(1, 2),
          create: false,
          signature: { kind: 'ecdsa', v: 27, r: 1n, s: 1n },
        })
        const raw = encodeTransaction(signTransaction(unsigned, key, suite))
        const tx = decodeTransaction(raw)
        expect(toHex(recoverSenderFromRaw(tx, raw, suite))).toBe(toHex(suite.address(suite.publicKey(key))))
      }
    }
  })

  it('throws what recoverSender throws: TX_SUITE_MISMATCH before any recovery, TX_BAD_SIGNATURE', () => {
    const ecdsaVector = txVectors.find((v) => v.mode === 'ecdsa' && v.signatureVerifies)!
    const raw = hex(ecdsaVector.raw)
    const tx = decodeTransaction(raw)
    const sm = createTestSMSuite(seededBigints(2))
    const codeOf = (fn: () => unknown): string => {
      try {
        fn()
      } catch (err) {
        if (isProtocolError(err)) return err.type.code
        throw err
      }
      return 'none'
    }
    expect(codeOf(() => recoverSenderFromRaw(tx, raw, sm))).toBe('TX_SUITE_MISMATCH')
    expect(sm.recoverCalls).toBe(0)
    // r = 0 is no valid ECDSA signature: both paths refuse it alike.
    const bad = encodeTransaction({ ...tx, signature: { kind: 'ecdsa', v: 27, r: 0n, s: 1n } })
    const badTx = decodeTransaction(bad)
    const ecdsa = createTestECDSASuite()
    expect(codeOf(() => recoverSenderFromRaw(badTx, bad, ecdsa))).toBe('TX_BAD_SIGNATURE')
    expect(codeOf(() => recoverSender(badTx, ecdsa))).toBe('TX_BAD_SIGNATURE')
  })
})
