import type { CryptoSuite } from '@consortia/interface'
import { createTxPool, loadNonceWindow, type TxPoolComponents, type TxPoolInit } from '../src/index.js'
import { countingSuite, ecdsa, TestChain } from './helpers.js'

/** A pool over a fresh `TestChain` at height 0, with a recover-counting suite. */
export async function setupPool(
  init: Partial<TxPoolInit> = {},
  components: Partial<TxPoolComponents> = {},
  baseSuite: CryptoSuite = ecdsa,
) {
  const chain = new TestChain()
  const nonceWindow = await loadNonceWindow(chain, 0)
  const suite = countingSuite(baseSuite)
  const pool = await createTxPool({ groupId: 1, ...init }, { suite, chain, nonceWindow, ...components })
  return { chain, nonceWindow, suite, pool }
}
