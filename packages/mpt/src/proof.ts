import { type Address, type Bytes, ChainError, type Hash32, type Hex } from '@consortia/interface'
import { verifyMerkleProof } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { decodeAccount, type MPTAccount } from './account.js'
import {
  assertLength,
  bytesToBigint,
  bytesToHex0x,
  equalBytes,
  hexToBytesChecked,
  stripLeadingZeros,
} from './bytes.js'
import type { MPTErrorType } from './errors.js'
import { checkHashFn, type HashFn, keccak256 } from './hash.js'

/** Most slots one proof may cover (a bound on the work `createProof`/`verifyProof` accept). */
export const PROOF_SLOTS_MAX = 1024

/** One slot of an `eth_getProof` answer (EIP-1186). */
export interface StorageProof {
  /** The 32-byte slot, hex. */
  readonly key: Hex
  /** The value as a quantity (`0x0` when unset). */
  readonly value: Hex
  /** Storage-trie nodes from the storage root to the slot's leaf, RLP hex; empty for an empty trie. */
  readonly proof: readonly Hex[]
}

/** An `eth_getProof` answer (EIP-1186): the account, its trie path, and storage proofs. */
export interface StateProof {
  readonly address: Hex
  readonly nonce: Hex
  readonly balance: Hex
  readonly codeHash: Hex
  readonly storageHash: Hex
  /** Account-trie nodes from the state root to the account's leaf, RLP hex. */
  readonly accountProof: readonly Hex[]
  readonly storageProof: readonly StorageProof[]
}

/** What a proof establishes once `verifyProof` accepts it. */
export interface VerifiedState {
  /** The account, or undefined when the proof shows it does not exist. */
  readonly account: MPTAccount | undefined
  /** Each proven slot with its value (without leading zeros; empty when unset). */
  readonly storage: readonly { readonly slot: Bytes; readonly value: Bytes }[]
}

/** Options of `verifyProof`. */
export interface VerifyProofOptions {
  /** The hash the state uses (default Keccak-256). */
  readonly hash?: HashFn
}

const quantity = (value: bigint): Hex => `0x${value.toString(16)}`

/** Builds the storage entry of a proof (internal to `MPTState.createProof`). */
export function storageProofOf(slot: Bytes, value: Bytes, nodes: readonly Uint8Array[]): StorageProof {
  return { key: bytesToHex0x(slot), value: quantity(bytesToBigint(value)), proof: nodes.map(bytesToHex0x) }
}

/**
 * Builds an `eth_getProof` answer (internal to `MPTState.createProof`). An absent account is reported the
 * way Ethereum clients do: zero nonce and balance, the empty code hash and the empty storage root.
 */
export function accountProofOf(
  address: Address,
  account: MPTAccount | undefined,
  nodes: readonly Uint8Array[],
  storageProof: readonly StorageProof[],
  empty: { readonly emptyRoot: Uint8Array; readonly emptyCodeHash: Uint8Array },
): StateProof {
  return {
    address: bytesToHex0x(address),
    nonce: quantity(account?.nonce ?? 0n),
    balance: quantity(account?.balance ?? 0n),
    codeHash: bytesToHex0x(account?.codeHash ?? empty.emptyCodeHash),
    storageHash: bytesToHex0x(account?.storageRoot ?? empty.emptyRoot),
    accountProof: nodes.map(bytesToHex0x),
    storageProof,
  }
}

function invalid(reason: string): ChainError<MPTErrorType> {
  return new ChainError<MPTErrorType>({ code: 'MPT_INVALID_PROOF', reason }, `invalid proof: ${reason}`)
}

function parseQuantity(hex: string, field: string): bigint {
  if (!/^0x(0|[1-9a-f][0-9a-f]*)$/i.test(hex))
    throw invalid(`${field} is not a hex quantity: ${hex.slice(0, 20)}`)
  return BigInt(hex)
}

