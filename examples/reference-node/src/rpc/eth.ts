/**
 * The Ethereum JSON-RPC of one group (reference/interop.md §4): blocks, transactions and
 * receipts in Ethereum's shapes, `eth_call`, `eth_estimateGas`, `eth_getLogs`, `eth_getCode`,
 * `eth_getStorageAt`, fee methods (the chain has no coin: gas price 1, base fee 0), and
 * Ethereum-signed transactions through `NodeBackend.eth` when the node has it
 * (`eth_sendRawTransaction`, `eth_getTransactionCount`); without it they answer an error
 * saying so. The chain id is `ethChainIdOf(chainId, groupId)` (the chain id for group 1).
 */
import type { Address, Bytes, Hash32, Log, Receipt } from '@consortia/interface'
import { isEthTransaction, silentLogger, TxStatus } from '@consortia/interface'
import { ethChainIdOf } from '@consortia/protocol'
import type { EthBackend } from '../eth/backend.js'
import type {
  BackendBlock,
  GroupBackend,
  LocatedReceipt,
  LocatedTransaction,
  NodeBackend,
} from './backend.js'
import { dataHex, quantityHex } from './format.js'
import { PARAMS_DEPTH_MAX, RPC_BATCH_MAX, type RpcCallContext, RpcCode, type RpcResponse } from './methods.js'

/** Most blocks one `eth_getLogs` call scans. */
export const ETH_LOGS_BLOCKS_MAX = 1000
/** Most logs one `eth_getLogs` call returns. */
export const ETH_LOGS_MAX = 10_000
/** Gas limit reported in Ethereum blocks (FISCO's default `tx_gas_limit`). */
export const ETH_BLOCK_GAS_LIMIT = 300_000_000n
/** keccak256(rlp([])): the uncles hash of a block without uncles. */
const EMPTY_UNCLES_HASH = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347'
/** Error code of a refused Ethereum transaction (go-ethereum's generic server error). */
export const ETH_TX_REFUSED_CODE = -32000
/** Ethereum's "execution reverted" error code. */
export const ETH_REVERT_CODE = 3
/** FISCO receipt status of a Solidity revert. */
const REVERT_STATUS = 22
/** Most blocks one `eth_feeHistory` call covers (go-ethereum's limit). */
export const ETH_FEE_HISTORY_BLOCKS_MAX = 1024
/** Most reward percentiles one `eth_feeHistory` call takes. */
export const ETH_FEE_PERCENTILES_MAX = 100
/**
 * Longest `eth_getTransactionReceipt` waits for a transaction still in the pool. This chain
 * seals blocks only when there are transactions, so a client that got `null` and then waits
 * for the next block (ethers' `wait()` does) could wait forever; answering once the block
 * commits closes that gap.
 */
export const ETH_RECEIPT_WAIT_MS = 3000
/** Poll interval of that wait. */
const RECEIPT_POLL_MS = 20
/** Most addresses, or options of one topic position, in a log filter. */
export const ETH_FILTER_ITEMS_MAX = 256

/** The Ethereum chain id a group answers (`eth_chainId`) and its transactions must sign. */
export function groupEthChainId(group: GroupBackend): bigint {
  return ethChainIdOf(group.chainId, group.groupId)
}

class EthError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

const invalid = (field: string, expected: string) =>
  new EthError(RpcCode.INVALID_PARAMS, `invalid params: expected ${field} to be ${expected}`)

function hexBytes(value: unknown, field: string, length?: number): Uint8Array {
  if (typeof value !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(value))
    throw invalid(field, '0x-prefixed hex')
  const bytes = Uint8Array.from(Buffer.from(value.slice(2), 'hex'))
  if (length !== undefined && bytes.length !== length) throw invalid(field, `${length} bytes`)
  return bytes
}

async function resolveBlock(group: GroupBackend, tag: unknown): Promise<number> {
  if (
    tag === undefined ||
    tag === null ||
    ['latest', 'pending', 'safe', 'finalized'].includes(tag as string)
  ) {
    return group.blockNumber()
  }
  if (tag === 'earliest') return 0
  if (typeof tag === 'string' && /^0x[0-9a-fA-F]{1,13}$/.test(tag)) return Number.parseInt(tag.slice(2), 16)
  if (typeof tag === 'object' && tag !== null && 'blockNumber' in tag) {
    return resolveBlock(group, (tag as { blockNumber: unknown }).blockNumber)
  }
  throw invalid('block', 'a block tag or hex number')
}

