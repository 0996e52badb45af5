import { createHash } from 'node:crypto'
import { keccak256 } from '@consortia/crypto'
import { addressToHex, concatBytes, hexToBytes } from '../bytes.js'
import { PrecompiledCode } from '../codes.js'
import { type PrecompiledContract, PrecompiledFailure, PrecompiledGas } from '../precompiled.js'

const ZERO_ADDRESS = `0x${'00'.repeat(20)}`

/** SM3 (GB/T 32905-2016) through Node's OpenSSL. */
export function sm3(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sm3').update(data).digest())
}

/**
 * CryptoPrecompiled (0x5006, FISCO ≥ 2.8): `sm3(bytes)`, `keccak256Hash(bytes)` and
 * `sm2Verify(bytes32 hash, bytes publicKey, bytes32 r, bytes32 s) → (bool, address)`, the
 * address being the SM3 address of the public key. `sm2Verify` needs an SM suite
 * (components `sm`, or the chain suite on guomi chains); without one it fails with -50101.
 */
export const cryptoPrecompiled: PrecompiledContract = {
  name: 'Crypto',
  methods: [
    {
      signature: 'sm3(bytes)',
      returns: 'bytes32',
      call(args, ctx) {
        const data = hexToBytes(String(args[0]))
        ctx.gas.charge(PrecompiledGas.veryLow, Math.ceil(data.length / 32) + 1)
        return [addressToHex(sm3(data))]
      },
    },
    {
      signature: 'keccak256Hash(bytes)',
      returns: 'bytes32',
      call(args, ctx) {
        const data = hexToBytes(String(args[0]))
        ctx.gas.charge(PrecompiledGas.veryLow, Math.ceil(data.length / 32) + 1)
        return [addressToHex(keccak256(data))]
      },
    },
    {
      signature: 'sm2Verify(bytes32,bytes,bytes32,bytes32)',
      returns: 'bool,address',
      call(args, ctx) {
        const sm = ctx.sm
        if (sm === undefined || sm.name !== 'sm') {
          throw new PrecompiledFailure(
            PrecompiledCode.UnknownFunctionCall,
            'sm2Verify needs an SM crypto suite',
          )
        }
        ctx.gas.charge(PrecompiledGas.verify)
        const hash = hexToBytes(String(args[0]))
        const publicKey = hexToBytes(String(args[1]))
        if (publicKey.length !== 64) return [false, ZERO_ADDRESS]
        const signature = concatBytes(hexToBytes(String(args[2])), hexToBytes(String(args[3])), publicKey)
        let ok = false
        try {
          ok = sm.verify(hash, signature, publicKey)
        } catch {
          ok = false
        }
        return ok ? [true, addressToHex(sm.address(publicKey))] : [false, ZERO_ADDRESS]
      },
    },
  ],
}
