/**
 * Compact encodings for the messages between the parallel executor and its workers. A block's
 * transactions travel to each worker once, packed into one `ArrayBuffer` (a memory copy per
 * worker instead of a structured clone of every object); workers answer with batches of
 * results packed in a compact binary layout into one transferable buffer. Both are far cheaper
 * than structured clones of many small objects, typed arrays and bigints (and the binary
 * results than JSON text: no hex for byte arrays, no text to build and parse).
 */
import type {
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
import type { ReadValue, StateOp, TableOp, TaskResult } from './protocol.js'

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

  /** Makes room for `n` more bytes. */
  room(n: number): void {
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

const ZERO_HASH = new Uint8Array(32)
const ZERO_ADDRESS = new Uint8Array(20)

const isZero = (b: Uint8Array): boolean => {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false
  return true
}

// Binary result batches: a u32 count, then per result a u32 index and a flags byte saying
// which parts follow. Strings are a u32 UTF-8 length (NULL_STRING for `null`) and the bytes;
// byte arrays a u32 length and the bytes; bigints `Writer.big`. In read sets a value may be a
// version instead: VERSION_TAG and the version as a float64; an item name may be numbered
// (NAME_NEW, NAME_REF). Table operations are tagged binary records (a condition, a new
// table's schema as JSON).
const HAS_UNSAFE = 1
const HAS_RECEIPT = 2
const HAS_READS = 4
const HAS_WRITES = 8
const HAS_SESSION = 16
const HAS_STATE_OPS = 32
const HAS_TABLE_OPS = 64
const NULL_STRING = 0xffffffff
const VERSION_TAG = 0xfffffffe
/** An item name sent before in the block: the tag, then its number in `ItemNames`. */
const NAME_REF = 0xfffffffd
/** An item name sent for the first time: the tag, then the string; it gets the next number. */
const NAME_NEW = 0xfffffffc
/** Table operations: the tag, then its fields (`create` as one JSON string). */
const TABLE_CREATE = 0
const TABLE_INSERT = 1
const TABLE_UPDATE = 2
const TABLE_REMOVE = 3

/**
 * Most item names one worker numbers in one block (`ItemNames`); later new names travel as
 * plain strings.
 */
export const RESULT_ITEM_NAMES_MAX = 1 << 18

/**
 * A worker's numbering of the item names it sent in the current block: a name (most of a read
 * set: the same tables, accounts and system rows in every transaction) travels once as a
 * string, then as its number. The main thread decodes with a list (`decodeResults`) that grows
 * in the same order; both start empty with each block.
 */
export class ItemNames {
  private readonly numbers = new Map<string, number>()
  private readonly max: number

  /** `max`: most names numbered (default `RESULT_ITEM_NAMES_MAX`). */
  constructor(max = RESULT_ITEM_NAMES_MAX) {
    if (!Number.isInteger(max) || max < 0)
      throw executorError('INVALID_ARGUMENT', `expected an item names bound as an integer ≥ 0, got ${max}`)
    this.max = max
  }

  /** Names numbered so far (at most the bound). */
  get size(): number {
    return this.numbers.size
  }

  /** The name's number, or `undefined` when it has none yet. */
  numberOf(name: string): number | undefined {
    return this.numbers.get(name)
  }

  /** Numbers `name` if there is room; whether it did. */
  add(name: string): boolean {
    if (this.numbers.size >= this.max) return false
    this.numbers.set(name, this.numbers.size)
    return true
  }
}
const OP_ACCOUNT = 0
const OP_STORAGE = 1
const OP_CHECKPOINT = 2
const OP_COMMIT = 3
const OP_REVERT = 4

/** The worker's result writer, reused for every batch (a worker encodes one batch at a time). */
let resultWriter: Writer | undefined

function writeString(w: Writer, s: string | null): void {
  if (s === null) {
    w.u32(NULL_STRING)
    return
  }
  const n = s.length
  w.room(4 + 3 * n)
  const bytes = w.bytes
  const at = w.length + 4
  let size = n
  if (n > SHORT_STRING_MAX) size = writerBuffer(w).write(s, at, 'utf8')
  else {
    // Short item names and values are ASCII: copied char by char, cheaper than a native call.
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) {
        size = writerBuffer(w).write(s, at, 'utf8')
        break
      }
      bytes[at + i] = c
    }
  }
  w.view.setUint32(w.length, size)
  w.length = at + size
}

