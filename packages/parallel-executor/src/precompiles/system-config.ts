import type { BlockNumber, TableStore } from '@consortia/interface'
import { PrecompiledCode, SystemTable } from '../codes.js'
import { type PrecompiledContract, PrecompiledGas } from '../precompiled.js'
import { TableOverlay } from '../table-overlay.js'
import { enableNumOf, openSystemTable } from './system-tables.js'

/** System config keys and their defaults (FISCO libprecompiled/Common.h; fisco-2x.md §6). */
export const SystemConfigKey = {
  TxCountLimit: 'tx_count_limit',
  TxGasLimit: 'tx_gas_limit',
  RPBFTEpochSealerNum: 'rpbft_epoch_sealer_num',
  RPBFTEpochBlockNum: 'rpbft_epoch_block_num',
  ConsensusTimeout: 'consensus_timeout',
} as const

/** `tx_gas_limit` when `_sys_config_` has no effective row (FISCO genesis `[tx] gas_limit`). */
export const TX_GAS_LIMIT_DEFAULT = 300_000_000n
/** Smallest accepted `tx_gas_limit` (`TX_GAS_LIMIT_MIN`). */
export const TX_GAS_LIMIT_MIN = 100_000n

const INT64 = /^[+-]?\d{1,19}$/
const INT64_MAX = 9_223_372_036_854_775_807n
const INT64_MIN = -9_223_372_036_854_775_808n
const CONSENSUS_TIMEOUT_MAX = 4_294_967n // UINT_MAX / 1000

/** Whether `value` is acceptable for `key` (FISCO SystemConfigPrecompiled `checkValueValid`, 2.6+ rules). */
export function isValidSystemConfig(key: string, value: string): boolean {
  if (!INT64.test(value)) return false
  const v = BigInt(value)
  if (v > INT64_MAX || v < INT64_MIN) return false
  switch (key) {
    case SystemConfigKey.TxCountLimit:
      return v >= 1n
    case SystemConfigKey.TxGasLimit:
      return v >= TX_GAS_LIMIT_MIN
    case SystemConfigKey.RPBFTEpochSealerNum:
      return v >= 1n
    case SystemConfigKey.RPBFTEpochBlockNum:
      return v > 1n
    case SystemConfigKey.ConsensusTimeout:
      return v >= 3n && v < CONSENSUS_TIMEOUT_MAX
    default:
      return false
  }
}

/**
 * The value of a system config key in effect at `blockNumber` (its row's `enable_num` ≤
 * `blockNumber`), or undefined. Reads through `tables` (a `TableStore` or an overlay).
 */
export async function readSystemConfig(
  tables: TableStore | TableOverlay,
  key: string,
  blockNumber: BlockNumber,
): Promise<string | undefined> {
  let rows: readonly Readonly<Record<string, string>>[]
  if (tables instanceof TableOverlay) {
    if ((await tables.tableInfo(SystemTable.Config)) === undefined) return undefined
    rows = await tables.select(SystemTable.Config, key)
  } else {
    const table = await tables.openTable(SystemTable.Config)
    if (table === undefined) return undefined
    rows = await table.select(key)
  }
  const row = rows[0]
  if (row === undefined || enableNumOf(row) > blockNumber) return undefined
  return row.value
}

/** SystemConfigPrecompiled (0x1000): `setValueByKey(string,string)`, effective from the next block. */
export const systemConfigPrecompiled: PrecompiledContract = {
  name: 'SystemConfig',
  methods: [
    {
      signature: 'setValueByKey(string,string)',
      returns: 'int256',
      writes: true,
      async call(args, ctx) {
        const key = String(args[0]).toLowerCase()
        const value = String(args[1])
        if (!isValidSystemConfig(key, value)) return [BigInt(PrecompiledCode.InvalidConfigurationValues)]
        const table = await openSystemTable(ctx.tables, SystemTable.Config)
        ctx.gas.charge(PrecompiledGas.openTable)
        const existing = await ctx.tables.select(table, key)
        const entry = { key, value, enable_num: String(ctx.blockNumber + 1) }
        const count =
          existing.length === 0
            ? await ctx.tables.insert(table, key, entry)
            : await ctx.tables.update(table, key, entry)
        ctx.gas.charge(PrecompiledGas.update, Math.max(count, 0))
        return [BigInt(count)]
      },
    },
  ],
}
