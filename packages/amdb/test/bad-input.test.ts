import { isChainError } from '@consortia/interface'
import { describe, expect, it } from 'vitest'
import {
  checkSystemConfig,
  createAMDB,
  createMemoryDriver,
  FIELD_VALUE_BYTES_MAX,
  FiscoCode,
  quoteIdentifier,
} from '../src/index.js'
import { sha256 } from './helpers.js'

// Expected codes: FISCO BCOS 2.x libprecompiled/Common.h `PrecompiledError` (-50000 .. -51503),
// as listed in the FISCO-BCOS 2.x API documentation (api.md, precompiled error codes).
const FISCO_CODES = {
  tableNameAlreadyExist: -50001,
  tableNameLengthOverflow: -50002,
  tableFieldLengthOverflow: -50003,
  tableFieldTotalLengthOverflow: -50004,
  tableKeyValueLengthOverflow: -50005,
  tableFieldValueLengthOverflow: -50006,
  tableDuplicateField: -50007,
  tableInvalidateField: -50008,
  tableNotExist: -50100,
  invalidConfigurationValues: -51300,
  conditionParseError: -51501,
  conditionOperationUndefined: -51502,
  invalidUpdateTableKey: -51503,
} as const

const openBlock = async () => {
  const block = await createAMDB({ driver: createMemoryDriver(), hash: sha256 }).openBlock()
  expect(await block.createUserTable('t', 'k', ['v', 'w'])).toBe(0)
  return { block, table: await block.openTableOrThrow('u_t') }
}

