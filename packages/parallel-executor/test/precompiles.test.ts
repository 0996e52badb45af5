import { TxStatus } from '@consortia/interface'
import {
  type Abi,
  decodeAbiParameters,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  parseAbi,
} from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex, numberToAddress } from '../src/bytes.js'
import {
  createSerialExecutor,
  DAG_TRANSFER_TABLE,
  PrecompiledAddress,
  readConsensusNodes,
  readSystemConfig,
  sm3,
} from '../src/index.js'
import {
  ALICE,
  BOB,
  blockContext,
  ecdsa,
  hex,
  sm,
  storageWorld,
  transaction,
  type World,
} from './helpers/chain.js'
import { SYSTEM_USER_SOL, TABLE_SOL, TABLE_USER_SOL } from './helpers/contracts.js'
import { type Compiled, compile } from './helpers/solc.js'

let assets: Compiled
let admin: Compiled

beforeAll(() => {
  const out = compile({ 'Table.sol': TABLE_SOL, 'Assets.sol': TABLE_USER_SOL, 'Admin.sol': SYSTEM_USER_SOL })
  assets = out.Assets as Compiled
  admin = out.Admin as Compiled
})

const SYSTEM_CONFIG = parseAbi(['function setValueByKey(string key, string value) returns (int256)'])
const TABLE_FACTORY = parseAbi([
  'function openTable(string) view returns (address)',
  'function createTable(string, string, string) returns (int256)',
])
const CRUD = parseAbi([
  'function insert(string, string, string, string) returns (int256)',
  'function update(string, string, string, string, string) returns (int256)',
  'function remove(string, string, string, string) returns (int256)',
  'function select(string, string, string, string) view returns (string)',
  'function desc(string) view returns (string, string)',
])
const CONSENSUS = parseAbi([
  'function addSealer(string) returns (int256)',
  'function addObserver(string) returns (int256)',
  'function remove(string) returns (int256)',
])
const CNS = parseAbi([
  'function insert(string, string, string, string) returns (int256)',
  'function selectByName(string) view returns (string)',
  'function selectByNameAndVersion(string, string) view returns (string)',
  'function getContractAddress(string, string) view returns (address)',
])
const DAG = parseAbi([
  'function userAdd(string, uint256) returns (int256)',
  'function userSave(string, uint256) returns (int256)',
  'function userDraw(string, uint256) returns (int256)',
  'function userBalance(string) view returns (int256, uint256)',
  'function userTransfer(string, string, uint256) returns (int256)',
])
const CRYPTO = parseAbi([
  'function sm3(bytes) view returns (bytes32)',
  'function keccak256Hash(bytes) view returns (bytes32)',
  'function sm2Verify(bytes32, bytes, bytes32, bytes32) view returns (bool, address)',
])

const at = (n: number) => numberToAddress(n)

function call(abi: Abi, to: Uint8Array, functionName: string, args: readonly unknown[] = [], from = ALICE) {
  return transaction({ from, to, data: encodeFunctionData({ abi, functionName, args }) })
}

function out(abi: Abi, functionName: string, output: Uint8Array): unknown {
  return decodeFunctionResult({ abi, functionName, data: hex(output) })
}

const int256 = (output: Uint8Array) => decodeAbiParameters([{ type: 'int256' }], hex(output))[0]

async function block(
  world: World,
  number: number,
  txs: ReturnType<typeof transaction>[],
  crypto = world.crypto,
) {
  const executor = createSerialExecutor({}, { crypto, sm, tables: () => world.tables })
  return executor.execute(blockContext(number), txs, world.state)
}

async function deploy(world: World, c: Compiled, number = 1): Promise<Uint8Array> {
  const r = await block(world, number, [
    transaction({ from: ALICE, to: null, data: encodeDeployData({ abi: c.abi, bytecode: c.bytecode }) }),
  ])
  expect(r.receipts[0]?.status).toBe(0)
  return r.receipts[0]?.contractAddress as Uint8Array
}

const NODE_A = 'a'.repeat(128)
const NODE_B = 'B'.repeat(128)

