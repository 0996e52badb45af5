import type { Address, ExecutionResult, Receipt, SignedTransaction } from '@consortia/interface'
import { type GovernanceGenesis, initGovernance } from '@consortia/permission'
import { type Abi, decodeAbiParameters, decodeFunctionResult, encodeFunctionData, parseAbi } from 'viem'
import { numberToAddress } from '../../src/bytes.js'
import { createSerialExecutor, type SerialExecutor, type SerialExecutorInit } from '../../src/index.js'
import { blockContext, ecdsa, hex, mptWorld, storageWorld, transaction, type World } from './chain.js'
import { TABLE_SOL } from './contracts.js'
import { type Compiled, compile } from './solc.js'

/**
 * Solidity for the permission tests, written for them: `Counter` (storage writes), `Deputy`
 * (relays any call, DELEGATECALL or CREATE: the "intermediate contract" and "attacker
 * contract" of attack A13) with helpers that open KV and CRUD-style tables from Solidity.
 */
export const PERMISSION_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
import "./Table.sol";
contract Counter {
  uint256 public n;
  function inc() external { n += 1; }
}
contract Deputy {
  function relay(address target, bytes calldata data) external returns (bytes memory) {
    (bool ok, bytes memory out) = target.call(data);
    require(ok, "relay failed");
    return out;
  }
  function relaySwallow(address target, bytes calldata data) external returns (bool ok) {
    (ok, ) = target.call(data);
  }
  function relayThenRevert(address target, bytes calldata data) external {
    (bool ok, ) = target.call(data);
    require(!ok, "undone");
  }
  function relayDelegate(address target, bytes calldata data) external returns (bytes memory) {
    (bool ok, bytes memory out) = target.delegatecall(data);
    require(ok, "delegatecall failed");
    return out;
  }
  function deploy(bytes memory code) external returns (address a) {
    assembly { a := create(0, add(code, 0x20), mload(code)) }
    require(a != address(0), "create failed");
  }
  function kvSet(string memory table, string memory key, string memory value) external returns (int256) {
    KVTable t = KVTableFactory(address(0x1010)).openTable(table);
    Entry e = t.newEntry();
    e.set("v", value);
    return t.set(key, e);
  }
  function tableInsert(string memory table, string memory key, string memory value) external returns (int256) {
    Table t = TableFactory(address(0x1001)).openTable(table);
    Entry e = t.newEntry();
    e.set("v", value);
    return t.insert(key, e);
  }
}
`

/** The two test contracts, compiled once per test file. */
export function permissionContracts(): { counter: Compiled; deputy: Compiled } {
  const out = compile({ 'Table.sol': TABLE_SOL, 'Permission.sol': PERMISSION_SOL })
  return { counter: out.Counter as Compiled, deputy: out.Deputy as Compiled }
}

/** Addresses of the precompiles the tests call. */
export const P = {
  systemConfig: numberToAddress(0x1000),
  tableFactory: numberToAddress(0x1001),
  crud: numberToAddress(0x1002),
  consensus: numberToAddress(0x1003),
  cns: numberToAddress(0x1004),
  permission: numberToAddress(0x1005),
  lifecycle: numberToAddress(0x1007),
  governance: numberToAddress(0x1008),
  kvTableFactory: numberToAddress(0x1010),
} as const

/** FISCO 2.x Solidity interfaces of the precompiles (reference/fisco-2x.md §3.2). */
export const ABI = {
  governance: parseAbi([
    'function grantCommitteeMember(address) returns (int256)',
    'function revokeCommitteeMember(address) returns (int256)',
    'function listCommitteeMembers() view returns (string)',
    'function queryCommitteeMemberWeight(address) view returns (bool, int256)',
    'function updateCommitteeMemberWeight(address, int256) returns (int256)',
    'function queryVotesOfMember(address) view returns (string)',
    'function queryVotesOfThreshold() view returns (string)',
    'function updateThreshold(int256) returns (int256)',
    'function queryThreshold() view returns (int256)',
    'function grantOperator(address) returns (int256)',
    'function revokeOperator(address) returns (int256)',
    'function listOperators() view returns (string)',
    'function freezeAccount(address) returns (int256)',
    'function unfreezeAccount(address) returns (int256)',
    'function getAccountStatus(address) view returns (string)',
  ]),
  lifecycle: parseAbi([
    'function freeze(address) returns (int256)',
    'function unfreeze(address) returns (int256)',
    'function grantManager(address, address) returns (int256)',
    'function revokeManager(address, address) returns (int256)',
    'function getStatus(address) view returns (int256, string)',
    'function listManager(address) view returns (int256, address[])',
  ]),
  permission: parseAbi([
    'function insert(string, string) returns (int256)',
    'function remove(string, string) returns (int256)',
    'function queryByName(string) view returns (string)',
    'function grantWrite(address, address) returns (int256)',
    'function revokeWrite(address, address) returns (int256)',
    'function queryPermission(address) view returns (string)',
  ]),
  tableFactory: parseAbi(['function createTable(string, string, string) returns (int256)']),
  crud: parseAbi([
    'function insert(string, string, string, string) returns (int256)',
    'function select(string, string, string, string) view returns (string)',
  ]),
  systemConfig: parseAbi(['function setValueByKey(string, string) returns (int256)']),
  consensus: parseAbi(['function addSealer(string) returns (int256)']),
  cns: parseAbi(['function insert(string, string, string, string) returns (int256)']),
} as const

/** Calldata of `fn(args)` on `abi` (loosely typed: the tests pick functions by name). */
export function data(abi: Abi, fn: string, args: readonly unknown[] = []): `0x${string}` {
  return encodeFunctionData({ abi, functionName: fn as never, args: args as never })
}

/** A transaction from `from` calling `fn(args)` of `abi` at `to`. */
export function call(
  from: Address,
  to: Address,
  abi: Abi,
  fn: string,
  args: readonly unknown[] = [],
): SignedTransaction {
  return transaction({ from, to, data: data(abi, fn, args) })
}

/** A deploy transaction. */
export function deploy(from: Address, bytecode: `0x${string}`): SignedTransaction {
  return transaction({ from, to: null, data: bytecode })
}

/** The int256 a precompile (or a relay of one) returned. */
export function code(receipt: Receipt | undefined): bigint {
  return decodeAbiParameters([{ type: 'int256' }], hex(need(receipt).output))[0]
}

/** `receipt`, which must exist. */
export function need(receipt: Receipt | undefined): Receipt {
  if (receipt === undefined) throw new Error('missing receipt')
  return receipt
}

/** The decoded result of `fn` in `receipt`'s output. */
export function result(receipt: Receipt | undefined, abi: Abi, fn: string): unknown {
  return decodeFunctionResult({ abi, functionName: fn as never, data: hex(need(receipt).output) })
}

/** A chain under test: a world, its executors, and the height of the next block. */
export interface TestChain {
  readonly world: World
  /** Height of the block `run` executes next. */
  readonly height: number
  /** Executes one block with `executor` (default: FISCO origin mode) and commits it. */
  run(
    txs: readonly SignedTransaction[],
    executor?: SerialExecutor,
  ): Promise<ExecutionResult & { readonly rootBefore: Uint8Array }>
  /** Executors over this world's tables: FISCO (origin) mode and strict (caller) mode. */
  readonly origin: SerialExecutor
  readonly strict: SerialExecutor
  executor(init: SerialExecutorInit): SerialExecutor
}

/** A fresh chain whose genesis block holds `genesis` (none: an open chain), at height 1. */
export async function testChain(
  genesis: GovernanceGenesis | undefined,
  kind: 'storage' | 'mpt' = 'storage',
  init: SerialExecutorInit = {},
): Promise<TestChain> {
  const world = kind === 'storage' ? await storageWorld() : await mptWorld()
  if (genesis !== undefined) await initGovernance(world.tables, genesis)
  await world.next()
  const executor = (extra: SerialExecutorInit) =>
    createSerialExecutor({ ...init, ...extra }, { crypto: ecdsa, tables: () => world.tables })
  const origin = executor({})
  const strict = executor({ permission: { ...(init.permission || {}), mode: 'caller' } })
  let height = 1
  return {
    world,
    origin,
    strict,
    executor,
    get height() {
      return height
    },
    async run(txs, ex = origin) {
      const rootBefore = await world.state.stateRoot()
      const out = await ex.execute(blockContext(height), txs, world.state)
      await world.next()
      height++
      return { ...out, rootBefore }
    },
  }
}
