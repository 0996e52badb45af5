import type { Condition, ConditionOp, Entry, TableInfo } from '@consortia/interface'
import { addressToHex, bytesToHex } from '../bytes.js'
import { PrecompiledCode, TableLimits, USER_TABLE_PREFIX } from '../codes.js'
import {
  type PrecompiledCallContext,
  type PrecompiledContract,
  PrecompiledFailure,
  PrecompiledGas,
} from '../precompiled.js'

const ZERO_ADDRESS = `0x${'00'.repeat(20)}`
const NAME_CHARS = /^[A-Za-z0-9$_@]*$/
const INTEGER = /^[+-]?\d+$/
const utf8 = new TextEncoder()

/** A mutable row handle (FISCO EntryPrecompiled). */
export class EntryObject implements PrecompiledContract {
  readonly name = 'Entry'
  readonly methods = ENTRY_METHODS
  readonly fields = new Map<string, string>()

  constructor(initial?: Entry) {
    if (initial !== undefined) for (const [k, v] of Object.entries(initial)) this.fields.set(k, v)
  }

  /** The fields as an immutable entry. */
  toEntry(): Entry {
    return Object.freeze(Object.fromEntries(this.fields))
  }

  /** Bytes of keys and values, for memory gas. */
  capacity(): number {
    let n = 0
    for (const [k, v] of this.fields) n += k.length + v.length
    return n
  }
}

/** A mutable filter handle (FISCO ConditionPrecompiled). */
export class ConditionObject implements PrecompiledContract {
  readonly name = 'Condition'
  readonly methods = CONDITION_METHODS
  readonly clauses: { field: string; op: ConditionOp; value: string }[] = []
  offset: number | undefined
  limit: number | undefined

  /** The filter as an immutable condition. */
  toCondition(): Condition {
    return Object.freeze({
      clauses: this.clauses.map((c) => ({ ...c })),
      ...(this.offset === undefined ? {} : { offset: this.offset }),
      ...(this.limit === undefined ? {} : { limit: this.limit }),
    })
  }
}

/** The rows a select returned (FISCO EntriesPrecompiled). */
export class EntriesObject implements PrecompiledContract {
  readonly name = 'Entries'
  readonly methods = ENTRIES_METHODS
  constructor(readonly rows: readonly Entry[]) {}
}

/** An opened user table (FISCO TablePrecompiled). */
export class TableObject implements PrecompiledContract {
  readonly name = 'Table'
  readonly methods = TABLE_METHODS
  constructor(readonly info: TableInfo) {}
}

/** An opened key-value table (FISCO KVTablePrecompiled). */
export class KVTableObject implements PrecompiledContract {
  readonly name = 'KVTable'
  readonly methods = KV_TABLE_METHODS
  constructor(readonly info: TableInfo) {}
}

const isEntry = (c: PrecompiledContract): c is EntryObject => c instanceof EntryObject
const isCondition = (c: PrecompiledContract): c is ConditionObject => c instanceof ConditionObject

function self<T extends PrecompiledContract>(
  ctx: PrecompiledCallContext,
  guard: (c: PrecompiledContract) => c is T,
): T {
  const object = ctx.objects.get(bytesToHex(ctx.address))
  if (object === undefined || !guard(object)) {
    throw new PrecompiledFailure(PrecompiledCode.AddressInvalid, `no object at ${addressToHex(ctx.address)}`)
  }
  return object
}

function field(entry: EntryObject, name: unknown): string {
  return entry.fields.get(String(name)) ?? ''
}

function toInt(value: string, label: string): bigint {
  if (!INTEGER.test(value))
    throw new PrecompiledFailure(
      PrecompiledCode.TableInvalidField,
      `${label}: ${JSON.stringify(value)} is not an integer`,
    )
  return BigInt(value)
}

function toSize(value: bigint): number {
  // FISCO converts s256 to size_t; negative or huge values act as "no bound".
  return value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value)
}

function padRight32(bytes: Uint8Array, offset: number): string {
  const out = new Uint8Array(32)
  out.set(bytes.subarray(offset, offset + 32))
  return addressToHex(out)
}

function setter(sig: string, toValue: (v: unknown) => string) {
  return {
    signature: sig,
    returns: '',
    call(args: readonly unknown[], ctx: PrecompiledCallContext) {
      self(ctx, isEntry).fields.set(String(args[0]), toValue(args[1]))
      ctx.gas.charge(PrecompiledGas.veryLow)
      return []
    },
  }
}

