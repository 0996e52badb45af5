import type { Address, Bytes, CryptoSuite, Logger, StateView } from '@consortia/interface'
import type { CallKind, Permission } from '@consortia/permission'
import type { AbiParameter } from 'viem'
import {
  decodeValues,
  encodeValues,
  parseSignature,
  parseTypes,
  selectorOf,
  selectorOfCallData,
} from './abi.js'
import { bytesToHex, hexToBytes, numberToAddress } from './bytes.js'
import { PrecompiledCode } from './codes.js'
import { executorError } from './errors.js'
import type { PrecompiledTables } from './table-overlay.js'

/**
 * Gas of precompiled operations, after FISCO 2.x libprecompiled/PrecompiledGas.{h,cpp}:
 * a cost per table operation (times the rows it touched) plus memory gas
 * `3·words + words²/512` over the largest input or result size.
 */
export const PrecompiledGas = {
  veryLow: 3n,
  createTable: 16_000n,
  openTable: 200n,
  select: 200n,
  insert: 10_000n,
  update: 10_000n,
  remove: 2_500n,
  verify: 20_000n,
  memoryWord: 3n,
} as const

/** Accumulates the gas of one precompiled call. */
export class PrecompiledGasMeter {
  private computation = 0n
  private memoryBytes = 0

  /** Adds `cost × times`. */
  charge(cost: bigint, times = 1): void {
    this.computation += cost * BigInt(times)
  }

  /** Raises the memory high-water mark to `bytes`. */
  touchMemory(bytes: number): void {
    if (bytes > this.memoryBytes) this.memoryBytes = bytes
  }

  /** Computation plus memory gas. */
  total(): bigint {
    const words = BigInt(Math.ceil(this.memoryBytes / 32))
    return this.computation + PrecompiledGas.memoryWord * words + (words * words) / 512n
  }
}

/** Default bound on transient Table/Entry/Condition/Entries objects created in one block. */
export const TRANSIENT_OBJECTS_MAX = 100_000

/** First address handed to transient objects (FISCO ExecutiveContext `m_addressCount(0x10000)`). */
export const TRANSIENT_ADDRESS_START = 0x10000

/**
 * Per-block registry of transient precompiled objects (the Table, Entry, Condition and
 * Entries handles Solidity receives from TableFactory). Addresses count up from 0x10000 in
 * call order, so they are the same on every node.
 */
export class TransientObjects {
  private readonly objects = new Map<string, PrecompiledContract>()
  private next = TRANSIENT_ADDRESS_START
  private readonly objectsMax: number

  constructor(objectsMax = TRANSIENT_OBJECTS_MAX) {
    if (!Number.isInteger(objectsMax) || objectsMax < 1) {
      throw executorError('INVALID_ARGUMENT', `expected objectsMax ≥ 1, got ${objectsMax}`)
    }
    this.objectsMax = objectsMax
  }

  /** Number of objects registered so far. */
  get size(): number {
    return this.objects.size
  }

  /** Registers an object and returns its address; fails the call once `objectsMax` is reached. */
  register(object: PrecompiledContract): Address {
    if (this.objects.size >= this.objectsMax) {
      throw new PrecompiledFailure(
        PrecompiledCode.UnknownFunctionCall,
        `transient object limit ${this.objectsMax} reached`,
      )
    }
    const address = numberToAddress(this.next++)
    this.objects.set(bytesToHex(address), object)
    return address
  }

  /** The object at `addressHex` (lower-case, no 0x), if any. */
  get(addressHex: string): PrecompiledContract | undefined {
    return this.objects.get(addressHex)
  }

  /** The object at an ABI-decoded address argument, or a failure with `-50102` (address invalid). */
  resolve<T extends PrecompiledContract>(
    address: unknown,
    kind: string,
    guard: (c: PrecompiledContract) => c is T,
  ): T {
    const hex = typeof address === 'string' ? address.slice(2).toLowerCase() : ''
    const object = this.objects.get(hex)
    if (object === undefined || !guard(object)) {
      throw new PrecompiledFailure(PrecompiledCode.AddressInvalid, `no ${kind} object at ${String(address)}`)
    }
    return object
  }
}

