/**
 * The `consortia` command: `build-chain` generates a chain's certificates, configs, genesis
 * files and scripts; `start <node dir>` runs one node until SIGINT or SIGTERM.
 */
import { relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildSecureChain } from './build-chain/key-manager.js'
import { BUILD_CHAIN_USAGE, parseBuildChainArgs } from './build-chain/options.js'
import { runConsoleCommand, runKeyManagerCommand } from './cli-tools.js'
import { isNodeError } from './errors.js'
import { type StartedNode, startNode } from './node/start.js'

/** Usage of the command. */
export const USAGE = `Usage: consortia <command> [options]

Commands:
  build-chain [options]   generate a chain (certificates, configs, genesis, scripts); see build-chain --help
  start <node dir>        run a node until SIGINT/SIGTERM
  console [options]       interactive console against a node's JSON-RPC; see console --help
  key-manager [options]   key manager for disk encryption; see key-manager --help
  help                    this text
`

const shown = (dir: string) => {
  const r = relative(process.cwd(), dir)
  return r === '' || r.startsWith('..') ? dir : r
}

/** Hard exit if a graceful stop takes longer than this. */
export const SHUTDOWN_TIMEOUT_MS = 30_000

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(
  argv: readonly string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'build-chain': {
        const options = parseBuildChainArgs(rest)
        if (options === 'help') {
          out(BUILD_CHAIN_USAGE)
          return 0
        }
        const chain = await buildSecureChain(options)
        out(
          `chain ${options.chainId} (${options.suite}, ${options.consensus}, ${options.storage}) written to ${chain.output}`,
        )
        for (const n of chain.nodes) {
          out(
            `  ${shown(n.dir)}: node ${n.index}, groups [${n.groups.join(',')}], ` +
              `p2p ${n.ports.p2p}, channel ${n.ports.channel}, rpc ${n.ports.rpc}, eth ${n.ports.eth}, metrics ${n.ports.metrics}, ` +
              `id ${n.nodeId.slice(0, 16)}…`,
          )
        }
        out(`start each host with <output>/<ip>/start_all.sh, stop with stop_all.sh`)
        return 0
      }
      case 'start': {
        if (rest.length !== 1 || rest[0]!.startsWith('-')) {
          out('Usage: consortia start <node dir>')
          return 2
        }
        const node = await startNode(rest[0]!)
        await waitForSignal(node)
        return 0
      }
      case 'console':
        return await runConsoleCommand(rest, out)
      case 'key-manager':
        return await runKeyManagerCommand(rest, out)
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE)
        return command === undefined ? 2 : 0
      default:
        out(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`)
        return 2
    }
  } catch (err) {
    if (isNodeError(err)) {
      process.stderr.write(`consortia ${command}: ${err.message}\n`)
      return 1
    }
    throw err
  }
}

function waitForSignal(node: StartedNode): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) {
        node.logger.warn('second signal: exiting now', { signal })
        node.logger.flush()
        process.exit(1)
      }
      stopping = true
      node.logger.info('signal received, stopping', { signal })
      const force = setTimeout(() => {
        node.logger.error('graceful stop timed out, exiting', { timeoutMs: SHUTDOWN_TIMEOUT_MS })
        node.logger.flush()
        process.exit(1)
      }, SHUTDOWN_TIMEOUT_MS)
      force.unref()
      node.close().then(
        () => resolve(),
        (err: unknown) => {
          node.logger.error('stop failed', {}, err)
          resolve()
        },
      )
    }
    process.on('SIGINT', () => stop('SIGINT'))
    process.on('SIGTERM', () => stop('SIGTERM'))
  })
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
      // Libraries may hold timers (reconnects, pools); the node is closed, so leave.
      if (process.argv[2] === 'start') setTimeout(() => process.exit(code), 200).unref()
    },
    (err: unknown) => {
      process.stderr.write(`consortia: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exit(1)
    },
  )
}
