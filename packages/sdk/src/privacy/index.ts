/**
 * @consortia/sdk/privacy — inputs for FISCO BCOS 2.x's privacy precompiles, from the SDK.
 *
 * Re-exports `@consortia/crypto/privacy` (Paillier, LSAG ring signatures, BBS04 group
 * signatures, Schnorr proofs, range proofs, and the precompile input builders
 * `paillierAddArgs`, `groupSigVerifyArgs`, `ringSigVerifyArgs`, `PRIVACY_PRECOMPILED`,
 * `PRIVACY_PRECOMPILED_CODES`), and adds typed ABIs of the three precompiles and
 * {@link privacyPrecompiles}, which binds them as SDK contracts. A separate subpath, so apps
 * that do not use privacy features do not load the pairing and big-integer code.
 *
 * @example
 * ```ts
 * import { createClient, createHttpTransport, createAccount } from '@consortia/sdk'
 * import { generatePaillierKeyPair, paillierAddArgs, paillierDecryptHex, paillierEncryptToHex, privacyPrecompiles } from '@consortia/sdk/privacy'
 *
 * const client = createClient({ transport: createHttpTransport({ url: 'http://127.0.0.1:8545' }), account: createAccount('ecdsa') })
 * const { publicKey, privateKey } = generatePaillierKeyPair({ bits: 2048 })
 * const args = paillierAddArgs(paillierEncryptToHex(publicKey, 20n), paillierEncryptToHex(publicKey, 22n))
 * const sum = await privacyPrecompiles(client).paillier.read('paillierAdd', args)
 * paillierDecryptHex(privateKey, sum) // 42n
 * ```
 */
import { PRIVACY_PRECOMPILED } from '@consortia/crypto/privacy'
import type { Client } from '../client.js'
import { type Contract, getContract } from '../contract.js'

export * from '@consortia/crypto/privacy'

/** ABI of `0x5003 paillierAdd(string cipher1, string cipher2) returns (string)`. */
export const PAILLIER_PRECOMPILED_ABI = [
  {
    type: 'function',
    name: 'paillierAdd',
    stateMutability: 'view',
    inputs: [
      { name: 'cipher1', type: 'string' },
      { name: 'cipher2', type: 'string' },
    ],
    outputs: [{ name: '', type: 'string' }],
  },
] as const

/** ABI of `0x5004 groupSigVerify(string signature, string message, string gpkInfo, string paramInfo) returns (bool)`. */
export const GROUP_SIG_PRECOMPILED_ABI = [
  {
    type: 'function',
    name: 'groupSigVerify',
    stateMutability: 'view',
    inputs: [
      { name: 'signature', type: 'string' },
      { name: 'message', type: 'string' },
      { name: 'gpkInfo', type: 'string' },
      { name: 'paramInfo', type: 'string' },
    ],
    outputs: [{ name: '', type: 'bool' }],
  },
] as const

/** ABI of `0x5005 ringSigVerify(string signature, string message, string paramInfo) returns (bool)`. */
export const RING_SIG_PRECOMPILED_ABI = [
  {
    type: 'function',
    name: 'ringSigVerify',
    stateMutability: 'view',
    inputs: [
      { name: 'signature', type: 'string' },
      { name: 'message', type: 'string' },
      { name: 'paramInfo', type: 'string' },
    ],
    outputs: [{ name: '', type: 'bool' }],
  },
] as const

/** The `0x`-prefixed 20-byte address of a precompile number (`0x5003` → `0x000…5003`). */
export function precompiledAddress(n: number): string {
  return `0x${n.toString(16).padStart(40, '0')}`
}

/** The three privacy precompiles bound as SDK contracts (see {@link privacyPrecompiles}). */
export interface PrivacyPrecompiles {
  readonly paillier: Contract<typeof PAILLIER_PRECOMPILED_ABI>
  readonly groupSig: Contract<typeof GROUP_SIG_PRECOMPILED_ABI>
  readonly ringSig: Contract<typeof RING_SIG_PRECOMPILED_ABI>
}

/**
 * The privacy precompiles of the chain `client` talks to, as typed contracts: call them with
 * `read` and the argument builders (`paillierAddArgs`, `groupSigVerifyArgs`,
 * `ringSigVerifyArgs`). On bad input FISCO answers an `int256` code
 * (`PRIVACY_PRECOMPILED_CODES`) in place of the declared value, so such a `read` fails to decode.
 */
export function privacyPrecompiles(client: Client): PrivacyPrecompiles {
  return {
    paillier: getContract(client, {
      abi: PAILLIER_PRECOMPILED_ABI,
      address: precompiledAddress(PRIVACY_PRECOMPILED.paillier.address),
    }),
    groupSig: getContract(client, {
      abi: GROUP_SIG_PRECOMPILED_ABI,
      address: precompiledAddress(PRIVACY_PRECOMPILED.groupSig.address),
    }),
    ringSig: getContract(client, {
      abi: RING_SIG_PRECOMPILED_ABI,
      address: precompiledAddress(PRIVACY_PRECOMPILED.ringSig.address),
    }),
  }
}
