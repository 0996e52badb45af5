/**
 * The `consortia console` and `consortia key-manager` commands: thin wrappers that parse their
 * options and hand over to `@consortia/sdk/console` and the key manager of `src/key-manager`.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { accountFromPEM, createAccount, createClient, createHttpTransport } from '@consortia/sdk'
import { createConsole } from '@consortia/sdk/console'
import { startKeyManager } from './key-manager/index.js'

/** Usage of `consortia console`. */
export const CONSOLE_USAGE = `Usage: consortia console [--rpc URL] [--group N] [--suite ecdsa|sm] [--key account.pem]

Interactive console (FISCO console commands; type help). Reads a script when stdin is not a terminal
and exits non-zero at the first failing command.
  --rpc URL      the node's JSON-RPC endpoint (default http://127.0.0.1:8545)
  --group N      group id (default 1)
  --suite S      ecdsa or sm (default ecdsa)
  --key FILE     PEM private key of the account that signs; default a fresh random account`

/** Usage of `consortia key-manager`. */
export const KEY_MANAGER_USAGE = `Usage: CONSORTIA_SUPER_KEY=... consortia key-manager [--port 8150] [--host 127.0.0.1] [--sm]

Runs the key manager that holds the super key and answers nodes' decDataKey requests (disk
encryption). The super key is read from the CONSORTIA_SUPER_KEY environment variable, never argv.`

/** Runs `consortia console`; resolves to the exit code. */
export async function runConsoleCommand(
  args: readonly string[],
  out: (line: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      rpc: { type: 'string', default: 'http://127.0.0.1:8545' },
      group: { type: 'string', default: '1' },
      suite: { type: 'string', default: 'ecdsa' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    out(CONSOLE_USAGE)
    return 0
  }
  const suite = values.suite
  if (suite !== 'ecdsa' && suite !== 'sm') {
    out(`--suite: expected ecdsa or sm, got ${JSON.stringify(suite)}`)
    return 2
  }
  const groupId = Number(values.group)
  if (!Number.isSafeInteger(groupId) || groupId < 1 || groupId > 32767) {
    out(`--group: expected an integer in 1..32767, got ${JSON.stringify(values.group)}`)
    return 2
  }
  const account =
    values.key === undefined ? createAccount(suite) : accountFromPEM(readFileSync(values.key, 'utf8'), suite)
  const client = createClient({
    transport: createHttpTransport({ url: values.rpc }),
    account,
    groupId,
    suite,
  })
  try {
    const repl = createConsole({
      client,
      input: process.stdin,
      output: process.stdout,
      errorOutput: process.stderr,
    })
    return await repl.run()
  } finally {
    await client.close()
  }
}

/** Runs `consortia key-manager` until SIGINT/SIGTERM; resolves to the exit code. */
export async function runKeyManagerCommand(
  args: readonly string[],
  out: (line: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: 'string', default: '8150' },
      host: { type: 'string', default: '127.0.0.1' },
      sm: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    out(KEY_MANAGER_USAGE)
    return 0
  }
  const superKey = process.env.CONSORTIA_SUPER_KEY
  if (superKey === undefined || superKey === '') {
    out('CONSORTIA_SUPER_KEY is not set: the key manager needs the super key in the environment')
    return 2
  }
  const port = Number(values.port)
  const km = await startKeyManager({
    superKey,
    port,
    host: values.host,
    cipher: values.sm ? 'sm4-ctr-hmac-sm3' : 'aes-256-gcm',
  })
  out(`key manager listening on ${km.url} (${km.cipher})`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await km.close()
  return 0
}
