import type { Bytes } from '@consortia/interface'
import { CONSENSUS_MESSAGE_BYTES_MAX, CONSENSUS_MESSAGE_DEPTH_MAX, decodeConsensusJSON } from './codec.js'
import { ledgerInvalidInput } from './errors.js'

/**
 * First two bytes of a binary consensus message: 0xCB (no JSON text starts with it) and the
 * format version 1. `decodeConsensusMessage` tells the two encodings apart by them.
 */
export const CONSENSUS_BINARY_MAGIC = Uint8Array.of(0xcb, 0x01)

/** Longest bigint magnitude accepted by the binary decoder, in bytes (u256 needs 32). */
export const CONSENSUS_BIGINT_BYTES_MAX = 64

const Tag = {
  Null: 0,
  False: 1,
  True: 2,
  Uint: 3,
  NegInt: 4,
  Float: 5,
  String: 6,
  Bytes: 7,
  BigPos: 8,
  BigNeg: 9,
  Array: 10,
  Object: 11,
} as const

const varintSize = (n: number): number => {
  let size = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    size++
  }
  return size
}

const bigintBytes = (v: bigint): number => {
  let size = 0
  while (v > 0n) {
    v >>= 8n
    size++
  }
  return size
}

const tooDeep = () => ledgerInvalidInput('message', `depth <= ${CONSENSUS_MESSAGE_DEPTH_MAX}`, 'deeper')

/** Bytes `value` takes; throws for what the JSON form refuses too (non-finite numbers, depth). */
function measure(value: unknown, depth: number): number {
  if (depth > CONSENSUS_MESSAGE_DEPTH_MAX) throw tooDeep()
  if (value === null || value === undefined || typeof value === 'boolean') return 1
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw ledgerInvalidInput('message', 'finite numbers', String(value))
    return Number.isSafeInteger(value) ? 1 + varintSize(Math.abs(value)) : 9
  }
  if (typeof value === 'string') {
    const n = Buffer.byteLength(value, 'utf8')
    return 1 + varintSize(n) + n
  }
  if (value instanceof Uint8Array) return 1 + varintSize(value.length) + value.length
  if (typeof value === 'bigint') {
    const n = bigintBytes(value < 0n ? -value : value)
    return 1 + varintSize(n) + n
  }
  if (Array.isArray(value)) {
    let size = 1 + varintSize(value.length)
    for (const v of value) size += measure(v, depth + 1)
    return size
  }
  if (typeof value === 'object') {
    let count = 0
    let size = 0
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue
      count++
      const n = Buffer.byteLength(k, 'utf8')
      size += varintSize(n) + n + measure(v, depth + 1)
    }
    return 1 + varintSize(count) + size
  }
  throw ledgerInvalidInput('message', 'JSON-like values, bytes and bigints', typeof value)
}

class Writer {
  offset = 0
  constructor(readonly buf: Buffer) {}
  byte(b: number): void {
    this.buf[this.offset++] = b
  }
  varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.offset++] = (n % 128) | 0x80
      n = Math.floor(n / 128)
    }
    this.buf[this.offset++] = n
  }
  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8')
    this.varint(n)
    this.offset += this.buf.write(s, this.offset, n, 'utf8')
  }
  value(value: unknown): void {
    if (value === null || value === undefined) this.byte(Tag.Null)
    else if (value === false) this.byte(Tag.False)
    else if (value === true) this.byte(Tag.True)
    else if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) {
        this.byte(value >= 0 ? Tag.Uint : Tag.NegInt)
        this.varint(Math.abs(value))
      } else {
        this.byte(Tag.Float)
        this.offset = this.buf.writeDoubleBE(value, this.offset)
      }
    } else if (typeof value === 'string') {
      this.byte(Tag.String)
      this.string(value)
    } else if (value instanceof Uint8Array) {
      this.byte(Tag.Bytes)
      this.varint(value.length)
      this.buf.set(value, this.offset)
      this.offset += value.length
    } else if (typeof value === 'bigint') {
      this.byte(value < 0n ? Tag.BigNeg : Tag.BigPos)
      let v = value < 0n ? -value : value
      const n = bigintBytes(v)
      this.varint(n)
      for (let i = n - 1; i >= 0; i--) {
        this.buf[this.offset + i] = Number(v & 0xffn)
        v >>= 8n
      }
      this.offset += n
    } else if (Array.isArray(value)) {
      this.byte(Tag.Array)
      this.varint(value.length)
      for (const v of value) this.value(v)
    } else {
      const entries = Object.entries(value as object).filter(([, v]) => v !== undefined)
      this.byte(Tag.Object)
      this.varint(entries.length)
      for (const [k, v] of entries) {
        this.string(k)
        this.value(v)
      }
    }
  }
}

/**
 * Encodes a consensus message body (or persisted engine state, or a sync packet) in the
 * binary form: `CONSENSUS_BINARY_MAGIC`, then one tagged value (null, booleans, safe integers
 * as LEB128 varints, other finite numbers as float64, UTF-8 strings, byte arrays as their raw
 * bytes, bigints as big-endian magnitudes, arrays, objects with string keys in insertion order;
 * `undefined` fields left out, as in the JSON form). It carries exactly what
 * `encodeConsensusJSON` carries, at about half the size for byte-heavy messages (a proposal's
 * transactions travel as themselves, not as hex) and without hex and regex work on either side.
 */
