import type { Address } from '@consortia/interface'
import { type AddressHex, addressToHex } from './address.js'

/**
 * Whose rights a check uses.
 * - `origin` (default, FISCO-compatible): the account that signed the transaction
 *   (`tx.origin`), wherever in the call tree the operation happens. Any contract an authorised
 *   account calls acts with that account's rights: a contract the user did not mean to empower
 *   (a malicious token, a compromised dependency) can write every table the user may write,
 *   vote in the committee, freeze contracts — the "confused deputy" of FISCO 2.x.
 * - `caller` (strict): the direct caller of the protected operation (`msg.sender` of the frame
 *   that reaches the precompile, writes storage or runs CREATE). A user's rights never flow
 *   into contracts it calls; a contract that writes a protected table must be on its ACL itself.
 */
export type PermissionMode = 'origin' | 'caller'

/** How the frame that reaches a protected operation was entered. */
export type CallKind = 'call' | 'staticcall' | 'delegatecall' | 'callcode'

/**
 * Who asks for a protected operation, as the executor sees the call frame.
 *
 * For a transaction sent straight to a precompile, or a deploy transaction, `origin` and
 * `sender` are both the transaction's sender.
 */
export interface CallerContext {
  /** `tx.origin`: the account that signed the transaction. */
  readonly origin: Address
  /** `msg.sender` of the frame performing the operation (the creator, for CREATE). */
  readonly sender: Address
  /** How a precompile frame was entered; default `call`. */
  readonly via?: CallKind
  /**
   * For `via: 'delegatecall'`: the contract that executed DELEGATECALL into the precompile.
   * A DELEGATECALL frame inherits its caller's `msg.sender`, so without this a contract could
   * borrow the rights of whoever called it. Required in `caller` mode; a missing value fails closed.
   */
  readonly delegator?: Address
}

/** The kind of operation a check guards; decides which address of the frame is the actor. */
export type OperationKind =
  /** A call into a precompile (table writes, table creation, governance methods). */
  | 'precompile'
  /** SSTORE into the storage of the contract whose code runs. */
  | 'storage'
  /** Contract creation. */
  | 'deploy'

/**
 * The account whose rights decide the operation, or undefined when the context cannot name
 * one (which callers treat as a refusal).
 */
export function actorOf(
  caller: CallerContext,
  mode: PermissionMode,
  kind: OperationKind,
): AddressHex | undefined {
  if (mode === 'origin') return addressToHex(caller.origin, 'origin')
  if (kind === 'precompile' && caller.via === 'delegatecall') {
    return caller.delegator === undefined ? undefined : addressToHex(caller.delegator, 'delegator')
  }
  return addressToHex(caller.sender, 'sender')
}

/** The context of a transaction's own top-level call or deploy by `sender`. */
export function topLevelCaller(sender: Address): CallerContext {
  return { origin: sender, sender }
}
