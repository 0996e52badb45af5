/**
 * A small in-memory FISCO-like chain for transport, client and console tests. It speaks the
 * documented JSON-RPC shapes (fisco-api-examples.json, FISCO 2.x api.md), checks admission like
 * the reference (interop.md §1.3: chain id, group id, blockLimit window, nonce window) on the real
 * signed bytes, "mines" a block per batch of txs, and runs a scripted runtime: a string store
 * contract and the system precompiles the SDK helpers call. It is a test double of a node, not
 * of the SDK: the SDK under test talks to it over real sockets.
 */
import { createCryptoSuite } from '@consortia/crypto'
import type { CryptoSuite } from '@consortia/interface'
import { createSignedTransaction } from '@consortia/protocol'
import {
  type AbiFunction,
  decodeAbiParameters,
  encodeAbiParameters,
  parseAbiItem,
  toFunctionSignature,
} from 'viem'
import examples from '../fixtures/fisco-api-examples.json' with { type: 'json' }

type Json = Record<string, unknown>

export interface FakeLog {
  address: string
  topics: string[]
  data: string
}

export interface CommittedTx {
  hash: string
  from: string
  to: string | null
  input: string
  nonce: bigint
  receipt: Json
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const q = (n: number | bigint) => `0x${BigInt(n).toString(16)}`

/** Functions of the scripted runtime, by Solidity signature. */
const fns = [
  'function set(string v)',
  'function get() view returns (string)',
  'function fail(string reason)',
  'function setValueByKey(string key, string value) returns (int256)',
  'function addSealer(string nodeID) returns (int256)',
  'function addObserver(string nodeID) returns (int256)',
  'function remove(string nodeID) returns (int256)',
  'function createTable(string tableName, string key, string valueFields) returns (int256)',
  'function insert(string tableName, string key, string entry, string optional) returns (int256)',
  'function update(string tableName, string key, string entry, string condition, string optional) returns (int256)',
  'function remove(string tableName, string key, string condition, string optional) returns (int256)',
  'function select(string tableName, string key, string condition, string optional) view returns (string)',
  'function desc(string tableName) view returns (string, string)',
  'function insert(string tableName, string addr) returns (int256)',
  'function remove(string tableName, string addr) returns (int256)',
  'function queryByName(string tableName) view returns (string)',
  'function insert(string name, string version, string addr, string abi) returns (uint256)',
  'function selectByName(string name) view returns (string)',
].map((s) => parseAbiItem(s) as AbiFunction)

export interface FakeChainInit {
  suite?: 'ecdsa' | 'sm'
  height?: number
  /** Mine automatically after each accepted tx (default true). */
  autoMine?: boolean
  /** Refuse admission with this status for the next N txs (tests of the retry path). */
  refuseNext?: { status: 'BlockLimitCheckFail' | 'TransactionNonceCheckFail'; count: number }
}

export class FakeChain {
  readonly suite: CryptoSuite
  height: number
  readonly groupId = 1
  readonly chainId = 1n
  readonly txs = new Map<string, CommittedTx>()
  readonly blocks: { number: number; hash: string; txs: string[] }[] = []
  readonly nonces = new Set<bigint>()
  readonly pool: {
    hash: string
    from: string
    to: string | null
    input: string
    nonce: bigint
    onReceipt?: (r: Json) => void
  }[] = []
  readonly config = new Map<string, string>([
    ['tx_count_limit', '1000'],
    ['tx_gas_limit', '300000000'],
  ])
  sealers: string[]
  observers: string[]
  readonly tables = new Map<string, { key: string; fields: string[]; rows: Json[] }>()
  readonly permissions = new Map<string, string[]>()
  readonly cns: Json[] = []
  readonly storage = new Map<string, string>()
  readonly requests: { method: string; params: unknown[] }[] = []
  readonly commitListeners: ((block: {
    number: number
    logs: (FakeLog & { tx: string; logIndex: number })[]
  }) => void)[] = []
  refuseNext: FakeChainInit['refuseNext']
  autoMine: boolean
  private contractCount = 0
  private readonly selectors = new Map<string, AbiFunction[]>()

