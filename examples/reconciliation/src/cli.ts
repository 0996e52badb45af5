/**
 * The reconciliation CLI: keys, deploy, record, close, reconcile and status against a node's
 * JSON-RPC port.
 *
 *   node --conditions=source --import tsx src/cli.ts <command> [options]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { accountFromPEM, type Client, createAccount, createClient, createHttpTransport } from '@consortia/sdk'
import { parseBatchCsv } from './batch.js'
import { invalidInput } from './errors.js'
import {
  accountsOf,
  batchResult,
  closeBatch,
  deployReconciliation,
  openReconciliation,
  reconcile,
  recordBatch,
} from './reconciliation.js'

/** Usage text of the CLI. */
export const USAGE = `usage: reconciliation <command> [options]

commands:
  new-key --out <file.pem>                 write a new key (PKCS#8 PEM) and print its address
  deploy --key <operator.pem> --bank-a <address> --bank-b <address> [--parallel]
                                           deploy the contract; --parallel registers record() with 0x1006
  record --key <bank.pem> --contract <address> --batch <id> --file <batch.csv>
                                           record every line "account,amount" of the batch file
  close --key <bank.pem> --contract <address> --batch <id> --file <batch.csv>
                                           close the batch with the file's control totals
  reconcile --key <bank.pem> --contract <address> --batch <id> --file <a.csv> [--file <b.csv>]
                                           reconcile over the accounts of the files; exit 2 on mismatch
  status --contract <address> --batch <id> the stored outcome of a batch

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

/** Runs one CLI command; resolves to the exit code (0 ok, 1 error, 2 batch mismatched). */
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
        batch: { type: 'string' },
        file: { type: 'string', multiple: true },
        'bank-a': { type: 'string' },
        'bank-b': { type: 'string' },
        parallel: { type: 'boolean', default: false },
      },
    })
    const suite = values.suite
    if (suite !== 'ecdsa' && suite !== 'sm') throw invalidInput('--suite', 'ecdsa or sm', String(suite))
    if (command === 'new-key') {
      const account = createAccount(suite)
      writeFileSync(required(values, 'out'), account.toPEM(), { mode: 0o600 })
      io.out(account.address)
      return 0
    }
    const account =
      values.key === undefined ? undefined : accountFromPEM(readFileSync(values.key, 'utf8'), suite)
    client = createClient({
      transport: createHttpTransport({ url: values.url }),
      suite,
      groupId: Number(values.group),
      chainId: BigInt(values['chain-id']),
      ...(account === undefined ? {} : { account }),
    })
    const files = (values.file ?? []).map((f) => parseBatchCsv(readFileSync(f, 'utf8')))
    const needKey = () => {
      if (account === undefined) throw invalidInput('--key', 'a PEM key file', 'nothing')
    }
    switch (command) {
      case 'deploy': {
        needKey()
        const contract = await deployReconciliation(client, {
          bankA: required(values, 'bank-a'),
          bankB: required(values, 'bank-b'),
        })
        if (values.parallel) await contract.write('enableParallel')
        io.out(contract.address)
        return 0
      }
      case 'record': {
        needKey()
        if (files.length !== 1) throw invalidInput('--file', 'one batch file', `${files.length}`)
        const receipts = await recordBatch(
          client,
          required(values, 'contract'),
          required(values, 'batch'),
          files[0]!,
        )
        io.out(`recorded ${receipts.length} entries`)
        return 0
      }
      case 'close': {
        needKey()
        if (files.length !== 1) throw invalidInput('--file', 'one batch file', `${files.length}`)
        const contract = openReconciliation(client, required(values, 'contract'))
        await closeBatch(contract, required(values, 'batch'), files[0]!)
        io.out('closed')
        return 0
      }
      case 'reconcile': {
        needKey()
        if (files.length < 1 || files.length > 2)
          throw invalidInput('--file', 'one or two batch files', `${files.length}`)
        const contract = openReconciliation(client, required(values, 'contract'))
        const outcome = await reconcile(
          contract,
          required(values, 'batch'),
          accountsOf(files[0]!, files[1] ?? []),
        )
        io.out(`${outcome.status}: total A ${outcome.totalA}, total B ${outcome.totalB}`)
        for (const m of outcome.mismatches) io.out(`mismatch ${m.account}: A ${m.amountA}, B ${m.amountB}`)
        for (const c of outcome.controlTotalMismatches) {
          io.out(`control total of ${c.bank}: declared ${c.declaredTotal}, recorded ${c.recordedTotal}`)
        }
        return outcome.status === 'matched' ? 0 : 2
      }
      case 'status': {
        const r = await batchResult(
          openReconciliation(client, required(values, 'contract')),
          required(values, 'batch'),
        )
        io.out(`${r.status}: total A ${r.totalA}, total B ${r.totalB}, ${r.mismatches} mismatched accounts`)
        return 0
      }
      default:
        io.err(`unknown command ${JSON.stringify(command)}\n${USAGE}`)
        return 1
    }
  } catch (err) {
    io.err(err instanceof Error ? err.message : String(err))
    return 1
  } finally {
    await client?.close()
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runCli(process.argv.slice(2))
}
