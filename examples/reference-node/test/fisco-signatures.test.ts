/**
 * Block signature lists as FISCO BCOS 2.x SDKs verify them. The verifier (helpers/fisco-verify.ts)
 * is first held to real FISCO blocks (the getBlockByHash and getBlockHeaderByHash examples of
 * FISCO-BCOS-DOC 2.x api.md, in fixtures/fisco-2x-api-examples.json with their source), then
 * applied to this node's blocks on the SM suite (the ECDSA 4-node case is group-chain.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCryptoSuite } from '@consortia/crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import { parseBuildChainArgs } from '../src/build-chain/options.js'
import { createRpcClient } from '../src/client.js'
import { createNodeLogger } from '../src/node/logger.js'
import { startNode } from '../src/node/start.js'
import { freePorts } from './helpers/cluster.js'
import {
  type BlockJSON,
  fiscoHeaderHash,
  type SMVerifier,
  signatureListProblems,
} from './helpers/fisco-verify.js'
import { accountOf, deployToken } from './helpers/workload.js'

interface Example {
  readonly method: string
  readonly response: string | null
}
const examples = (
  JSON.parse(readFileSync(new URL('./fixtures/fisco-2x-api-examples.json', import.meta.url), 'utf8')) as {
    examples: Example[]
  }
).examples
const docBlocks = examples
  .filter((e) => e.method === 'getBlockByHash' || e.method === 'getBlockHeaderByHash')
  .map((e) => (JSON.parse(e.response!) as { result: BlockJSON }).result)
  .filter((b) => b.signatureList !== undefined)

const root = mkdtempSync(join(tmpdir(), 'consortia-fisco-sig-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('the FISCO SDK check, on FISCO blocks', () => {
  it('accepts the documented blocks (1 and 4 sealers) and computes their documented hashes', () => {
    expect(docBlocks.length).toBe(2)
    expect(docBlocks.map((b) => fiscoHeaderHash(b))).toEqual([
      '0xfa639d1454362a8cdfcab1ca1948a5defaf7048b28f67e80780ab1e24e8f8c59',
      '0x99576e7567d258bd6426ddaf953ec0c953778b2f09a078423103c6555aa4362d',
    ])
    for (const b of docBlocks) expect(signatureListProblems(b)).toEqual([])
  })

  it('refuses a moved index, a duplicate, a changed header and too few signatures', () => {
    const b = docBlocks[1]!
    const sigs = b.signatureList
    const moved = { ...b, signatureList: [{ ...sigs[0]!, index: '0x1' }, sigs[1]!, sigs[2]!] }
    expect(signatureListProblems(moved).join()).toMatch(/recovers to another key/)
    const twice = { ...b, signatureList: [sigs[0]!, sigs[0]!, sigs[1]!] }
    expect(signatureListProblems(twice).join()).toMatch(/twice/)
    expect(signatureListProblems({ ...b, gasUsed: '0x1' }).join()).toMatch(/header hash/)
    expect(signatureListProblems({ ...b, signatureList: sigs.slice(0, 2) }).join()).toMatch(/needs 3 of 4/)
  })
})

describe('this node on the SM suite', () => {
  it('writes signature lists that verify with SM3 and SM2 over the block hash', async () => {
    const ports = await freePorts(1, 24_041)
    const options = parseBuildChainArgs([
      '-l',
      '127.0.0.1:1',
      '--suite',
      'sm',
      '-o',
      join(root, 'sm'),
      '-p',
      ports.join(','),
      '--tick-ms',
      '50',
    ])
    if (options === 'help') throw new Error('help')
    const chain = buildChain(options)
    const node = await startNode(chain.nodes[0]!.dir, {
      logger: createNodeLogger({ level: 'warn', destination: { write: () => undefined } }),
    })
    try {
      const rpc = createRpcClient(`http://127.0.0.1:${node.ports.rpc}`)
      await deployToken(rpc, accountOf('sm', 'fisco-sig'), 5n)
      const sm = createCryptoSuite('sm')
      const verifier: SMVerifier = { hash: sm.hash, verify: (h, s, id) => sm.verify(h, s, id) }
      const block = await rpc.call<BlockJSON>('getBlockByNumber', [1, '0x1', true])
      expect(block.signatureList.length).toBe(1)
      expect(block.signatureList[0]!.signature).toMatch(/^0x[0-9a-f]{256}$/) // r‖s‖pub, 128 bytes
      expect(signatureListProblems(block, verifier)).toEqual([])
      // Not a Keccak/ECDSA list, and a flipped bit fails.
      expect(signatureListProblems(block).length).toBeGreaterThan(0)
      const s = block.signatureList[0]!.signature
      const flipped = `${s.slice(0, 10)}${s[10] === '0' ? '1' : '0'}${s.slice(11)}`
      expect(
        signatureListProblems({ ...block, signatureList: [{ index: '0x0', signature: flipped }] }, verifier),
      ).toHaveLength(1)
    } finally {
      await node.close()
    }
  })
})