  constructor(init: FakeChainInit = {}) {
    this.suite = createCryptoSuite(init.suite ?? 'ecdsa')
    this.height = init.height ?? 7
    this.autoMine = init.autoMine ?? true
    this.refuseNext = init.refuseNext
    const ex = examples.examples as unknown as Record<string, { response: { result: unknown } }>
    this.sealers = [...(ex.getSealerList!.response.result as string[])]
    this.observers = [...(ex.getObserverList!.response.result as string[])]
    for (const f of fns) {
      const sel = hex(this.suite.hash(new TextEncoder().encode(toFunctionSignature(f)))).slice(0, 10)
      this.selectors.set(sel, [...(this.selectors.get(sel) ?? []), f])
    }
  }

  private example(method: string): unknown {
    const ex = (examples.examples as unknown as Record<string, { response: { result: unknown } }>)[method]
    if (ex === undefined) throw new Error(`no example for ${method}`)
    return structuredClone(ex.response.result)
  }

  /** Answers one JSON-RPC request object. */
  handle(request: Json, hooks: { onReceipt?: (r: Json) => void } = {}): Json {
    const id = request.id
    const method = String(request.method)
    const params = (request.params ?? []) as unknown[]
    this.requests.push({ method, params })
    try {
      return { jsonrpc: '2.0', id, result: this.dispatch(method, params, hooks) }
    } catch (err) {
      const e = err as { rpcCode?: number; message: string }
      return { jsonrpc: '2.0', id, error: { code: e.rpcCode ?? -32603, message: e.message } }
    }
  }

  private dispatch(method: string, params: unknown[], hooks: { onReceipt?: (r: Json) => void }): unknown {
    const groupScoped = !['getClientVersion', 'getGroupList', 'getNodeInfo'].includes(method)
    if (groupScoped && Number(params[0]) !== this.groupId)
      throw Object.assign(new Error('GroupID does not exist'), { rpcCode: -40001 })
    switch (method) {
      case 'getClientVersion': {
        const v = this.example(method) as Json
        return {
          ...v,
          'FISCO-BCOS Version': this.suite.name === 'sm' ? '2.9.0 gm' : '2.9.0',
          'Supported Version': '2.9.0',
        }
      }
      case 'getBlockNumber':
        return q(this.height)
      case 'getPbftView':
      case 'getPeers':
      case 'getGroupList':
      case 'getNodeIDList':
      case 'getGroupPeers':
      case 'getSyncStatus':
      case 'getCode':
        return this.example(method)
      case 'getSealerList':
        return [...this.sealers]
      case 'getObserverList':
        return [...this.observers]
      case 'getPendingTxSize':
        return q(this.pool.length)
      case 'getTotalTransactionCount':
        return { blockNumber: q(this.height), failedTxSum: '0x0', txSum: q(this.txs.size) }
      case 'getSystemConfigByKey': {
        const v = this.config.get(String(params[1]))
        if (v === undefined) throw Object.assign(new Error('Invalid System Config'), { rpcCode: -40008 })
        return v
      }
      case 'getBlockByNumber': {
        const n = Number(BigInt(String(params[1])))
        const block = this.blocks.find((b) => b.number === n)
        if (block === undefined) {
          if (n <= this.height)
            return this.blockJSON(
              { number: n, hash: hex(this.suite.hash(Buffer.from(`block${n}`))), txs: [] },
              false,
            )
          throw Object.assign(new Error('BlockNumber does not exist'), { rpcCode: -40004 })
        }
        return this.blockJSON(block, params[2] === true)
      }
      case 'getTransactionByHash':
        return this.example(method)
      case 'getTransactionReceipt': {
        const tx = this.txs.get(String(params[1]).toLowerCase())
        return tx === undefined ? null : tx.receipt
      }
      case 'call': {
        const c = params[1] as Json
        if (c.from === undefined)
          throw Object.assign(new Error("Call needs a 'from' field"), { rpcCode: -40006 })
        const r = this.execute(
          { from: String(c.from), to: String(c.to).toLowerCase(), input: String(c.data ?? '0x') },
          true,
        )
        return { currentBlockNumber: q(this.height), output: r.output, status: q(r.status) }
      }
      case 'sendRawTransaction':
        return this.submit(String(params[1]), hooks.onReceipt)
      default:
        throw Object.assign(new Error('Method not found'), { rpcCode: -32601 })
    }
  }

