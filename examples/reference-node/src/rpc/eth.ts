/**
 * A read-only Ethereum JSON-RPC view of one group (reference/interop.md §4), for Ethereum tools
 * that read chain data: blocks, transactions and receipts in Ethereum's shapes, `eth_call`,
 * `eth_estimateGas`, `eth_getLogs`, `eth_getCode`. Ethereum-signed transactions go through
 * `NodeBackend.eth` when the node has it (`eth_sendRawTransaction`, `eth_getTransactionCount`);
 * without it they answer an error saying so. Fee methods answer -32601 so clients fall back to
 * legacy fields.
 */
import type { Address, Bytes, Hash32, Log } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
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

function ethTransaction(t: LocatedTransaction, chainId: bigint): Record<string, unknown> {
  const { tx } = t.tx
  const sig = tx.signature
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

function ethLog(
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
    type: '0x0',
  }
}

function ethBlock(
  b: BackendBlock,
  full: boolean,
  chainId: bigint,
  group: GroupBackend,
): Record<string, unknown> {
  const h = b.block.header
  const sealer = h.sealerList[h.sealer]
  return {
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

const METHODS: Readonly<Record<string, EthMethod>> = {
  web3_clientVersion: async (_g, _p, node) => `Consortia/${node.version.version}/fisco-bcos-2.x`,
  eth_chainId: async (g) => quantityHex(g.chainId),
  net_version: async (g) => g.chainId.toString(10),
  eth_blockNumber: async (g) => quantityHex(g.blockNumber()),
  eth_syncing: async () => false,
  eth_gasPrice: async () => '0x1',
  eth_accounts: async () => [],
  eth_getBalance: async (_g, p) => {
    hexBytes(p[0], 'address', 20)
    return '0x0'
  },
  eth_getCode: async (g, p) => dataHex(await g.code(hexBytes(p[0], 'address', 20))),
  eth_getBlockByNumber: async (g, p) => {
    const n = await resolveBlock(g, p[0])
    const b = n <= g.blockNumber() ? await g.blockByNumber(n) : undefined
    return b === undefined ? null : ethBlock(b, p[1] === true, g.chainId, g)
  },
  eth_getBlockByHash: async (g, p) => {
    const b = await g.blockByHash(hexBytes(p[0], 'blockHash', 32))
    return b === undefined ? null : ethBlock(b, p[1] === true, g.chainId, g)
  },
  eth_getTransactionByHash: async (g, p, node) => {
    const hash = hexBytes(p[0], 'transactionHash', 32)
    const mapped = await node.eth?.chainHashOf?.(g.groupId, hash)
    const t = await g.transaction(mapped ?? hash)
    if (t === undefined) return null
    const out = ethTransaction(t, g.chainId)
    return mapped === undefined ? out : { ...out, hash: dataHex(hash) }
  },
  eth_getTransactionReceipt: async (g, p, node) => {
    const hash = hexBytes(p[0], 'transactionHash', 32)
    const mapped = await node.eth?.chainHashOf?.(g.groupId, hash)
    const r = await g.receipt(mapped ?? hash)
    if (r === undefined) return null
    const block = await g.blockByNumber(r.blockNumber)
    if (block === undefined) return null
    const out = ethReceipt(r, block)
    if (mapped === undefined) return out
    const ethHash = dataHex(hash)
    const logs = (out['logs'] as Record<string, unknown>[]).map((l) => ({ ...l, transactionHash: ethHash }))
    return { ...out, transactionHash: ethHash, logs }
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
    const addressList = f['address'] === undefined || f['address'] === null ? [] : [f['address']].flat()
    const addresses = new Set(addressList.map((a) => dataHex(hexBytes(a, 'address', 20))))
    const topics = (Array.isArray(f['topics']) ? f['topics'] : []).map((t) =>
      t === null ? undefined : new Set([t].flat().map((x) => dataHex(hexBytes(x, 'topic', 32)))),
    )
    const out: unknown[] = []
    for (const b of blocks) {
      let logIndex = 0
      b.receipts.forEach((receipt, index) => {
        const tx = b.block.transactions[index]
        for (const log of receipt.logs) {
          const i = logIndex++
          if (tx === undefined) continue
          if (addresses.size > 0 && !addresses.has(dataHex(log.address))) continue
          if (
            topics.some(
              (want, k) => want !== undefined && !want.has(dataHex(log.topics[k] ?? new Uint8Array(0))),
            )
          ) {
            continue
          }
          if (out.length >= ETH_LOGS_MAX)
            throw new EthError(RpcCode.INVALID_PARAMS, `more than ${ETH_LOGS_MAX} logs`)
          out.push(
            ethLog(log, { blockHash: b.hash, blockNumber: b.block.header.number, txHash: tx.hash, index }, i),
          )
        }
      })
    }
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
