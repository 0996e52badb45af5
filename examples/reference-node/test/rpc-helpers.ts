/**
 * An in-process single-node chain for the RPC and channel tests, built from the real parts:
 * AMDB on the memory driver, group-ledger's block store, pool and consensus driver with a
 * single-sealer PBFT (or Raft) engine, the serial FISCO executor, and the RPC backend over
 * them. Time is the system clock with short ticks, so blocks commit within tens of
 * milliseconds of a transaction arriving.
 */
import { createAMDB, createMemoryDriver } from '@consortia/amdb'
import { createCryptoSuite } from '@consortia/crypto'
import {
  createConsensusDriver,
  createTxPool,
  loadNonceWindow,
  openBlockStore,
  pbftEngineFactory,
  raftEngineFactory,
  writeGenesis,
} from '@consortia/group-ledger'
import { type Bytes, type Clock, type CryptoSuite, ModuleId } from '@consortia/interface'
import { createSerialExecutor } from '@consortia/parallel-executor'
import { encodeTransaction, signTransaction } from '@consortia/protocol'
import { createMemoryKvStore, createMemoryNetwork, createSeededRandom } from '@consortia/testkit'
import {
  createGroupBackend,
  type GroupBackend,
  type GroupManagerBackend,
  type ManagementResult,
  type NodeBackend,
  type PeerConfigBackend,
} from '../src/rpc/backend.js'

/** Hardhat's first development key: its address 0xf39F…2266 is the sender of the channel captures. */
export const CLIENT_KEY = Uint8Array.from(
  Buffer.from('ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80', 'hex'),
)

export const hexOf = (b: Bytes) => Buffer.from(b).toString('hex')

/**
 * A hand-assembled contract (no compiler needed): a call with calldata stores its first word in
 * slot 0 and emits LOG1 with that word as the topic; a call without calldata returns slot 0.
 * Runtime: CALLDATASIZE ISZERO PUSH1 0x12 JUMPI PUSH1 0 CALLDATALOAD DUP1 PUSH1 0 SSTORE PUSH1 0
 * PUSH1 0 LOG1 STOP JUMPDEST PUSH1 0 SLOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
 */
export const STORE_RUNTIME = '36156012576000358060005560006000a1005b60005460005260206000f3'
/** Init code: CODECOPY the 30-byte runtime from offset 12 and RETURN it. */
export const STORE_INIT = `601e600c600039601e6000f3${STORE_RUNTIME}`

const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, delayMs)
    t.unref()
    return () => clearTimeout(t)
  },
}

/** A running single-node chain. */
export interface TestChain {
  readonly suite: CryptoSuite
  readonly sealerKey: Bytes
  readonly backend: GroupBackend
  readonly node: NodeBackend
  /** Signs a FISCO rc2 transaction from `CLIENT_KEY` (or `key`). */
  signTx(opts: {
    nonce: bigint
    to: Bytes | null
    data: Bytes
    blockLimit?: bigint
    key?: Bytes
    groupId?: bigint
  }): Bytes
  /** Resolves when the head reaches `number`. */
  waitForHeight(number: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

/** Builds and starts the chain (group 1, chain id 1). */
export async function startTestChain(
  options: {
    consensus?: 'pbft' | 'raft'
    suiteName?: 'ecdsa' | 'sm'
    tickMs?: number
    /** Give the node a peer list, a runtime peer configuration and a group manager (for the doc shapes). */
    admin?: boolean
  } = {},
): Promise<TestChain> {
  const suite = createCryptoSuite(options.suiteName ?? 'ecdsa')
  const sealerKey = suite.hash(new TextEncoder().encode('consortia-reference-node-rpc-test-sealer'))
  const nodeId = suite.publicKey(sealerKey)
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: suite.hash })
  await writeGenesis(amdb, suite, {
    sealerList: [nodeId],
    timestamp: Date.now() - 1000,
    config: { tx_count_limit: '1000', tx_gas_limit: '300000000' },
  })
  const store = await openBlockStore({ amdb, suite })
  const nonceWindow = await loadNonceWindow(store, store.head.number)
  const pool = await createTxPool(
    { groupId: 1 },
    {
      suite,
      nonceWindow,
      chain: { currentNumber: () => store.head.number, hasTransaction: (h) => store.hasTransaction(h) },
    },
  )
  const executor = createSerialExecutor({ hardfork: 'cancun' }, { crypto: suite })
  const network = createMemoryNetwork()
  const transport = network.createTransport(nodeId)
  let backend: GroupBackend | undefined
  const common = {
    groupId: 1,
    executor,
    amdb,
    store,
    pool,
    nonceWindow,
    transport,
    suite,
    privateKey: sealerKey,
    consensusStore: createMemoryKvStore(),
    clock: systemClock,
    tickMs: options.tickMs ?? 10,
    onCommitted: (b: Parameters<GroupBackend['blockCommitted']>[0]) => backend?.blockCommitted(b),
  }
  const consensus = options.consensus ?? 'pbft'
  const driver =
    consensus === 'raft'
      ? await createConsensusDriver({
          ...common,
          engine: raftEngineFactory({ random: createSeededRandom(7), electionTicks: 4, heartbeatTicks: 1 }),
          moduleId: ModuleId.Raft,
        })
      : await createConsensusDriver({
          ...common,
          engine: pbftEngineFactory({ suite, privateKey: sealerKey, viewTimeoutTicks: 50 }),
        })
  backend = createGroupBackend({
    groupId: 1,
    chainId: 1n,
    suite,
    store,
    pool,
    driver,
    executor,
    amdb,
    nodeId,
    consensus,
  })
  const group = backend
  const node: NodeBackend = {
    nodeId,
    chainId: 1n,
    suite: suite.name,
    version: {
      version: '2.9.0',
      supportedVersion: '2.9.0',
      buildTime: '20260101 00:00:00',
      buildType: 'Linux/node/test',
      gitBranch: 'main',
      gitCommitHash: '693a709ddab39965d9c39da0104836cfb4a72054',
    },
    groupIds: () => [1],
    group: (id) => (id === 1 ? group : undefined),
    peers: () =>
      options.admin === true
        ? [
            {
              nodeId: suite.publicKey(suite.hash(new Uint8Array([1]))),
              ipAndPort: '127.0.0.1:30301',
              topics: [],
            },
          ]
        : [],
    info: () => ({ agency: 'agency', node: 'node0', ipAndPort: '127.0.0.1:30300' }),
    ...(options.admin === true ? { peerConfig: createPeerList(), groupManager: createGroupStates() } : {}),
  }