describe('Bad input gives FISCO error codes', () => {
  it('uses the FISCO code values', () => {
    for (const [name, code] of Object.entries(FISCO_CODES)) {
      expect(FiscoCode[name as keyof typeof FiscoCode]).toBe(code)
    }
  })

  it('refuses table names over 48 characters (u_ + 48 = 50 stored) with -50002', async () => {
    const { block } = await openBlock()
    expect(await block.createUserTable('a'.repeat(48), 'k', ['v'])).toBe(0)
    expect(await block.createUserTable('b'.repeat(49), 'k', ['v'])).toBe(FISCO_CODES.tableNameLengthOverflow)
    expect(await block.createTable({ name: `u_${'c'.repeat(49)}`, keyField: 'k', valueFields: ['v'] })).toBe(
      FISCO_CODES.tableNameLengthOverflow,
    )
    expect(await block.openTable(`u_${'b'.repeat(49)}`)).toBeUndefined()
  })

  it('refuses bad names and fields: -50003 long field, -50004 long field list, -50007 duplicate, -50008 invalid', async () => {
    const { block } = await openBlock()
    const create = (name: string, keyField: string, valueFields: string[]) =>
      block.createTable({ name, keyField, valueFields })
    expect(await create('u_f1', 'k', ['f'.repeat(65)])).toBe(FISCO_CODES.tableFieldLengthOverflow)
    expect(await create('u_f2', 'k'.repeat(65), ['v'])).toBe(FISCO_CODES.tableFieldLengthOverflow)
    expect(await create('u_f3', 'k', ['f'.repeat(64)])).toBe(0)
    const many = Array.from({ length: 20 }, (_, i) => `${'x'.repeat(58)}${String(i).padStart(2, '0')}`)
    expect(await create('u_f4', 'k', many)).toBe(FISCO_CODES.tableFieldTotalLengthOverflow)
    expect(await create('u_f5', 'k', ['v', 'v'])).toBe(FISCO_CODES.tableDuplicateField)
    expect(await create('u_f6', 'k', ['k'])).toBe(FISCO_CODES.tableDuplicateField)
    expect(await create('u_f7', 'k', ['Amount', 'amount'])).toBe(FISCO_CODES.tableDuplicateField)
    expect(await create('u_f8', 'k', ['_hidden'])).toBe(FISCO_CODES.tableInvalidateField)
    expect(await create('u_f9', '_k', ['v'])).toBe(FISCO_CODES.tableInvalidateField)
    expect(await create('u_f10', 'k', ['bad-char'])).toBe(FISCO_CODES.tableInvalidateField)
    expect(await create('u_f11', 'k', [''])).toBe(FISCO_CODES.tableInvalidateField)
    expect(await create('u_bad name', 'k', ['v'])).toBe(FISCO_CODES.tableInvalidateField)
    expect(await create('u_x`; DROP TABLE t', 'k', ['v'])).toBe(FISCO_CODES.tableInvalidateField)
    expect(await create('_consortia_meta_', 'k', ['v'])).toBe(FISCO_CODES.tableInvalidateField)
    expect(await create('u_ok$@_1', 'k', ['v$', 'w@'])).toBe(0)
  })

  it('refuses keys over 255 bytes with -50005 and values over 16 MiB - 1 with -50006', async () => {
    const { table } = await openBlock()
    expect(await table.insert('k'.repeat(255), { v: '1' })).toBe(1)
    expect(await table.insert('k'.repeat(256), { v: '1' })).toBe(FISCO_CODES.tableKeyValueLengthOverflow)
    // 86 three-byte characters are 258 UTF-8 bytes though only 86 UTF-16 units.
    expect(await table.insert('\u4e2d'.repeat(86), { v: '1' })).toBe(FISCO_CODES.tableKeyValueLengthOverflow)
    expect(await table.update('k'.repeat(256), { v: '1' })).toBe(FISCO_CODES.tableKeyValueLengthOverflow)
    const big = 'x'.repeat(FIELD_VALUE_BYTES_MAX)
    expect(await table.insert('big', { v: big })).toBe(1)
    expect(await table.insert('big', { v: `${big}x` })).toBe(FISCO_CODES.tableFieldValueLengthOverflow)
    expect(await table.update('big', { w: `${big}\u00e9` })).toBe(FISCO_CODES.tableFieldValueLengthOverflow)
  })

  it('refuses unknown or hidden fields with -50008 and key changes with -51503', async () => {
    const { table } = await openBlock()
    expect(await table.insert('a', { nope: '1' })).toBe(FISCO_CODES.tableInvalidateField)
    expect(await table.insert('a', { _id_: '7' })).toBe(FISCO_CODES.tableInvalidateField)
    expect(await table.insert('a', { k: 'b' })).toBe(FISCO_CODES.invalidUpdateTableKey)
    expect(await table.insert('a', { k: 'a', v: '1' })).toBe(1)
    expect(await table.update('a', { k: 'a' })).toBe(FISCO_CODES.invalidUpdateTableKey)
    expect(await table.update('a', { _num_: '3' })).toBe(FISCO_CODES.tableInvalidateField)
    expect(await table.select('a')).toEqual([{ k: 'a', v: '1', w: '' }])
  })

  it('reports unknown tables: openTable gives undefined, openTableOrThrow -50100', async () => {
    const { block } = await openBlock()
    expect(await block.openTable('u_missing')).toBeUndefined()
    expect(await block.openTable('')).toBeUndefined()
    await expect(block.openTableOrThrow('u_missing')).rejects.toSatisfy(
      (e) =>
        isChainError(e, 'TABLE_NOT_EXIST') &&
        (e.type as { fiscoCode?: number }).fiscoCode === FISCO_CODES.tableNotExist,
    )
    expect(await block.createUserTable('t', 'k', ['v'])).toBe(FISCO_CODES.tableNameAlreadyExist)
  })

  it('reports bad conditions with -51501 and -51502', async () => {
    const { table } = await openBlock()
    expect(await table.remove('a', { clauses: [{ field: 'v', op: 'IN' as never, value: '1' }] })).toBe(
      FISCO_CODES.conditionOperationUndefined,
    )
    expect(await table.update('a', { v: '1' }, { clauses: [], limit: -3 })).toBe(
      FISCO_CODES.conditionParseError,
    )
  })

  it('checks system config values as SystemConfigPrecompiled (-51300)', () => {
    expect(checkSystemConfig('tx_count_limit', '1000')).toBe(0)
    expect(checkSystemConfig('TX_COUNT_LIMIT', '1')).toBe(0)
    expect(checkSystemConfig('tx_count_limit', '0')).toBe(FISCO_CODES.invalidConfigurationValues)
    expect(checkSystemConfig('tx_gas_limit', '99999')).toBe(FISCO_CODES.invalidConfigurationValues)
    expect(checkSystemConfig('tx_gas_limit', '100000')).toBe(0)
    expect(checkSystemConfig('consensus_timeout', '2')).toBe(FISCO_CODES.invalidConfigurationValues)
    expect(checkSystemConfig('consensus_timeout', '3')).toBe(0)
    expect(checkSystemConfig('rpbft_epoch_block_num', '1')).toBe(FISCO_CODES.invalidConfigurationValues)
    expect(checkSystemConfig('enable_charge_mgr', 'maybe')).toBe(FISCO_CODES.invalidConfigurationValues)
    expect(checkSystemConfig('no_such_key', '1')).toBe(FISCO_CODES.invalidConfigurationValues)
    expect(checkSystemConfig('tx_count_limit', '-5')).toBe(FISCO_CODES.invalidConfigurationValues)
  })

  it('quotes only safe SQL identifiers', () => {
    expect(quoteIdentifier('u_t$@1')).toBe('`u_t$@1`')
    for (const bad of ['a`b', 'a b', '', 'x'.repeat(65), 'a;b', "a'b"]) {
      expect(() => quoteIdentifier(bad)).toThrow(/invalid SQL identifier/)
    }
  })
})
