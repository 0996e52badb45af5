/**
 * Ethereum-origin transactions in the chain model: strict decoding, sender recovery, the
 * replay key, the kind dispatch inside blocks, and refusals.
 */
import { createCryptoSuite } from '@consortia/crypto'
import { type Block, isEthTransaction } from '@consortia/interface'
import { describe, expect, it } from 'vitest'
import {
  createBlockTransaction,
  createSignedEthTransaction,
  decodeBlock,
  decodeEthTransaction,
  ETH_TX_BLOCK_LIMIT,
  encodeBlock,
  encodeTransaction,
  ethChainIdOf,
  ethReplayKey,
  ethSignatureBytes,
  isEthTransactionRaw,
  isProtocolError,
  signEthTransaction,
  signTransaction,
} from '../src/index.js'

const ecdsa = createCryptoSuite('ecdsa')
const sm = createCryptoSuite('sm')
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'))
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex')

/**
 * The worked example of EIP-155 (https://eips.ethereum.org/EIPS/eip-155, "Example"): nonce 9,
 * gas price 20 gwei, gas 21000, to 0x3535…35, value 1 ether, chain id 1, private key 0x4646…46.
 */
const EIP155 = {
  privateKey: bytes('4646464646464646464646464646464646464646464646464646464646464646'),
  signingData: 'ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080',
  signingHash: 'daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53',
  signed:
    'f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83',
  sender: '9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f',
}

const key = ecdsa.hash(new TextEncoder().encode('protocol-eth-test'))
const sender = ecdsa.address(ecdsa.publicKey(key))
const base = {
  chainId: 1n,
  nonce: 3n,
  maxFeePerGas: 7n,
  maxPriorityFeePerGas: 2n,
  gas: 90_000n,
  to: new Uint8Array(20).fill(0x42),
  value: 0n,
  data: bytes('a9059cbb'),
}