describe('SystemConfig 0x1000', () => {
  it('validates values, writes enable_num = block + 1, and tx_gas_limit takes effect at the next block', async () => {
    const world = await storageWorld()
    const sc = at(PrecompiledAddress.SystemConfig)
    const r = await block(world, 5, [
      call(SYSTEM_CONFIG, sc, 'setValueByKey', ['TX_GAS_LIMIT', '200000']),
      call(SYSTEM_CONFIG, sc, 'setValueByKey', ['tx_gas_limit', '99999']),
      call(SYSTEM_CONFIG, sc, 'setValueByKey', ['tx_count_limit', 'abc']),
      call(SYSTEM_CONFIG, sc, 'setValueByKey', ['unknown_key', '5']),
      call(SYSTEM_CONFIG, sc, 'setValueByKey', ['consensus_timeout', '2']),
      call(SYSTEM_CONFIG, sc, 'setValueByKey', ['tx_count_limit', '2000']),
    ])
    expect(r.receipts.map((x) => x.status)).toEqual([0, 0, 0, 0, 0, 0])
    expect(r.receipts.map((x) => int256(x.output))).toEqual([1n, -51300n, -51300n, -51300n, -51300n, 1n])
    expect(await readSystemConfig(world.tables, 'tx_gas_limit', 5)).toBeUndefined()
    expect(await readSystemConfig(world.tables, 'tx_gas_limit', 6)).toBe('200000')
    // Block 5 still ran with the default 300M limit; block 6 runs with 200,000.
    expect(r.receipts[0]?.remainGas).toBe(300_000_000n - (r.receipts[0]?.gasUsed ?? 0n))
    const next = await block(world, 6, [call(SYSTEM_CONFIG, sc, 'setValueByKey', ['tx_count_limit', '3000'])])
    expect((next.receipts[0]?.gasUsed ?? 0n) + (next.receipts[0]?.remainGas ?? 0n)).toBe(200_000n)
  })

  it('is reachable from Solidity, and refuses writes under STATICCALL', async () => {
    const world = await storageWorld()
    const address = await deploy(world, admin)
    const r = await block(world, 2, [
      call(admin.abi, address, 'setConfig', ['tx_count_limit', '7']),
      call(admin.abi, address, 'staticWrite'),
    ])
    expect(out(admin.abi, 'setConfig', r.receipts[0]?.output as Uint8Array)).toBe(1n)
    expect(out(admin.abi, 'staticWrite', r.receipts[1]?.output as Uint8Array)).toBe(false)
    expect(await readSystemConfig(world.tables, 'tx_count_limit', 3)).toBe('7')
  })
})

