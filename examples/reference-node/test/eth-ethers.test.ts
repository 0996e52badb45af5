/**
 * Issue 13's Ethereum check: ethers v6 (from npm, unchanged) against a running node
 * (`startNode` on a build-chain node directory) over the node's Ethereum port. It deploys an
 * ERC-20 compiled by solc-js (evmVersion set explicitly), transfers, reads balances and
 * Transfer events (eth_getLogs and a WebSocket subscription), gets revert reasons (eth_call
 * and a mined transaction), and checks that a replayed raw transaction and one signed for
 * another chain are refused and that permission rules apply to Ethereum-origin transactions
 * exactly as to FISCO transactions.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AbiCoder,
  Contract,
  type ContractEventPayload,
  ContractFactory,
  type EventLog,
  JsonRpcProvider,
  Wallet,
  WebSocketProvider,
} from 'ethers'
import solc from 'solc'
import { encodeFunctionData, parseAbi } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildChain } from '../src/build-chain/generate.js'
import { parseBuildChainArgs } from '../src/build-chain/options.js'
import { createRpcClient, type RpcClient, signRawTransaction, waitForReceipt } from '../src/client.js'
import { type StartedNode, startNode } from '../src/node/start.js'
import { freePorts } from './helpers/cluster.js'
import { accountOf } from './helpers/workload.js'

/** The EVM version the contract is compiled for (the node's executor runs Cancun). */
const EVM_VERSION = 'cancun'

function compileToken(): { abi: unknown[]; bytecode: string } {
  const source = readFileSync(new URL('./fixtures/EthERC20.sol', import.meta.url), 'utf8')
  const input = {
    language: 'Solidity',
    sources: { 'EthERC20.sol': { content: source } },
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>
  }
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const c = out.contracts['EthERC20.sol']!['EthERC20']!
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
}

/** Decodes ABI `Error(string)` revert data. */
function revertString(data: string): string {
  expect(data.slice(0, 10)).toBe('0x08c379a0')
  return AbiCoder.defaultAbiCoder().decode(['string'], `0x${data.slice(10)}`)[0] as string
}

const root = mkdtempSync(join(tmpdir(), 'consortia-eth-'))
// Deterministic test keys (never used outside tests).
const ALICE_KEY = '0x59c6995e998f97a459e0ab6d84f1f3e1f2b1ea2f2d8d5cee7bd4bb1f0e1b4f36'
const BOB = '0x00000000000000000000000000000000000b0b00'
const system = parseAbi([
  'function grantOperator(address user) returns (int256)',
  'function grantCommitteeMember(address user) returns (int256)',
  'function freezeAccount(address account) returns (int256)',
  'function unfreezeAccount(address account) returns (int256)',
])
const CHAIN_GOVERNANCE = '0x0000000000000000000000000000000000001008'

