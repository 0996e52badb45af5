/**
 * FISCO BCOS 2.x JSON-RPC methods (reference/fisco-2x.md §1, interop.md §2), independent of the
 * transport: the HTTP server and the channel server (`0x12` frames) both call `handleRpcBody`.
 * Every request gets a JSON-RPC answer; bad JSON, wrong types, unknown methods and unknown
 * groups are JSON-RPC errors, never exceptions.
 */
import { deflateSync } from 'node:zlib'
import { merkleProof, merkleProofToJSON } from '@consortia/crypto'
import type { Address, Bytes, Hash32, Logger } from '@consortia/interface'
import { silentLogger } from '@consortia/interface'
import { receiptHash } from '@consortia/protocol'
import type { BackendBlock, GroupBackend, LocatedTransaction, NodeBackend } from './backend.js'
import {
  batchReceiptJSON,
  blockJSON,
  dataHex,
  headerJSON,
  locatedReceipt,
  pendingTransactionJSON,
  plainHex,
  proofTransactionJSON,
  quantityHex,
  receiptJSON,
  statusName,
  transactionJSON,
} from './format.js'

/** Most requests in one JSON-RPC batch. */
export const RPC_BATCH_MAX = 100
/** Most bytes of one request body (a 1 MiB transaction is 2 MiB of hex). */
export const RPC_BODY_BYTES_MAX = 4 * 1024 * 1024
/** Most transactions `getPendingTransactions` returns. */
export const PENDING_TRANSACTIONS_MAX = 10_000
/** Most receipts one `getBatchReceipts…` call returns. */
export const BATCH_RECEIPTS_MAX = 10_000
/** Deepest JSON nesting accepted in params (keeps validation cheap). */
export const PARAMS_DEPTH_MAX = 8
/** Group ids FISCO allows. */
export const GROUP_ID_MAX = 32767

/** JSON-RPC and FISCO error codes (reference/fisco-2x.md §1.1). */
export const RpcCode = {
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  PARSE_ERROR: -32700,
  GROUP_NOT_EXIST: -40001,
  BLOCK_HASH_NOT_EXIST: -40003,
  BLOCK_NUMBER_NOT_EXIST: -40004,
  TX_INDEX_OUT_OF_RANGE: -40005,
  CALL_NEEDS_FROM: -40006,
  NO_VIEW: -40007,
  INVALID_SYSTEM_CONFIG: -40008,
  NOT_IN_GROUP: -40009,
} as const

const MESSAGES: Readonly<Record<number, string>> = {
  [RpcCode.GROUP_NOT_EXIST]: 'GroupID does not exist',
  [RpcCode.BLOCK_HASH_NOT_EXIST]: 'BlockHash does not exist',
  [RpcCode.BLOCK_NUMBER_NOT_EXIST]: 'BlockNumber does not exist',
  [RpcCode.TX_INDEX_OUT_OF_RANGE]: 'TransactionIndex is out of range',
  [RpcCode.CALL_NEEDS_FROM]: "Call needs a 'from' field",
  [RpcCode.NO_VIEW]: 'Only pbft consensus supports the view property',
  [RpcCode.INVALID_SYSTEM_CONFIG]: 'Invalid System Config',
  [RpcCode.NOT_IN_GROUP]: "Don't send requests to this group, the node doesn't belong to the group",
}

/** Status code FISCO answers group-admin calls with when the node has no GroupManager (INTERNAL_ERROR). */
export const GROUP_ADMIN_UNAVAILABLE_CODE = 0x1

/** A JSON-RPC error raised by a method; turned into the `error` member of the response. */
export class RpcMethodError extends Error {
  constructor(
    readonly rpcCode: number,
    message?: string,
    readonly data?: unknown,
  ) {
    super(message ?? MESSAGES[rpcCode] ?? 'error')
    this.name = 'RpcMethodError'
  }
}