/** Strings longer than this are written by `Buffer.write` (code, rows) instead of a JS loop. */
const SHORT_STRING_MAX = 128
let bufferOf: { bytes: Uint8Array; buffer: Buffer } | undefined

/** A `Buffer` over the writer's current bytes (made again only when the writer grew). */
function writerBuffer(w: Writer): Buffer {
  if (bufferOf === undefined || bufferOf.bytes !== w.bytes)
    bufferOf = { bytes: w.bytes, buffer: Buffer.from(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength) }
  return bufferOf.buffer
}

/** An item name: by number when `names` has it (or numbers it now), else as a string. */
function writeName(w: Writer, name: string, names: ItemNames | undefined): void {
  if (names === undefined) {
    writeString(w, name)
    return
  }
  const number = names.numberOf(name)
  if (number !== undefined) {
    w.u32(NAME_REF)
    w.u32(number)
  } else if (names.add(name)) {
    w.u32(NAME_NEW)
    writeString(w, name)
  } else writeString(w, name)
}

/** Flat pairs of item names and values. */
function writePairs(w: Writer, pairs: readonly (string | ItemValue)[], names: ItemNames | undefined): void {
  w.u32(pairs.length)
  for (let k = 0; k < pairs.length; k++) {
    if (k % 2 === 0) writeName(w, pairs[k] as string, names)
    else writeString(w, pairs[k] as string | null)
  }
}

/** A read set: like `writePairs`, with versions (numbers) in place of some values. */
function writeReads(w: Writer, pairs: readonly (string | ReadValue)[], names: ItemNames | undefined): void {
  w.u32(pairs.length)
  for (let k = 0; k < pairs.length; k++) {
    const v = pairs[k] as string | ReadValue
    if (k % 2 === 0) writeName(w, v as string, names)
    else if (typeof v !== 'number') writeString(w, v)
    else if (!Number.isSafeInteger(v) || v < 0)
      throw executorError('INVARIANT_VIOLATED', `expected a read's version as a safe integer, got ${v}`)
    else {
      w.u32(VERSION_TAG)
      w.f64(v)
    }
  }
}

function writeBig(w: Writer, v: bigint, what: string): void {
  if (v < 0n) throw executorError('INVARIANT_VIOLATED', `expected a non-negative ${what}, got ${v}`)
  w.big(v)
}

/** A zero-filled array of `size` bytes is written as the flag 0 alone. */
function writeMaybeZero(w: Writer, b: Uint8Array, size: number): void {
  if (b.length === size && isZero(b)) w.u8(0)
  else {
    w.u8(1)
    w.raw(b)
  }
}

function writeReceipt(w: Writer, r: Receipt): void {
  w.f64(r.status)
  writeBig(w, r.gasUsed, 'gasUsed')
  if (r.remainGas === undefined) w.u8(0)
  else {
    w.u8(1)
    writeBig(w, r.remainGas, 'remainGas')
  }
  w.raw(r.output)
  writeMaybeZero(w, r.contractAddress, 20)
  writeMaybeZero(w, r.stateRoot, 32)
  writeMaybeZero(w, r.logsBloom, 256)
  w.u32(r.logs.length)
  for (const log of r.logs) {
    w.raw(log.address)
    w.u32(log.topics.length)
    for (const topic of log.topics) w.raw(topic)
    w.raw(log.data)
  }
}

function writeStateOp(w: Writer, op: StateOp): void {
  switch (op[0]) {
    case 'put-account':
      w.u8(OP_ACCOUNT)
      w.raw(op[1])
      writeBig(w, op[2].nonce, 'nonce')
      writeBig(w, op[2].balance, 'balance')
      w.raw(op[2].codeHash)
      return
    case 'put-storage':
      w.u8(OP_STORAGE)
      w.raw(op[1])
      w.raw(op[2])
      w.raw(op[3])
      return
    case 'checkpoint':
      w.u8(OP_CHECKPOINT)
      return
    case 'commit':
      w.u8(OP_COMMIT)
      return
    case 'revert':
      w.u8(OP_REVERT)
      return
  }
}

