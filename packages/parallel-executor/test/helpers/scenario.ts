import type { TableFactory } from '@consortia/amdb'
import type { Executor, Receipt } from '@consortia/interface'
import { type Abi, encodeDeployData, encodeFunctionData, parseAbi } from 'viem'
import { bytesToHex, numberToAddress } from '../../src/bytes.js'
import { ALICE, BOB, blockContext, hex, transaction, type World } from './chain.js'
import { ERC20_SOL, SYSTEM_USER_SOL, TABLE_SOL, TABLE_USER_SOL } from './contracts.js'
import { type Compiled, compile } from './solc.js'

/**
 * A multi-block workload that reaches every executor path: contract creation, ERC-20 calls
 * with logs and reverts, Solidity calls into table precompiles (savepoints reverted by a
 * REVERT), transactions sent straight to system precompiles and to transient Table/Entry
 * objects (success, FISCO error codes, unknown selectors, undecodable data), out-of-gas in
 * the EVM and in a precompile under a low `tx_gas_limit`, intrinsic-gas and block-limit
 * rejections, and a few hundred interleaved transfers.
 */

const DAG = parseAbi([
  'function userAdd(string, uint256) returns (int256)',
  'function userSave(string, uint256) returns (int256)',
  'function userDraw(string, uint256) returns (int256)',
  'function userBalance(string) view returns (int256, uint256)',
  'function userTransfer(string, string, uint256) returns (int256)',
])
const SYSTEM_CONFIG = parseAbi(['function setValueByKey(string key, string value) returns (int256)'])
const TABLE_FACTORY = parseAbi([
  'function openTable(string) view returns (address)',
  'function createTable(string, string, string) returns (int256)',
])
const TABLE = parseAbi([
  'function newEntry() view returns (address)',
  'function insert(string, address) returns (int256)',
  'function select(string, address) view returns (address)',
])
const ENTRY = parseAbi(['function set(string, string)'])
const CRUD = parseAbi([
  'function insert(string, string, string, string) returns (int256)',
  'function select(string, string, string, string) view returns (string)',
])
const CRYPTO = parseAbi([
  'function sm3(bytes) view returns (bytes32)',
  'function keccak256Hash(bytes) view returns (bytes32)',
])

/** A receipt with its bytes as hex, for deep comparison. */
export type PlainReceipt = Record<string, string | number | string[][]>

/** What one block of the scenario produced. */
export interface ScenarioBlock {
  readonly receipts: readonly PlainReceipt[]
  readonly gasUsed: string
  readonly stateRoot: string
  /** dbHash of the block's tables (differs from `stateRoot` on MPT state). */
  readonly tablesHash: string
}

let compiled: Record<string, Compiled> | undefined

/** The scenario's contracts (compiled once per process). */
export function scenarioContracts(): Record<string, Compiled> {
  compiled ??= compile({
    'Token.sol': ERC20_SOL,
    'Table.sol': TABLE_SOL,
    'Assets.sol': TABLE_USER_SOL,
    'Admin.sol': SYSTEM_USER_SOL,
  })
  return compiled
}

/** A receipt as plain JSON values. */
export function plainReceipt(r: Receipt): PlainReceipt {
  return {
    status: r.status,
    gasUsed: r.gasUsed.toString(),
    remainGas: String(r.remainGas),
    output: bytesToHex(r.output),
    contractAddress: bytesToHex(r.contractAddress),
    logsBloom: bytesToHex(r.logsBloom),
    stateRoot: bytesToHex(r.stateRoot),
    logs: r.logs.map((l) => [bytesToHex(l.address), bytesToHex(l.data), ...l.topics.map(bytesToHex)]),
  }
}

const call = (abi: Abi, to: Uint8Array, functionName: string, args: readonly unknown[] = [], from = ALICE) =>
  transaction({ from, to, data: encodeFunctionData({ abi, functionName, args }) })

/** Call data followed by `bytes` non-zero filler bytes (ABI decoders ignore trailing data). */
const padded = (abi: Abi, functionName: string, args: readonly unknown[], bytes: number) =>
  `${encodeFunctionData({ abi, functionName, args })}${'ab'.repeat(bytes)}` as `0x${string}`

