/**
 * @consortia/example-supply-chain-finance — supply-chain finance on a Consortia / FISCO BCOS
 * 2.x chain: a core enterprise issues receivables to its suppliers, suppliers split them and
 * transfer the parts up the chain, a bank discounts them, and the core enterprise repays at
 * maturity. The contract's roles restrict who may issue (core enterprises) and discount
 * (banks); the chain's permission precompile restricts who may deploy contracts at all.
 *
 * @example
 * ```ts
 * import { createAccount, createClient, createHttpTransport } from '@consortia/sdk'
 * import { deployReceivableFinance, discountReceivable, grantRole, issueReceivable, offerDiscount, openReceivableFinance, splitReceivable } from '@consortia/example-supply-chain-finance'
 *
 * const transport = createHttpTransport({ url: 'http://127.0.0.1:8545' })
 * const [admin, core, supplier, subSupplier, bank] = [1, 2, 3, 4, 5].map(() => createAccount('ecdsa'))
 * const as = (a: typeof admin) => openReceivableFinance(createClient({ transport, account: a }), address)
 * const { address } = await deployReceivableFinance(createClient({ transport, account: admin }))
 * await grantRole(as(admin), core.address, 'issuer')
 * await grantRole(as(admin), bank.address, 'financier')
 * const id = await issueReceivable(as(core), supplier.address, 1_000_000n, Date.now() + 90 * 86_400_000)
 * const part = await splitReceivable(as(supplier), id, subSupplier.address, 300_000n)
 * await offerDiscount(as(subSupplier), part, bank.address, 291_000n)
 * await discountReceivable(as(bank), part) // 291000n: the bank now holds #2
 * ```
 */
export { type CliIO, formatReceivable, runCli, USAGE } from './cli.js'
export * from './contracts/compiled.js'
export * from './errors.js'
export * from './finance.js'
