import { keccak256 } from '@consortia/crypto'
import {
  type Account,
  type Client,
  type Contract,
  deploy,
  getContract,
  type TransactionReceipt,
} from '@consortia/sdk'
import { encodePacked } from 'viem'
import { EvidenceRegistryAbi, EvidenceRegistryBytecode } from './contracts/compiled.js'
import { evidenceError, invalidInput } from './errors.js'
import {
  algorithmOfCode,
  type Fingerprint,
  FingerprintAlgorithm,
  type FingerprintAlgorithmName,
  fingerprintOf,
  parseDigest,
} from './fingerprint.js'
import type { EvidenceProof } from './verifier.js'

/** The most party signatures one registration carries. */
export const SIGNATURES_MAX = 16
/** Longest description of an evidence, in characters. */
export const DESCRIPTION_CHARS_MAX = 1_024

/** The EvidenceRegistry contract bound to a client. */
export type EvidenceRegistryContract = Contract<typeof EvidenceRegistryAbi>

/** A signing party of the registry: the court, the arbitration body, the notary… */
export interface Party {
  readonly name: string
  readonly address: string
}

/** A registration as the submitter keeps it: enough to export a proof later. */
export interface Registration {
  readonly registry: `0x${string}`
  readonly fingerprint: Fingerprint
  readonly txHash: `0x${string}`
  /** The signed transaction's bytes: the offline verifier recomputes the hash and reads the call from them. */
  readonly raw: `0x${string}`
  readonly blockNumber: number
  readonly receipt: TransactionReceipt
}

/** What the chain holds about a fingerprint. */
export interface EvidenceRecord {
  readonly exists: boolean
  readonly submitter: string
  readonly blockNumber: number
  /** Block timestamp, milliseconds since the Unix epoch. */
  readonly timestamp: number
  readonly algorithm: FingerprintAlgorithmName | undefined
  readonly description: string
  readonly signers: readonly Party[]
}

/**
 * Deploys a registry for `parties` (names and addresses); a registration needs signatures of
 * `threshold` distinct parties.
 */
export async function deployEvidenceRegistry(
  client: Client,
  init: { readonly parties: readonly Party[]; readonly threshold: number },
): Promise<EvidenceRegistryContract> {
  if (init.parties.length === 0 || init.parties.length > SIGNATURES_MAX) {
    throw invalidInput('parties', `1 to ${SIGNATURES_MAX} parties`, String(init.parties.length))
  }
  const { contract } = await deploy(client, {
    abi: EvidenceRegistryAbi,
    bytecode: EvidenceRegistryBytecode,
    args: [
      init.parties.map((p) => p.address as `0x${string}`),
      init.parties.map((p) => p.name),
      BigInt(init.threshold),
    ],
  })
  return contract
}

/** Binds a deployed registry to `client`. */
export function openEvidenceRegistry(client: Client, address: string): EvidenceRegistryContract {
  return getContract(client, { abi: EvidenceRegistryAbi, address })
}

/**
 * What a party signs for `fingerprint` in `registry`: Keccak-256 of
 * `"consortia-evidence:" ‖ registry ‖ digest ‖ algorithm code` (the contract's `digestOf`).
 * Computed off chain, so parties sign without a node.
 */
export function evidenceSigningDigest(registry: string, fingerprint: Fingerprint): Uint8Array {
  const data = encodePacked(
    ['string', 'address', 'bytes32', 'uint8'],
    [
      'consortia-evidence:',
      registry as `0x${string}`,
      parseDigest(fingerprint.digest),
      FingerprintAlgorithm[fingerprint.algorithm],
    ],
  )
  return keccak256(Uint8Array.from(Buffer.from(data.slice(2), 'hex')))
}

/** A party's 65-byte signature (r ‖ s ‖ v) of the evidence, as `0x` hex. ECDSA accounts only. */
export function signEvidence(party: Account, registry: string, fingerprint: Fingerprint): `0x${string}` {
  if (party.suite.name !== 'ecdsa') {
    throw invalidInput(
      'party account',
      'an ECDSA (secp256k1) account: the contract checks with ecrecover',
      party.suite.name,
    )
  }
  const sig = party.sign(evidenceSigningDigest(registry, fingerprint))
  return `0x${Buffer.from(sig).toString('hex')}`
}

/**
 * Registers a fingerprint with the parties' signatures: signs the transaction, keeps its raw
 * bytes (for `exportEvidenceProof`), sends it and waits for a successful receipt
 * (`SDK_TX_FAILED` with the contract's revert reason otherwise).
 */