const nullableTo = (to: Address | null) => (to === null ? null : dataHex(to))

/** Ethereum's type number of a transaction (`0x0` for FISCO transactions). */
function ethTypeOf(tx: LocatedTransaction['tx']['tx']): string {
  if (!isEthTransaction(tx)) return '0x0'
  return tx.eth.type === 'eip1559' ? '0x2' : tx.eth.type === 'eip2930' ? '0x1' : '0x0'
}

function ethTransaction(t: LocatedTransaction, chainId: bigint): Record<string, unknown> {
  const { tx } = t.tx
  const sig = tx.signature
  if (isEthTransaction(tx)) {
    const e = tx.eth
    const typed = e.type === 'eip1559' || e.type === 'eip2930'
    const v =
      typed || e.chainId === undefined ? BigInt(27 + e.yParity) : e.chainId * 2n + 35n + BigInt(e.yParity)
    return {
      blockHash: dataHex(t.blockHash),
      blockNumber: quantityHex(t.blockNumber),
      from: dataHex(t.tx.sender),
      gas: quantityHex(tx.gas),
      gasPrice: quantityHex(e.maxFeePerGas),
      hash: dataHex(t.tx.hash),
      input: dataHex(tx.data),
      nonce: quantityHex(e.nonce),
      r: quantityHex(sig.r),
      s: quantityHex(sig.s),
      to: nullableTo(tx.to),
      transactionIndex: quantityHex(t.index),
      type: ethTypeOf(tx),
      v: quantityHex(typed ? BigInt(e.yParity) : v),
      value: quantityHex(tx.value),
      ...(e.chainId === undefined ? {} : { chainId: quantityHex(e.chainId) }),
      ...(typed
        ? {
            yParity: quantityHex(e.yParity),
            accessList: e.accessList.map((a) => ({
              address: dataHex(a.address),
              storageKeys: a.storageKeys.map(dataHex),
            })),
          }
        : {}),
      ...(e.type === 'eip1559'
        ? {
            maxFeePerGas: quantityHex(e.maxFeePerGas),
            maxPriorityFeePerGas: quantityHex(e.maxPriorityFeePerGas),
          }
        : {}),
    }
  }
  return {
    blockHash: dataHex(t.blockHash),
    blockNumber: quantityHex(t.blockNumber),
    chainId: quantityHex(chainId),
    from: dataHex(t.tx.sender),
    gas: quantityHex(tx.gas),
    gasPrice: quantityHex(tx.gasPrice > 0n ? tx.gasPrice : 1n),
    hash: dataHex(t.tx.hash),
    input: dataHex(tx.data),
    nonce: quantityHex(tx.nonce),
    r: quantityHex(sig.r),
    s: quantityHex(sig.s),
    to: nullableTo(tx.to),
    transactionIndex: quantityHex(t.index),
    type: '0x0',
    v: sig.kind === 'ecdsa' ? quantityHex(sig.v) : '0x0',
    value: quantityHex(tx.value),
  }
}

/** An Ethereum log object (`eth_getLogs`, receipts, `logs` subscriptions). */
export function ethLog(
  log: Log,
  r: { blockHash: Hash32; blockNumber: number; txHash: Hash32; index: number },
  logIndex: number,
) {
  return {
    address: dataHex(log.address),
    blockHash: dataHex(r.blockHash),
    blockNumber: quantityHex(r.blockNumber),
    data: dataHex(log.data),
    logIndex: quantityHex(logIndex),
    removed: false,
    topics: log.topics.map(dataHex),
    transactionHash: dataHex(r.txHash),
    transactionIndex: quantityHex(r.index),
  }
}

function ethReceipt(r: LocatedReceipt, block: BackendBlock): Record<string, unknown> {
  let cumulative = 0n
  let firstLog = 0
  for (let i = 0; i <= r.index; i++) {
    cumulative += block.receipts[i]?.gasUsed ?? 0n
    if (i < r.index) firstLog += block.receipts[i]?.logs.length ?? 0
  }
  const deployed = r.tx.tx.to === null && r.receipt.status === 0
  const at = { blockHash: r.blockHash, blockNumber: r.blockNumber, txHash: r.tx.hash, index: r.index }
  return {
    blockHash: dataHex(r.blockHash),
    blockNumber: quantityHex(r.blockNumber),
    contractAddress: deployed ? dataHex(r.receipt.contractAddress) : null,
    cumulativeGasUsed: quantityHex(cumulative),
    effectiveGasPrice: '0x1',
    from: dataHex(r.tx.sender),
    gasUsed: quantityHex(r.receipt.gasUsed),
    logs: r.receipt.logs.map((log, i) => ethLog(log, at, firstLog + i)),
    logsBloom: dataHex(r.receipt.logsBloom),
    status: r.receipt.status === 0 ? '0x1' : '0x0',
    to: nullableTo(r.tx.tx.to),
    transactionHash: dataHex(r.tx.hash),
    transactionIndex: quantityHex(r.index),
    type: ethTypeOf(r.tx.tx),
    // Besu/FISCO style: the revert data of a reverted transaction (ABI `Error(string)` etc.).
    ...revertFields(r.receipt),
  }
}

