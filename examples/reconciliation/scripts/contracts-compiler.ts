/**
 * Compiles contracts/*.sol with solc-js through `@consortia/testkit/solidity`: the function
 * behind scripts/compile-contracts.ts and the test that checks src/contracts/compiled.ts.
 */
import { fileURLToPath } from 'node:url'
import { type CompileSolidityOutput, compileSolidity } from '@consortia/testkit/solidity'

export type { CompiledContract } from '@consortia/testkit/solidity'

/** Source files, in compile order. */
export const CONTRACT_FILES = ['ParallelContract.sol', 'Reconciliation.sol']
/** Contracts written to compiled.ts. */
export const CONTRACT_NAMES = ['Reconciliation']
/** EVM version: the executor's default hardfork. */
export const EVM_VERSION = 'cancun'

/** Compiles the contracts; returns them by name, the solc version and the sources digest. */
export function compileContracts(): CompileSolidityOutput {
  return compileSolidity({
    dir: fileURLToPath(new URL('../contracts', import.meta.url)),
    files: CONTRACT_FILES,
    names: CONTRACT_NAMES,
    evmVersion: EVM_VERSION,
  })
}