  private blockJSON(block: { number: number; hash: string; txs: string[] }, full: boolean): Json {
    const ex = this.example('getBlockByHash') as Json
    return {
      ...ex,
      number: q(block.number),
      hash: block.hash,
      transactions: full ? block.txs.map((h) => ({ hash: h })) : block.txs,
    }
  }

  /** Admission as interop.md §1.3 describes, on the decoded signed tx. */
  submit(raw: string, onReceipt?: (r: Json) => void): string {
    const bytes = Uint8Array.from(Buffer.from(raw.replace(/^0x/, ''), 'hex'))
    let signed: ReturnType<typeof createSignedTransaction>
    try {
      signed = createSignedTransaction(bytes, this.suite)
    } catch (err) {
      throw new Error(`MalformedTx: ${(err as Error).message}`)
    }
    const tx = signed.tx
    if (this.refuseNext !== undefined && this.refuseNext.count > 0) {
      this.refuseNext.count--
      throw new Error(
        this.refuseNext.status === 'BlockLimitCheckFail'
          ? 'BlockLimitCheckFail'
          : 'TransactionNonceCheckFail',
      )
    }
    if (tx.chainId !== this.chainId) throw new Error('InvalidChainId')
    if (BigInt(this.groupId) !== tx.groupId) throw new Error('InvalidGroupId')
    if (!(BigInt(this.height) < tx.blockLimit && tx.blockLimit <= BigInt(this.height) + 1000n))
      throw new Error('BlockLimitCheckFail')
    if (this.nonces.has(tx.nonce)) throw new Error('TransactionNonceCheckFail')
    this.nonces.add(tx.nonce)
    const hash = hex(signed.hash)
    this.pool.push({
      hash,
      from: hex(signed.sender),
      to: tx.to === null ? null : hex(tx.to),
      input: hex(tx.data),
      nonce: tx.nonce,
      ...(onReceipt ? { onReceipt } : {}),
    })
    if (this.autoMine) setTimeout(() => this.mine(), 5)
    return hash
  }

  /** Commits the pool as one block. */
  mine(): void {
    if (this.pool.length === 0) return
    const pending = this.pool.splice(0)
    this.height++
    const blockHash = hex(this.suite.hash(Buffer.from(`block${this.height}`)))
    const logs: (FakeLog & { tx: string; logIndex: number })[] = []
    pending.forEach((p, index) => {
      const r = this.execute(p, false)
      const receipt: Json = {
        blockHash,
        blockNumber: q(this.height),
        contractAddress: r.contractAddress ?? `0x${'0'.repeat(40)}`,
        from: p.from,
        gasUsed: '0x5208',
        input: p.input,
        logs: r.logs,
        logsBloom: `0x${'0'.repeat(512)}`,
        output: r.output,
        root: `0x${'0'.repeat(64)}`,
        status: q(r.status),
        to: p.to ?? `0x${'0'.repeat(40)}`,
        transactionHash: p.hash,
        transactionIndex: q(index),
      }
      this.txs.set(p.hash, { ...p, receipt })
      for (const [logIndex, l] of r.logs.entries()) logs.push({ ...l, tx: p.hash, logIndex })
      p.onReceipt?.(receipt)
    })
    this.blocks.push({ number: this.height, hash: blockHash, txs: pending.map((p) => p.hash) })
    for (const l of this.commitListeners) l({ number: this.height, logs })
  }

