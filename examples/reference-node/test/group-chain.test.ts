/**
 * Dynamic groups on a chain of four `consortia start` processes: `generateGroup` then
 * `startGroup` over JSON-RPC on every node makes a new PBFT group that commits blocks, and
 * every block's `signatureList` (groups 1 and 2) verifies as a FISCO SDK verifies it. Then a
 * transaction sent over the channel protocol (TLS, the build-chain SDK certificate) gets its
 * receipt pushed, and every node holds the same block.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChannelType } from '../src/channel/frame.js'
import { signRawTransaction, waitForReceipt } from '../src/client.js'
import { type ChainCerts, connectChannel, text } from './channel-helpers.js'
import { startTestChain, type TestChain, until } from './helpers/cluster.js'
import { type BlockJSON, signatureListProblems } from './helpers/fisco-verify.js'
import { accountOf, deployToken, expectAgreement } from './helpers/workload.js'

describe('generateGroup and startGroup on a 4-node chain', () => {
  let chain: TestChain
  beforeAll(async () => {
    chain = await startTestChain(['-l', '127.0.0.1:4'], 4, 24_031)
  }, 240_000)
  afterAll(async () => {
    await chain?.close()
  })

  it('makes a new group that commits blocks with FISCO-verifiable signature lists on every node', async () => {
    const rpcs = chain.nodes.map((n) => n.rpc)
    const sealers = chain.chain.nodes.map((n) => n.nodeId)
    // Group 1 first: its blocks carry n − f = 3 signatures over the block hash.
    await deployToken(rpcs[0]!, accountOf('ecdsa', 'group-chain'), 10n)
    const b1 = await rpcs[2]!.call<BlockJSON>('getBlockByNumber', [1, '0x1', true])
    expect(b1.signatureList.length).toBeGreaterThanOrEqual(3)
    expect(signatureListProblems(b1)).toEqual([])

    // Every sealer is a connected peer of every node: generateGroup succeeds everywhere.
    await until('peers connected', async () => {
      const counts = await Promise.all(rpcs.map((r) => r.call<unknown[]>('getPeers', [1])))
      return counts.every((c) => c.length === 3) ? true : undefined
    })
    const spec = { timestamp: '1700000000000', sealers }
    for (const rpc of rpcs) {
      expect(await rpc.call('generateGroup', [2, spec])).toEqual({
        code: '0x0',
        message: 'Group 2 generated successfully',
      })
    }
    for (const rpc of rpcs) {
      expect(await rpc.call('queryGroupStatus', [2])).toEqual({ code: '0x0', message: '', status: 'STOPPED' })
    }
    for (const rpc of rpcs) {
      expect(await rpc.call('startGroup', [2])).toEqual({
        code: '0x0',
        message: 'Group 2 started successfully',
      })
    }
    for (const rpc of rpcs) expect(await rpc.call('getGroupList', [])).toEqual([1, 2])
    expect(new Set(await Promise.all(rpcs.map((r) => r.call('getBlockHashByNumber', [2, '0x0'])))).size).toBe(
      1,
    )
    expect(await rpcs[0]!.call('getSealerList', [2])).toEqual(await rpcs[0]!.call('getSealerList', [1]))

    // A transaction in group 2 commits; all four nodes hold the same block.
    const account = accountOf('ecdsa', 'group-chain-2')
    const raw = signRawTransaction(
      { ...account, chainId: 1, groupId: 2, blockNumber: 0 },
      null,
      '0x602a60005260206000f3',
    )
    const hash = await rpcs[1]!.call<string>('sendRawTransaction', [2, raw])
    const receipt = await waitForReceipt(rpcs[3]!, 2, hash, 90_000)
    expect(receipt.status).toBe('0x0')
    const height = Number(receipt.blockNumber)
    const hashes = await Promise.all(
      rpcs.map(async (r) => {
        await until(`group 2 block ${height}`, async () =>
          Number(await r.call<string>('getBlockNumber', [2])) >= height ? true : undefined,
        )
        return r.call<string>('getBlockHashByNumber', [2, receipt.blockNumber])
      }),
    )
    expect(new Set(hashes).size).toBe(1)
    for (const rpc of rpcs) {
      const block = await rpc.call<BlockJSON>('getBlockByNumber', [2, receipt.blockNumber, true])
      expect(block.signatureList.length).toBeGreaterThanOrEqual(3)
      expect(signatureListProblems(block)).toEqual([])
      const header = await rpc.call<BlockJSON>('getBlockHeaderByNumber', [2, receipt.blockNumber, true])
      expect(signatureListProblems(header)).toEqual([])
    }
    // Group 1 is unaffected by group 2.
    await expectAgreement(rpcs, Number(await rpcs[0]!.call<string>('getBlockNumber', [1])))
  }, 240_000)

  it('takes a transaction over the channel protocol, pushes its receipt, and every node agrees', async () => {
    const rpcs = chain.nodes.map((n) => n.rpc)
    const sdk = join(chain.chain.output, '127.0.0.1', 'sdk')
    const read = (f: string) => readFileSync(join(sdk, f), 'utf8')
    const client = await connectChannel(
      chain.chain.nodes[2]!.ports.channel,
      {} as ChainCerts, // the chain's own certificates are given explicitly
      { chainPem: read('sdk.crt'), keyPem: read('sdk.key') },
      read('ca.crt'),
    )
    try {
      const account = accountOf('ecdsa', 'group-chain-channel')
      const blockNumber = Number(await rpcs[2]!.call<string>('getBlockNumber', [1]))
      const raw = signRawTransaction(
        { ...account, chainId: 1, groupId: 1, blockNumber },
        null,
        '0x602a60005260206000f3',
      )
      const request = { jsonrpc: '2.0', id: 7, method: 'sendRawTransaction', params: [1, raw] }
      const seq = client.send({ type: ChannelType.RPC, body: Buffer.from(JSON.stringify(request)) })
      const reply = JSON.parse(text(await client.next((f) => f.type === ChannelType.RPC && f.seq === seq)))
      expect(reply.error).toBeUndefined()
      const push = await client.next((f) => f.type === ChannelType.RECEIPT_PUSH && f.seq === seq, 90_000)
      const receipt = JSON.parse(text(push)) as {
        transactionHash: string
        status: string
        blockNumber: string
      }
      expect(receipt.transactionHash).toBe(reply.result)
      expect(receipt.status).toBe('0x0')
      const height = Number(receipt.blockNumber)
      await expectAgreement(rpcs, height)
      for (const rpc of rpcs) {
        expect((await waitForReceipt(rpc, 1, reply.result as string, 30_000)).blockNumber).toBe(
          receipt.blockNumber,
        )
        const block = await rpc.call<BlockJSON>('getBlockByNumber', [1, receipt.blockNumber, true])
        expect(signatureListProblems(block)).toEqual([])
      }
    } finally {
      client.close()
    }
  }, 180_000)
})
