/**
 * A 4-node chain in this test process (`startNode` of the reference node) with the explorer
 * enabled on node 0, plus a contract that emits an event, for the browser test.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createCryptoSuite } from '@consortia/crypto'
import {
  buildChain,
  createRpcClient,
  enableExplorer,
  parseBuildChainArgs,
  type RpcClient,
  type StartedNode,
  signRawTransaction,
  startNode,
  waitForReceipt,
} from '@consortia/reference-node'
import { encodeFunctionData, keccak256, parseAbi, toBytes } from 'viem'

/** Helper B's port range (timing brief): 22000..22999, below the ephemeral range. */
export const PORT_SEED = 22_000

async function portFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)))
  })
}

/** Six start ports (p2p, channel, rpc, eth, metrics, explorer) with `count` free ports after each. */
export async function freePorts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const base = PORT_SEED + ((process.pid * 37 + attempt * 61) % 400)
    const starts = [0, 1, 2, 3, 4, 5].map((k) => base + k * 100)
    let ok = true
    for (const s of starts) for (let i = 0; i < count && ok; i++) ok = await portFree(s + i)
    if (ok) return starts
  }
  throw new Error('no free port range in 22000..22999')
}

/** The Ping contract: `ping(uint256)` emits `Ping(uint256)` with the argument. */
export const PING_ABI = parseAbi(['function ping(uint256 value)', 'event Ping(uint256 value)'])

/**
 * Hand-assembled EVM bytecode of the Ping contract (no compiler needed). Runtime (45 bytes):
 * PUSH1 4 CALLDATALOAD PUSH1 0 MSTORE PUSH32 keccak("Ping(uint256)") PUSH1 32 PUSH1 0 LOG1 STOP;
 * init code (12 bytes): CODECOPY the runtime to memory 0 and RETURN it.
 */
export function pingBytecode(): `0x${string}` {
  const topic = keccak256(toBytes('Ping(uint256)')).slice(2)
  const runtime = `6004356000527f${topic}60206000a100`
  const length = (runtime.length / 2).toString(16).padStart(2, '0')
  return `0x60${length}600c60003960${length}6000f3${runtime}`
}

/** FISCO 2.x CNSPrecompiled. */
const CNS_ADDRESS = '0x0000000000000000000000000000000000001004'
const CNS_ABI = parseAbi([
  'function insert(string name, string version, string addr, string abi) returns (int256)',
])

/** A running chain with the explorer on node 0. */
export interface ExplorerChain {
  readonly nodes: (StartedNode | undefined)[]
  readonly rpc: RpcClient
  readonly explorerUrl: string
  /** Deploys Ping and calls `ping(value)`; returns the hashes and the contract address. */
  sendPing(
    value: bigint,
  ): Promise<{ deployHash: string; callHash: string; contract: string; callBlock: number }>
  /** Registers `address` under `name`/`version` with `abi` in CNS (0x1004 `insert`). */
  registerCns(name: string, version: string, address: string, abi: string): Promise<void>
  stop(index: number): Promise<void>
  close(): Promise<void>
}

const GROUP = 1
const CHAIN_ID = 1

/** Builds and starts the chain (nodes in this process, explorer on node 0). */
export async function startExplorerChain(nodeCount = 4): Promise<ExplorerChain> {
  const root = mkdtempSync(join(tmpdir(), 'consortia-explorer-'))
  const ports = await freePorts(nodeCount)
  const options = parseBuildChainArgs([
    '-l',
    `127.0.0.1:${nodeCount}`,
    '-o',
    join(root, 'nodes'),
    '-p',
    ports.slice(0, 5).join(','),
    '--tick-ms',
    '50',
  ])
  if (options === 'help') throw new Error('unexpected help')
  const chain = buildChain(options)
  const explorerPort = ports[5]!
  enableExplorer(chain.nodes[0]!.dir, { listenIp: '127.0.0.1', port: explorerPort })
  const nodes: (StartedNode | undefined)[] = []
  try {
    for (const n of chain.nodes) nodes.push(await startNode(n.dir))
  } catch (err) {
    await Promise.all(nodes.map((n) => n?.close()))
    rmSync(root, { recursive: true, force: true })
    throw err
  }
  const rpc = createRpcClient(`http://127.0.0.1:${chain.nodes[0]!.ports.rpc}`)
  const suite = createCryptoSuite('ecdsa')
  // A fixed test key (deterministic sender address).
  const privateKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
  const send = async (to: string | null, data: string) => {
    const blockNumber = Number(await rpc.call<string>('getBlockNumber', [GROUP]))
    const raw = signRawTransaction(
      { suite, privateKey, chainId: CHAIN_ID, groupId: GROUP, blockNumber },
      to,
      data,
    )
    const transactionHash = await rpc.call<string>('sendRawTransaction', [GROUP, raw])
    const receipt = await waitForReceipt(rpc, GROUP, transactionHash, 60_000)
    if (receipt.status !== '0x0') throw new Error(`transaction ${transactionHash} failed: ${receipt.status}`)
    return { hash: transactionHash, receipt }
  }
  return {
    nodes,
    rpc,
    explorerUrl: `http://127.0.0.1:${explorerPort}/`,
    async sendPing(value) {
      const deploy = await send(null, pingBytecode())
      const contract = deploy.receipt.contractAddress
      const call = await send(
        contract,
        encodeFunctionData({ abi: PING_ABI, functionName: 'ping', args: [value] }),
      )
      return {
        deployHash: deploy.hash,
        callHash: call.hash,
        contract,
        callBlock: Number(call.receipt.blockNumber),
      }
    },
    async registerCns(name, version, address, abi) {
      const data = encodeFunctionData({
        abi: CNS_ABI,
        functionName: 'insert',
        args: [name, version, address, abi],
      })
      await send(CNS_ADDRESS, data)
    },
    async stop(index) {
      await nodes[index]?.close()
      nodes[index] = undefined
    },
    async close() {
      await Promise.all(nodes.map((n) => n?.close()))
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** Builds the explorer bundle into `dist/` (what the node serves) with Vite. */
export async function buildExplorerBundle(): Promise<void> {
  const dir = fileURLToPath(new URL('..', import.meta.url))
  const vite = fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url))
  await promisify(execFile)(process.execPath, [vite, 'build'], { cwd: dir, timeout: 180_000 })
}
