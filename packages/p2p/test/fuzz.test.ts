/**
 * Fuzzing of the P2PMessage frame decoder (issue 17; attack catalogue rows on oversized and
 * malformed frames): 50,000 hostile inputs — random bytes, length fields claiming huge sizes, and
 * mutations of valid frames. Every input decodes or is refused with a typed P2P error.
 */
import { ChainError } from '@consortia/interface'
import { formatFuzzReport, runFuzz } from '@consortia/testkit'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame } from '../src/index.js'

const seeds = [
  encodeFrame({ groupId: 1, moduleId: 8, packetType: 0, seq: 1, payload: new Uint8Array([1, 2, 3]) }),
  encodeFrame({
    groupId: 0,
    moduleId: 0x2000,
    packetType: 3,
    seq: 0xffffffff,
    payload: new Uint8Array(300).fill(9),
  }),
  encodeFrame({ groupId: 32767, moduleId: 1, packetType: 1, seq: 7, payload: new Uint8Array(0) }),
]

describe('fuzzing the P2P frame decoder', () => {
  it('decodes or refuses with MALFORMED_FRAME / FRAME_TOO_LARGE', () => {
    const report = runFuzz(
      {
        name: 'p2p.decodeFrame',
        seeds,
        run: (input) => decodeFrame(input, 64 * 1024),
        isExpected: (err) =>
          err instanceof ChainError && ['MALFORMED_FRAME', 'FRAME_TOO_LARGE'].includes(err.code),
      },
      { inputBytesMax: 2048 },
    )
    console.info(formatFuzzReport(report))
    expect(report.failures).toEqual([])
    expect(report.accepted).toBeGreaterThan(0)
    expect(report.refused).toBeGreaterThan(0)
  }, 120_000)
})
