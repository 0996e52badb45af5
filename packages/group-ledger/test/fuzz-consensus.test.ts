/**
 * Fuzzing of consensus message decoding and handling (issue 17, attack catalogue A15/A16: forged,
 * malformed and stale consensus messages): 50,000 hostile payloads — mutations of valid PBFT and
 * Raft-shaped message encodings and random bytes — go through the same path as a frame from a
 * peer: `decodeConsensusJSON`, then `engine.step`. Decoding may refuse with `LEDGER_INVALID_INPUT`;
 * the engine must drop what it cannot use without throwing, and must not commit anything.
 */

import { createHash } from 'node:crypto'
import { createPBFTEngine, type PBFTMessage } from '@consortia/consensus-pbft'
import { ChainError } from '@consortia/interface'
import { formatFuzzReport, runFuzz } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import { type BlockProposal, decodeConsensusJSON, encodeConsensusJSON } from '../src/index.js'

const h = (n: number) => new Uint8Array(32).fill(n)
const sig = new Uint8Array(65).fill(3)
const block = {
  number: 1,
  hash: h(1),
  parentHash: h(0),
  txCount: 1,
  payload: { header: new Uint8Array(40).fill(5), transactions: [new Uint8Array(20).fill(6)] },
}
const certificate = { height: 1, view: 0, hash: h(1), votes: [{ index: 0, signature: sig }] }
const messages: PBFTMessage<BlockProposal>[] = [
  { type: 'prepare', height: 1, view: 0, block },
  { type: 'prepare', height: 1, view: 1, block, justification: certificate },
  { type: 'sign', height: 1, view: 0, hash: h(1), signature: sig },
  { type: 'commit', height: 1, view: 0, hash: h(1), signature: sig },
  { type: 'view-change', height: 1, toView: 4294967295, prepared: certificate, preparedBlock: block },
  { type: 'sync-request', height: 0 },
  { type: 'sync-response', blocks: [{ block, certificate: [{ index: 1, signature: sig }] }] },
]

describe('fuzzing consensus messages (attack catalogue A15, A16)', () => {
  it('decodes or refuses every payload, and the PBFT engine drops what it cannot use', () => {
    const engine = createPBFTEngine<BlockProposal>(
      { sealerCount: 4, selfIndex: 1, head: { number: 0, hash: h(0) } },
      {
        sign: () => sig,
        verify: () => false,
        hash: (d) => new Uint8Array(createHash('sha256').update(d).digest()),
      },
    )
    let stepped = 0
    const report = runFuzz({
      name: 'group-ledger.consensus-message',
      seeds: messages.map((m) => encodeConsensusJSON(m)),
      run: (input) => {
        const body = decodeConsensusJSON(input)
        for (const from of [0, 2, 7]) engine.step({ from, body: body as PBFTMessage<BlockProposal> })
        stepped++
        // Nothing a forger sends without valid signatures may commit a block.
        if (engine.hasReady()) {
          const ready = engine.ready()
          expect(ready.committed).toEqual([])
          engine.advance(ready)
        }
        for (let t = 0; t < 3; t++) engine.tick()
      },
      isExpected: (err) => err instanceof ChainError && err.code === 'LEDGER_INVALID_INPUT',
    })
    console.info(formatFuzzReport(report))
    expect(report.failures).toEqual([])
    expect(stepped).toBeGreaterThan(1000)
  }, 240_000)
})