const ENTRY_METHODS: PrecompiledContract['methods'] = [
  {
    signature: 'getInt(string)',
    returns: 'int256',
    call(args, ctx) {
      ctx.gas.charge(PrecompiledGas.veryLow)
      return [toInt(field(self(ctx, isEntry), args[0]), 'getInt')]
    },
  },
  {
    signature: 'getUInt(string)',
    returns: 'uint256',
    call(args, ctx) {
      ctx.gas.charge(PrecompiledGas.veryLow)
      const v = toInt(field(self(ctx, isEntry), args[0]), 'getUInt')
      return [v < 0n ? (1n << 256n) + v : v]
    },
  },
  {
    signature: 'getAddress(string)',
    returns: 'address',
    call(args, ctx) {
      ctx.gas.charge(PrecompiledGas.veryLow)
      const v = field(self(ctx, isEntry), args[0]).replace(/^0x/, '')
      return [/^[0-9a-fA-F]{40}$/.test(v) ? `0x${v.toLowerCase()}` : ZERO_ADDRESS]
    },
  },
  {
    // FISCO returns two bytes32 words (the first 64 bytes of the value, zero padded).
    signature: 'getBytes64(string)',
    returns: 'bytes32,bytes32',
    call(args, ctx) {
      ctx.gas.charge(PrecompiledGas.veryLow)
      const v = utf8.encode(field(self(ctx, isEntry), args[0]))
      return [padRight32(v, 0), padRight32(v, 32)]
    },
  },
  {
    signature: 'getBytes32(string)',
    returns: 'bytes32',
    call(args, ctx) {
      ctx.gas.charge(PrecompiledGas.veryLow)
      return [padRight32(utf8.encode(field(self(ctx, isEntry), args[0])), 0)]
    },
  },
  {
    signature: 'getString(string)',
    returns: 'string',
    call(args, ctx) {
      ctx.gas.charge(PrecompiledGas.veryLow)
      return [field(self(ctx, isEntry), args[0])]
    },
  },
  setter('set(string,int256)', (v) => (v as bigint).toString()),
  setter('set(string,uint256)', (v) => (v as bigint).toString()),
  setter('set(string,string)', (v) => String(v)),
  setter('set(string,address)', (v) => String(v).slice(2).toLowerCase()),
]

function clause(sig: string, op: ConditionOp, toValue: (v: unknown) => string) {
  return {
    signature: sig,
    returns: '',
    call(args: readonly unknown[], ctx: PrecompiledCallContext) {
      self(ctx, isCondition).clauses.push({ field: String(args[0]), op, value: toValue(args[1]) })
      ctx.gas.charge(PrecompiledGas.veryLow)
      return []
    },
  }
}
const intText = (v: unknown) => (v as bigint).toString()

const CONDITION_METHODS: PrecompiledContract['methods'] = [
  clause('EQ(string,int256)', 'EQ', intText),
  clause('EQ(string,string)', 'EQ', String),
  clause('EQ(string,address)', 'EQ', (v) => String(v).slice(2).toLowerCase()),
  clause('NE(string,int256)', 'NE', intText),
  clause('NE(string,string)', 'NE', String),
  clause('GT(string,int256)', 'GT', intText),
  clause('GE(string,int256)', 'GE', intText),
  clause('LT(string,int256)', 'LT', intText),
  clause('LE(string,int256)', 'LE', intText),
  {
    signature: 'limit(int256)',
    returns: '',
    call(args, ctx) {
      const c = self(ctx, isCondition)
      c.offset = 0
      c.limit = toSize(args[0] as bigint)
      ctx.gas.charge(PrecompiledGas.veryLow)
      return []
    },
  },
  {
    signature: 'limit(int256,int256)',
    returns: '',
    call(args, ctx) {
      const c = self(ctx, isCondition)
      c.offset = toSize(args[0] as bigint)
      c.limit = toSize(args[1] as bigint)
      ctx.gas.charge(PrecompiledGas.veryLow)
      return []
    },
  },
]

const ENTRIES_METHODS: PrecompiledContract['methods'] = [
  {
    signature: 'get(int256)',
    returns: 'address',
    call(args, ctx) {
      const rows = self(ctx, (c): c is EntriesObject => c instanceof EntriesObject).rows
      const i = args[0] as bigint
      const row = i >= 0n && i < BigInt(rows.length) ? rows[Number(i)] : undefined
      if (row === undefined)
        throw new PrecompiledFailure(PrecompiledCode.UnknownFunctionCall, `Entries.get(${i}) out of range`)
      return [addressToHex(ctx.objects.register(new EntryObject(row)))]
    },
  },
  {
    signature: 'size()',
    returns: 'int256',
    call(_args, ctx) {
      return [BigInt(self(ctx, (c): c is EntriesObject => c instanceof EntriesObject).rows.length)]
    },
  },
]

function checkValues(entry: EntryObject, code: number): void {
  for (const v of entry.fields.values()) {
    if (utf8.encode(v).length > TableLimits.fieldValueBytesMax) {
      throw new PrecompiledFailure(code, `field value longer than ${TableLimits.fieldValueBytesMax} bytes`)
    }
  }
}

