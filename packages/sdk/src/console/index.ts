/**
 * The Consortia console as a library: FISCO-console-like commands over a `Client`, with help,
 * history and a scriptable mode. `consortia console` in the reference node wires it to stdin.
 *
 * @example
 * ```ts
 * import { createConsole } from '@consortia/sdk/console'
 *
 * const repl = createConsole({ client, input: process.stdin, output: process.stdout })
 * process.exitCode = await repl.run() // 0, or 1 after the first failing scripted command
 * ```
 */
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import type { Hex } from '@consortia/interface'
import type { Abi, AbiFunction } from 'viem'
import type { Client } from '../client.js'
import { deploy } from '../contract.js'
import { invalidInput, isSDKError } from '../errors.js'
import { toAddress } from '../hex.js'
import { createSystemHelpers, type PermissionTarget } from '../system.js'
import { conditionOfWhere, keyOfWhere, parseSql, sqlKeywords } from './sql.js'
import { formatValue, parseArg, tokenize } from './tokens.js'

export { parseSql, type SqlStatement, type Where } from './sql.js'
export { formatValue, parseArg, tokenize } from './tokens.js'

/** Most lines the history keeps (oldest dropped first). */
export const consoleHistoryMax = 1000

/** Most contracts the session address book remembers (for `call <address> …`). */
export const consoleContractsMax = 1000

/** Where the console writes. `process.stdout` fits. */
export interface ConsoleOutput {
  write(text: string): unknown
}

/** Options of `createConsole`. */
export interface ConsoleInit {
  readonly client: Client
  /** Command source for `run()`: a TTY gives an interactive prompt; anything else is a script. */
  readonly input?: Readable
  readonly output: ConsoleOutput
  /** Errors go here; default `output`. */
  readonly errorOutput?: ConsoleOutput
  /** Keep going after a failing command (default: true for a TTY input, false for scripts). */
  readonly continueOnError?: boolean
  /** Reads ABI/BIN files; default `fs.readFile` as UTF-8. */
  readonly readFile?: (path: string) => Promise<string>
  /** Contracts the session address book keeps (≤ `consoleContractsMax`). Default `consoleContractsMax`. */
  readonly contractsMax?: number
  /** Prompt of interactive mode. Default `[group:1]> `. */
  readonly prompt?: string
}

/** Outcome of one command. */
export interface CommandResult {
  readonly ok: boolean
  /** What the command printed (result or error message). */
  readonly text: string
  /** True for `quit`/`exit`. */
  readonly quit?: boolean
}

/** The console. */
export interface Console {
  /** Runs one command line and prints its result. Never throws for command errors. */
  execute(line: string): Promise<CommandResult>
  /** Reads lines from `input` until it ends or `quit`; resolves with the exit code. */
  run(): Promise<number>
  /** Lines entered so far (at most `consoleHistoryMax`). */
  history(): readonly string[]
  /** Names of all commands. */
  readonly commands: readonly string[]
}

interface Command {
  readonly usage: string
  readonly help: string
  readonly minArgs: number
  run(args: string[], line: string): Promise<unknown>
}

const permissionFamilies: Record<string, PermissionTarget> = {
  PermissionManager: 'permissionManager',
  DeployAndCreateManager: 'deployAndCreateManager',
  NodeManager: 'nodeManager',
  CNSManager: 'cnsManager',
  SysConfigManager: 'sysConfigManager',
}