/** What a precompiled method sees of the call that reached it. */
export interface PrecompiledCallContext {
  /** `tx.origin`: the account that signed the transaction. */
  readonly origin: Address
  /** `msg.sender` of this call frame (under DELEGATECALL: the delegating frame's `msg.sender`). */
  readonly sender: Address
  /** How this frame was entered (default `call`; a transaction sent to the precompile is a `call`). */
  readonly via?: CallKind
  /**
   * Under `via: 'delegatecall'`: the contract that executed DELEGATECALL into the precompile,
   * the direct caller that strict permission mode checks.
   */
  readonly delegator?: Address
  /**
   * The permission layer of the block (ACLs, committee, freezing) when the executor enforces
   * permissions; the governance precompiles 0x1005, 0x1007 and 0x1008 need it.
   */
  readonly permission?: Permission
  /** The precompile's own address. */
  readonly address: Address
  /** Height of the block being executed. */
  readonly blockNumber: number
  /** True under STATICCALL: methods that write tables are refused. */
  readonly isStatic: boolean
  /**
   * The block's tables. With permissions enforced, every `createTable`, `insert`, `update`
   * and `remove` through it is checked for this frame's caller first; reads never are.
   */
  readonly tables: PrecompiledTables
  /** The block's world state (read-only use: e.g. CNS checks that an address holds code). */
  readonly state: StateView
  /** The chain's suite: selectors, addresses and the hash opcode use its hash. */
  readonly crypto: CryptoSuite
  /** An SM2/SM3 suite for the Crypto precompile's `sm2Verify` (the chain suite on guomi chains). */
  readonly sm: CryptoSuite | undefined
  readonly objects: TransientObjects
  readonly gas: PrecompiledGasMeter
  readonly logger: Logger
}

/** One method of a native contract. */
export interface PrecompiledMethod {
  /** Canonical Solidity signature, e.g. `setValueByKey(string,string)`. */
  readonly signature: string
  /** Comma-separated return types, e.g. `int256` or `bool,address`; empty for none. */
  readonly returns: string
  /** True when the method writes tables or state (refused under STATICCALL). */
  readonly writes?: boolean
  /**
   * Runs the method on decoded arguments and returns the values to encode as `returns`,
   * or raw output bytes (FISCO returns an int256 code where a string was declared on some errors).
   */
  call(
    args: readonly unknown[],
    ctx: PrecompiledCallContext,
  ): Promise<readonly unknown[] | Bytes> | readonly unknown[] | Bytes
  /**
   * Mutex keys of this call for DAG scheduling (FISCO `getParallelTag`); `undefined` when
   * the call must not run in parallel with anything.
   */
  parallelTag?(args: readonly unknown[]): readonly string[] | undefined
}

/** A native contract: a name and its methods (its Solidity ABI). */
export interface PrecompiledContract {
  readonly name: string
  readonly methods: readonly PrecompiledMethod[]
}

/**
 * A precompiled call that fails: the frame reverts with `int256(code)` as return data, and
 * a transaction sent straight to the precompile ends with receipt status 21 (PrecompiledError).
 */
export class PrecompiledFailure extends Error {
  /** FISCO precompiled code (negative), also the revert data. */
  readonly code: number

  constructor(code: number, message: string) {
    super(message)
    this.code = code
    this.name = 'PrecompiledFailure'
  }
}

interface CompiledMethod {
  readonly method: PrecompiledMethod
  readonly inputs: readonly AbiParameter[]
  readonly outputs: readonly AbiParameter[]
}

// Keyed by the method list, which every transient object of one kind shares.
const compiledCache = new WeakMap<
  readonly PrecompiledMethod[],
  WeakMap<object, Map<number, CompiledMethod>>
>()

/** The selector table of `contract` under `crypto`'s hash, built once per (contract, suite). */
export function compilePrecompiled(
  contract: PrecompiledContract,
  crypto: CryptoSuite,
): Map<number, CompiledMethod> {
  let bySuite = compiledCache.get(contract.methods)
  if (bySuite === undefined) {
    bySuite = new WeakMap()
    compiledCache.set(contract.methods, bySuite)
  }
  let table = bySuite.get(crypto)
  if (table === undefined) {
    table = new Map()
    for (const method of contract.methods) {
      const sig = parseSignature(method.signature)
      const selector = selectorOf(method.signature, crypto)
      if (table.has(selector)) {
        throw executorError('INVALID_ARGUMENT', `selector clash in ${contract.name}: ${method.signature}`)
      }
      table.set(selector, {
        method,
        inputs: sig.inputs,
        outputs: method.returns === '' ? [] : parseTypes(method.returns),
      })
    }
    bySuite.set(crypto, table)
  }
  return table
}

/** The outcome of one precompiled call. */
export type PrecompiledOutcome =
  | { readonly kind: 'ok'; readonly output: Bytes; readonly gasUsed: bigint }
  | {
      readonly kind: 'failed'
      readonly code: number
      readonly output: Bytes
      readonly gasUsed: bigint
      readonly message: string
    }
  | { readonly kind: 'static-write'; readonly message: string }
  | { readonly kind: 'out-of-gas'; readonly gasUsed: bigint }

const INT256: readonly AbiParameter[] = [{ type: 'int256' }]

