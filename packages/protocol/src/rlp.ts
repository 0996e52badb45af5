import type { Bytes } from '@consortia/interface'
import { describe } from './bytes.js'
import { invalidInput, protocolError } from './errors.js'

/** A decoded RLP item: a byte string or a list of items. Decoded strings are views into the input. */
export type RLPItem = Uint8Array | RLPItem[]

/** What the encoder accepts: byte strings and (nested) lists of them. */
export type RLPInput = Uint8Array | readonly RLPInput[]

/**
 * Default nesting limit of `decodeRLP` and `encodeRLP`. FISCO structures need at most 6 levels
 * (block → receipts → receipt → logs → log → topics); 16 leaves room and stops deep-nesting bombs.
 */
export const rlpDepthMax = 16

/** Largest declared length the codec accepts: 2^32 − 1 bytes (anything longer is `RLP_LENGTH_OVERFLOW`). */
export const rlpLengthMax = 0xffffffff

/** Options of `decodeRLP` and `encodeRLP`. */
export interface RLPOptions {
  /** Deepest list nesting allowed; the outermost list is depth 1. Default `rlpDepthMax`. */
  readonly depthMax?: number
}

interface Header {
  readonly isList: boolean
  readonly start: number
  readonly end: number
}

function readHeader(input: Bytes, pos: number, limit: number): Header {
  const b = input[pos]!
  if (b < 0x80) return { isList: false, start: pos, end: pos + 1 }
  if (b <= 0xb7) {
    const length = b - 0x80
    const start = pos + 1
    checkEnd(input, pos, start + length, limit)
    if (length === 1 && input[start]! < 0x80) {
      throw protocolError(
        { code: 'RLP_SINGLE_BYTE_NOT_CANONICAL', offset: pos, value: input[start]! },
        `RLP: byte 0x${input[start]!.toString(16).padStart(2, '0')} at offset ${pos} must be encoded as itself, not with a 0x81 prefix`,
      )
    }
    return { isList: false, start, end: start + length }
  }
  if (b <= 0xbf) return readLong(input, pos, limit, b - 0xb7, false)
  if (b <= 0xf7) {
    const start = pos + 1
    const end = start + (b - 0xc0)
    checkEnd(input, pos, end, limit)
    return { isList: true, start, end }
  }
  return readLong(input, pos, limit, b - 0xf7, true)
}

function readLong(input: Bytes, pos: number, limit: number, lengthBytes: number, isList: boolean): Header {
  const start = pos + 1 + lengthBytes
  checkEnd(input, pos, start, limit)
  if (input[pos + 1] === 0) {
    throw protocolError(
      { code: 'RLP_LEADING_ZERO_LENGTH', offset: pos },
      `RLP: length at offset ${pos} has a leading zero byte`,
    )
  }
  if (lengthBytes > 4) {
    throw protocolError(
      { code: 'RLP_LENGTH_OVERFLOW', offset: pos, lengthBytes },
      `RLP: declared length at offset ${pos} needs ${lengthBytes} bytes; the limit is 2^32 - 1`,
    )
  }
  let length = 0
  for (let i = pos + 1; i < start; i++) length = length * 256 + input[i]!
  if (length < 56) {
    throw protocolError(
      { code: 'RLP_NON_CANONICAL_SIZE', offset: pos, length },
      `RLP: ${isList ? 'list' : 'string'} of ${length} bytes at offset ${pos} uses a long-form length`,
    )
  }
  checkEnd(input, pos, start + length, limit)
  return { isList, start, end: start + length }
}

/** The declared end is checked against what is really there before anything is read or allocated. */
function checkEnd(input: Bytes, pos: number, end: number, limit: number): void {
  if (end <= limit) return
  if (end > input.length) {
    throw protocolError(
      { code: 'RLP_TRUNCATED', offset: pos, needed: end - pos, available: input.length - pos },
      `RLP: item at offset ${pos} needs ${end - pos} bytes, only ${input.length - pos} remain`,
    )
  }
  throw protocolError(
    { code: 'RLP_LIST_OVERRUN', offset: pos, itemEnd: end, listEnd: limit },
    `RLP: item at offset ${pos} ends at ${end}, past the end of its list at ${limit}`,
  )
}

/**
 * Decodes exactly one RLP item that spans all of `input`, rejecting every non-canonical form
 * (single byte behind 0x81, long form for short payloads, leading zeros in lengths), truncation,
 * trailing bytes and nesting deeper than `depthMax`. Iterative, so hostile nesting cannot
 * overflow the stack; declared lengths are compared with the remaining input before use.
 * Byte strings in the result are views into `input` (no copy).
 */