  return {
    suite,
    sealerKey,
    backend: group,
    node,
    signTx(o) {
      return encodeTransaction(
        signTransaction(
          {
            format: 'rc2',
            nonce: o.nonce,
            gasPrice: 0n,
            gas: 3_000_000n,
            blockLimit: o.blockLimit ?? BigInt(store.head.number + 500),
            to: o.to,
            value: 0n,
            data: o.data,
            chainId: 1n,
            groupId: o.groupId ?? 1n,
            extraData: new Uint8Array(0),
          },
          o.key ?? CLIENT_KEY,
          suite,
        ),
      )
    },
    async waitForHeight(number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      while (store.head.number < number) {
        if (driver.failure !== undefined) throw driver.failure
        if (Date.now() > deadline)
          throw new Error(`height ${store.head.number} < ${number} after ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 5))
      }
    },
    async close() {
      group.close()
      await driver.close()
      await pool.close()
      await transport.close()
      await amdb.close()
    },
  }
}

/** The test node's runtime peer list (what the node assembly keeps for `[p2p]`). */
function createPeerList(): PeerConfigBackend {
  const peers = new Set<string>(['127.0.0.1:30301'])
  return {
    query: () => [...peers],
    async add(endpoints) {
      for (const e of endpoints) peers.add(e)
      return { code: 0, message: ' add peers successfully' }
    },
    async erase(endpoints) {
      for (const e of endpoints) peers.delete(e)
      return { code: 0, message: ' erase peers successfully' }
    },
  }
}

/** The test node's group states, with FISCO's transitions and codes (reference/fisco-2x.md §1.1). */
function createGroupStates(): GroupManagerBackend {
  const states = new Map<number, string>([[1, 'RUNNING']])
  const move = (
    id: number,
    from: string[],
    to: string,
    verb: string,
    codeIfNot: number,
  ): ManagementResult => {
    const s = states.get(id)
    if (s === undefined) return { code: 0x6, message: `Group ${id} not found` }
    if (!from.includes(s)) return { code: codeIfNot, message: `Group ${id} is ${s}` }
    states.set(id, to)
    return { code: 0, message: `Group ${id} ${verb} successfully` }
  }
  return {
    async generate(id, params) {
      if (states.has(id)) return { code: 0x2, message: `Group ${id} already exists` }
      if (params.sealers.length === 0) return { code: 0x7, message: 'no sealers' }
      states.set(id, 'STOPPED')
      return { code: 0, message: `Group ${id} generated successfully` }
    },
    start: async (id) => move(id, ['STOPPED'], 'RUNNING', 'started', 0x3),
    stop: async (id) => move(id, ['RUNNING'], 'STOPPED', 'stopped', 0x4),
    remove: async (id) => move(id, ['STOPPED'], 'DELETED', 'deleted', 0x5),
    recover: async (id) => move(id, ['DELETED'], 'STOPPED', 'recovered', 0xf),
    async status(id) {
      return { code: 0, message: '', status: states.get(id) ?? 'INEXISTENT' }
    },
  }
}

/** POSTs a JSON body to the RPC server and returns the parsed answer and HTTP status. */
export async function postJSON(port: number, body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: res.status, json }
}

/** Calls one method over HTTP and returns the JSON-RPC response object. */
export async function rpc(port: number, method: string, params: unknown[]): Promise<Record<string, unknown>> {
  const { json } = await postJSON(port, JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }))
  return json as Record<string, unknown>
}
