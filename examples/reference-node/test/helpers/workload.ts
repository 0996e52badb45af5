/** Token deployment and transfers over JSON-RPC, and the cross-node agreement check. */
import { createCryptoSuite } from '@consortia/crypto'
import type { CryptoSuite } from '@consortia/interface'
import { decodeFunctionResult, encodeDeployData, encodeFunctionData } from 'viem'
import { expect } from 'vitest'
import { type ReceiptJSON, type RpcClient, signRawTransaction, waitForReceipt } from '../../src/client.js'
import { DemoTokenAbi, DemoTokenBytecode } from '../../src/contracts/compiled.js'

/** A client account. */
export interface Account {
  readonly suite: CryptoSuite
  readonly privateKey: Uint8Array
  readonly address: string
}

/** A deterministic account of `suite` from `seed`. */
export function accountOf(suiteName: 'ecdsa' | 'sm', seed: string): Account {
  const suite = createCryptoSuite(suiteName)
  const privateKey = suite.hash(new TextEncoder().encode(`reference-node-test-${seed}`))
  return {
    suite,
    privateKey,
    address: `0x${Buffer.from(suite.address(suite.publicKey(privateKey))).toString('hex')}`,
  }
}

async function send(rpc: RpcClient, account: Account, to: string | null, data: string): Promise<string> {
  const blockNumber = Number(await rpc.call<string>('getBlockNumber', [1]))
  const raw = signRawTransaction({ ...account, chainId: 1, groupId: 1, blockNumber }, to, data)
  return rpc.call<string>('sendRawTransaction', [1, raw])
}

/** Deploys DemoToken with `supply` through `rpc`; returns its address. */
export async function deployToken(rpc: RpcClient, account: Account, supply: bigint): Promise<string> {
  const data = encodeDeployData({ abi: DemoTokenAbi, bytecode: DemoTokenBytecode, args: [supply] })
  const hash = await send(rpc, account, null, data)
  const receipt = await waitForReceipt(rpc, 1, hash)
  expect(receipt.status).toBe('0x0')
  expect(receipt.contractAddress).toMatch(/^0x[0-9a-f]{40}$/)
  return receipt.contractAddress
}

/** Sends `count` token transfers round-robin over `rpcs`; returns their hashes. */
export async function sendTransfers(
  rpcs: readonly RpcClient[],
  account: Account,
  token: string,
  count: number,
  first = 0,
): Promise<string[]> {
  const hashes: string[] = []
  for (let i = 0; i < count; i++) {
    const to = `0x${(first + i + 1).toString(16).padStart(40, '0')}`
    const data = encodeFunctionData({
      abi: DemoTokenAbi,
      functionName: 'transfer',
      args: [to as `0x${string}`, 1n],
    })
    hashes.push(await send(rpcs[i % rpcs.length]!, account, token, data))
  }
  return hashes
}

/** Waits for every receipt on `rpc` and expects status 0. */
export async function expectReceipts(rpc: RpcClient, hashes: readonly string[]): Promise<ReceiptJSON[]> {
  const out: ReceiptJSON[] = []
  for (const h of hashes) {
    const r = await waitForReceipt(rpc, 1, h, 90_000)
    expect(r.status, `receipt of ${h}`).toBe('0x0')
    out.push(r)
  }
  return out
}

/** `balanceOf(holder)` through `call`. */
export async function balanceOf(rpc: RpcClient, token: string, holder: string): Promise<bigint> {
  const data = encodeFunctionData({
    abi: DemoTokenAbi,
    functionName: 'balanceOf',
    args: [holder as `0x${string}`],
  })
  const r = await rpc.call<{ output: string; status: string }>('call', [
    1,
    { from: holder, to: token, value: '0x0', data },
  ])
  expect(r.status).toBe('0x0')
  return decodeFunctionResult({
    abi: DemoTokenAbi,
    functionName: 'balanceOf',
    data: r.output as `0x${string}`,
  })
}

/** Waits until every node reports `height` or more, then expects identical hashes for blocks 0..height. */
export async function expectAgreement(rpcs: readonly RpcClient[], height: number): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const heights = await Promise.all(
      rpcs.map(async (r) => Number(await r.call<string>('getBlockNumber', [1]))),
    )
    if (heights.every((h) => h >= height)) break
    if (Date.now() > deadline) throw new Error(`heights ${heights.join(',')} did not reach ${height}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  for (let n = 0; n <= height; n++) {
    const hashes = await Promise.all(
      rpcs.map((r) => r.call<string>('getBlockHashByNumber', [1, `0x${n.toString(16)}`])),
    )
    expect(new Set(hashes).size, `block ${n}: ${hashes.join(' ')}`).toBe(1)
  }
}
