/** Shared by `crash-ledger.test.ts` and its child process: the group, the key and the transactions. */
import { createCryptoSuite } from '@consortia/crypto'
import type { Bytes, Executor, Receipt } from '@consortia/interface'
import { encodeTransaction, signTransaction } from '@consortia/protocol'
import type { GroupGenesis } from '../src/index.js'

export const suite = createCryptoSuite('ecdsa')
const keyOf = (seed: string): Bytes => suite.hash(new TextEncoder().encode(`consortia-crash-test-${seed}`))

/** How much later each child run starts its clock (all runs together stay below the pool's 600 s expiry). */
export const RUN_CLOCK_STEP_MS = 20_000

/** The one sealer's key. */
export const CRASH_KEY = keyOf('sealer')
const CLIENT = keyOf('client')

/** Group 1: one PBFT sealer, at most 3 transactions per block. */
export const CRASH_GENESIS: GroupGenesis = {
  groupId: 1,
  timestamp: Date.UTC(2026, 0, 1),
  sealers: [suite.publicKey(CRASH_KEY)],
  txCountLimit: 3,
}

/** The account the slot executor writes (its storage is the state the crash test checks). */
export const SLOT_ACCOUNT = new Uint8Array(20).fill(0xc0)
/** The slot that counts every executed transaction. */
const COUNTER_SLOT = new Uint8Array(32)

const word = (n: bigint) => {
  const out = new Uint8Array(32)
  let v = n
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}
const toBigInt = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`))

/**
 * A small executor for the crash test (the EVM would cost the child process seconds of start-up
 * on every one of its runs; the EVM path through the same driver is covered by
 * ledger-driver.test.ts). Each transaction's data is `slot(32) ‖ value(32)`: it stores `value`
 * at `slot` of `SLOT_ACCOUNT` and increments the counter slot, so every block's state depends
 * on every block before it. The receipt output is the new counter.
 */
export function createSlotExecutor(): Executor {
  return {
    async execute(_context, transactions, state) {
      const receipts: Receipt[] = []
      for (const t of transactions) {
        const data = t.tx.data
        if (data.length !== 64)
          throw new Error(`slot executor: expected 64 bytes of data, got ${data.length}`)
        await state.putStorage(SLOT_ACCOUNT, data.slice(0, 32), data.slice(32))
        const counter = toBigInt(await state.getStorage(SLOT_ACCOUNT, COUNTER_SLOT)) + 1n
        await state.putStorage(SLOT_ACCOUNT, COUNTER_SLOT, word(counter))
        receipts.push({
          stateRoot: await state.stateRoot(),
          gasUsed: 21_000n,
          contractAddress: new Uint8Array(20),
          logsBloom: new Uint8Array(256),
          status: 0,
          output: word(counter),
          logs: [],
        })
      }
      return { receipts, gasUsed: 21_000n * BigInt(transactions.length), stateRoot: await state.stateRoot() }
    },
  }
}

/** The signed transaction of `seq` (stores `seq + 1` at slot `seq`) for a chain at `height`. */
export function crashTx(seq: number, height: number): Bytes {
  return encodeTransaction(
    signTransaction(
      {
        format: 'rc2',
        nonce: 77_000_000n + BigInt(seq),
        gasPrice: 0n,
        gas: 3_000_000n,
        blockLimit: BigInt(height + 500),
        to: SLOT_ACCOUNT,
        value: 0n,
        data: Buffer.concat([word(BigInt(seq) + 1000n), word(BigInt(seq) + 1n)]),
        chainId: 1n,
        groupId: 1n,
        extraData: new Uint8Array(),
      },
      CLIENT,
      suite,
    ),
  )
}