/** What a transport passes to the methods besides the request. */
export interface RpcCallContext {
  readonly node: NodeBackend
  readonly logger?: Logger
  /**
   * Called when `sendRawTransaction[AndGetProof]` admitted a transaction (the channel server
   * keeps the request's seq to push the receipt on commit).
   */
  readonly onSubmitted?: (groupId: number, hash: Hash32, withProof: boolean) => void
  /**
   * Called when admission refused a transaction that decoded far enough to have a hash. Return
   * true to answer with the hash anyway (channel protocol v3: failures arrive as a receipt
   * status, interop.md §1.3); otherwise the answer is the JSON-RPC error.
   */
  readonly onRefused?: (groupId: number, hash: Hash32, status: number, message: string) => boolean
}

/** One JSON-RPC response object. */
export interface RpcResponse {
  readonly jsonrpc: '2.0'
  readonly id: unknown
  readonly result?: unknown
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown }
}

const errorResponse = (id: unknown, code: number, message?: string, data?: unknown): RpcResponse => ({
  jsonrpc: '2.0',
  id,
  error: {
    code,
    message: message ?? MESSAGES[code] ?? 'error',
    ...(data === undefined ? {} : { data }),
  },
})

// ---------------------------------------------------------------------------------------------
// Parameter parsing: labelled checks, each failure a -32602 with what was expected.

const describe = (v: unknown): string => {
  if (typeof v === 'string') return v.length > 40 ? `a ${v.length}-char string` : JSON.stringify(v)
  if (Array.isArray(v)) return `an array of ${v.length}`
  if (v === null) return 'null'
  return typeof v === 'object' ? 'an object' : String(v)
}

const invalid = (field: string, expected: string, got: unknown): RpcMethodError =>
  new RpcMethodError(
    RpcCode.INVALID_PARAMS,
    `Invalid params: expected ${field} to be ${expected}, got ${describe(got)}`,
  )

function param(params: readonly unknown[], index: number, field: string): unknown {
  if (index >= params.length) {
    throw new RpcMethodError(RpcCode.INVALID_PARAMS, `Invalid params: missing ${field} (param ${index})`)
  }
  return params[index]
}

function parseGroupId(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > GROUP_ID_MAX) {
    throw invalid('groupID', `an integer in 1..${GROUP_ID_MAX}`, value)
  }
  return n
}

function parseUint(value: unknown, field: string): number {
  let n: number | undefined
  if (typeof value === 'number') n = value
  else if (typeof value === 'string') {
    if (/^0x[0-9a-fA-F]{1,13}$/.test(value)) n = Number.parseInt(value.slice(2), 16)
    else if (/^\d{1,15}$/.test(value)) n = Number(value)
  }
  if (n === undefined || !Number.isSafeInteger(n) || n < 0) {
    throw invalid(field, 'a non-negative integer (0x hex, decimal string or number)', value)
  }
  return n
}

function parseBytes(value: unknown, field: string, length?: number, allowBare = false): Uint8Array {
  if (typeof value !== 'string')
    throw invalid(field, length === undefined ? 'a hex string' : `${length}-byte hex`, value)
  const body =
    value.startsWith('0x') || value.startsWith('0X') ? value.slice(2) : allowBare ? value : undefined
  if (body === undefined || body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw invalid(
      field,
      length === undefined ? '0x-prefixed hex of whole bytes' : `0x-prefixed ${length}-byte hex`,
      value,
    )
  }
  if (length !== undefined && body.length !== length * 2) {
    throw new RpcMethodError(
      RpcCode.INVALID_PARAMS,
      `Invalid params: expected ${field} to be ${length} bytes, got ${body.length / 2}`,
    )
  }
  return Uint8Array.from(Buffer.from(body, 'hex'))
}

const parseHash = (value: unknown, field: string): Hash32 => parseBytes(value, field, 32)
const parseAddress = (value: unknown, field: string): Address => parseBytes(value, field, 20)

function parseBool(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value
  if (value === 'true' || value === 'false') return value === 'true'
  throw invalid(field, 'a boolean', value)
}

