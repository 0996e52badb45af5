/**
 * The console as a library, fed a script: prints the results and exits non-zero on the first
 * failing command.
 *
 *   echo getBlockNumber | node --conditions=source --import tsx examples/console-script.ts http://127.0.0.1:8545
 */

import { createConsole } from '../src/console/index.js'
import { createAccount, createClient, createHttpTransport } from '../src/index.js'

const url = process.argv[2] ?? 'http://127.0.0.1:8545'
const client = createClient({ transport: createHttpTransport({ url }), account: createAccount('ecdsa') })
const repl = createConsole({
  client,
  input: process.stdin,
  output: process.stdout,
  errorOutput: process.stderr,
})
process.exitCode = await repl.run()
await client.close()
