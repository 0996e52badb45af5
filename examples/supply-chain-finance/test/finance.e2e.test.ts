/**
 * End to end on a 4-node PBFT chain: the admin deploys and grants roles; the core enterprise
 * (node 1) issues a receivable to a supplier; the supplier (node 2) splits it and transfers a
 * part to a sub-supplier (node 3), who has a bank (node 0) discount it; the core enterprise
 * repays. Unauthorised issue and discount, and operations of non-holders, are refused by the
 * contract's roles; after the admin takes the chain's deploy permission (permission precompile
 * 0x1005, `_sys_tables_`), other accounts cannot deploy contracts. The CLI runs a short flow.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestChain, type TestChain, waitInSync } from '@consortia/reference-node'
import {
  type Account,
  type Client,
  createAccount,
  createClient,
  createHttpTransport,
  createSystemHelpers,
  isSDKError,
} from '@consortia/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  deployReceivableFinance,
  discountReceivable,
  grantRole,
  isFinanceError,
  issueReceivable,
  offerDiscount,
  openReceivableFinance,
  RECEIVABLES_READ_MAX,
  type ReceivableFinanceContract,
  receivableOf,
  receivablesOf,
  repayReceivable,
  revokeRole,
  runCli,
  splitReceivable,
  transferReceivable,
} from '../src/index.js'

const key = (n: number) => `0x${n.toString(16).padStart(64, '0')}`

describe('supply-chain finance on a 4-node chain', () => {
  let chain: TestChain
  const accounts = {
    admin: createAccount('ecdsa', key(0xad)),
    core: createAccount('ecdsa', key(0xc0)),
    supplier: createAccount('ecdsa', key(0x51)),
    subSupplier: createAccount('ecdsa', key(0x52)),
    bank: createAccount('ecdsa', key(0xba)),
    outsider: createAccount('ecdsa', key(0x66)),
  }
  type Who = keyof typeof accounts
  const node: Record<Who, number> = { admin: 0, core: 1, supplier: 2, subSupplier: 3, bank: 0, outsider: 3 }
  const clients = {} as Record<Who, Client>
  let address: string
  const as = (who: Who): ReceivableFinanceContract => openReceivableFinance(clients[who], address)
  const due = Date.UTC(2027, 2, 1)

  /** The contract's revert reason of a failed write. */
  const refused = async (p: Promise<unknown>) => {
    try {
      await p
    } catch (err) {
      if (isSDKError(err, 'SDK_TX_FAILED')) return err.type.revertReason ?? `status ${err.type.status}`
      throw err
    }
    return 'succeeded'
  }

  beforeAll(async () => {
    chain = await startTestChain(['-l', '127.0.0.1:4', '--consensus-timeout-ms', '1000'], 4, 23_003)
    for (const who of Object.keys(accounts) as Who[]) {
      clients[who] = createClient({
        transport: createHttpTransport({ url: chain.nodes[node[who]]!.rpc.url }),
        account: accounts[who] as Account,
        pollIntervalMs: 100,
      })
    }
    address = (await deployReceivableFinance(clients.admin)).address
    await grantRole(as('admin'), accounts.core.address, 'issuer')
    await grantRole(as('admin'), accounts.bank.address, 'financier')
  }, 240_000)
  afterAll(async () => {
    await chain?.close()
  })

  /** Reads on another node see earlier writes. */
  const synced = () => waitInSync(chain)

  it('issues, splits, transfers, discounts and repays a receivable', async () => {
    const id = await issueReceivable(as('core'), accounts.supplier.address, 1_000_000n, due)
    const part = await splitReceivable(as('supplier'), id, accounts.bank.address, 100_000n)
    const part2 = await splitReceivable(as('supplier'), id, accounts.subSupplier.address, 300_000n)
    await synced()
    expect(await receivableOf(as('outsider'), id)).toMatchObject({
      issuer: accounts.core.address,
      holder: accounts.supplier.address,
      amount: 600_000n,
      dueDate: due,
      parentId: 0n,
      state: 'active',
    })
    await synced()
    expect(await receivableOf(as('outsider'), part2)).toMatchObject({
      issuer: accounts.core.address,
      holder: accounts.subSupplier.address,
      amount: 300_000n,
      parentId: id,
    })
    // The first split went to the bank as a supplier would pay a bank loan; it moves on whole.
    await transferReceivable(as('bank'), part, accounts.subSupplier.address)
    await offerDiscount(as('subSupplier'), part2, accounts.bank.address, 291_000n)
    expect(await discountReceivable(as('bank'), part2)).toBe(291_000n)
    await synced()
    expect(await receivableOf(as('core'), part2)).toMatchObject({
      holder: accounts.bank.address,
      state: 'discounted',
      discountPrice: 291_000n,
      offeredTo: undefined,
    })
    await repayReceivable(as('core'), part2)
    await synced()
    expect((await receivableOf(as('bank'), part2)).state).toBe('repaid')
    await synced()
    const held = await receivablesOf(as('outsider'), { holder: accounts.subSupplier.address })
    expect(held.map((r) => [r.id, r.amount, r.state])).toEqual([[part, 100_000n, 'active']])
    // The amounts of a receivable and its parts add up to what was issued.
    await synced()
    const all = await receivablesOf(as('outsider'))
    expect(all.reduce((s, r) => s + r.amount, 0n)).toBe(1_000_000n)
  })

  it('refuses unauthorised issue and discount, and operations of non-holders', async () => {
    expect(await refused(issueReceivable(as('outsider'), accounts.supplier.address, 5n, due))).toBe(
      'not an issuer',
    )
    expect(await refused(issueReceivable(as('supplier'), accounts.subSupplier.address, 5n, due))).toBe(
      'not an issuer',
    )
    expect(await refused(issueReceivable(as('bank'), accounts.supplier.address, 5n, due))).toBe(
      'not an issuer',
    )
    expect(
      await refused(issueReceivable(as('core'), accounts.supplier.address, 5n, Date.UTC(2020, 0, 1))),
    ).toBe('due date must be in the future')
    const id = await issueReceivable(as('core'), accounts.supplier.address, 10_000n, due)
    // Offers only to banks; discounts only by the bank it was offered to, holding the role.
    expect(await refused(offerDiscount(as('supplier'), id, accounts.outsider.address, 9_000n))).toBe(
      'not a financier',
    )
    expect(await refused(discountReceivable(as('outsider'), id))).toBe('not a financier')
    expect(await refused(discountReceivable(as('bank'), id))).toBe('no offer to this financier')
    expect(await refused(splitReceivable(as('outsider'), id, accounts.outsider.address, 1n))).toBe(
      'not the holder',
    )
    expect(await refused(transferReceivable(as('subSupplier'), id, accounts.subSupplier.address))).toBe(
      'not the holder',
    )
    expect(await refused(splitReceivable(as('supplier'), id, accounts.subSupplier.address, 10_000n))).toBe(
      "split amount must be between 0 and the receivable's amount",
    )
    expect(await refused(repayReceivable(as('supplier'), id))).toBe('only the issuer repays')
    expect(await refused(grantRole(as('core'), accounts.outsider.address, 'issuer'))).toBe('only the admin')
    // A revoked bank can no longer discount, even an offer it had.
    await offerDiscount(as('supplier'), id, accounts.bank.address, 9_500n)
    await revokeRole(as('admin'), accounts.bank.address, 'financier')
    expect(await refused(discountReceivable(as('bank'), id))).toBe('not a financier')
    await grantRole(as('admin'), accounts.bank.address, 'financier')
    expect(await discountReceivable(as('bank'), id)).toBe(9_500n)
    // Nothing the refused calls tried took effect.
    await synced()
    expect(await receivableOf(as('outsider'), id)).toMatchObject({
      holder: accounts.bank.address,
      amount: 10_000n,
    })
    await expect(receivablesOf(as('outsider'), { limit: RECEIVABLES_READ_MAX + 1 })).rejects.toSatisfy((e) =>
      isFinanceError(e, 'FINANCE_LIMIT_REACHED'),
    )
  })

  it('runs a flow through the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scf-cli-'))
    try {
      const pem = (who: Who) => {
        const path = join(dir, `${who}.pem`)
        writeFileSync(path, accounts[who].toPEM())
        return path
      }
      const lines: string[] = []
      const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`ERR ${l}`) }
      const run = (who: Who, ...args: string[]) =>
        runCli(
          [...args, '--key', pem(who), '--contract', address, '--url', chain.nodes[node[who]]!.rpc.url],
          io,
        )
      expect(
        await run(
          'core',
          'issue',
          '--to',
          accounts.supplier.address,
          '--amount',
          '5000',
          '--due',
          '2027-06-30',
        ),
      ).toBe(0)
      const id = /^issued #(\d+)$/.exec(lines.at(-1)!)![1]!
      expect(
        await run(
          'outsider',
          'issue',
          '--to',
          accounts.supplier.address,
          '--amount',
          '5000',
          '--due',
          '2027-06-30',
        ),
      ).toBe(1)
      expect(lines.at(-1)).toContain('not an issuer')
      expect(
        await run('supplier', 'offer', '--id', id, '--to', accounts.bank.address, '--price', '4900'),
      ).toBe(0)
      expect(await run('outsider', 'discount', '--id', id)).toBe(1)
      expect(await run('bank', 'discount', '--id', id)).toBe(0)
      expect(lines.at(-1)).toBe('discounted at 4900')
      await synced()
      expect(await run('outsider', 'list', '--holder', accounts.bank.address)).toBe(0)
      expect(lines.at(-1)).toBe(
        `#${id} discounted 5000 owed by ${accounts.core.address} to ${accounts.bank.address}, due 2027-06-30, discounted at 4900`,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('lets only the admin deploy once it holds the chain deploy permission', async () => {
    await createSystemHelpers(clients.admin).grantPermission('deployAndCreateManager', accounts.admin.address)
    let status: number | undefined
    try {
      await deployReceivableFinance(clients.outsider)
    } catch (err) {
      if (!isSDKError(err, 'SDK_TX_FAILED')) throw err
      status = err.type.status
    }
    expect(status).toBe(18)
    expect((await deployReceivableFinance(clients.admin)).address).toMatch(/^0x[0-9a-f]{40}$/)
  })
})
