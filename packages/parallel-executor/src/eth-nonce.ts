/**
 * The Ethereum nonce rule of Ethereum-origin transactions (`format: 'eth'`, see
 * `EthTransaction` of `@consortia/interface`): durable replay protection on chain.
 *
 * The sender's Ethereum nonce is its account nonce in the EVM state (the one CREATE uses), so
 * `eth_getTransactionCount` and the contract address an Ethereum client predicts for a deploy
 * (`keccak256(rlp([sender, nonce]))`) agree with the chain. An Ethereum-origin transaction runs
 * only when its signed nonce equals the account nonce; the executor then bumps the account
 * nonce before anything else, whatever the outcome (revert, permission denial), as Ethereum
 * does. Any other nonce gets a receipt with FISCO status 6 (`InvalidNonce`) and changes nothing,
 * so a replayed transaction is refused after any number of blocks. Deterministic: it reads and
 * writes only the block's state.
 */
import { isEthTransaction, type SignedTransaction, TxStatus } from '@consortia/interface'
import { Account, Address as EthAddress } from '@ethereumjs/util'

/** The account access the rule needs (the executor's EVM state adapter). */
export interface EthNonceAccounts {
  getAccount(address: EthAddress): Promise<Account | undefined>
  putAccount(address: EthAddress, account?: Account): Promise<void>
}

/**
 * Applies the rule to `signed`: `undefined` for a FISCO transaction (its blockLimit rule
 * applies), `TxStatus.None` when the nonce matched and was consumed, `TxStatus.InvalidNonce`
 * (6) when it did not (nothing written).
 */
export async function applyEthNonceRule(
  signed: SignedTransaction,
  accounts: EthNonceAccounts,
): Promise<number | undefined> {
  const tx = signed.tx
  if (!isEthTransaction(tx)) return undefined
  const address = new EthAddress(signed.sender)
  const account = (await accounts.getAccount(address)) ?? new Account()
  if (account.nonce !== tx.eth.nonce) return TxStatus.InvalidNonce
  account.nonce += 1n
  await accounts.putAccount(address, account)
  return TxStatus.None
}