function optionalBool(params: readonly unknown[], index: number, field: string, fallback: boolean): boolean {
  return index < params.length && params[index] !== undefined && params[index] !== null
    ? parseBool(params[index], field)
    : fallback
}

function depthOf(value: unknown, depth = 0): number {
  if (depth > PARAMS_DEPTH_MAX) return depth
  if (Array.isArray(value)) return Math.max(depth, ...value.map((v) => depthOf(v, depth + 1)))
  if (value !== null && typeof value === 'object') {
    return Math.max(depth, ...Object.values(value).map((v) => depthOf(v, depth + 1)))
  }
  return depth
}

// ---------------------------------------------------------------------------------------------

type Method = (params: readonly unknown[], ctx: RpcCallContext) => Promise<unknown>
type GroupMethod = (group: GroupBackend, params: readonly unknown[], ctx: RpcCallContext) => Promise<unknown>

function groupOf(ctx: RpcCallContext, params: readonly unknown[]): GroupBackend {
  const id = parseGroupId(param(params, 0, 'groupID'))
  const group = ctx.node.group(id)
  if (group === undefined) throw new RpcMethodError(RpcCode.GROUP_NOT_EXIST)
  return group
}

const inGroup =
  (fn: GroupMethod): Method =>
  (params, ctx) =>
    fn(groupOf(ctx, params), params, ctx)

async function blockAt(group: GroupBackend, value: unknown): Promise<BackendBlock> {
  const number = parseUint(value, 'blockNumber')
  const block = number <= group.blockNumber() ? await group.blockByNumber(number) : undefined
  if (block === undefined) throw new RpcMethodError(RpcCode.BLOCK_NUMBER_NOT_EXIST)
  return block
}

async function blockWithHash(group: GroupBackend, value: unknown): Promise<BackendBlock> {
  const block = await group.blockByHash(parseHash(value, 'blockHash'))
  if (block === undefined) throw new RpcMethodError(RpcCode.BLOCK_HASH_NOT_EXIST)
  return block
}

function txAt(block: BackendBlock, value: unknown): LocatedTransaction {
  const index = parseUint(value, 'transactionIndex')
  const tx = block.block.transactions[index]
  if (tx === undefined) throw new RpcMethodError(RpcCode.TX_INDEX_OUT_OF_RANGE)
  return { tx, blockHash: block.hash, blockNumber: block.block.header.number, index }
}

async function batchReceipts(block: BackendBlock, params: readonly unknown[]): Promise<unknown> {
  const from = parseUint(param(params, 2, 'from'), 'from')
  const countParam = param(params, 3, 'count')
  const count = countParam === '-1' || countParam === -1 ? -1 : parseUint(countParam, 'count')
  const compress = optionalBool(params, 4, 'compressFlag', false)
  const total = block.receipts.length
  const end = count === -1 ? total : Math.min(total, from + count)
  if (end - from > BATCH_RECEIPTS_MAX) {
    throw new RpcMethodError(
      RpcCode.INVALID_PARAMS,
      `Invalid params: at most ${BATCH_RECEIPTS_MAX} receipts per call, asked ${end - from}`,
    )
  }
  const receipts: unknown[] = []
  for (let i = from; i < end; i++) {
    const r = locatedReceipt(block, i)
    if (r !== undefined) receipts.push(batchReceiptJSON(r))
  }
  const result = {
    blockInfo: {
      blockHash: dataHex(block.hash),
      blockNumber: quantityHex(block.block.header.number),
      receiptRoot: dataHex(block.block.header.receiptsRoot),
      receiptsCount: quantityHex(total),
    },
    transactionReceipts: receipts,
  }
  return compress ? deflateSync(Buffer.from(JSON.stringify(result))).toString('base64') : result
}