/** Deterministic pseudo-random integers (xorshift32) so every run sees the same transactions. */
function prng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1
  return (n) => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x % n
  }
}

/**
 * Runs the scenario on `world` with executors from `makeExecutor` (called once; the executor
 * runs every block) and returns each block's receipts and roots.
 */
export async function runScenario(world: World, executor: Executor): Promise<ScenarioBlock[]> {
  const c = scenarioContracts()
  const token = c.Token as Compiled
  const misc = c.Misc as Compiled
  const assets = c.Assets as Compiled
  const admin = c.Admin as Compiled
  const dag = numberToAddress(0x5002)
  const sc = numberToAddress(0x1000)
  const tf = numberToAddress(0x1001)
  const crud = numberToAddress(0x1002)
  const crypto = numberToAddress(0x5006)
  const out: ScenarioBlock[] = []

  async function run(number: number, txs: ReturnType<typeof transaction>[]) {
    const r = await executor.execute(blockContext(number), txs, world.state)
    const tables = world.tables as TableFactory
    // AMDB may hold blind writes until settled; hash() needs them applied.
    await (tables as { settle?: () => Promise<void> }).settle?.()
    out.push({
      receipts: r.receipts.map(plainReceipt),
      gasUsed: r.gasUsed.toString(),
      stateRoot: bytesToHex(r.stateRoot),
      tablesHash: bytesToHex(tables.hash()),
    })
    await world.next()
    return r
  }
  const deploy = (x: Compiled, args: readonly unknown[] = []) =>
    transaction({ from: ALICE, to: null, data: encodeDeployData({ abi: x.abi, bytecode: x.bytecode, args }) })
  const users = Array.from({ length: 12 }, (_, i) => `user${i}`)

  const b1 = await run(1, [
    deploy(token, [1_000_000n]),
    deploy(misc),
    deploy(assets),
    deploy(admin),
    ...users.map((u) => call(DAG, dag, 'userAdd', [u, 1000n])),
    call(DAG, dag, 'userAdd', ['user0', 5n]),
    call(DAG, dag, 'userAdd', ['', 5n]),
    call(TABLE_FACTORY, tf, 'createTable', ['t_x', 'id', 'name,age']),
  ])
  const [tokenAt, miscAt, assetsAt, adminAt] = b1.receipts.map((r) => r.contractAddress) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ]
  // Transient objects count up from 0x10000 in the order they are handed out within a block.
  const table0 = numberToAddress(0x10000)
  const entry1 = numberToAddress(0x10001)

  await run(2, [
    call(token.abi, tokenAt, 'transfer', [hex(BOB), 100n]),
    call(token.abi, tokenAt, 'transfer', [hex(BOB), 7n]),
    call(token.abi, tokenAt, 'transfer', [hex(ALICE), 500n], BOB),
    call(token.abi, tokenAt, 'transfer', [hex(ALICE), 3n], BOB),
    call(token.abi, tokenAt, 'balanceOf', [hex(BOB)]),
    call(DAG, dag, 'userTransfer', ['user0', 'user1', 10n]),
    call(DAG, dag, 'userTransfer', ['user2', 'user3', 5000n]),
    call(DAG, dag, 'userTransfer', ['user4', 'user4', 1n]),
    call(DAG, dag, 'userTransfer', ['user4', 'user5', 0n]),
    call(DAG, dag, 'userTransfer', ['nobody', 'user5', 1n]),
    call(DAG, dag, 'userTransfer', ['user5', 'newcomer', 1n]),
    call(DAG, dag, 'userSave', ['user9', (1n << 256n) - 1n]),
    call(DAG, dag, 'userDraw', ['user8', 999n]),
    call(DAG, dag, 'userBalance', ['user1']),
    transaction({ from: ALICE, to: dag, data: '0x12345678' }),
    transaction({ from: ALICE, to: dag, data: '0x' }),
    transaction({ from: ALICE, to: dag, data: '0xf2f4a0c6' }),
    transaction({
      from: ALICE,
      to: dag,
      data: encodeFunctionData({ abi: DAG, functionName: 'userBalance', args: ['x'] }).slice(
        0,
        40,
      ) as `0x${string}`,
    }),
    call(assets.abi, assetsAt, 'create'),
    call(assets.abi, assetsAt, 'add', ['alice', 'apple', 5n]),
    call(assets.abi, assetsAt, 'addThenRevert', ['alice']),
    call(assets.abi, assetsAt, 'total', ['alice', 0n]),
    call(assets.abi, assetsAt, 'kvSet', ['k1', 'v1']),
    call(assets.abi, assetsAt, 'kvGet', ['k1']),
    call(admin.abi, adminAt, 'setConfig', ['tx_count_limit', '7']),
    call(admin.abi, adminAt, 'staticWrite'),
    call(admin.abi, adminAt, 'balance', ['user1']),
    call(TABLE_FACTORY, tf, 'openTable', ['t_x']),
    call(TABLE, table0, 'newEntry'),
    call(ENTRY, entry1, 'set', ['name', 'carol']),
    call(ENTRY, entry1, 'set', ['bogus_field', '1']),
    call(TABLE, table0, 'insert', ['k', hex(entry1)]),
    call(TABLE, table0, 'insert', ['k', hex(numberToAddress(0x1ffff))]),
    call(CRUD, crud, 'insert', ['t_x', 'k2', '{"name":"dave","age":"30"}', '']),
    call(CRUD, crud, 'insert', ['t_none', 'k2', '{"name":"dave"}', '']),
    call(CRUD, crud, 'select', ['t_x', 'k2', '', '']),
    call(CRYPTO, crypto, 'sm3', ['0x616263']),
    call(CRYPTO, crypto, 'keccak256Hash', ['0x616263']),
    call(misc.abi, miscAt, 'fail', ['boom']),
    call(misc.abi, miscAt, 'recurse', [3n]),
    call(misc.abi, miscAt, 'deploy'),
    call(misc.abi, miscAt, 'hashOf', ['0x0102']),
    transaction({ from: ALICE, to: numberToAddress(0xdead), data: '0x' }),
    transaction({ from: ALICE, to: numberToAddress(0x0002), data: '0x616263' }),
    transaction({ from: ALICE, to: dag, data: '0x', blockLimit: 1n }),
  ])

  await run(3, [call(SYSTEM_CONFIG, sc, 'setValueByKey', ['tx_gas_limit', '100000'])])

  // tx_gas_limit is 100,000 from block 4 on: filler bytes eat the gas before the call runs.
  await run(4, [
    transaction({ from: ALICE, to: dag, data: padded(DAG, 'userTransfer', ['user0', 'user1', 1n], 4400) }),
    transaction({
      from: ALICE,
      to: tf,
      data: padded(TABLE_FACTORY, 'createTable', ['t_y', 'id', 'v'], 3500),
    }),
    transaction({ from: ALICE, to: tokenAt, data: padded(token.abi, 'transfer', [hex(BOB), 1n], 4600) }),
    transaction({ from: ALICE, to: dag, data: padded(DAG, 'userTransfer', ['user0', 'user1', 1n], 7000) }),
    call(DAG, dag, 'userTransfer', ['user0', 'user1', 1n]),
    call(token.abi, tokenAt, 'transfer', [hex(BOB), 1n]),
  ])

  await run(5, [call(SYSTEM_CONFIG, sc, 'setValueByKey', ['tx_gas_limit', '300000000'])])

  const next = prng(0x5eed)
  const bulk: ReturnType<typeof transaction>[] = []
  for (let i = 0; i < 300; i++) {
    const kind = next(10)
    if (kind < 4) {
      const from = users[next(users.length)] as string
      const to = users[next(users.length)] as string
      bulk.push(call(DAG, dag, 'userTransfer', [from, to, BigInt(1 + next(300))]))
    } else if (kind < 8) {
      const to = numberToAddress(0x1000_0000 + next(50))
      bulk.push(call(token.abi, tokenAt, 'transfer', [hex(to), BigInt(next(3000))]))
    } else if (kind === 8) {
      bulk.push(call(assets.abi, assetsAt, 'add', [`acct${next(5)}`, `item${i}`, BigInt(next(100) - 50)]))
    } else {
      bulk.push(call(DAG, dag, 'userBalance', [users[next(users.length)] as string]))
    }
  }
  await run(7, bulk)
  return out
}