describe('TableFactory 0x1001, Table/Entry/Condition/Entries objects, KVTable 0x1010', () => {
  it('creates tables with FISCO checks and codes', async () => {
    const world = await storageWorld()
    const tf = at(PrecompiledAddress.TableFactory)
    const r = await block(world, 1, [
      call(TABLE_FACTORY, tf, 'createTable', ['t_a', 'id', 'name,age']),
      call(TABLE_FACTORY, tf, 'createTable', ['t_a', 'id', 'name']),
      call(TABLE_FACTORY, tf, 'createTable', ['t_b', 'id', 'name,name']),
      call(TABLE_FACTORY, tf, 'createTable', ['t_c', 'id', '_hidden']),
      call(TABLE_FACTORY, tf, 'createTable', ['x'.repeat(49), 'id', 'v']),
      call(TABLE_FACTORY, tf, 'createTable', ['t d', 'id', 'v']),
      call(TABLE_FACTORY, tf, 'openTable', ['t_a']),
      call(TABLE_FACTORY, tf, 'openTable', ['t_none']),
      transaction({ from: ALICE, to: tf, data: '0x12345678' }),
    ])
    const s = r.receipts.map((x) => x.status)
    expect(s).toEqual([0, 0, 21, 21, 21, 21, 0, 0, 21])
    expect(r.receipts.map((x) => int256(x.output)).slice(0, 6)).toEqual([
      0n,
      -50001n,
      -50007n,
      -50008n,
      -50002n,
      -50008n,
    ])
    expect(out(TABLE_FACTORY, 'openTable', r.receipts[6]?.output as Uint8Array)).toBe(
      '0x0000000000000000000000000000000000010000',
    )
    expect(out(TABLE_FACTORY, 'openTable', r.receipts[7]?.output as Uint8Array)).toBe(`0x${'00'.repeat(20)}`)
    expect(int256(r.receipts[8]?.output as Uint8Array)).toBe(-50101n)
    expect((await world.tables.openTable('u_t_a'))?.info.valueFields).toEqual(['name', 'age'])
    expect(await world.tables.openTable('u_t_b')).toBeUndefined()
  })

  it('inserts, selects with conditions, updates and removes rows from Solidity', async () => {
    const world = await storageWorld()
    const address = await deploy(world, assets)
    const r = await block(world, 2, [
      call(assets.abi, address, 'create'),
      call(assets.abi, address, 'add', ['alice', 'apple', 5n]),
      call(assets.abi, address, 'add', ['alice', 'pear', 20n]),
      call(assets.abi, address, 'add', ['alice', 'plum', -3n]),
      call(assets.abi, address, 'total', ['alice', 0n]),
      call(assets.abi, address, 'setAmount', ['alice', 'apple', 50n]),
      call(assets.abi, address, 'total', ['alice', 10n]),
      call(assets.abi, address, 'drop', ['alice', 30n]),
      call(assets.abi, address, 'total', ['alice', -100n]),
      call(assets.abi, address, 'addThenRevert', ['alice']),
      call(assets.abi, address, 'total', ['alice', -100n]),
      call(assets.abi, address, 'kvSet', ['k1', 'v1']),
      call(assets.abi, address, 'kvSet', ['k1', 'v2']),
      call(assets.abi, address, 'kvGet', ['k1']),
      call(assets.abi, address, 'kvGet', ['k2']),
      call(assets.abi, address, 'kvOpenMissing'),
      call(assets.abi, address, 'openMissing'),
    ])
    const status = r.receipts.map((x) => x.status)
    expect(status).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 22, 0, 0, 0, 0, 0, 22, 0])
    const o = (i: number, fn: string) => out(assets.abi, fn, r.receipts[i]?.output as Uint8Array)
    expect(o(0, 'create')).toEqual([0n, 0n])
    expect(o(1, 'add')).toBe(1n)
    expect(o(4, 'total')).toEqual([2n, 25n, 'apple'])
    expect(o(5, 'setAmount')).toBe(1n)
    expect(o(6, 'total')).toEqual([2n, 70n, 'apple'])
    expect(o(7, 'drop')).toBe(2n)
    expect(o(8, 'total')).toEqual([1n, 50n, 'apple'])
    // The reverted insert left nothing behind.
    expect(o(10, 'total')).toEqual([1n, 50n, 'apple'])
    expect(o(11, 'kvSet')).toBe(1n)
    expect(o(13, 'kvGet')).toEqual([true, 'v2'])
    expect(o(14, 'kvGet')).toEqual([false, ''])
    expect(o(16, 'openMissing')).toBe(`0x${'00'.repeat(20)}`)
    const rows = await (await world.tables.openTable('u_t_asset'))?.select('alice')
    expect(rows).toEqual([{ account: 'alice', item: 'apple', amount: '50' }])
    expect(await (await world.tables.openTable('u_t_kv'))?.select('k1')).toEqual([{ id: 'k1', value: 'v2' }])
  })

  it('bounds transient objects per block', async () => {
    const world = await storageWorld()
    const tf = at(PrecompiledAddress.TableFactory)
    await block(world, 1, [call(TABLE_FACTORY, tf, 'createTable', ['t_a', 'id', 'v'])])
    const executor = createSerialExecutor(
      { transientObjectsMax: 2 },
      { crypto: ecdsa, tables: () => world.tables },
    )
    const r = await executor.execute(
      blockContext(2),
      [0, 1, 2].map(() => call(TABLE_FACTORY, tf, 'openTable', ['t_a'])),
      world.state,
    )
    expect(r.receipts.map((x) => x.status)).toEqual([0, 0, 21])
  })
})