async function submit(
  group: GroupBackend,
  params: readonly unknown[],
  ctx: RpcCallContext,
  withProof: boolean,
): Promise<string> {
  const raw = parseBytes(param(params, 1, 'rlp'), 'rlp', undefined, true)
  const result = await group.submit(raw)
  if (!result.ok) {
    if (
      result.hash !== undefined &&
      ctx.onRefused?.(group.groupId, result.hash, result.status, result.message) === true
    ) {
      return dataHex(result.hash)
    }
    throw new RpcMethodError(RpcCode.INTERNAL_ERROR, `${statusName(result.status)}: ${result.message}`, {
      status: quantityHex(result.status),
      reason: result.reason,
      ...(result.hash === undefined ? {} : { hash: dataHex(result.hash) }),
    })
  }
  ctx.onSubmitted?.(group.groupId, result.hash, withProof)
  return dataHex(result.hash)
}

function consensusStatusJSON(group: GroupBackend): unknown {
  const s = group.consensusStatus()
  const n = s.sealerList.length
  const sealers: Record<string, string> = {}
  s.sealerList.forEach((id, i) => {
    sealers[`sealer.${i}`] = plainHex(id)
  })
  const common = {
    accountType: s.nodeIndex >= 0 ? 1 : 0,
    allowFutureBlocks: true,
    cfgErr: false,
  }
  if (s.kind === 'raft') {
    const leader = s.sealerList[s.leaderIndex]
    return [
      {
        ...common,
        consensusedBlockNumber: s.head.number + 1,
        groupId: group.groupId,
        highestblockHash: dataHex(s.head.hash),
        highestblockNumber: s.head.number,
        leaderId: leader === undefined ? '' : plainHex(leader),
        leaderIdx: s.leaderIndex,
        max_faulty_leader: Math.floor((n - 1) / 2),
        ...sealers,
        'node index': s.nodeIndex,
        nodeId: plainHex(s.nodeId),
        nodeNum: n,
        omitEmptyBlock: true,
        protocolId: (group.groupId << 16) | 11,
      },
    ]
  }
  return [
    {
      ...common,
      connectedNodes: s.connectedNodes,
      consensusedBlockNumber: s.head.number + 1,
      currentView: s.view,
      groupId: group.groupId,
      highestblockHash: dataHex(s.head.hash),
      highestblockNumber: s.head.number,
      leaderFailed: false,
      max_faulty_leader: Math.floor((n - 1) / 3),
      nodeId: plainHex(s.nodeId),
      nodeNum: n,
      node_index: s.nodeIndex,
      omitEmptyBlock: true,
      protocolId: (group.groupId << 16) | 8,
      ...sealers,
      toView: s.view,
    },
    // Views of the other sealers are not gossiped to this node's RPC layer: only its own.
    [{ nodeId: plainHex(s.nodeId), view: s.view }],
  ]
}

async function groupAdmin(
  ctx: RpcCallContext,
  params: readonly unknown[],
  run: (groupId: number) => Promise<{ code: number; message: string; status?: string }>,
): Promise<unknown> {
  const groupId = parseGroupId(param(params, 0, 'groupID'))
  if (ctx.node.groupManager === undefined) {
    return {
      code: quantityHex(GROUP_ADMIN_UNAVAILABLE_CODE),
      message: 'Group management is not enabled on this node',
    }
  }
  const r = await run(groupId)
  return {
    code: quantityHex(r.code),
    message: r.message,
    ...(r.status === undefined ? {} : { status: r.status }),
  }
}

function parseEndpoints(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 1024) {
    throw invalid('peers', 'a non-empty array of at most 1024 "ip:port" strings', value)
  }
  return value.map((v, i) => {
    if (typeof v !== 'string' || !/^[0-9A-Za-z.:[\]-]{1,255}:\d{1,5}$/.test(v)) {
      throw invalid(`peers[${i}]`, 'an "ip:port" string', v)
    }
    return v
  })
}