function checkKey(key: string): void {
  if (utf8.encode(key).length > TableLimits.keyValueBytesMax) {
    throw new PrecompiledFailure(
      PrecompiledCode.TableKeyValueLengthOverflow,
      `key longer than ${TableLimits.keyValueBytesMax} bytes`,
    )
  }
}

function writeResult(count: number, what: string): bigint {
  if (count < 0) throw new PrecompiledFailure(count, `${what} failed with ${count}`)
  return BigInt(count)
}

const isTable = (c: PrecompiledContract): c is TableObject => c instanceof TableObject

const TABLE_METHODS: PrecompiledContract['methods'] = [
  {
    signature: 'select(string,address)',
    returns: 'address',
    async call(args, ctx) {
      const table = self(ctx, isTable)
      const condition = ctx.objects.resolve(args[1], 'Condition', isCondition)
      const rows = await ctx.tables.select(table.info.name, String(args[0]), condition.toCondition())
      ctx.gas.charge(PrecompiledGas.select, rows.length)
      ctx.gas.touchMemory(rows.reduce((n, r) => n + JSON.stringify(r).length, 0))
      return [addressToHex(ctx.objects.register(new EntriesObject(rows)))]
    },
  },
  {
    signature: 'insert(string,address)',
    returns: 'int256',
    writes: true,
    async call(args, ctx) {
      const table = self(ctx, isTable)
      const key = String(args[0])
      const entry = ctx.objects.resolve(args[1], 'Entry', isEntry)
      checkKey(key)
      checkValues(entry, PrecompiledCode.TableKeyValueLengthOverflow)
      const count = writeResult(await ctx.tables.insert(table.info.name, key, entry.toEntry()), 'insert')
      ctx.gas.charge(PrecompiledGas.insert, Number(count))
      ctx.gas.touchMemory(entry.capacity())
      return [count]
    },
  },
  {
    signature: 'update(string,address,address)',
    returns: 'int256',
    writes: true,
    async call(args, ctx) {
      const table = self(ctx, isTable)
      const entry = ctx.objects.resolve(args[1], 'Entry', isEntry)
      const condition = ctx.objects.resolve(args[2], 'Condition', isCondition)
      checkValues(entry, PrecompiledCode.TableFieldValueLengthOverflow)
      const count = writeResult(
        await ctx.tables.update(table.info.name, String(args[0]), entry.toEntry(), condition.toCondition()),
        'update',
      )
      ctx.gas.charge(PrecompiledGas.update, Number(count))
      ctx.gas.touchMemory(entry.capacity())
      return [count]
    },
  },
  {
    signature: 'remove(string,address)',
    returns: 'int256',
    writes: true,
    async call(args, ctx) {
      const table = self(ctx, isTable)
      const condition = ctx.objects.resolve(args[1], 'Condition', isCondition)
      const count = writeResult(
        await ctx.tables.remove(table.info.name, String(args[0]), condition.toCondition()),
        'remove',
      )
      ctx.gas.charge(PrecompiledGas.remove, Number(count))
      return [count]
    },
  },
  {
    signature: 'newEntry()',
    returns: 'address',
    call(_args, ctx) {
      self(ctx, isTable)
      return [addressToHex(ctx.objects.register(new EntryObject()))]
    },
  },
  {
    signature: 'newCondition()',
    returns: 'address',
    call(_args, ctx) {
      self(ctx, isTable)
      return [addressToHex(ctx.objects.register(new ConditionObject()))]
    },
  },
]

const isKVTable = (c: PrecompiledContract): c is KVTableObject => c instanceof KVTableObject

const KV_TABLE_METHODS: PrecompiledContract['methods'] = [
  {
    signature: 'get(string)',
    returns: 'bool,address',
    async call(args, ctx) {
      const table = self(ctx, isKVTable)
      const rows = await ctx.tables.select(table.info.name, String(args[0]))
      ctx.gas.charge(PrecompiledGas.select, rows.length)
      const row = rows[0]
      if (row === undefined) return [false, ZERO_ADDRESS]
      return [true, addressToHex(ctx.objects.register(new EntryObject(row)))]
    },
  },
  {
    signature: 'set(string,address)',
    returns: 'int256',
    writes: true,
    async call(args, ctx) {
      const table = self(ctx, isKVTable)
      const key = String(args[0])
      const entry = ctx.objects.resolve(args[1], 'Entry', isEntry)
      checkKey(key)
      checkValues(entry, PrecompiledCode.TableKeyValueLengthOverflow)
      const existing = await ctx.tables.select(table.info.name, key)
      ctx.gas.charge(PrecompiledGas.select, existing.length)
      const count =
        existing.length === 0
          ? await ctx.tables.insert(table.info.name, key, entry.toEntry())
          : await ctx.tables.update(table.info.name, key, entry.toEntry())
      ctx.gas.charge(
        existing.length === 0 ? PrecompiledGas.insert : PrecompiledGas.update,
        Math.max(count, 0),
      )
      return [writeResult(count, 'set')]
    },
  },
  {
    signature: 'newEntry()',
    returns: 'address',
    call(_args, ctx) {
      self(ctx, isKVTable)
      return [addressToHex(ctx.objects.register(new EntryObject()))]
    },
  },
]

