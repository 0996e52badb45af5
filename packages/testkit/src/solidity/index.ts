/**
 * Solidity for tests and example apps (`@consortia/testkit/solidity`): compiles a folder's
 * `.sol` files with solc-js (the version pinned in this package) and returns each named
 * contract's ABI and creation bytecode, the compiler version and a digest of the sources — so a
 * test can check that a committed `compiled.ts` is what the sources give.
 *
 * @example
 * ```ts
 * import { compileSolidity } from '@consortia/testkit/solidity'
 * const { contracts } = compileSolidity({ dir: 'contracts', files: ['Token.sol'], names: ['Token'], evmVersion: 'cancun' })
 * ```
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ChainError } from '@consortia/interface'
import solc from 'solc'

/** Most source files one compilation takes. */
export const SOLIDITY_FILES_MAX = 64

/** One compiled contract. */
export interface CompiledContract {
  readonly abi: unknown
  /** Creation bytecode, `0x…`. */
  readonly bytecode: string
}

/** What `compileSolidity` compiles. */
export interface CompileSolidityInput {
  /** Folder holding the files. */
  readonly dir: string
  /** Source files (names inside `dir`), in compile order; imports resolve among them. */
  readonly files: readonly string[]
  /** Contracts to return; each must be declared in the file of the same name (`Name.sol`). */
  readonly names: readonly string[]
  /** EVM version, set explicitly (solc's default moves with its releases). */
  readonly evmVersion: string
  /** Optimizer runs (default 200). */
  readonly optimizerRuns?: number
}

/** What `compileSolidity` returns. */
export interface CompileSolidityOutput {
  readonly contracts: Record<string, CompiledContract>
  /** solc's version string. */
  readonly version: string
  /** SHA-256 (hex) of the sources, in `files` order. */
  readonly digest: string
}

/** Why a compilation failed. */
export type SolidityErrorType =
  | { code: 'SOLIDITY_INVALID_INPUT'; reason: string }
  | { code: 'SOLIDITY_COMPILE_FAILED'; messages: string[] }
  | { code: 'SOLIDITY_CONTRACT_MISSING'; name: string }

/** Compiles `input.files` and returns `input.names`; throws `ChainError<SolidityErrorType>`. */
export function compileSolidity(input: CompileSolidityInput): CompileSolidityOutput {
  if (input.files.length === 0 || input.files.length > SOLIDITY_FILES_MAX)
    throw new ChainError<SolidityErrorType>(
      {
        code: 'SOLIDITY_INVALID_INPUT',
        reason: `expected 1..${SOLIDITY_FILES_MAX} files, got ${input.files.length}`,
      },
      `compileSolidity: expected 1..${SOLIDITY_FILES_MAX} files, got ${input.files.length}`,
    )
  const sources = Object.fromEntries(
    input.files.map((f) => [f, { content: readFileSync(join(input.dir, f), 'utf8') }]),
  )
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources,
        settings: {
          evmVersion: input.evmVersion,
          optimizer: { enabled: true, runs: input.optimizerRuns ?? 200 },
          outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
        },
      }),
    ),
  ) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts?: Record<string, Record<string, { abi: unknown; evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error').map((e) => e.formattedMessage)
  if (errors.length > 0)
    throw new ChainError<SolidityErrorType>(
      { code: 'SOLIDITY_COMPILE_FAILED', messages: errors },
      `compileSolidity: ${errors.join('\n')}`,
    )
  const digest = createHash('sha256')
  for (const f of input.files) digest.update(sources[f]!.content)
  const contracts: Record<string, CompiledContract> = {}
  for (const name of input.names) {
    const c = output.contracts?.[`${name}.sol`]?.[name]
    if (c === undefined)
      throw new ChainError<SolidityErrorType>(
        { code: 'SOLIDITY_CONTRACT_MISSING', name },
        `compileSolidity: ${name} missing from the compiler output (expected it in ${name}.sol)`,
      )
    contracts[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
  }
  return { contracts, version: solc.version(), digest: digest.digest('hex') }
}
