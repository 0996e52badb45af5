/**
 * The RPC on a guomi (SM2 + SM3) chain: the doc's SM transaction is admitted with its SM3 hash,
 * the client version carries " gm", and SM2 signatures print with the public key in `v`.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startRpcServer } from '../src/rpc/http-server.js'
import { hexOf, rpc, STORE_INIT, startTestChain, type TestChain } from './rpc-helpers.js'

const vectors: { name: string; raw?: string; txHash_sm3_of_raw?: string; sender?: string }[] = JSON.parse(
  readFileSync(new URL('./fixtures/fisco-2x-tx-vectors.json', import.meta.url), 'utf8'),
).vectors

describe('FISCO JSON-RPC on an SM chain', () => {
  let chain: TestChain
  let server: RunningServer

  beforeAll(async () => {
    chain = await startTestChain({ suiteName: 'sm' })
    server = await startRpcServer({ host: '127.0.0.1', port: 0, node: chain.node })
  })
  afterAll(async () => {
    await server?.close()
    await chain?.close()
  })

  it('reports the gm version, as SDKs check in SM mode', async () => {
    const v = (await rpc(server.port, 'getClientVersion', []))['result'] as Record<string, string>
    expect(v['FISCO-BCOS Version']).toBe('2.9.0 gm')
  })

  it('admits the doc SM transaction with its SM3 hash', async () => {
    const vector = vectors.find((v) => v.name.startsWith('doc RC2 SM'))!
    const answer = await rpc(server.port, 'sendRawTransaction', [1, vector.raw!.slice(2)])
    expect(answer['result']).toBe(vector.txHash_sm3_of_raw)
    await chain.waitForHeight(1)
    const tx = (await rpc(server.port, 'getTransactionByHash', [1, vector.txHash_sm3_of_raw]))[
      'result'
    ] as Record<string, unknown>
    expect(tx['from']).toBe(vector.sender)
  })

  it('commits an SM2-signed deploy and prints the key in signature.v', async () => {
    const raw = chain.signTx({ nonce: 7n, to: null, data: Buffer.from(STORE_INIT, 'hex') })
    const hash = (await rpc(server.port, 'sendRawTransaction', [1, hexOf(raw)]))['result'] as string
    expect(hash).toBe(`0x${hexOf(chain.suite.hash(raw))}`)
    await chain.waitForHeight(2)
    const receipt = (await rpc(server.port, 'getTransactionReceipt', [1, hash]))['result'] as Record<
      string,
      unknown
    >
    expect(receipt['status']).toBe('0x0')
    const tx = (await rpc(server.port, 'getTransactionByHash', [1, hash]))['result'] as Record<
      string,
      unknown
    >
    const sig = tx['signature'] as Record<string, string>
    const pub = hexOf(
      chain.suite.publicKey(
        Buffer.from('ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80', 'hex'),
      ),
    )
    expect(sig['v']).toBe(`0x${pub}`)
    expect(sig['signature']).toMatch(new RegExp(`^0x[0-9a-f]{128}${pub}$`))
  })
})
