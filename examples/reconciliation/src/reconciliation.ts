import { type Logger, silentLogger } from '@consortia/interface'
import { type Client, type Contract, deploy, getContract, type TransactionReceipt } from '@consortia/sdk'
import {
  ACCOUNT_CHARS_MAX,
  BATCH_ID_CHARS_MAX,
  type BatchEntry,
  batchTotals,
  checkIdentifier,
} from './batch.js'
import { ReconciliationAbi, ReconciliationBytecode } from './contracts/compiled.js'
import { reconError } from './errors.js'

/** The most accounts one `reconcile` transaction compares (bounded by the transaction's gas). */
export const RECONCILE_ACCOUNTS_MAX = 1_000
/** The most `record` transactions one `recordBatch` keeps in flight. */
export const RECORD_IN_FLIGHT_MAX = 256

/** The Reconciliation contract bound to a client. */
export type ReconciliationContract = Contract<typeof ReconciliationAbi>

/** Outcome of a batch: open (not reconciled yet), matched or mismatched. */
export type BatchStatus = 'open' | 'matched' | 'mismatched'

/** One account whose amounts differ between the banks. */
export interface AccountMismatch {
  readonly account: string
  readonly amountA: bigint
  readonly amountB: bigint
}

/** A bank whose control total does not equal what it recorded over the reconciled accounts. */
export interface ControlTotalMismatch {
  readonly bank: string
  readonly declaredTotal: bigint
  readonly recordedTotal: bigint
}

/** What `reconcile` found, from the transaction's events. */
export interface ReconcileOutcome {
  readonly batchId: string
  readonly status: BatchStatus
  readonly totalA: bigint
  readonly totalB: bigint
  readonly mismatches: readonly AccountMismatch[]
  readonly controlTotalMismatches: readonly ControlTotalMismatch[]
  readonly receipt: TransactionReceipt
}

/** The stored result of a batch (`batchResult`). */
export interface BatchResult {
  readonly status: BatchStatus
  readonly totalA: bigint
  readonly totalB: bigint
  readonly mismatches: number
}

/** Options of the app's operations. */
export interface ReconciliationOptions {
  readonly logger?: Logger
}

const STATUS: readonly BatchStatus[] = ['open', 'matched', 'mismatched']

function statusOf(n: number | bigint): BatchStatus {
  const s = STATUS[Number(n)]
  if (s === undefined)
    throw reconError(
      { code: 'RECON_INVALID_INPUT', field: 'status', expected: '0, 1 or 2', got: String(n) },
      `status: expected 0, 1 or 2, got ${n}`,
    )
  return s
}

/**
 * Deploys a Reconciliation contract for `bankA` and `bankB` (addresses); the deploying account
 * becomes its operator, the only one who may switch parallel execution on (`enableParallel`).
 */
export async function deployReconciliation(
  operator: Client,
  banks: { readonly bankA: string; readonly bankB: string },
): Promise<ReconciliationContract> {
  const { contract } = await deploy(operator, {
    abi: ReconciliationAbi,
    bytecode: ReconciliationBytecode,
    args: [banks.bankA as `0x${string}`, banks.bankB as `0x${string}`],
  })
  return contract
}

/** Binds the deployed contract at `address` to `client` (a bank's or an auditor's). */
export function openReconciliation(client: Client, address: string): ReconciliationContract {
  return getContract(client, { abi: ReconciliationAbi, address })
}

/**
 * Records every entry of a batch as the client's bank: one `record(account, batchId, amount)`
 * transaction per entry, up to `RECORD_IN_FLIGHT_MAX` in flight at once (on a node with the
 * parallel executor, records of different accounts in one block run in parallel). Resolves
 * with the receipts in entry order; rejects with `RECON_RECORD_FAILED` for a failed one.
 */
