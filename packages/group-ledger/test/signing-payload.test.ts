import { encodeTransaction, signingPayload, signTransaction } from '@consortia/protocol'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { signingPayloadFromRaw } from '../src/index.js'
import { ecdsa, fields, hex, keyOf, sm } from './helpers.js'

describe('signingPayloadFromRaw', () => {
  it('equals the re-encoded signing payload for RC2 and RC1, ECDSA and SM2, any field sizes', () => {
    const u256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n })
    fc.assert(
      fc.property(
        fc.record({
          nonce: u256,
          gas: u256,
          blockLimit: u256,
          value: u256,
          data: fc.uint8Array({ maxLength: 600 }),
          extraData: fc.uint8Array({ maxLength: 70 }),
          create: fc.boolean(),
          rc1: fc.boolean(),
          useSm: fc.boolean(),
        }),
        (f) => {
          const suite = f.useSm ? sm : ecdsa
          const unsigned = fields({
            nonce: f.nonce,
            gas: f.gas,
            blockLimit: f.blockLimit,
            value: f.value,
            data: f.data,
            ...(f.create ? { to: null } : {}),
            ...(f.rc1
              ? { format: 'rc1' as const, chainId: 0n, groupId: 0n, extraData: new Uint8Array(0) }
              : { extraData: f.extraData }),
          })
          const raw = encodeTransaction(signTransaction(unsigned, keyOf(suite, 1), suite))
          expect(hex(signingPayloadFromRaw(raw, f.rc1 ? 7 : 10))).toBe(hex(signingPayload(unsigned)))
        },
      ),
      { seed: 7, numRuns: 200 },
    )
  })
})
