/** The committed demo bytecode (src/contracts/compiled.ts) equals a fresh solc-js compile of contracts/*.sol. */
import { describe, expect, it } from 'vitest'
import { compileDemoContracts } from '../scripts/contracts-compiler.js'
import * as compiled from '../src/contracts/compiled.js'

describe('demo contracts', () => {
  it('compiled.ts matches the sources and the pinned compiler', () => {
    const fresh = compileDemoContracts()
    expect(compiled.SOLC_VERSION).toBe(fresh.version)
    expect(compiled.SOURCES_SHA256).toBe(fresh.digest)
    expect(compiled.DemoTokenBytecode).toBe(fresh.contracts['DemoToken']!.bytecode)
    expect(compiled.DemoRegistryBytecode).toBe(fresh.contracts['DemoRegistry']!.bytecode)
    expect(compiled.DemoTokenAbi).toEqual(fresh.contracts['DemoToken']!.abi)
    expect(compiled.DemoRegistryAbi).toEqual(fresh.contracts['DemoRegistry']!.abi)
  }, 120_000)
})
