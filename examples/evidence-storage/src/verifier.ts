/**
 * The offline verifier: checks an exported evidence proof with no node and no network. It
 * needs only the proof file, optionally the evidence file and the sealers' node IDs (the
 * group genesis), and checks the whole chain of custody:
 *
 * file → fingerprint → the `register` call in the signed transaction → Hash(raw) → Merkle
 * proof → transactionsRoot; receipt (status 0, `EvidenceRegistered` for the fingerprint) →
 * Hash(receipt RLP) → Merkle proof → receiptsRoot; both roots → the header → its hash →
 * signatures of a PBFT quorum of the header's sealers (and the sealers are the trusted ones).
 */
import { createCryptoSuite, keccak256, sm3 } from '@consortia/crypto'
import type { BlockHeader, Receipt } from '@consortia/interface'
import { blockHeaderHash, decodeTransaction, encodeReceipt } from '@consortia/protocol'
import { decodeEventLog, decodeFunctionData } from 'viem'
import { EvidenceRegistryAbi } from './contracts/compiled.js'
import { invalidInput } from './errors.js'
import { type Fingerprint, FingerprintAlgorithm, fingerprintOf, parseDigest } from './fingerprint.js'

/** Children per node of FISCO's transaction / receipt Merkle tree. */
export const MERKLE_CHILDREN = 16
/** Most levels a proof may have (2²² items per block at most). */
export const PROOF_LEVELS_MAX = 7
/** Largest proof file the verifier reads (a raw transaction, a receipt, a header: far below this). */
export const PROOF_JSON_BYTES_MAX = 4 * 1024 * 1024

/** One level of a FISCO `…WithProof` proof: sibling hashes left and right of the running node (hex). */
export interface ProofLevel {
  readonly left: readonly string[]
  readonly right: readonly string[]
}

/** What `exportEvidenceProof` writes and `verifyEvidenceProof` checks. */
export interface EvidenceProof {
  readonly format: 'consortia-evidence-proof/1'
  readonly suite: 'ecdsa' | 'sm'
  readonly groupId: number
  readonly registry: `0x${string}`
  readonly fingerprint: Fingerprint
  readonly transaction: {
    /** The signed transaction (RLP), as sent. */
    readonly raw: `0x${string}`
    readonly index: number
    readonly proof: readonly ProofLevel[]
  }
  readonly receipt: {
    /** `getTransactionReceiptByHashWithProof`'s `transactionReceipt`. */
    readonly json: Record<string, unknown>
    readonly proof: readonly ProofLevel[]
    /** `tx_gas_limit` when the block ran (decimal). */
    readonly txGasLimit: string
  }
  /** `getBlockByNumber(n, true)` without its transactions: header fields and `signatureList`. */
  readonly block: Record<string, unknown>
}

