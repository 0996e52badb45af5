/**
 * The request/response examples of the FISCO BCOS 2.x API documentation (test/fixtures/
 * fisco-2x-api-examples.json, copied from FISCO-BCOS-DOC 2.x/docs/api.md): every request is
 * sent to a running single-node chain (hashes, numbers and addresses swapped for this chain's)
 * and the answer must have the documented shape (keys, hex forms); values the doc lets us
 * recompute must be equal.
 */
import { readFileSync } from 'node:fs'
import { createCryptoSuite } from '@consortia/crypto'
import { createSignedTransaction } from '@consortia/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { transactionJSON } from '../src/rpc/format.js'
import { type RunningServer, startRpcServer } from '../src/rpc/http-server.js'
import { handleRpcBody } from '../src/rpc/methods.js'
import { hexOf, postJSON, rpc, STORE_INIT, startTestChain, type TestChain } from './rpc-helpers.js'

interface Example {
  readonly method: string
  readonly request: string
  readonly requestValidJSON: boolean
  readonly response?: string | null
  readonly responseValidJSON?: boolean
}

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'))
const examples: Example[] = fixture('fisco-2x-api-examples.json').examples
const pbftStatus: Example[] = fixture('fisco-2x-pbft-status.json').examples
const txVectors: { name: string; raw?: string; rebuiltRaw?: string; txHash?: string }[] =
  fixture('fisco-2x-tx-vectors.json').vectors

/** The shape of a JSON value: object keys (sealer.N collapsed), element shape, hex form of strings. */
function shapeOf(v: unknown): unknown {
  if (typeof v === 'string') {
    if (/^0x[0-9a-fA-F]*$/.test(v)) return 'hex'
    if (/^[0-9a-fA-F]+$/.test(v)) return 'plain-hex'
    return 'string'
  }
  if (Array.isArray(v)) return v.length === 0 ? 'empty-array' : ['array', shapeOf(v[0])]
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(v).sort()) {
      out[/^sealer\.\d+$/.test(key) ? 'sealer.i' : key] = shapeOf((v as Record<string, unknown>)[key])
    }
    return out
  }
  return v === null ? 'null' : typeof v
}

/** Equal shapes, where an empty array matches any array. */
function expectSameShape(ours: unknown, doc: unknown, path: string): void {
  const a = shapeOf(ours)
  const b = shapeOf(doc)
  if (a === 'empty-array' || b === 'empty-array') {
    expect(Array.isArray(ours) && Array.isArray(doc), `${path}: array`).toBe(true)
    return
  }
  if (Array.isArray(ours) && Array.isArray(doc)) {
    expectSameShape(ours[0], doc[0], `${path}[0]`)
    return
  }
  if (ours !== null && doc !== null && typeof ours === 'object' && typeof doc === 'object') {
    expect(Object.keys(a as object).sort(), `${path}: keys`).toEqual(Object.keys(b as object).sort())
    for (const key of Object.keys(doc)) {
      if (/^sealer\.\d+$/.test(key)) continue
      expectSameShape(
        (ours as Record<string, unknown>)[key],
        (doc as Record<string, unknown>)[key],
        `${path}.${key}`,
      )
    }
    return
  }
  expect(a, path).toEqual(b)
}

