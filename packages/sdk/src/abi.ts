import type { CryptoSuite, Hex } from '@consortia/interface'
import {
  type Abi,
  type AbiEvent,
  type AbiFunction,
  decodeAbiParameters,
  encodeAbiParameters,
  getAbiItem,
  toEventSelector,
  toEventSignature,
  toFunctionSignature,
  decodeEventLog as viemDecodeEventLog,
} from 'viem'
import { describe, sdkError } from './errors.js'
import { bytesToHex, hexToBytes } from './hex.js'

/** An ABI `error` item. */
export type AbiError = Extract<Abi[number], { type: 'error' }>

/** A decoded revert: `Error(string)` reason, `Panic(uint256)` code, or an ABI custom error. */
export type RevertInfo =
  | { readonly kind: 'error'; readonly reason: string }
  | { readonly kind: 'panic'; readonly code: bigint; readonly reason: string }
  | {
      readonly kind: 'custom'
      readonly errorName: string
      readonly args: readonly unknown[]
      readonly reason: string
    }

/** A log as the node returns it. */
export interface RawLog {
  readonly address: string
  readonly topics: readonly string[]
  readonly data: string
}

/** A log decoded against an ABI. */
export interface DecodedLog {
  readonly eventName: string
  readonly args: Record<string, unknown> | readonly unknown[]
  readonly address: Hex
  readonly topics: readonly Hex[]
  readonly data: Hex
}

/**
 * ABI encoding for one chain. viem does the parameter encoding; selectors and event topics
 * come from the chain's hash — Keccak-256 on standard chains, **SM3 on guomi chains**
 * (interop.md §1.2: `set(string)` is `0x4ed3885e` with Keccak and `0x3590b49f` with SM3).
 */
export interface AbiCodec {
  /** `keccak` or `sm3`. */
  readonly hashName: 'keccak' | 'sm3'
  /** 4-byte selector of a signature (`transfer(address,uint256)`) or an ABI function/error item. */
  selector(signature: string | AbiFunction | AbiError): Hex
  /** 32-byte topic of an event signature or ABI event item. */
  eventTopic(signature: string | AbiEvent): Hex
  /** Call data: selector ‖ ABI-encoded arguments. Picks the overload that matches `args`. */
  encodeFunctionData(abi: Abi, functionName: string, args?: readonly unknown[]): Hex
  /** Decodes a function's return data; one output gives the value, several give an array. */
  decodeFunctionResult(abi: Abi, functionName: string, data: string, args?: readonly unknown[]): unknown
  /** Deploy data: bytecode ‖ ABI-encoded constructor arguments. */
  encodeDeployData(abi: Abi, bytecode: string, args?: readonly unknown[]): Hex
  /** Decodes a log against the ABI's events (by this chain's topic hash); `undefined` when none matches. */
  decodeEventLog(abi: Abi, log: RawLog): DecodedLog | undefined
  /** Decodes revert output: `Error(string)`, `Panic(uint256)` or a custom error of `abi`. */
  decodeRevert(output: string, abi?: Abi): RevertInfo | undefined
}

/** Panic codes of Solidity ≥ 0.8 (docs "Panic via assert and error via require"). */
export const panicReasons: Readonly<Record<string, string>> = {
  '0': 'generic compiler panic',
  '1': 'assertion failed',
  '17': 'arithmetic overflow or underflow',
  '18': 'division or modulo by zero',
  '33': 'invalid enum value',
  '34': 'invalid storage byte array encoding',
  '49': 'pop() on an empty array',
  '50': 'array index out of bounds',
  '65': 'too much memory allocated',
  '81': 'call to a zero-initialised internal function',
}

function abiError(reason: string, cause?: unknown): Error {
  return sdkError({ code: 'SDK_ABI_ERROR', reason }, reason, cause)
}

const codecs = new WeakMap<CryptoSuite, AbiCodec>()

/**
 * The ABI codec of a suite: `ecdsa` hashes selectors with Keccak-256, `sm` with SM3.
 *
 * @example
 * ```ts
 * const codec = createAbiCodec(createCryptoSuite('sm'))
 * codec.selector('set(string)') // '0x3590b49f'
 * ```
 */
