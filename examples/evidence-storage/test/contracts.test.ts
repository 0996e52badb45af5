/** The committed bytecode (src/contracts/compiled.ts) equals a fresh solc-js compile of contracts/*.sol. */
import { describe, expect, it } from 'vitest'
import { compileContracts } from '../scripts/contracts-compiler.js'
import * as compiled from '../src/contracts/compiled.js'

describe('contracts', () => {
  it('compiled.ts matches the sources and the pinned compiler', () => {
    const fresh = compileContracts()
    expect(compiled.SOLC_VERSION).toBe(fresh.version)
    expect(compiled.SOURCES_SHA256).toBe(fresh.digest)
    expect(compiled.EvidenceRegistryBytecode).toBe(fresh.contracts['EvidenceRegistry']!.bytecode)
    expect(compiled.EvidenceRegistryAbi).toEqual(fresh.contracts['EvidenceRegistry']!.abi)
  }, 120_000)
})