/** One named check of the verification. */
export interface ProofCheck {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

/** Result of `verifyEvidenceProof`: `ok` when every check passed. */
export interface ProofVerification {
  readonly ok: boolean
  readonly checks: readonly ProofCheck[]
  /** What the proof shows, when `ok`. */
  readonly evidence?: {
    readonly fingerprint: Fingerprint
    readonly blockNumber: number
    readonly blockHash: string
    /** Block timestamp, milliseconds since the Unix epoch. */
    readonly timestamp: number
    readonly signers: readonly string[]
    readonly description: string
  }
}

/** Options of `verifyEvidenceProof`. */
export interface VerifyOptions {
  /** The evidence file: its fingerprint must be the proven one. */
  readonly file?: Uint8Array
  /** Node IDs (hex) of the group's sealers, from its genesis: the header's sealers must be among them. */
  readonly trustedSealers?: readonly string[]
}

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/i, ''), 'hex'))
const hexOf = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`

function hexField(obj: Record<string, unknown>, key: string, length?: number): Uint8Array {
  const v = obj[key]
  if (typeof v !== 'string' || !/^(0x)?([0-9a-fA-F]{2})*$/.test(v))
    throw invalidInput(key, 'hex', JSON.stringify(v))
  const b = bytes(v)
  if (length !== undefined && b.length !== length)
    throw invalidInput(key, `${length}-byte hex`, `${b.length} bytes`)
  return b
}

function quantity(obj: Record<string, unknown>, key: string): bigint {
  const v = obj[key]
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]+$/.test(v))
    throw invalidInput(key, 'a 0x quantity', JSON.stringify(v))
  return BigInt(v)
}

/** Leaf `index` of the tree: rlp(index) ‖ itemHash (FISCO 2.2+ TrieHash2). */
function leafOf(index: number, itemHash: Uint8Array): Uint8Array {
  let prefix: number[]
  if (index === 0) prefix = [0x80]
  else if (index < 0x80) prefix = [index]
  else {
    const be: number[] = []
    for (let v = index; v > 0; v = Math.floor(v / 256)) be.unshift(v % 256)
    prefix = [0x80 + be.length, ...be]
  }
  return Uint8Array.from([...prefix, ...itemHash])
}

/**
 * Climbs a FISCO `…WithProof` proof from item `index` (its hash `itemHash`) and returns the
 * root it leads to, or a reason when the proof is malformed (wrong position of the running
 * node in a level, too many siblings or levels, a non-empty top level).
 */
export function merkleRootOfProof(
  hash: (data: Uint8Array) => Uint8Array,
  index: number,
  itemHash: Uint8Array,
  proof: readonly ProofLevel[],
): Uint8Array | string {
  if (!Number.isSafeInteger(index) || index < 0) return `index ${index} is not a non-negative integer`
  if (!Array.isArray(proof) || proof.length === 0 || proof.length > PROOF_LEVELS_MAX) {
    return `expected 1 to ${PROOF_LEVELS_MAX} levels`
  }
  let node = leafOf(index, itemHash)
  let position = index
  for (let l = 0; l < proof.length; l++) {
    const level = proof[l]!
    if (!Array.isArray(level?.left) || !Array.isArray(level.right)) return `level ${l} lacks left[]/right[]`
    if (level.left.length + level.right.length >= MERKLE_CHILDREN)
      return `level ${l} has more than 15 siblings`
    if (l === proof.length - 1) {
      if (level.left.length + level.right.length !== 0 || position !== 0) return 'the top level must be empty'
    } else if (level.left.length !== position % MERKLE_CHILDREN) {
      return `level ${l} puts the node at ${level.left.length}, expected ${position % MERKLE_CHILDREN}`
    }
    const siblings = [...level.left, ...level.right]
    if (
      !siblings.every(
        (s) => typeof s === 'string' && /^(0x)?[0-9a-fA-F]{2,128}$/.test(s) && s.length % 2 === 0,
      )
    ) {
      return `level ${l} has a sibling that is not short hex`
    }
    const parts = [...level.left.map(bytes), node, ...level.right.map(bytes)]
    node = hash(Uint8Array.from(parts.flatMap((p) => [...p])))
    position = Math.floor(position / MERKLE_CHILDREN)
  }
  return node
}

function receiptOf(json: Record<string, unknown>, txGasLimit: bigint): Receipt {
  const gasUsed = quantity(json, 'gasUsed')
  const logs = json['logs']
  if (!Array.isArray(logs)) throw invalidInput('logs', 'an array', typeof logs)
  return {
    stateRoot: hexField(json, 'root', 32),
    gasUsed,
    contractAddress: hexField(json, 'contractAddress', 20),
    logsBloom: hexField(json, 'logsBloom', 256),
    status: Number(quantity(json, 'status')),
    output: hexField(json, 'output'),
    remainGas: txGasLimit - gasUsed,
    logs: logs.map((l: Record<string, unknown>) => ({
      address: hexField(l, 'address', 20),
      topics: (Array.isArray(l['topics']) ? l['topics'] : []).map((t: unknown) => hexField({ t }, 't', 32)),
      data: hexField(l, 'data'),
    })),
  }
}

function headerOf(json: Record<string, unknown>): BlockHeader {
  const extra = json['extraData']
  const sealers = json['sealerList']
  if (!Array.isArray(extra) || !Array.isArray(sealers))
    throw invalidInput('block', 'extraData[] and sealerList[]', 'other')
  return {
    parentHash: hexField(json, 'parentHash', 32),
    stateRoot: hexField(json, 'stateRoot', 32),
    transactionsRoot: hexField(json, 'transactionsRoot', 32),
    receiptsRoot: hexField(json, 'receiptsRoot', 32),
    dbHash: hexField(json, 'dbHash', 32),
    logsBloom: hexField(json, 'logsBloom', 256),
    number: Number(quantity(json, 'number')),
    gasLimit: quantity(json, 'gasLimit'),
    gasUsed: quantity(json, 'gasUsed'),
    timestamp: Number(quantity(json, 'timestamp')),
    extraData: extra.map((e: unknown) => hexField({ e }, 'e')),
    sealer: Number(quantity(json, 'sealer')),
    sealerList: sealers.map((s: unknown) => hexField({ s }, 's', 64)),
  }
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i])

/** Parses a proof file (JSON text), bounded by `PROOF_JSON_BYTES_MAX`. */
export function parseEvidenceProof(text: string): EvidenceProof {
  if (text.length > PROOF_JSON_BYTES_MAX) {
    throw invalidInput('proof file', `at most ${PROOF_JSON_BYTES_MAX} bytes`, `${text.length}`)
  }
  const proof = JSON.parse(text) as EvidenceProof
  if (proof?.format !== 'consortia-evidence-proof/1') {
    throw invalidInput('proof.format', '"consortia-evidence-proof/1"', JSON.stringify(proof?.format))
  }
  return proof
}

/** Checks an exported proof offline; every check is reported, `ok` only when all pass. */
export function verifyEvidenceProof(proof: EvidenceProof, options: VerifyOptions = {}): ProofVerification {
  const checks: ProofCheck[] = []
  const check = (name: string, fn: () => string) => {
    try {
      checks.push({ name, ok: true, detail: fn() })
      return true
    } catch (err) {
      checks.push({ name, ok: false, detail: err instanceof Error ? err.message : String(err) })
      return false
    }
  }
  const fail = (message: string): never => {
    throw new Error(message)
  }
  const suiteName = proof.suite
  const hash = suiteName === 'sm' ? sm3 : keccak256
  let digest: `0x${string}` = '0x'
  let txHash: Uint8Array = new Uint8Array(32)
  let header: BlockHeader | undefined
  let blockHash = ''
  let signers: string[] = []
  let description = ''

  const steps: [string, () => string][] = [
    [
      'transaction call',
      () => {
        digest = parseDigest(proof.fingerprint.digest)
        const raw = bytes(proof.transaction.raw)
        txHash = hash(raw)
        const tx = decodeTransaction(raw)
        if (tx.to === null || hexOf(tx.to) !== proof.registry.toLowerCase())
          fail('the transaction is not sent to the registry')
        const call = decodeFunctionData({ abi: EvidenceRegistryAbi, data: hexOf(tx.data) as `0x${string}` })
        if (call.functionName !== 'register') fail(`the transaction calls ${call.functionName}, not register`)
        const [fp, algorithm, desc] = call.args as readonly [string, number, string, readonly string[]]
        if (fp.toLowerCase() !== digest) fail(`the transaction registers ${fp}, not ${digest}`)
        if (algorithm !== FingerprintAlgorithm[proof.fingerprint.algorithm]) fail('the algorithm differs')
        description = desc
        return `register(${digest}) in transaction ${hexOf(txHash)}`
      },
    ],
    [
      'transaction proof',
      () => {
        header = headerOf(proof.block)
        const root = merkleRootOfProof(hash, proof.transaction.index, txHash, proof.transaction.proof)
        if (typeof root === 'string') fail(root)
        if (!equal(root as Uint8Array, header.transactionsRoot))
          fail('the proof does not lead to the block transactionsRoot')
        return `leaf ${proof.transaction.index} → transactionsRoot ${hexOf(header.transactionsRoot)}`
      },
    ],
    [
      'receipt',
      () => {
        const json = proof.receipt.json
        if (String(json['transactionHash']).toLowerCase() !== hexOf(txHash))
          fail('the receipt is of another transaction')
        if (quantity(json, 'status') !== 0n)
          fail(`the transaction failed with status ${quantity(json, 'status')}`)
        const logs = json['logs'] as { address: string; topics: `0x${string}`[]; data: `0x${string}` }[]
        for (const log of logs) {
          if (String(log.address).toLowerCase() !== proof.registry.toLowerCase()) continue
          const ev = decodeEventLog({
            abi: EvidenceRegistryAbi,
            topics: log.topics as [`0x${string}`],
            data: log.data,
          })
          if (ev.eventName === 'EvidenceRegistered' && ev.args?.fingerprint.toLowerCase() === digest) {
            signers = ev.args.signers.map((s) => s.toLowerCase())
            return `EvidenceRegistered, signed by ${signers.join(', ')}`
          }
        }
        return fail('no EvidenceRegistered event for the fingerprint')
      },
    ],
    [
      'receipt proof',
      () => {
        if (header === undefined) fail('no header')
        const receipt = receiptOf(proof.receipt.json, BigInt(proof.receipt.txGasLimit))
        const index = Number(quantity(proof.receipt.json, 'transactionIndex'))
        if (index !== proof.transaction.index) fail('the receipt index differs from the transaction index')
        const root = merkleRootOfProof(hash, index, hash(encodeReceipt(receipt)), proof.receipt.proof)
        if (typeof root === 'string') fail(root)
        if (!equal(root as Uint8Array, header!.receiptsRoot))
          fail('the proof does not lead to the block receiptsRoot')
        return `leaf ${index} → receiptsRoot ${hexOf(header!.receiptsRoot)}`
      },
    ],
    [
      'block hash',
      () => {
        if (header === undefined) fail('no header')
        blockHash = hexOf(blockHeaderHash(header!, hash))
        if (String(proof.block['hash']).toLowerCase() !== blockHash)
          fail(`the header hashes to ${blockHash}, not ${proof.block['hash']}`)
        if (String(proof.receipt.json['blockHash']).toLowerCase() !== blockHash)
          fail('the receipt is of another block')
        return `block ${header!.number} ${blockHash}`
      },
    ],
    [
      'sealer signatures',
      () => {
        if (header === undefined) fail('no header')
        const sealers = header!.sealerList.map((s) => Buffer.from(s).toString('hex'))
        if (options.trustedSealers !== undefined) {
          const trusted = new Set(options.trustedSealers.map((s) => s.toLowerCase().replace(/^0x/, '')))
          const stranger = sealers.find((s) => !trusted.has(s))
          if (stranger !== undefined) fail(`sealer ${stranger.slice(0, 16)}… is not trusted`)
        }
        const list = proof.block['signatureList']
        if (!Array.isArray(list)) fail('the block has no signatureList')
        const suite = createCryptoSuite(suiteName)
        const hashBytes = bytes(blockHash)
        const valid = new Set<number>()
        for (const entry of list as Record<string, unknown>[]) {
          const index = Number(quantity(entry, 'index'))
          const key = header!.sealerList[index]
          if (key !== undefined && suite.verify(hashBytes, hexField(entry, 'signature'), key))
            valid.add(index)
        }
        const n = sealers.length
        const quorum = n - Math.floor((n - 1) / 3)
        if (valid.size < quorum)
          fail(`${valid.size} valid sealer signatures, a quorum of ${n} sealers is ${quorum}`)
        return `${valid.size} of ${n} sealers signed (quorum ${quorum})`
      },
    ],
  ]
  if (options.file !== undefined) {
    steps.push([
      'file',
      () => {
        const fp = fingerprintOf(options.file!, proof.fingerprint.algorithm)
        if (fp.digest !== parseDigest(proof.fingerprint.digest))
          fail(`the file's ${fp.algorithm} is ${fp.digest}`)
        return `${fp.algorithm} of the file matches`
      },
    ])
  }
  let ok = true
  for (const [name, fn] of steps) ok = check(name, fn) && ok
  if (!ok) return { ok, checks }
  return {
    ok,
    checks,
    evidence: {
      fingerprint: proof.fingerprint,
      blockNumber: header!.number,
      blockHash,
      timestamp: header!.timestamp,
      signers,
      description,
    },
  }
}
