import { createCryptoSuite } from '@consortia/crypto'
import { parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import { abiCacheMax, createAbiCodec, isSDKError } from '../src/index.js'
import { bazCall, captureTxs, revertNotEnoughEther, selectorVectors } from './vectors.js'

const keccak = createAbiCodec(createCryptoSuite('ecdsa'))
const sm3 = createAbiCodec(createCryptoSuite('sm'))

const storeAbi = parseAbi([
  'function set(string value)',
  'function get() view returns (string)',
  'function baz(uint32 x, bool y) returns (bool)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'error Unauthorized(address caller)',
])

describe('ABI codec', () => {
  it('Keccak selectors match the published vectors', () => {
    for (const [sig, sel] of Object.entries(selectorVectors.keccak)) expect(keccak.selector(sig)).toBe(sel)
    expect(keccak.eventTopic('Transfer(address,address,uint256)')).toBe(selectorVectors.transferTopicKeccak)
  })

  it('SM3 selectors on guomi chains (interop.md §1.2)', () => {
    for (const [sig, sel] of Object.entries(selectorVectors.sm3)) expect(sm3.selector(sig)).toBe(sel)
    expect(sm3.hashName).toBe('sm3')
    expect(sm3.eventTopic('Transfer(address,address,uint256)')).not.toBe(selectorVectors.transferTopicKeccak)
  })

  it('encodes call data like the FISCO SDKs in both modes (capture call data)', () => {
    expect(keccak.encodeFunctionData(storeAbi, 'set', ['FISCO BCOS'])).toBe(captureTxs.ecdsaSet.data)
    expect(sm3.encodeFunctionData(storeAbi, 'set', ['FISCO BCOS'])).toBe(captureTxs.smSet.data)
    expect(keccak.encodeFunctionData(storeAbi, 'baz', [69, true])).toBe(bazCall)
  })

  it('decodes results and rejects wrong argument counts with a labelled error', () => {
    const out = `0x${'0'.repeat(63)}1`
    expect(keccak.decodeFunctionResult(storeAbi, 'baz', out)).toBe(true)
    try {
      keccak.encodeFunctionData(storeAbi, 'baz', [1])
      expect.unreachable()
    } catch (err) {
      expect(isSDKError(err, 'SDK_ABI_ERROR')).toBe(true)
    }
    expect(() => keccak.encodeFunctionData(storeAbi, 'nope', [])).toThrow(/nope/)
    // viem would coerce these; the codec refuses them with a labelled error
    expect(() => keccak.encodeFunctionData(storeAbi, 'set', [1n])).toThrow(
      'set argument value: expected a string for string, got bigint',
    )
    expect(() => keccak.encodeFunctionData(storeAbi, 'baz', ['69', true])).toThrow(
      'baz argument x: expected a bigint or safe integer for uint32, got string',
    )
  })

  it('decodes events matched by the chain hash (SM3 topic0 on guomi chains)', () => {
    const from = '0x1111111111111111111111111111111111111111'
    const to = '0x2222222222222222222222222222222222222222'
    const pad = (a: string) => `0x${a.slice(2).padStart(64, '0')}`
    for (const codec of [keccak, sm3]) {
      const log = {
        address: '0x3333333333333333333333333333333333333333',
        topics: [codec.eventTopic('Transfer(address,address,uint256)'), pad(from), pad(to)],
        data: `0x${1000n.toString(16).padStart(64, '0')}`,
      }
      const decoded = codec.decodeEventLog(storeAbi, log)
      expect(decoded?.eventName).toBe('Transfer')
      expect(decoded?.args).toEqual({
        from: '0x1111111111111111111111111111111111111111',
        to: '0x2222222222222222222222222222222222222222',
        value: 1000n,
      })
    }
    // A Keccak topic does not match on an SM3 chain.
    const keccakLog = {
      address: `0x${'3'.repeat(40)}`,
      topics: [selectorVectors.transferTopicKeccak, pad(from), pad(to)],
      data: `0x${'0'.repeat(64)}`,
    }
    expect(sm3.decodeEventLog(storeAbi, keccakLog)).toBeUndefined()
  })

  it('decodes revert reasons: Error(string), Panic(uint256), custom errors', () => {
    expect(keccak.decodeRevert(revertNotEnoughEther)).toEqual({
      kind: 'error',
      reason: 'Not enough Ether provided.',
    })
    const panic = `${selectorVectors.keccak['Panic(uint256)']}${0x11n.toString(16).padStart(64, '0')}`
    expect(keccak.decodeRevert(panic)).toMatchObject({
      kind: 'panic',
      code: 0x11n,
      reason: 'panic 0x11: arithmetic overflow or underflow',
    })
    const smError = `${sm3.selector('Error(string)')}${revertNotEnoughEther.slice(10)}`
    expect(sm3.decodeRevert(smError)).toEqual({ kind: 'error', reason: 'Not enough Ether provided.' })
    const custom = `${keccak.selector('Unauthorized(address)')}${'0'.repeat(24)}${'ab'.repeat(20)}`
    expect(keccak.decodeRevert(custom, storeAbi)).toMatchObject({ kind: 'custom', errorName: 'Unauthorized' })
    expect(keccak.decodeRevert('0x')).toBeUndefined()
    expect(keccak.decodeRevert('0x12345678')).toBeUndefined()
  })

  it('encodes deploy data with constructor arguments', () => {
    const abi = parseAbi(['constructor(uint256 supply)'])
    expect(keccak.encodeDeployData(abi, '0x6080', [5n])).toBe(`0x6080${'0'.repeat(63)}5`)
    expect(() => keccak.encodeDeployData(abi, '0x6080', [])).toThrow(
      'constructor: expected 1 arguments, got 0',
    )
  })

  it('selector cache stops growing at abiCacheMax and still answers', () => {
    const codec = createAbiCodec(createCryptoSuite('ecdsa', { backend: 'noble' }))
    for (let i = 0; i < abiCacheMax + 10; i++) codec.selector(`f${i}()`)
    expect(codec.selector(`f${abiCacheMax + 5}()`)).toBe(keccak.selector(`f${abiCacheMax + 5}()`))
  })
})
