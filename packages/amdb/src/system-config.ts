import { FiscoCode } from './errors.js'

/**
 * System config keys stored in `_sys_config_` (FISCO 2.x libprecompiled/Common.h), with the
 * genesis defaults of FISCO's configuration manual. Values take effect at `enable_num` =
 * block + 1.
 */
export const SystemConfigKey = {
  txCountLimit: 'tx_count_limit',
  txGasLimit: 'tx_gas_limit',
  rpbftEpochSealerNum: 'rpbft_epoch_sealer_num',
  rpbftEpochBlockNum: 'rpbft_epoch_block_num',
  consensusTimeout: 'consensus_timeout',
  enableChargeMgr: 'enable_charge_mgr',
} as const

/** One of `SystemConfigKey`. */
export type SystemConfigKeyName = (typeof SystemConfigKey)[keyof typeof SystemConfigKey]

/** Genesis defaults (FISCO manual/configuration.md); the epoch sealer count defaults to the sealer count. */
export const SYSTEM_CONFIG_DEFAULTS: Readonly<Partial<Record<SystemConfigKeyName, string>>> = {
  tx_count_limit: '1000',
  tx_gas_limit: '300000000',
  rpbft_epoch_block_num: '1000',
  consensus_timeout: '3',
  enable_charge_mgr: 'off',
}

const UINT = /^\d+$/
const UINT_MAX = 4294967295

/**
 * Checks a `setValueByKey` call as FISCO's SystemConfigPrecompiled `checkValueValid` does:
 * returns 0, or -51300 for an unknown key or a value out of range. Keys are lower-cased first.
 */
export function checkSystemConfig(key: string, value: string): number {
  const k = key.toLowerCase()
  const int = UINT.test(value) ? Number(value) : Number.NaN
  switch (k) {
    case SystemConfigKey.txCountLimit:
    case SystemConfigKey.rpbftEpochSealerNum:
      return int >= 1 && int <= UINT_MAX ? 0 : FiscoCode.invalidConfigurationValues
    case SystemConfigKey.rpbftEpochBlockNum:
      return int >= 2 && int <= UINT_MAX ? 0 : FiscoCode.invalidConfigurationValues
    case SystemConfigKey.txGasLimit:
      return int >= 100_000 && Number.isSafeInteger(int) ? 0 : FiscoCode.invalidConfigurationValues
    case SystemConfigKey.consensusTimeout:
      return int >= 3 && int < UINT_MAX / 1000 ? 0 : FiscoCode.invalidConfigurationValues
    case SystemConfigKey.enableChargeMgr:
      return value === 'on' || value === 'off' ? 0 : FiscoCode.invalidConfigurationValues
    default:
      return FiscoCode.invalidConfigurationValues
  }
}