  private abiInt(n: number): string {
    return encodeAbiParameters([{ type: 'int256' }], [BigInt(n)])
  }

  private revert(reason: string): { status: number; output: string; logs: FakeLog[] } {
    const sel = hex(this.suite.hash(new TextEncoder().encode('Error(string)'))).slice(0, 10)
    return {
      status: 22,
      output: `${sel}${encodeAbiParameters([{ type: 'string' }], [reason]).slice(2)}`,
      logs: [],
    }
  }

  /** The scripted runtime: a string store at any deployed address, plus the system precompiles. */
  execute(
    p: { from: string; to: string | null; input: string },
    readOnly: boolean,
  ): { status: number; output: string; logs: FakeLog[]; contractAddress?: string } {
    if (p.to === null) {
      const address = `0x${(0xc0de0000 + ++this.contractCount).toString(16).padStart(40, '0')}`
      if (p.input.includes('fe5b5b5b5b'))
        return { ...this.revert('constructor refused'), contractAddress: address }
      this.storage.set(address, '')
      return { status: 0, output: '0x', logs: [], contractAddress: address }
    }
    const sel = p.input.slice(0, 10)
    const args = `0x${p.input.slice(10)}`
    const candidates = this.selectors.get(sel) ?? []
    let f: AbiFunction | undefined
    let values: readonly unknown[] = []
    for (const c of candidates) {
      try {
        values = decodeAbiParameters(c.inputs, args as `0x${string}`)
        f = c
        break
      } catch {}
    }
    if (f === undefined) return { status: 22, output: '0x', logs: [] }
    const s = (i: number) => String(values[i])
    const to = p.to.toLowerCase()
    const precompile = to.startsWith('0x00000000000000000000000000000000000010')
    if (!precompile) {
      if (!this.storage.has(to)) return { status: 26, output: '0x', logs: [] }
      if (f.name === 'set') {
        if (!readOnly) this.storage.set(to, s(0))
        const topic = hex(this.suite.hash(new TextEncoder().encode('Set(string)')))
        return {
          status: 0,
          output: '0x',
          logs: [{ address: to, topics: [topic], data: encodeAbiParameters([{ type: 'string' }], [s(0)]) }],
        }
      }
      if (f.name === 'get')
        return {
          status: 0,
          output: encodeAbiParameters([{ type: 'string' }], [this.storage.get(to) ?? '']),
          logs: [],
        }
      if (f.name === 'fail') return this.revert(s(0))
      return { status: 22, output: '0x', logs: [] }
    }
    const ok = (n: number) => ({ status: 0, output: this.abiInt(n), logs: [] as FakeLog[] })
    const str = (text: string) => ({
      status: 0,
      output: encodeAbiParameters([{ type: 'string' }], [text]),
      logs: [] as FakeLog[],
    })
    switch (`${to.slice(-4)}:${f.name}`) {
      case '1000:setValueByKey':
        if (!/^\d+$/.test(s(1))) return ok(-51300)
        if (!readOnly) this.config.set(s(0), s(1))
        return ok(1)
      case '1003:addSealer':
        if (!/^[0-9a-f]{128}$/.test(s(0))) return ok(-51100)
        if (!readOnly) {
          this.observers = this.observers.filter((x) => x !== s(0))
          if (!this.sealers.includes(s(0))) this.sealers.push(s(0))
        }
        return ok(1)
      case '1003:addObserver':
        if (!readOnly) {
          this.sealers = this.sealers.filter((x) => x !== s(0))
          if (!this.observers.includes(s(0))) this.observers.push(s(0))
        }
        return ok(1)
      case '1003:remove':
        if (this.sealers.length === 1 && this.sealers[0] === s(0)) return ok(-51101)
        if (!readOnly) {
          this.sealers = this.sealers.filter((x) => x !== s(0))
          this.observers = this.observers.filter((x) => x !== s(0))
        }
        return ok(1)
      case '1001:createTable':
        if (this.tables.has(s(0))) return ok(-50001)
        if (!readOnly) this.tables.set(s(0), { key: s(1), fields: s(2).split(','), rows: [] })
        return ok(0)
      case '1002:insert': {
        const t = this.tables.get(s(0))
        if (t === undefined) return ok(-50100)
        if (!readOnly) t.rows.push({ [t.key]: s(1), ...(JSON.parse(s(2)) as Json) })
        return ok(1)
      }
      case '1002:select': {
        const t = this.tables.get(s(0))
        if (t === undefined) return str('[]')
        return str(JSON.stringify(t.rows.filter((r) => r[t.key] === s(1) && this.matches(r, s(2)))))
      }
      case '1002:update': {
        const t = this.tables.get(s(0))
        if (t === undefined) return ok(-50100)
        const rows = t.rows.filter((r) => r[t.key] === s(1) && this.matches(r, s(3)))
        if (!readOnly) for (const r of rows) Object.assign(r, JSON.parse(s(2)) as Json)
        return ok(rows.length)
      }
      case '1002:remove': {
        const t = this.tables.get(s(0))
        if (t === undefined) return ok(-50100)
        const keep = t.rows.filter((r) => !(r[t.key] === s(1) && this.matches(r, s(2))))
        const n = t.rows.length - keep.length
        if (!readOnly) t.rows = keep
        return ok(n)
      }
      case '1002:desc': {
        const t = this.tables.get(s(0))
        return {
          status: 0,
          output: encodeAbiParameters(
            [{ type: 'string' }, { type: 'string' }],
            [t?.key ?? '', t?.fields.join(',') ?? ''],
          ),
          logs: [],
        }
      }
      case '1005:insert': {
        const list = this.permissions.get(s(0)) ?? []
        if (list.includes(s(1))) return ok(-51000)
        if (!readOnly) this.permissions.set(s(0), [...list, s(1)])
        return ok(1)
      }
      case '1005:remove': {
        const list = this.permissions.get(s(0)) ?? []
        if (!list.includes(s(1))) return ok(-51001)
        if (!readOnly)
          this.permissions.set(
            s(0),
            list.filter((x) => x !== s(1)),
          )
        return ok(1)
      }
      case '1005:queryByName':
        return str(
          JSON.stringify(
            (this.permissions.get(s(0)) ?? []).map((a) => ({
              address: a,
              enable_num: String(this.height + 1),
              table_name: s(0),
            })),
          ),
        )
      case '1004:insert':
        if (this.cns.some((c) => c.name === s(0) && c.version === s(1))) return ok(-51200)
        if (!readOnly) this.cns.push({ name: s(0), version: s(1), address: s(2), abi: s(3) })
        return ok(1)
      case '1004:selectByName':
        return str(JSON.stringify(this.cns.filter((c) => c.name === s(0))))
      default:
        return ok(-50101)
    }
  }

  private matches(row: Json, conditionJSON: string): boolean {
    const cond = JSON.parse(conditionJSON === '' ? '{}' : conditionJSON) as Record<
      string,
      Record<string, string>
    >
    return Object.entries(cond).every(([field, cmp]) => {
      if (field === 'limit') return true
      const v = String(row[field] ?? '')
      return Object.entries(cmp).every(([op, want]) => {
        const [a, b] = /^-?\d+$/.test(v) && /^-?\d+$/.test(want) ? [Number(v), Number(want)] : [v, want]
        return op === 'eq'
          ? a === b
          : op === 'ne'
            ? a !== b
            : op === 'gt'
              ? a > b
              : op === 'ge'
                ? a >= b
                : op === 'lt'
                  ? a < b
                  : op === 'le'
                    ? a <= b
                    : false
      })
    })
  }
}