async function provenValue(
  root: Uint8Array,
  key: Uint8Array,
  nodes: readonly Hex[],
  hash: HashFn,
  emptyRoot: Uint8Array,
  what: string,
): Promise<Uint8Array | null> {
  if (nodes.length === 0) {
    // Only the empty trie has an empty proof.
    if (equalBytes(root, emptyRoot)) return null
    throw invalid(`${what}: empty proof for a non-empty trie`)
  }
  const proof = nodes.map((n, i) => hexToBytesChecked(n, `${what} node ${i}`))
  try {
    return await verifyMerkleProof(key, proof, { root, useKeyHashing: true, useKeyHashingFunction: hash })
  } catch (cause) {
    throw Object.assign(invalid(`${what}: nodes do not lead from the root to the key`), { cause })
  }
}

/**
 * Verifies an `eth_getProof`-shaped proof against `stateRoot`: the account path, that the claimed
 * nonce, balance, code hash and storage root are the ones in the leaf (or the empty values when the
 * proof shows absence), and each slot's path and value against the storage root.
 * Throws `ChainError` `MPT_INVALID_PROOF` on any mismatch; returns what the proof establishes.
 *
 * @example
 * ```ts
 * const proof = await state.createProof(address, [slot])
 * const { account, storage } = await verifyProof(await state.stateRoot(), proof)
 * ```
 */
export async function verifyProof(
  stateRoot: Hash32,
  proof: StateProof,
  options: VerifyProofOptions = {},
): Promise<VerifiedState> {
  assertLength(stateRoot, 32, 'stateRoot')
  const hash = checkHashFn(options.hash ?? keccak256)
  const emptyRoot = hash(RLP.encode(new Uint8Array()))
  const emptyCodeHash = hash(new Uint8Array())
  if (proof.storageProof.length > PROOF_SLOTS_MAX) {
    throw invalid(`${proof.storageProof.length} slots exceed PROOF_SLOTS_MAX ${PROOF_SLOTS_MAX}`)
  }
  const address = hexToBytesChecked(proof.address, 'proof.address')
  assertLength(address, 20, 'proof.address')
  const leaf = await provenValue(stateRoot, address, proof.accountProof, hash, emptyRoot, 'account proof')
  const account = leaf === null ? undefined : decodeAccount(leaf, address)

  const claimedStorageRoot = hexToBytesChecked(proof.storageHash, 'proof.storageHash')
  const claimedCodeHash = hexToBytesChecked(proof.codeHash, 'proof.codeHash')
  const nonce = parseQuantity(proof.nonce, 'nonce')
  const balance = parseQuantity(proof.balance, 'balance')
  const expected = account ?? { nonce: 0n, balance: 0n, codeHash: emptyCodeHash, storageRoot: emptyRoot }
  if (nonce !== expected.nonce) throw invalid(`nonce ${nonce} differs from the proven ${expected.nonce}`)
  if (balance !== expected.balance)
    throw invalid(`balance ${balance} differs from the proven ${expected.balance}`)
  if (!equalBytes(claimedCodeHash, expected.codeHash))
    throw invalid('codeHash differs from the proven account')
  if (!equalBytes(claimedStorageRoot, expected.storageRoot)) {
    throw invalid('storageHash differs from the proven account')
  }

  const storage = []
  for (const [i, entry] of proof.storageProof.entries()) {
    const slot = hexToBytesChecked(entry.key, `storageProof[${i}].key`)
    assertLength(slot, 32, `storageProof[${i}].key`)
    const raw = await provenValue(
      expected.storageRoot,
      slot,
      entry.proof,
      hash,
      emptyRoot,
      `storage proof ${entry.key}`,
    )
    const decoded = raw === null ? new Uint8Array() : RLP.decode(raw)
    if (!(decoded instanceof Uint8Array)) throw invalid(`storage value of ${entry.key} is not an RLP string`)
    const value = stripLeadingZeros(decoded)
    if (parseQuantity(entry.value, `storageProof[${i}].value`) !== bytesToBigint(value)) {
      throw invalid(`storage value of ${entry.key} differs from the proven ${bytesToHex0x(value)}`)
    }
    storage.push({ slot, value })
  }
  return { account, storage }
}
