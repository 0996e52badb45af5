import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningServer, startRpcServer } from '../src/rpc/http-server.js'
import { handleRpcBody, PARAMS_DEPTH_MAX, RPC_BATCH_MAX, RPC_BODY_BYTES_MAX } from '../src/rpc/methods.js'
import { postJSON, rpc, startTestChain, type TestChain } from './rpc-helpers.js'

const errorCode = (v: unknown) =>
  ((v as Record<string, unknown>)['error'] as Record<string, unknown> | undefined)?.['code']

describe('malformed JSON-RPC requests get JSON-RPC errors, never a crash', () => {
  let chain: TestChain
  let server: RunningServer
  let small: RunningServer

  beforeAll(async () => {
    chain = await startTestChain()
    server = await startRpcServer({ host: '127.0.0.1', port: 0, node: chain.node })
    small = await startRpcServer({ host: '127.0.0.1', port: 0, node: chain.node, bodyBytesMax: 1024 })
  })
  afterAll(async () => {
    await small?.close()
    await server?.close()
    await chain?.close()
  })

  it('answers parse errors, invalid requests and unknown methods with the JSON-RPC codes', async () => {
    const port = server.port
    expect((await postJSON(port, '{"jsonrpc":"2.0",')).json).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error' },
    })
    expect(errorCode((await postJSON(port, '5')).json)).toBe(-32600)
    expect(errorCode((await postJSON(port, '{"jsonrpc":"2.0","method":7,"id":1}')).json)).toBe(-32600)
    expect(errorCode((await postJSON(port, '{"jsonrpc":"2.0","method":"x","id":{"a":1}}')).json)).toBe(-32600)
    const unknown = (await postJSON(port, '{"jsonrpc":"2.0","method":"noSuchMethod","params":[],"id":"q"}'))
      .json
    expect(unknown).toMatchObject({ id: 'q', error: { code: -32601 } })
    // inherited object keys are not methods
    expect(errorCode(await rpc(port, 'toString', []))).toBe(-32601)
    expect(errorCode(await rpc(port, '__proto__', []))).toBe(-32601)
    expect(
      errorCode(
        (await postJSON(port, '{"jsonrpc":"2.0","method":"getBlockNumber","params":{"g":1},"id":1}')).json,
      ),
    ).toBe(-32602)
  })

  it('checks group ids and parameter types with labelled messages', async () => {
    const port = server.port
    for (const bad of ['abc', 0, 40_000, true, null, 1.5, [1]]) {
      const r = await rpc(port, 'getBlockNumber', [bad])
      expect(r['error']).toMatchObject({ code: -32602 })
      expect((r['error'] as Record<string, string>)['message']).toContain('groupID')
    }
    expect(errorCode(await rpc(port, 'getBlockNumber', []))).toBe(-32602)
    expect((await rpc(port, 'getBlockNumber', [7]))['error']).toEqual({
      code: -40001,
      message: 'GroupID does not exist',
    })
    expect((await rpc(port, 'getBlockNumber', ['1']))['result']).toMatch(/^0x[0-9a-f]+$/)
    const shortHash = await rpc(port, 'getBlockByHash', [1, `0x${'ab'.repeat(31)}`, false])
    expect(shortHash['error']).toEqual({
      code: -32602,
      message: 'Invalid params: expected blockHash to be 32 bytes, got 31',
    })
    expect(errorCode(await rpc(port, 'getBlockByHash', [1, 'zz', false]))).toBe(-32602)
    expect(errorCode(await rpc(port, 'getBlockByNumber', [1, -1, false]))).toBe(-32602)
    expect(errorCode(await rpc(port, 'getBlockByNumber', [1, '0x0', 'yes']))).toBe(-32602)
    expect(errorCode(await rpc(port, 'getCode', [1, '0x1234']))).toBe(-32602)
    expect(errorCode(await rpc(port, 'call', [1, 'from']))).toBe(-32602)
    expect(errorCode(await rpc(port, 'call', [1, { from: '0x12', to: null }]))).toBe(-32602)
    expect(errorCode(await rpc(port, 'sendRawTransaction', [1, 12]))).toBe(-32602)
    expect(errorCode(await rpc(port, 'sendRawTransaction', [1, '0xabc']))).toBe(-32602)
    expect(
      errorCode(await rpc(port, 'getBatchReceiptsByBlockNumberAndRange', [1, 0, 'x', '-1', false])),
    ).toBe(-32602)
    expect(errorCode(await rpc(port, 'addPeers', ['127.0.0.1:1']))).toBe(-32602)
    expect(errorCode(await rpc(port, 'addPeers', [['not an endpoint']]))).toBe(-32602)
  })

  it('refuses params nested deeper than PARAMS_DEPTH_MAX', async () => {
    let nested: unknown = 1
    for (let i = 0; i <= PARAMS_DEPTH_MAX; i++) nested = [nested]
    expect(errorCode(await rpc(server.port, 'getBlockNumber', [1, nested]))).toBe(-32602)
  })

  it('answers batches in order, and refuses empty and oversize batches', async () => {
    const port = server.port
    const batch = (
      await postJSON(
        port,
        JSON.stringify([
          { jsonrpc: '2.0', method: 'getBlockNumber', params: [1], id: 1 },
          { jsonrpc: '2.0', method: 'nope', params: [], id: 2 },
          { jsonrpc: '2.0', method: 'getGroupList', params: [], id: 3 },
        ]),
      )
    ).json as Record<string, unknown>[]
    expect(batch.map((r) => r['id'])).toEqual([1, 2, 3])
    expect(batch[0]!['result']).toMatch(/^0x/)
    expect(errorCode(batch[1])).toBe(-32601)
    expect(batch[2]!['result']).toEqual([1])
    expect(errorCode((await postJSON(port, '[]')).json)).toBe(-32600)
    const tooMany = Array.from({ length: RPC_BATCH_MAX + 1 }, (_, i) => ({
      jsonrpc: '2.0',
      method: 'getGroupList',
      params: [],
      id: i,
    }))
    expect(errorCode((await postJSON(port, JSON.stringify(tooMany))).json)).toBe(-32600)
    const atLimit = (await postJSON(port, JSON.stringify(tooMany.slice(0, RPC_BATCH_MAX)))).json as unknown[]
    expect(atLimit.length).toBe(RPC_BATCH_MAX)
  })

  it('refuses bodies over the limit with 413 and non-POST requests with 405', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      method: 'getBlockNumber',
      params: [1, 'x'.repeat(2000)],
      id: 1,
    })
    const r = await postJSON(small.port, big)
    expect(r.status).toBe(413)
    expect(errorCode(r.json)).toBe(-32600)
    expect(
      (await postJSON(small.port, JSON.stringify({ jsonrpc: '2.0', method: 'getGroupList', id: 1 }))).json,
    ).toEqual({ jsonrpc: '2.0', id: 1, result: [1] })
    // the default limit, hit without sending it: Content-Length alone is refused
    expect(RPC_BODY_BYTES_MAX).toBe(4 * 1024 * 1024)
    const res = await fetch(`http://127.0.0.1:${server.port}/`)
    expect(res.status).toBe(405)
  })

  it('never throws on arbitrary bodies (seeded fuzz)', async () => {
    const ctx = { node: chain.node }
    const methods = [
      'getBlockNumber',
      'getBlockByNumber',
      'call',
      'sendRawTransaction',
      'getBatchReceiptsByBlockHashAndRange',
    ]
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc
            .record({
              jsonrpc: fc.constant('2.0'),
              method: fc.constantFrom(...methods),
              params: fc.array(fc.jsonValue(), { maxLength: 5 }),
              id: fc.nat(),
            })
            .map((o) => JSON.stringify(o)),
        ),
        async (body) => {
          const answer = JSON.parse(await handleRpcBody(body, ctx))
          const items = Array.isArray(answer) ? answer : [answer]
          for (const a of items) expect(a.jsonrpc).toBe('2.0')
        },
      ),
      { seed: 42, numRuns: 300 },
    )
    expect((await rpc(server.port, 'getGroupList', []))['result']).toEqual([1])
  })
})
