/**
 * Keccak-256 (the pre-standard SHA-3 padding Ethereum and FISCO use). A WebAssembly Keccak
 * (`hash-wasm`) computes it once it has loaded — it starts loading when this module is imported
 * and is ready after one turn of the event loop — and `@noble/hashes` before that or wherever
 * WebAssembly is unavailable. Both give identical digests (tested on the published vectors and
 * by a property test); the WebAssembly one costs about a tenth of the CPU time for the 32- to
 * 300-byte inputs of a chain (transaction hashes, storage keys, addresses, row digests).
 */
import type { Bytes, Hash32 } from '@consortia/interface'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak, type IHasher } from 'hash-wasm'

/** Which implementation computes `keccak256` now. */
export type KeccakBackendName = 'wasm' | 'noble'

let wasm: IHasher | undefined
let wasmError: unknown
const loading: Promise<KeccakBackendName> = createKeccak(256).then(
  (hasher) => {
    wasm = hasher
    return 'wasm'
  },
  (err: unknown) => {
    wasmError = err
    return 'noble'
  },
)

/** Keccak-256 of `data`. */
export function keccak256(data: Bytes): Hash32 {
  const hasher = wasm
  // Anything but bytes goes to noble, whose checks reject it (the WebAssembly one would hash text).
  if (hasher === undefined || !(data instanceof Uint8Array)) return keccak_256(data)
  hasher.init()
  hasher.update(data)
  return hasher.digest('binary')
}

/** Keccak-256 by `@noble/hashes` only (the fallback; for tests and benchmarks). */
export function keccak256Noble(data: Bytes): Hash32 {
  return keccak_256(data)
}

/** The implementation `keccak256` uses now: `noble` until the WebAssembly one has loaded. */
export function keccakBackend(): KeccakBackendName {
  return wasm === undefined ? 'noble' : 'wasm'
}

/**
 * Resolves once the WebAssembly Keccak has loaded (`wasm`) or failed to (`noble`: the reason is
 * in `keccakLoadError()`); never rejects. `keccak256` works before it resolves, only slower.
 */
export function keccakReady(): Promise<KeccakBackendName> {
  return loading
}

/** Why the WebAssembly Keccak did not load, if it failed. */
export function keccakLoadError(): unknown {
  return wasmError
}