/**
 * Validates `createTable(name, keyField, valueFields)` as FISCO TableFactoryPrecompiled
 * does and returns the schema, or throws a failure with the FISCO code.
 */
export function checkCreateTable(name: string, keyFieldRaw: string, valueFieldsRaw: string): TableInfo {
  const keyField = keyFieldRaw.trim()
  const valueFields = valueFieldsRaw.split(',').map((f) => f.trim())
  for (const f of [keyField, ...valueFields]) {
    if (f.length > TableLimits.fieldNameCharsMax) {
      throw new PrecompiledFailure(
        PrecompiledCode.TableFieldLengthOverflow,
        `field name ${f.slice(0, 70)} longer than 64`,
      )
    }
  }
  if (!NAME_CHARS.test(name))
    throw new PrecompiledFailure(PrecompiledCode.TableInvalidField, `invalid table name ${name}`)
  const seen = new Set<string>([keyField])
  for (const f of [keyField, ...valueFields]) {
    if (f === '' || f.startsWith('_') || !NAME_CHARS.test(f)) {
      throw new PrecompiledFailure(PrecompiledCode.TableInvalidField, `invalid field ${JSON.stringify(f)}`)
    }
  }
  for (const f of valueFields) {
    if (seen.has(f)) throw new PrecompiledFailure(PrecompiledCode.TableDuplicateField, `duplicate field ${f}`)
    seen.add(f)
  }
  if (valueFields.join(',').length > TableLimits.valueFieldsCharsMax) {
    throw new PrecompiledFailure(
      PrecompiledCode.TableFieldTotalLengthOverflow,
      'value fields longer than 1024',
    )
  }
  const fullName = `${USER_TABLE_PREFIX}${name}`
  if (fullName.length > TableLimits.tableNameCharsMax) {
    throw new PrecompiledFailure(
      PrecompiledCode.TableNameLengthOverflow,
      `table name longer than ${TableLimits.tableNameCharsMax}`,
    )
  }
  return { name: fullName, keyField, valueFields }
}

const createTableMethod = {
  signature: 'createTable(string,string,string)',
  returns: 'int256',
  writes: true,
  async call(args: readonly unknown[], ctx: PrecompiledCallContext) {
    const info = checkCreateTable(String(args[0]), String(args[1]), String(args[2]))
    ctx.gas.charge(PrecompiledGas.openTable)
    const rc = await ctx.tables.createTable(info)
    if (rc === 0) ctx.gas.charge(PrecompiledGas.createTable)
    return [BigInt(rc)]
  },
}

/**
 * TableFactoryPrecompiled (0x1001): `openTable` returns a transient Table object (or the
 * zero address when the table is missing); `createTable` creates `u_<name>`.
 */
export const tableFactoryPrecompiled: PrecompiledContract = {
  name: 'TableFactory',
  methods: [
    {
      signature: 'openTable(string)',
      returns: 'address',
      async call(args, ctx) {
        ctx.gas.charge(PrecompiledGas.openTable)
        const info = await ctx.tables.tableInfo(`${USER_TABLE_PREFIX}${String(args[0])}`)
        if (info === undefined) return [ZERO_ADDRESS]
        return [addressToHex(ctx.objects.register(new TableObject(info)))]
      },
    },
    createTableMethod,
  ],
}

/**
 * KVTableFactoryPrecompiled (0x1010): like TableFactory, but its tables hold one row per
 * key; opening a missing table fails the call (-50100).
 */
export const kvTableFactoryPrecompiled: PrecompiledContract = {
  name: 'KVTableFactory',
  methods: [
    {
      signature: 'openTable(string)',
      returns: 'address',
      async call(args, ctx) {
        ctx.gas.charge(PrecompiledGas.openTable)
        const name = `${USER_TABLE_PREFIX}${String(args[0])}`
        const info = await ctx.tables.tableInfo(name)
        if (info === undefined)
          throw new PrecompiledFailure(PrecompiledCode.TableNotExist, `${name} does not exist`)
        return [addressToHex(ctx.objects.register(new KVTableObject(info)))]
      },
    },
    createTableMethod,
  ],
}