/** Creates a console over `client`. */
export function createConsole(init: ConsoleInit): Console {
  const { client, output } = init
  const errorOutput = init.errorOutput ?? output
  const sys = createSystemHelpers(client)
  const read = init.readFile ?? ((path: string) => readFile(path, 'utf8'))
  const lines: string[] = []
  const contracts = new Map<string, Abi>()

  async function loadAbi(path: string): Promise<Abi> {
    const text = await read(path)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw invalidInput(path, 'an ABI JSON file', 'unparsable text')
    }
    const abi = Array.isArray(parsed) ? parsed : (parsed as { abi?: unknown }).abi
    if (!Array.isArray(abi)) throw invalidInput(path, 'an ABI array (or an object with "abi")', typeof parsed)
    return abi as Abi
  }

  const contractsMax = Math.min(init.contractsMax ?? consoleContractsMax, consoleContractsMax)
  function remember(address: string, abi: Abi): void {
    if (contracts.size >= contractsMax) contracts.delete(contracts.keys().next().value as string)
    contracts.set(address, abi)
  }

  function argsFor(
    params: readonly { type: string; name?: string }[],
    words: string[],
    what: string,
  ): unknown[] {
    if (words.length !== params.length) {
      throw invalidInput(
        what,
        `${params.length} arguments (${params.map((p) => p.type).join(', ')})`,
        `${words.length}`,
      )
    }
    return words.map((w, i) => parseArg(w, params[i] as never))
  }

  const commands: Record<string, Command> = {
    help: {
      usage: 'help [command]',
      help: 'List the commands, or show the usage of one.',
      minArgs: 0,
      async run(args) {
        if (args[0] !== undefined) {
          const c = commands[args[0]]
          if (c === undefined) throw invalidInput('command', 'a known command', args[0])
          return `${c.usage}\n  ${c.help}`
        }
        const names = Object.keys(commands).sort()
        return `${names.map((n) => `${n.padEnd(32)} ${commands[n]!.help}`).join('\n')}\n${'create/insert/select/update/delete/desc'.padEnd(32)} SQL-like CRUD on user tables (see "help sql").`
      },
    },
    sql: {
      usage:
        'create table t(a varchar, b varchar, primary key(a)) | insert into t (a, b) values (x, y) | select * from t where a = x | update t set b = y where a = x | delete from t where a = x | desc t',
      help: 'CRUD statements on user tables (the key condition is required in where).',
      minArgs: 0,
      run: async () => commands.sql!.usage,
    },
    history: {
      usage: 'history',
      help: 'Show the commands entered in this session.',
      minArgs: 0,
      run: async () => lines.map((l, i) => `${String(i + 1).padStart(4)}  ${l}`).join('\n'),
    },
    quit: { usage: 'quit', help: 'Leave the console.', minArgs: 0, run: async () => '' },
    exit: { usage: 'exit', help: 'Leave the console.', minArgs: 0, run: async () => '' },
    getBlockNumber: {
      usage: 'getBlockNumber',
      help: 'Latest block height.',
      minArgs: 0,
      run: () => client.getBlockNumber(),
    },
    getSealerList: {
      usage: 'getSealerList',
      help: 'Node IDs of the sealers.',
      minArgs: 0,
      run: () => client.getSealerList(),
    },
    getObserverList: {
      usage: 'getObserverList',
      help: 'Node IDs of the observers.',
      minArgs: 0,
      run: () => client.getObserverList(),
    },
    getNodeIDList: {
      usage: 'getNodeIDList',
      help: 'This node and its connected peers.',
      minArgs: 0,
      run: () => client.getNodeIdList(),
    },
    getPeers: { usage: 'getPeers', help: 'Connected P2P peers.', minArgs: 0, run: () => client.getPeers() },
    getGroupList: {
      usage: 'getGroupList',
      help: 'Groups of the node.',
      minArgs: 0,
      run: () => client.getGroupList(),
    },
    getGroupPeers: {
      usage: 'getGroupPeers',
      help: 'Sealers and observers of the group.',
      minArgs: 0,
      run: () => client.getGroupPeers(),
    },
    getClientVersion: {
      usage: 'getClientVersion',
      help: 'Node version and chain id.',
      minArgs: 0,
      run: () => client.getClientVersion(),
    },
    getPbftView: {
      usage: 'getPbftView',
      help: 'Current PBFT view.',
      minArgs: 0,
      run: () => client.getPbftView(),
    },
    getConsensusStatus: {
      usage: 'getConsensusStatus',
      help: 'Consensus status.',
      minArgs: 0,
      run: () => client.getConsensusStatus(),
    },
    getSyncStatus: {
      usage: 'getSyncStatus',
      help: 'Block sync status.',
      minArgs: 0,
      run: () => client.getSyncStatus(),
    },
    getPendingTxSize: {
      usage: 'getPendingTxSize',
      help: 'Transactions in the pool.',
      minArgs: 0,
      run: () => client.getPendingTxSize(),
    },
    getTotalTransactionCount: {
      usage: 'getTotalTransactionCount',
      help: 'Transaction totals.',
      minArgs: 0,
      run: () => client.getTotalTransactionCount(),
    },
    getBlockByNumber: {
      usage: 'getBlockByNumber <number> [true|false]',
      help: 'A block by height; true includes full transactions.',
      minArgs: 1,
      run: ([n, full]) =>
        client.getBlockByNumber(Number(parseArg(n!, { type: 'uint256', name: 'number' })), full === 'true'),
    },
    getBlockByHash: {
      usage: 'getBlockByHash <hash> [true|false]',
      help: 'A block by hash.',
      minArgs: 1,
      run: ([h, full]) => client.getBlockByHash(h!, full === 'true'),
    },
    getTransactionByHash: {
      usage: 'getTransactionByHash <hash>',
      help: 'A transaction by hash.',
      minArgs: 1,
      run: ([h]) => client.getTransactionByHash(h!),
    },
    getTransactionReceipt: {
      usage: 'getTransactionReceipt <hash>',
      help: 'A receipt by transaction hash (null while pending).',
      minArgs: 1,
      run: async ([h]) => (await client.getTransactionReceipt(h!))?.raw ?? null,
    },
    getCode: {
      usage: 'getCode <address>',
      help: 'Deployed code of a contract.',
      minArgs: 1,
      run: ([a]) => client.getCode(a!),
    },
    getSystemConfigByKey: {
      usage: 'getSystemConfigByKey <key>',
      help: 'A system config value (tx_count_limit, tx_gas_limit, …).',
      minArgs: 1,
      run: ([k]) => client.getSystemConfigByKey(k!),
    },
    setSystemConfigByKey: {
      usage: 'setSystemConfigByKey <key> <value>',
      help: 'Change a system config value (effective from the next block).',
      minArgs: 2,
      run: async ([k, v]) => ({ code: (await sys.setSystemConfigByKey(k!, v!)).code, msg: 'success' }),
    },
    addSealer: {
      usage: 'addSealer <nodeId>',
      help: 'Make a node a sealer.',
      minArgs: 1,
      run: async ([id]) => ({ code: (await sys.addSealer(id!)).code, msg: 'success' }),
    },
    addObserver: {
      usage: 'addObserver <nodeId>',
      help: 'Make a node an observer.',
      minArgs: 1,
      run: async ([id]) => ({ code: (await sys.addObserver(id!)).code, msg: 'success' }),
    },
    removeNode: {
      usage: 'removeNode <nodeId>',
      help: 'Remove a node from the group.',
      minArgs: 1,
      run: async ([id]) => ({ code: (await sys.removeNode(id!)).code, msg: 'success' }),
    },
    deploy: {
      usage: 'deploy <abiFile> <binFile> [constructor args…]',
      help: 'Deploy a contract from its ABI and BIN files.',
      minArgs: 2,
      async run([abiPath, binPath, ...rest]) {
        const abi = await loadAbi(abiPath!)
        const bin = (await read(binPath!)).trim()
        const ctor = abi.find((x) => x.type === 'constructor')
        const params = ctor !== undefined && 'inputs' in ctor ? ctor.inputs : []
        const { address, receipt } = await deploy(client, {
          abi,
          bytecode: bin.startsWith('0x') ? bin : `0x${bin}`,
          args: argsFor(params, rest, 'constructor') as never,
        })
        remember(address, abi)
        return `transaction hash: ${receipt.transactionHash}\ncontract address: ${address}\ncurrent block number: ${receipt.blockNumber}`
      },
    },
    call: {
      usage: 'call <abiFile> <address> <function> [args…]  |  call <deployed address> <function> [args…]',
      help: 'Call a function: view/pure by call, others by a signed transaction.',
      minArgs: 2,
      async run(args) {
        let abi: Abi
        let address: Hex
        let rest: string[]
        if (/^0x[0-9a-fA-F]{40}$/.test(args[0]!)) {
          address = toAddress(args[0]!)
          const known = contracts.get(address)
          if (known === undefined)
            throw invalidInput(
              'address',
              'a contract deployed in this session, or an ABI file first',
              address,
            )
          abi = known
          rest = args.slice(1)
        } else {
          if (args.length < 3)
            throw invalidInput('call', 'call <abiFile> <address> <function> [args…]', `${args.length} words`)
          abi = await loadAbi(args[0]!)
          address = toAddress(args[1]!)
          rest = args.slice(2)
        }
        const [fn, ...words] = rest
        const candidates = abi.filter(
          (x): x is AbiFunction => x.type === 'function' && x.name === fn && x.inputs.length === words.length,
        )
        const item = candidates[0]
        if (item === undefined)
          throw invalidInput('function', `a function of the ABI taking ${words.length} arguments`, String(fn))
        const values = argsFor(item.inputs, words, fn!)
        const data = client.abi.encodeFunctionData([item], item.name, values)
        if (item.stateMutability === 'view' || item.stateMutability === 'pure') {
          const r = await client.call({ to: address, data })
          if (r.status !== 0) {
            const revert = client.decodeRevert(r.output, abi)
            throw invalidInput(
              'call',
              'status 0',
              `status ${r.status}${revert !== undefined ? `: ${revert.reason}` : ''}`,
            )
          }
          const out = client.abi.decodeFunctionResult([item], item.name, r.output, values)
          return out
        }
        const receipt = await client.transact({ to: address, data, abi })
        const out =
          receipt.output === '0x'
            ? undefined
            : client.abi.decodeFunctionResult([item], item.name, receipt.output, values)
        const events = receipt.logs
          .map((l) => client.abi.decodeEventLog(abi, l))
          .filter((x) => x !== undefined)
        return {
          transactionHash: receipt.transactionHash,
          status: receipt.status,
          ...(out !== undefined ? { output: out } : {}),
          ...(events.length > 0 ? { events: events.map((e) => ({ event: e.eventName, args: e.args })) } : {}),
        }
      },
    },
    registerCNS: {
      usage: 'registerCNS <name> <version> <address> [abiFile]',
      help: 'Register a contract name and version in CNS.',
      minArgs: 3,
      async run([name, version, address, abiPath]) {
        const abi = abiPath === undefined ? '' : JSON.stringify(await loadAbi(abiPath))
        return { code: (await sys.registerCNS(name!, version!, address!, abi)).code, msg: 'success' }
      },
    },
    queryCNS: {
      usage: 'queryCNS <name> [version]',
      help: 'CNS records of a name.',
      minArgs: 1,
      run: ([n, v]) => sys.selectCNS(n!, v),
    },
    grantUserTableManager: {
      usage: 'grantUserTableManager <table> <address>',
      help: 'Allow an account to write a user table.',
      minArgs: 2,
      run: async ([t, a]) => ({
        code: (await sys.grantPermission({ userTable: t! }, a!)).code,
        msg: 'success',
      }),
    },
    revokeUserTableManager: {
      usage: 'revokeUserTableManager <table> <address>',
      help: 'Revoke write access to a user table.',
      minArgs: 2,
      run: async ([t, a]) => ({
        code: (await sys.revokePermission({ userTable: t! }, a!)).code,
        msg: 'success',
      }),
    },
    listUserTableManager: {
      usage: 'listUserTableManager <table>',
      help: 'Accounts that may write a user table.',
      minArgs: 1,
      run: ([t]) => sys.listPermission({ userTable: t! }),
    },
    grantContractWritePermission: {
      usage: 'grantContractWritePermission <contract> <address>',
      help: 'Allow an account to call writing functions of a contract.',
      minArgs: 2,
      run: async ([c, a]) => ({ code: (await sys.grantContractWrite(c!, a!)).code, msg: 'success' }),
    },
    revokeContractWritePermission: {
      usage: 'revokeContractWritePermission <contract> <address>',
      help: 'Revoke contract write permission.',
      minArgs: 2,
      run: async ([c, a]) => ({ code: (await sys.revokeContractWrite(c!, a!)).code, msg: 'success' }),
    },
    listContractWritePermission: {
      usage: 'listContractWritePermission <contract>',
      help: 'Accounts with write permission on a contract.',
      minArgs: 1,
      run: ([c]) => sys.listContractWrite(c!),
    },
    grantCommitteeMember: {
      usage: 'grantCommitteeMember <address>',
      help: 'Vote to add a committee member.',
      minArgs: 1,
      run: async ([a]) => ({ code: (await sys.grantCommitteeMember(a!)).code, msg: 'success' }),
    },
    revokeCommitteeMember: {
      usage: 'revokeCommitteeMember <address>',
      help: 'Vote to remove a committee member.',
      minArgs: 1,
      run: async ([a]) => ({ code: (await sys.revokeCommitteeMember(a!)).code, msg: 'success' }),
    },
    listCommitteeMembers: {
      usage: 'listCommitteeMembers',
      help: 'Committee members.',
      minArgs: 0,
      run: () => sys.listCommitteeMembers(),
    },
    grantOperator: {
      usage: 'grantOperator <address>',
      help: 'Add an operator.',
      minArgs: 1,
      run: async ([a]) => ({ code: (await sys.grantOperator(a!)).code, msg: 'success' }),
    },
    revokeOperator: {
      usage: 'revokeOperator <address>',
      help: 'Remove an operator.',
      minArgs: 1,
      run: async ([a]) => ({ code: (await sys.revokeOperator(a!)).code, msg: 'success' }),
    },
    listOperators: { usage: 'listOperators', help: 'Operators.', minArgs: 0, run: () => sys.listOperators() },
    freezeAccount: {
      usage: 'freezeAccount <address>',
      help: 'Freeze an account.',
      minArgs: 1,
      run: async ([a]) => ({ code: (await sys.freezeAccount(a!)).code, msg: 'success' }),
    },
    unfreezeAccount: {
      usage: 'unfreezeAccount <address>',
      help: 'Unfreeze an account.',
      minArgs: 1,
      run: async ([a]) => ({ code: (await sys.unfreezeAccount(a!)).code, msg: 'success' }),
    },
  }
  for (const [family, target] of Object.entries(permissionFamilies)) {
    commands[`grant${family}`] = {
      usage: `grant${family} <address>`,
      help: `Grant the ${family} permission (table ${typeof target === 'string' ? target : ''}).`,
      minArgs: 1,
      run: async ([a]) => ({ code: (await sys.grantPermission(target, a!)).code, msg: 'success' }),
    }
    commands[`revoke${family}`] = {
      usage: `revoke${family} <address>`,
      help: `Revoke the ${family} permission.`,
      minArgs: 1,
      run: async ([a]) => ({ code: (await sys.revokePermission(target, a!)).code, msg: 'success' }),
    }
    commands[`list${family}`] = {
      usage: `list${family}`,
      help: `Accounts with the ${family} permission.`,
      minArgs: 0,
      run: () => sys.listPermission(target),
    }
  }

  async function runSql(line: string): Promise<unknown> {
    const st = parseSql(line)
    switch (st.kind) {
      case 'create': {
        await sys.createTable(st.table, st.key, st.fields)
        return 'Create table ok.'
      }
      case 'desc':
        return sys.descTable(st.table)
      case 'insert': {
        const { keyField } = await sys.descTable(st.table)
        const key = st.entry[keyField]
        if (key === undefined) throw invalidInput('insert', `a value for the key field ${keyField}`, 'none')
        const r = await sys.insert(st.table, key, st.entry)
        return `Insert OK: ${r.code} row(s) affected.`
      }
      case 'select': {
        const { keyField } = await sys.descTable(st.table)
        const rows = await sys.select(
          st.table,
          keyOfWhere(st.where, keyField, 'select'),
          conditionOfWhere(st.where, keyField),
          st.where.limit !== undefined ? { limit: st.where.limit } : {},
        )
        const cols = st.columns
        return cols === '*' ? rows : rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c]])))
      }
      case 'update': {
        const { keyField } = await sys.descTable(st.table)
        const r = await sys.update(
          st.table,
          keyOfWhere(st.where, keyField, 'update'),
          st.entry,
          conditionOfWhere(st.where, keyField),
          st.where.limit !== undefined ? { limit: st.where.limit } : {},
        )
        return `Update OK: ${r.code} row(s) affected.`
      }
      case 'delete': {
        const { keyField } = await sys.descTable(st.table)
        const r = await sys.remove(
          st.table,
          keyOfWhere(st.where, keyField, 'delete'),
          conditionOfWhere(st.where, keyField),
          st.where.limit !== undefined ? { limit: st.where.limit } : {},
        )
        return `Remove OK: ${r.code} row(s) affected.`
      }
    }
  }

  async function execute(raw: string): Promise<CommandResult> {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith('//')) return { ok: true, text: '' }
    lines.push(line)
    if (lines.length > consoleHistoryMax) lines.splice(0, lines.length - consoleHistoryMax)
    try {
      const first = line.split(/\s+/)[0]!
      let result: unknown
      if ((sqlKeywords as readonly string[]).includes(first.toLowerCase()) && commands[first] === undefined) {
        result = await runSql(line)
      } else {
        const [name, ...args] = tokenize(line)
        const cmd = commands[name!]
        if (cmd === undefined)
          throw invalidInput('command', 'a known command (try "help")', JSON.stringify(name))
        if (args.length < cmd.minArgs)
          throw invalidInput(name!, `usage: ${cmd.usage}`, `${args.length} arguments`)
        result = await cmd.run(args, line)
        if (name === 'quit' || name === 'exit') return { ok: true, text: '', quit: true }
      }
      const text = formatValue(result)
      if (text !== '') output.write(`${text}\n`)
      return { ok: true, text }
    } catch (err) {
      const text = errorText(err)
      errorOutput.write(`Error: ${text}\n`)
      return { ok: false, text }
    }
  }

  async function run(): Promise<number> {
    const input = init.input
    if (input === undefined) throw invalidInput('input', 'a readable stream', 'none')
    const interactive = (input as { isTTY?: boolean }).isTTY === true
    const keepGoing = init.continueOnError ?? interactive
    const rl = createInterface({
      input,
      ...(interactive
        ? {
            output: output as NodeJS.WritableStream,
            prompt: init.prompt ?? `[group:${client.groupId}]> `,
            historySize: consoleHistoryMax,
          }
        : {}),
      terminal: interactive,
    })
    let code = 0
    if (interactive) rl.prompt()
    try {
      for await (const line of rl) {
        const r = await execute(line)
        if (r.quit === true) break
        if (!r.ok) {
          code = 1
          if (!keepGoing) break
        }
        if (interactive) rl.prompt()
      }
    } finally {
      rl.close()
    }
    return code
  }

  return {
    execute,
    run,
    history: () => [...lines],
    commands: Object.keys(commands)
      .concat([...sqlKeywords])
      .sort(),
  }
}

function errorText(err: unknown): string {
  if (isSDKError(err)) {
    const meta = err.getMetadata()
    const status =
      typeof meta.status === 'number' ? ` [status ${meta.status} ${String(meta.statusName ?? '')}]` : ''
    const code = typeof meta.precompiledCode === 'number' ? ` [code ${meta.precompiledCode}]` : ''
    return `${err.message}${status}${code}`
  }
  return err instanceof Error ? err.message : String(err)
}
