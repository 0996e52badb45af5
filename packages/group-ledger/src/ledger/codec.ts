import type { Bytes } from '@consortia/interface'
import { ledgerInvalidInput } from './errors.js'

/** Largest consensus message the driver decodes (a proposal carries a whole block: 100 MiB as FISCO's block limit). */
export const CONSENSUS_MESSAGE_BYTES_MAX = 100 * 1024 * 1024
/** Deepest nesting accepted in a decoded message. */
export const CONSENSUS_MESSAGE_DEPTH_MAX = 32

const BYTES_TAG = '$b'
const BIGINT_TAG = '$n'
const HEX = /^(?:[0-9a-f]{2})*$/
const DECIMAL = /^-?\d+$/

const toHex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

function encodeValue(value: unknown, depth: number): unknown {
  if (depth > CONSENSUS_MESSAGE_DEPTH_MAX)
    throw ledgerInvalidInput('message', `depth <= ${CONSENSUS_MESSAGE_DEPTH_MAX}`, 'deeper')
  if (value instanceof Uint8Array) return { [BYTES_TAG]: toHex(value) }
  if (typeof value === 'bigint') return { [BIGINT_TAG]: value.toString(10) }
  if (Array.isArray(value)) return value.map((v) => encodeValue(v, depth + 1))
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeValue(v, depth + 1)
    return out
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw ledgerInvalidInput('message', 'finite numbers', String(value))
  return value
}

function decodeValue(value: unknown, depth: number): unknown {
  if (depth > CONSENSUS_MESSAGE_DEPTH_MAX)
    throw ledgerInvalidInput('message', `depth <= ${CONSENSUS_MESSAGE_DEPTH_MAX}`, 'deeper')
  if (Array.isArray(value)) return value.map((v) => decodeValue(v, depth + 1))
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
    const record = value as Record<string, unknown>
    if (keys.length === 1 && keys[0] === BYTES_TAG) {
      const hex = record[BYTES_TAG]
      if (typeof hex !== 'string' || !HEX.test(hex))
        throw ledgerInvalidInput('message bytes', 'lower-case hex', String(hex).slice(0, 16))
      return Uint8Array.from(Buffer.from(hex, 'hex'))
    }
    if (keys.length === 1 && keys[0] === BIGINT_TAG) {
      const dec = record[BIGINT_TAG]
      if (typeof dec !== 'string' || !DECIMAL.test(dec))
        throw ledgerInvalidInput('message bigint', 'decimal digits', String(dec).slice(0, 16))
      return BigInt(dec)
    }
    const out: Record<string, unknown> = {}
    for (const k of keys) {
      if (k === '__proto__') continue
      out[k] = decodeValue(record[k], depth + 1)
    }
    return out
  }
  return value
}

/**
 * Encodes a consensus message body (or persisted engine state) as UTF-8 JSON in which byte
 * arrays become `{"$b":"<hex>"}` and bigints `{"$n":"<decimal>"}`; `undefined` fields are left out.
 * Simple to read in captures and the same for every engine.
 */
export function encodeConsensusJSON(value: unknown): Bytes {
  return Buffer.from(JSON.stringify(encodeValue(value, 0)), 'utf8')
}

/**
 * Decodes what `encodeConsensusJSON` wrote. Throws `LEDGER_INVALID_INPUT` for input over
 * `maxBytes`, bad JSON, bad tags or nesting deeper than `CONSENSUS_MESSAGE_DEPTH_MAX`. The
 * result is untrusted: the engine (messages) or the driver (payloads) checks its shape.
 */
export function decodeConsensusJSON(bytes: Bytes, maxBytes = CONSENSUS_MESSAGE_BYTES_MAX): unknown {
  if (!(bytes instanceof Uint8Array)) throw ledgerInvalidInput('message', 'Uint8Array', typeof bytes)
  if (bytes.length > maxBytes)
    throw ledgerInvalidInput('message', `at most ${maxBytes} bytes`, `${bytes.length}`)
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  } catch {
    throw ledgerInvalidInput('message', 'JSON', 'unparsable bytes')
  }
  return decodeValue(parsed, 0)
}
