/**
 * Compact encodings for the messages between the parallel executor and its workers. A block's
 * transactions travel to each worker once, packed into one `ArrayBuffer` (a memory copy per
 * worker instead of a structured clone of every object); workers answer with batches of
 * results packed as UTF-8 JSON into one transferable buffer. Both are far cheaper for the main
 * thread than structured clones of many small objects, typed arrays and bigints.
 */
import type {
  AccountState,
  Condition,
  Entry,
  Log,
  Receipt,
  SignedTransaction,
  TableInfo,
  Transaction,
  TxSignature,
} from '@consortia/interface'
import { executorError } from '../errors.js'
import type { ItemValue } from './items.js'
import type { StateOp, TableOp, TaskResult } from './protocol.js'

// --- transactions -----------------------------------------------------------------------

/** Transactions of one block, packed (see `packTransactions`). */
export interface PackedTransactions {
  /** The packed fields of every plain rc1/rc2 transaction. */
  readonly buffer: ArrayBuffer
  /** Byte offset of each transaction in `buffer`; -1 for those in `extras`. */
  readonly offsets: Int32Array
  /** Transactions with fields beyond the FISCO layout (Ethereum envelopes): structured clones. */
  readonly extras: readonly (readonly [number, SignedTransaction])[]
}

const TX_KEYS = 12
const SIGNED_KEYS = 4
const U64 = (1n << 64n) - 1n

/** A growable byte writer. */
class Writer {
  bytes = new Uint8Array(1 << 16)
  view = new DataView(this.bytes.buffer)
  length = 0

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return
    let size = this.bytes.length * 2
    while (size < this.length + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.bytes.subarray(0, this.length))
    this.bytes = next
    this.view = new DataView(next.buffer)
  }

  u8(v: number): void {
    this.room(1)
    this.bytes[this.length++] = v
  }

  u32(v: number): void {
    this.room(4)
    this.view.setUint32(this.length, v)
    this.length += 4
  }

  f64(v: number): void {
    this.room(8)
    this.view.setFloat64(this.length, v)
    this.length += 8
  }

  raw(b: Uint8Array): void {
    this.u32(b.length)
    this.room(b.length)
    this.bytes.set(b, this.length)
    this.length += b.length
  }

  /** A non-negative bigint: word count, then 64-bit words, least significant first. */
  big(v: bigint): void {
    if (v <= U64) {
      this.room(9)
      this.bytes[this.length++] = 1
      this.view.setBigUint64(this.length, v)
      this.length += 8
      return
    }
    const at = this.length
    this.u8(0)
    let words = 0
    let x = v
    while (x > 0n) {
      this.room(8)
      this.view.setBigUint64(this.length, x & U64)
      this.length += 8
      x >>= 64n
      words++
    }
    this.bytes[at] = words
  }
}

/** Whether `signed` has exactly the FISCO rc1/rc2 fields (nothing a packed copy would drop). */
function isPlain(signed: SignedTransaction): boolean {
  const tx = signed.tx
  if (tx.format !== 'rc1' && tx.format !== 'rc2') return false
  if (Object.keys(tx).length !== TX_KEYS || Object.keys(signed).length !== SIGNED_KEYS) return false
  const sig = tx.signature
  if (
    sig.kind === 'ecdsa' ? Object.keys(sig).length !== 4 : sig.kind !== 'sm2' || Object.keys(sig).length !== 4
  )
    return false
  const bigs = [tx.nonce, tx.gasPrice, tx.gas, tx.blockLimit, tx.value, tx.chainId, tx.groupId, sig.r, sig.s]
  for (const b of bigs) if (typeof b !== 'bigint' || b < 0n) return false
  return true
}

/**
 * Packs a block's transactions once for all workers. Plain FISCO transactions are written field
 * by field; any other shape (an Ethereum envelope, extra properties) goes to `extras` whole.
 */
export function packTransactions(txs: readonly SignedTransaction[]): PackedTransactions {
  const w = new Writer()
  const offsets = new Int32Array(txs.length)
  const extras: (readonly [number, SignedTransaction])[] = []
  for (let i = 0; i < txs.length; i++) {
    const signed = txs[i] as SignedTransaction
    if (!isPlain(signed)) {
      offsets[i] = -1
      extras.push([i, signed])
      continue
    }
    offsets[i] = w.length
    const tx = signed.tx
    w.u8(tx.format === 'rc1' ? 1 : 2)
    w.big(tx.nonce)
    w.big(tx.gasPrice)
    w.big(tx.gas)
    w.big(tx.blockLimit)
    if (tx.to === null) w.u8(0)
    else {
      w.u8(1)
      w.raw(tx.to)
    }
    w.big(tx.value)
    w.raw(tx.data)
    w.big(tx.chainId)
    w.big(tx.groupId)
    w.raw(tx.extraData)
    const sig = tx.signature
    if (sig.kind === 'ecdsa') {
      w.u8(0)
      w.f64(sig.v)
    } else {
      w.u8(1)
      w.raw(sig.publicKey)
    }
    w.big(sig.r)
    w.big(sig.s)
    w.raw(signed.raw)
    w.raw(signed.hash)
    w.raw(signed.sender)
  }
  return { buffer: w.bytes.buffer.slice(0, w.length), offsets, extras }
}

