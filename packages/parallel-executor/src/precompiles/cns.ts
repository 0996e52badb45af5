import { addressToHex, hexToBytes } from '../bytes.js'
import { PrecompiledCode, SystemTable, TableLimits } from '../codes.js'
import { type PrecompiledContract, PrecompiledFailure, PrecompiledGas } from '../precompiled.js'
import { openSystemTable } from './system-tables.js'

const ADDRESS_HEX = /^(0x)?[0-9a-fA-F]{40}$/
const ZERO_ADDRESS = `0x${'00'.repeat(20)}`

function cnsJson(rows: readonly Readonly<Record<string, string>>[], name: string): string {
  // Keys in jsoncpp order (sorted), one line, as FISCO's Json::FastWriter emits.
  const list = rows.map((r) => ({
    abi: r.abi ?? '',
    address: r.address ?? '',
    name,
    version: r.version ?? '',
  }))
  return `${JSON.stringify(list)}\n`
}

/**
 * CNSPrecompiled (0x1004): contract name service on `_sys_cns_`. `insert` checks the version
 * length (-51201), duplicates (-51200) and that the address holds a contract (-50102).
 */
export const cnsPrecompiled: PrecompiledContract = {
  name: 'CNS',
  methods: [
    {
      signature: 'insert(string,string,string,string)',
      returns: 'int256',
      writes: true,
      async call(args, ctx) {
        const [name, version, address, abi] = args.map(String) as [string, string, string, string]
        const table = await openSystemTable(ctx.tables, SystemTable.CNS)
        ctx.gas.charge(PrecompiledGas.openTable)
        if (name.length > TableLimits.cnsNameCharsMax) {
          throw new PrecompiledFailure(
            PrecompiledCode.TableKeyValueLengthOverflow,
            `CNS name longer than ${TableLimits.cnsNameCharsMax}`,
          )
        }
        if (new TextEncoder().encode(abi).length > TableLimits.fieldValueBytesMax) {
          throw new PrecompiledFailure(PrecompiledCode.TableFieldValueLengthOverflow, 'CNS abi too long')
        }
        const rows = await ctx.tables.select(table, name)
        ctx.gas.charge(PrecompiledGas.select, rows.length)
        if (version.length > TableLimits.cnsVersionCharsMax)
          return [BigInt(PrecompiledCode.VersionLengthOverflow)]
        if (rows.some((r) => r.version === version)) return [BigInt(PrecompiledCode.AddressAndVersionExist)]
        if (!ADDRESS_HEX.test(address)) return [BigInt(PrecompiledCode.AddressInvalid)]
        const code = await ctx.state.getCode(hexToBytes(address, 'CNS address'))
        if (code.length === 0) return [BigInt(PrecompiledCode.AddressInvalid)]
        const count = await ctx.tables.insert(table, name, { version, address, abi })
        ctx.gas.charge(PrecompiledGas.insert, Math.max(count, 0))
        ctx.gas.touchMemory(name.length + version.length + address.length + abi.length)
        return [BigInt(count)]
      },
    },
    {
      signature: 'selectByName(string)',
      returns: 'string',
      async call(args, ctx) {
        const name = String(args[0])
        const table = await openSystemTable(ctx.tables, SystemTable.CNS)
        const rows = await ctx.tables.select(table, name)
        ctx.gas.charge(PrecompiledGas.openTable)
        ctx.gas.charge(PrecompiledGas.select, rows.length)
        return [cnsJson(rows, name)]
      },
    },
    {
      signature: 'selectByNameAndVersion(string,string)',
      returns: 'string',
      async call(args, ctx) {
        const name = String(args[0])
        const table = await openSystemTable(ctx.tables, SystemTable.CNS)
        const rows = await ctx.tables.select(table, name, {
          clauses: [{ field: 'version', op: 'EQ', value: String(args[1]) }],
        })
        ctx.gas.charge(PrecompiledGas.openTable)
        ctx.gas.charge(PrecompiledGas.select, rows.length)
        return [cnsJson(rows.slice(0, 1), name)]
      },
    },
    {
      signature: 'getContractAddress(string,string)',
      returns: 'address',
      async call(args, ctx) {
        const table = await openSystemTable(ctx.tables, SystemTable.CNS)
        const rows = await ctx.tables.select(table, String(args[0]), {
          clauses: [{ field: 'version', op: 'EQ', value: String(args[1]) }],
        })
        ctx.gas.charge(PrecompiledGas.openTable)
        ctx.gas.charge(PrecompiledGas.select, rows.length)
        const stored = rows[0]?.address ?? ''
        if (!ADDRESS_HEX.test(stored)) return [ZERO_ADDRESS]
        return [addressToHex(hexToBytes(stored, 'address'))]
      },
    },
  ],
}