function writeEntry(w: Writer, entry: Entry): void {
  const fields = Object.keys(entry)
  w.u32(fields.length)
  for (const field of fields) {
    writeString(w, field)
    writeString(w, entry[field] as string)
  }
}

function writeCondition(w: Writer, condition: Condition | undefined): void {
  writeString(w, condition === undefined ? null : JSON.stringify(condition))
}

function writeTableOp(w: Writer, op: TableOp): void {
  switch (op[0]) {
    case 'create':
      w.u8(TABLE_CREATE)
      writeString(w, JSON.stringify(op[1]))
      return
    case 'insert':
      w.u8(TABLE_INSERT)
      writeString(w, op[1])
      writeString(w, op[2])
      writeEntry(w, op[3])
      w.f64(op[4])
      return
    case 'update':
      w.u8(TABLE_UPDATE)
      writeString(w, op[1])
      writeString(w, op[2])
      writeEntry(w, op[3])
      writeCondition(w, op[4])
      w.f64(op[5])
      return
    case 'remove':
      w.u8(TABLE_REMOVE)
      writeString(w, op[1])
      writeString(w, op[2])
      writeCondition(w, op[3])
      w.f64(op[4])
      return
  }
}

/**
 * Encodes a worker's batch of results in one buffer the worker can transfer: a compact binary
 * layout (byte arrays as bytes, not hex; no JSON text to build on the worker or parse on the
 * main thread). With `names`, item names travel by number after their first time in the
 * block (`ItemNames`); the batch must then be decoded with the block's name list.
 */
export function encodeResults(results: readonly TaskResult[], names?: ItemNames): Uint8Array {
  resultWriter ??= new Writer()
  const w = resultWriter
  w.length = 0
  w.u32(results.length)
  for (const r of results) {
    const stateOps = r.stateOps !== undefined && r.stateOps.length > 0 ? r.stateOps : undefined
    const tableOps = r.tableOps !== undefined && r.tableOps.length > 0 ? r.tableOps : undefined
    w.u32(r.index)
    w.u8(
      (r.unsafe !== undefined ? HAS_UNSAFE : 0) |
        (r.receipt !== undefined ? HAS_RECEIPT : 0) |
        (r.reads !== undefined ? HAS_READS : 0) |
        (r.writes !== undefined ? HAS_WRITES : 0) |
        (r.session !== undefined ? HAS_SESSION : 0) |
        (stateOps !== undefined ? HAS_STATE_OPS : 0) |
        (tableOps !== undefined ? HAS_TABLE_OPS : 0),
    )
    if (r.unsafe !== undefined) writeString(w, r.unsafe)
    if (r.receipt !== undefined) writeReceipt(w, r.receipt)
    if (r.reads !== undefined) writeReads(w, r.reads, names)
    if (r.writes !== undefined) writePairs(w, r.writes, names)
    if (r.session !== undefined) writePairs(w, r.session, names)
    if (stateOps !== undefined) {
      w.u32(stateOps.length)
      for (const op of stateOps) writeStateOp(w, op)
    }
    if (tableOps !== undefined) {
      w.u32(tableOps.length)
      for (const op of tableOps) writeTableOp(w, op)
    }
  }
  // An exact-size copy: its buffer is transferred, the writer's is kept for the next batch.
  return w.bytes.slice(0, w.length)
}

/** Reads a batch written by `encodeResults`. */
class ResultReader {
  private readonly bytes: Uint8Array
  private readonly buffer: Buffer
  private readonly view: DataView
  private at = 0

  /** The block's item names so far (`ItemNames`), when the batch may number them. */
  private readonly names: string[] | undefined