/** ABI-encodes a FISCO code as int256 (negative codes as two's complement). */
export function encodeCode(code: number): Bytes {
  return encodeValues(INT256, [BigInt(code)])
}

/**
 * Runs `data` against `contract`: decodes the arguments, calls the method, meters gas
 * and encodes the result. Unknown selectors and undecodable arguments fail with
 * `-50101` (unknown function call).
 */
export async function runPrecompiled(
  contract: PrecompiledContract,
  data: Bytes,
  ctx: PrecompiledCallContext,
  gasLimit: bigint,
): Promise<PrecompiledOutcome> {
  return runPrecompiledFirst(contract, data, ctx, gasLimit)
}

/**
 * `runPrecompiled` that answers without waiting when the method does (a method returns its
 * values directly when it needed no table read, e.g. DagTransfer on rows in memory): the
 * outcome, or its promise (a native `Promise`). Errors other than a `PrecompiledFailure` are thrown (or rejected).
 */
export function runPrecompiledFirst(
  contract: PrecompiledContract,
  data: Bytes,
  ctx: PrecompiledCallContext,
  gasLimit: bigint,
): PrecompiledOutcome | Promise<PrecompiledOutcome> {
  ctx.gas.touchMemory(data.length)
  const selector = selectorOfCallData(data)
  const compiled = selector === undefined ? undefined : compilePrecompiled(contract, ctx.crypto).get(selector)
  try {
    if (compiled === undefined) {
      throw new PrecompiledFailure(
        PrecompiledCode.UnknownFunctionCall,
        `${contract.name}: unknown selector ${selector === undefined ? 'none' : selector.toString(16).padStart(8, '0')}`,
      )
    }
    if (compiled.method.writes === true && ctx.isStatic) {
      return {
        kind: 'static-write',
        message: `${contract.name}.${compiled.method.signature} under STATICCALL`,
      }
    }
    let args: readonly unknown[]
    try {
      args = decodeValues(compiled.inputs, data.subarray(4))
    } catch (err) {
      throw new PrecompiledFailure(
        PrecompiledCode.UnknownFunctionCall,
        `${contract.name}.${compiled.method.signature}: undecodable arguments (${(err as Error).message.split('\n')[0]})`,
      )
    }
    const values = compiled.method.call(args, ctx)
    if (isPromise(values)) {
      return Promise.resolve(values)
        .then((v) => completed(v, compiled, ctx, gasLimit))
        .catch((err) => failed(err, ctx, gasLimit))
    }
    return completed(values, compiled, ctx, gasLimit)
  } catch (err) {
    return failed(err, ctx, gasLimit)
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

// The outcome of a method that returned: its values encoded, gas metered.
function completed(
  values: readonly unknown[] | Bytes,
  compiled: CompiledMethod,
  ctx: PrecompiledCallContext,
  gasLimit: bigint,
): PrecompiledOutcome {
  const output = values instanceof Uint8Array ? values : encodeValues(compiled.outputs, values)
  ctx.gas.touchMemory(output.length)
  const gasUsed = ctx.gas.total()
  if (gasUsed > gasLimit) return { kind: 'out-of-gas', gasUsed: gasLimit }
  return { kind: 'ok', output, gasUsed }
}

// The outcome of a call that failed with a FISCO code; any other error is thrown on.
function failed(err: unknown, ctx: PrecompiledCallContext, gasLimit: bigint): PrecompiledOutcome {
  if (!(err instanceof PrecompiledFailure)) throw err
  const gasUsed = ctx.gas.total()
  if (gasUsed > gasLimit) return { kind: 'out-of-gas', gasUsed: gasLimit }
  return { kind: 'failed', code: err.code, output: encodeCode(err.code), gasUsed, message: err.message }
}

/**
 * The parallel tag (mutex keys) of a call to `contract`, or `undefined` when the call is
 * not parallel (unknown selector, undecodable data, or a method without a tag).
 */
export function precompiledParallelTag(
  contract: PrecompiledContract,
  data: Bytes,
  crypto: CryptoSuite,
): readonly string[] | undefined {
  const selector = selectorOfCallData(data)
  if (selector === undefined) return undefined
  const compiled = compilePrecompiled(contract, crypto).get(selector)
  if (compiled?.method.parallelTag === undefined) return undefined
  let args: readonly unknown[]
  try {
    args = decodeValues(compiled.inputs, data.subarray(4))
  } catch {
    return undefined
  }
  return compiled.method.parallelTag(args)
}

/** Converts an ABI-decoded address (hex string) to bytes. */
export function addressArg(value: unknown): Address {
  if (typeof value !== 'string')
    throw executorError('INVALID_ARGUMENT', `expected an address string, got ${typeof value}`)
  return hexToBytes(value, 'address')
}