function clientVersion(node: NodeBackend): Record<string, string> {
  const v = node.version
  return {
    'Build Time': v.buildTime ?? '',
    'Build Type': v.buildType ?? `${process.platform}/node/${process.version}`,
    'Chain Id': node.chainId.toString(10),
    'FISCO-BCOS Version': node.suite === 'sm' ? `${v.version} gm` : v.version,
    'Git Branch': v.gitBranch ?? '',
    'Git Commit Hash': v.gitCommitHash ?? '',
    'Supported Version': v.supportedVersion,
  }
}

/** Every method, by name. */
const METHODS: Readonly<Record<string, Method>> = {
  getClientVersion: async (_params, ctx) => clientVersion(ctx.node),
  getNodeInfo: async (_params, ctx) => {
    const info = ctx.node.info()
    return {
      Agency: info.agency,
      IPAndPort: info.ipAndPort,
      Node: info.node,
      NodeID: plainHex(ctx.node.nodeId),
      Topic: [...(ctx.node.topics?.() ?? [])],
    }
  },
  getGroupList: async (_params, ctx) => [...ctx.node.groupIds()],
  queryPeers: async (_params, ctx) => [...(ctx.node.peerConfig?.query() ?? [])],
  addPeers: async (params, ctx) => {
    const endpoints = parseEndpoints(param(params, 0, 'peers'))
    if (ctx.node.peerConfig === undefined) {
      return { code: quantityHex(GROUP_ADMIN_UNAVAILABLE_CODE), message: 'Peer configuration is not enabled' }
    }
    const r = await ctx.node.peerConfig.add(endpoints)
    return { code: quantityHex(r.code), message: r.message }
  },
  erasePeers: async (params, ctx) => {
    const endpoints = parseEndpoints(param(params, 0, 'peers'))
    if (ctx.node.peerConfig === undefined) {
      return { code: quantityHex(GROUP_ADMIN_UNAVAILABLE_CODE), message: 'Peer configuration is not enabled' }
    }
    const r = await ctx.node.peerConfig.erase(endpoints)
    return { code: quantityHex(r.code), message: r.message }
  },

  getBlockNumber: inGroup(async (g) => quantityHex(g.blockNumber())),
  getPbftView: inGroup(async (g) => {
    if (g.consensus !== 'pbft') throw new RpcMethodError(RpcCode.NO_VIEW)
    return quantityHex(g.consensusStatus().view)
  }),
  getSealerList: inGroup(async (g) => g.sealers().map(plainHex)),
  getEpochSealersList: inGroup(async (g) => g.sealers().map(plainHex)),
  getObserverList: inGroup(async (g) => (await g.observers()).map(plainHex)),
  getConsensusStatus: inGroup(async (g) => consensusStatusJSON(g)),
  getSyncStatus: inGroup(async (g) => {
    const s = await g.syncStatus()
    return {
      blockNumber: s.blockNumber,
      genesisHash: dataHex(s.genesisHash),
      isSyncing: s.isSyncing,
      knownHighestNumber: s.knownHighestNumber,
      knownLatestHash: dataHex(s.knownLatestHash),
      latestHash: dataHex(s.latestHash),
      nodeId: plainHex(s.nodeId),
      peers: s.peers.map((p) => ({
        blockNumber: p.blockNumber,
        genesisHash: dataHex(p.genesisHash),
        latestHash: dataHex(p.latestHash),
        nodeId: plainHex(p.nodeId),
      })),
      protocolId: (g.groupId << 16) | 9,
      txPoolSize: String(s.txPoolSize),
    }
  }),
  getPeers: inGroup(async (_g, _p, ctx) =>
    ctx.node
      .peers()
      .map((p) => ({ IPAndPort: p.ipAndPort, nodeId: plainHex(p.nodeId), Topic: [...p.topics] })),
  ),
  getGroupPeers: inGroup(async (g) => (await g.members()).map((m) => plainHex(m.nodeId))),
  getNodeIDList: inGroup(async (_g, _p, ctx) => {
    const ids = [plainHex(ctx.node.nodeId)]
    for (const p of ctx.node.peers()) {
      const hex = plainHex(p.nodeId)
      if (!ids.includes(hex)) ids.push(hex)
    }
    return ids
  }),

  getBlockByHash: inGroup(async (g, params) => {
    const block = await blockWithHash(g, param(params, 1, 'blockHash'))
    const full = optionalBool(params, 2, 'includeTransactions', true)
    return blockJSON(block.block, block.hash, block.block.header.number, full)
  }),
  getBlockByNumber: inGroup(async (g, params) => {
    const block = await blockAt(g, param(params, 1, 'blockNumber'))
    const full = optionalBool(params, 2, 'includeTransactions', true)
    return blockJSON(block.block, block.hash, block.block.header.number, full)
  }),
  getBlockHeaderByHash: inGroup(async (g, params) => {
    const block = await blockWithHash(g, param(params, 1, 'blockHash'))
    const sigs = optionalBool(params, 2, 'includeSignatures', false)
    return headerJSON(block.block.header, block.hash, sigs ? block.block.signatureList : undefined)
  }),
  getBlockHeaderByNumber: inGroup(async (g, params) => {
    const block = await blockAt(g, param(params, 1, 'blockNumber'))
    const sigs = optionalBool(params, 2, 'includeSignatures', false)
    return headerJSON(block.block.header, block.hash, sigs ? block.block.signatureList : undefined)
  }),
  getBlockHashByNumber: inGroup(async (g, params) => {
    const number = parseUint(param(params, 1, 'blockNumber'), 'blockNumber')
    const hash = number <= g.blockNumber() ? await g.hashByNumber(number) : undefined
    if (hash === undefined) throw new RpcMethodError(RpcCode.BLOCK_NUMBER_NOT_EXIST)
    return dataHex(hash)
  }),
  getTransactionByHash: inGroup(async (g, params) => {
    const t = await g.transaction(parseHash(param(params, 1, 'transactionHash'), 'transactionHash'))
    return t === undefined ? null : transactionJSON(t)
  }),
  getTransactionByBlockHashAndIndex: inGroup(async (g, params) =>
    transactionJSON(
      txAt(await blockWithHash(g, param(params, 1, 'blockHash')), param(params, 2, 'transactionIndex')),
    ),
  ),
  getTransactionByBlockNumberAndIndex: inGroup(async (g, params) =>
    transactionJSON(
      txAt(await blockAt(g, param(params, 1, 'blockNumber')), param(params, 2, 'transactionIndex')),
    ),
  ),
  getTransactionReceipt: inGroup(async (g, params) => {
    const r = await g.receipt(parseHash(param(params, 1, 'transactionHash'), 'transactionHash'))
    return r === undefined ? null : receiptJSON(r)
  }),
  getPendingTransactions: inGroup(async (g) =>
    g.pendingTransactions(PENDING_TRANSACTIONS_MAX).map(pendingTransactionJSON),
  ),
  getPendingTxSize: inGroup(async (g) => quantityHex(g.pendingCount())),
  getCode: inGroup(async (g, params) =>
    dataHex(await g.code(parseAddress(param(params, 1, 'address'), 'address'))),
  ),
  getTotalTransactionCount: inGroup(async (g) => {
    const t = await g.totalTransactions()
    return {
      blockNumber: quantityHex(t.blockNumber),
      failedTxSum: quantityHex(t.failedTxSum),
      txSum: quantityHex(t.txSum),
    }
  }),
  getSystemConfigByKey: inGroup(async (g, params) => {
    const key = param(params, 1, 'key')
    if (typeof key !== 'string' || !SYSTEM_CONFIG_KEYS.has(key)) {
      throw new RpcMethodError(RpcCode.INVALID_SYSTEM_CONFIG)
    }
    const value = await g.systemConfig(key)
    if (value === undefined) throw new RpcMethodError(RpcCode.INVALID_SYSTEM_CONFIG)
    return value
  }),
  call: inGroup(async (g, params) => {
    const request = param(params, 1, 'call')
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      throw invalid('call', 'an object {from, to, value?, data?}', request)
    }
    const r = request as Record<string, unknown>
    if (r['from'] === undefined || r['from'] === null || r['from'] === '') {
      throw new RpcMethodError(RpcCode.CALL_NEEDS_FROM)
    }
    const from = parseAddress(r['from'], 'call.from')
    const to =
      r['to'] === undefined || r['to'] === null || r['to'] === '' ? null : parseAddress(r['to'], 'call.to')
    const dataValue = r['data'] ?? r['input']
    const data = dataValue === undefined || dataValue === null ? new Uint8Array(0) : parseCallData(dataValue)
    const result = await g.call({ from, to, data })
    return {
      currentBlockNumber: quantityHex(result.currentBlockNumber),
      output: dataHex(result.output),
      status: quantityHex(result.status),
    }
  }),
  sendRawTransaction: inGroup((g, params, ctx) => submit(g, params, ctx, false)),
  sendRawTransactionAndGetProof: inGroup((g, params, ctx) => submit(g, params, ctx, true)),
  getTransactionByHashWithProof: inGroup(async (g, params) => {
    const hash = parseHash(param(params, 1, 'transactionHash'), 'transactionHash')
    const t = await g.transaction(hash)
    if (t === undefined) return null
    const block = await g.blockByNumber(t.blockNumber)
    if (block === undefined) return null
    const proof = merkleProof(
      g.suite,
      block.block.transactions.map((x) => x.hash),
      t.index,
    )
    return { transaction: proofTransactionJSON(t), txProof: merkleProofToJSON(proof) }
  }),
  getTransactionReceiptByHashWithProof: inGroup(async (g, params) => {
    const hash = parseHash(param(params, 1, 'transactionHash'), 'transactionHash')
    const r = await g.receipt(hash)
    if (r === undefined) return null
    const block = await g.blockByNumber(r.blockNumber)
    if (block === undefined) return null
    const proof = merkleProof(
      g.suite,
      block.receipts.map((x) => receiptHash(x, g.suite.hash)),
      r.index,
    )
    return { receiptProof: merkleProofToJSON(proof), transactionReceipt: receiptJSON(r) }
  }),
  getBatchReceiptsByBlockNumberAndRange: inGroup(async (g, params) =>
    batchReceipts(await blockAt(g, param(params, 1, 'blockNumber')), params),
  ),
  getBatchReceiptsByBlockHashAndRange: inGroup(async (g, params) =>
    batchReceipts(await blockWithHash(g, param(params, 1, 'blockHash')), params),
  ),

  generateGroup: async (params, ctx) =>
    groupAdmin(ctx, params, async (groupId) => {
      const spec = param(params, 1, 'group')
      if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
        throw invalid('group', 'an object {timestamp, sealers[], enable_free_storage?}', spec)
      }
      const s = spec as Record<string, unknown>
      const timestamp = parseUint(s['timestamp'], 'timestamp')
      const sealersValue = s['sealers']
      if (!Array.isArray(sealersValue) || sealersValue.length === 0 || sealersValue.length > 1024) {
        throw invalid('sealers', 'a non-empty array of node IDs', sealersValue)
      }
      const sealers = sealersValue.map((v, i) => parseBytes(v, `sealers[${i}]`, 64, true))
      const enableFreeStorage =
        s['enable_free_storage'] === undefined
          ? false
          : parseBool(s['enable_free_storage'], 'enable_free_storage')
      return ctx.node.groupManager!.generate(groupId, { timestamp, sealers, enableFreeStorage })
    }),
  startGroup: (params, ctx) => groupAdmin(ctx, params, (id) => ctx.node.groupManager!.start(id)),
  stopGroup: (params, ctx) => groupAdmin(ctx, params, (id) => ctx.node.groupManager!.stop(id)),
  removeGroup: (params, ctx) => groupAdmin(ctx, params, (id) => ctx.node.groupManager!.remove(id)),
  recoverGroup: (params, ctx) => groupAdmin(ctx, params, (id) => ctx.node.groupManager!.recover(id)),
  queryGroupStatus: (params, ctx) => groupAdmin(ctx, params, (id) => ctx.node.groupManager!.status(id)),
}

