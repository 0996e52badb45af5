import { createCryptoSuite } from '@consortia/crypto'
import type { Hash32 } from '@consortia/interface'
import { encodeTransaction, signTransaction } from '@consortia/protocol'
import { createMemoryKvStore } from '@consortia/testkit'
import { expect, it } from 'vitest'
import { createTxPool, loadNonceWindow } from '../src/index.js'

// The README example, run as written (comments turned into assertions).
it('README example', async () => {
  const suite = createCryptoSuite('ecdsa')

  // The ledger's view of the chain (here an empty chain held in memory).
  let height = 0
  const onChain = new Set<string>()
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
  const chain = {
    currentNumber: () => height,
    hasTransaction: async (hash: Hash32) => onChain.has(hex(hash)),
  }
  const blocks = { blockNonces: async (n: number) => (n <= height ? [] : undefined) }

  const nonceWindow = await loadNonceWindow(blocks, height) // nonces of the last 1000 blocks
  const journal = createMemoryKvStore() // a LevelDB store from @consortia/kv-level on a node
  const pool = await createTxPool({ groupId: 1 }, { suite, chain, nonceWindow, journal })

  const raw = encodeTransaction(
    signTransaction(
      {
        format: 'rc2',
        nonce: 0x5eedn, // random, unique over the last 1000 blocks
        gasPrice: 300_000_000n,
        gas: 3_000_000n,
        blockLimit: BigInt(height + 500), // what the SDKs send
        to: new Uint8Array(20).fill(0x11),
        value: 0n,
        data: new Uint8Array(0),
        chainId: 1n,
        groupId: 1n,
        extraData: new Uint8Array(0),
      },
      suite.randomPrivateKey(),
      suite,
    ),
  )

  const [accepted, again] = await pool.submitMany([raw, raw])
  expect(accepted).toMatchObject({ ok: true, status: 0 })
  expect(again).toMatchObject({ ok: false, status: 10000, reason: 'ALREADY_KNOWN' })

  const txs = pool.fetchForSealing({ txCountMax: 1000 }) // the sealer's next block
  height = 1
  for (const t of txs) onChain.add(hex(t.hash))
  await pool.onBlockCommitted({ header: { number: 1 }, transactions: txs })
  expect(pool.outcome(accepted!.hash!)).toEqual({ state: 'committed', blockNumber: 1, index: 0 })
  expect(pool.size).toBe(0)
  await pool.close()
})
