/**
 * @consortia/mpt — Merkle Patricia world state over any `KvStore`, built on `@ethereumjs/mpt`.
 *
 * - `MPTState`: the provable `StateView` (account trie, per-account storage tries, code by hash),
 *   nested checkpoints, `stateRoot()`, and `commitBlock()` writing a block's nodes and head root in one
 *   atomic batch. Hash injectable: Keccak-256 by default, SM3 on guomi chains.
 * - `createProof` / `verifyProof`: `eth_getProof`-shaped (EIP-1186) account and storage proofs.
 * - `kvStoreToTrieDB`: any `KvStore` as the `DB` of `@ethereumjs/util`, so plain tries (`createKvTrie`)
 *   live on it too. On disk, use the LevelDB store of `@consortia/kv-level`.
 *
 * @example
 * ```ts
 * import { createLevelKvStore } from '@consortia/kv-level'
 * import { createMPTState, verifyProof } from '@consortia/mpt'
 *
 * const store = await createLevelKvStore({ location: './data/state' })
 * const state = await createMPTState({ store })
 * const address = new Uint8Array(20).fill(0xaa)
 * await state.putAccount(address, { nonce: 1n, balance: 0n, codeHash: state.emptyCodeHash })
 * await state.putStorage(address, new Uint8Array(32), Uint8Array.of(42))
 * const { stateRoot } = await state.commitBlock()
 * const proof = await state.createProof(address, [new Uint8Array(32)])
 * const { storage } = await verifyProof(stateRoot, proof) // storage[0].value = 0x2a
 * await store.close()
 * ```
 */
export { decodeAccount, encodeAccount, type MPTAccount } from './account.js'
export { BlockWriteBuffer, type BlockWriteBufferInit } from './block-buffer.js'
export { bytesToHex0x, hexToBytesChecked } from './bytes.js'
export { invalidInput, type MPTError, type MPTErrorType } from './errors.js'
export { checkHashFn, type HashFn, keccak256 } from './hash.js'
export {
  bytesToTrieValue,
  type KvTrieDBInit,
  kvStoreToTrieDB,
  type TrieDB,
  trieKeyToBytes,
  trieValueToBytes,
} from './kv-db.js'
export {
  type BlockCommit,
  type BlockWriteSet,
  type CommitBlockOptions,
  createMPTState,
  MPT_ACCOUNT_CACHE_MAX,
  MPT_BLOCK_WRITES_MAX,
  MPT_CHECKPOINT_DEPTH_MAX,
  MPT_KEY_PREFIX_DEFAULT,
  MPT_READ_CACHE_MAX,
  MPT_STORAGE_TRIE_CACHE_MAX,
  MPTState,
  type MPTStateInit,
} from './mpt-state.js'
export {
  PROOF_SLOTS_MAX,
  type StateProof,
  type StorageProof,
  type VerifiedState,
  type VerifyProofOptions,
  verifyProof,
} from './proof.js'
export { createKvTrie, type KvTrieInit } from './trie.js'
