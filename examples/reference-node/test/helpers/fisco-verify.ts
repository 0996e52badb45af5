/**
 * A FISCO BCOS 2.x SDK's check of a block's `signatureList`, written independently of this
 * repository's crypto (ethers for Keccak-256, RLP and secp256k1 recovery) so a test can hold
 * the node's JSON-RPC answers to what an SDK accepts:
 * - the header hash is `Keccak256(RLP([parentHash, stateRoot, transactionsRoot, receiptsRoot,
 *   dbHash, logsBloom, number, gasLimit, gasUsed, timestamp, [extraData…], sealer,
 *   [sealerList…]]))` (FISCO design/protocol_description.md) and must equal `hash`;
 * - every `{index, signature}` is `r‖s‖v` (v 0/1) over the bare hash and recovers to
 *   `sealerList[index]` (as WeCross-BCOS2-Stub `BlockHeaderValidation.verifyBlockHeader`
 *   and FISCO's `PBFTEngine::checkSign` check it); indices are distinct and at least
 *   n − ⌊(n−1)/3⌋ of them are present (FISCO `minValidNodes`).
 * SM chains: SM3 instead of Keccak-256 and SM2 verification with `sealerList[index]`, given
 * as `sm` callbacks (there is no independent SM implementation among the test dependencies).
 */
import { encodeRlp, getBytes, keccak256, Signature, SigningKey, toBeArray } from 'ethers'

/** The header fields of a `getBlockByNumber` / `getBlockHeaderByNumber` answer. */
export interface BlockJSON {
  readonly hash: string
  readonly parentHash: string
  readonly stateRoot: string
  readonly transactionsRoot: string
  readonly receiptsRoot: string
  readonly dbHash: string
  readonly logsBloom: string
  readonly number: string
  readonly gasLimit: string
  readonly gasUsed: string
  readonly timestamp: string
  readonly extraData: readonly string[]
  readonly sealer: string
  readonly sealerList: readonly string[]
  readonly signatureList: readonly { readonly index: string; readonly signature: string }[]
}

/** SM3 and SM2 verification for SM chains. */
export interface SMVerifier {
  hash(data: Uint8Array): Uint8Array
  verify(hash: Uint8Array, signature: Uint8Array, nodeId: Uint8Array): boolean
}

const withPrefix = (h: string) => (h.startsWith('0x') ? h : `0x${h}`)
const quantity = (h: string) => toBeArray(BigInt(h))

/** FISCO's header hash of `b`, recomputed from its fields (0x hex). */
export function fiscoHeaderHash(b: BlockJSON, sm?: SMVerifier): string {
  const rlp = encodeRlp([
    b.parentHash,
    b.stateRoot,
    b.transactionsRoot,
    b.receiptsRoot,
    b.dbHash,
    b.logsBloom,
    quantity(b.number),
    quantity(b.gasLimit),
    quantity(b.gasUsed),
    quantity(b.timestamp),
    b.extraData.map(withPrefix),
    quantity(b.sealer),
    b.sealerList.map(withPrefix),
  ])
  if (sm === undefined) return keccak256(rlp)
  return `0x${Buffer.from(sm.hash(getBytes(rlp))).toString('hex')}`
}

/** The problems a FISCO SDK finds with `b`'s signature list (empty: it verifies). */
export function signatureListProblems(b: BlockJSON, sm?: SMVerifier): string[] {
  const problems: string[] = []
  const hash = fiscoHeaderHash(b, sm)
  if (hash !== b.hash.toLowerCase()) problems.push(`header hash ${hash} is not ${b.hash}`)
  const n = b.sealerList.length
  const quorum = n - Math.floor((n - 1) / 3)
  const seen = new Set<number>()
  for (const { index, signature } of b.signatureList) {
    const i = Number(BigInt(index))
    const sealer = b.sealerList[i]?.toLowerCase()
    if (sealer === undefined) {
      problems.push(`index ${index} is outside the sealer list`)
      continue
    }
    if (seen.has(i)) problems.push(`index ${index} appears twice`)
    seen.add(i)
    const sig = getBytes(signature)
    if (sm !== undefined) {
      if (!sm.verify(getBytes(b.hash), sig, getBytes(withPrefix(sealer))))
        problems.push(`SM2 signature of sealer ${i} does not verify`)
      continue
    }
    if (sig.length !== 65 || sig[64]! > 1) {
      problems.push(`signature of sealer ${i} is not r‖s‖v with v 0/1`)
      continue
    }
    const recovered = SigningKey.recoverPublicKey(
      b.hash,
      Signature.from({
        r: signature.slice(0, 66),
        s: `0x${signature.slice(66, 130)}`,
        v: 27 + sig[64]!,
      }),
    )
    if (recovered.slice(4).toLowerCase() !== sealer)
      problems.push(`signature of index ${i} recovers to another key than sealerList[${i}]`)
  }
  if (seen.size < quorum) problems.push(`${seen.size} signatures, FISCO needs ${quorum} of ${n}`)
  return problems
}
