import { createHash } from 'node:crypto'
import { ChainError, type Transaction } from '@consortia/interface'
import { keccak_256 } from '@noble/hashes/sha3.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createSignedTransaction,
  decodeRLP,
  decodeTransaction,
  encodeRLP,
  encodeTransaction,
  isProtocolError,
  type ProtocolErrorCode,
  recoverSender,
  signingHash,
  signingPayload,
  signTransaction,
  txBytesMax,
  txHash,
  txSignatureToBytes,
  uintToBytes,
} from '../src/index.js'
import { txVectors } from './fixtures/fisco-transactions.js'
import { createTestECDSASuite, createTestSMSuite, hex, seededBigints, toHex } from './helpers/suites.js'

const sm3 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sm3').update(data).digest())
const hashOf = (mode: 'ecdsa' | 'sm') => (mode === 'ecdsa' ? keccak_256 : sm3)

function expectCode(fn: () => unknown, code: ProtocolErrorCode): ChainError {
  try {
    fn()
  } catch (err) {
    expect(isProtocolError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
    return err as ChainError
  }
  throw new Error(`expected ${code}, nothing was thrown`)
}

describe('FISCO 2.x transaction vectors', () => {
  for (const vector of txVectors) {
    describe(vector.name, () => {
      const raw = hex(vector.raw)
      const hash = hashOf(vector.mode)

      it('decodes and re-encodes byte-identically', () => {
        const tx = decodeTransaction(raw)
        expect(tx.format).toBe(vector.format)
        expect(tx.signature.kind).toBe(vector.mode === 'ecdsa' ? 'ecdsa' : 'sm2')
        expect(toHex(encodeTransaction(tx))).toBe(toHex(raw))
      })

      it('gives the documented signing hash and tx hash', () => {
        const tx = decodeTransaction(raw)
        if (vector.signingHash !== undefined) expect(toHex(signingHash(tx, hash))).toBe(vector.signingHash)
        expect(toHex(txHash(raw, hash))).toBe(vector.txHash)
      })

      if (vector.fields !== undefined) {
        const fields = vector.fields
        it('decodes the fields the capture documents', () => {
          const tx = decodeTransaction(raw)
          const asHex = (n: bigint) => toHex(uintToBytes(n))
          expect(asHex(tx.nonce)).toBe(fields['nonce(randomid)'])
          expect(asHex(tx.gasPrice)).toBe(fields['gasPrice'])
          expect(asHex(tx.gas)).toBe(fields['gas'])
          expect(asHex(tx.blockLimit)).toBe(fields['blockLimit'])
          expect(tx.to === null ? '0x' : toHex(tx.to)).toBe(fields['to'])
          expect(toHex(tx.data)).toBe(fields['data'])
          expect(asHex(tx.chainId)).toBe(fields['chainId'])
          expect(asHex(tx.groupId)).toBe(fields['groupId'])
          expect(toHex(tx.extraData)).toBe(fields['extraData'])
          expect(asHex(tx.signature.r)).toBe(fields['r'])
          expect(asHex(tx.signature.s)).toBe(fields['s'])
          if (tx.signature.kind === 'ecdsa') expect(toHex(Uint8Array.of(tx.signature.v))).toBe(fields['v'])
          else expect(toHex(tx.signature.publicKey)).toBe(fields['pub(v)'])
        })
      }

      if (vector.signatureVerifies) {
        it('recovers the documented sender through the injected suite', () => {
          const suite = vector.mode === 'ecdsa' ? createTestECDSASuite() : createTestSMSuite(seededBigints(1))
          const signed = createSignedTransaction(raw, suite)
          expect(toHex(signed.sender)).toBe(vector.sender)
          expect(toHex(signed.hash)).toBe(vector.txHash)
          expect(signed.raw).toBe(raw)
          expect(suite.recoverCalls).toBe(1)
        })
      } else {
        it('is refused by standard SM2 verification (FISCO unit-test signature)', () => {
          const suite = createTestSMSuite(seededBigints(1))
          const err = expectCode(() => createSignedTransaction(raw, suite), 'TX_BAD_SIGNATURE')
          expect(err.cause).toBeInstanceOf(ChainError)
          // The sender FISCO derives is still Hash(pub)[12:] of the key in v.
          const tx = decodeTransaction(raw)
          if (tx.signature.kind !== 'sm2') throw new Error('expected an SM2 transaction')
          expect(toHex(suite.address(tx.signature.publicKey))).toBe(vector.sender)
        })
      }
    })
  }

  it('maps the JSON signature form (v 0/1) to the RLP form (v 27/28) and back', () => {
    // api.md getTransactionByHash: signature.signature = r‖s‖v with v = 0 → RLP v = 27.
    const tx = decodeTransaction(hex(txVectors[4]!.raw))
    expect(toHex(txSignatureToBytes(tx.signature))).toBe(
      '0x9edf7c0cb63645442aff11323916d51ec5440de979950747c0189f338afdcefd2f3473184513c6a3516e066ea98b7cfb55a79481c9db98e658dd016c37f03dcf00',
    )
  })
})

/** Builds an RC2 tx from the doc RC2 vector with one RLP item replaced (or items added/removed). */
function mutate(edit: (items: (Uint8Array | unknown[])[]) => void): Uint8Array {
  const items = decodeRLP(hex(txVectors[1]!.raw)) as Uint8Array[]
  const copy: (Uint8Array | unknown[])[] = [...items]
  edit(copy)
  return encodeRLP(copy as Uint8Array[])
}

describe('malformed transactions (attack catalogue A2, A9) are refused before signature work', () => {
  const cases: [string, () => Uint8Array, ProtocolErrorCode][] = [
    ['12 items', () => mutate((i) => i.pop()), 'RLP_WRONG_ITEM_COUNT'],
    ['14 items', () => mutate((i) => i.push(new Uint8Array(0))), 'RLP_WRONG_ITEM_COUNT'],
    ['11 items', () => mutate((i) => i.splice(9, 2)), 'RLP_WRONG_ITEM_COUNT'],
    ['not a list', () => encodeRLP(hex('0x1234')), 'RLP_EXPECTED_LIST'],
    ['data given as a list', () => mutate((i) => (i[6] = [hex('0x01'), hex('0x02')])), 'RLP_EXPECTED_BYTES'],
    ['nonce given as a list', () => mutate((i) => (i[0] = [])), 'RLP_EXPECTED_BYTES'],
    ['to of 19 bytes', () => mutate((i) => (i[4] = new Uint8Array(19).fill(0xd6))), 'RLP_WRONG_LENGTH'],
    ['to of 21 bytes', () => mutate((i) => (i[4] = new Uint8Array(21).fill(0xd6))), 'RLP_WRONG_LENGTH'],
    ['nonce with a leading zero', () => mutate((i) => (i[0] = hex('0x0003922e'))), 'RLP_INT_LEADING_ZERO'],
    ['gas as a single zero byte', () => mutate((i) => (i[2] = hex('0x00'))), 'RLP_INT_LEADING_ZERO'],
    ['blockLimit with a leading zero', () => mutate((i) => (i[3] = hex('0x0001f8'))), 'RLP_INT_LEADING_ZERO'],
    ['chainId of 33 bytes', () => mutate((i) => (i[7] = new Uint8Array(33).fill(1))), 'RLP_INT_TOO_LARGE'],
    ['r of 33 bytes', () => mutate((i) => (i[11] = new Uint8Array(33).fill(0x8e))), 'RLP_INT_TOO_LARGE'],
    ['s of 33 bytes', () => mutate((i) => (i[12] = new Uint8Array(33).fill(0x16))), 'RLP_INT_TOO_LARGE'],
    [
      'r with a leading zero',
      () => mutate((i) => (i[11] = hex(`0x00${'8e'.repeat(31)}`))),
      'RLP_INT_LEADING_ZERO',
    ],
    ['ECDSA v = 29', () => mutate((i) => (i[10] = hex('0x1d'))), 'TX_BAD_V'],
    ['ECDSA v = 0 (empty)', () => mutate((i) => (i[10] = new Uint8Array(0))), 'TX_BAD_V'],
    ['ECDSA v = 1 (recid, not 27/28)', () => mutate((i) => (i[10] = hex('0x01'))), 'TX_BAD_V'],
    ['v of 2 bytes', () => mutate((i) => (i[10] = hex('0x001b'))), 'TX_BAD_V'],
    ['SM2 key of 62 bytes', () => mutate((i) => (i[10] = new Uint8Array(62).fill(7))), 'TX_BAD_V'],
    ['SM2 key of 65 bytes', () => mutate((i) => (i[10] = new Uint8Array(65).fill(7))), 'TX_BAD_V'],
    [
      'trailing bytes after the list',
      () => Uint8Array.from([...hex(txVectors[1]!.raw), 0x00]),
      'RLP_TRAILING_BYTES',
    ],
    ['truncated by one byte', () => hex(txVectors[1]!.raw).subarray(0, -1), 'RLP_TRUNCATED'],
    ['empty input', () => new Uint8Array(0), 'RLP_EMPTY'],
  ]
  for (const [name, build, code] of cases) {
    it(`${name} → ${code}`, () => {
      const suite = createTestECDSASuite()
      expectCode(() => createSignedTransaction(build(), suite), code)
      expect(suite.recoverCalls).toBe(0)
    })
  }

  it('rejects a transaction over maxBytes before parsing it (TX_TOO_LARGE)', () => {
    const suite = createTestECDSASuite()
    const raw = hex(txVectors[1]!.raw)
    const err = expectCode(
      () => createSignedTransaction(raw, suite, { maxBytes: raw.length - 1 }),
      'TX_TOO_LARGE',
    )
    expect(err.getMetadata()).toEqual({ bytes: raw.length, maxBytes: raw.length - 1 })
    expect(createSignedTransaction(raw, suite, { maxBytes: raw.length }).tx.format).toBe('rc2')
    expect(suite.recoverCalls).toBe(1)
  })

  it('applies the default txBytesMax limit', () => {
    const huge = new Uint8Array(txBytesMax + 1)
    // Garbage that would otherwise fail as RLP: the size check comes first.
    huge.fill(0xff)
    expectCode(() => decodeTransaction(huge), 'TX_TOO_LARGE')
    const fits = encodeRLP([
      ...(decodeRLP(hex(txVectors[1]!.raw)) as Uint8Array[]).slice(0, 6),
      new Uint8Array(txBytesMax - 400),
      ...(decodeRLP(hex(txVectors[1]!.raw)) as Uint8Array[]).slice(7),
    ])
    expect(fits.length).toBeLessThanOrEqual(txBytesMax)
    expect(decodeTransaction(fits).data.length).toBe(txBytesMax - 400)
  })

  it('names the offending field in errors', () => {
    const err = expectCode(
      () => decodeTransaction(mutate((i) => (i[4] = new Uint8Array(19)))),
      'RLP_WRONG_LENGTH',
    )
    expect(err.getMetadata()).toMatchObject({ field: 'to', actual: 19 })
    expect(err.message).toContain('to: expected 20 bytes')
  })

  it('rejects a signature the suite refuses with TX_BAD_SIGNATURE (high s, A4)', () => {
    const tx = decodeTransaction(hex(txVectors[1]!.raw))
    if (tx.signature.kind !== 'ecdsa') throw new Error('expected ECDSA')
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const malleable: Transaction = {
      ...tx,
      signature: {
        kind: 'ecdsa',
        v: tx.signature.v === 27 ? 28 : 27,
        r: tx.signature.r,
        s: n - tx.signature.s,
      },
    }
    const suite = createTestECDSASuite()
    expectCode(() => createSignedTransaction(encodeTransaction(malleable), suite), 'TX_BAD_SIGNATURE')
    expect(suite.recoverCalls).toBe(1)
  })

  it('refuses to check an ECDSA transaction with an SM suite (TX_SUITE_MISMATCH)', () => {
    const suite = createTestSMSuite(seededBigints(2))
    expectCode(() => createSignedTransaction(hex(txVectors[1]!.raw), suite), 'TX_SUITE_MISMATCH')
    expect(suite.recoverCalls).toBe(0)
  })
})

describe('SM2 public keys with a dropped leading zero (interop.md §6)', () => {
  it('left-pads a 63-byte v, verifies with the 64-byte key and hashes the wire bytes', () => {
    const suite = createTestSMSuite(seededBigints(3))
    // Find a key whose X starts with 0x00 (about 1 in 256 keys), deterministically.
    let privateKey: Uint8Array
    let publicKey: Uint8Array
    do {
      privateKey = suite.randomPrivateKey()
      publicKey = suite.publicKey(privateKey)
    } while (publicKey[0] !== 0)
    const signed = signTransaction(baseFields(), privateKey, suite)
    const items = decodeRLP(encodeTransaction(signed)) as Uint8Array[]
    expect(items[10]!.length).toBe(64)
    items[10] = items[10]!.subarray(1)
    const wire = encodeRLP(items)
    const decoded = decodeTransaction(wire)
    expect(decoded.signature.kind === 'sm2' && toHex(decoded.signature.publicKey)).toBe(toHex(publicKey))
    const tx = createSignedTransaction(wire, suite)
    expect(toHex(tx.sender)).toBe(toHex(suite.address(publicKey)))
    expect(toHex(tx.hash)).toBe(toHex(sm3(wire)))
    // Re-encoding writes the full key: the one documented exception to byte identity.
    expect(encodeTransaction(decoded).length).toBe(wire.length + 1)
  })
})

function baseFields(format: 'rc1' | 'rc2' = 'rc2'): Omit<Transaction, 'signature'> {
  return {
    format,
    nonce: 0x3fccdd2fb3ee478ab7840dc548639cf8n,
    gasPrice: 0n,
    gas: 1_000_000n,
    blockLimit: 507n,
    to: hex('0xabababababababababababababababababababab'),
    value: 0n,
    data: hex('0x6d4ce63c'),
    chainId: format === 'rc2' ? 1n : 0n,
    groupId: format === 'rc2' ? 1n : 0n,
    extraData: format === 'rc2' ? hex('0x00') : new Uint8Array(0),
  }
}

describe('signing', () => {
  it('signs and recovers ECDSA RC2 and RC1 transactions', () => {
    const suite = createTestECDSASuite()
    const privateKey = hex('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
    for (const format of ['rc2', 'rc1'] as const) {
      const tx = signTransaction(baseFields(format), privateKey, suite)
      expect(tx.signature.kind === 'ecdsa' && [27, 28].includes(tx.signature.v)).toBe(true)
      const raw = encodeTransaction(tx)
      expect(decodeRLP(raw)).toHaveLength(format === 'rc2' ? 13 : 10)
      const signed = createSignedTransaction(raw, suite)
      // The capture's sender 0xf39F…2266 is this well-known key.
      expect(toHex(signed.sender)).toBe('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
      expect(decodeTransaction(raw)).toEqual(tx)
    }
  })

  it('signs the RC1 payload over items 0..6 only', () => {
    const tx = signTransaction(baseFields('rc1'), hex(`0x${'11'.repeat(32)}`), createTestECDSASuite())
    expect(decodeRLP(signingPayload(tx))).toHaveLength(7)
    expect(decodeRLP(signingPayload({ ...tx, format: 'rc2' }))).toHaveLength(10)
  })

  it('signs and verifies SM2 transactions; the key travels in v', () => {
    const suite = createTestSMSuite(seededBigints(4))
    const privateKey = suite.randomPrivateKey()
    const tx = signTransaction(baseFields(), privateKey, suite)
    expect(tx.signature.kind === 'sm2' && toHex(tx.signature.publicKey)).toBe(
      toHex(suite.publicKey(privateKey)),
    )
    expect(toHex(recoverSender(tx, suite))).toBe(toHex(suite.address(suite.publicKey(privateKey))))
    // A signature over other fields does not verify (cross-group replay, A5).
    expectCode(() => recoverSender({ ...tx, groupId: 2n }, suite), 'TX_BAD_SIGNATURE')
  })

  it('rejects bad inputs with labelled errors', () => {
    const suite = createTestECDSASuite()
    const err = expectCode(
      () => signTransaction(baseFields(), new Uint8Array(31), suite),
      'PROTOCOL_INVALID_INPUT',
    )
    expect(err.message).toBe('privateKey: expected 32-byte private key, got 31 bytes')
    expectCode(() => signingPayload({ ...baseFields(), to: new Uint8Array(19) }), 'PROTOCOL_INVALID_INPUT')
    expectCode(() => signingPayload({ ...baseFields(), gas: -1n }), 'PROTOCOL_INVALID_INPUT')
    expectCode(() => signingPayload({ ...baseFields(), nonce: 1n << 256n }), 'PROTOCOL_INVALID_INPUT')
    expectCode(() => signingPayload({ ...baseFields('rc1'), chainId: 1n }), 'PROTOCOL_INVALID_INPUT')
  })
})

const u256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n })
const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max })
const signature = fc.oneof(
  fc.record({ kind: fc.constant('ecdsa' as const), v: fc.constantFrom(27, 28), r: u256, s: u256 }),
  fc.record({
    kind: fc.constant('sm2' as const),
    publicKey: fc.uint8Array({ minLength: 64, maxLength: 64 }),
    r: u256,
    s: u256,
  }),
)
const transaction: fc.Arbitrary<Transaction> = fc.oneof(
  fc.record({
    format: fc.constant('rc2' as const),
    nonce: u256,
    gasPrice: u256,
    gas: u256,
    blockLimit: u256,
    to: fc.option(fc.uint8Array({ minLength: 20, maxLength: 20 }), { nil: null }),
    value: u256,
    data: bytes(300),
    chainId: u256,
    groupId: u256,
    extraData: bytes(8),
    signature,
  }),
  fc.record({
    format: fc.constant('rc1' as const),
    nonce: u256,
    gasPrice: u256,
    gas: u256,
    blockLimit: u256,
    to: fc.option(fc.uint8Array({ minLength: 20, maxLength: 20 }), { nil: null }),
    value: u256,
    data: bytes(300),
    chainId: fc.constant(0n),
    groupId: fc.constant(0n),
    extraData: fc.constant(new Uint8Array(0)),
    signature,
  }),
)

describe('properties', () => {
  it('encode → decode → encode is the identity for arbitrary transactions', () => {
    fc.assert(
      fc.property(transaction, (tx) => {
        const raw = encodeTransaction(tx)
        const decoded = decodeTransaction(raw)
        expect(decoded).toEqual(tx)
        expect(toHex(encodeTransaction(decoded))).toBe(toHex(raw))
      }),
      { seed: 20240601, numRuns: 300 },
    )
  })

  it('decoding random bytes throws nothing but ChainError', () => {
    fc.assert(
      fc.property(bytes(200), (input) => {
        try {
          decodeTransaction(input)
        } catch (err) {
          expect(err).toBeInstanceOf(ChainError)
        }
      }),
      { seed: 7, numRuns: 2000 },
    )
  })

  it('mutating one byte of a valid transaction throws nothing but ChainError', () => {
    const raw = hex(txVectors[1]!.raw)
    fc.assert(
      fc.property(fc.nat(raw.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const copy = raw.slice()
        copy[at] = value
        try {
          decodeTransaction(copy)
        } catch (err) {
          expect(err).toBeInstanceOf(ChainError)
        }
      }),
      { seed: 11, numRuns: 2000 },
    )
  })
})
