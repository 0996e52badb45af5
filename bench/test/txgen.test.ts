import { bytesToHex, createECDSASuite, createSMSuite } from '@consortia/crypto'
import type { CryptoSuite } from '@consortia/interface'
import { decodeValues, parseSignature } from '@consortia/parallel-executor'
import { decodeTransaction, recoverSender } from '@consortia/protocol'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import {
  BLOCK_LIMIT_AHEAD,
  callData,
  DAG_TRANSFER_ADDRESS,
  type DagCall,
  PRESIGN_MAX,
  presign,
  transferCalls,
  userNames,
} from '../src/txgen.js'

const hex = (b: Uint8Array) => bytesToHex(b)

describe.each([
  ['ecdsa', createECDSASuite()],
  ['sm', createSMSuite()],
] as [string, CryptoSuite][])('presign on the %s suite', (_name, suite) => {
  const privateKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
  const sender = suite.address(suite.publicKey(privateKey))
  const calls: DagCall[] = [
    { kind: 'add', user: 'alice', balance: 1000n },
    { kind: 'transfer', from: 'alice', to: 'bob', amount: 7n },
  ]
  const raws = presign(
    { suite, privateKey, chainId: 9, groupId: 3, blockNumber: 41, nonceBase: 1000n },
    calls,
  )

  it('produces FISCO RC2 transactions that decode and recover the signer', () => {
    expect(raws).toHaveLength(2)
    raws.forEach((raw, i) => {
      expect(raw.startsWith('0x')).toBe(true)
      const tx = decodeTransaction(Uint8Array.from(Buffer.from(raw.slice(2), 'hex')))
      expect(tx.format).toBe('rc2')
      expect(tx.chainId).toBe(9n)
      expect(tx.groupId).toBe(3n)
      expect(tx.nonce).toBe(1000n + BigInt(i))
      expect(tx.blockLimit).toBe(BigInt(41 + BLOCK_LIMIT_AHEAD))
      expect(`0x${hex(tx.to as Uint8Array)}`).toBe(DAG_TRANSFER_ADDRESS)
      expect(hex(recoverSender(tx, suite))).toBe(hex(sender))
    })
  })

  it("encodes the DagTransfer calls with the suite's selector", () => {
    const add = decodeTransaction(Uint8Array.from(Buffer.from(raws[0]!.slice(2), 'hex')))
    const transfer = decodeTransaction(Uint8Array.from(Buffer.from(raws[1]!.slice(2), 'hex')))
    const selector = (sig: string) => hex(suite.hash(new TextEncoder().encode(sig)).subarray(0, 4))
    expect(hex(add.data.subarray(0, 4))).toBe(selector('userAdd(string,uint256)'))
    expect(hex(transfer.data.subarray(0, 4))).toBe(selector('userTransfer(string,string,uint256)'))
    expect(decodeValues(parseSignature('userAdd(string,uint256)').inputs, add.data.subarray(4))).toEqual([
      'alice',
      1000n,
    ])
    expect(
      decodeValues(parseSignature('userTransfer(string,string,uint256)').inputs, transfer.data.subarray(4)),
    ).toEqual(['alice', 'bob', 7n])
  })
})

describe('call data and workloads', () => {
  const suite = createECDSASuite()
  it('puts the Keccak-256 selector first, checked with an independent Keccak implementation', () => {
    const signature = 'userTransfer(string,string,uint256)'
    const data = callData(suite, signature, ['a', 'b', 1n])
    expect(hex(data.subarray(0, 4))).toBe(hex(keccak_256(new TextEncoder().encode(signature)).subarray(0, 4)))
    // Head: selector, two string offsets (0x60, 0xa0), amount; then "a" and "b" as length-prefixed words.
    expect(data.length).toBe(4 + 32 * 7)
    expect(data[4 + 31]).toBe(0x60)
    expect(data[4 + 63]).toBe(0xa0)
    expect(data[4 + 95]).toBe(1)
    expect(() => callData(suite, 'userAdd(string,uint256)', ['a'])).toThrow('expected 2 arguments, got 1')
  })
  it('draws repeatable transfers between distinct users', () => {
    const users = userNames('t', 10)
    expect(users[3]).toBe('ut-3')
    const a = transferCalls(users, 500, 7)
    expect(transferCalls(users, 500, 7)).toEqual(a)
    expect(transferCalls(users, 500, 8)).not.toEqual(a)
    for (const c of a) {
      expect(c.kind).toBe('transfer')
      if (c.kind === 'transfer') expect(c.from).not.toBe(c.to)
    }
    // Every user is touched in 500 draws over 10 users.
    expect(new Set(a.flatMap((c) => (c.kind === 'transfer' ? [c.from, c.to] : []))).size).toBe(10)
    expect(() => transferCalls(['only'], 1, 1)).toThrow('expected at least 2 users, got 1')
  })
  it('signs contract calls by signature and deployments without a recipient', () => {
    const privateKey = new Uint8Array(32).fill(3)
    const to = '0x00000000000000000000000000000000000000aa'
    const raws = presign({ suite, privateKey, chainId: 1, groupId: 1, blockNumber: 5, nonceBase: 7n }, [
      { kind: 'call', to, signature: 'transfer(address,uint256)', args: [to, 9n] },
      { kind: 'deploy', code: '0x6080604052' },
    ])
    const [call, deploy] = raws.map((r) => decodeTransaction(Uint8Array.from(Buffer.from(r.slice(2), 'hex'))))
    expect(`0x${hex(call!.to as Uint8Array)}`).toBe(to)
    expect(hex(call!.data.subarray(0, 4))).toBe('a9059cbb') // ERC-20 transfer selector
    expect(decodeValues(parseSignature('transfer(address,uint256)').inputs, call!.data.subarray(4))).toEqual([
      to,
      9n,
    ])
    expect(deploy!.to).toBeNull()
    expect(hex(deploy!.data)).toBe('6080604052')
    expect(() =>
      presign({ suite, privateKey, chainId: 1, groupId: 1, blockNumber: 5, nonceBase: 7n }, [
        { kind: 'deploy', code: '0x608' },
      ]),
    ).toThrow('expected even-length hex')
  })
  it('refuses more than PRESIGN_MAX calls before signing anything', () => {
    const privateKey = new Uint8Array(32).fill(1)
    const tooMany = { length: PRESIGN_MAX + 1 } as unknown as DagCall[]
    expect(() =>
      presign({ suite, privateKey, chainId: 1, groupId: 1, blockNumber: 0, nonceBase: 0n }, tooMany),
    ).toThrow(`expected at most ${PRESIGN_MAX} calls, got ${PRESIGN_MAX + 1}`)
  })
})
