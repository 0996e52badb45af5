/**
 * @consortia/example-reconciliation — inter-institution reconciliation (机构间对账) on a
 * Consortia / FISCO BCOS 2.x group: two banks record the amounts of each transfer batch
 * account by account, close it with their control totals, and reconcile it on chain; every
 * differing account and wrong control total is flagged by an event and the batch's outcome
 * is stored. `record` is registered through ParallelConfig (0x1006) with the account as its
 * mutex key, so a node with the parallel executor runs records of different accounts at once.
 *
 * @example
 * ```ts
 * import { createAccount, createClient, createHttpTransport } from '@consortia/sdk'
 * import { closeBatch, deployReconciliation, openReconciliation, parseBatchCsv, reconcile, recordBatch } from '@consortia/example-reconciliation'
 *
 * const transport = createHttpTransport({ url: 'http://127.0.0.1:8545' })
 * const [op, a, b] = ['ecdsa', 'ecdsa', 'ecdsa'].map(() => createAccount('ecdsa'))
 * const operator = createClient({ transport, account: op })
 * const contract = await deployReconciliation(operator, { bankA: a.address, bankB: b.address })
 * await contract.write('enableParallel')
 * const entries = parseBatchCsv('acct-1,100\nacct-2,250\n')
 * for (const bank of [a, b]) {
 *   const client = createClient({ transport, account: bank })
 *   await recordBatch(client, contract.address, 'B-1', entries)
 *   await closeBatch(openReconciliation(client, contract.address), 'B-1', entries)
 * }
 * const outcome = await reconcile(openReconciliation(createClient({ transport, account: a }), contract.address), 'B-1', ['acct-1', 'acct-2'])
 * console.log(outcome.status, outcome.mismatches) // 'matched' []
 * ```
 */
export * from './batch.js'
export { type CliIO, runCli, USAGE } from './cli.js'
export * from './contracts/compiled.js'
export * from './errors.js'
export * from './reconciliation.js'
