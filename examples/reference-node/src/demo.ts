/**
 * `npm start`: builds a 4-node chain in a temp directory with `consortia build-chain`, starts
 * the nodes as separate processes (`consortia start`), deploys an ERC-20-like token and a
 * table-based contract, sends a stream of transactions over FISCO JSON-RPC with a progress
 * bar, prints blocks as they commit, checks that the nodes agree, and leaves the chain running
 * with its RPC endpoints printed until Ctrl-C.
 *
 *   node --conditions=source --import tsx examples/reference-node/src/demo.ts [--txs 1000] [--exit-when-done]
 *
 * Options (or environment): `--txs N` (DEMO_TXS, default 1000), `--nodes N` (DEMO_NODES,
 * default 4), `--exit-when-done` (DEMO_EXIT=1): stop the chain after the checks, `--keep`:
 * keep the chain directory on exit.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createCryptoSuite } from '@consortia/crypto'
import { decodeFunctionResult, encodeDeployData, encodeFunctionData } from 'viem'
import { buildChain } from './build-chain/generate.js'
import { parseBuildChainArgs, START_PORTS_DEFAULT } from './build-chain/options.js'
import { createRpcClient, type RpcClient, signRawTransaction, waitForReceipt } from './client.js'
import {
  DemoRegistryAbi,
  DemoRegistryBytecode,
  DemoTokenAbi,
  DemoTokenBytecode,
} from './contracts/compiled.js'
import { enableExplorer } from './explorer/config.js'
import { EXPLORER_ASSETS_DIR_DEFAULT } from './explorer/server.js'
import { NODE_ARGS } from './paths.js'

/** Most transactions sent and not yet committed at once. */
export const DEMO_IN_FLIGHT_MAX = 200
/** Transactions signed and sent per round (in parallel over the nodes). */
export const DEMO_SEND_BATCH = 50
/** Receipts asked per `getBatchReceiptsByBlockNumberAndRange` call. */
export const DEMO_RECEIPTS_PER_CALL = 100
/** Most transactions one demo run sends. */
export const DEMO_TXS_MAX = 1_000_000

const GROUP = 1
const CHAIN_ID = 1
const tty = process.stdout.isTTY === true
const started = Date.now()
const stamp = () => new Date().toISOString().slice(11, 23)
let progressLine = ''
const clearProgress = () => {
  if (tty && progressLine !== '') process.stdout.write('\r\x1b[2K')
}
const log = (line: string) => {
  clearProgress()
  process.stdout.write(`[${stamp()}] ${line}\n`)
  if (tty && progressLine !== '') process.stdout.write(progressLine)
}
const short = (h: string) => `${h.slice(0, 10)}…`

function progress(sent: number, committed: number, total: number): void {
  const width = 30
  const done = Math.round((committed / total) * width)
  const queued = Math.max(0, Math.round((sent / total) * width) - done)
  const rate = committed / Math.max((Date.now() - streamStart) / 1000, 0.001)
  progressLine =
    `[${'█'.repeat(done)}${'▒'.repeat(queued)}${'░'.repeat(width - done - queued)}] ` +
    `${committed}/${total} committed, ${sent} sent, ${rate.toFixed(0)} tx/s`
  if (tty) process.stdout.write(`\r\x1b[2K${progressLine}`)
}
let streamStart = Date.now()

async function portsFree(starts: readonly number[], count: number): Promise<boolean> {
  for (const s of starts) {
    for (let i = 0; i < count; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const server = createServer()
        server.once('error', () => resolve(false))
        server.listen(s + i, '0.0.0.0', () => server.close(() => resolve(true)))
      })
      if (!ok) return false
    }
  }
  return true
}