function revertFields(receipt: Receipt): Record<string, unknown> {
  if (receipt.status === TxStatus.None) return {}
  return {
    fiscoStatus: quantityHex(receipt.status),
    ...(receipt.status === REVERT_STATUS ? { revertReason: dataHex(receipt.output) } : {}),
  }
}

/** An Ethereum block object; `full` gives transaction objects instead of hashes. */
export function ethBlock(
  b: BackendBlock,
  full: boolean,
  chainId: bigint,
  group: GroupBackend,
): Record<string, unknown> {
  const h = b.block.header
  const sealer = h.sealerList[h.sealer]
  return {
    baseFeePerGas: '0x0',
    difficulty: '0x0',
    extraData: '0x',
    gasLimit: quantityHex(ETH_BLOCK_GAS_LIMIT),
    gasUsed: quantityHex(h.gasUsed),
    hash: dataHex(b.hash),
    logsBloom: dataHex(h.logsBloom),
    miner: sealer === undefined ? dataHex(new Uint8Array(20)) : dataHex(group.suite.address(sealer)),
    mixHash: dataHex(new Uint8Array(32)),
    nonce: '0x0000000000000000',
    number: quantityHex(h.number),
    parentHash: dataHex(h.parentHash),
    receiptsRoot: dataHex(h.receiptsRoot),
    sha3Uncles: EMPTY_UNCLES_HASH,
    size: quantityHex(b.block.transactions.reduce((n, t) => n + t.raw.length, 0) + 512),
    stateRoot: dataHex(h.stateRoot),
    timestamp: quantityHex(Math.floor(h.timestamp / 1000)),
    totalDifficulty: '0x0',
    transactions: b.block.transactions.map((tx, index) =>
      full
        ? ethTransaction({ tx, blockHash: b.hash, blockNumber: h.number, index }, chainId)
        : dataHex(tx.hash),
    ),
    transactionsRoot: dataHex(h.transactionsRoot),
    uncles: [],
  }
}

function callRequest(value: unknown): { from: Address; to: Address | null; data: Bytes } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('call', 'an object')
  const o = value as Record<string, unknown>
  const from =
    o['from'] === undefined || o['from'] === null ? new Uint8Array(20) : hexBytes(o['from'], 'from', 20)
  const to = o['to'] === undefined || o['to'] === null ? null : hexBytes(o['to'], 'to', 20)
  const dataValue = o['input'] ?? o['data']
  const data = dataValue === undefined || dataValue === null ? new Uint8Array(0) : hexBytes(dataValue, 'data')
  return { from, to, data }
}

type EthMethod = (group: GroupBackend, params: readonly unknown[], node: NodeBackend) => Promise<unknown>

/** A parsed `eth_getLogs` / `logs` subscription filter (addresses and topics; empty = any). */
export interface EthLogFilter {
  readonly addresses: ReadonlySet<string>
  /** Per position: the accepted topics, or undefined for any. */
  readonly topics: readonly (ReadonlySet<string> | undefined)[]
}

/** Parses the address and topics part of an Ethereum log filter (labelled -32602 errors). */
export function parseLogFilter(f: Record<string, unknown>): EthLogFilter {
  const addressList = f['address'] === undefined || f['address'] === null ? [] : [f['address']].flat()
  if (addressList.length > ETH_FILTER_ITEMS_MAX)
    throw invalid('address', `at most ${ETH_FILTER_ITEMS_MAX} addresses`)
  const addresses = new Set(addressList.map((a) => dataHex(hexBytes(a, 'address', 20))))
  const topicList = f['topics'] === undefined || f['topics'] === null ? [] : f['topics']
  if (!Array.isArray(topicList) || topicList.length > 4)
    throw invalid('topics', 'an array of at most 4 entries')
  const topics = topicList.map((t) => {
    if (t === null) return undefined
    const options = [t].flat()
    if (options.length > ETH_FILTER_ITEMS_MAX)
      throw invalid('topics', `at most ${ETH_FILTER_ITEMS_MAX} options`)
    return new Set(options.map((x) => dataHex(hexBytes(x, 'topic', 32))))
  })
  return { addresses, topics }
}

