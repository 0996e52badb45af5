import type { Bytes, CryptoSuite } from '@consortia/interface'
import { type AbiParameter, decodeAbiParameters, encodeAbiParameters } from 'viem'
import { bytesToHex, hexToBytes } from './bytes.js'
import { executorError } from './errors.js'

/** A parsed function signature: `name(type,type)` with its ABI parameter list. */
export interface FunctionSignature {
  readonly signature: string
  readonly name: string
  readonly inputs: readonly AbiParameter[]
}

const SIGNATURE = /^([A-Za-z_$][A-Za-z0-9_$]*)\(([^()]*)\)$/
const TYPE =
  /^(address|bool|string|bytes([1-9]|[12][0-9]|3[0-2])?|u?int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)?)(\[\d*\])*$/

/**
 * Parses a canonical signature such as `transfer(string,string,uint256)` (no spaces, no
 * tuples: the form FISCO registers and hashes into selectors).
 */
export function parseSignature(signature: string): FunctionSignature {
  const m = SIGNATURE.exec(signature)
  if (m === null)
    throw executorError(
      'INVALID_ARGUMENT',
      `expected a canonical function signature, got ${JSON.stringify(signature)}`,
    )
  const list = m[2] as string
  const types = list === '' ? [] : list.split(',')
  for (const t of types) {
    if (!TYPE.test(t))
      throw executorError('INVALID_ARGUMENT', `unsupported ABI type ${JSON.stringify(t)} in ${signature}`)
  }
  return { signature, name: m[1] as string, inputs: types.map((type) => ({ type })) }
}

/** The 4-byte selector of a signature under the chain's hash (Keccak-256, or SM3 on guomi chains). */
export function selectorOf(signature: string, crypto: Pick<CryptoSuite, 'hash'>): number {
  const h = crypto.hash(new TextEncoder().encode(signature))
  return (
    (((h[0] as number) << 24) | ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number)) >>> 0
  )
}

/** Reads the selector of call data (undefined when shorter than 4 bytes). */
export function selectorOfCallData(data: Bytes): number | undefined {
  if (data.length < 4) return undefined
  return (
    (((data[0] as number) << 24) |
      ((data[1] as number) << 16) |
      ((data[2] as number) << 8) |
      (data[3] as number)) >>>
    0
  )
}

const BASIC = /^(address|bool|string|bytes|bytes([1-9]|[12][0-9]|3[0-2])|u?int(\d*))$/
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })
const utf8Encoder = new TextEncoder()
const WORD = 32

// Precompiles decode and encode with the same few type lists on every call.
const basicLists = new WeakMap<readonly AbiParameter[], boolean>()

function isBasic(types: readonly AbiParameter[]): boolean {
  let basic = basicLists.get(types)
  if (basic === undefined) {
    basic = types.every((t) => BASIC.test(t.type))
    basicLists.set(types, basic)
  }
  return basic
}

function fail(message: string): never {
  throw executorError('INVALID_ARGUMENT', `ABI decode: ${message}`)
}

function readWord(data: Bytes, offset: number): bigint {
  if (offset + WORD > data.length) fail(`word at ${offset} past the end (${data.length} bytes)`)
  // Most words (amounts, counts, offsets) fit in the low 6 bytes: no hex round trip.
  let high = 0
  for (let i = offset; i < offset + WORD - 6; i++) high |= data[i] as number
  if (high === 0) {
    let v = 0
    for (let i = offset + WORD - 6; i < offset + WORD; i++) v = v * 256 + (data[i] as number)
    return BigInt(v)
  }
  return BigInt(`0x${bytesToHex(data.subarray(offset, offset + WORD))}`)
}

function readOffset(data: Bytes, at: number): number {
  if (at + WORD > data.length) fail(`word at ${at} past the end (${data.length} bytes)`)
  // Offsets and lengths fit in the low 6 bytes unless the data is malformed.
  let high = 0
  for (let i = at; i < at + WORD - 6; i++) high |= data[i] as number
  if (high !== 0) fail(`offset ${readWord(data, at)} past the end (${data.length} bytes)`)
  let v = 0
  for (let i = at + WORD - 6; i < at + WORD; i++) v = v * 256 + (data[i] as number)
  if (v > data.length) fail(`offset ${v} past the end (${data.length} bytes)`)
  return v
}