describe('CRUD 0x1002', () => {
  it('inserts, selects, updates, removes with JSON and returns FISCO codes on bad input', async () => {
    const world = await storageWorld()
    const crud = at(PrecompiledAddress.CRUD)
    await block(world, 1, [
      call(TABLE_FACTORY, at(PrecompiledAddress.TableFactory), 'createTable', ['t_c', 'name', 'item,count']),
    ])
    const r = await block(world, 2, [
      call(CRUD, crud, 'insert', ['t_c', 'fruit', '{"item":"apple","count":"1"}', '']),
      call(CRUD, crud, 'insert', ['t_c', 'fruit', '{"item":"pear","count":5}', '']),
      call(CRUD, crud, 'select', ['t_c', 'fruit', '{"count":{"ge":"2"}}', '']),
      call(CRUD, crud, 'update', ['t_c', 'fruit', '{"count":"9"}', '{"item":{"eq":"apple"}}', '']),
      call(CRUD, crud, 'update', ['t_c', 'fruit', '{"name":"x"}', '{}', '']),
      call(CRUD, crud, 'insert', ['t_none', 'k', '{}', '']),
      call(CRUD, crud, 'insert', ['t_c', 'k', '{bad', '']),
      call(CRUD, crud, 'remove', ['t_c', 'fruit', '{"count":{"xx":"1"}}', '']),
      call(CRUD, crud, 'remove', ['t_c', 'fruit', 'nope', '']),
      call(CRUD, crud, 'remove', ['t_c', 'fruit', '{"count":{"lt":"9"}}', '']),
      call(CRUD, crud, 'select', ['t_c', 'fruit', '{}', '']),
      call(CRUD, crud, 'desc', ['t_c']),
    ])
    expect(r.receipts.every((x) => x.status === 0)).toBe(true)
    const codes = [0, 1, 3, 4, 5, 6, 7, 8, 9].map((i) => int256(r.receipts[i]?.output as Uint8Array))
    expect(codes).toEqual([1n, 1n, 1n, -51503n, -50100n, -51500n, -51502n, -51501n, 1n])
    expect(JSON.parse(out(CRUD, 'select', r.receipts[2]?.output as Uint8Array) as string)).toEqual([
      { count: '5', item: 'pear', name: 'fruit' },
    ])
    expect(JSON.parse(out(CRUD, 'select', r.receipts[10]?.output as Uint8Array) as string)).toEqual([
      { count: '9', item: 'apple', name: 'fruit' },
    ])
    expect(out(CRUD, 'desc', r.receipts[11]?.output as Uint8Array)).toEqual(['name', 'item,count'])
  })
})

describe('Consensus 0x1003', () => {
  it('adds sealers and observers effective next block, refuses bad IDs and removing the last sealer', async () => {
    const world = await storageWorld()
    const cs = at(PrecompiledAddress.Consensus)
    const r = await block(world, 3, [
      call(CONSENSUS, cs, 'addSealer', [NODE_A]),
      call(CONSENSUS, cs, 'remove', [NODE_A]),
      call(CONSENSUS, cs, 'addObserver', [NODE_A]),
      call(CONSENSUS, cs, 'addSealer', ['abc']),
      call(CONSENSUS, cs, 'addSealer', [`${'g'.repeat(128)}`]),
      call(CONSENSUS, cs, 'addObserver', [NODE_B]),
    ])
    expect(r.receipts.map((x) => int256(x.output))).toEqual([1n, -51101n, -51101n, -51100n, -51100n, 1n])
    expect(await readConsensusNodes(world.tables, 3)).toEqual({ sealers: [], observers: [] })
    const now = await readConsensusNodes(world.tables, 4)
    expect(now.sealers.map(bytesToHex)).toEqual([NODE_A])
    expect(now.observers.map(bytesToHex)).toEqual([NODE_B.toLowerCase()])
    const r2 = await block(world, 4, [
      call(CONSENSUS, cs, 'addSealer', [NODE_B]),
      call(CONSENSUS, cs, 'remove', [NODE_A]),
    ])
    expect(r2.receipts.map((x) => int256(x.output))).toEqual([1n, 1n])
    expect((await readConsensusNodes(world.tables, 5)).sealers.map(bytesToHex)).toEqual([
      NODE_B.toLowerCase(),
    ])
  })
})