/** Whether `log` passes `filter`. */
export function logMatches(log: Log, filter: EthLogFilter): boolean {
  if (filter.addresses.size > 0 && !filter.addresses.has(dataHex(log.address))) return false
  return !filter.topics.some((want, k) => {
    const topic = log.topics[k]
    return want !== undefined && (topic === undefined || !want.has(dataHex(topic)))
  })
}

/** The Ethereum log objects of a committed block that pass `filter`, in block order. */
export function blockLogs(
  b: BackendBlock,
  filter: EthLogFilter,
  max = ETH_LOGS_MAX,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  let logIndex = 0
  b.receipts.forEach((receipt, index) => {
    const tx = b.block.transactions[index]
    for (const log of receipt.logs) {
      const i = logIndex++
      if (tx === undefined || !logMatches(log, filter)) continue
      if (out.length >= max) throw new EthError(RpcCode.INVALID_PARAMS, `more than ${ETH_LOGS_MAX} logs`)
      out.push(
        ethLog(log, { blockHash: b.hash, blockNumber: b.block.header.number, txHash: tx.hash, index }, i),
      )
    }
  })
  return out
}

function quantityParam(value: unknown, field: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
  if (typeof value === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(value)) return BigInt(value)
  throw invalid(field, 'a hex quantity')
}

const ethBackendOf = (node: NodeBackend): EthBackend | undefined =>
  node.eth !== undefined && 'storageAt' in node.eth ? (node.eth as EthBackend) : undefined