export function createAbiCodec(suite: CryptoSuite): AbiCodec {
  const cached = codecs.get(suite)
  if (cached !== undefined) return cached
  const hash = (text: string): Hex => bytesToHex(suite.hash(new TextEncoder().encode(text)))
  const selectorCache = new Map<string, Hex>()
  const topicCache = new Map<string, Hex>()

  const selector = (signature: string | AbiFunction | AbiError): Hex => {
    const text =
      typeof signature === 'string'
        ? normaliseSignature(signature)
        : toFunctionSignature({
            ...signature,
            type: 'function',
            outputs: [],
            stateMutability: 'nonpayable',
          } as AbiFunction)
    let out = selectorCache.get(text)
    if (out === undefined) {
      out = hash(text).slice(0, 10) as Hex
      if (selectorCache.size < abiCacheMax) selectorCache.set(text, out)
    }
    return out
  }
  const eventTopic = (signature: string | AbiEvent): Hex => {
    const text = typeof signature === 'string' ? normaliseSignature(signature) : toEventSignature(signature)
    let out = topicCache.get(text)
    if (out === undefined) {
      out = hash(text)
      if (topicCache.size < abiCacheMax) topicCache.set(text, out)
    }
    return out
  }
  const findFunction = (abi: Abi, name: string, args?: readonly unknown[]): AbiFunction => {
    let item: unknown
    try {
      item = getAbiItem({ abi, name, ...(args !== undefined ? { args: args as unknown[] } : {}) } as never)
    } catch (err) {
      throw abiError(`cannot resolve function ${name}: ${(err as Error).message}`, err)
    }
    if (item === undefined || (item as { type?: string }).type !== 'function') {
      throw abiError(`function ${name} is not in the ABI`)
    }
    return item as AbiFunction
  }

  const codec: AbiCodec = {
    hashName: suite.name === 'sm' ? 'sm3' : 'keccak',
    selector,
    eventTopic,
    encodeFunctionData(abi, functionName, args = []) {
      const item = findFunction(abi, functionName, args)
      if (item.inputs.length !== args.length) {
        throw abiError(`${functionName}: expected ${item.inputs.length} arguments, got ${args.length}`)
      }
      for (const [i, p] of item.inputs.entries()) {
        checkAbiValue(
          p,
          args[i],
          `${functionName} argument ${p.name === undefined || p.name === '' ? i : p.name}`,
        )
      }
      try {
        const params = encodeAbiParameters(item.inputs, args as unknown[])
        return `${selector(item)}${params.slice(2)}` as Hex
      } catch (err) {
        throw abiError(`${functionName}: cannot encode arguments: ${(err as Error).message}`, err)
      }
    },
    decodeFunctionResult(abi, functionName, data, args) {
      const item = findFunction(abi, functionName, args)
      const bytes = bytesToHex(hexToBytes(data, `${functionName} output`))
      try {
        const values = decodeAbiParameters(item.outputs, bytes)
        if (item.outputs.length === 0) return undefined
        if (item.outputs.length === 1) return values[0]
        return values
      } catch (err) {
        throw abiError(
          `${functionName}: cannot decode output ${describe(data)}: ${(err as Error).message}`,
          err,
        )
      }
    },
    encodeDeployData(abi, bytecode, args = []) {
      const code = bytesToHex(hexToBytes(bytecode.trim(), 'bytecode'))
      const ctor = abi.find((x) => x.type === 'constructor')
      const inputs = ctor !== undefined && 'inputs' in ctor ? ctor.inputs : []
      if (inputs.length !== args.length) {
        throw abiError(`constructor: expected ${inputs.length} arguments, got ${args.length}`)
      }
      if (inputs.length === 0) return code
      for (const [i, p] of inputs.entries()) {
        checkAbiValue(
          p,
          args[i],
          `constructor argument ${p.name === undefined || p.name === '' ? i : p.name}`,
        )
      }
      try {
        return `${code}${encodeAbiParameters(inputs, args as unknown[]).slice(2)}` as Hex
      } catch (err) {
        throw abiError(`constructor: cannot encode arguments: ${(err as Error).message}`, err)
      }
    },
    decodeEventLog(abi, log) {
      const topic0 = log.topics[0]?.toLowerCase()
      if (topic0 === undefined) return undefined
      for (const item of abi) {
        if (item.type !== 'event' || item.anonymous === true) continue
        if (eventTopic(item) !== topic0) continue
        // viem matches topic0 by Keccak; hand it the Keccak topic of the event we matched by
        // this chain's hash, so SM3 chains decode through the same code.
        const keccakTopic = keccakEventTopic(item)
        try {
          const decoded = viemDecodeEventLog({
            abi: [item],
            topics: [keccakTopic, ...(log.topics.slice(1) as Hex[])],
            data: bytesToHex(hexToBytes(log.data, 'log.data')),
            strict: true,
          })
          return {
            eventName: item.name,
            args: decoded.args as Record<string, unknown>,
            address: bytesToHex(hexToBytes(log.address, 'log.address', 20)),
            topics: log.topics.map((t) => t.toLowerCase() as Hex),
            data: bytesToHex(hexToBytes(log.data, 'log.data')),
          }
        } catch (err) {
          throw abiError(`event ${item.name}: cannot decode log: ${(err as Error).message}`, err)
        }
      }
      return undefined
    },
    decodeRevert(output, abi) {
      const bytes = hexToBytes(output, 'revert output')
      if (bytes.length < 4) return undefined
      const sel = bytesToHex(bytes.subarray(0, 4))
      const rest = bytesToHex(bytes.subarray(4))
      try {
        // Accept both hashes' selectors: nodes in SM mode may still encode precompile and
        // engine reverts with the Keccak selector.
        if (sel === selector('Error(string)') || sel === ERROR_KECCAK) {
          const [reason] = decodeAbiParameters([{ type: 'string' }], rest)
          return { kind: 'error', reason }
        }
        if (sel === selector('Panic(uint256)') || sel === PANIC_KECCAK) {
          const [code] = decodeAbiParameters([{ type: 'uint256' }], rest)
          const text = panicReasons[code.toString()] ?? 'unknown panic'
          return { kind: 'panic', code, reason: `panic 0x${code.toString(16)}: ${text}` }
        }
        for (const item of abi ?? []) {
          if (item.type !== 'error' || selector(item) !== sel) continue
          const args = decodeAbiParameters(item.inputs, rest)
          return {
            kind: 'custom',
            errorName: item.name,
            args,
            reason: `${item.name}(${args.map(String).join(', ')})`,
          }
        }
      } catch {
        return undefined
      }
      return undefined
    },
  }
  codecs.set(suite, codec)
  return codec
}