describe('ethers v6 against a running node (issue 13)', () => {
  let node: StartedNode
  let provider: JsonRpcProvider
  let alice: Wallet
  let token: Contract
  let tokenAddress: string
  let fisco: RpcClient
  const compiled = compileToken()
  const admin = accountOf('ecdsa', 'eth-ethers-admin')

  const sendFisco = async (to: string | null, data: string) => {
    const blockNumber = Number(await fisco.call<string>('getBlockNumber', [1]))
    const raw = signRawTransaction({ ...admin, chainId: 1, groupId: 1, blockNumber }, to, data)
    return waitForReceipt(fisco, 1, await fisco.call<string>('sendRawTransaction', [1, raw]))
  }

  beforeAll(async () => {
    const ports = await freePorts(1, 21_000)
    const options = parseBuildChainArgs([
      '-l',
      '127.0.0.1:1',
      '-o',
      join(root, 'chain'),
      '-p',
      ports.join(','),
      '--tick-ms',
      '50',
    ])
    if (options === 'help') throw new Error('help')
    const chain = await buildChain(options)
    node = await startNode(chain.nodes[0]!.dir)
    expect(node.ports.eth).toBeGreaterThan(0)
    fisco = createRpcClient(`http://127.0.0.1:${node.ports.rpc}`)
    provider = new JsonRpcProvider(`http://127.0.0.1:${node.ports.eth}`, undefined, {
      pollingInterval: 100,
      // No response cache: a nonce read just before a commit must not be reused after it.
      cacheTimeout: -1,
    })
    alice = new Wallet(ALICE_KEY, provider)
    const factory = new ContractFactory(compiled.abi as never, compiled.bytecode, alice)
    token = (await factory.deploy(1_000_000n)) as Contract
    await token.waitForDeployment()
    tokenAddress = await token.getAddress()
  }, 180_000)

  afterAll(async () => {
    provider?.destroy()
    await node?.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('deploys at the address ethers predicts, with the chain id and code it reads back', async () => {
    const network = await provider.getNetwork()
    expect(network.chainId).toBe(1n)
    const deployTx = token.deploymentTransaction()!
    const receipt = await provider.getTransactionReceipt(deployTx.hash)
    expect(receipt!.status).toBe(1)
    expect(receipt!.contractAddress).toBe(tokenAddress)
    // keccak256(raw) is the hash ethers computed itself; the node answers with it.
    expect((await provider.getTransaction(deployTx.hash))!.from).toBe(alice.address)
    expect((await provider.getCode(tokenAddress)).length).toBeGreaterThan(100)
    expect(await token.getFunction('totalSupply')()).toBe(1_000_000n)
    expect(await provider.getTransactionCount(alice.address)).toBe(1)
    // Slot 2 is totalSupply (name, symbol, totalSupply in declaration order).
    expect(BigInt(await provider.getStorage(tokenAddress, 2))).toBe(1_000_000n)
  })

  it('transfers with EIP-1559, EIP-2930 and legacy EIP-155 transactions and reads balances and events', async () => {
    const transfer = token.getFunction('transfer')
    const types = [2, 1, 0]
    for (const [i, type] of types.entries()) {
      const tx = await transfer(BOB, BigInt(100 + i), { type })
      const receipt = await tx.wait()
      expect(receipt!.status).toBe(1)
      expect(receipt!.type).toBe(type)
      const seen = await provider.getTransaction(tx.hash)
      expect(seen!.type).toBe(type)
      expect(seen!.nonce).toBe(tx.nonce)
    }
    expect(await token.getFunction('balanceOf')(BOB)).toBe(303n)
    expect(await token.getFunction('balanceOf')(alice.address)).toBe(1_000_000n - 303n)
    const events = (await token.queryFilter(token.filters['Transfer']!(alice.address, BOB), 0)) as EventLog[]
    expect(events.map((e) => e.args[2])).toEqual([100n, 101n, 102n])
    const block = await provider.getBlock(events[0]!.blockNumber)
    expect(block!.hash).toBe(events[0]!.blockHash)
  })

  it('delivers Transfer events and new heads over a WebSocket subscription', async () => {
    const ws = new WebSocketProvider(`ws://127.0.0.1:${node.ports.eth}`)
    try {
      const wsToken = new Contract(tokenAddress, compiled.abi as never, ws)
      const got = new Promise<bigint>((resolve) => {
        // With a topic filter ethers hands over only the payload; its args are the decoded event.
        void wsToken.on(wsToken.filters['Transfer']!(null, BOB), (...args: unknown[]) =>
          resolve((args.at(-1) as ContractEventPayload).args[2] as bigint),
        )
      })
      const head = new Promise<number>((resolve) => {
        void ws.once('block', (n: number) => resolve(n))
      })
      // Let both subscriptions reach the node before the transfer commits.
      await new Promise((r) => setTimeout(r, 300))
      const tx = await token.getFunction('transfer')(BOB, 7n)
      await tx.wait()
      expect(await got).toBe(7n)
      expect(await head).toBeGreaterThan(0)
      await wsToken.removeAllListeners()
      await ws.removeAllListeners()
      // Let ethers' eth_unsubscribe answers arrive before the provider is destroyed.
      await new Promise((r) => setTimeout(r, 300))
    } finally {
      await ws.destroy()
    }
  })

  it('gives the revert reason of a failing transfer: eth_call and a mined transaction', async () => {
    const transfer = token.getFunction('transfer')
    await expect(transfer.staticCall(BOB, 10n ** 30n)).rejects.toMatchObject({
      code: 'CALL_EXCEPTION',
      reason: 'ERC20: transfer amount exceeds balance',
    })
    // An explicit gas limit skips estimateGas, so the failing transaction is mined.
    const tx = await transfer(BOB, 10n ** 30n, { gasLimit: 500_000n })
    await expect(tx.wait()).rejects.toMatchObject({ code: 'CALL_EXCEPTION', receipt: { status: 0 } })
    const raw = (await provider.send('eth_getTransactionReceipt', [tx.hash])) as Record<string, string>
    expect(raw['status']).toBe('0x0')
    expect(revertString(raw['revertReason']!)).toBe('ERC20: transfer amount exceeds balance')
    // The nonce was used all the same, as on Ethereum.
    expect(await provider.getTransactionCount(alice.address)).toBe(tx.nonce + 1)
  })

  it('refuses a replayed raw transaction (at once and blocks later) and one signed for another chain', async () => {
    const data = token.interface.encodeFunctionData('transfer', [BOB, 1n])
    const raw = await alice.signTransaction(await alice.populateTransaction({ to: tokenAddress, data }))
    const first = await provider.broadcastTransaction(raw)
    await first.wait()
    await expect(provider.broadcastTransaction(raw)).rejects.toThrow(/nonce too low/)
    // More blocks, then the same bytes again: the on-chain nonce still refuses them …
    for (let i = 0; i < 3; i++) await (await token.getFunction('transfer')(BOB, 1n)).wait()
    await expect(provider.broadcastTransaction(raw)).rejects.toThrow(/nonce too low/)
    // … and so does the pool, past the Ethereum admission checks.
    const direct = await node.groups.get(1)!.backend.submit(Uint8Array.from(Buffer.from(raw.slice(2), 'hex')))
    expect(direct).toMatchObject({ ok: false, reason: 'ALREADY_IN_CHAIN' })

    const stranger = new Wallet(Wallet.createRandom().privateKey)
    const other = await stranger.signTransaction({
      to: tokenAddress,
      data,
      chainId: 999n,
      nonce: 0,
      gasLimit: 100_000n,
      gasPrice: 0n,
      type: 0,
    })
    await expect(provider.broadcastTransaction(other)).rejects.toThrow(/chain 999/)
    const balance = await token.getFunction('balanceOf')(BOB)
    expect(balance).toBe(303n + 7n + 1n + 3n)
  })

  it('applies deploy permission and frozen accounts to Ethereum-origin transactions as to FISCO ones', async () => {
    const factory = new ContractFactory(compiled.abi as never, compiled.bytecode, alice)
    const deployData = (await factory.getDeployTransaction(1n)).data
    // The first committee member may be granted by anyone; freezing needs a member
    // (before any permission row exists).
    const member = await sendFisco(
      CHAIN_GOVERNANCE,
      encodeFunctionData({
        abi: system,
        functionName: 'grantCommitteeMember',
        args: [admin.address as `0x${string}`],
      }),
    )
    expect(BigInt.asIntN(256, BigInt(member.output))).toBeGreaterThanOrEqual(0n)
    // Only operators may deploy from now on.
    const operator = accountOf('ecdsa', 'eth-ethers-operator')
    const granted = await sendFisco(
      CHAIN_GOVERNANCE,
      encodeFunctionData({
        abi: system,
        functionName: 'grantOperator',
        args: [operator.address as `0x${string}`],
      }),
    )
    expect(BigInt(granted.output)).toBe(1n)
    const ethDeploy = await alice.sendTransaction({ data: deployData, gasLimit: 3_000_000n })
    await expect(ethDeploy.wait()).rejects.toMatchObject({ receipt: { status: 0 } })
    const ethReceipt = (await provider.send('eth_getTransactionReceipt', [ethDeploy.hash])) as Record<
      string,
      string
    >
    // A FISCO deploy by an account without the grant gets the same FISCO status.
    const outsider = accountOf('ecdsa', 'eth-ethers-outsider')
    const blockNumber = Number(await fisco.call<string>('getBlockNumber', [1]))
    const fiscoRaw = signRawTransaction(
      { ...outsider, chainId: 1, groupId: 1, blockNumber },
      null,
      deployData,
    )
    const fiscoDeploy = await waitForReceipt(
      fisco,
      1,
      await fisco.call<string>('sendRawTransaction', [1, fiscoRaw]),
    )
    expect(Number(fiscoDeploy.status)).toBe(18) // NoDeployPermission
    expect(Number(ethReceipt['fiscoStatus'])).toBe(18)
    // Making alice's Ethereum address an operator lets her deploy.
    const aliceGranted = await sendFisco(
      CHAIN_GOVERNANCE,
      encodeFunctionData({
        abi: system,
        functionName: 'grantOperator',
        args: [alice.address as `0x${string}`],
      }),
    )
    expect(BigInt(aliceGranted.output)).toBe(1n)
    const allowed = await alice.sendTransaction({ data: deployData, gasLimit: 3_000_000n })
    expect((await allowed.wait())!.status).toBe(1)

    // Frozen: alice's transactions are refused with AccountFrozen, as a frozen FISCO sender's are.
    const frozen = await sendFisco(
      CHAIN_GOVERNANCE,
      encodeFunctionData({
        abi: system,
        functionName: 'freezeAccount',
        args: [alice.address as `0x${string}`],
      }),
    )
    expect(frozen.status).toBe('0x0')
    expect(BigInt(frozen.output)).toBe(1n)
    const blocked = await token.getFunction('transfer')(BOB, 1n, { gasLimit: 500_000n })
    await expect(blocked.wait()).rejects.toMatchObject({ receipt: { status: 0 } })
    const blockedReceipt = (await provider.send('eth_getTransactionReceipt', [blocked.hash])) as Record<
      string,
      string
    >
    expect(Number(blockedReceipt['fiscoStatus'])).toBe(31) // AccountFrozen
    await sendFisco(
      CHAIN_GOVERNANCE,
      encodeFunctionData({
        abi: system,
        functionName: 'unfreezeAccount',
        args: [alice.address as `0x${string}`],
      }),
    )
    expect((await (await token.getFunction('transfer')(BOB, 1n)).wait())!.status).toBe(1)
  })
})