function decodeBasic(type: string, data: Bytes, head: number): unknown {
  if (type === 'string' || type === 'bytes') {
    const start = readOffset(data, head)
    const length = readOffset(data, start)
    if (start + WORD + length > data.length) fail(`${type} of ${length} bytes past the end`)
    const raw = data.subarray(start + WORD, start + WORD + length)
    if (type === 'bytes') return `0x${bytesToHex(raw)}`
    try {
      return utf8Decoder.decode(raw)
    } catch {
      fail('string is not UTF-8')
    }
  }
  const word = readWord(data, head)
  if (type === 'address') {
    if (word >> 160n !== 0n) fail('address with dirty high bits')
    return `0x${word.toString(16).padStart(40, '0')}`
  }
  if (type === 'bool') {
    if (word > 1n) fail('bool other than 0 or 1')
    return word === 1n
  }
  if (type.startsWith('bytes'))
    return `0x${bytesToHex(data.subarray(head, head + WORD)).slice(0, 2 * Number(type.slice(5)))}`
  const bits = intBits(type)
  if (type.startsWith('u')) {
    if (word >> bits !== 0n) fail(`${type} out of range`)
    return word
  }
  const signed = BigInt.asIntN(256, word)
  if (BigInt.asIntN(Number(bits), signed) !== signed) fail(`${type} out of range`)
  return signed
}

// Width of an (u)intN type name (`uint` and `int` are 256 bits).
function intBits(type: string): bigint {
  if (type === 'uint256' || type === 'int256') return 256n
  const digits = type.slice(type.charCodeAt(0) === 117 /* u */ ? 4 : 3)
  return digits === '' ? 256n : BigInt(digits)
}

/**
 * Decodes ABI-encoded values of `types`. Head/tail types the precompiles use (address,
 * bool, (u)intN, bytesN, bytes, string) take a direct path; other types go through viem.
 * Throws on malformed input.
 */
export function decodeValues(types: readonly AbiParameter[], data: Bytes): readonly unknown[] {
  if (!isBasic(types)) return decodeAbiParameters(types, `0x${bytesToHex(data)}`) as readonly unknown[]
  return types.map((t, i) => decodeBasic(t.type, data, i * WORD))
}

/** Writes `value` as a 32-byte two's complement word at `offset`. */
function writeWord(out: Uint8Array, offset: number, value: bigint): void {
  if (typeof value === 'bigint' && value >= 0n && value <= 0xffffffffn) {
    let v = Number(value)
    for (let i = offset + WORD - 1; v > 0; i--) {
      out[i] = v & 0xff
      v = Math.floor(v / 256)
    }
    return
  }
  let v = BigInt.asUintN(256, value)
  for (let i = offset + WORD - 1; i >= offset; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
}

function wordOf(value: bigint): Bytes {
  const out = new Uint8Array(WORD)
  writeWord(out, 0, value)
  return out
}

function encodeHead(type: string, value: unknown): Bytes {
  if (type === 'address') return hexToBytes(String(value).slice(2).padStart(64, '0'), 'address')
  if (type === 'bool') return wordOf(value === true ? 1n : 0n)
  if (type.startsWith('bytes')) {
    const out = new Uint8Array(WORD)
    out.set(hexToBytes(String(value), type).subarray(0, WORD))
    return out
  }
  return wordOf(value as bigint)
}

/** ABI-encodes `values` as `types` (direct path for the basic types, viem otherwise). */
export function encodeValues(types: readonly AbiParameter[], values: readonly unknown[]): Bytes {
  if (!isBasic(types)) return hexToBytes(encodeAbiParameters(types, values as unknown[]))
  const tails: (Bytes | undefined)[] = []
  let length = types.length * WORD
  for (let i = 0; i < types.length; i++) {
    const type = (types[i] as AbiParameter).type
    if (type !== 'string' && type !== 'bytes') continue
    const v = values[i]
    const raw = type === 'string' ? utf8Encoder.encode(String(v)) : hexToBytes(String(v), 'bytes')
    tails[i] = raw
    length += WORD + Math.ceil(raw.length / WORD) * WORD
  }
  const out = new Uint8Array(length)
  let tailOffset = types.length * WORD
  for (let i = 0; i < types.length; i++) {
    const type = (types[i] as AbiParameter).type
    const raw = tails[i]
    if (raw !== undefined) {
      writeWord(out, i * WORD, BigInt(tailOffset))
      writeWord(out, tailOffset, BigInt(raw.length))
      out.set(raw, tailOffset + WORD)
      tailOffset += WORD + Math.ceil(raw.length / WORD) * WORD
    } else if (type.startsWith('int') || type.startsWith('uint')) {
      // Written in place (what `encodeHead` makes, without a word array of its own).
      writeWord(out, i * WORD, values[i] as bigint)
    } else {
      out.set(encodeHead(type, values[i]), i * WORD)
    }
  }
  return out
}

/** Parses a comma-separated type list such as `int256,string` into ABI parameters. */
export function parseTypes(list: string): readonly AbiParameter[] {
  return parseSignature(`f(${list})`).inputs
}