export function decodeRLP(input: Bytes, options?: RLPOptions): RLPItem {
  const depthMax = options?.depthMax ?? rlpDepthMax
  const length = input.length
  if (length === 0) throw protocolError({ code: 'RLP_EMPTY' }, 'RLP: empty input')
  const lists: RLPItem[][] = []
  const ends: number[] = []
  let pos = 0
  for (;;) {
    const limit = ends.length > 0 ? ends[ends.length - 1]! : length
    const header = readHeader(input, pos, limit)
    let item: RLPItem
    if (!header.isList) {
      item = input.subarray(header.start, header.end)
      pos = header.end
    } else {
      if (lists.length >= depthMax) {
        throw protocolError(
          { code: 'RLP_TOO_DEEP', offset: pos, depthMax },
          `RLP: list at offset ${pos} is nested deeper than ${depthMax}`,
        )
      }
      if (header.start < header.end) {
        lists.push([])
        ends.push(header.end)
        pos = header.start
        continue
      }
      item = []
      pos = header.end
    }
    // Attach the finished item to its list and close every list that ends here.
    for (;;) {
      const top = lists[lists.length - 1]
      if (top === undefined) {
        if (pos !== length) {
          throw protocolError(
            { code: 'RLP_TRAILING_BYTES', offset: pos, trailing: length - pos },
            `RLP: ${length - pos} trailing bytes after the item ending at offset ${pos}`,
          )
        }
        return item
      }
      top.push(item)
      if (pos < ends[ends.length - 1]!) break
      item = top
      lists.pop()
      ends.pop()
    }
  }
}

function lengthOfLength(length: number): number {
  if (length < 0x100) return 1
  if (length < 0x10000) return 2
  if (length < 0x1000000) return 3
  return 4
}

function headerBytes(payload: number): number {
  return payload < 56 ? 1 : 1 + lengthOfLength(payload)
}

function encodedStringBytes(value: Uint8Array): number {
  if (value.length === 1 && value[0]! < 0x80) return 1
  return headerBytes(value.length) + value.length
}

/**
 * Encodes byte strings and nested lists as canonical RLP. Sizes are measured first, then
 * everything is written into one buffer.
 */
export function encodeRLP(input: RLPInput, options?: RLPOptions): Uint8Array {
  const depthMax = options?.depthMax ?? rlpDepthMax
  // Payload sizes of the lists, in pre-order; the writer consumes them in the same order.
  const listPayloads: number[] = []
  const measure = (item: RLPInput, depth: number): number => {
    if (item instanceof Uint8Array) return encodedStringBytes(item)
    if (!Array.isArray(item)) throw invalidInput('rlp item', 'Uint8Array or list', describe(item))
    if (depth >= depthMax) {
      throw protocolError(
        { code: 'RLP_TOO_DEEP', offset: 0, depthMax },
        `RLP: cannot encode lists nested deeper than ${depthMax}`,
      )
    }
    const index = listPayloads.length
    listPayloads.push(0)
    let payload = 0
    for (const child of item as readonly RLPInput[]) payload += measure(child, depth + 1)
    if (payload > rlpLengthMax) {
      throw protocolError(
        { code: 'RLP_LENGTH_OVERFLOW', offset: 0, lengthBytes: 5 },
        'RLP: list payload of 2^32 bytes or more',
      )
    }
    listPayloads[index] = payload
    return headerBytes(payload) + payload
  }
  const total = measure(input, 0)
  const out = new Uint8Array(total)
  let pos = 0
  let listIndex = 0
  const writeHeader = (payload: number, shortBase: number, longBase: number): void => {
    if (payload < 56) {
      out[pos++] = shortBase + payload
      return
    }
    const n = lengthOfLength(payload)
    out[pos++] = longBase + n
    for (let i = n - 1; i >= 0; i--) out[pos++] = Math.floor(payload / 2 ** (8 * i)) & 0xff
  }
  const write = (item: RLPInput): void => {
    if (item instanceof Uint8Array) {
      if (item.length === 1 && item[0]! < 0x80) {
        out[pos++] = item[0]!
        return
      }
      if (item.length > rlpLengthMax)
        throw invalidInput('rlp string', 'at most 2^32 - 1 bytes', describe(item))
      writeHeader(item.length, 0x80, 0xb7)
      out.set(item, pos)
      pos += item.length
      return
    }
    writeHeader(listPayloads[listIndex++]!, 0xc0, 0xf7)
    for (const child of item) write(child)
  }
  write(input)
  return out
}

const U256_MAX = (1n << 256n) - 1n

/**
 * The canonical RLP integer bytes of `value`: big-endian without leading zeros, zero as empty.
 * Throws `PROTOCOL_INVALID_INPUT` for negative values and values above `bytesMax` bytes (u256 by default).
 */
