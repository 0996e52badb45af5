import type { AccountState, Hash32 } from '@consortia/interface'
import { ChainError } from '@consortia/interface'
import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes, bytesToBigint, bytesToHex0x } from './bytes.js'
import type { MPTErrorType } from './errors.js'

/** An account as the account trie stores it: `AccountState` plus the root of its storage trie. */
export interface MPTAccount extends AccountState {
  /** Root of the account's storage trie (the empty-trie root when it has no storage). */
  readonly storageRoot: Hash32
}

/** RLP of `[nonce, balance, storageRoot, codeHash]`, integers without leading zeros (Yellow Paper §4.1). */
export function encodeAccount(account: MPTAccount): Uint8Array {
  return RLP.encode([
    bigintToBytes(account.nonce),
    bigintToBytes(account.balance),
    account.storageRoot,
    account.codeHash,
  ])
}

/** Decodes an account trie value; `address` only labels the error. */
export function decodeAccount(raw: Uint8Array, address: Uint8Array): MPTAccount {
  const corrupt = () =>
    new ChainError<MPTErrorType>(
      { code: 'MPT_CORRUPT_ACCOUNT', address: bytesToHex0x(address) },
      `account ${bytesToHex0x(address)} does not decode as [nonce, balance, storageRoot, codeHash]`,
    )
  let fields: unknown
  try {
    fields = RLP.decode(raw)
  } catch (cause) {
    throw Object.assign(corrupt(), { cause })
  }
  if (!Array.isArray(fields) || fields.length !== 4 || !fields.every((f) => f instanceof Uint8Array)) {
    throw corrupt()
  }
  const [nonce, balance, storageRoot, codeHash] = fields as Uint8Array[]
  if (storageRoot!.length !== 32 || codeHash!.length !== 32) throw corrupt()
  return {
    nonce: bytesToBigint(nonce!),
    balance: bytesToBigint(balance!),
    storageRoot: storageRoot!,
    codeHash: codeHash!,
  }
}