/** Keys `getSystemConfigByKey` answers ([SRC] librpc/Rpc.h). */
export const SYSTEM_CONFIG_KEYS: ReadonlySet<string> = new Set([
  'tx_count_limit',
  'tx_gas_limit',
  'rpbft_epoch_block_num',
  'rpbft_epoch_sealer_num',
  'consensus_timeout',
  'enable_charge_mgr',
])

/** Names of every method the servers answer. */
export const RPC_METHODS: readonly string[] = Object.keys(METHODS).sort()

function parseCallData(value: unknown): Bytes {
  // The doc example sends `"data":"0x3"` (odd length); FISCO's fromHex left-pads odd hex.
  if (typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value) && value.length % 2 === 1) {
    return parseBytes(`0x0${value.slice(2)}`, 'call.data')
  }
  return parseBytes(value, 'call.data')
}

/** Answers one parsed JSON-RPC request object. Never throws. */
export async function handleRpcRequest(request: unknown, ctx: RpcCallContext): Promise<RpcResponse> {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    return errorResponse(null, RpcCode.INVALID_REQUEST, 'Invalid Request: expected an object')
  }
  const r = request as Record<string, unknown>
  const id = r['id'] === undefined ? null : r['id']
  if (id !== null && typeof id !== 'string' && typeof id !== 'number') {
    return errorResponse(
      null,
      RpcCode.INVALID_REQUEST,
      'Invalid Request: id must be a string, a number or null',
    )
  }
  const method = r['method']
  if (typeof method !== 'string') {
    return errorResponse(id, RpcCode.INVALID_REQUEST, 'Invalid Request: method must be a string')
  }
  const paramsValue = r['params'] ?? []
  if (!Array.isArray(paramsValue)) {
    return errorResponse(id, RpcCode.INVALID_PARAMS, 'Invalid params: expected positional params (an array)')
  }
  if (depthOf(paramsValue) > PARAMS_DEPTH_MAX) {
    return errorResponse(id, RpcCode.INVALID_PARAMS, `Invalid params: nested deeper than ${PARAMS_DEPTH_MAX}`)
  }
  const fn = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined
  if (fn === undefined)
    return errorResponse(id, RpcCode.METHOD_NOT_FOUND, `Method not found: ${method.slice(0, 64)}`)
  try {
    const result = await fn(paramsValue, ctx)
    return { jsonrpc: '2.0', id, result }
  } catch (err) {
    if (err instanceof RpcMethodError) return errorResponse(id, err.rpcCode, err.message, err.data)
    ;(ctx.logger ?? silentLogger).warn('rpc method failed', { method, err })
    return errorResponse(id, RpcCode.INTERNAL_ERROR, 'Internal error')
  }
}

/**
 * Answers a request body (one request or a batch). Returns the response JSON text. Never throws.
 * The caller checks the body size (`RPC_BODY_BYTES_MAX`) before reading it whole.
 */
export async function handleRpcBody(body: string, ctx: RpcCallContext): Promise<string> {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return JSON.stringify(errorResponse(null, RpcCode.PARSE_ERROR, 'Parse error'))
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) {
      return JSON.stringify(errorResponse(null, RpcCode.INVALID_REQUEST, 'Invalid Request: empty batch'))
    }
    if (parsed.length > RPC_BATCH_MAX) {
      return JSON.stringify(
        errorResponse(
          null,
          RpcCode.INVALID_REQUEST,
          `Invalid Request: batch of ${parsed.length} > ${RPC_BATCH_MAX}`,
        ),
      )
    }
    const out: RpcResponse[] = []
    for (const item of parsed) out.push(await handleRpcRequest(item, ctx))
    return JSON.stringify(out)
  }
  return JSON.stringify(await handleRpcRequest(parsed, ctx))
}
