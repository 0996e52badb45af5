/**
 * The Ethereum nonce rule (src/eth-nonce.ts): an Ethereum-origin transaction runs only with
 * its sender's account nonce, bumps it whatever the outcome, gets status 6 InvalidNonce
 * otherwise (after any number of blocks), and deploys at keccak256(rlp([sender, nonce])).
 */
import type { Bytes, EthTransaction, SignedTransaction } from '@consortia/interface'
import { TxStatus } from '@consortia/interface'
import { getContractAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { bytesToHex } from '../src/bytes.js'
import { createSerialExecutor } from '../src/index.js'
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
} from './helpers/chain.js'

/** Init code that deploys an empty contract: PUSH1 0 PUSH1 0 RETURN. */
const EMPTY_INIT = Uint8Array.of(0x60, 0x00, 0x60, 0x00, 0xf3)

let serial = 0
/** An Ethereum-origin transaction as the protocol package maps it (sender already recovered). */
function ethTx(nonce: bigint, to: Bytes | null, data: Bytes = new Uint8Array(0)): SignedTransaction {
  const raw = Uint8Array.of(0x02, ...ALICE, Number(nonce), serial++ & 0xff)
  const tx: EthTransaction = {
    format: 'eth',
    nonce: 1_000_000n + BigInt(serial),
    gasPrice: 0n,
    gas: 1_000_000n,
    blockLimit: (1n << 63n) - 1n,
    to,
    value: 0n,
    data,
    chainId: 1n,
    groupId: 0n,
    extraData: new Uint8Array(0),
    signature: { kind: 'ecdsa', v: 27, r: 1n, s: 1n },
    eth: {
      type: 'eip1559',
      chainId: 1n,
      nonce,
      maxFeePerGas: 0n,
      maxPriorityFeePerGas: 0n,
      accessList: [],
      yParity: 0,
    },
  }
  return { tx, raw, hash: ecdsa.hash(raw), sender: ALICE }
}

describe('the Ethereum nonce rule', () => {
  for (const kind of ['storage', 'mpt'] as const) {
    it(`runs only the account's next nonce and refuses replays later on (${kind} state)`, async () => {
      const world = kind === 'storage' ? await storageWorld() : await mptWorld()
      const executor = createSerialExecutor({}, { crypto: ecdsa, sm, tables: () => world.tables })
      const deploy = ethTx(0n, null, EMPTY_INIT)
      const first = await executor.execute(
        blockContext(1),
        [deploy, ethTx(0n, BOB), ethTx(2n, BOB), ethTx(1n, BOB)],
        world.state,
      )
      // A call to an address without code fails (26) but consumes the nonce, as on Ethereum.
      expect(first.receipts.map((r) => r.status)).toEqual([
        TxStatus.None,
        TxStatus.InvalidNonce,
        TxStatus.InvalidNonce,
        TxStatus.CallAddressError,
      ])
      const expected = getContractAddress({ from: hex(ALICE), nonce: 0n }).toLowerCase()
      expect(hex(first.receipts[0]!.contractAddress)).toBe(expected)
      expect((await world.state.getAccount(ALICE))?.nonce).toBe(2n)
      await world.next()

      // Blocks later the same transaction is still refused, and refusals write nothing.
      await world.next()
      const root = await world.state.stateRoot()
      const replay = await executor.execute(blockContext(3), [deploy], world.state)
      expect(replay.receipts[0]!.status).toBe(TxStatus.InvalidNonce)
      expect(bytesToHex(await world.state.stateRoot())).toBe(bytesToHex(root))
      const next = await executor.execute(blockContext(3), [ethTx(2n, null, EMPTY_INIT)], world.state)
      expect(next.receipts[0]!.status).toBe(TxStatus.None)
      expect(hex(next.receipts[0]!.contractAddress)).toBe(
        getContractAddress({ from: hex(ALICE), nonce: 2n }).toLowerCase(),
      )
    })
  }

  it('leaves FISCO transactions to their blockLimit rule and their nonces alone', async () => {
    const world = await storageWorld()
    const executor = createSerialExecutor({}, { crypto: ecdsa, sm, tables: () => world.tables })
    const result = await executor.execute(
      blockContext(1),
      [
        transaction({ from: ALICE, to: BOB, data: '0x', blockLimit: 1n }),
        transaction({ from: ALICE, to: BOB, data: '0x' }),
      ],
      world.state,
    )
    expect(result.receipts.map((r) => r.status)).toEqual([
      TxStatus.BlockLimitCheckFail,
      TxStatus.CallAddressError,
    ])
    expect((await world.state.getAccount(ALICE))?.nonce ?? 0n).toBe(0n)
    // An Ethereum transaction with nonce 0 still runs: FISCO calls bumped nothing.
    const eth = await executor.execute(blockContext(1), [ethTx(0n, null, EMPTY_INIT)], world.state)
    expect(eth.receipts[0]!.status).toBe(TxStatus.None)
  })
})
