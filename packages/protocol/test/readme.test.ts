import { keccak_256 } from '@noble/hashes/sha3.js'
import { expect, it } from 'vitest'
import { decodeTransaction, encodeTransaction, isProtocolError, signingHash, txHash } from '../src/index.js'

// The README example, run as written (console output replaced by assertions).
it('README example', () => {
  // The RC2 request of the FISCO 2.x api.md `sendRawTransaction` example.
  const raw = Uint8Array.from(
    Buffer.from(
      'f8d3a003922ee720bb7445e3a914d8ab8f507d1a647296d563100e49548d83fd98865c8411e1a3008411e1a3008201f894' +
        'd6c8a04b8826b0a37c6d4aa0eaa8644d8e35b79f80a466c9913900000000000000000000000000000000000000000000' +
        '000000000000000000040101a466c991390000000000000000000000000000000000000000000000000000000000000004' +
        '1ba08e0d3fae10412c584c977721aeda88df932b2a019f084feda1e0a42d199ea979a016c387f79eb85078be5db40abe16' +
        '70b8b480a12c7eab719bedee212b7972f775',
      'hex',
    ),
  )

  const tx = decodeTransaction(raw, { maxBytes: 64 * 1024 })
  expect(tx.format).toBe('rc2')
  expect(tx.signature.kind).toBe('ecdsa')
  expect(Buffer.from(signingHash(tx, keccak_256)).toString('hex')).toBe(
    'e50ba1bfe517c0fcb0b376af27d49e2ad534ed57e8320e5a00a3d8124478a4d3',
  )
  expect(Buffer.from(txHash(raw, keccak_256)).toString('hex')).toBe(
    '0accad4228274b0d78939f48149767883a6e99c95941baa950156e926f1c96ba',
  )
  expect(Buffer.from(encodeTransaction(tx)).equals(Buffer.from(raw))).toBe(true)

  let metadata: Record<string, unknown> | undefined
  try {
    decodeTransaction(Uint8Array.from([...raw, 0x00]))
  } catch (err) {
    if (isProtocolError(err, 'RLP_TRAILING_BYTES')) metadata = err.getMetadata()
  }
  expect(metadata).toEqual({ offset: raw.length, trailing: 1 })
})
