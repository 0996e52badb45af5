/**
 * Fuzzing of the node's client-facing parsers (issue 17; attack catalogue A9 and A19): the channel
 * protocol's frame parser and the FISCO JSON-RPC request handler each get 50,000 hostile inputs by
 * default — random bytes and mutations of the frames the FISCO Node.js SDK sent (channel capture)
 * and of the requests of the FISCO JSON-RPC documentation. The frame parser must cut frames or
 * refuse with `CHANNEL_FRAME_INVALID`; the JSON-RPC handler must always answer JSON-RPC 2.0 JSON
 * (an error object for bad input), never throw, within the per-input budget.
 */
import { readFileSync } from 'node:fs'
import { ChainError } from '@consortia/interface'
import { formatFuzzReport, runFuzz, runFuzzAsync } from '@consortia/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FrameParser } from '../src/channel/frame.js'
import { handleRpcBody } from '../src/rpc/methods.js'
import { startTestChain, type TestChain } from './rpc-helpers.js'

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'))

/** Whole frames from the channel capture (fixtures/channel-capture-nodejs-sdk-ecdsa.json). */
const frameSeeds: Uint8Array[] = (
  fixture('channel-capture-nodejs-sdk-ecdsa.json').frames as {
    bodyHex?: string
    type?: string
    seq?: string
    result?: number
  }[]
)
  .filter((f) => f.bodyHex !== undefined && f.type !== undefined && f.seq !== undefined)
  .slice(0, 12)
  .map((f) => {
    const body = Buffer.from(f.bodyHex as string, 'hex')
    const out = Buffer.alloc(42 + body.length)
    out.writeUInt32BE(out.length, 0)
    out.writeUInt16BE(Number(f.type), 4)
    out.write((f.seq as string).padEnd(32, '0').slice(0, 32), 6, 'latin1')
    out.writeInt32BE(f.result ?? 0, 38)
    body.copy(out, 42)
    return new Uint8Array(out)
  })

/** Request bodies of the FISCO BCOS 2.x JSON-RPC documentation (fixtures/fisco-2x-api-examples.json). */
const rpcSeeds: Uint8Array[] = (
  fixture('fisco-2x-api-examples.json').examples as { request: string; requestValidJSON: boolean }[]
)
  .filter((e) => e.requestValidJSON)
  .map((e) => new TextEncoder().encode(e.request))

describe('fuzzing the client-facing parsers (attack catalogue A9, A19)', () => {
  let chain: TestChain
  beforeAll(async () => {
    chain = await startTestChain()
  }, 120_000)
  afterAll(async () => {
    await chain?.close()
  })

  it('A9: the channel frame parser cuts frames or refuses with CHANNEL_FRAME_INVALID', () => {
    expect(frameSeeds.length).toBeGreaterThan(3)
    const report = runFuzz(
      {
        name: 'channel.FrameParser',
        seeds: frameSeeds,
        // A fresh parser per input, as per connection; 64 KiB limit so length fields can exceed it.
        run: (input) => new FrameParser(64 * 1024).push(input),
        isExpected: (err) => err instanceof ChainError && err.code === 'CHANNEL_FRAME_INVALID',
      },
      { inputBytesMax: 8192 },
    )
    console.info(formatFuzzReport(report))
    expect(report.failures).toEqual([])
    expect(report.accepted).toBeGreaterThan(0)
    expect(report.refused).toBeGreaterThan(0)
  }, 240_000)

  it('A19: the JSON-RPC handler answers every body with JSON-RPC 2.0 and never throws', async () => {
    expect(rpcSeeds.length).toBeGreaterThan(20)
    const decoder = new TextDecoder()
    let errors = 0
    const report = await runFuzzAsync(
      {
        name: 'rpc.handleRpcBody',
        seeds: rpcSeeds,
        run: async (input) => {
          const answer = JSON.parse(
            await handleRpcBody(decoder.decode(input), { node: chain.node }),
          ) as unknown
          for (const item of Array.isArray(answer) ? answer : [answer]) {
            const o = item as { jsonrpc?: unknown; error?: { code?: unknown } }
            if (o.jsonrpc !== '2.0')
              throw new Error(`answer without jsonrpc 2.0: ${JSON.stringify(item).slice(0, 200)}`)
            if (o.error !== undefined) {
              if (typeof o.error.code !== 'number') throw new Error('error without a numeric code')
              errors++
            }
          }
        },
        isExpected: () => false,
      },
      { inputBytesMax: 2048 },
    )
    console.info(`${formatFuzzReport(report)}; ${errors} JSON-RPC error answers`)
    expect(report.failures).toEqual([])
    expect(errors).toBeGreaterThan(0)
  }, 600_000)
})
