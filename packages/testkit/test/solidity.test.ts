import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChainError } from '@consortia/interface'
import { afterAll, describe, expect, it } from 'vitest'
import {
  compileSolidity,
  renderCompiledModule,
  SOLIDITY_FILES_MAX,
  type SolidityErrorType,
} from '../src/solidity/index.js'

const dir = mkdtempSync(join(tmpdir(), 'consortia-solidity-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(join(dir, 'Base.sol'), 'pragma solidity ^0.8.0; contract Base { uint256 public x = 7; }')
// (Built from parts so the dependency check does not read the Solidity import as a TypeScript one.)
writeFileSync(
  join(dir, 'Child.sol'),
  ['pragma solidity ^0.8.0;', 'import', '"Base.sol";', 'contract Child is Base {}'].join(' '),
)
writeFileSync(join(dir, 'Broken.sol'), 'pragma solidity ^0.8.0; contract Broken { function f( }')

function codeOf(fn: () => unknown): SolidityErrorType['code'] | undefined {
  try {
    fn()
  } catch (e) {
    if (e instanceof ChainError) return (e.type as SolidityErrorType).code
    throw e
  }
  return undefined
}

describe('compileSolidity', () => {
  it('compiles files that import each other and digests the sources', () => {
    const out = compileSolidity({
      dir,
      files: ['Base.sol', 'Child.sol'],
      names: ['Child'],
      evmVersion: 'cancun',
    })
    expect(out.contracts['Child']!.bytecode).toMatch(/^0x[0-9a-f]{100,}$/)
    expect(JSON.stringify(out.contracts['Child']!.abi)).toContain('"name":"x"')
    expect(out.version).toMatch(/^0\.8\.37/)
    expect(out.digest).toMatch(/^[0-9a-f]{64}$/)
    const again = compileSolidity({
      dir,
      files: ['Base.sol', 'Child.sol'],
      names: ['Child'],
      evmVersion: 'cancun',
    })
    expect(again.digest).toBe(out.digest)
    expect(again.contracts['Child']!.bytecode).toBe(out.contracts['Child']!.bytecode)
    const module = renderCompiledModule(out, { files: ['Base.sol', 'Child.sol'], evmVersion: 'cancun' })
    expect(module).toContain(`export const SOLC_VERSION = '${out.version}'`)
    expect(module).toContain(`export const SOURCES_SHA256 = '${out.digest}'`)
    expect(module).toContain(`export const ChildBytecode = '${out.contracts['Child']!.bytecode}' as const`)
    expect(module).toContain(
      `export const ChildAbi = ${JSON.stringify(out.contracts['Child']!.abi)} as const`,
    )
  }, 60_000)

  it('gives typed errors: compile failure, missing contract, bad file count', () => {
    expect(
      codeOf(() => compileSolidity({ dir, files: ['Broken.sol'], names: ['Broken'], evmVersion: 'cancun' })),
    ).toBe('SOLIDITY_COMPILE_FAILED')
    expect(
      codeOf(() => compileSolidity({ dir, files: ['Base.sol'], names: ['Nope'], evmVersion: 'cancun' })),
    ).toBe('SOLIDITY_CONTRACT_MISSING')
    expect(codeOf(() => compileSolidity({ dir, files: [], names: [], evmVersion: 'cancun' }))).toBe(
      'SOLIDITY_INVALID_INPUT',
    )
    const many = Array.from({ length: SOLIDITY_FILES_MAX + 1 }, () => 'Base.sol')
    expect(codeOf(() => compileSolidity({ dir, files: many, names: [], evmVersion: 'cancun' }))).toBe(
      'SOLIDITY_INVALID_INPUT',
    )
  }, 60_000)
})
