/**
 * The supply-chain finance CLI: keys, deploy, roles, issue, split, transfer, offer, discount,
 * repay and listing, against a node's JSON-RPC port.
 *
 *   node --conditions=source --import tsx src/cli.ts <command> [options]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { accountFromPEM, type Client, createAccount, createClient, createHttpTransport } from '@consortia/sdk'
import { invalidInput } from './errors.js'
import {
  deployReceivableFinance,
  discountReceivable,
  grantRole,
  issueReceivable,
  offerDiscount,
  openReceivableFinance,
  type Receivable,
  type RoleName,
  receivablesOf,
  repayReceivable,
  revokeRole,
  splitReceivable,
  transferReceivable,
} from './finance.js'

/** Usage text of the CLI. */
export const USAGE = `usage: scf <command> --key <pem> [options]

commands:
  new-key --out <file.pem>                          write a new key, print its address
  deploy                                            deploy; the key's account is the admin
  grant|revoke --contract <a> --account <a> --role issuer|financier     (admin)
  issue --contract <a> --to <supplier> --amount <n> --due <ISO date>    (issuers)
  split --contract <a> --id <n> --to <a> --amount <n>                  (holder)
  transfer --contract <a> --id <n> --to <a>                           (holder)
  offer --contract <a> --id <n> --to <bank> --price <n>               (holder)
  discount --contract <a> --id <n>                                    (financiers)
  repay --contract <a> --id <n>                                       (the issuer)
  list --contract <a> [--holder <a>]

options: --url <http://127.0.0.1:8545> --group <1> --chain-id <1> --suite <ecdsa|sm>`

/** Where the CLI writes. */
export interface CliIO {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
}

const consoleIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v === '') throw invalidInput(`--${name}`, 'a value', 'nothing')
  return v
}

function integer(values: Record<string, unknown>, name: string): bigint {
  const v = required(values, name)
  if (!/^\d{1,60}$/.test(v)) throw invalidInput(`--${name}`, 'a non-negative integer', JSON.stringify(v))
  return BigInt(v)
}

/** One line per receivable. */
export function formatReceivable(r: Receivable): string {
  return `#${r.id} ${r.state} ${r.amount} owed by ${r.issuer} to ${r.holder}, due ${new Date(r.dueDate).toISOString().slice(0, 10)}${r.parentId > 0n ? `, split from #${r.parentId}` : ''}${r.offeredTo !== undefined ? `, offered to ${r.offeredTo} at ${r.offerPrice}` : ''}${r.state === 'discounted' ? `, discounted at ${r.discountPrice}` : ''}`
}

/** Runs one CLI command; resolves to the exit code (0 ok, 1 error). */
export async function runCli(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help') {
    io.out(USAGE)
    return command === undefined ? 1 : 0
  }
  let client: Client | undefined
  try {
    const { values } = parseArgs({
      args: [...rest],
      options: {
        url: { type: 'string', default: 'http://127.0.0.1:8545' },
        group: { type: 'string', default: '1' },
        'chain-id': { type: 'string', default: '1' },
        suite: { type: 'string', default: 'ecdsa' },
        key: { type: 'string' },
        out: { type: 'string' },
        contract: { type: 'string' },
        account: { type: 'string' },
        role: { type: 'string' },
        to: { type: 'string' },
        amount: { type: 'string' },
        price: { type: 'string' },
        due: { type: 'string' },
        id: { type: 'string' },
        holder: { type: 'string' },
      },
    })
    const suite = values.suite
    if (suite !== 'ecdsa' && suite !== 'sm') throw invalidInput('--suite', 'ecdsa or sm', String(suite))
    if (command === 'new-key') {
      const a = createAccount(suite)
      writeFileSync(required(values, 'out'), a.toPEM(), { mode: 0o600 })
      io.out(a.address)
      return 0
    }
    const account =
      values.key === undefined ? undefined : accountFromPEM(readFileSync(values.key, 'utf8'), suite)
    if (account === undefined && command !== 'list') throw invalidInput('--key', 'a PEM key file', 'nothing')
    client = createClient({
      transport: createHttpTransport({ url: values.url }),
      suite,
      groupId: Number(values.group),
      chainId: BigInt(values['chain-id']),
      ...(account === undefined ? {} : { account }),
    })
    if (command === 'deploy') {
      io.out((await deployReceivableFinance(client)).address)
      return 0
    }
    const contract = openReceivableFinance(client, required(values, 'contract'))
    const role = () => {
      const r = required(values, 'role')
      if (r !== 'issuer' && r !== 'financier')
        throw invalidInput('--role', 'issuer or financier', JSON.stringify(r))
      return r as RoleName
    }
    switch (command) {
      case 'grant':
        await grantRole(contract, required(values, 'account'), role())
        break
      case 'revoke':
        await revokeRole(contract, required(values, 'account'), role())
        break
      case 'issue': {
        const due = Date.parse(required(values, 'due'))
        if (Number.isNaN(due)) throw invalidInput('--due', 'an ISO date', JSON.stringify(values.due))
        io.out(
          `issued #${await issueReceivable(contract, required(values, 'to'), integer(values, 'amount'), due)}`,
        )
        return 0
      }
      case 'split':
        io.out(
          `split off #${await splitReceivable(contract, integer(values, 'id'), required(values, 'to'), integer(values, 'amount'))}`,
        )
        return 0
      case 'transfer':
        await transferReceivable(contract, integer(values, 'id'), required(values, 'to'))
        break
      case 'offer':
        await offerDiscount(contract, integer(values, 'id'), required(values, 'to'), integer(values, 'price'))
        break
      case 'discount':
        io.out(`discounted at ${await discountReceivable(contract, integer(values, 'id'))}`)
        return 0
      case 'repay':
        await repayReceivable(contract, integer(values, 'id'))
        break
      case 'list': {
        const list = await receivablesOf(
          contract,
          values.holder === undefined ? {} : { holder: values.holder },
        )
        for (const r of list) io.out(formatReceivable(r))
        return 0
      }
      default:
        io.err(`unknown command ${JSON.stringify(command)}\n${USAGE}`)
        return 1
    }
    io.out('ok')
    return 0
  } catch (err) {
    io.err(err instanceof Error ? err.message : String(err))
    return 1
  } finally {
    await (client as Client | undefined)?.close()
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runCli(process.argv.slice(2))
}