describe('Ethereum-origin transactions', () => {
  it('decodes the EIP-155 example: signing payload and hash, chain id, sender, keccak256(raw) hash', () => {
    const raw = bytes(EIP155.signed)
    expect(isEthTransactionRaw(raw)).toBe(true)
    const decoded = decodeEthTransaction(raw)
    expect(hexOf(decoded.signingPayload)).toBe(EIP155.signingData)
    expect(hexOf(ecdsa.hash(decoded.signingPayload))).toBe(EIP155.signingHash)
    expect(decoded.info).toMatchObject({
      type: 'eip155',
      chainId: 1n,
      nonce: 9n,
      maxFeePerGas: 20_000_000_000n,
    })
    const stx = createSignedEthTransaction(raw, ecdsa)
    expect(hexOf(stx.sender)).toBe(EIP155.sender)
    expect(hexOf(stx.hash)).toBe(hexOf(ecdsa.hash(raw)))
    expect(isEthTransaction(stx.tx)).toBe(true)
    expect(stx.tx.blockLimit).toBe(ETH_TX_BLOCK_LIMIT)
    expect(stx.tx.nonce).toBe(ethReplayKey(stx.sender, 9n, ecdsa.hash))
    // Signing the same fields with the EIP's key reproduces its bytes (RFC 6979 signatures).
    const again = signEthTransaction(
      {
        type: 'eip155',
        chainId: 1n,
        nonce: 9n,
        maxFeePerGas: 20_000_000_000n,
        gas: 21_000n,
        to: bytes('3535353535353535353535353535353535353535'),
        value: 10n ** 18n,
        data: new Uint8Array(0),
      },
      EIP155.privateKey,
      ecdsa,
    )
    expect(hexOf(again)).toBe(EIP155.signed)
  })

  it('round-trips EIP-1559 and EIP-2930 envelopes and recovers their sender', () => {
    for (const type of ['eip1559', 'eip2930'] as const) {
      const raw = signEthTransaction({ ...base, type }, key, ecdsa)
      expect(raw[0]).toBe(type === 'eip1559' ? 2 : 1)
      const stx = createBlockTransaction(raw, ecdsa)
      expect(hexOf(stx.sender)).toBe(hexOf(sender))
      if (!isEthTransaction(stx.tx)) throw new Error('expected an Ethereum transaction')
      expect(stx.tx.eth).toMatchObject({ type, chainId: 1n, nonce: 3n, maxFeePerGas: 7n })
      expect(stx.tx.eth.maxPriorityFeePerGas).toBe(type === 'eip1559' ? 2n : 7n)
      expect(hexOf(stx.tx.to!)).toBe(hexOf(base.to))
    }
  })

  it('tells the kinds apart: FISCO RC2 transactions still decode as FISCO', () => {
    const fisco = encodeTransaction(
      signTransaction(
        {
          format: 'rc2',
          nonce: 1n,
          gasPrice: 0n,
          gas: 1n,
          blockLimit: 10n,
          to: null,
          value: 0n,
          data: new Uint8Array(0),
          chainId: 1n,
          groupId: 1n,
          extraData: new Uint8Array(0),
        },
        key,
        ecdsa,
      ),
    )
    expect(isEthTransactionRaw(fisco)).toBe(false)
    expect(createBlockTransaction(fisco, ecdsa).tx.format).toBe('rc2')
  })

  it('carries Ethereum transactions inside blocks; decoding re-derives each sender from the raw bytes', () => {
    const raws = [
      signEthTransaction({ ...base, type: 'eip1559' }, key, ecdsa),
      signEthTransaction({ ...base, type: 'eip155', nonce: 4n }, key, ecdsa),
    ]
    const block: Block = {
      header: {
        parentHash: new Uint8Array(32),
        stateRoot: new Uint8Array(32),
        transactionsRoot: new Uint8Array(32),
        receiptsRoot: new Uint8Array(32),
        dbHash: new Uint8Array(32),
        logsBloom: new Uint8Array(256),
        number: 1,
        gasLimit: 0n,
        gasUsed: 0n,
        timestamp: 1,
        extraData: [],
        sealer: 0,
        sealerList: [new Uint8Array(64).fill(1)],
      },
      // The sender given here is a wrong hint: decoding must not trust it.
      transactions: raws.map((raw) => ({
        ...createBlockTransaction(raw, ecdsa),
        sender: new Uint8Array(20),
      })),
      signatureList: [],
    }
    const decoded = decodeBlock(encodeBlock(block, ecdsa.hash), ecdsa)
    expect(decoded.block.transactions.map((t) => hexOf(t.sender))).toEqual([hexOf(sender), hexOf(sender)])
    expect(decoded.block.transactions.map((t) => hexOf(t.raw))).toEqual(raws.map(hexOf))
    expect(decoded.block.transactions.map((t) => t.tx.format)).toEqual(['eth', 'eth'])
  })

  it('refuses unsupported types, high s, bad v and the SM suite, with typed errors', () => {
    const blob = Uint8Array.of(0x03, 0xc0)
    expect(isEthTransactionRaw(blob)).toBe(true)
    expect(() => decodeEthTransaction(blob)).toThrow(
      expect.objectContaining({ type: { code: 'TX_ETH_UNSUPPORTED_TYPE', type: 3 } }),
    )
    const raw = bytes(EIP155.signed)
    try {
      createSignedEthTransaction(raw, sm)
      expect.unreachable()
    } catch (err) {
      expect(isProtocolError(err, 'TX_SUITE_MISMATCH')).toBe(true)
    }
    // v = 30 is neither 27/28 nor EIP-155.
    const badV = Uint8Array.from(raw)
    badV[raw.length - 67] = 30
    expect(() => decodeEthTransaction(badV)).toThrow(/v must be 27, 28 or ≥ 35/)
    // High s: n − s with the parity flipped recovers the same key, but EIP-2 forbids it.
    const d = decodeEthTransaction(raw)
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const high = { ...d, s: n - d.s }
    expect(() => ethSignatureBytes(d)).not.toThrow()
    expect(() => ethSignatureBytes(high)).toThrow(/EIP-2/)
    expect(() => decodeEthTransaction(raw, { maxBytes: 10 })).toThrow(/exceeds the limit of 10/)
  })

  it('gives every group of a chain its own Ethereum chain id', () => {
    expect(ethChainIdOf(1n, 1)).toBe(1n)
    expect(ethChainIdOf(1n, 2)).toBe(65_538n)
    const ids = new Set([1, 2, 3, 32767].map((g) => ethChainIdOf(5n, g)))
    expect(ids.size).toBe(4)
  })
})
