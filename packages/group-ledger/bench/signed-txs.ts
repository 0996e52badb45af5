/** Signed FISCO transactions for the pool benches (bench-only helper). */
import type { Bytes, CryptoSuite } from '@consortia/interface'
import { encodeTransaction, signTransaction } from '@consortia/protocol'

/** Shape of the benches' transactions. */
export type SignedTxsShape = {
  /** Senders, signing in turn. */
  keys: number
  /** Byte the 20-byte `to` address is filled with. */
  toFill: number
  /** Length of the call data (filled with the transaction's index). */
  dataBytes: number
  gasPrice: bigint
}

/** `count` encoded rc2 transactions with distinct nonces, signed by `shape.keys` senders in turn. */
export function makeSignedTxs(suite: CryptoSuite, count: number, shape: SignedTxsShape): Bytes[] {
  const keys = Array.from({ length: shape.keys }, (_, i) =>
    suite.hash(new TextEncoder().encode(`bench-key-${i}`)),
  )
  return Array.from({ length: count }, (_, i) =>
    encodeTransaction(
      signTransaction(
        {
          format: 'rc2',
          nonce: BigInt(i + 1) * 1_000_003n,
          gasPrice: shape.gasPrice,
          gas: 3_000_000n,
          blockLimit: 500n,
          to: new Uint8Array(20).fill(shape.toFill),
          value: 0n,
          data: new Uint8Array(shape.dataBytes).fill(i & 0xff),
          chainId: 1n,
          groupId: 1n,
          extraData: new Uint8Array(0),
        },
        keys[i % keys.length]!,
        suite,
      ),
    ),
  )
}
