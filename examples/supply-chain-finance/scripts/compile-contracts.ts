/**
 * Writes src/contracts/compiled.ts from contracts/*.sol, so the app needs no compiler at run
 * time. Run after editing a contract (then format the file with biome):
 *
 *   node --import tsx scripts/compile-contracts.ts
 *
 * test/contracts.test.ts fails when compiled.ts no longer matches the sources.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderCompiledModule } from '@consortia/testkit/solidity'
import { CONTRACT_FILES, compileContracts, EVM_VERSION } from './contracts-compiler.js'

writeFileSync(
  fileURLToPath(new URL('../src/contracts/compiled.ts', import.meta.url)),
  renderCompiledModule(compileContracts(), { files: CONTRACT_FILES, evmVersion: EVM_VERSION }),
)
