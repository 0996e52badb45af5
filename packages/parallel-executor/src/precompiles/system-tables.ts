import type { TableInfo } from '@consortia/interface'
import { SystemTable } from '../codes.js'
import type { PrecompiledTables } from '../table-overlay.js'

/** Schemas of the system tables the precompiles write (FISCO libstorage/Table.cpp `getSysTableInfo`). */
export const SYSTEM_TABLE_INFOS: Readonly<Record<string, TableInfo>> = {
  [SystemTable.Config]: { name: SystemTable.Config, keyField: 'key', valueFields: ['value', 'enable_num'] },
  [SystemTable.Consensus]: {
    name: SystemTable.Consensus,
    keyField: 'name',
    valueFields: ['type', 'node_id', 'enable_num'],
  },
  [SystemTable.CNS]: { name: SystemTable.CNS, keyField: 'name', valueFields: ['version', 'address', 'abi'] },
  [SystemTable.TableAccess]: {
    name: SystemTable.TableAccess,
    keyField: 'table_name',
    valueFields: ['address', 'enable_num'],
  },
}

/** Opens a system table, creating it with its FISCO schema when the store does not have it yet. */
export async function openSystemTable(
  tables: PrecompiledTables,
  name: keyof typeof SYSTEM_TABLE_INFOS,
): Promise<string> {
  if ((await tables.tableInfo(name)) === undefined) {
    const info = SYSTEM_TABLE_INFOS[name]
    if (info !== undefined) await tables.createTable(info)
  }
  return name
}

/** A row's `enable_num` (0 when absent or malformed). */
export function enableNumOf(row: Readonly<Record<string, string>>): number {
  const n = Number(row.enable_num ?? '0')
  return Number.isSafeInteger(n) ? n : 0
}