export function encodeConsensusBinary(value: unknown): Bytes {
  const size = CONSENSUS_BINARY_MAGIC.length + measure(value, 0)
  const writer = new Writer(Buffer.allocUnsafe(size))
  writer.buf.set(CONSENSUS_BINARY_MAGIC, 0)
  writer.offset = CONSENSUS_BINARY_MAGIC.length
  writer.value(value)
  return new Uint8Array(writer.buf.buffer, writer.buf.byteOffset, writer.offset)
}

/** True when `bytes` starts with `CONSENSUS_BINARY_MAGIC`. */
export function isConsensusBinary(bytes: Bytes): boolean {
  return bytes.length >= 2 && bytes[0] === CONSENSUS_BINARY_MAGIC[0] && bytes[1] === CONSENSUS_BINARY_MAGIC[1]
}

const truncated = () => ledgerInvalidInput('message', 'a complete binary value', 'truncated bytes')

class Reader {
  offset: number
  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.offset = start
  }
  byte(): number {
    if (this.offset >= this.buf.length) throw truncated()
    return this.buf[this.offset++]!
  }
  varint(): number {
    let n = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      const b = this.byte()
      n += (b & 0x7f) * scale
      if (b < 0x80) {
        if (!Number.isSafeInteger(n)) break
        if (i > 0 && b === 0) throw ledgerInvalidInput('message varint', 'minimal encoding', 'padded')
        return n
      }
      scale *= 128
    }
    throw ledgerInvalidInput('message varint', 'a safe integer', 'longer')
  }
  /** A length, checked against what is left (each of `unit` bytes at least). */
  length(unit = 1): number {
    const n = this.varint()
    if (n * unit > this.buf.length - this.offset) throw truncated()
    return n
  }
  string(): string {
    const n = this.length()
    const s = this.buf.toString('utf8', this.offset, this.offset + n)
    this.offset += n
    return s
  }
  value(depth: number): unknown {
    if (depth > CONSENSUS_MESSAGE_DEPTH_MAX) throw tooDeep()
    const tag = this.byte()
    switch (tag) {
      case Tag.Null:
        return null
      case Tag.False:
        return false
      case Tag.True:
        return true
      case Tag.Uint:
        return this.varint()
      case Tag.NegInt: {
        const n = this.varint()
        if (n === 0) throw ledgerInvalidInput('message integer', 'a negative integer', '-0')
        return -n
      }
      case Tag.Float: {
        if (this.offset + 8 > this.buf.length) throw truncated()
        const v = this.buf.readDoubleBE(this.offset)
        this.offset += 8
        if (!Number.isFinite(v)) throw ledgerInvalidInput('message', 'finite numbers', String(v))
        return v
      }
      case Tag.String:
        return this.string()
      case Tag.Bytes: {
        const n = this.length()
        // A plain Uint8Array copy (not a Buffer view of the message), as the JSON form gives.
        const out = new Uint8Array(n)
        out.set(this.buf.subarray(this.offset, this.offset + n))
        this.offset += n
        return out
      }
      case Tag.BigPos:
      case Tag.BigNeg: {
        const n = this.length()
        if (n > CONSENSUS_BIGINT_BYTES_MAX)
          throw ledgerInvalidInput('message bigint', `at most ${CONSENSUS_BIGINT_BYTES_MAX} bytes`, String(n))
        if (n > 0 && this.buf[this.offset] === 0)
          throw ledgerInvalidInput('message bigint', 'minimal big-endian bytes', 'a leading zero')
        let v = 0n
        for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.buf[this.offset + i]!)
        this.offset += n
        if (tag === Tag.BigNeg) {
          if (v === 0n) throw ledgerInvalidInput('message bigint', 'a negative bigint', '-0')
          return -v
        }
        return v
      }
      case Tag.Array: {
        const count = this.length()
        const out = new Array<unknown>(count)
        for (let i = 0; i < count; i++) out[i] = this.value(depth + 1)
        return out
      }
      case Tag.Object: {
        const count = this.length(2)
        const out: Record<string, unknown> = {}
        for (let i = 0; i < count; i++) {
          const key = this.string()
          const v = this.value(depth + 1)
          if (key !== '__proto__') out[key] = v
        }
        return out
      }
      default:
        throw ledgerInvalidInput('message tag', 'a value tag 0..11', String(tag))
    }
  }
}

/**
 * Decodes a consensus message body, persisted engine state or sync packet in either form:
 * binary (`encodeConsensusBinary`, recognised by `CONSENSUS_BINARY_MAGIC`) or JSON
 * (`encodeConsensusJSON`: what earlier versions wrote and sent). Throws `LEDGER_INVALID_INPUT`
 * for input over `maxBytes`, truncated or trailing bytes, unknown tags, non-minimal varints or
 * bigints, or nesting deeper than `CONSENSUS_MESSAGE_DEPTH_MAX`. The result is untrusted: the
 * engine (messages) or the driver (payloads) checks its shape.
 */
export function decodeConsensusMessage(bytes: Bytes, maxBytes = CONSENSUS_MESSAGE_BYTES_MAX): unknown {
  if (!(bytes instanceof Uint8Array)) throw ledgerInvalidInput('message', 'Uint8Array', typeof bytes)
  if (!isConsensusBinary(bytes)) return decodeConsensusJSON(bytes, maxBytes)
  if (bytes.length > maxBytes)
    throw ledgerInvalidInput('message', `at most ${maxBytes} bytes`, `${bytes.length}`)
  const reader = new Reader(
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    CONSENSUS_BINARY_MAGIC.length,
  )
  const value = reader.value(0)
  if (reader.offset !== bytes.length)
    throw ledgerInvalidInput('message', 'one binary value', `${bytes.length - reader.offset} trailing bytes`)
  return value
}