export async function recordBatch(
  client: Client,
  address: string,
  batchId: string,
  entries: readonly BatchEntry[],
  options: ReconciliationOptions & { inFlightMax?: number } = {},
): Promise<TransactionReceipt[]> {
  checkIdentifier('batchId', batchId, BATCH_ID_CHARS_MAX)
  const logger = options.logger ?? silentLogger
  const inFlightMax = options.inFlightMax ?? RECORD_IN_FLIGHT_MAX
  if (!Number.isSafeInteger(inFlightMax) || inFlightMax < 1 || inFlightMax > RECORD_IN_FLIGHT_MAX) {
    throw reconError(
      {
        code: 'RECON_LIMIT_REACHED',
        limit: 'RECORD_IN_FLIGHT_MAX',
        max: RECORD_IN_FLIGHT_MAX,
        got: inFlightMax,
      },
      `inFlightMax: expected 1 to ${RECORD_IN_FLIGHT_MAX}, got ${inFlightMax}`,
    )
  }
  for (const e of entries) checkIdentifier('account', e.account, ACCOUNT_CHARS_MAX)
  const receipts: TransactionReceipt[] = new Array(entries.length)
  let next = 0
  const worker = async () => {
    while (next < entries.length) {
      const i = next++
      const e = entries[i]!
      const data = client.abi.encodeFunctionData(ReconciliationAbi, 'record', [e.account, batchId, e.amount])
      const pending = await client.sendTransaction({ to: address, data })
      const receipt = await pending.wait()
      if (receipt.status !== 0) {
        throw reconError(
          { code: 'RECON_RECORD_FAILED', batchId, account: e.account, status: receipt.status },
          `record ${batchId}/${e.account} failed with status ${receipt.status}`,
        )
      }
      receipts[i] = receipt
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlightMax, entries.length)) }, worker))
  logger.info('batch recorded', { batchId, entries: entries.length })
  return receipts
}

/** Closes the batch for the client's bank with the batch's control totals. */
export async function closeBatch(
  contract: ReconciliationContract,
  batchId: string,
  entries: readonly BatchEntry[],
): Promise<TransactionReceipt> {
  checkIdentifier('batchId', batchId, BATCH_ID_CHARS_MAX)
  const totals = batchTotals(entries)
  const { receipt } = await contract.write('closeBatch', [batchId, totals.total, BigInt(totals.accounts)])
  return receipt
}

/**
 * Reconciles a batch on chain over `accounts` (the union of both banks' accounts, each once,
 * at most `RECONCILE_ACCOUNTS_MAX`) and returns what the contract flagged.
 */
export async function reconcile(
  contract: ReconciliationContract,
  batchId: string,
  accounts: readonly string[],
): Promise<ReconcileOutcome> {
  checkIdentifier('batchId', batchId, BATCH_ID_CHARS_MAX)
  if (accounts.length > RECONCILE_ACCOUNTS_MAX) {
    throw reconError(
      {
        code: 'RECON_LIMIT_REACHED',
        limit: 'RECONCILE_ACCOUNTS_MAX',
        max: RECONCILE_ACCOUNTS_MAX,
        got: accounts.length,
      },
      `reconcile: at most ${RECONCILE_ACCOUNTS_MAX} accounts, got ${accounts.length}`,
    )
  }
  for (const a of accounts) checkIdentifier('account', a, ACCOUNT_CHARS_MAX)
  const { receipt, events } = await contract.write('reconcile', [batchId, [...accounts]])
  const mismatches: AccountMismatch[] = []
  const controlTotalMismatches: ControlTotalMismatch[] = []
  let done: { status: BatchStatus; totalA: bigint; totalB: bigint } | undefined
  for (const ev of events) {
    const args = ev.args as Record<string, unknown>
    if (ev.eventName === 'Mismatch') {
      mismatches.push({
        account: String(args['account']),
        amountA: args['amountA'] as bigint,
        amountB: args['amountB'] as bigint,
      })
    } else if (ev.eventName === 'ControlTotalMismatch') {
      controlTotalMismatches.push({
        bank: String(args['bank']).toLowerCase(),
        declaredTotal: args['declaredTotal'] as bigint,
        recordedTotal: args['recordedTotal'] as bigint,
      })
    } else if (ev.eventName === 'BatchReconciled') {
      done = {
        status: statusOf(args['status'] as number),
        totalA: args['totalA'] as bigint,
        totalB: args['totalB'] as bigint,
      }
    }
  }
  if (done === undefined) {
    throw reconError(
      {
        code: 'RECON_INVALID_INPUT',
        field: 'reconcile receipt',
        expected: 'a BatchReconciled event',
        got: 'none',
      },
      'reconcile receipt: expected a BatchReconciled event, got none',
    )
  }
  return { batchId, ...done, mismatches, controlTotalMismatches, receipt }
}

/** The stored result of a batch. */
export async function batchResult(contract: ReconciliationContract, batchId: string): Promise<BatchResult> {
  checkIdentifier('batchId', batchId, BATCH_ID_CHARS_MAX)
  const [status, totalA, totalB, mismatches] = await contract.read('batchResult', [batchId])
  return { status: statusOf(status), totalA, totalB, mismatches: Number(mismatches) }
}

/** The union of the accounts of two batches, sorted (the list `reconcile` takes). */
export function accountsOf(a: readonly BatchEntry[], b: readonly BatchEntry[]): string[] {
  return [...new Set([...a, ...b].map((e) => e.account))].sort()
}
