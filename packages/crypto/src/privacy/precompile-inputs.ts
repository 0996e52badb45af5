import { bytesToHex } from '../bytes.js'
import {
  BBS04_PARAM_INFO,
  type BBS04PublicKey,
  type BBS04Signature,
  bbs04PublicKeyToBytes,
  bbs04SignatureToBytes,
} from './bbs04.js'
import { privacyError } from './errors.js'
import { LSAG_PARAM_INFO, type LSAGSignature, lsagSignatureToString } from './lsag.js'
import { type PaillierCiphertext, paillierCiphertextToHex } from './paillier.js'

/**
 * FISCO BCOS 2.x's privacy precompiles (CRYPTO_EXTENSION, default since 2.5): address, Solidity
 * signature and return type of each (FISCO-BCOS `libprecompiled/extension/{Paillier,GroupSig,
 * RingSig}Precompiled.cpp`). Encode calls with any ABI encoder, e.g. viem's
 * `encodeFunctionData({ abi: parseAbi([`function ${signature} view returns (${returns})`]), ... })`.
 */
export const PRIVACY_PRECOMPILED = {
  paillier: { address: 0x5003, signature: 'paillierAdd(string,string)', returns: 'string' },
  groupSig: {
    address: 0x5004,
    signature: 'groupSigVerify(string,string,string,string)',
    returns: 'bool',
  },
  ringSig: { address: 0x5005, signature: 'ringSigVerify(string,string,string)', returns: 'bool' },
} as const

/**
 * The codes these precompiles return instead of a result when the library throws on their input
 * (FISCO `libprecompiled/Common.h`: CODE_INVALID_CIPHERS, VERIFY_GROUP_SIG_FAILED,
 * VERIFY_RING_SIG_FAILED), ABI-encoded as `int256` in place of the declared return value.
 */
export const PRIVACY_PRECOMPILED_CODES = {
  invalidCiphers: -51600,
  groupSigFailed: -51700,
  ringSigFailed: -51800,
} as const

/** `0x5003 paillierAdd` arguments: both ciphertexts in FISCO hex (upper case, `u16 len(n) ‖ n ‖ c`). */
export function paillierAddArgs(
  a: PaillierCiphertext | string,
  b: PaillierCiphertext | string,
): readonly [string, string] {
  const hex = (c: PaillierCiphertext | string) => (typeof c === 'string' ? c : paillierCiphertextToHex(c))
  return [hex(a), hex(b)]
}

/** Hex of {@link bbs04SignatureToBytes} (the `signature` argument of `groupSigVerify`). */
export function bbs04SignatureToHex(signature: BBS04Signature): string {
  return bytesToHex(bbs04SignatureToBytes(signature))
}

/** Hex of {@link bbs04PublicKeyToBytes} (the `gpkInfo` argument of `groupSigVerify`). */
export function bbs04PublicKeyToHex(publicKey: BBS04PublicKey): string {
  return bytesToHex(bbs04PublicKeyToBytes(publicKey))
}

const checkMessage = (message: unknown): string => {
  if (typeof message !== 'string') {
    throw privacyError(
      'INVALID_ARGUMENT',
      `expected message as a string (the ABI type), got ${typeof message}`,
      {
        field: 'message',
      },
    )
  }
  return message
}

/**
 * `0x5004 groupSigVerify(signature, message, gpkInfo, paramInfo)` arguments for a BBS04
 * signature on `message` (the string the signer signed, as UTF-8) under the group's public key.
 */
export function groupSigVerifyArgs(
  publicKey: BBS04PublicKey,
  message: string,
  signature: BBS04Signature,
): readonly [string, string, string, string] {
  const text = checkMessage(message)
  return [bbs04SignatureToHex(signature), text, bbs04PublicKeyToHex(publicKey), BBS04_PARAM_INFO]
}

/** `0x5005 ringSigVerify(signature, message, paramInfo)` arguments for an LSAG signature on `message`. */
export function ringSigVerifyArgs(
  message: string,
  signature: LSAGSignature,
): readonly [string, string, string] {
  const text = checkMessage(message)
  return [lsagSignatureToString(signature), text, LSAG_PARAM_INFO]
}
