import {
  BBS04_PARAM_INFO,
  bbs04PublicKeyFromBytes,
  bbs04SignatureFromBytes,
  bbs04Verify,
  checkParamInfo,
  LSAG_PARAM_INFO,
  lsagSignatureFromString,
  lsagVerify,
  PAILLIER_FISCO_KEY_BITS,
  PRIVACY_PRECOMPILED,
  PRIVACY_PRECOMPILED_CODES,
  paillierAdd,
  paillierCiphertextFromHex,
  paillierCiphertextToHex,
} from '@consortia/crypto/privacy'
import { hexToBytes } from '../bytes.js'
import {
  encodeCode,
  type PrecompiledCallContext,
  type PrecompiledContract,
  PrecompiledGas,
} from '../precompiled.js'

/**
 * Codes of the privacy precompiles (FISCO `libprecompiled/Common.h`), returned — not reverted —
 * as `int256` in place of the declared result when the input does not parse, as FISCO 2.x's
 * `getErrorCodeOut` does: -51600 invalid ciphers (Paillier), -51700 group signature failed,
 * -51800 ring signature failed.
 */
export const PrivacyPrecompiledCode = {
  InvalidCiphers: PRIVACY_PRECOMPILED_CODES.invalidCiphers,
  GroupSigFailed: PRIVACY_PRECOMPILED_CODES.groupSigFailed,
  RingSigFailed: PRIVACY_PRECOMPILED_CODES.ringSigFailed,
} as const

/**
 * Runs a privacy library call the way FISCO's precompiles do: any exception of the library
 * (malformed hex, JSON, points, parameters, limits) becomes the contract's code as output, never
 * a failed block. Gas (FISCO `VerifyGas`, 20,000 per operation) is charged only on success, as
 * FISCO appends the operation after the library returns.
 */
function guarded(
  ctx: PrecompiledCallContext,
  name: string,
  code: number,
  run: () => readonly unknown[],
): readonly unknown[] | Uint8Array {
  try {
    return run()
  } catch (err) {
    ctx.logger.debug('privacy precompile rejected its input', {
      precompile: name,
      code,
      reason: (err as Error)?.message?.slice(0, 200),
    })
    return encodeCode(code)
  }
}

const hexArg = (value: unknown, label: string): Uint8Array => {
  if (typeof value !== 'string') throw new TypeError(`expected ${label} as hex string`)
  return hexToBytes(value, label)
}

/**
 * PaillierPrecompiled (0x5003): `paillierAdd(string cipher1, string cipher2) returns (string)`,
 * the homomorphic sum of two ciphertexts in FISCO's hex form (`u16 len(n) ‖ n ‖ c`, upper-case
 * hex out, as FISCO's paillier-lib prints it). Both must carry the same n of 2048 or 4096 bits
 * (FISCO's accepted sizes); anything else returns -51600.
 */
export const paillierPrecompiled: PrecompiledContract = {
  name: 'Paillier',
  methods: [
    {
      signature: PRIVACY_PRECOMPILED.paillier.signature,
      returns: PRIVACY_PRECOMPILED.paillier.returns,
      call(args, ctx) {
        return guarded(ctx, 'Paillier', PrivacyPrecompiledCode.InvalidCiphers, () => {
          const a = paillierCiphertextFromHex(String(args[0]))
          const b = paillierCiphertextFromHex(String(args[1]))
          if (!PAILLIER_FISCO_KEY_BITS.includes(a.publicKey.bits)) {
            throw new RangeError(`Paillier modulus of ${a.publicKey.bits} bits; FISCO accepts 2048 or 4096`)
          }
          const sum = paillierCiphertextToHex(paillierAdd(a, b))
          ctx.gas.charge(PrecompiledGas.verify)
          return [sum]
        })
      },
    },
  ],
}

/**
 * GroupSigPrecompiled (0x5004): `groupSigVerify(string signature, string message, string gpkInfo,
 * string paramInfo) returns (bool)` — BBS04 (CRYPTO 2004) on BLS12-381: `signature` hex of the
 * 336-byte signature, `gpkInfo` hex of the group public key, `paramInfo` `BBS04_PARAM_INFO`
 * (see `groupSigVerifyArgs` of `@consortia/crypto/privacy`). A well-formed signature that does
 * not verify (forged, other message, other group) is `false`; malformed input returns -51700.
 */
export const groupSigPrecompiled: PrecompiledContract = {
  name: 'GroupSig',
  methods: [
    {
      signature: PRIVACY_PRECOMPILED.groupSig.signature,
      returns: PRIVACY_PRECOMPILED.groupSig.returns,
      call(args, ctx) {
        return guarded(ctx, 'GroupSig', PrivacyPrecompiledCode.GroupSigFailed, () => {
          checkParamInfo(String(args[3]), BBS04_PARAM_INFO)
          const publicKey = bbs04PublicKeyFromBytes(hexArg(args[2], 'gpkInfo'))
          const signature = bbs04SignatureFromBytes(hexArg(args[0], 'signature'))
          const ok = bbs04Verify(publicKey, String(args[1]), signature)
          ctx.gas.charge(PrecompiledGas.verify)
          return [ok]
        })
      },
    },
  ],
}

/**
 * RingSigPrecompiled (0x5005): `ringSigVerify(string signature, string message, string paramInfo)
 * returns (bool)` — LSAG (Liu–Wei–Wong, ACISP 2004) on secp256k1, the signature in FISCO's JSON
 * shape carrying its ring, `paramInfo` `LSAG_PARAM_INFO` (see `ringSigVerifyArgs` of
 * `@consortia/crypto/privacy`). A forged or foreign signature is `false`; malformed input
 * (JSON, points, ring over `LSAG_RING_SIZE_MAX`) returns -51800. Gas is `VerifyGas` per ring
 * member, since verification costs two multi-scalar multiplications per member (FISCO charges
 * one `VerifyGas` flat).
 */
export const ringSigPrecompiled: PrecompiledContract = {
  name: 'RingSig',
  methods: [
    {
      signature: PRIVACY_PRECOMPILED.ringSig.signature,
      returns: PRIVACY_PRECOMPILED.ringSig.returns,
      call(args, ctx) {
        return guarded(ctx, 'RingSig', PrivacyPrecompiledCode.RingSigFailed, () => {
          checkParamInfo(String(args[2]), LSAG_PARAM_INFO)
          const signature = lsagSignatureFromString(String(args[0]))
          const ok = lsagVerify(String(args[1]), signature)
          ctx.gas.charge(PrecompiledGas.verify, signature.ring.length)
          return [ok]
        })
      },
    },
  ],
}