/** Entries each selector and topic cache of a codec keeps (selectors are cheap to recompute). */
export const abiCacheMax = 4096

const ERROR_KECCAK = '0x08c379a0'
const PANIC_KECCAK = '0x4e487b71'

function keccakEventTopic(item: AbiEvent): Hex {
  return toEventSelector(toEventSignature(item))
}

/**
 * Checks a value's JS type against its ABI type before viem encodes it (viem coerces some
 * mismatches, e.g. a bigint for a string): `set argument v: expected a string, got bigint`.
 */
function checkAbiValue(
  param: { type: string; components?: readonly unknown[] },
  value: unknown,
  label: string,
): void {
  const type = param.type
  const fail = (expected: string): never => {
    throw abiError(
      `${label}: expected ${expected} for ${type}, got ${value === null ? 'null' : typeof value}`,
    )
  }
  const array = /^(.*)\[(\d*)\]$/.exec(type)
  if (array !== null) {
    if (!Array.isArray(value)) fail('an array')
    const inner = { ...param, type: array[1]! }
    for (const [i, v] of (value as unknown[]).entries()) checkAbiValue(inner, v, `${label}[${i}]`)
    return
  }
  if (type === 'tuple') {
    if (typeof value !== 'object' || value === null) fail('an object or array')
    return
  }
  if (/^u?int\d*$/.test(type)) {
    if (typeof value !== 'bigint' && !(typeof value === 'number' && Number.isSafeInteger(value)))
      fail('a bigint or safe integer')
    return
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') fail('a boolean')
    return
  }
  if (type === 'string') {
    if (typeof value !== 'string') fail('a string')
    return
  }
  if (type === 'address') {
    if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) fail('a 20-byte 0x address')
    return
  }
  if (
    /^bytes\d*$/.test(type) &&
    !(typeof value === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(value)) &&
    !(value instanceof Uint8Array)
  )
    fail('0x hex bytes')
}

function normaliseSignature(signature: string): string {
  const text = signature.replace(/\s+/g, '')
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*\(.*\)$/.test(text)) {
    throw abiError(`expected a signature like name(type,…), got ${JSON.stringify(signature)}`)
  }
  return text
}