export async function registerEvidence(
  client: Client,
  registry: string,
  fingerprint: Fingerprint,
  description: string,
  signatures: readonly string[],
): Promise<Registration> {
  if (description.length > DESCRIPTION_CHARS_MAX) {
    throw evidenceError(
      {
        code: 'EVIDENCE_LIMIT_REACHED',
        limit: 'DESCRIPTION_CHARS_MAX',
        max: DESCRIPTION_CHARS_MAX,
        got: description.length,
      },
      `description: at most ${DESCRIPTION_CHARS_MAX} characters, got ${description.length}`,
    )
  }
  if (signatures.length > SIGNATURES_MAX) {
    throw evidenceError(
      {
        code: 'EVIDENCE_LIMIT_REACHED',
        limit: 'SIGNATURES_MAX',
        max: SIGNATURES_MAX,
        got: signatures.length,
      },
      `signatures: at most ${SIGNATURES_MAX}, got ${signatures.length}`,
    )
  }
  const sigs = signatures.map((s, i) => {
    if (!/^0x[0-9a-fA-F]{130}$/.test(s))
      throw invalidInput(`signatures[${i}]`, '65-byte hex', JSON.stringify(s.slice(0, 80)))
    return s as `0x${string}`
  })
  const data = client.abi.encodeFunctionData(EvidenceRegistryAbi, 'register', [
    parseDigest(fingerprint.digest),
    FingerprintAlgorithm[fingerprint.algorithm],
    description,
    sigs,
  ])
  const signed = await client.signTransaction({ to: registry, data })
  const pending = await client.sendRawTransaction(signed.raw)
  const receipt = client.assertSuccess(await pending.wait(), EvidenceRegistryAbi)
  return {
    registry: registry.toLowerCase() as `0x${string}`,
    fingerprint,
    txHash: signed.txHash,
    raw: signed.raw,
    blockNumber: receipt.blockNumber,
    receipt,
  }
}

/** What the registry holds for `digest` (`exists` false when nothing). */
export async function evidenceOf(
  contract: EvidenceRegistryContract,
  digest: string,
): Promise<EvidenceRecord> {
  const [exists, submitter, blockNumber, timestamp, algorithm, description, signers] = await contract.read(
    'evidenceOf',
    [parseDigest(digest)],
  )
  const named: Party[] = []
  for (const address of signers) {
    named.push({ address: address.toLowerCase(), name: await contract.read('partyName', [address]) })
  }
  return {
    exists,
    submitter: submitter.toLowerCase(),
    blockNumber: Number(blockNumber),
    timestamp: Number(timestamp),
    algorithm: exists ? algorithmOfCode(algorithm) : undefined,
    description,
    signers: named,
  }
}

/** Result of checking a file against the chain. */
export interface FileVerification {
  /** True when the file's fingerprint is registered with the same algorithm. */
  readonly registered: boolean
  readonly fingerprint: Fingerprint
  readonly record: EvidenceRecord
}

/** Fingerprints `file` and looks it up in the registry. */
export async function verifyFile(
  contract: EvidenceRegistryContract,
  file: Uint8Array,
  algorithm: FingerprintAlgorithmName = 'keccak256',
): Promise<FileVerification> {
  const fingerprint = fingerprintOf(file, algorithm)
  const record = await evidenceOf(contract, fingerprint.digest)
  return { registered: record.exists && record.algorithm === algorithm, fingerprint, record }
}

/**
 * Exports what a third party needs to check a registration offline (`verifyEvidenceProof`):
 * the raw transaction, its Merkle proof to the block's transactionsRoot
 * (`getTransactionByHashWithProof`), the receipt and its proof to the receiptsRoot
 * (`getTransactionReceiptByHashWithProof`), the block header with the sealers' signatures
 * (`getBlockByNumber`), and `tx_gas_limit` (the receipt's hashed `remainGas` is
 * `tx_gas_limit − gasUsed`; the JSON receipt does not carry it).
 */
export async function exportEvidenceProof(
  client: Client,
  registration: Registration,
): Promise<EvidenceProof> {
  const g = client.groupId
  const txWithProof = (await client.rpc('getTransactionByHashWithProof', [g, registration.txHash])) as {
    transaction: Record<string, unknown>
    txProof: { left: string[]; right: string[] }[]
  } | null
  const receiptWithProof = (await client.rpc('getTransactionReceiptByHashWithProof', [
    g,
    registration.txHash,
  ])) as {
    transactionReceipt: Record<string, unknown>
    receiptProof: { left: string[]; right: string[] }[]
  } | null
  if (txWithProof === null || receiptWithProof === null) {
    throw evidenceError(
      { code: 'EVIDENCE_NOT_FOUND', what: 'transaction with proof', key: registration.txHash },
      `no committed transaction ${registration.txHash}`,
    )
  }
  const block = await client.getBlockByNumber(registration.blockNumber, true)
  const { transactions: _t, ...header } = block
  return {
    format: 'consortia-evidence-proof/1',
    suite: client.suite.name,
    groupId: g,
    registry: registration.registry,
    fingerprint: registration.fingerprint,
    transaction: {
      raw: registration.raw,
      index: Number(txWithProof.transaction['transactionIndex']),
      proof: txWithProof.txProof,
    },
    receipt: {
      json: receiptWithProof.transactionReceipt,
      proof: receiptWithProof.receiptProof,
      txGasLimit: await client.getSystemConfigByKey('tx_gas_limit'),
    },
    block: header as EvidenceProof['block'],
  }
}
