import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RPC_BATCH_MAX, rpcBatch, rpcCall } from '../src/rpc.js'

// A JSON-RPC server on loopback: answers batches in reverse order, refuses method "bad",
// and leaves out the answer to method "drop".
let server: Server
let url: string
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => {
      body += d.toString()
    })
    req.on('end', () => {
      const parsed = JSON.parse(body) as
        | { id: number; method: string; params: unknown[] }
        | { id: number; method: string; params: unknown[] }[]
      const one = (r: { id: number; method: string; params: unknown[] }) =>
        r.method === 'bad'
          ? { jsonrpc: '2.0', id: r.id, error: { code: -32000, message: 'refused' } }
          : { jsonrpc: '2.0', id: r.id, result: `${r.method}:${JSON.stringify(r.params)}` }
      const answer = Array.isArray(parsed)
        ? parsed
            .filter((r) => r.method !== 'drop')
            .map(one)
            .reverse()
        : one(parsed)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(answer))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()))
})

describe('rpcBatch', () => {
  it('matches answers to requests by id, whatever their order', async () => {
    const answers = await rpcBatch(url, [
      { method: 'a', params: [1] },
      { method: 'bad', params: [] },
      { method: 'drop', params: [] },
      { method: 'b', params: ['x'] },
    ])
    expect(answers).toEqual([
      { result: 'a:[1]' },
      { error: { code: -32000, message: 'refused' } },
      { error: { code: -32603, message: 'no answer for request 2 of the batch' } },
      { result: 'b:["x"]' },
    ])
  })
  it('sends a single call as a plain request and throws on its error', async () => {
    expect(await rpcCall<string>(url, 'getBlockNumber', [1])).toBe('getBlockNumber:[1]')
    await expect(rpcCall(url, 'bad')).rejects.toThrow('bad: refused (-32000)')
  })
  it('refuses an empty batch and one over RPC_BATCH_MAX before sending', async () => {
    await expect(rpcBatch(url, [])).rejects.toThrow(`expected 1..${RPC_BATCH_MAX} calls, got 0`)
    const many = Array.from({ length: RPC_BATCH_MAX + 1 }, () => ({ method: 'a', params: [] }))
    await expect(rpcBatch(url, many)).rejects.toThrow(`got ${RPC_BATCH_MAX + 1}`)
  })
})

describe('keep-alive connections', () => {
  it('reuses one connection, and sends again on a new one when the server drops a reused connection', async () => {
    // Answers the first request of each connection and drops the connection at its second one
    // (what a server's keep-alive timeout looks like to a client that reuses the connection).
    const requestsOf = new Map<unknown, number>()
    let connections = 0
    const dropping = createServer((req, res) => {
      const n = (requestsOf.get(req.socket) ?? 0) + 1
      requestsOf.set(req.socket, n)
      req.resume()
      req.on('end', () => {
        if (n > 1) return req.socket.destroy()
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ jsonrpc: '2.0', id: 0, result: `answer ${connections}` }))
      })
    })
    dropping.on('connection', () => connections++)
    await new Promise<void>((r) => dropping.listen(0, '127.0.0.1', () => r()))
    const dropUrl = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}`
    try {
      expect(await rpcCall<string>(dropUrl, 'a')).toBe('answer 1')
      // The second call goes on the kept-alive connection, is dropped, and is sent again.
      expect(await rpcCall<string>(dropUrl, 'a')).toBe('answer 2')
      expect(connections).toBe(2)
    } finally {
      dropping.closeAllConnections()
      await new Promise<void>((r) => dropping.close(() => r()))
    }
  })
})