const METHODS: Readonly<Record<string, EthMethod>> = {
  web3_clientVersion: async (_g, _p, node) => `Consortia/${node.version.version}/fisco-bcos-2.x`,
  eth_chainId: async (g) => quantityHex(groupEthChainId(g)),
  net_version: async (g) => groupEthChainId(g).toString(10),
  eth_blockNumber: async (g) => quantityHex(g.blockNumber()),
  eth_syncing: async () => false,
  // No coin: a constant price of 1 (clients refuse 0), base fee 0, priority fee 1.
  eth_gasPrice: async () => '0x1',
  eth_maxPriorityFeePerGas: async () => '0x1',
  eth_feeHistory: async (g, p) => {
    const count = Number(quantityParam(p[0], 'blockCount'))
    if (count < 1 || count > ETH_FEE_HISTORY_BLOCKS_MAX) {
      throw invalid('blockCount', `1..${ETH_FEE_HISTORY_BLOCKS_MAX}`)
    }
    const newest = await resolveBlock(g, p[1])
    const percentiles = p[2] === undefined || p[2] === null ? undefined : p[2]
    if (
      percentiles !== undefined &&
      (!Array.isArray(percentiles) ||
        percentiles.length > ETH_FEE_PERCENTILES_MAX ||
        percentiles.some(
          (x, i) => typeof x !== 'number' || x < 0 || x > 100 || (i > 0 && x < percentiles[i - 1]),
        ))
    ) {
      throw invalid('rewardPercentiles', `at most ${ETH_FEE_PERCENTILES_MAX} ascending numbers in 0..100`)
    }
    const last = Math.min(newest, g.blockNumber())
    const oldest = Math.max(0, last - count + 1)
    const gasUsedRatio: number[] = []
    const reward: string[][] = []
    for (let n = oldest; n <= last; n++) {
      const b = await g.blockByNumber(n)
      gasUsedRatio.push(b === undefined ? 0 : Number(b.block.header.gasUsed) / Number(ETH_BLOCK_GAS_LIMIT))
      if (percentiles !== undefined) reward.push((percentiles as number[]).map(() => '0x1'))
    }
    return {
      oldestBlock: quantityHex(oldest),
      baseFeePerGas: gasUsedRatio.map(() => '0x0').concat('0x0'),
      gasUsedRatio,
      ...(percentiles === undefined ? {} : { reward }),
    }
  },
  eth_getStorageAt: async (g, p, node) => {
    const address = hexBytes(p[0], 'address', 20)
    const slot = quantityParam(p[1], 'slot')
    const eth = ethBackendOf(node)
    if (eth === undefined)
      throw new EthError(RpcCode.METHOD_NOT_FOUND, 'eth_getStorageAt needs the Ethereum backend')
    const key = new Uint8Array(32)
    for (let i = 31, v = slot; i >= 0; i--, v >>= 8n) key[i] = Number(v & 0xffn)
    return dataHex(await eth.storageAt(g.groupId, address, key))
  },
  eth_accounts: async () => [],
  eth_getBalance: async (_g, p) => {
    hexBytes(p[0], 'address', 20)
    return '0x0'
  },
  eth_getCode: async (g, p) => dataHex(await g.code(hexBytes(p[0], 'address', 20))),
  eth_getBlockByNumber: async (g, p) => {
    const n = await resolveBlock(g, p[0])
    const b = n <= g.blockNumber() ? await g.blockByNumber(n) : undefined
    return b === undefined ? null : ethBlock(b, p[1] === true, groupEthChainId(g), g)
  },
  eth_getBlockByHash: async (g, p) => {
    const b = await g.blockByHash(hexBytes(p[0], 'blockHash', 32))
    return b === undefined ? null : ethBlock(b, p[1] === true, groupEthChainId(g), g)
  },
  eth_getTransactionByHash: async (g, p, node) => {
    const hash = hexBytes(p[0], 'transactionHash', 32)
    const t = await g.transaction(hash)
    if (t === undefined) {
      // Still in the pool: Ethereum's pending shape (no block, no index).
      const pending = ethBackendOf(node)?.pendingTransaction(g.groupId, hash)
      if (pending === undefined) return null
      const at = { tx: pending, blockNumber: 0, blockHash: new Uint8Array(32), index: 0 }
      return {
        ...ethTransaction(at, groupEthChainId(g)),
        blockHash: null,
        blockNumber: null,
        transactionIndex: null,
      }
    }
    return ethTransaction(t, groupEthChainId(g))
  },
  eth_getTransactionReceipt: async (g, p, node) => {
    const hash = hexBytes(p[0], 'transactionHash', 32)
    let r = await g.receipt(hash)
    const eth = ethBackendOf(node)
    for (const until = Date.now() + ETH_RECEIPT_WAIT_MS; r === undefined && Date.now() < until; ) {
      if (eth === undefined || !eth.isPending(g.groupId, hash)) break
      await new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS))
      r = await g.receipt(hash)
    }
    // It may have left the pool between the two reads.
    r ??= await g.receipt(hash)
    if (r === undefined) return null
    const block = await g.blockByNumber(r.blockNumber)
    if (block === undefined) return null
    return ethReceipt(r, block)
  },
  eth_call: async (g, p) => {
    const result = await g.call(callRequest(p[0]))
    if (result.status === REVERT_STATUS) {
      throw new EthError(ETH_REVERT_CODE, 'execution reverted', dataHex(result.output))
    }
    if (result.status !== 0)
      throw new EthError(RpcCode.INTERNAL_ERROR, `call failed with FISCO status ${result.status}`)
    return dataHex(result.output)
  },
  eth_estimateGas: async (g, p) => {
    const result = await g.call(callRequest(p[0]))
    if (result.status === REVERT_STATUS) {
      throw new EthError(ETH_REVERT_CODE, 'execution reverted', dataHex(result.output))
    }
    if (result.status !== 0)
      throw new EthError(RpcCode.INTERNAL_ERROR, `call failed with FISCO status ${result.status}`)
    // The call's gas plus FISCO's intrinsic transaction cost, with a margin for refunds.
    return quantityHex(((result.gasUsed ?? 0n) * 12n) / 10n + 21_000n)
  },
  eth_getLogs: async (g, p) => {
    const f = (p[0] ?? {}) as Record<string, unknown>
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw invalid('filter', 'an object')
    let blocks: BackendBlock[]
    if (f['blockHash'] !== undefined) {
      const b = await g.blockByHash(hexBytes(f['blockHash'], 'blockHash', 32))
      blocks = b === undefined ? [] : [b]
    } else {
      const from = await resolveBlock(g, f['fromBlock'])
      const to = Math.min(await resolveBlock(g, f['toBlock']), g.blockNumber())
      if (to - from + 1 > ETH_LOGS_BLOCKS_MAX) {
        throw new EthError(RpcCode.INVALID_PARAMS, `block range over ${ETH_LOGS_BLOCKS_MAX} blocks`)
      }
      blocks = []
      for (let n = from; n <= to; n++) {
        const b = await g.blockByNumber(n)
        if (b !== undefined) blocks.push(b)
      }
    }
    const filter = parseLogFilter(f)
    const out: unknown[] = []
    for (const b of blocks) out.push(...blockLogs(b, filter, ETH_LOGS_MAX - out.length))
    return out
  },
  eth_sendRawTransaction: async (g, p, node) => {
    const raw = hexBytes(p[0], 'raw transaction')
    if (node.eth === undefined) {
      throw new EthError(
        RpcCode.INTERNAL_ERROR,
        'Ethereum-signed transactions are not accepted by this node; send FISCO transactions with sendRawTransaction',
      )
    }
    const result = await node.eth.submit(g.groupId, raw)
    if (!result.ok) throw new EthError(ETH_TX_REFUSED_CODE, result.message)
    return dataHex(result.hash)
  },
  eth_getTransactionCount: async (g, p, node) => {
    const address = hexBytes(p[0], 'address', 20)
    if (node.eth === undefined) {
      throw new EthError(
        RpcCode.METHOD_NOT_FOUND,
        'eth_getTransactionCount needs Ethereum transaction support',
      )
    }
    return quantityHex(await node.eth.nonce(g.groupId, address, p[1] === 'pending'))
  },
}

