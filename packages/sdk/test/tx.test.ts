import { createCryptoSuite } from '@consortia/crypto'
import { createSignedTransaction, decodeTransaction } from '@consortia/protocol'
import { describe, expect, it } from 'vitest'
import {
  bytesToHex,
  createAccount,
  createTransactionFields,
  encodeSignedTransaction,
  hexToBytes,
  isSDKError,
  transactionSigningHash,
} from '../src/index.js'
import { captureTxs, docRC2, HARDHAT_ADDRESS_0, HARDHAT_KEY_0 } from './vectors.js'

const ecdsa = createCryptoSuite('ecdsa')
const sm = createCryptoSuite('sm')

describe('transaction signing reproduces captured FISCO SDK transactions', () => {
  for (const name of ['ecdsaDeploy', 'ecdsaSet'] as const) {
    it(`ECDSA ${name}: byte-for-byte raw, signing hash and tx hash`, () => {
      const v = captureTxs[name]
      const account = createAccount(ecdsa, HARDHAT_KEY_0)
      expect(account.address).toBe(HARDHAT_ADDRESS_0)
      const fields = createTransactionFields({ ...v, chainId: 1n, groupId: 1n })
      const hash = transactionSigningHash(fields, ecdsa)
      expect(bytesToHex(hash)).toBe(v.sigHash)
      // RFC 6979 deterministic ECDSA: the same key signs the same hash to the same bytes.
      const signed = encodeSignedTransaction(fields, account.sign(hash), ecdsa)
      expect(signed.raw).toBe(v.raw)
      expect(signed.txHash).toBe(v.txHash)
    })
  }

  for (const name of ['smDeploy', 'smSet'] as const) {
    it(`SM ${name}: same unsigned payload and SM3 signing hash; with the captured signature the raw tx is byte-identical and verifies`, () => {
      const v = captureTxs[name]
      const fields = createTransactionFields({ ...v, chainId: 1n, groupId: 1n })
      const hash = transactionSigningHash(fields, sm)
      expect(bytesToHex(hash)).toBe(v.sigHash)
      const sig = new Uint8Array(128)
      sig.set(hexToBytes(`0x${v.r.toString(16).padStart(64, '0')}`, 'r'), 0)
      sig.set(hexToBytes(`0x${v.s.toString(16).padStart(64, '0')}`, 's'), 32)
      sig.set(hexToBytes(v.publicKey, 'pub', 64), 64)
      expect(sm.verify(hash, sig, hexToBytes(v.publicKey, 'pub', 64))).toBe(true)
      const signed = encodeSignedTransaction(fields, sig, sm)
      expect(signed.raw).toBe(v.raw)
      expect(signed.txHash).toBe(v.txHash)
      const checked = createSignedTransaction(hexToBytes(signed.raw, 'raw'), sm)
      expect(bytesToHex(checked.sender)).toBe(v.sender)
    })
  }

  it('SM: a fresh SM2 account signs a tx the protocol package verifies (SM2 signatures are randomised)', () => {
    const account = createAccount(sm)
    const v = captureTxs.smSet
    const fields = createTransactionFields({ ...v, chainId: 1n, groupId: 1n })
    const signed = encodeSignedTransaction(fields, account.sign(transactionSigningHash(fields, sm)), sm)
    const checked = createSignedTransaction(hexToBytes(signed.raw, 'raw'), sm)
    expect(bytesToHex(checked.sender)).toBe(account.address)
    expect(bytesToHex(checked.hash)).toBe(signed.txHash)
  })

  it('decodes and re-signs the api.md RC2 example to the same signing hash and tx hash', () => {
    const tx = decodeTransaction(hexToBytes(docRC2.raw, 'raw'))
    const { signature: _s, ...unsigned } = tx
    expect(bytesToHex(transactionSigningHash(unsigned, ecdsa))).toBe(docRC2.signingHash)
    const sig = new Uint8Array(65)
    if (tx.signature.kind !== 'ecdsa') throw new Error('expected ECDSA')
    sig.set(hexToBytes(`0x${tx.signature.r.toString(16).padStart(64, '0')}`, 'r'), 0)
    sig.set(hexToBytes(`0x${tx.signature.s.toString(16).padStart(64, '0')}`, 's'), 32)
    sig[64] = tx.signature.v - 27
    const signed = encodeSignedTransaction(unsigned, sig, ecdsa)
    expect(signed.raw).toBe(docRC2.raw)
    expect(signed.txHash).toBe(docRC2.txHash)
    expect(bytesToHex(createSignedTransaction(hexToBytes(signed.raw, 'raw'), ecdsa).sender)).toBe(
      docRC2.sender,
    )
  })

  it('random nonces differ and fit in 16 bytes', () => {
    const a = createTransactionFields({ data: '0x', gas: 1n, blockLimit: 1n, chainId: 1n, groupId: 1n })
    const b = createTransactionFields({ data: '0x', gas: 1n, blockLimit: 1n, chainId: 1n, groupId: 1n })
    expect(a.nonce).not.toBe(b.nonce)
    expect(a.nonce < 1n << 128n).toBe(true)
  })

  it('labels bad input', () => {
    try {
      createTransactionFields({ to: '0x1234', data: '0x', gas: 1n, blockLimit: 1n, chainId: 1n, groupId: 1n })
      expect.unreachable()
    } catch (err) {
      expect(isSDKError(err, 'SDK_INVALID_INPUT')).toBe(true)
      expect((err as Error).message).toBe('to: expected 20-byte hex, got 2 bytes')
    }
    expect(() =>
      encodeSignedTransaction(
        createTransactionFields({ data: '0x', gas: 1n, blockLimit: 1n, chainId: 1n, groupId: 1n }),
        new Uint8Array(64),
        ecdsa,
      ),
    ).toThrow('signature: expected 65-byte ecdsa signature, got 64 bytes')
  })
})