/** Reads transactions back from a `PackedTransactions` (on a worker). */
export class TransactionReader {
  private readonly bytes: Uint8Array
  private readonly view: DataView
  private readonly offsets: Int32Array
  private readonly extras: Map<number, SignedTransaction>
  private at = 0

  constructor(packed: PackedTransactions) {
    this.bytes = new Uint8Array(packed.buffer)
    this.view = new DataView(packed.buffer)
    this.offsets = packed.offsets
    this.extras = new Map(packed.extras)
  }

  /** Transactions in the block. */
  get length(): number {
    return this.offsets.length
  }

  /** Transaction `index` of the block (a fresh copy: its byte arrays own their buffers). */
  get(index: number): SignedTransaction {
    if (!Number.isInteger(index) || index < 0 || index >= this.offsets.length)
      throw executorError(
        'INVALID_ARGUMENT',
        `expected a transaction index below ${this.offsets.length}, got ${index}`,
      )
    const offset = this.offsets[index] as number
    if (offset < 0) {
      const extra = this.extras.get(index)
      if (extra === undefined) throw executorError('INVARIANT_VIOLATED', `transaction ${index} missing`)
      return extra
    }
    this.at = offset
    const format = this.u8() === 1 ? 'rc1' : 'rc2'
    const nonce = this.big()
    const gasPrice = this.big()
    const gas = this.big()
    const blockLimit = this.big()
    const to = this.u8() === 0 ? null : this.raw()
    const value = this.big()
    const data = this.raw()
    const chainId = this.big()
    const groupId = this.big()
    const extraData = this.raw()
    let signature: TxSignature
    if (this.u8() === 0) {
      const v = this.view.getFloat64(this.at)
      this.at += 8
      signature = { kind: 'ecdsa', v, r: this.big(), s: this.big() }
    } else {
      const publicKey = this.raw()
      signature = { kind: 'sm2', publicKey, r: this.big(), s: this.big() }
    }
    const tx: Transaction = {
      format,
      nonce,
      gasPrice,
      gas,
      blockLimit,
      to,
      value,
      data,
      chainId,
      groupId,
      extraData,
      signature,
    }
    const raw = this.raw()
    const hash = this.raw()
    const sender = this.raw()
    return { tx, raw, hash, sender }
  }

  private u8(): number {
    return this.bytes[this.at++] as number
  }

  private raw(): Uint8Array {
    const n = this.view.getUint32(this.at)
    this.at += 4
    const out = this.bytes.slice(this.at, this.at + n)
    this.at += n
    return out
  }

  private big(): bigint {
    const words = this.u8()
    let v = 0n
    for (let k = 0; k < words; k++) {
      v |= this.view.getBigUint64(this.at) << BigInt(64 * k)
      this.at += 8
    }
    return v
  }
}

// --- results ----------------------------------------------------------------------------

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder()
const ZERO_HASH = new Uint8Array(32)
const ZERO_ADDRESS = new Uint8Array(20)

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** Value of each lower-case hex digit by char code (-1 elsewhere). */
const NIBBLE = new Int8Array(128).fill(-1)
for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = i

/** Hex (lower case, no prefix, made by `hex`) to bytes that own their buffer. */
function unhex(h: string): Uint8Array {
  const out = new Uint8Array(h.length >> 1)
  if (out.length > 64) {
    Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(h, 'hex')
    return out
  }
  // Short values (words, addresses, hashes): a table lookup beats creating a Buffer.
  for (let i = 0; i < out.length; i++)
    out[i] = ((NIBBLE[h.charCodeAt(2 * i)] as number) << 4) | (NIBBLE[h.charCodeAt(2 * i + 1)] as number)
  return out
}

/** A bigint as a JSON number when it is exact, else as a decimal string. */
const bigToJSON = (v: bigint): number | string =>
  v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()

const isZero = (b: Uint8Array): boolean => {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false
  return true
}

type ReceiptJSON = [
  number,
  number | string,
  number | string | null,
  string,
  string,
  string,
  string,
  [string, string[], string][],
]
type StateOpJSON =
  | ['a', string, string, string, string]
  | ['s', string, string, string]
  | ['c']
  | ['m']
  | ['r']
type TableOpJSON =
  | ['create', TableInfo]
  | ['insert', string, string, Entry, number]
  | ['update', string, string, Entry, Condition | null, number]
  | ['remove', string, string, Condition | null, number]
type ResultJSON = [
  number,
  string | null,
  ReceiptJSON | null,
  (string | ItemValue)[] | null,
  (string | ItemValue)[] | null,
  StateOpJSON[] | null,
  TableOpJSON[] | null,
  (string | ItemValue)[] | null,
]

