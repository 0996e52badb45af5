/**
 * Throughput of the strict codec, printed by Vitest's bench runner (ops/s and ratios):
 *
 *   npx vitest bench --project protocol --run
 *
 * Compared with @ethereumjs/rlp (a lenient-by-default, widely used RLP codec) on the same input.
 */
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bench, describe } from 'vitest'
import {
  createSignedTransaction,
  decodeRLP,
  decodeTransaction,
  encodeRLP,
  encodeTransaction,
  txHash,
} from '../src/index.js'
import { txVectors } from '../test/fixtures/fisco-transactions.js'
import { createTestECDSASuite, hex } from '../test/helpers/suites.js'

// api.md RC2 ECDSA request (213 bytes) and FISCO's SM deploy (1,194 bytes).
const rawCall = hex(txVectors[1]!.raw)
const rawDeploy = hex(txVectors[3]!.raw)
const items = decodeRLP(rawCall)
const tx = decodeTransaction(rawCall)
const suite = createTestECDSASuite()

describe('RLP decode, 213-byte FISCO tx', () => {
  bench('@consortia/protocol decodeRLP (strict)', () => {
    decodeRLP(rawCall)
  })
  bench('@ethereumjs/rlp RLP.decode', () => {
    RLP.decode(rawCall)
  })
})

describe('RLP decode, 1,194-byte FISCO deploy tx', () => {
  bench('@consortia/protocol decodeRLP (strict)', () => {
    decodeRLP(rawDeploy)
  })
  bench('@ethereumjs/rlp RLP.decode', () => {
    RLP.decode(rawDeploy)
  })
})

describe('RLP encode, 13-item FISCO tx', () => {
  bench('@consortia/protocol encodeRLP', () => {
    encodeRLP(items)
  })
  bench('@ethereumjs/rlp RLP.encode', () => {
    RLP.encode(items as Uint8Array[])
  })
})

describe('transactions', () => {
  bench('decodeTransaction', () => {
    decodeTransaction(rawCall)
  })
  bench('decodeTransaction + txHash (keccak)', () => {
    decodeTransaction(rawCall)
    txHash(rawCall, keccak_256)
  })
  bench('encodeTransaction', () => {
    encodeTransaction(tx)
  })
  bench('createSignedTransaction (decode + hash + secp256k1 recovery)', () => {
    createSignedTransaction(rawCall, suite)
  })
})