/** FISCO's default ports when free, else the first free shifted range. */
async function choosePorts(count: number): Promise<number[]> {
  const d = START_PORTS_DEFAULT
  const defaults = [d.p2p, d.channel, d.rpc, d.eth, d.metrics]
  for (let shift = 0; shift < 2000; shift += 10) {
    const starts = defaults.map((p) => p + shift)
    if (await portsFree(starts, count)) return starts
  }
  throw new Error('no free ports near the defaults (30300, 20200, 8545, 8645, 9100)')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      txs: { type: 'string' },
      nodes: { type: 'string' },
      'exit-when-done': { type: 'boolean' },
      keep: { type: 'boolean' },
    },
  })
  const txs = Number(values.txs ?? process.env['DEMO_TXS'] ?? 1000)
  const nodeCount = Number(values.nodes ?? process.env['DEMO_NODES'] ?? 4)
  const exitWhenDone = values['exit-when-done'] === true || process.env['DEMO_EXIT'] === '1'
  if (!Number.isSafeInteger(txs) || txs < 1 || txs > DEMO_TXS_MAX) {
    throw new Error(`--txs: expected an integer in 1..${DEMO_TXS_MAX}, got ${values.txs}`)
  }
  if (!Number.isSafeInteger(nodeCount) || nodeCount < 1 || nodeCount > 16) {
    throw new Error(`--nodes: expected an integer in 1..16, got ${values.nodes}`)
  }

  // 1. build-chain
  const root = mkdtempSync(join(tmpdir(), 'consortia-demo-'))
  const ports = await choosePorts(nodeCount)
  const options = parseBuildChainArgs([
    '-l',
    `127.0.0.1:${nodeCount}`,
    '-o',
    join(root, 'nodes'),
    '-p',
    ports.join(','),
    '--consensus-timeout-ms',
    '1000',
  ])
  if (options === 'help') return
  const chain = buildChain(options)
  log(`build-chain: ${nodeCount} nodes (PBFT, ECDSA, LevelDB), certificates and genesis in ${chain.output}`)
  // explorer (issue 15): node 0 serves the block explorer on 8080, or the next free port
  let explorerPort = 8080
  while (!(await portsFree([explorerPort], 1)) && explorerPort < 8180) explorerPort++
  enableExplorer(chain.nodes[0]!.dir, { listenIp: '127.0.0.1', port: explorerPort })
  const explorerUrl = `http://127.0.0.1:${explorerPort}/`
  if (!existsSync(join(EXPLORER_ASSETS_DIR_DEFAULT, 'index.html'))) {
    log('explorer bundle not built yet: run `pnpm --filter @consortia/explorer build` to see the pages')
  }

  // 2. start the nodes as separate processes
  const procs: ChildProcess[] = []
  let stopping = false
  const stopAll = async () => {
    stopping = true
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve()
            p.once('exit', () => resolve())
            p.kill('SIGTERM')
          }),
      ),
    )
    if (values.keep !== true) rmSync(root, { recursive: true, force: true })
  }
  process.on('SIGINT', () => {
    clearProgress()
    process.stdout.write('\n')
    log('Ctrl-C: stopping the nodes (each finishes its commit and closes its storage)')
    void stopAll().then(() => process.exit(Number(process.exitCode ?? 0)))
  })
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(Number(process.exitCode ?? 0))))
  for (const n of chain.nodes) {
    const p = spawn(process.execPath, [...NODE_ARGS, 'start', n.dir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    p.once('exit', (code, signal) => {
      if (!stopping) {
        log(
          `node ${n.index} exited unexpectedly (code ${code}, signal ${signal}); see ${join(n.dir, 'log', 'node.log')}`,
        )
        process.exitCode = 1
      }
    })
    procs.push(p)
  }
  const rpcs: RpcClient[] = chain.nodes.map((n) =>
    createRpcClient(`http://127.0.0.1:${n.ports.rpc}`, 120_000),
  )
  log(`starting ${nodeCount} node processes (pids ${procs.map((p) => p.pid).join(', ')})`)
  await Promise.all(
    rpcs.map(async (rpc, i) => {
      const deadline = Date.now() + 180_000
      for (;;) {
        try {
          await rpc.call('getBlockNumber', [GROUP])
          return
        } catch (err) {
          if (Date.now() > deadline || stopping) throw new Error(`node ${i} did not answer: ${String(err)}`)
          await new Promise((r) => setTimeout(r, 200))
        }
      }
    }),
  )
  const peers = await rpcs[0]!.call<unknown[]>('getPeers', [GROUP])
  log(`all ${nodeCount} nodes answer JSON-RPC; node 0 has ${peers.length} peers over TLS`)
  log(`block explorer (served by node 0): ${explorerUrl}`)

  // 3. print blocks as they commit (from node 0); stream transactions are counted as they appear
  let printed = Number(await rpcs[0]!.call<string>('getBlockNumber', [GROUP]))
  const pending = new Set<string>()
  const inBlocks = new Set<string>()
  let done = 0
  let watching = true
  const watcher = (async () => {
    while (watching) {
      try {
        const head = Number(await rpcs[0]!.call<string>('getBlockNumber', [GROUP]))
        while (printed < head) {
          const b = await rpcs[0]!.call<{ hash: string; sealer: string; transactions: string[] }>(
            'getBlockByNumber',
            [GROUP, `0x${(printed + 1).toString(16)}`, false],
          )
          printed++
          for (const h of b.transactions) {
            if (pending.delete(h)) done++
            else inBlocks.add(h)
          }
          log(
            `block #${printed}: ${String(b.transactions.length).padStart(4)} txs, hash ${short(b.hash)}, sealer ${Number(b.sealer)}`,
          )
        }
      } catch {
        // A node busy committing may answer late; the next poll catches up.
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  })()

  // 4. deploy the contracts
  const suite = createCryptoSuite('ecdsa')
  const privateKey = suite.randomPrivateKey()
  const me = `0x${Buffer.from(suite.address(suite.publicKey(privateKey))).toString('hex')}`
  let height = Number(await rpcs[0]!.call<string>('getBlockNumber', [GROUP]))
  const ctx = () => ({ suite, privateKey, chainId: CHAIN_ID, groupId: GROUP, blockNumber: height })
  const sendAndWait = async (to: string | null, data: string) => {
    const hash = await rpcs[0]!.call<string>('sendRawTransaction', [
      GROUP,
      signRawTransaction(ctx(), to, data),
    ])
    const r = await waitForReceipt(rpcs[0]!, GROUP, hash)
    if (r.status !== '0x0') throw new Error(`transaction ${hash} failed with status ${r.status}`)
    return r
  }
  const supply = BigInt(txs) * 10n
  const token = (
    await sendAndWait(
      null,
      encodeDeployData({ abi: DemoTokenAbi, bytecode: DemoTokenBytecode, args: [supply] }),
    )
  ).contractAddress
  log(`deployed DemoToken (ERC-20-like, supply ${supply}) at ${token}`)
  const registry = (
    await sendAndWait(null, encodeDeployData({ abi: DemoRegistryAbi, bytecode: DemoRegistryBytecode }))
  ).contractAddress
  await sendAndWait(registry, encodeFunctionData({ abi: DemoRegistryAbi, functionName: 'setup' }))
  log(
    `deployed DemoRegistry at ${registry}; created tables t_demo_orders (CRUD, 0x1001) and t_demo_notes (KV, 0x1010)`,
  )

  // 5. the stream: 3 token transfers, then 1 table insert, ... round-robin over the nodes
  const holders = Array.from(
    { length: 20 },
    (_, i) => `0x${(0xd000 + i).toString(16).padStart(40, '0')}` as `0x${string}`,
  )
  const accounts = ['alice', 'bob', 'carol', 'dave']
  const hashes: string[] = []
  let sent = 0
  let transfers = 0
  let orders = 0
  let aliceOrders = 0
  streamStart = Date.now()
  const streamFirstBlock = printed + 1
  log(`sending ${txs} transactions to ${nodeCount} nodes (3 of 4 token transfers, 1 of 4 table inserts)`)
  while (done < txs) {
    height = Number(await rpcs[0]!.call<string>('getBlockNumber', [GROUP]))
    const room = Math.min(DEMO_IN_FLIGHT_MAX - pending.size, txs - sent, DEMO_SEND_BATCH)
    const batch: Promise<void>[] = []
    for (let k = 0; k < room; k++) {
      const i = sent++
      let to: string
      let data: string
      if (i % 4 === 3) {
        to = registry
        data = encodeFunctionData({
          abi: DemoRegistryAbi,
          functionName: 'addOrder',
          args: [accounts[(i >> 2) % accounts.length]!, `item-${i}`, BigInt(1 + (i % 7))],
        })
        orders++
        if ((i >> 2) % accounts.length === 0) aliceOrders++
      } else {
        to = token
        data = encodeFunctionData({
          abi: DemoTokenAbi,
          functionName: 'transfer',
          args: [holders[i % holders.length]!, 1n],
        })
        transfers++
      }
      const raw = signRawTransaction(ctx(), to, data)
      batch.push(
        rpcs[i % rpcs.length]!.call<string>('sendRawTransaction', [GROUP, raw]).then((hash) => {
          hashes.push(hash)
          if (inBlocks.delete(hash)) done++
          else pending.add(hash)
        }),
      )
    }
    await Promise.all(batch)
    progress(sent, done, txs)
    await new Promise((r) => setTimeout(r, 50))
  }
  const streamS = (Date.now() - streamStart) / 1000
  clearProgress()
  progressLine = ''
  await new Promise((r) => setTimeout(r, 400))
  watching = false
  await watcher
  // Receipt statuses, one batch call per block (a block is read and decoded once per call).
  const mine = new Set(hashes)
  let failed = 0
  let checked = 0
  for (let n = streamFirstBlock; n <= printed && checked < mine.size; n++) {
    for (let from = 0; ; from += DEMO_RECEIPTS_PER_CALL) {
      const batch = await rpcs[0]!.call<{
        blockInfo: { receiptsCount: string }
        transactionReceipts: { transactionHash: string; status: string }[]
      }>('getBatchReceiptsByBlockNumberAndRange', [
        GROUP,
        `0x${n.toString(16)}`,
        String(from),
        String(DEMO_RECEIPTS_PER_CALL),
        false,
      ])
      for (const r of batch.transactionReceipts) {
        if (!mine.has(r.transactionHash)) continue
        checked++
        if (r.status !== '0x0') failed++
      }
      if (from + DEMO_RECEIPTS_PER_CALL >= Number(batch.blockInfo.receiptsCount)) break
    }
  }
  failed += mine.size - checked
  log(
    `${txs} transactions committed in ${streamS.toFixed(1)} s (${(txs / streamS).toFixed(0)} tx/s end to end); receipts: ${txs - failed} ok, ${failed} failed`,
  )

  // 6. checks: balances, table rows, agreement of every node on the head
  const call = async (to: string, data: string) =>
    (
      await rpcs[nodeCount - 1]!.call<{ output: `0x${string}` }>('call', [
        GROUP,
        { from: me, to, value: '0x0', data },
      ])
    ).output
  const myBalance = decodeFunctionResult({
    abi: DemoTokenAbi,
    functionName: 'balanceOf',
    data: await call(
      token,
      encodeFunctionData({ abi: DemoTokenAbi, functionName: 'balanceOf', args: [me as `0x${string}`] }),
    ),
  })
  const [orderCount, orderTotal] = decodeFunctionResult({
    abi: DemoRegistryAbi,
    functionName: 'orders',
    data: await call(
      registry,
      encodeFunctionData({ abi: DemoRegistryAbi, functionName: 'orders', args: ['alice'] }),
    ),
  })
  const balanceOk = myBalance === supply - BigInt(transfers)
  log(
    `balanceOf(sender) on node ${nodeCount - 1}: ${myBalance} = ${supply} - ${transfers} transfers: ${balanceOk ? 'ok' : 'WRONG'}`,
  )
  const ordersOk = orderCount === BigInt(aliceOrders)
  log(
    `t_demo_orders["alice"] on node ${nodeCount - 1}: ${orderCount} rows of ${aliceOrders} sent, amount ${orderTotal} ` +
      `(${orders} orders over ${accounts.length} accounts): ${ordersOk ? 'ok' : 'WRONG'}`,
  )
  const head = Number(await rpcs[0]!.call<string>('getBlockNumber', [GROUP]))
  const deadline = Date.now() + 30_000
  let heads: string[] = []
  for (;;) {
    heads = await Promise.all(
      rpcs.map((r) =>
        r.call<string>('getBlockHashByNumber', [GROUP, `0x${head.toString(16)}`]).catch(() => ''),
      ),
    )
    if (new Set(heads).size === 1 || Date.now() > deadline) break
    await new Promise((r) => setTimeout(r, 200))
  }
  const agree = new Set(heads).size === 1 && heads[0] !== ''
  log(
    `all ${nodeCount} nodes at block #${head}, hash ${short(heads[0] ?? '')}: ${agree ? 'identical' : 'DIFFERENT'}`,
  )
  log(`total run ${((Date.now() - started) / 1000).toFixed(1)} s`)
  if (!agree || !balanceOk || !ordersOk || failed > 0) process.exitCode = 1

  // 7. leave it running
  log('the chain is running. Endpoints:')
  for (const n of chain.nodes) {
    process.stdout.write(
      `  node ${n.index}: JSON-RPC http://127.0.0.1:${n.ports.rpc}  channel 127.0.0.1:${n.ports.channel}  ` +
        `metrics http://127.0.0.1:${n.ports.metrics}/metrics  logs ${join(n.dir, 'log', 'node.log')}\n`,
    )
  }
  process.stdout.write(`  block explorer: ${explorerUrl}\n`)
  process.stdout.write(
    `  SDK certificates: ${join(chain.output, '127.0.0.1', 'sdk')}\n` +
      `  try: curl -s -X POST -d '{"jsonrpc":"2.0","method":"getBlockNumber","params":[1],"id":1}' http://127.0.0.1:${chain.nodes[0]!.ports.rpc}\n`,
  )
  if (exitWhenDone) {
    log('--exit-when-done: stopping the nodes')
    await stopAll()
    log('stopped')
    return
  }
  log('press Ctrl-C to stop')
  await new Promise<void>(() => undefined)
}

main().catch((err: unknown) => {
  clearProgress()
  process.stderr.write(`\ndemo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exitCode = 1
  process.kill(process.pid, 'SIGTERM')
})
