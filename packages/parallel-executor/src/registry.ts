import type { Address } from '@consortia/interface'
import { bytesToHex, numberToAddress } from './bytes.js'
import { executorError } from './errors.js'
import type { PrecompiledContract } from './precompiled.js'
import { TRANSIENT_ADDRESS_START } from './precompiled.js'
import { cnsPrecompiled } from './precompiles/cns.js'
import { consensusPrecompiled } from './precompiles/consensus.js'
import { crudPrecompiled } from './precompiles/crud.js'
import { cryptoPrecompiled } from './precompiles/crypto.js'
import { dagTransferPrecompiled } from './precompiles/dag-transfer.js'
import { parallelConfigPrecompiled } from './precompiles/parallel-config.js'
import { groupSigPrecompiled, paillierPrecompiled, ringSigPrecompiled } from './precompiles/privacy.js'
import { systemConfigPrecompiled } from './precompiles/system-config.js'
import { kvTableFactoryPrecompiled, tableFactoryPrecompiled } from './precompiles/table-factory.js'

/**
 * FISCO BCOS 2.x precompiled addresses (libprecompiled/Common.h). 0x1005 Permission,
 * 0x1007 ContractLifeCycle and 0x1008 ChainGovernance are reserved for the permission package.
 */
export const PrecompiledAddress = {
  SystemConfig: 0x1000,
  TableFactory: 0x1001,
  CRUD: 0x1002,
  Consensus: 0x1003,
  CNS: 0x1004,
  Permission: 0x1005,
  ParallelConfig: 0x1006,
  ContractLifeCycle: 0x1007,
  ChainGovernance: 0x1008,
  KVTableFactory: 0x1010,
  DagTransfer: 0x5002,
  Paillier: 0x5003,
  GroupSig: 0x5004,
  RingSig: 0x5005,
  Crypto: 0x5006,
} as const

/** A native contract placed at an address. */
export interface PrecompiledRegistration {
  readonly address: Address
  readonly contract: PrecompiledContract
}

/** The system precompiles this package implements, at their FISCO addresses. */
export function systemPrecompiles(): PrecompiledRegistration[] {
  const at = (n: number, contract: PrecompiledContract) => ({ address: numberToAddress(n), contract })
  return [
    at(PrecompiledAddress.SystemConfig, systemConfigPrecompiled),
    at(PrecompiledAddress.TableFactory, tableFactoryPrecompiled),
    at(PrecompiledAddress.CRUD, crudPrecompiled),
    at(PrecompiledAddress.Consensus, consensusPrecompiled),
    at(PrecompiledAddress.CNS, cnsPrecompiled),
    at(PrecompiledAddress.ParallelConfig, parallelConfigPrecompiled),
    at(PrecompiledAddress.KVTableFactory, kvTableFactoryPrecompiled),
    at(PrecompiledAddress.DagTransfer, dagTransferPrecompiled),
    at(PrecompiledAddress.Paillier, paillierPrecompiled),
    at(PrecompiledAddress.GroupSig, groupSigPrecompiled),
    at(PrecompiledAddress.RingSig, ringSigPrecompiled),
    at(PrecompiledAddress.Crypto, cryptoPrecompiled),
  ]
}

/**
 * Builds the address map of precompiles: the system ones plus `extra` (user precompiles,
 * FISCO's range 0x5001–0xffff, or the reserved 0x1005/0x1007/0x1008).
 * Rejects duplicates and addresses in the transient-object range.
 */
export function buildPrecompiledMap(
  extra: readonly PrecompiledRegistration[] = [],
): Map<string, PrecompiledContract> {
  const map = new Map<string, PrecompiledContract>()
  for (const r of systemPrecompiles()) map.set(bytesToHex(r.address), r.contract)
  const transientStart = numberToAddress(TRANSIENT_ADDRESS_START)
  for (const r of extra) {
    const hex = bytesToHex(r.address)
    if (r.address.length !== 20)
      throw executorError('INVALID_ARGUMENT', `expected 20-byte precompile address, got ${r.address.length}`)
    if (hex.slice(0, 30) === '0'.repeat(30) && hex >= bytesToHex(transientStart)) {
      throw executorError('INVALID_ARGUMENT', `precompile address 0x${hex} is in the transient object range`)
    }
    if (map.has(hex)) {
      throw executorError(
        'PRECOMPILE_ADDRESS_TAKEN',
        `precompile address 0x${hex} already holds ${map.get(hex)?.name}`,
      )
    }
    map.set(hex, r.contract)
  }
  return map
}
