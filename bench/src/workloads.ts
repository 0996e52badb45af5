/**
 * The end-to-end workloads: what each sets up on a fresh chain (accounts, contracts, tables)
 * and what one load level sends.
 *
 * - `dag`: DagTransfer precompile (0x5002) `userTransfer` between string accounts;
 * - `parallelok`: a Solidity ParallelOk-style `transfer(string,string,uint256)`, registered as
 *   parallel through ParallelConfig (0x1006) by the contract's `enableParallel()`;
 * - `erc20`: Solidity ERC-20 `transfer(address,uint256)` from each load thread's funded account;
 * - `table`: CRUD precompile (0x1002) `insert` of one row per transaction into a user table
 *   created with TableFactory (0x1001) `createTable`.
 *
 * The contracts are compiled at run time with solc-js (`compileContracts`).
 */
import type { CryptoSuite } from '@consortia/interface'
import { encodeValues, parseSignature } from '@consortia/parallel-executor'
import solc from 'solc'
import { type DagCall, transferCalls } from './txgen.js'

/** The workloads `--workload` accepts. */
export const WORKLOAD_NAMES = ['dag', 'parallelok', 'erc20', 'table'] as const

/** A workload's name. */
export type WorkloadName = (typeof WORKLOAD_NAMES)[number]

/** What a report says a workload sends. */
export const WORKLOAD_TITLES: Readonly<Record<WorkloadName, string>> = {
  dag: 'DagTransfer `userTransfer` (precompiled)',
  parallelok: 'ParallelOk `transfer` (Solidity, ParallelConfig)',
  erc20: 'ERC-20 `transfer` (Solidity)',
  table: 'CRUD `insert` (table rows)',
}

/** True when `name` is a workload name. */
export function isWorkloadName(name: string): name is WorkloadName {
  return (WORKLOAD_NAMES as readonly string[]).includes(name)
}

/** The CRUD precompile's address (FISCO's 0x1002). */
export const CRUD_ADDRESS = '0x0000000000000000000000000000000000001002'

/** The TableFactory precompile's address (FISCO's 0x1001). */
export const TABLE_FACTORY_ADDRESS = '0x0000000000000000000000000000000000001001'

/** The solc-js version the workload contracts are compiled with (the package's exact dependency). */
export const SOLC_VERSION = '0.8.37'

/**
 * A ParallelOk-style transfer contract, written for this bench after the ParallelOk.sol of
 * FISCO BCOS 2.x's parallel-transfer demo (github.com/FISCO-BCOS/java-sdk-demo,
 * src/main/java/org/fisco/bcos/sdk/demo/contract/sol/ParallelOk.sol): string-keyed balances,
 * `transfer` and `set` registered with ParallelConfig (0x1006) so the executor runs
 * transfers on disjoint accounts in parallel.
 */
export const PARALLEL_OK_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
interface ParallelConfig {
  function registerParallelFunctionInternal(address target, string memory functionName, uint256 criticalSize) external returns (int256);
}
contract ParallelOk {
  mapping(string => uint256) private balances;
  function transfer(string memory from, string memory to, uint256 amount) public {
    require(balances[from] >= amount, "balance");
    balances[from] -= amount;
    balances[to] += amount;
  }
  function set(string memory name, uint256 amount) public { balances[name] = amount; }
  function balanceOf(string memory name) public view returns (uint256) { return balances[name]; }
  function enableParallel() public {
    ParallelConfig(address(0x1006)).registerParallelFunctionInternal(address(this), "transfer(string,string,uint256)", 2);
    ParallelConfig(address(0x1006)).registerParallelFunctionInternal(address(this), "set(string,uint256)", 1);
  }
}
`

/** A minimal ERC-20 token written for this bench: the whole supply goes to the deployer. */
export const TOKEN_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
contract BenchToken {
  mapping(address => uint256) public balanceOf;
  mapping(address => mapping(address => uint256)) public allowance;
  uint256 public totalSupply;
  event Transfer(address indexed from, address indexed to, uint256 value);
  event Approval(address indexed owner, address indexed spender, uint256 value);
  constructor(uint256 supply) { balanceOf[msg.sender] = supply; totalSupply = supply; emit Transfer(address(0), msg.sender, supply); }
  function transfer(address to, uint256 value) external returns (bool) { move(msg.sender, to, value); return true; }
  function approve(address spender, uint256 value) external returns (bool) {
    allowance[msg.sender][spender] = value;
    emit Approval(msg.sender, spender, value);
    return true;
  }
  function transferFrom(address from, address to, uint256 value) external returns (bool) {
    require(allowance[from][msg.sender] >= value, "allowance");
    allowance[from][msg.sender] -= value;
    move(from, to, value);
    return true;
  }
  function move(address from, address to, uint256 value) private {
    require(balanceOf[from] >= value, "balance");
    balanceOf[from] -= value;
    balanceOf[to] += value;
    emit Transfer(from, to, value);
  }
}
`

