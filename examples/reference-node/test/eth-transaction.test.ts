import { createCryptoSuite } from '@consortia/crypto'
import { type Hex, keccak256, serializeTransaction } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { decodeEthTransaction, ETH_TX_BYTES_MAX } from '../src/eth/index.js'

const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'))
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const codeOf = (e: unknown) => (e as { type?: { code?: string } }).type?.code

/** EIP-155 "Example" (eips.ethereum.org/EIPS/eip-155): nonce 9, 20 gwei, 21000 gas, 1 ether to 0x3535…, chain 1, key 0x4646…46. */
const EIP155_RAW =
  '0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83'
const EIP155_SENDER = '0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f'
const KEY = `0x${'46'.repeat(32)}` as Hex
const account = privateKeyToAccount(KEY)

describe('Ethereum transactions', () => {
  it('decodes the EIP-155 example: sender, fields, hash = keccak256(raw)', async () => {
    const tx = await decodeEthTransaction(bytes(EIP155_RAW), { chainId: 1n })
    expect(tx.type).toBe('eip155')
    expect(hex(tx.sender)).toBe(EIP155_SENDER)
    expect(tx.nonce).toBe(9n)
    expect(tx.value).toBe(10n ** 18n)
    expect(tx.gas).toBe(21000n)
    expect(hex(tx.hash)).toBe(keccak256(EIP155_RAW as Hex))
    // The protocol decoder's envelope, for the pool.
    expect(tx.decoded.info).toMatchObject({ type: 'eip155', chainId: 1n, nonce: 9n })
  })

  it('replay across chains: another chain id and pre-EIP-155 transactions are refused', async () => {
    await expect(decodeEthTransaction(bytes(EIP155_RAW), { chainId: 5n })).rejects.toSatisfy(
      (e) => codeOf(e) === 'ETH_TX_WRONG_CHAIN',
    )
    const unprotected = await account.signTransaction({
      type: 'legacy',
      nonce: 0,
      gasPrice: 1n,
      gas: 21000n,
      to: account.address,
      value: 0n,
    })
    await expect(decodeEthTransaction(bytes(unprotected), { chainId: 1n })).rejects.toSatisfy(
      (e) => codeOf(e) === 'ETH_TX_UNPROTECTED',
    )
    const allowed = await decodeEthTransaction(bytes(unprotected), { chainId: 1n, allowUnprotected: true })
    expect(allowed.type).toBe('legacy')
    expect(hex(allowed.sender)).toBe(account.address.toLowerCase())
  })

  it('decodes EIP-2930 and EIP-1559 transactions signed by viem; hash includes the type byte', async () => {
    for (const type of ['eip2930', 'eip1559'] as const) {
      const raw =
        type === 'eip2930'
          ? await account.signTransaction({
              type,
              chainId: 20200,
              nonce: 3,
              gasPrice: 2n,
              gas: 50000n,
              to: null,
              data: '0x6000',
              accessList: [],
            })
          : await account.signTransaction({
              type,
              chainId: 20200,
              nonce: 3,
              maxFeePerGas: 5n,
              maxPriorityFeePerGas: 1n,
              gas: 50000n,
              to: `0x${'ab'.repeat(20)}`,
              data: '0x1234',
            })
      const tx = await decodeEthTransaction(bytes(raw), { chainId: 20200n })
      expect(tx.type).toBe(type)
      expect(hex(tx.sender)).toBe(account.address.toLowerCase())
      expect(hex(tx.hash)).toBe(keccak256(raw))
      expect(raw.startsWith(type === 'eip2930' ? '0x01' : '0x02')).toBe(true)
    }
  })

  it('refuses high s, tampered bytes, unsupported types and oversize input', async () => {
    const raw = await account.signTransaction({
      type: 'eip1559',
      chainId: 1,
      nonce: 0,
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
      gas: 21000n,
      to: account.address,
    })
    const { parseTransaction } = await import('viem')
    const p = parseTransaction(raw)
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const highS = serializeTransaction({ ...p, type: 'eip1559', chainId: 1 } as never, {
      r: p.r!,
      s: `0x${(n - BigInt(p.s!)).toString(16).padStart(64, '0')}`,
      yParity: p.yParity === 0 ? 1 : 0,
    })
    await expect(decodeEthTransaction(bytes(highS), { chainId: 1n })).rejects.toSatisfy(
      (e) => codeOf(e) === 'ETH_TX_BAD_SIGNATURE',
    )
    await expect(decodeEthTransaction(bytes('0x03c0'), { chainId: 1n })).rejects.toSatisfy(
      (e) => codeOf(e) === 'ETH_TX_MALFORMED',
    )
    await expect(
      decodeEthTransaction(new Uint8Array(ETH_TX_BYTES_MAX + 1), { chainId: 1n }),
    ).rejects.toSatisfy((e) => codeOf(e) === 'ETH_TX_TOO_LARGE')
    // Protocol decoder errors keep their code and say what failed.
    const wrongCount = await decodeEthTransaction(bytes('0x02c0'), { chainId: 1n }).catch((e: unknown) => e)
    expect(codeOf(wrongCount)).toBe('ETH_TX_MALFORMED')
    expect((wrongCount as Error).message).toMatch(/^malformed Ethereum transaction: transaction/)
    // Only an ECDSA suite can check an Ethereum signature.
    await expect(
      decodeEthTransaction(bytes(EIP155_RAW), { chainId: 1n, suite: createCryptoSuite('sm') }),
    ).rejects.toSatisfy((e) => codeOf(e) === 'ETH_TX_BAD_SIGNATURE')
    // A tampered payload recovers a different sender, never the signer.
    const tampered = bytes(EIP155_RAW)
    tampered[20] = (tampered[20] ?? 0) ^ 1
    const t = await decodeEthTransaction(tampered, { chainId: 1n }).catch((e: unknown) => e)
    const outcome = codeOf(t) ?? hex((t as { sender: Uint8Array }).sender)
    expect(outcome).not.toBe(EIP155_SENDER)
  })
})
