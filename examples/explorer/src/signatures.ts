import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hexToBytes } from './hex.js'
import { sm2Verify } from './sm2.js'

/** Most signatures checked for one block (a group has at most 256 sealers). */
export const BLOCK_SIGNATURES_MAX = 256

/** The fields of a block (`getBlockByNumber` with full transactions) the check reads. */
export interface SignedBlockJSON {
  readonly hash: string
  readonly sealerList: readonly string[]
  readonly signatureList?: readonly { readonly index: string; readonly signature: string }[]
}

/** Outcome for one entry of a block's signature list. */
export interface SignatureCheck {
  /** Position of the signer in the block's sealer list. */
  readonly index: number
  /** The signer's node ID (hex, no 0x), or '' when the index is outside the sealer list. */
  readonly nodeId: string
  /** `valid`: the sealer signed the block hash. */
  readonly status: 'valid' | 'invalid'
  /** Why it is not valid. */
  readonly reason?: string
}

/**
 * Checks a block's signature list the way FISCO BCOS 2.x SDKs do: entry `index` must be a
 * signature of the block hash by `sealerList[index]`. ECDSA chains: secp256k1 r‖s‖v (65 bytes),
 * low s. SM chains: SM2 r‖s‖pub (128 bytes) checked with the sealer's node ID as the key (the
 * embedded public key must be the same), Z_A of the default ID, SM3 in plain TypeScript.
 */
export function verifyBlockSignatures(block: SignedBlockJSON, suite: 'ecdsa' | 'sm'): SignatureCheck[] {
  const list = (block.signatureList ?? []).slice(0, BLOCK_SIGNATURES_MAX)
  const hash = hexToBytes(block.hash, 'block.hash', 32)
  const seen = new Set<number>()
  return list.map((entry) => {
    const index = Number(entry.index)
    const nodeId = Number.isSafeInteger(index) ? (block.sealerList[index] ?? '') : ''
    if (nodeId === '') return { index, nodeId, status: 'invalid', reason: 'index outside the sealer list' }
    if (seen.has(index)) return { index, nodeId, status: 'invalid', reason: 'sealer listed twice' }
    seen.add(index)
    if (suite === 'sm') return checkSM2(index, nodeId, hash, entry.signature)
    let signature: Uint8Array
    let publicKey: Uint8Array
    try {
      signature = hexToBytes(entry.signature, 'signature', 65)
      publicKey = hexToBytes(`04${nodeId.replace(/^0x/, '')}`, 'nodeId', 65)
    } catch (err) {
      return { index, nodeId, status: 'invalid', reason: (err as Error).message }
    }
    try {
      const ok = secp256k1.verify(signature.subarray(0, 64), hash, publicKey, {
        prehash: false,
        lowS: true,
        format: 'compact',
      })
      return ok
        ? { index, nodeId, status: 'valid' }
        : { index, nodeId, status: 'invalid', reason: 'not a signature of the block hash by this sealer' }
    } catch (err) {
      return { index, nodeId, status: 'invalid', reason: (err as Error).message }
    }
  })
}

function checkSM2(index: number, nodeId: string, hash: Uint8Array, signatureHex: string): SignatureCheck {
  try {
    const signature = hexToBytes(signatureHex, 'signature', 128)
    const key = hexToBytes(nodeId, 'nodeId', 64)
    const embedded = signature.subarray(64)
    if (!embedded.every((b, i) => b === key[i])) {
      return {
        index,
        nodeId,
        status: 'invalid',
        reason: 'the public key in the signature is not this sealer',
      }
    }
    return sm2Verify(hash, signature.subarray(0, 64), key)
      ? { index, nodeId, status: 'valid' }
      : { index, nodeId, status: 'invalid', reason: 'not a signature of the block hash by this sealer' }
  } catch (err) {
    return { index, nodeId, status: 'invalid', reason: (err as Error).message }
  }
}