export function uintToBytes(value: bigint | number, field = 'integer', bytesMax = 32): Uint8Array {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalidInput(field, 'a non-negative safe integer', String(value))
    }
    if (value === 0) return new Uint8Array(0)
    let n = 0
    for (let v = value; v > 0; v = Math.floor(v / 256)) n++
    const out = new Uint8Array(n)
    for (let i = n - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256
    return out
  }
  if (
    typeof value !== 'bigint' ||
    value < 0n ||
    value > (bytesMax === 32 ? U256_MAX : (1n << BigInt(8 * bytesMax)) - 1n)
  ) {
    throw invalidInput(field, `an unsigned integer of at most ${bytesMax} bytes`, describe(value))
  }
  if (value === 0n) return new Uint8Array(0)
  if (value <= 0xffffffffffffn) return uintToBytes(Number(value), field, bytesMax)
  const hex = value.toString(16)
  const odd = hex.length % 2
  const out = new Uint8Array((hex.length + odd) / 2)
  // With an odd digit count the first byte holds one digit.
  for (let i = 0, c = -odd; i < out.length; i++, c += 2) {
    out[i] = ((c < 0 ? 0 : nibble(hex.charCodeAt(c))) << 4) | nibble(hex.charCodeAt(c + 1))
  }
  return out
}

function nibble(code: number): number {
  // '0'..'9' are 48..57, 'a'..'f' are 97..102 (toString(16) is lower case).
  return code < 58 ? code - 48 : code - 87
}

/** `item` as a byte string, or `RLP_EXPECTED_BYTES` naming `field`. */
export function expectBytes(item: RLPItem, field: string): Uint8Array {
  if (item instanceof Uint8Array) return item
  throw protocolError({ code: 'RLP_EXPECTED_BYTES', field }, `${field}: expected a byte string, got a list`)
}

/** `item` as a byte string of exactly `length` bytes, or a typed error naming `field`. */
export function expectFixedBytes(item: RLPItem, field: string, length: number): Uint8Array {
  const bytes = expectBytes(item, field)
  if (bytes.length !== length) {
    throw protocolError(
      { code: 'RLP_WRONG_LENGTH', field, expected: String(length), actual: bytes.length },
      `${field}: expected ${length} bytes, got ${bytes.length}`,
    )
  }
  return bytes
}

/** `item` as a list (of one of `counts` items when given), or a typed error naming `field`. */
export function expectList(item: RLPItem, field: string, counts?: readonly number[]): RLPItem[] {
  if (!Array.isArray(item)) {
    throw protocolError({ code: 'RLP_EXPECTED_LIST', field }, `${field}: expected a list, got a byte string`)
  }
  if (counts !== undefined && !counts.includes(item.length)) {
    const expected = counts.join(' or ')
    throw protocolError(
      { code: 'RLP_WRONG_ITEM_COUNT', field, expected, actual: item.length },
      `${field}: expected ${expected} items, got ${item.length}`,
    )
  }
  return item
}

function checkUint(item: RLPItem, field: string, bytesMax: number): Uint8Array {
  const bytes = expectBytes(item, field)
  if (bytes.length > 0 && bytes[0] === 0) {
    throw protocolError({ code: 'RLP_INT_LEADING_ZERO', field }, `${field}: integer has leading zero bytes`)
  }
  if (bytes.length > bytesMax) {
    throw protocolError(
      { code: 'RLP_INT_TOO_LARGE', field, bytesMax, actual: bytes.length },
      `${field}: expected an integer of at most ${bytesMax} bytes, got ${bytes.length}`,
    )
  }
  return bytes
}

/** A canonical RLP unsigned integer of at most `bytesMax` bytes (u256 by default) as a bigint. */
export function decodeUint(item: RLPItem, field: string, bytesMax = 32): bigint {
  const bytes = checkUint(item, field, bytesMax)
  if (bytes.length <= 6) {
    let n = 0
    for (const b of bytes) n = n * 256 + b
    return BigInt(n)
  }
  let value = 0n
  let i = 0
  // Six bytes at a time stays within safe integers and keeps bigint work small.
  for (; i + 6 <= bytes.length; i += 6) {
    const chunk =
      bytes[i]! * 2 ** 40 +
      bytes[i + 1]! * 2 ** 32 +
      bytes[i + 2]! * 2 ** 24 +
      bytes[i + 3]! * 2 ** 16 +
      bytes[i + 4]! * 2 ** 8 +
      bytes[i + 5]!
    value = (value << 48n) | BigInt(chunk)
  }
  for (; i < bytes.length; i++) value = (value << 8n) | BigInt(bytes[i]!)
  return value
}

/** A canonical RLP unsigned integer that must fit a JS safe integer (heights, timestamps, indexes). */
export function decodeSafeUint(item: RLPItem, field: string): number {
  const bytes = checkUint(item, field, 7)
  let n = 0
  for (const b of bytes) n = n * 256 + b
  if (!Number.isSafeInteger(n)) {
    throw protocolError(
      { code: 'RLP_INT_TOO_LARGE', field, bytesMax: 7, actual: bytes.length },
      `${field}: integer ${n} exceeds 2^53 - 1`,
    )
  }
  return n
}