describe('CNS 0x1004', () => {
  it('registers contract names and versions and resolves them', async () => {
    const world = await storageWorld()
    const address = await deploy(world, admin)
    const cns = at(PrecompiledAddress.CNS)
    const r = await block(world, 2, [
      call(CNS, cns, 'insert', ['Admin', '1.0', hex(address), '[]']),
      call(CNS, cns, 'insert', ['Admin', '1.0', hex(address), '[]']),
      call(CNS, cns, 'insert', ['Admin', 'v'.repeat(129), hex(address), '[]']),
      call(CNS, cns, 'insert', ['Admin', '2.0', hex(BOB), '[]']),
      call(CNS, cns, 'insert', ['Admin', '3.0', 'not-an-address', '[]']),
      call(CNS, cns, 'selectByName', ['Admin']),
      call(CNS, cns, 'selectByNameAndVersion', ['Admin', '1.0']),
      call(CNS, cns, 'getContractAddress', ['Admin', '1.0']),
      call(CNS, cns, 'getContractAddress', ['Admin', '9.9']),
      call(admin.abi, address, 'lookup', ['Admin', '1.0']),
    ])
    expect([0, 1, 2, 3, 4].map((i) => int256(r.receipts[i]?.output as Uint8Array))).toEqual([
      1n,
      -51200n,
      -51201n,
      -50102n,
      -50102n,
    ])
    expect(JSON.parse(out(CNS, 'selectByName', r.receipts[5]?.output as Uint8Array) as string)).toEqual([
      { abi: '[]', address: hex(address), name: 'Admin', version: '1.0' },
    ])
    expect(
      (out(CNS, 'getContractAddress', r.receipts[7]?.output as Uint8Array) as string).toLowerCase(),
    ).toBe(hex(address))
    expect(out(CNS, 'getContractAddress', r.receipts[8]?.output as Uint8Array)).toBe(`0x${'00'.repeat(20)}`)
    expect((out(admin.abi, 'lookup', r.receipts[9]?.output as Uint8Array) as string).toLowerCase()).toBe(
      hex(address),
    )
  })
})

describe('DagTransfer 0x5002', () => {
  it('implements add/save/draw/transfer/balance with FISCO codes', async () => {
    const world = await storageWorld()
    const dag = at(PrecompiledAddress.DagTransfer)
    const r = await block(world, 1, [
      call(DAG, dag, 'userAdd', ['alice', 100n]),
      call(DAG, dag, 'userAdd', ['alice', 1n]),
      call(DAG, dag, 'userAdd', ['', 1n]),
      call(DAG, dag, 'userSave', ['alice', 0n]),
      call(DAG, dag, 'userSave', ['alice', 50n]),
      call(DAG, dag, 'userDraw', ['alice', 500n]),
      call(DAG, dag, 'userDraw', ['nobody', 5n]),
      call(DAG, dag, 'userTransfer', ['alice', 'bob', 30n]),
      call(DAG, dag, 'userTransfer', ['bob', 'alice', 31n]),
      call(DAG, dag, 'userSave', ['bob', (1n << 256n) - 1n]),
      call(DAG, dag, 'userDraw', ['alice', 20n]),
      call(DAG, dag, 'userBalance', ['alice']),
      call(DAG, dag, 'userBalance', ['carol']),
    ])
    expect(r.receipts.every((x) => x.status === 0)).toBe(true)
    expect(r.receipts.slice(0, 11).map((x) => int256(x.output))).toEqual([
      0n,
      -51403n,
      -51400n,
      -51401n,
      0n,
      -51404n,
      -51402n,
      0n,
      -51404n,
      -51405n,
      0n,
    ])
    expect(out(DAG, 'userBalance', r.receipts[11]?.output as Uint8Array)).toEqual([0n, 100n])
    expect(out(DAG, 'userBalance', r.receipts[12]?.output as Uint8Array)).toEqual([-51402n, 0n])
    expect(await (await world.tables.openTable(DAG_TRANSFER_TABLE))?.select('bob')).toEqual([
      { user_name: 'bob', user_balance: '30' },
    ])
  })

  it('declares parallel tags: the users a call touches', async () => {
    const world = await storageWorld()
    const executor = createSerialExecutor({}, { crypto: ecdsa })
    const dag = at(PrecompiledAddress.DagTransfer)
    expect(await executor.criticalKeys(call(DAG, dag, 'userTransfer', ['a', 'b', 1n]), world.tables)).toEqual(
      ['a', 'b'],
    )
    expect(await executor.criticalKeys(call(DAG, dag, 'userSave', ['a', 1n]), world.tables)).toEqual(['a'])
    expect(await executor.criticalKeys(call(DAG, dag, 'userBalance', ['a']), world.tables)).toBeUndefined()
    expect(
      await executor.criticalKeys(transaction({ from: ALICE, to: null, data: '0x00' }), world.tables),
    ).toBeUndefined()
  })
})