/** Names of the Ethereum methods answered. */
export const ETH_METHODS: readonly string[] = Object.keys(METHODS).sort()

/** Answers one Ethereum JSON-RPC request for `groupId`. Never throws. */
export async function handleEthRequest(
  request: unknown,
  ctx: RpcCallContext,
  groupId: number,
): Promise<RpcResponse> {
  const fail = (id: unknown, code: number, message: string, data?: unknown): RpcResponse => ({
    jsonrpc: '2.0',
    id,
    error: { code, message, ...(data === undefined ? {} : { data }) },
  })
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    return fail(null, RpcCode.INVALID_REQUEST, 'invalid request')
  }
  const r = request as Record<string, unknown>
  const id = r['id'] ?? null
  const method = r['method']
  if (typeof method !== 'string') return fail(id, RpcCode.INVALID_REQUEST, 'invalid request: method')
  const params = r['params'] ?? []
  if (!Array.isArray(params)) return fail(id, RpcCode.INVALID_PARAMS, 'invalid params: expected an array')
  if (JSON.stringify(params).length > 1_000_000 || nestedDeeper(params, PARAMS_DEPTH_MAX)) {
    return fail(id, RpcCode.INVALID_PARAMS, 'invalid params: too large or too deep')
  }
  const fn = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined
  if (fn === undefined)
    return fail(id, RpcCode.METHOD_NOT_FOUND, `the method ${method.slice(0, 64)} does not exist`)
  const group = ctx.node.group(groupId)
  if (group === undefined) return fail(id, RpcCode.GROUP_NOT_EXIST, 'GroupID does not exist')
  try {
    return { jsonrpc: '2.0', id, result: await fn(group, params, ctx.node) }
  } catch (err) {
    if (err instanceof EthError) return fail(id, err.code, err.message, err.data)
    ;(ctx.logger ?? silentLogger).warn('eth method failed', { method, err })
    return fail(id, RpcCode.INTERNAL_ERROR, 'internal error')
  }
}

function nestedDeeper(value: unknown, max: number): boolean {
  if (max < 0) return true
  if (Array.isArray(value)) return value.some((v) => nestedDeeper(v, max - 1))
  if (value !== null && typeof value === 'object')
    return Object.values(value).some((v) => nestedDeeper(v, max - 1))
  return false
}

/** Answers an Ethereum JSON-RPC body (one request or a batch). Never throws. */
export async function handleEthBody(body: string, ctx: RpcCallContext, groupId: number): Promise<string> {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return JSON.stringify({
      jsonrpc: '2.0',
      id: null,
      error: { code: RpcCode.PARSE_ERROR, message: 'parse error' },
    })
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0 || parsed.length > RPC_BATCH_MAX) {
      return JSON.stringify({
        jsonrpc: '2.0',
        id: null,
        error: {
          code: RpcCode.INVALID_REQUEST,
          message: `invalid request: batch of 1..${RPC_BATCH_MAX} required`,
        },
      })
    }
    const out: RpcResponse[] = []
    for (const item of parsed) out.push(await handleEthRequest(item, ctx, groupId))
    return JSON.stringify(out)
  }
  return JSON.stringify(await handleEthRequest(parsed, ctx, groupId))
}