/** Creation code of the workload contracts. */
export interface WorkloadContracts {
  readonly parallelOk: string
  readonly token: string
}

let compiled: WorkloadContracts | undefined

/** Compiles ParallelOk and the token with solc-js (optimizer on, cancun), once per process. */
export function compileContracts(): WorkloadContracts {
  if (compiled !== undefined) return compiled
  const input = {
    language: 'Solidity',
    sources: { 'ParallelOk.sol': { content: PARALLEL_OK_SOL }, 'BenchToken.sol': { content: TOKEN_SOL } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts?: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0)
    throw new Error(`workload contracts: ${errors.map((e) => e.formattedMessage).join('\n')}`)
  const code = (file: string, name: string) => {
    const obj = output.contracts?.[file]?.[name]?.evm.bytecode.object
    if (obj === undefined || obj === '') throw new Error(`workload contracts: ${name} produced no bytecode`)
    return `0x${obj}`
  }
  compiled = { parallelOk: code('ParallelOk.sol', 'ParallelOk'), token: code('BenchToken.sol', 'BenchToken') }
  return compiled
}

/** ABI-encodes constructor `args` of `types` (e.g. `(uint256)`) after `code`. */
export function withConstructorArgs(code: string, types: string, args: readonly unknown[]): string {
  const fn = parseSignature(`constructor${types}`)
  return `${code}${Buffer.from(encodeValues(fn.inputs, args)).toString('hex')}`
}

/** The 20-byte address of an account name: the last 20 bytes of the suite's hash of the name. */
export function nameToAddress(suite: Pick<CryptoSuite, 'hash'>, name: string): string {
  return `0x${Buffer.from(suite.hash(new TextEncoder().encode(name)).subarray(12)).toString('hex')}`
}

/** A receipt as `getTransactionReceipt` returns it (the fields a workload checks). */
export interface ReceiptFields {
  readonly status: string
  readonly output: string
  readonly contractAddress?: string | null
}

/** What a workload needs from the chain while it sets up. */
export interface SetupEnv {
  readonly suite: CryptoSuite
  /** Account names (DagTransfer users, ParallelOk names, table keys, ERC-20 recipients). */
  readonly users: readonly string[]
  /** Addresses of the load threads' keys; thread w signs calls w, w + threads, … */
  readonly threadAddresses: readonly string[]
  /** Signs `calls` with thread 0's key, sends them and resolves with every receipt, in order. */
  sendAndWait(calls: readonly DagCall[]): Promise<ReceiptFields[]>
  /** Sends many `calls` over the load threads at a modest rate and waits until all committed. */
  sendMany(calls: readonly DagCall[]): Promise<void>
}

/** A workload set up on one chain. */
export interface PreparedWorkload {
  readonly name: WorkloadName
  /** The `count` calls of one load level; call i goes to load thread i % threads. */
  levelCalls(count: number, seed: number): DagCall[]
  /** Whether a committed receipt of `levelCalls` (or of `sendMany`) shows success. */
  receiptOk(receipt: ReceiptFields): boolean
}

/** Initial balance of each account. */
export const ACCOUNT_BALANCE = 10n ** 30n

const int256Of = (output: string): bigint => {
  const v = BigInt(output === '0x' || output === '' ? 0 : output)
  return v >= 1n << 255n ? v - (1n << 256n) : v
}
const statusOk = (r: ReceiptFields) => Number(r.status) === 0

/** Receipt checks of the workloads (exported for tests). */
export const receiptChecks: Readonly<Record<WorkloadName, (r: ReceiptFields) => boolean>> = {
  // userAdd/userTransfer return 0 on success.
  dag: (r) => statusOk(r) && r.output !== '0x' && int256Of(r.output) === 0n,
  // transfer/set return nothing; a failed require reverts (status ≠ 0).
  parallelok: statusOk,
  // transfer returns true.
  erc20: (r) => statusOk(r) && r.output !== '0x' && int256Of(r.output) === 1n,
  // insert returns the rows inserted (1).
  table: (r) => statusOk(r) && r.output !== '0x' && int256Of(r.output) === 1n,
}

function requireAll(what: string, receipts: readonly ReceiptFields[], ok: (r: ReceiptFields) => boolean) {
  const bad = receipts.findIndex((r) => !ok(r))
  if (bad >= 0)
    throw new Error(
      `${what}: transaction ${bad} failed (status ${receipts[bad]?.status}, output ${receipts[bad]?.output.slice(0, 80)})`,
    )
}

/** Sets `name` up on the chain behind `env` and returns its level generator and receipt check. */
export async function prepareWorkload(
  name: WorkloadName,
  env: SetupEnv,
  runTag: string,
): Promise<PreparedWorkload> {
  const receiptOk = receiptChecks[name]
  switch (name) {
    case 'dag': {
      await env.sendMany(env.users.map((user) => ({ kind: 'add', user, balance: ACCOUNT_BALANCE })))
      return { name, receiptOk, levelCalls: (count, seed) => transferCalls(env.users, count, seed) }
    }
    case 'parallelok': {
      const [deployed] = await env.sendAndWait([{ kind: 'deploy', code: compileContracts().parallelOk }])
      const to = deployed?.contractAddress
      if (deployed === undefined || !statusOk(deployed) || typeof to !== 'string')
        throw new Error(`parallelok: deployment failed (status ${deployed?.status})`)
      requireAll(
        'parallelok: enableParallel',
        await env.sendAndWait([{ kind: 'call', to, signature: 'enableParallel()', args: [] }]),
        statusOk,
      )
      await env.sendMany(
        env.users.map((user) => ({
          kind: 'call',
          to,
          signature: 'set(string,uint256)',
          args: [user, ACCOUNT_BALANCE],
        })),
      )
      return {
        name,
        receiptOk,
        levelCalls: (count, seed) =>
          transferCalls(env.users, count, seed).map((c) => ({
            kind: 'call',
            to,
            signature: 'transfer(string,string,uint256)',
            args: c.kind === 'transfer' ? [c.from, c.to, c.amount] : [],
          })),
      }
    }
    case 'erc20': {
      const supply = ACCOUNT_BALANCE * BigInt(env.threadAddresses.length + 1)
      const [deployed] = await env.sendAndWait([
        { kind: 'deploy', code: withConstructorArgs(compileContracts().token, '(uint256)', [supply]) },
      ])
      const to = deployed?.contractAddress
      if (deployed === undefined || !statusOk(deployed) || typeof to !== 'string')
        throw new Error(`erc20: deployment failed (status ${deployed?.status})`)
      // Thread 0 deployed and holds the supply; every other thread gets its share.
      requireAll(
        'erc20: funding the load threads',
        await env.sendAndWait(
          env.threadAddresses.slice(1).map((a) => ({
            kind: 'call',
            to,
            signature: 'transfer(address,uint256)',
            args: [a, ACCOUNT_BALANCE],
          })),
        ),
        receiptOk,
      )
      // Recipients: the address of each account name (they need no set-up).
      const recipients = new Map(env.users.map((u) => [u, nameToAddress(env.suite, u)]))
      return {
        name,
        receiptOk,
        levelCalls: (count, seed) =>
          transferCalls(env.users, count, seed).map((c) => ({
            kind: 'call',
            to,
            signature: 'transfer(address,uint256)',
            args: [c.kind === 'transfer' ? recipients.get(c.to) : undefined, 1n],
          })),
      }
    }
    case 'table': {
      const table = `bench_${runTag.replace(/[^0-9a-z]/gi, '')}`
      requireAll(
        'table: createTable',
        await env.sendAndWait([
          {
            kind: 'call',
            to: TABLE_FACTORY_ADDRESS,
            signature: 'createTable(string,string,string)',
            args: [table, 'id', 'item,amount'],
          },
        ]),
        (r) => statusOk(r) && int256Of(r.output) === 0n,
      )
      return {
        name,
        receiptOk,
        levelCalls: (count, seed) =>
          Array.from({ length: count }, (_, i) => ({
            kind: 'call',
            to: CRUD_ADDRESS,
            signature: 'insert(string,string,string,string)',
            args: [
              table,
              env.users[(seed * 7919 + i) % env.users.length],
              JSON.stringify({
                id: env.users[(seed * 7919 + i) % env.users.length],
                item: `s${seed}i${i}`,
                amount: String(i),
              }),
              '',
            ],
          })),
      }
    }
  }
}
