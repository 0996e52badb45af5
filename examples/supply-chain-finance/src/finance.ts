import { type Client, type Contract, deploy, getContract, type WriteResult } from '@consortia/sdk'
import { ReceivableFinanceAbi, ReceivableFinanceBytecode } from './contracts/compiled.js'
import { financeError, invalidInput } from './errors.js'

/** The most receivables `receivablesOf` reads in one call. */
export const RECEIVABLES_READ_MAX = 1_000

/** The ReceivableFinance contract bound to a client. */
export type ReceivableFinanceContract = Contract<typeof ReceivableFinanceAbi>

/** Roles the admin grants: core enterprises issue, banks discount. */
export const Role = { issuer: 1, financier: 2 } as const

/** A role's name. */
export type RoleName = keyof typeof Role

/** Where a receivable stands. */
export type ReceivableState = 'active' | 'discounted' | 'repaid'

const STATES: Record<number, ReceivableState> = { 1: 'active', 2: 'discounted', 3: 'repaid' }

/** A receivable as the contract stores it. */
export interface Receivable {
  readonly id: bigint
  /** The core enterprise that owes the amount. */
  readonly issuer: string
  readonly holder: string
  readonly amount: bigint
  /** Milliseconds since the Unix epoch. */
  readonly dueDate: number
  /** The receivable it was split from (0n for an issued one). */
  readonly parentId: bigint
  readonly state: ReceivableState
  /** The bank it is offered to, if any. */
  readonly offeredTo: string | undefined
  readonly offerPrice: bigint
  /** What the bank paid, once discounted. */
  readonly discountPrice: bigint
}

const ZERO = `0x${'0'.repeat(40)}`

function positive(field: string, value: bigint): bigint {
  if (typeof value !== 'bigint' || value <= 0n) throw invalidInput(field, 'a positive integer', String(value))
  return value
}

function address(field: string, value: string): `0x${string}` {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value))
    throw invalidInput(field, 'a 20-byte 0x address', JSON.stringify(value))
  return value.toLowerCase() as `0x${string}`
}

function eventArg<T>(result: WriteResult<unknown>, eventName: string, arg: string): T {
  const ev = result.events.find((e) => e.eventName === eventName)
  if (ev === undefined) {
    throw financeError(
      { code: 'FINANCE_NO_EVENT', event: eventName, txHash: result.txHash },
      `transaction ${result.txHash} emitted no ${eventName}`,
    )
  }
  return (ev.args as Record<string, unknown>)[arg] as T
}

/** Deploys the contract; the deploying account is its admin (grants and revokes roles). */
export async function deployReceivableFinance(admin: Client): Promise<ReceivableFinanceContract> {
  const { contract } = await deploy(admin, { abi: ReceivableFinanceAbi, bytecode: ReceivableFinanceBytecode })
  return contract
}

/** Binds the deployed contract at `address` to a participant's client. */
export function openReceivableFinance(client: Client, contractAddress: string): ReceivableFinanceContract {
  return getContract(client, { abi: ReceivableFinanceAbi, address: contractAddress })
}

/** Grants `role` to `account` (admin only). */
export async function grantRole(
  contract: ReceivableFinanceContract,
  account: string,
  role: RoleName,
): Promise<void> {
  await contract.write('grantRole', [address('account', account), Role[role]])
}

/** Revokes `role` from `account` (admin only). */
export async function revokeRole(
  contract: ReceivableFinanceContract,
  account: string,
  role: RoleName,
): Promise<void> {
  await contract.write('revokeRole', [address('account', account), Role[role]])
}

/** Issues a receivable to `supplier` (issuers only); resolves to its id. */
export async function issueReceivable(
  contract: ReceivableFinanceContract,
  supplier: string,
  amount: bigint,
  dueDate: number,
): Promise<bigint> {
  if (!Number.isSafeInteger(dueDate) || dueDate <= 0)
    throw invalidInput('dueDate', 'ms since the epoch', String(dueDate))
  const r = await contract.write('issue', [
    address('supplier', supplier),
    positive('amount', amount),
    BigInt(dueDate),
  ])
  return eventArg<bigint>(r, 'Issued', 'id')
}

/** Splits `amount` off receivable `id` to `to` (holder only); resolves to the new receivable's id. */
export async function splitReceivable(
  contract: ReceivableFinanceContract,
  id: bigint,
  to: string,
  amount: bigint,
): Promise<bigint> {
  const r = await contract.write('split', [positive('id', id), address('to', to), positive('amount', amount)])
  return eventArg<bigint>(r, 'Split', 'childId')
}

/** Transfers the whole receivable `id` to `to` (holder only). */
export async function transferReceivable(
  contract: ReceivableFinanceContract,
  id: bigint,
  to: string,
): Promise<void> {
  await contract.write('transfer', [positive('id', id), address('to', to)])
}

/** Offers receivable `id` to a bank at `price` (holder only; the bank must hold the financier role). */
export async function offerDiscount(
  contract: ReceivableFinanceContract,
  id: bigint,
  financier: string,
  price: bigint,
): Promise<void> {
  await contract.write('offerDiscount', [
    positive('id', id),
    address('financier', financier),
    positive('price', price),
  ])
}

/** The bank accepts the offer on receivable `id` (financiers only); resolves to the price paid. */
export async function discountReceivable(contract: ReceivableFinanceContract, id: bigint): Promise<bigint> {
  const r = await contract.write('discount', [positive('id', id)])
  return eventArg<bigint>(r, 'Discounted', 'price')
}

/** The issuer records the repayment of receivable `id` at maturity. */
export async function repayReceivable(contract: ReceivableFinanceContract, id: bigint): Promise<void> {
  await contract.write('repay', [positive('id', id)])
}

/** Reads receivable `id`. */
export async function receivableOf(contract: ReceivableFinanceContract, id: bigint): Promise<Receivable> {
  const [issuer, holder, amount, dueDate, parentId, state, offeredTo, offerPrice, discountPrice] =
    await contract.read('receivableOf', [positive('id', id)])
  return {
    id,
    issuer: issuer.toLowerCase(),
    holder: holder.toLowerCase(),
    amount,
    dueDate: Number(dueDate),
    parentId,
    state: STATES[state] ?? 'active',
    offeredTo: offeredTo === ZERO ? undefined : offeredTo.toLowerCase(),
    offerPrice,
    discountPrice,
  }
}

/**
 * Receivables `fromId`, `fromId + 1`, … (up to `limit`, at most `RECEIVABLES_READ_MAX`),
 * optionally only those `holder` holds.
 */
export async function receivablesOf(
  contract: ReceivableFinanceContract,
  options: { readonly holder?: string; readonly fromId?: bigint; readonly limit?: number } = {},
): Promise<Receivable[]> {
  const limit = options.limit ?? 100
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > RECEIVABLES_READ_MAX) {
    throw financeError(
      { code: 'FINANCE_LIMIT_REACHED', limit: 'RECEIVABLES_READ_MAX', max: RECEIVABLES_READ_MAX, got: limit },
      `limit: expected 1 to ${RECEIVABLES_READ_MAX}, got ${limit}`,
    )
  }
  const h = options.holder === undefined ? undefined : address('holder', options.holder)
  const from = positive('fromId', options.fromId ?? 1n)
  const count = await contract.read('receivableCount')
  const out: Receivable[] = []
  for (let id = from; id <= count && id < from + BigInt(limit); id++) {
    const r = await receivableOf(contract, id)
    if (h === undefined || r.holder === h) out.push(r)
  }
  return out
}
