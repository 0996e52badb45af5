import { TxStatus } from '@consortia/interface'
import { Common, Mainnet } from '@ethereumjs/common'
import { createEVM } from '@ethereumjs/evm'
import { Address as EthAddress } from '@ethereumjs/util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesToHex, numberToAddress } from '../src/bytes.js'
import { word32 } from '../src/evm.js'
import { createSerialExecutor, JUMP_ANALYSES_MAX } from '../src/index.js'
import { ALICE, blockContext, ecdsa, storageWorld, transaction } from './helpers/chain.js'

/**
 * Runtime code that jumps to `dest`, then stores 42 with MSTORE and returns the word:
 * `PUSH1 dest JUMP PUSH1 0x5b JUMPDEST PUSH1 0x2a PUSH1 0 MSTORE PUSH1 0x20 PUSH1 0 RETURN`.
 * Destination 5 is the JUMPDEST; destination 4 is a 0x5b byte inside PUSH data, which the
 * jump-destination analysis must reject (EVM yellow paper §9.4.3).
 */
function runtime(dest: number): Uint8Array {
  return Uint8Array.from([
    0x60,
    dest,
    0x56,
    0x60,
    0x5b,
    0x5b,
    0x60,
    0x2a,
    0x60,
    0x00,
    0x52,
    0x60,
    0x20,
    0x60,
    0x00,
    0xf3,
  ])
}

/** Init code that returns `code` (CODECOPY of the bytes after the 11-byte prefix). */
function deployCode(code: Uint8Array): Uint8Array {
  return Uint8Array.from([0x60, code.length, 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3, ...code])
}

const FORTY_TWO = `${'00'.repeat(31)}2a`

describe('EVM hot path', () => {
  it('word32 writes any word below 2^256 as the 32 big-endian bytes of its hex form', () => {
    const reference = (v: bigint) => v.toString(16).padStart(64, '0')
    for (const v of [0n, 1n, 255n, (1n << 64n) - 1n, 1n << 64n, (1n << 192n) + 7n, (1n << 256n) - 1n])
      expect(bytesToHex(word32(v))).toBe(reference(v))
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), (v) => {
        expect(bytesToHex(word32(v))).toBe(reference(v))
      }),
      { seed: 5, numRuns: 500 },
    )
  })

  it.each([
    ['the default bound', {}],
    ['jumpAnalysesMax 1 (the second contract is analysed on every call)', { jumpAnalysesMax: 1 }],
    ['jumpAnalysesMax 0 (no cache)', { jumpAnalysesMax: 0 }],
  ])(
    'reuses jump-destination analyses per code within a block without mixing up contracts: %s',
    async (_, init) => {
      const world = await storageWorld()
      const executor = createSerialExecutor(init, { crypto: world.crypto, tables: () => world.tables })
      const deployed = await executor.execute(
        blockContext(1),
        [
          transaction({ from: ALICE, to: null, data: deployCode(runtime(5)) }),
          transaction({ from: ALICE, to: null, data: deployCode(runtime(4)) }),
        ],
        world.state,
      )
      expect(deployed.receipts.map((r) => r.status)).toEqual([0, 0])
      const [good, bad] = deployed.receipts.map((r) => r.contractAddress)
      await world.next()
      // Alternating calls: every call after the first of a contract takes the cached analysis.
      for (const number of [2, 3]) {
        const calls = [good, bad, good, bad, good].map((to) =>
          transaction({
            from: ALICE,
            to: to as Uint8Array,
            data: new Uint8Array(0),
            blockLimit: BigInt(number + 1),
          }),
        )
        const { receipts } = await executor.execute(blockContext(number), calls, world.state)
        // The bad jump fails every time with FISCO's BadJumpDestination (ethereumjs traps it as
        // "invalid JUMP at …").
        const failed = receipts[1]?.status
        expect(failed).toBe(TxStatus.BadJumpDestination)
        expect(receipts.map((r) => r.status)).toEqual([0, failed, 0, failed, 0])
        for (const i of [0, 2, 4]) expect(bytesToHex(receipts[i]?.output as Uint8Array)).toBe(FORTY_TWO)
        for (const i of [1, 3]) expect(receipts[i]?.output.length).toBe(0)
        await world.next()
      }
    },
  )

  it('refuses a jumpAnalysesMax that is not a non-negative integer', () => {
    for (const bad of [-1, 1.5, Number.NaN])
      expect(() => createSerialExecutor({ jumpAnalysesMax: bad }, { crypto: ecdsa })).toThrow(
        /expected jumpAnalysesMax ≥ 0/,
      )
    expect(JUMP_ANALYSES_MAX).toBe(1_000)
  })

  it('leaves other ethereumjs EVMs in the process on their own analysis', async () => {
    // Make sure the executor's hook is installed first.
    const world = await storageWorld()
    const executor = createSerialExecutor({}, { crypto: world.crypto, tables: () => world.tables })
    await executor.execute(
      blockContext(1),
      [transaction({ from: ALICE, to: null, data: deployCode(runtime(5)) })],
      world.state,
    )
    const evm = await createEVM({ common: new Common({ chain: Mainnet, hardfork: 'cancun' }) })
    const to = new EthAddress(numberToAddress(0xc0de))
    for (const [dest, error] of [
      [5, undefined],
      [4, /^invalid JUMP/],
      [5, undefined],
    ] as const) {
      await evm.stateManager.putCode(to, runtime(dest))
      const r = await evm.runCall({ to, gasLimit: 100_000n })
      if (error === undefined) {
        expect(r.execResult.exceptionError).toBeUndefined()
        expect(bytesToHex(r.execResult.returnValue)).toBe(FORTY_TWO)
      } else {
        expect(r.execResult.exceptionError?.error).toMatch(error)
      }
    }
  })
})
