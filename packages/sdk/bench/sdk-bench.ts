/**
 * SDK benchmarks: transaction build + sign per suite, ABI encoding, channel frame codec, and
 * JSON-RPC over HTTP one call per POST against batches of 100 (local server).
 *
 *   node --conditions=source --import tsx bench/sdk-bench.ts
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createCryptoSuite } from '@consortia/crypto'
import { parseAbi } from 'viem'
import {
  createAbiCodec,
  createAccount,
  createFrameDecoder,
  createHttpTransport,
  createTransactionFields,
  encodeFrame,
  encodeSignedTransaction,
  transactionSigningHash,
} from '../src/index.js'

async function measure(name: string, fn: () => unknown | Promise<unknown>, ms = 1500): Promise<number> {
  for (let i = 0; i < 5; i++) await fn()
  const start = performance.now()
  let n = 0
  while (performance.now() - start < ms) {
    await fn()
    n++
  }
  const perSec = (n * 1000) / (performance.now() - start)
  rows.push([name, perSec])
  return perSec
}
const rows: [string, number][] = []

for (const name of ['ecdsa', 'sm'] as const) {
  const suite = createCryptoSuite(name)
  const account = createAccount(suite)
  await measure(`build + sign + encode tx (${name})`, () => {
    const fields = createTransactionFields({
      to: `0x${'ab'.repeat(20)}`,
      data: '0x4ed3885e',
      gas: 30_000_000n,
      blockLimit: 600n,
      chainId: 1n,
      groupId: 1n,
    })
    return encodeSignedTransaction(fields, account.sign(transactionSigningHash(fields, suite)), suite)
  })
}

const abi = parseAbi(['function transfer(address to, uint256 value) returns (bool)'])
for (const name of ['ecdsa', 'sm'] as const) {
  const codec = createAbiCodec(createCryptoSuite(name))
  await measure(`ABI encode transfer(address,uint256) (${codec.hashName} selector)`, () =>
    codec.encodeFunctionData(abi, 'transfer', [`0x${'11'.repeat(20)}`, 5n]),
  )
}

const body = new TextEncoder().encode(
  JSON.stringify({ jsonrpc: '2.0', method: 'getBlockNumber', params: [1], id: 1 }),
)
const decoder = createFrameDecoder()
await measure('channel frame encode + decode (63-byte body)', () =>
  decoder.push(encodeFrame({ type: 0x12, seq: '0'.repeat(32), result: 0, body })),
)

const server = createServer((req, res) => {
  let text = ''
  req.on('data', (c: Buffer) => {
    text += c.toString()
  })
  req.on('end', () => {
    const parsed = JSON.parse(text) as { id: number } | { id: number }[]
    const answer = (r: { id: number }) => ({ jsonrpc: '2.0', id: r.id, result: '0x10' })
    res.end(JSON.stringify(Array.isArray(parsed) ? parsed.map(answer) : answer(parsed)))
  })
})
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
const transport = createHttpTransport({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
const single = await measure('getBlockNumber, one call per POST (calls/s)', () =>
  transport.request('getBlockNumber', [1]),
)
const batched =
  (await measure('getBlockNumber, batches of 100 (batches/s)', () =>
    transport.batch(Array.from({ length: 100 }, () => ({ method: 'getBlockNumber', params: [1] }))),
  )) * 100
rows.push(['getBlockNumber in batches of 100 (calls/s)', batched])
await transport.close()
server.close()

const width = Math.max(...rows.map((r) => r[0].length))
for (const [name, perSec] of rows)
  process.stdout.write(
    `${name.padEnd(width)}  ${Math.round(perSec).toLocaleString('en-US').padStart(10)} /s\n`,
  )
process.stdout.write(`batching speed-up: ${(batched / single).toFixed(1)}x calls/s\n`)
