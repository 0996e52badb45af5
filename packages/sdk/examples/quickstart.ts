/**
 * SDK quickstart against a running node: compile a token with solc-js, deploy it, transfer,
 * read balances and events, and catch a revert reason and a panic.
 *
 *   node --conditions=source --import tsx examples/quickstart.ts http://127.0.0.1:8545
 *
 * (run by test/e2e-reference-node.test.ts against a `consortia start` node).
 */
import { readFileSync } from 'node:fs'
import solc from 'solc'
import {
  createAccount,
  createClient,
  createHttpTransport,
  deploy,
  getLogs,
  isSDKError,
} from '../src/index.js'

/** The token's ABI, written `as const` so reads, writes and events are typed. */
export const tokenAbi = [
  { type: 'constructor', stateMutability: 'nonpayable', inputs: [{ name: 'supply', type: 'uint256' }] },
  {
    type: 'function',
    name: 'balanceOf',
    stateMutability: 'view',
    inputs: [{ name: '', type: 'address' }],
    outputs: [{ name: '', type: 'uint256' }],
  },
  {
    type: 'function',
    name: 'transfer',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'to', type: 'address' },
      { name: 'value', type: 'uint256' },
    ],
    outputs: [{ name: '', type: 'bool' }],
  },
  {
    type: 'function',
    name: 'ratio',
    stateMutability: 'pure',
    inputs: [
      { name: 'a', type: 'uint256' },
      { name: 'b', type: 'uint256' },
    ],
    outputs: [{ name: '', type: 'uint256' }],
  },
  {
    type: 'event',
    name: 'Transfer',
    anonymous: false,
    inputs: [
      { name: 'from', type: 'address', indexed: true },
      { name: 'to', type: 'address', indexed: true },
      { name: 'value', type: 'uint256', indexed: false },
    ],
  },
] as const

/** Compiles examples/token.sol with solc-js (EVM version cancun). */
export function compileToken(): string {
  const source = readFileSync(new URL('./token.sol', import.meta.url), 'utf8')
  const input = {
    language: 'Solidity',
    sources: { 'token.sol': { content: source } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    contracts: { 'token.sol': { Token: { evm: { bytecode: { object: string } } } } }
  }
  return `0x${output.contracts['token.sol'].Token.evm.bytecode.object}`
}

/** Runs the walkthrough; returns what it saw so a test can check it. */
export async function main(url: string) {
  const alice = createAccount('ecdsa') // or accountFromPEM(readFileSync('accounts/alice.pem', 'utf8'))
  const bob = createAccount('ecdsa')
  const client = createClient({
    transport: createHttpTransport({ url }),
    account: alice,
    groupId: 1,
    chainId: 1,
  })

  // deploy: the constructor argument is typed (bigint) from the `as const` ABI
  const { contract: token, address } = await deploy(client, {
    abi: tokenAbi,
    bytecode: compileToken(),
    args: [1000n],
  })

  // write: waits for the receipt, decodes the return value and the events
  const sent = await token.write('transfer', [bob.address, 250n])
  const events = sent.events.map(
    (e) => `${e.eventName} ${JSON.stringify(e.args, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`,
  )

  // read: typed result (bigint)
  const aliceBalance: bigint = await token.read('balanceOf', [alice.address])
  const bobBalance: bigint = await token.read('balanceOf', [bob.address])

  // a revert: the error carries the FISCO status and the decoded reason
  let revertReason: string | undefined
  try {
    await token.write('transfer', [bob.address, 10_000n])
  } catch (err) {
    if (isSDKError(err, 'SDK_TX_FAILED')) revertReason = `${err.type.statusName}: ${err.type.revertReason}`
  }

  // a panic in a read: division by zero is Panic(0x12)
  let panic: string | undefined
  try {
    await token.read('ratio', [1n, 0n])
  } catch (err) {
    if (isSDKError(err, 'SDK_CALL_FAILED')) panic = err.type.revertReason
  }

  // logs of the deploy block onwards, decoded
  const logs = await getLogs(client, {
    fromBlock: sent.receipt.blockNumber - 1,
    address,
    abi: tokenAbi,
    eventName: 'Transfer',
  })
  await client.close()
  return { address, events, aliceBalance, bobBalance, revertReason, panic, transferLogs: logs.length }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const result = await main(process.argv[2] ?? 'http://127.0.0.1:8545')
  process.stdout.write(
    `${JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  )
}