  constructor(bytes: Uint8Array, names?: string[]) {
    this.names = names
    this.bytes = bytes
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get done(): boolean {
    return this.at === this.bytes.length
  }

  private need(n: number): void {
    if (this.at + n > this.bytes.length) throw truncated()
  }

  u8(): number {
    this.need(1)
    return this.bytes[this.at++] as number
  }

  u32(): number {
    this.need(4)
    const v = this.view.getUint32(this.at)
    this.at += 4
    return v
  }

  f64(): number {
    this.need(8)
    const v = this.view.getFloat64(this.at)
    this.at += 8
    return v
  }

  raw(): Uint8Array {
    const n = this.u32()
    this.need(n)
    const out = this.bytes.slice(this.at, this.at + n)
    this.at += n
    return out
  }

  string(): string | null {
    const n = this.u32()
    if (n === NULL_STRING) return null
    if (n === VERSION_TAG)
      throw executorError('INVARIANT_VIOLATED', 'worker result batch has a version outside a read set')
    if (n >= NAME_NEW)
      throw executorError(
        'INVARIANT_VIOLATED',
        'worker result batch has an item name tag outside an item name',
      )
    return this.utf8(n)
  }

  /** An item name: a string, or numbered (`ItemNames`). */
  name(): string {
    const n = this.u32()
    if (n === NAME_REF || n === NAME_NEW) {
      const names = this.names
      if (names === undefined)
        throw executorError(
          'INVARIANT_VIOLATED',
          'worker result batch numbers item names: no name list given',
        )
      if (n === NAME_NEW) {
        const name = this.string()
        if (name === null)
          throw executorError('INVARIANT_VIOLATED', 'worker result batch has a null item name')
        names.push(name)
        return name
      }
      const number = this.u32()
      const name = names[number]
      if (name === undefined)
        throw executorError('INVARIANT_VIOLATED', `worker result batch names item ${number}, not sent before`)
      return name
    }
    if (n >= NAME_NEW || n === NULL_STRING)
      throw executorError('INVARIANT_VIOLATED', 'worker result batch has a value where an item name belongs')
    return this.utf8(n)
  }

  /** A read's value: a string, `null` or a version. */
  readValue(): ReadValue {
    const n = this.u32()
    if (n === NULL_STRING) return null
    if (n === VERSION_TAG) return this.f64()
    if (n >= NAME_NEW)
      throw executorError('INVARIANT_VIOLATED', 'worker result batch has an item name tag in a value')
    return this.utf8(n)
  }

  private utf8(n: number): string {
    this.need(n)
    const s = this.buffer.toString('utf8', this.at, this.at + n)
    this.at += n
    return s
  }

  big(): bigint {
    const words = this.u8()
    this.need(8 * words)
    let v = 0n
    for (let k = 0; k < words; k++) {
      v |= this.view.getBigUint64(this.at) << BigInt(64 * k)
      this.at += 8
    }
    return v
  }

  pairs(): (string | ItemValue)[] {
    const n = this.u32()
    const out: (string | ItemValue)[] = new Array(n)
    for (let k = 0; k < n; k++) out[k] = k % 2 === 0 ? this.name() : this.string()
    return out
  }

  /** A read set: items, each followed by its value or version. */
  reads(): (string | ReadValue)[] {
    const n = this.u32()
    const out: (string | ReadValue)[] = new Array(n)
    for (let k = 0; k < n; k += 2) {
      out[k] = this.name()
      if (k + 1 < n) out[k + 1] = this.readValue()
    }
    return out
  }
}

const truncated = () => executorError('INVARIANT_VIOLATED', 'worker result batch is truncated')

function readMaybeZero(r: ResultReader, shared: Uint8Array | undefined, size: number): Uint8Array {
  if (r.u8() === 1) return r.raw()
  return shared ?? new Uint8Array(size)
}

function readReceipt(r: ResultReader): Receipt {
  const status = r.f64()
  const gasUsed = r.big()
  const remainGas = r.u8() === 1 ? r.big() : undefined
  const output = r.raw()
  // The serial executor shares one zero hash and zero address between its receipts too.
  const contractAddress = readMaybeZero(r, ZERO_ADDRESS, 20)
  const stateRoot = readMaybeZero(r, ZERO_HASH, 32)
  const logsBloom = readMaybeZero(r, undefined, 256)
  const count = r.u32()
  const logs: Log[] = []
  for (let k = 0; k < count; k++) {
    const address = r.raw()
    const topicCount = r.u32()
    const topics: Uint8Array[] = []
    for (let t = 0; t < topicCount; t++) topics.push(r.raw())
    logs.push({ address, topics, data: r.raw() })
  }
  return { stateRoot, gasUsed, contractAddress, logsBloom, status, output, remainGas, logs }
}

function readStateOp(r: ResultReader): StateOp {
  const tag = r.u8()
  switch (tag) {
    case OP_ACCOUNT: {
      const address = r.raw()
      const nonce = r.big()
      const balance = r.big()
      return ['put-account', address, { nonce, balance, codeHash: r.raw() }]
    }
    case OP_STORAGE:
      return ['put-storage', r.raw(), r.raw(), r.raw()]
    case OP_CHECKPOINT:
      return ['checkpoint']
    case OP_COMMIT:
      return ['commit']
    case OP_REVERT:
      return ['revert']
    default:
      throw executorError('INVARIANT_VIOLATED', `expected a state operation tag 0-4, got ${tag}`)
  }
}

function readEntry(r: ResultReader): Entry {
  const n = r.u32()
  const entry: Record<string, string> = {}
  for (let k = 0; k < n; k++) {
    const field = r.string()
    const value = r.string()
    if (field === null || value === null)
      throw executorError('INVARIANT_VIOLATED', 'worker result batch has a null entry field')
    entry[field] = value
  }
  return entry
}

function readCondition(r: ResultReader): Condition | undefined {
  const json = r.string()
  return json === null ? undefined : (JSON.parse(json) as Condition)
}

function readTableOp(r: ResultReader): TableOp {
  const tag = r.u8()
  switch (tag) {
    case TABLE_CREATE:
      return ['create', JSON.parse(r.string() as string) as TableInfo]
    case TABLE_INSERT: {
      const table = r.string() as string
      const key = r.string() as string
      const entry = readEntry(r)
      return ['insert', table, key, entry, r.f64()]
    }
    case TABLE_UPDATE: {
      const table = r.string() as string
      const key = r.string() as string
      const entry = readEntry(r)
      const condition = readCondition(r)
      return ['update', table, key, entry, condition, r.f64()]
    }
    case TABLE_REMOVE: {
      const table = r.string() as string
      const key = r.string() as string
      const condition = readCondition(r)
      return ['remove', table, key, condition, r.f64()]
    }
    default:
      throw executorError('INVARIANT_VIOLATED', `expected a table operation tag 0-3, got ${tag}`)
  }
}

/**
 * Decodes a batch made by `encodeResults` (on the main thread). `names`: the block's item
 * names so far from the same worker, which decoding extends (required when the worker numbers
 * names; batches must then be decoded in the order they were encoded).
 */
export function decodeResults(bytes: Uint8Array, names?: string[]): TaskResult[] {
  const r = new ResultReader(bytes, names)
  const count = r.u32()
  const out: TaskResult[] = []
  for (let k = 0; k < count; k++) {
    const index = r.u32()
    const flags = r.u8()
    const unsafe = (flags & HAS_UNSAFE) !== 0 ? (r.string() as string) : undefined
    const receipt = (flags & HAS_RECEIPT) !== 0 ? readReceipt(r) : undefined
    const reads = (flags & HAS_READS) !== 0 ? r.reads() : undefined
    const writes = (flags & HAS_WRITES) !== 0 ? r.pairs() : undefined
    const session = (flags & HAS_SESSION) !== 0 ? r.pairs() : undefined
    let stateOps: StateOp[] | undefined
    if ((flags & HAS_STATE_OPS) !== 0) {
      const n = r.u32()
      stateOps = []
      for (let o = 0; o < n; o++) stateOps.push(readStateOp(r))
    }
    let tableOps: TableOp[] | undefined
    if ((flags & HAS_TABLE_OPS) !== 0) {
      const n = r.u32()
      tableOps = []
      for (let o = 0; o < n; o++) tableOps.push(readTableOp(r))
    }
    out.push({ index, unsafe, receipt, reads, writes, stateOps, tableOps, session })
  }
  if (!r.done) throw executorError('INVARIANT_VIOLATED', 'worker result batch has trailing bytes')
  return out
}