describe('the FISCO 2.x API doc examples', () => {
  let chain: TestChain
  let server: RunningServer
  let blockHash: string
  let deployHash: string
  let contract: string

  beforeAll(async () => {
    chain = await startTestChain({ admin: true })
    server = await startRpcServer({ host: '127.0.0.1', port: 0, node: chain.node })
    const deploy = chain.signTx({ nonce: 11n, to: null, data: Buffer.from(STORE_INIT, 'hex') })
    deployHash = (await rpc(server.port, 'sendRawTransaction', [1, hexOf(deploy)]))['result'] as string
    await chain.waitForHeight(1)
    blockHash = (await rpc(server.port, 'getBlockHashByNumber', [1, 1]))['result'] as string
    contract = (
      (await rpc(server.port, 'getTransactionReceipt', [1, deployHash]))['result'] as Record<string, string>
    )['contractAddress']!
  })
  afterAll(async () => {
    await server?.close()
    await chain?.close()
  })

  it('holds 48 examples whose requests all parse as JSON-RPC 2.0', () => {
    expect(examples.length).toBe(48)
    for (const e of examples) {
      const req = JSON.parse(e.request)
      expect(req.jsonrpc).toBe('2.0')
      expect(req.method).toBe(e.method)
      expect(Array.isArray(req.params)).toBe(true)
    }
  })

  /** Rewrites a doc request for this chain: its hashes, numbers and addresses. */
  const adapt = (e: Example): Record<string, unknown> => {
    const req = JSON.parse(e.request) as { params: unknown[]; id: unknown }
    const p = req.params
    switch (e.method) {
      case 'getBlockByHash':
      case 'getBlockHeaderByHash':
      case 'getBatchReceiptsByBlockHashAndRange':
        p[1] = blockHash
        break
      case 'getTransactionByHash':
      case 'getTransactionReceipt':
      case 'getTransactionByHashWithProof':
      case 'getTransactionReceiptByHashWithProof':
        p[1] = deployHash
        break
      case 'getCode':
        p[1] = contract
        break
      case 'generateGroup':
      case 'startGroup':
      case 'stopGroup':
      case 'removeGroup':
      case 'recoverGroup':
      case 'queryGroupStatus':
        break
    }
    return req
  }

  it('answers every example with a documented response in the documented shape', async () => {
    let compared = 0
    for (const e of examples) {
      if (typeof e.response !== 'string' || e.responseValidJSON !== true) continue
      if (e.method === 'getConsensusStatus' || e.method === 'sendRawTransaction') continue // own tests below
      const doc = JSON.parse(e.response) as Record<string, unknown>
      const req = adapt(e)
      const ours = (await postJSON(server.port, JSON.stringify(req))).json as Record<string, unknown>
      expect(ours['id'], e.method).toEqual(req['id'])
      expect(ours['error'], `${e.method}: ${JSON.stringify(ours['error'])}`).toBeUndefined()
      expectSameShape(ours['result'], doc['result'], e.method)
      compared++
    }
    expect(compared).toBeGreaterThanOrEqual(35)
  })

  it('answers getPendingTransactions with an array of the documented pending-tx objects', async () => {
    // The doc's response is not valid JSON ("result": { [ … ] }); its element keys are these.
    const docKeys = ['from', 'gas', 'gasPrice', 'hash', 'input', 'nonce', 'to', 'value']
    const tx = chain.signTx({ nonce: 12n, to: null, data: new Uint8Array(0) })
    const submitted = await chain.backend.submit(tx)
    expect(submitted.ok).toBe(true)
    // Answered before the next consensus tick (timers cannot run between these microtasks).
    const answer = JSON.parse(
      await handleRpcBody('{"jsonrpc":"2.0","method":"getPendingTransactions","params":[1],"id":1}', {
        node: chain.node,
      }),
    )
    const size = JSON.parse(
      await handleRpcBody('{"jsonrpc":"2.0","method":"getPendingTxSize","params":[1],"id":1}', {
        node: chain.node,
      }),
    )
    expect(size.result).toBe('0x1')
    expect(answer.result.length).toBe(1)
    expect(Object.keys(answer.result[0]).sort()).toEqual(docKeys)
    expect(answer.result[0].hash).toBe(`0x${hexOf(chain.suite.hash(tx))}`)
    expect(answer.result[0].from).toBe('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
    await chain.waitForHeight(2)
  })

  it('answers getConsensusStatus in the documented PBFT shape', async () => {
    const doc = JSON.parse(pbftStatus[0]!.response!) as Record<string, unknown>
    const ours = await rpc(server.port, 'getConsensusStatus', [1])
    expectSameShape(ours['result'], doc['result'], 'getConsensusStatus')
  })

  it('answers getConsensusStatus and getPbftView in the documented Raft shapes', async () => {
    const raft = await startTestChain({ consensus: 'raft' })
    const rs = await startRpcServer({ host: '127.0.0.1', port: 0, node: raft.node })
    try {
      const example = examples.find(
        (e) => e.method === 'getConsensusStatus' && typeof e.response === 'string',
      )!
      const doc = JSON.parse(example.response!) as Record<string, unknown>
      const ours = await rpc(rs.port, 'getConsensusStatus', [1])
      expectSameShape(ours['result'], doc['result'], 'getConsensusStatus (raft)')
      const status = (ours['result'] as Record<string, unknown>[])[0]!
      expect(status['leaderId']).toBe(hexOf(raft.node.nodeId))
      expect(status['leaderIdx']).toBe(0)
      // The doc prints code 7 here; the node returns -40007 (interop.md §5).
      expect((await rpc(rs.port, 'getPbftView', [1]))['error']).toEqual({
        code: -40007,
        message: 'Only pbft consensus supports the view property',
      })
      // A Raft leader commits transactions too.
      const tx = raft.signTx({ nonce: 5n, to: null, data: Buffer.from(STORE_INIT, 'hex') })
      const hash = (await rpc(rs.port, 'sendRawTransaction', [1, hexOf(tx)]))['result']
      await raft.waitForHeight(1)
      expect(
        ((await rpc(rs.port, 'getTransactionReceipt', [1, hash]))['result'] as Record<string, unknown>)[
          'status'
        ],
      ).toBe('0x0')
    } finally {
      await rs.close()
      await raft.close()
    }
  })

  it('admits the doc RC2 transaction with the documented hash; refuses the legacy RC1 one', async () => {
    const sends = examples.filter((e) => e.method === 'sendRawTransaction')
    const rc2 = sends.find((e) => e.response?.includes('0x0accad42'))!
    const rc2Answer = (await postJSON(server.port, rc2.request)).json as Record<string, unknown>
    expect(rc2Answer['result']).toBe(JSON.parse(rc2.response!).result)
    const rc1 = sends.find((e) => e.response?.includes('0x7536cf12'))!
    // The RC1 layout has no chain id: a ≥ 2.0.0-rc2 node refuses it (status 10002 InvalidChainId).
    const rc1Answer = (await postJSON(server.port, rc1.request)).json as Record<string, unknown>
    expect(rc1Answer['error']).toMatchObject({ code: -32603, data: { status: '0x2712' } })
  })

  it('prints the doc getTransactionByHash transaction exactly as documented', () => {
    const vector = txVectors.find((v) => v.rebuiltRaw !== undefined)!
    const example = examples.find((e) => e.method === 'getTransactionByHash')!
    const doc = JSON.parse(example.response!).result as Record<string, unknown>
    const raw = Buffer.from(vector.rebuiltRaw!.slice(2), 'hex')
    const stx = createSignedTransaction(raw, createCryptoSuite('ecdsa'))
    const ours = transactionJSON({
      tx: stx,
      blockHash: Buffer.from((doc['blockHash'] as string).slice(2), 'hex'),
      blockNumber: 1,
      index: 0,
    })
    expect(ours).toEqual(doc)
  })
})
