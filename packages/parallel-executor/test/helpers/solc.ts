import solc from 'solc'
import type { Abi } from 'viem'

/** One compiled contract. */
export interface Compiled {
  readonly abi: Abi
  readonly bytecode: `0x${string}`
}

/** The EVM version the tests compile for; it matches the executor's default hardfork. */
export const EVM_VERSION = 'cancun'

/**
 * Compiles Solidity sources with solc-js 0.8.37 (no optimizer) and returns every contract by
 * name. solc-js takes seconds, so each test file compiles once in `beforeAll`.
 */
export function compile(sources: Readonly<Record<string, string>>): Record<string, Compiled> {
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: false },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const out: Record<string, Compiled> = {}
  for (const file of Object.values(output.contracts)) {
    for (const [name, c] of Object.entries(file))
      out[name] = { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
  }
  return out
}
