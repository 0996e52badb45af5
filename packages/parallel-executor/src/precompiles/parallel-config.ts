import type { Address, TableInfo } from '@consortia/interface'
import { selectorOf } from '../abi.js'
import { bytesToHex } from '../bytes.js'
import { PARALLEL_CONFIG_TABLE_PREFIX } from '../codes.js'
import { addressArg, type PrecompiledContract, PrecompiledGas } from '../precompiled.js'
import type { PrecompiledTables } from '../table-overlay.js'

/** Schema of `cp_<address>` tables (FISCO ParallelConfigPrecompiled.cpp). */
export function parallelConfigTableInfo(contract: Address): TableInfo {
  return {
    name: `${PARALLEL_CONFIG_TABLE_PREFIX}${bytesToHex(contract)}`,
    keyField: 'parallel',
    valueFields: ['selector', 'functionName', 'criticalSize'],
  }
}

/** A contract function registered as parallel: its signature and how many leading arguments are mutex keys. */
export interface ParallelFunction {
  readonly functionName: string
  readonly criticalSize: number
}

/** Reads the parallel registration of (`contract`, `selector`), if any. */
export async function readParallelFunction(
  tables: PrecompiledTables,
  contract: Address,
  selector: number,
): Promise<ParallelFunction | undefined> {
  const info = parallelConfigTableInfo(contract)
  if ((await tables.tableInfo(info.name)) === undefined) return undefined
  const rows = await tables.select(info.name, 'parallel', {
    clauses: [{ field: 'selector', op: 'EQ', value: String(selector) }],
  })
  const row = rows[0]
  if (row === undefined) return undefined
  const criticalSize = Number(row.criticalSize)
  if (!Number.isSafeInteger(criticalSize) || criticalSize < 0) return undefined
  return { functionName: row.functionName ?? '', criticalSize }
}

/**
 * ParallelConfigPrecompiled (0x1006): registers which functions of a contract may run in
 * parallel and how many leading arguments are their mutex keys (`cp_<address>` tables).
 * FISCO returns 0 in every case.
 */
export const parallelConfigPrecompiled: PrecompiledContract = {
  name: 'ParallelConfig',
  methods: [
    {
      signature: 'registerParallelFunctionInternal(address,string,uint256)',
      returns: 'uint256',
      writes: true,
      async call(args, ctx) {
        const contract = addressArg(args[0])
        const functionName = String(args[1])
        const criticalSize = args[2] as bigint
        const selector = String(selectorOf(functionName, ctx.crypto))
        const info = parallelConfigTableInfo(contract)
        if ((await ctx.tables.tableInfo(info.name)) === undefined) {
          await ctx.tables.createTable(info)
          ctx.gas.charge(PrecompiledGas.createTable)
        }
        const bySelector = { clauses: [{ field: 'selector', op: 'EQ' as const, value: selector }] }
        const entry = { selector, functionName, criticalSize: criticalSize.toString() }
        const existing = await ctx.tables.select(info.name, 'parallel', bySelector)
        if (existing.length === 0) await ctx.tables.insert(info.name, 'parallel', entry)
        else await ctx.tables.update(info.name, 'parallel', entry, bySelector)
        ctx.gas.charge(PrecompiledGas.update)
        return [0n]
      },
    },
    {
      signature: 'unregisterParallelFunctionInternal(address,string)',
      returns: 'uint256',
      writes: true,
      async call(args, ctx) {
        const info = parallelConfigTableInfo(addressArg(args[0]))
        if ((await ctx.tables.tableInfo(info.name)) !== undefined) {
          const selector = String(selectorOf(String(args[1]), ctx.crypto))
          const count = await ctx.tables.remove(info.name, 'parallel', {
            clauses: [{ field: 'selector', op: 'EQ', value: selector }],
          })
          ctx.gas.charge(PrecompiledGas.remove, count)
        }
        return [0n]
      },
    },
  ],
}