describe('Crypto 0x5006', () => {
  it('hashes with SM3 and Keccak-256 and verifies SM2 signatures, directly and from Solidity', async () => {
    const world = await storageWorld()
    const address = await deploy(world, admin)
    const crypto = at(PrecompiledAddress.Crypto)
    const key = new Uint8Array(32).fill(7)
    const pub = sm.publicKey(key)
    const digest = sm.hash(new TextEncoder().encode('message'))
    const sig = sm.sign(digest, key)
    const r = hex(sig.subarray(0, 32))
    const s = hex(sig.subarray(32, 64))
    const res = await block(world, 2, [
      call(CRYPTO, crypto, 'sm3', ['0x616263']),
      call(CRYPTO, crypto, 'keccak256Hash', ['0x616263']),
      call(CRYPTO, crypto, 'sm2Verify', [hex(digest), hex(pub), r, s]),
      call(CRYPTO, crypto, 'sm2Verify', [hex(new Uint8Array(32)), hex(pub), r, s]),
      call(admin.abi, address, 'hashes', ['0x616263']),
      call(admin.abi, address, 'verify', [hex(digest), hex(pub), r, s]),
    ])
    // GB/T 32905-2016 Appendix A.1: SM3("abc").
    const sm3Abc = '0x66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0'
    // Keccak-256("abc").
    const keccakAbc = '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'
    expect(out(CRYPTO, 'sm3', res.receipts[0]?.output as Uint8Array)).toBe(sm3Abc)
    expect(hex(sm3(new TextEncoder().encode('abc')))).toBe(sm3Abc)
    expect(out(CRYPTO, 'keccak256Hash', res.receipts[1]?.output as Uint8Array)).toBe(keccakAbc)
    const [ok, signer] = out(CRYPTO, 'sm2Verify', res.receipts[2]?.output as Uint8Array) as [boolean, string]
    expect(ok).toBe(true)
    expect(signer.toLowerCase()).toBe(hex(sm.address(pub)))
    expect(out(CRYPTO, 'sm2Verify', res.receipts[3]?.output as Uint8Array)).toEqual([
      false,
      `0x${'00'.repeat(20)}`,
    ])
    expect(out(admin.abi, 'hashes', res.receipts[4]?.output as Uint8Array)).toEqual([sm3Abc, keccakAbc])
    expect((out(admin.abi, 'verify', res.receipts[5]?.output as Uint8Array) as [boolean, string])[0]).toBe(
      true,
    )
  })

  it('fails sm2Verify with -50101 when no SM suite is wired', async () => {
    const world = await storageWorld()
    const executor = createSerialExecutor({}, { crypto: ecdsa, tables: () => world.tables })
    const res = await executor.execute(
      blockContext(1),
      [
        call(CRYPTO, at(PrecompiledAddress.Crypto), 'sm2Verify', [
          hex(new Uint8Array(32)),
          '0x',
          hex(new Uint8Array(32)),
          hex(new Uint8Array(32)),
        ]),
      ],
      world.state,
    )
    expect(res.receipts[0]?.status).toBe(TxStatus.PrecompiledError)
    expect(int256(res.receipts[0]?.output as Uint8Array)).toBe(-50101n)
  })
})

describe('frozen accounts and contracts', () => {
  it('refuses frozen senders (31) and frozen contracts (30) by the `frozen` row of c_<address>', async () => {
    const world = await storageWorld()
    const address = await deploy(world, admin)
    for (const a of [address, BOB]) {
      const table = await world.tables.openTable(`c_${bytesToHex(a)}`)
      if (table === undefined)
        await world.tables.createTable({
          name: `c_${bytesToHex(a)}`,
          keyField: 'key',
          valueFields: ['value'],
        })
      const t = await world.tables.openTable(`c_${bytesToHex(a)}`)
      const rows = await t?.select('frozen')
      if ((rows?.length ?? 0) > 0) await t?.update('frozen', { value: 'true' })
      else await t?.insert('frozen', { value: 'true' })
    }
    const r = await block(world, 2, [
      call(admin.abi, address, 'setConfig', ['tx_count_limit', '5']),
      call(DAG, at(PrecompiledAddress.DagTransfer), 'userAdd', ['x', 1n], BOB),
    ])
    expect(r.receipts.map((x) => x.status)).toEqual([TxStatus.ContractFrozen, TxStatus.AccountFrozen])
  })
})
