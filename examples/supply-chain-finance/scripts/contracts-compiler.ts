/**
 * Compiles contracts/*.sol with solc-js (the devDependency pinned in package.json, the same
 * version as examples/reference-node): the function behind scripts/compile-contracts.ts and the
 * test that checks src/contracts/compiled.ts.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import solc from 'solc'

const root = fileURLToPath(new URL('..', import.meta.url))
/** Source files, in compile order. */
export const CONTRACT_FILES = ['ReceivableFinance.sol']
/** Contracts written to compiled.ts. */
export const CONTRACT_NAMES = ['ReceivableFinance']
/** EVM version: the executor's default hardfork. */
export const EVM_VERSION = 'cancun'

/** One compiled contract. */
export interface CompiledContract {
  readonly abi: unknown
  readonly bytecode: string
}

/** Compiles the contracts; returns them by name, the solc version and the sources digest. */
export function compileContracts(): {
  contracts: Record<string, CompiledContract>
  version: string
  digest: string
} {
  const sources = Object.fromEntries(
    CONTRACT_FILES.map((f) => [f, { content: readFileSync(`${root}contracts/${f}`, 'utf8') }]),
  )
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: unknown; evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const digest = createHash('sha256')
  for (const f of CONTRACT_FILES) digest.update(sources[f]!.content)
  const contracts: Record<string, CompiledContract> = {}
  for (const name of CONTRACT_NAMES) {
    const c = output.contracts[`${name}.sol`]?.[name]
    if (c === undefined) throw new Error(`${name} missing from the compiler output`)
    contracts[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
  }
  return { contracts, version: solc.version(), digest: digest.digest('hex') }
}