function receiptToJSON(r: Receipt): ReceiptJSON {
  return [
    r.status,
    bigToJSON(r.gasUsed),
    r.remainGas === undefined ? null : bigToJSON(r.remainGas),
    hex(r.output),
    isZero(r.contractAddress) && r.contractAddress.length === 20 ? '' : hex(r.contractAddress),
    isZero(r.stateRoot) && r.stateRoot.length === 32 ? '' : hex(r.stateRoot),
    isZero(r.logsBloom) && r.logsBloom.length === 256 ? '' : hex(r.logsBloom),
    r.logs.map((l) => [hex(l.address), l.topics.map(hex), hex(l.data)]),
  ]
}

function receiptFromJSON(j: ReceiptJSON): Receipt {
  const logs: Log[] = j[7].map(([address, topics, data]) => ({
    address: unhex(address),
    topics: topics.map(unhex),
    data: unhex(data),
  }))
  return {
    // The serial executor shares one zero hash and zero address between its receipts too.
    stateRoot: j[5] === '' ? ZERO_HASH : unhex(j[5]),
    gasUsed: BigInt(j[1]),
    contractAddress: j[4] === '' ? ZERO_ADDRESS : unhex(j[4]),
    logsBloom: j[6] === '' ? new Uint8Array(256) : unhex(j[6]),
    status: j[0],
    output: unhex(j[3]),
    remainGas: j[2] === null ? undefined : BigInt(j[2]),
    logs,
  }
}

function stateOpToJSON(op: StateOp): StateOpJSON {
  switch (op[0]) {
    case 'put-account': {
      const a: AccountState = op[2]
      return ['a', hex(op[1]), a.nonce.toString(16), a.balance.toString(16), hex(a.codeHash)]
    }
    case 'put-storage':
      return ['s', hex(op[1]), hex(op[2]), hex(op[3])]
    case 'checkpoint':
      return ['c']
    case 'commit':
      return ['m']
    case 'revert':
      return ['r']
  }
}

function stateOpFromJSON(j: StateOpJSON): StateOp {
  switch (j[0]) {
    case 'a':
      return [
        'put-account',
        unhex(j[1]),
        { nonce: BigInt(`0x${j[2]}`), balance: BigInt(`0x${j[3]}`), codeHash: unhex(j[4]) },
      ]
    case 's':
      return ['put-storage', unhex(j[1]), unhex(j[2]), unhex(j[3])]
    case 'c':
      return ['checkpoint']
    case 'm':
      return ['commit']
    case 'r':
      return ['revert']
  }
}

function tableOpToJSON(op: TableOp): TableOpJSON {
  switch (op[0]) {
    case 'create':
      return op as unknown as TableOpJSON
    case 'insert':
      return ['insert', op[1], op[2], op[3], op[4]]
    case 'update':
      return ['update', op[1], op[2], op[3], op[4] ?? null, op[5]]
    case 'remove':
      return ['remove', op[1], op[2], op[3] ?? null, op[4]]
  }
}

function tableOpFromJSON(j: TableOpJSON): TableOp {
  switch (j[0]) {
    case 'create':
      return j
    case 'insert':
      return j
    case 'update':
      return ['update', j[1], j[2], j[3], j[4] ?? undefined, j[5]]
    case 'remove':
      return ['remove', j[1], j[2], j[3] ?? undefined, j[4]]
  }
}

/** Encodes a worker's batch of results as UTF-8 JSON in a buffer the worker can transfer. */
export function encodeResults(results: readonly TaskResult[]): Uint8Array {
  const out: ResultJSON[] = results.map((r) => [
    r.index,
    r.unsafe ?? null,
    r.receipt === undefined ? null : receiptToJSON(r.receipt),
    r.reads === undefined ? null : (r.reads as (string | ItemValue)[]),
    r.writes === undefined ? null : (r.writes as (string | ItemValue)[]),
    r.stateOps === undefined || r.stateOps.length === 0 ? null : r.stateOps.map(stateOpToJSON),
    r.tableOps === undefined || r.tableOps.length === 0 ? null : r.tableOps.map(tableOpToJSON),
    r.session === undefined ? null : (r.session as (string | ItemValue)[]),
  ])
  return textEncoder.encode(JSON.stringify(out))
}

/** Decodes a batch made by `encodeResults` (on the main thread). */
export function decodeResults(bytes: Uint8Array): TaskResult[] {
  const list = JSON.parse(textDecoder.decode(bytes)) as ResultJSON[]
  const out: TaskResult[] = []
  for (const j of list) {
    out.push({
      index: j[0],
      unsafe: j[1] ?? undefined,
      receipt: j[2] === null ? undefined : receiptFromJSON(j[2]),
      reads: j[3] ?? undefined,
      writes: j[4] ?? undefined,
      stateOps: j[5] === null ? undefined : j[5].map(stateOpFromJSON),
      tableOps: j[6] === null ? undefined : j[6].map(tableOpFromJSON),
      session: j[7] ?? undefined,
    })
  }
  return out
}
