/**
 * The node's Ethereum transactions backend: admission of Ethereum-signed transactions into a
 * group's pool (they travel as `format: 'eth'` transactions through tx sync, blocks, the
 * executor and receipts; see `EthTransaction` of @consortia/interface), nonces
 * (`eth_getTransactionCount`, pending-aware) and raw storage reads (`eth_getStorageAt`).
 *
 * Admission checks, in order: group and suite (Ethereum transactions need the ECDSA suite),
 * strict decoding (the protocol package's decoder), chain id (`ethChainIdOf(chainId, groupId)`),
 * signature (sender recovered once with the chain's suite; the pool reuses it), nonce (not below the
 * account nonce, and no gap after the sender's pooled transactions, so a sender's pooled
 * transactions are in nonce order), then the pool's own FISCO checks (hash known, replay key,
 * capacity). A transaction that reaches a block with a wrong nonce anyway (a replay forwarded
 * by a peer) gets receipt status 6 `InvalidNonce` from the executor and changes nothing.
 */
import { type AMDB, createStorageState } from '@consortia/amdb'
import type { TxPool } from '@consortia/group-ledger'
import type { Address, Bytes, CryptoSuite, Hash32, SignedTransaction } from '@consortia/interface'
import { isEthTransaction } from '@consortia/interface'
import { ethChainIdOf } from '@consortia/protocol'
import type { EthTransactionsBackend, GroupBackend } from '../rpc/backend.js'
import { decodeEthTransaction, ETH_PENDING_PER_ACCOUNT_MAX } from './transaction.js'

/** What the Ethereum backend needs of one running group. */
export interface EthGroupParts {
  readonly backend: GroupBackend
  readonly pool: TxPool
  readonly amdb: AMDB
  readonly suite: CryptoSuite
}

/** `EthTransactionsBackend` plus the state reads of the Ethereum RPC. */
export interface EthBackend extends EthTransactionsBackend {
  /** The 32-byte value of storage `slot` of `address` in the committed state. */
  storageAt(groupId: number, address: Address, slot: Bytes): Promise<Hash32>
  /** True while the group's pool holds the transaction (accepted, not yet committed or dropped). */
  isPending(groupId: number, hash: Hash32): boolean
  /** The transaction while the group's pool holds it (`eth_getTransactionByHash` of a pending one). */
  pendingTransaction(groupId: number, hash: Hash32): SignedTransaction | undefined
}

const hexOf = (b: Bytes) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * Creates the backend over the node's groups (`group(id)` answers the running group's parts).
 *
 * @example
 * ```ts
 * const eth = createEthBackend((id) => groups.get(id))
 * const node: NodeBackend = { ...rest, eth }
 * ```
 */
export function createEthBackend(group: (groupId: number) => EthGroupParts | undefined): EthBackend {
  const withState = async <T>(
    parts: EthGroupParts,
    fn: (state: ReturnType<typeof createStorageState>) => Promise<T>,
  ): Promise<T> => {
    const factory = await parts.amdb.openBlock()
    try {
      return await fn(createStorageState({ tables: factory, hash: parts.suite.hash }))
    } finally {
      factory.discard()
    }
  }
  const committedNonce = (parts: EthGroupParts, address: Address) =>
    withState(parts, async (state) => (await state.getAccount(address))?.nonce ?? 0n)

  /** The first nonce at or after the committed one that no pooled transaction of `address` uses. */
  const pendingNonce = (parts: EthGroupParts, address: Address, committed: bigint): bigint => {
    const want = hexOf(address)
    const used = new Set<bigint>()
    for (const stx of parts.pool.pending()) {
      if (isEthTransaction(stx.tx) && hexOf(stx.sender) === want) used.add(stx.tx.eth.nonce)
    }
    let next = committed
    while (used.has(next)) next++
    return next
  }

  return {
    async submit(groupId, raw) {
      const parts = group(groupId)
      if (parts === undefined) return { ok: false, message: `group ${groupId} does not exist` }
      if (parts.suite.name !== 'ecdsa') {
        return {
          ok: false,
          message: 'Ethereum transactions need an ECDSA (secp256k1) chain; this chain uses the SM suite',
        }
      }
      let tx: Awaited<ReturnType<typeof decodeEthTransaction>>
      try {
        tx = await decodeEthTransaction(raw, {
          chainId: ethChainIdOf(parts.backend.chainId, groupId),
          suite: parts.suite,
        })
      } catch (err) {
        return { ok: false, message: err instanceof Error ? err.message : String(err) }
      }
      const committed = await committedNonce(parts, tx.sender)
      if (tx.nonce < committed) {
        return { ok: false, message: `nonce too low: ${tx.nonce}, the account's next nonce is ${committed}` }
      }
      const next = pendingNonce(parts, tx.sender, committed)
      if (tx.nonce > next || tx.nonce >= committed + BigInt(ETH_PENDING_PER_ACCOUNT_MAX)) {
        return {
          ok: false,
          message: `nonce too high: ${tx.nonce}, the account's next nonce is ${next} (no gaps; at most ${ETH_PENDING_PER_ACCOUNT_MAX} pending)`,
        }
      }
      // Decoded and recovered once, here: the pool takes the envelope and sender as they are.
      const result = await parts.backend.submit({ raw, ethRecovered: { eth: tx.decoded, sender: tx.sender } })
      if (result.ok) return { ok: true, hash: result.hash }
      const reason =
        result.reason === 'NONCE_IN_POOL' ? 'already known (same sender and nonce pending)' : result.reason
      return { ok: false, message: `${reason}: ${result.message} (FISCO status ${result.status})` }
    },
    async nonce(groupId, address, pending) {
      const parts = group(groupId)
      if (parts === undefined) return 0n
      const committed = await committedNonce(parts, address)
      return pending ? pendingNonce(parts, address, committed) : committed
    },
    isPending(groupId, hash) {
      return group(groupId)?.pool.has(hash) ?? false
    },
    pendingTransaction(groupId, hash) {
      return group(groupId)?.pool.get(hash)
    },
    async storageAt(groupId, address, slot) {
      const parts = group(groupId)
      const out = new Uint8Array(32)
      if (parts === undefined) return out
      const value = await withState(parts, (state) => state.getStorage(address, slot))
      out.set(value.subarray(Math.max(0, value.length - 32)), 32 - Math.min(32, value.length))
      return out
    },
  }
}
