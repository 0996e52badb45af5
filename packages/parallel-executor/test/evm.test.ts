import { TxStatus } from '@consortia/interface'
import { encode as rlpEncode } from '@ethereumjs/rlp'
import {
  type Abi,
  decodeFunctionResult,
  encodeAbiParameters,
  encodeDeployData,
  encodeFunctionData,
} from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes } from '../src/bytes.js'
import {
  contractAddress,
  createSerialExecutor,
  logsBloom,
  statusOfEVMError,
  TX_GAS_LIMIT_DEFAULT,
} from '../src/index.js'
import { sm3 } from '../src/precompiles/crypto.js'
import {
  ALICE,
  BOB,
  blockContext,
  ecdsa,
  hex,
  mptWorld,
  sm,
  storageWorld,
  transaction,
  type World,
} from './helpers/chain.js'
import { ERC20_SOL } from './helpers/contracts.js'
import { type Compiled, compile } from './helpers/solc.js'

let token: Compiled
let misc: Compiled

beforeAll(() => {
  const out = compile({ 'Token.sol': ERC20_SOL })
  token = out.Token as Compiled
  misc = out.Misc as Compiled
})

function deployTx(c: Compiled, args: readonly unknown[] = [], from = ALICE) {
  return transaction({ from, to: null, data: encodeDeployData({ abi: c.abi, bytecode: c.bytecode, args }) })
}

function callTx(abi: Abi, to: Uint8Array, functionName: string, args: readonly unknown[] = [], from = ALICE) {
  return transaction({ from, to, data: encodeFunctionData({ abi, functionName, args }) })
}

function result(abi: Abi, functionName: string, output: Uint8Array): unknown {
  return decodeFunctionResult({ abi, functionName, data: hex(output) })
}

async function runBlock(world: World, number: number, txs: ReturnType<typeof transaction>[]) {
  const executor = createSerialExecutor({}, { crypto: world.crypto, tables: () => world.tables })
  return executor.execute(blockContext(number), txs, world.state)
}

