/**
 * The Ethereum JSON-RPC server (`ports.eth`): group routing by path, limits (body, batch,
 * unknown methods), and WebSocket subscriptions (newHeads, logs filters, unsubscribe, the
 * per-connection subscription bound, and a slow client dropped at its send-queue bound).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { groupOfPath, startEthServer } from '../src/rpc/eth-server.js'
import type { RunningServer } from '../src/rpc/http-server.js'
import { RPC_BATCH_MAX, RpcCode } from '../src/rpc/methods.js'
import { hexOf, STORE_INIT, startTestChain, type TestChain } from './rpc-helpers.js'

const word = (n: number) => n.toString(16).padStart(64, '0')

async function post(port: number, path: string, body: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  const text = await res.text()
  return {
    status: res.status,
    json: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as unknown,
  }
}

/** A WebSocket JSON-RPC client that keeps every message it receives. */
async function connect(url: string) {
  const ws = new WebSocket(url)
  const messages: Record<string, unknown>[] = []
  const waiters: (() => void)[] = []
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>)
    for (const w of waiters.splice(0)) w()
  })
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  let id = 0
  const next = async (pred: (m: Record<string, unknown>) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = messages.find(pred)
      if (found !== undefined) return found
      if (Date.now() > deadline) throw new Error(`no matching message in ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        waiters.push(resolve)
        setTimeout(resolve, 50)
      })
    }
  }
  return {
    ws,
    messages,
    closed,
    next,
    async call(method: string, params: unknown[] = []) {
      const myId = ++id
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: myId, method, params }))
      return next((m) => m['id'] === myId)
    },
  }
}

describe('the Ethereum server: HTTP and WebSocket on one port', () => {
  let chain: TestChain
  let server: RunningServer
  let nonce = 100n
  let contract: Uint8Array

  const commitTx = async (to: Uint8Array | null, data: Uint8Array) => {
    const raw = chain.signTx({ nonce: nonce++, to, data })
    const height = chain.backend.blockNumber()
    expect((await chain.backend.submit(raw)).ok).toBe(true)
    await chain.waitForHeight(height + 1)
    return (await chain.backend.receipt(chain.suite.hash(raw)))!
  }

  beforeAll(async () => {
    chain = await startTestChain()
    server = await startEthServer({ host: '127.0.0.1', port: 0, node: chain.node, subscriptionsMax: 3 })
    const deployed = await commitTx(null, Buffer.from(STORE_INIT, 'hex'))
    contract = deployed.receipt.contractAddress
  })
  afterAll(async () => {
    await server?.close()
    await chain?.close()
  })

  it('routes by path: / and /group/1 are group 1, another group answers its error, other paths 404', async () => {
    expect(groupOfPath('/group/7?x=1', 1)).toBe(7)
    expect(groupOfPath('/group/0', 1)).toBeUndefined()
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] })
    expect((await post(server.port, '/', body)).json).toMatchObject({ result: '0x1' })
    expect((await post(server.port, '/group/1', body)).json).toMatchObject({ result: '0x1' })
    expect((await post(server.port, '/group/2', body)).json).toMatchObject({
      error: { code: RpcCode.GROUP_NOT_EXIST },
    })
    expect((await post(server.port, '/other', body)).status).toBe(404)
  })

  it('answers -32601 for unknown methods and enforces batch and body limits', async () => {
    const unknown = await post(server.port, '/', '{"jsonrpc":"2.0","id":1,"method":"eth_mine","params":[]}')
    expect(unknown.json).toMatchObject({ error: { code: -32601 } })
    const call = async (method: string, params: unknown[]) =>
      (await post(server.port, '/', JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })))
        .json as Record<string, unknown>
    expect((await call('eth_gasPrice', []))['result']).toBe('0x1')
    const fees = (await call('eth_feeHistory', ['0x2', 'latest', [25, 75]]))['result'] as Record<
      string,
      unknown[]
    >
    expect(fees['baseFeePerGas']).toEqual(['0x0', '0x0', '0x0'])
    expect(fees['reward']).toEqual([
      ['0x1', '0x1'],
      ['0x1', '0x1'],
    ])
    expect((await call('eth_feeHistory', ['0x0', 'latest']))['error']).toMatchObject({ code: -32602 })
    expect((await call('eth_feeHistory', ['0x1', 'latest', [75, 25]]))['error']).toMatchObject({
      code: -32602,
    })
    const one = { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }
    const ok = await post(server.port, '/', JSON.stringify([one, { ...one, id: 2 }]))
    expect((ok.json as unknown[]).length).toBe(2)
    const tooMany = await post(server.port, '/', JSON.stringify(Array(RPC_BATCH_MAX + 1).fill(one)))
    expect(tooMany.json).toMatchObject({ error: { code: -32600 } })
    const small = await startEthServer({ host: '127.0.0.1', port: 0, node: chain.node, bodyBytesMax: 64 })
    try {
      expect((await post(small.port, '/', JSON.stringify([one, one, one]))).status).toBe(413)
    } finally {
      await small.close()
    }
  })

  it('serves requests and newHeads / logs subscriptions over WebSocket, with unsubscribe', async () => {
    const c = await connect(`ws://127.0.0.1:${server.port}/group/1`)
    try {
      expect((await c.call('eth_chainId'))['result']).toBe('0x1')
      const heads = (await c.call('eth_subscribe', ['newHeads']))['result'] as string
      const address = `0x${hexOf(contract)}`
      const logs = (await c.call('eth_subscribe', ['logs', { address, topics: [`0x${word(5)}`] }]))[
        'result'
      ] as string
      const other = (await c.call('eth_subscribe', ['logs', { address, topics: [`0x${word(6)}`] }]))[
        'result'
      ] as string
      expect(new Set([heads, logs, other]).size).toBe(3)
      const receipt = await commitTx(contract, Buffer.from(word(5), 'hex'))
      const head = await c.next((m) => (m['params'] as { subscription?: string })?.subscription === heads)
      const result = (head['params'] as { result: Record<string, unknown> }).result
      expect(Number(result['number'])).toBe(receipt.blockNumber)
      expect(result['transactions']).toBeUndefined()
      const log = await c.next((m) => (m['params'] as { subscription?: string })?.subscription === logs)
      expect((log['params'] as { result: Record<string, unknown> }).result).toMatchObject({
        address,
        topics: [`0x${word(5)}`],
        blockNumber: `0x${receipt.blockNumber.toString(16)}`,
      })
      expect(c.messages.some((m) => (m['params'] as { subscription?: string })?.subscription === other)).toBe(
        false,
      )
      // The bound: three subscriptions are held, a fourth is refused.
      expect((await c.call('eth_subscribe', ['newHeads']))['error']).toMatchObject({ code: -32005 })
      expect((await c.call('eth_unsubscribe', [heads]))['result']).toBe(true)
      expect((await c.call('eth_unsubscribe', [heads]))['result']).toBe(false)
      expect((await c.call('eth_subscribe', ['newHeads']))['result']).toMatch(/^0x[0-9a-f]{32}$/)
      expect((await c.call('eth_subscribe', ['pendingTransactions']))['error']).toMatchObject({
        code: -32602,
      })
    } finally {
      c.ws.close()
    }
  })

  it('drops a client whose send queue passes its bound instead of queuing without limit', async () => {
    const tiny = await startEthServer({
      host: '127.0.0.1',
      port: 0,
      node: chain.node,
      sendQueueBytesMax: 256,
    })
    try {
      const c = await connect(`ws://127.0.0.1:${tiny.port}/`)
      expect((await c.call('eth_subscribe', ['newHeads']))['result']).toMatch(/^0x/)
      // A head notification (over 1 KiB: the bloom alone is 514 characters) is over 256 bytes: the connection is closed with 1008.
      await commitTx(contract, Buffer.from(word(8), 'hex'))
      expect(await c.closed).toBe(1008)
    } finally {
      await tiny.close()
    }
  })
})
