/**
 * Throughput of the client interfaces on an in-process single-node PBFT chain:
 *   1. JSON-RPC over HTTP, getBlockNumber, 16 requests in flight;
 *   2. the channel protocol (TLS 1.2, secp256k1), getBlockNumber, 64 frames in flight on one connection;
 *   3. sendRawTransaction over the channel until every receipt push arrived (end to end: admission,
 *      consensus, execution, commit, push).
 *
 *   node --conditions=source --import tsx examples/reference-node/bench/rpc-channel-bench.ts [txs=1000]
 */
import { request } from 'node:http'
import { ChannelType } from '../src/channel/frame.js'
import { startChannelServer } from '../src/channel/server.js'
import { startRpcServer } from '../src/rpc/http-server.js'
import { connectChannel, createChainCerts } from '../test/channel-helpers.js'
import { hexOf, startTestChain } from '../test/rpc-helpers.js'

const txCount = Number(process.argv[2] ?? 1000)
const body = (method: string, params: unknown[]) => JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 })

function post(port: number, agent: import('node:http').Agent, payload: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve())
      },
    )
    req.setNoDelay(true)
    req.on('error', reject)
    req.end(payload)
  })
}

const chain = await startTestChain({ tickMs: 10 })
const rpc = await startRpcServer({ host: '127.0.0.1', port: 0, node: chain.node })
const certs = createChainCerts()
const channel = await startChannelServer({
  host: '127.0.0.1',
  port: 0,
  node: chain.node,
  tls: { certPem: certs.node.chainPem, keyPem: certs.node.keyPem, caPem: certs.ca.certPem },
  receiptWaitersMax: txCount + 1,
})

// 1. HTTP
{
  const { Agent } = await import('node:http')
  const agent = new Agent({ keepAlive: true, maxSockets: 16 })
  const n = 5000
  const payload = body('getBlockNumber', [1])
  const t0 = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        next++
        await post(rpc.port, agent, payload)
      }
    }),
  )
  const s = (performance.now() - t0) / 1000
  console.log(`HTTP JSON-RPC getBlockNumber: ${n} requests in ${s.toFixed(2)} s = ${Math.round(n / s)} req/s`)
  agent.destroy()
}

// 2. channel RPC
const client = await connectChannel(channel.port, certs)
{
  const n = 5000
  const payload = Buffer.from(body('getBlockNumber', [1]))
  const t0 = performance.now()
  let sent = 0
  let received = 0
  while (received < n) {
    while (sent < n && sent - received < 64) {
      client.send({ type: ChannelType.RPC, body: payload })
      sent++
    }
    await client.next((f) => f.type === ChannelType.RPC)
    received++
  }
  const s = (performance.now() - t0) / 1000
  console.log(`channel getBlockNumber: ${n} requests in ${s.toFixed(2)} s = ${Math.round(n / s)} req/s`)
}

// 3. sendRawTransaction over the channel, until every receipt is pushed
{
  const raws = Array.from({ length: txCount }, (_, i) =>
    chain.signTx({ nonce: BigInt(i + 1), to: null, data: new Uint8Array(0) }),
  )
  const h0 = chain.backend.blockNumber()
  const t0 = performance.now()
  for (const raw of raws)
    client.send({ type: ChannelType.RPC, body: Buffer.from(body('sendRawTransaction', [1, hexOf(raw)])) })
  let replies = 0
  while (replies < txCount) {
    await client.next((f) => f.type === ChannelType.RPC, 120_000)
    replies++
  }
  const tAdmitted = performance.now()
  let pushes = 0
  while (pushes < txCount) {
    await client.next((f) => f.type === ChannelType.RECEIPT_PUSH, 120_000)
    pushes++
  }
  const s = (performance.now() - t0) / 1000
  console.log(
    `channel sendRawTransaction → receipt push: ${txCount} txs in ${s.toFixed(2)} s = ${Math.round(txCount / s)} tx/s ` +
      `(${chain.backend.blockNumber() - h0} blocks; all admitted after ${((tAdmitted - t0) / 1000).toFixed(2)} s)`,
  )
}

client.close()
await channel.close()
await rpc.close()
await chain.close()