describe('EVM execution over a StateView', () => {
  it('deploys an ERC-20 at Hash(rlp([sender, nonce])) and transfers with logs and bloom', async () => {
    const world = await storageWorld()
    const deploy = await runBlock(world, 1, [deployTx(token, [1000n])])
    const r0 = deploy.receipts[0]
    expect(r0?.status).toBe(TxStatus.None)
    // libexecutive/Executive.cpp: the address uses the sender's account nonce (0 for its first deployment).
    const expected = ecdsa.hash(rlpEncode([ALICE, new Uint8Array(0)])).subarray(12)
    expect(bytesToHex(r0?.contractAddress ?? new Uint8Array())).toBe(bytesToHex(expected))
    expect(r0?.logs).toHaveLength(1)
    const address = r0?.contractAddress as Uint8Array

    const transfer = await runBlock(world, 2, [
      callTx(token.abi, address, 'transfer', [hex(BOB), 250n]),
      callTx(token.abi, address, 'balanceOf', [hex(BOB)]),
    ])
    const [t, b] = transfer.receipts
    expect(t?.status).toBe(TxStatus.None)
    expect(result(token.abi, 'transfer', t?.output as Uint8Array)).toBe(true)
    expect(result(token.abi, 'balanceOf', b?.output as Uint8Array)).toBe(250n)
    const log = t?.logs[0]
    expect(bytesToHex(log?.address as Uint8Array)).toBe(bytesToHex(address))
    expect(log?.topics).toHaveLength(3)
    expect(bytesToHex(log?.topics[2] as Uint8Array)).toBe(`${'00'.repeat(12)}${bytesToHex(BOB)}`)
    expect(bytesToHex(t?.logsBloom as Uint8Array)).toBe(bytesToHex(logsBloom(t?.logs ?? [], ecdsa.hash)))
    expect(t?.logsBloom.some((x) => x !== 0)).toBe(true)
    expect(b?.logsBloom.every((x) => x === 0)).toBe(true)
    expect(transfer.gasUsed).toBe((t?.gasUsed ?? 0n) + (b?.gasUsed ?? 0n))
    expect(t?.remainGas).toBe(TX_GAS_LIMIT_DEFAULT - (t?.gasUsed ?? 0n))
  })

  it('a second deployment by the same sender uses the next account nonce; calls do not bump it', async () => {
    const world = await storageWorld()
    const first = await runBlock(world, 1, [deployTx(misc)])
    const address = first.receipts[0]?.contractAddress as Uint8Array
    const second = await runBlock(world, 2, [callTx(misc.abi, address, 'counter'), deployTx(misc)])
    expect(bytesToHex(second.receipts[1]?.contractAddress as Uint8Array)).toBe(
      bytesToHex(contractAddress(ALICE, 1n, ecdsa.hash)),
    )
    expect((await world.state.getAccount(ALICE))?.nonce).toBe(2n)
  })

  it('reverts with the reason as output and status 22, keeping no state change', async () => {
    const world = await storageWorld()
    const address = (await runBlock(world, 1, [deployTx(token, [10n])])).receipts[0]
      ?.contractAddress as Uint8Array
    const out = await runBlock(world, 2, [
      callTx(token.abi, address, 'transfer', [hex(BOB), 11n]),
      callTx(token.abi, address, 'balanceOf', [hex(ALICE)]),
    ])
    const r = out.receipts[0]
    expect(r?.status).toBe(TxStatus.RevertInstruction)
    // Error(string) selector 0x08c379a0 followed by the ABI-encoded reason.
    expect(hex(r?.output as Uint8Array)).toBe(
      `0x08c379a0${encodeAbiParameters([{ type: 'string' }], ['insufficient balance']).slice(2)}`,
    )
    expect(r?.logs).toHaveLength(0)
    expect(result(token.abi, 'balanceOf', out.receipts[1]?.output as Uint8Array)).toBe(10n)
    expect((r?.gasUsed ?? 0n) < TX_GAS_LIMIT_DEFAULT).toBe(true)
  })

  it('A11: ends an infinite loop, a memory bomb and deep recursion with out-of-gas, using the whole tx_gas_limit', async () => {
    const world = await storageWorld()
    const address = (await runBlock(world, 1, [deployTx(misc)])).receipts[0]?.contractAddress as Uint8Array
    // A lower tx_gas_limit keeps the loop short; the default 300M would take seconds.
    const executor = createSerialExecutor({}, { crypto: ecdsa, tables: () => world.tables })
    const setLimit = transaction({
      from: ALICE,
      to: hexToBytes('0x0000000000000000000000000000000000001000'),
      data: encodeFunctionData({
        abi: [
          {
            type: 'function',
            name: 'setValueByKey',
            inputs: [{ type: 'string' }, { type: 'string' }],
            outputs: [{ type: 'int256' }],
            stateMutability: 'nonpayable',
          },
        ],
        functionName: 'setValueByKey',
        args: ['tx_gas_limit', '1000000'],
      }),
    })
    expect((await executor.execute(blockContext(2), [setLimit], world.state)).receipts[0]?.status).toBe(0)
    const out = await executor.execute(
      blockContext(3),
      [
        callTx(misc.abi, address, 'spin'),
        callTx(misc.abi, address, 'memoryBomb'),
        callTx(misc.abi, address, 'recurse', [2000n]),
      ],
      world.state,
    )
    const [spin, bomb, recurse] = out.receipts
    expect(spin?.status).toBe(TxStatus.OutOfGas)
    expect(spin?.gasUsed).toBe(1_000_000n)
    expect(bomb?.status).toBe(TxStatus.OutOfGas)
    // The recursion runs out of gas in an inner frame; Solidity bubbles that up as a revert.
    expect([TxStatus.OutOfGas, TxStatus.RevertInstruction]).toContain(recurse?.status)
    expect(await world.state.getStorage(address, new Uint8Array(32))).toHaveLength(0)
  })

  it('rejects calls to addresses without code (26), expired blockLimit (16) and exhausted block gas (9)', async () => {
    const world = await storageWorld()
    const executor = createSerialExecutor({}, { crypto: ecdsa, tables: () => world.tables })
    const out = await executor.execute(
      blockContext(10, 1n),
      [
        transaction({ from: ALICE, to: BOB, data: '0x' }),
        transaction({ from: ALICE, to: BOB, data: '0x', blockLimit: 10n }),
        transaction({ from: ALICE, to: BOB, data: '0x', blockLimit: 1011n }),
        deployTx(misc),
        deployTx(misc),
      ],
      world.state,
    )
    expect(out.receipts.map((r) => r.status)).toEqual([
      TxStatus.CallAddressError,
      TxStatus.BlockLimitCheckFail,
      TxStatus.BlockLimitCheckFail,
      TxStatus.None,
      TxStatus.BlockGasLimitReached,
    ])
  })

  it('exposes block number, millisecond timestamp and sealer to contracts', async () => {
    const world = await storageWorld()
    const address = (await runBlock(world, 1, [deployTx(misc)])).receipts[0]?.contractAddress as Uint8Array
    const out = await runBlock(world, 7, [callTx(misc.abi, address, 'env')])
    const [n, ts, coinbase] = result(misc.abi, 'env', out.receipts[0]?.output as Uint8Array) as [
      bigint,
      bigint,
      string,
    ]
    expect(n).toBe(7n)
    expect(ts).toBe(BigInt(blockContext(7).timestamp))
    expect(coinbase.toLowerCase()).toBe(hex(blockContext(7).sealer))
  })

  it('creates contracts from contracts with CREATE and CREATE2 addresses under the chain hash', async () => {
    const world = await storageWorld(sm)
    const executor = createSerialExecutor({}, { crypto: sm, tables: () => world.tables })
    const deployed = await executor.execute(blockContext(1), [deployTx(misc)], world.state)
    const address = deployed.receipts[0]?.contractAddress as Uint8Array
    expect(bytesToHex(address)).toBe(bytesToHex(sm.hash(rlpEncode([ALICE, new Uint8Array(0)])).subarray(12)))
    const salt = `0x${'11'.repeat(32)}` as const
    const out = await executor.execute(
      blockContext(2),
      [callTx(misc.abi, address, 'deploy2', [salt]), callTx(misc.abi, address, 'hashOf', ['0x616263'])],
      world.state,
    )
    expect(out.receipts[0]?.status).toBe(0)
    const child = result(misc.abi, 'deploy2', out.receipts[0]?.output as Uint8Array) as string
    const initCode = hexToBytes(compile({ 'Token.sol': ERC20_SOL }).Child?.bytecode as string)
    const expected = sm
      .hash(new Uint8Array([0xff, ...address, ...hexToBytes(salt), ...sm.hash(initCode)]))
      .subarray(12)
    expect(child.toLowerCase()).toBe(hex(expected))
    // On a guomi chain the keccak256 opcode is SM3.
    expect(result(misc.abi, 'hashOf', out.receipts[1]?.output as Uint8Array)).toBe(
      hex(sm3(new TextEncoder().encode('abc'))),
    )
  })

  it('gives identical receipts and roots on repeated runs, and the same receipts on StorageState and MPT state', async () => {
    async function run(make: () => Promise<World>) {
      const world = await make()
      const a = await runBlock(world, 1, [deployTx(token, [1_000_000n]), deployTx(misc)])
      await world.next()
      const tokenAddress = a.receipts[0]?.contractAddress as Uint8Array
      const miscAddress = a.receipts[1]?.contractAddress as Uint8Array
      const txs = [
        ...Array.from({ length: 20 }, (_, i) =>
          callTx(token.abi, tokenAddress, 'transfer', [hex(BOB), BigInt(i + 1)]),
        ),
        callTx(misc.abi, miscAddress, 'fail', ['no']),
        callTx(misc.abi, miscAddress, 'deploy'),
      ]
      const b = await runBlock(world, 2, txs)
      return { a, b }
    }
    const strip = (
      rs: readonly {
        status: number
        gasUsed: bigint
        output: Uint8Array
        contractAddress: Uint8Array
        logs: readonly unknown[]
      }[],
    ) =>
      rs.map((r) => ({
        status: r.status,
        gasUsed: r.gasUsed,
        output: hex(r.output),
        contract: hex(r.contractAddress),
        logs: r.logs.length,
      }))
    const s1 = await run(() => storageWorld())
    const s2 = await run(() => storageWorld())
    expect(hex(s1.b.stateRoot)).toBe(hex(s2.b.stateRoot))
    expect(s1.b.receipts.every((r) => r.stateRoot.every((x) => x === 0))).toBe(true)
    expect(strip(s1.b.receipts)).toEqual(strip(s2.b.receipts))
    const m1 = await run(() => mptWorld())
    const m2 = await run(() => mptWorld())
    expect(hex(m1.b.stateRoot)).toBe(hex(m2.b.stateRoot))
    expect(strip(m1.b.receipts)).toEqual(strip(s1.b.receipts))
    expect(strip(m1.a.receipts)).toEqual(strip(s1.a.receipts))
  })

  it('maps EVM exceptions to FISCO status codes', () => {
    expect(statusOfEVMError(undefined)).toBe(0)
    expect(statusOfEVMError({ error: 'out of gas', errorType: 'EVMError' } as never)).toBe(12)
    expect(statusOfEVMError({ error: 'stack underflow', errorType: 'EVMError' } as never)).toBe(14)
    expect(statusOfEVMError({ error: 'invalid JUMP', errorType: 'EVMError' } as never)).toBe(11)
    expect(statusOfEVMError({ error: 'invalid JUMP at pc=12 (0x0c)', errorType: 'EVMError' } as never)).toBe(
      11,
    )
    expect(statusOfEVMError({ error: 'create collision', errorType: 'EVMError' } as never)).toBe(24)
  })
})
