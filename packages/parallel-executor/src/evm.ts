import type { Address, Bytes, CryptoSuite, Logger, StateView } from '@consortia/interface'
import type { CallKind, Permission, Verdict } from '@consortia/permission'
import { Common } from '@ethereumjs/common'
import {
  EVM,
  EVMError,
  type EVMOpts,
  type EVMResult,
  type EVMRunCallOpts,
  type ExecResult,
  type Message,
} from '@ethereumjs/evm'
import { encode as rlpEncode } from '@ethereumjs/rlp'
import { type Address as EthAddress, Address as EthAddressClass } from '@ethereumjs/util'
import { bigintToBytes, bytesToHex, concatBytes } from './bytes.js'
import { executorError } from './errors.js'
import { callerContext, denialOf, GuardedTables, type PermissionDenial } from './permission-wiring.js'
import {
  type PrecompiledContract,
  PrecompiledGasMeter,
  type PrecompiledOutcome,
  runPrecompiled,
  type TransientObjects,
} from './precompiled.js'
import type { TableOverlay } from './table-overlay.js'

/** What the EVM's precompile hook needs for the block being executed. */
export interface PrecompiledHost {
  readonly crypto: CryptoSuite
  readonly sm: CryptoSuite | undefined
  readonly tables: TableOverlay
  readonly state: StateView
  readonly objects: TransientObjects
  readonly system: ReadonlyMap<string, PrecompiledContract>
  readonly blockNumber: number
  readonly logger: Logger
  /** `tx.origin` of the transaction being executed. */
  origin: Address
  /** Set when a call made by the transaction itself (depth 0) to a precompile failed. */
  topLevelFailure: { code: number; message: string } | undefined
  /**
   * The block's permission layer, when the executor enforces permissions: precompiles get
   * guarded tables, CREATE/CREATE2, calls into contracts and SSTORE are checked.
   */
  readonly permission?: Permission | undefined
  /**
   * Set when the permission layer refused an operation of the transaction being executed;
   * the executor then fails the whole transaction with the denial's status and reverts it.
   */
  permissionDenial?: PermissionDenial | undefined
}

const EMPTY = new Uint8Array(0)

function refused(gasLimit: bigint): ExecResult {
  return {
    returnValue: EMPTY,
    executionGasUsed: gasLimit,
    exceptionError: new EVMError(EVMError.errorMessages.REVERT),
  }
}

/**
 * @ethereumjs/evm with FISCO's rules: the chain hash for CREATE/CREATE2 addresses, the
 * system precompiles and the block's transient table objects as precompiled contracts
 * that see the caller, origin and static flag of their call frame.
 */
export class FiscoEVM extends EVM {
  private readonly host: PrecompiledHost
  private currentMessage: Message | undefined
  /** Messages of the frames whose bytecode is running, innermost last (SSTORE needs its frame). */
  private readonly frames: Message[] = []
  private readonly dispatch = new Map<
    PrecompiledContract,
    (input: { data: Uint8Array; gasLimit: bigint }) => Promise<ExecResult>
  >()

  /**
   * `jumpAnalysesMax`: most code arrays whose jump-destination analysis this EVM keeps
   * (default `JUMP_ANALYSES_MAX`; later codes are analysed on every call, as ethereumjs does).
   */
  constructor(opts: EVMOpts, host: PrecompiledHost, jumpAnalysesMax = JUMP_ANALYSES_MAX) {
    super(opts)
    this.host = host
    if (!Number.isSafeInteger(jumpAnalysesMax) || jumpAnalysesMax < 0) {
      throw executorError('INVALID_ARGUMENT', `expected jumpAnalysesMax ≥ 0, got ${jumpAnalysesMax}`)
    }
    jumpAnalyses.set(this, { codes: new WeakMap(), size: 0, max: jumpAnalysesMax })
    const map = (this as unknown as { _opcodeMap: OpcodeEntry[] })._opcodeMap
    // MSTORE without ethereumjs's bigint → hex → bytes → spread-padding round trip: the same
    // 32 bytes written through the same memory call (gas is charged by its own handler).
    const mstore = map[MSTORE]
    if (mstore !== undefined) mstore.opHandler = storeWord
    if (!interpreterHooked) this.hookInterpreter(map)
  }

  /**
   * Installs the jump-destination analysis cache on ethereumjs's (unexported) `Interpreter`
   * class, reached through the first PUSH1 this EVM runs (every Solidity contract starts with
   * one, before its first JUMP). The original handler is put back at once.
   */
  private hookInterpreter(map: OpcodeEntry[]): void {
    const entry = map[PUSH1]
    if (entry === undefined) return
    const handler = entry.opHandler
    entry.opHandler = (runState, common) => {
      entry.opHandler = handler
      hookInterpreterPrototype(Object.getPrototypeOf(runState.interpreter) as InterpreterPrototype)
      return handler(runState, common)
    }
  }

  /** The contract at `addressHex` (lower-case, no 0x): a system precompile or a transient object. */
  precompiledAt(addressHex: string): PrecompiledContract | undefined {
    return this.host.system.get(addressHex) ?? this.host.objects.get(addressHex)
  }

  protected override async _executeCall(message: Parameters<EVM['_executeCall']>[0]) {
    // Precompiles run inside this call without re-entering the EVM, so the message seen
    // by the dispatcher below is always the one that reached the precompile.
    this.currentMessage = message
    const permission = this.host.permission
    // The executor checks the transaction's own target before the EVM runs.
    if (permission !== undefined && message.depth > 0) {
      const code = (message.codeAddress ?? message.to) as EthAddress
      const hex = bytesToHex(code.bytes)
      if (this.precompiledAt(hex) === undefined && super.getPrecompile(code) === undefined) {
        if (this.deny(await permission.checkContractCall(code.bytes))) {
          return { execResult: refused(message.gasLimit) }
        }
        this.currentMessage = message
      }
    }
    return super._executeCall(message)
  }

  protected override async _executeCreate(message: Message) {
    const permission = this.host.permission
    if (permission === undefined) return super._executeCreate(message)
    const caller = { origin: this.host.origin, sender: message.caller.bytes }
    const nested = message.depth > 0
    // A deploy transaction was checked by the executor (status 18); CREATE in a call here (25).
    if (nested && this.deny(await permission.checkDeploy(caller, { nested }))) {
      return { execResult: refused(message.gasLimit) }
    }
    const result = await super._executeCreate(message)
    if (result.execResult.exceptionError === undefined && result.createdAddress !== undefined) {
      // Inside the frame's savepoint: the manager rows go if the creation is reverted.
      await permission.onContractCreated(caller, result.createdAddress.bytes, { nested })
    }
    return result
  }

  /**
   * A permission refusal fails the whole transaction: when a nested frame was refused, the
   * frame that called it halts as well (an `EVMError` thrown into its CALL or CREATE), and so
   * on up to the transaction's own frame, each reverting its writes — no caller can swallow
   * the refusal and carry on.
   */
  override async runCall(opts: EVMRunCallOpts): Promise<EVMResult> {
    const result = await super.runCall(opts)
    const depth = opts.message?.depth ?? 0
    if (this.host.permissionDenial !== undefined && depth > 0) {
      throw new EVMError(EVMError.errorMessages.REVERT)
    }
    return result
  }

  protected override async runInterpreter(
    message: Message,
    opts?: Parameters<EVM['runInterpreter']>[1],
  ): Promise<ExecResult> {
    this.frames.push(message)
    try {
      return await super.runInterpreter(message, opts)
    } finally {
      this.frames.pop()
    }
  }

  /**
   * Before SSTORE into the storage of `address` (wired into the state adapter): with
   * permissions enforced, the running frame's caller must be allowed to write the contract
   * (`checkStorageWrite`); a refusal halts the frame and fails the transaction with status 25.
   * Returns undefined when the check was answered from the cache (a refusal is thrown), else
   * the promise of the check.
   */
  checkStorageWrite(address: Address): Promise<void> | undefined {
    const permission = this.host.permission
    if (permission === undefined) return undefined
    const frame = this.frames[this.frames.length - 1]
    const sender = frame === undefined ? this.host.origin : frame.caller.bytes
    const caller = { origin: this.host.origin, sender }
    // Without waiting when the contract's ACL is cached (after the block's first write to it).
    const cached = permission.checkStorageWriteCached(caller, address)
    if (cached === undefined)
      return permission.checkStorageWrite(caller, address).then((verdict) => this.refuseStorageWrite(verdict))
    this.refuseStorageWrite(cached)
    return undefined
  }

  private refuseStorageWrite(verdict: Verdict): void {
    if (this.deny(verdict)) throw new EVMError(EVMError.errorMessages.REVERT)
  }

  /** Records the first refusal of the transaction; true when `verdict` refuses. */
  private deny(verdict: Verdict): boolean {
    const denial = denialOf(verdict)
    if (denial === undefined) return false
    this.host.permissionDenial ??= denial
    this.host.logger.debug('permission denied', { status: denial.status, reason: denial.reason })
    return true
  }

  override getPrecompile(address: EthAddress | `0x${string}`) {
    const hex =
      typeof address === 'string'
        ? address.slice(2).padStart(40, '0').toLowerCase()
        : bytesToHex(address.bytes)
    const contract = this.precompiledAt(hex)
    if (contract === undefined) return super.getPrecompile(address)
    let fn = this.dispatch.get(contract)
    if (fn === undefined) {
      fn = (input) => this.runFisco(contract, input.data, input.gasLimit)
      this.dispatch.set(contract, fn)
    }
    return fn as unknown as ReturnType<EVM['getPrecompile']>
  }

  private async runFisco(
    contract: PrecompiledContract,
    data: Uint8Array,
    gasLimit: bigint,
  ): Promise<ExecResult> {
    const message = this.currentMessage
    if (message === undefined)
      throw executorError('INVARIANT_VIOLATED', 'precompile reached without a message')
    const host = this.host
    const address = (message.codeAddress ?? message.to) as EthAddress
    const via = callKindOf(message)
    const frame = {
      origin: host.origin,
      sender: message.caller.bytes,
      via,
      ...(via === 'delegatecall' && message.to !== undefined ? { delegator: message.to.bytes } : {}),
    }
    const permission = host.permission
    const tables =
      permission === undefined
        ? host.tables
        : new GuardedTables(host.tables, permission, callerContext(frame), (d) => {
            host.permissionDenial ??= d
          })
    const outcome = await runPrecompiled(
      contract,
      data,
      {
        ...frame,
        ...(permission === undefined ? {} : { permission }),
        address: address.bytes,
        blockNumber: host.blockNumber,
        isStatic: message.isStatic,
        tables,
        state: host.state,
        crypto: host.crypto,
        sm: host.sm,
        objects: host.objects,
        gas: new PrecompiledGasMeter(),
        logger: host.logger,
      },
      gasLimit,
    )
    if (outcome.kind === 'failed') {
      host.logger.debug('precompiled call failed', {
        contract: contract.name,
        code: outcome.code,
        reason: outcome.message,
      })
      if (message.depth === 0) host.topLevelFailure = { code: outcome.code, message: outcome.message }
    }
    return precompiledExecResult(outcome, gasLimit)
  }

  // No coin (FISCO 2.x moves no balance): a zero-value call neither debits nor credits,
  // so it creates no empty account for the callee (a precompile, say) to clean up later.
  protected override async _reduceSenderBalance(
    account: Parameters<EVM['_reduceSenderBalance']>[0],
    message: Message,
  ): Promise<void> {
    if (message.value === 0n) return
    return super._reduceSenderBalance(account, message)
  }

  protected override async _addToBalance(
    account: Parameters<EVM['_addToBalance']>[0],
    message: Parameters<EVM['_addToBalance']>[1],
  ): Promise<void> {
    if (message.value === 0n) return
    return super._addToBalance(account, message)
  }

  protected override async _generateAddress(message: Message): Promise<EthAddress> {
    const hash = this.host.crypto.hash
    if (message.salt !== undefined) {
      const code = message.code instanceof Uint8Array ? message.code : new Uint8Array(0)
      return new EthAddressClass(
        hash(concatBytes(new Uint8Array([0xff]), message.caller.bytes, message.salt, hash(code))).subarray(
          12,
        ),
      )
    }
    // The EVM has already incremented the creator's nonce: the address uses the value before.
    const account = await this.stateManager.getAccount(message.caller)
    const nonce = (account?.nonce ?? 1n) - 1n
    return new EthAddressClass(contractAddress(message.caller.bytes, nonce, hash))
  }
}

/** How the frame of `message` was entered. */
function callKindOf(message: Message): CallKind {
  if (message.delegatecall) return 'delegatecall'
  if (message.isStatic) return 'staticcall'
  const code = message.codeAddress
  if (code !== undefined && message.to !== undefined && !code.equals(message.to)) return 'callcode'
  return 'call'
}

const MSTORE = 0x52
const PUSH1 = 0x60

/** What the replaced opcode handlers use of ethereumjs's `RunState`. */
interface RunStateView {
  readonly interpreter: object
  readonly stack: { popN(count: number): bigint[] }
  readonly memory: { write(offset: number, size: number, value: Uint8Array): void }
}

/** The opcode table entries of an EVM (`_opcodeMap`), as far as the executor uses them. */
interface OpcodeEntry {
  opHandler: (runState: RunStateView, common: unknown) => unknown
}

/** MSTORE: the stack word (below 2^256) as 32 big-endian bytes at the offset. */
function storeWord(runState: RunStateView): void {
  const [offset, word] = runState.stack.popN(2) as [bigint, bigint]
  runState.memory.write(Number(offset), 32, word32(word))
}

/** A word below 2^256 as 32 big-endian bytes. */
export function word32(word: bigint): Uint8Array {
  const out = new Uint8Array(32)
  if (word === 0n) return out
  const view = new DataView(out.buffer)
  // setBigUint64 stores its value modulo 2^64: each call takes one 64-bit limb.
  view.setBigUint64(24, word)
  if (word >= 0x10000000000000000n) {
    view.setBigUint64(16, word >> 64n)
    view.setBigUint64(8, word >> 128n)
    view.setBigUint64(0, word >> 192n)
  }
  return out
}

type JumpAnalysis = unknown
type InterpreterPrototype = {
  _getValidJumpDestinations(this: { _evm: object }, code: Uint8Array): JumpAnalysis
}

/**
 * Jump-destination analyses (valid JUMPDESTs, PUSH values, decoded opcodes) per FiscoEVM and
 * code array. ethereumjs analyses a contract's code on every call (a Uint8Array and an array
 * of the code's length, and a bigint per PUSH); the executor's state cache hands the EVM the
 * same code array for every call to a contract in a block, so one analysis serves them all.
 * The analysis depends only on the code and the EVM's opcode table, and the interpreter only
 * reads it. Weakly held: entries go with their EVM (one per block) or code array; at most
 * `JUMP_ANALYSES_MAX` (or the EVM's `jumpAnalysesMax`) per EVM.
 */
const jumpAnalyses = new WeakMap<object, JumpAnalysisCache>()

interface JumpAnalysisCache {
  readonly codes: WeakMap<Uint8Array, JumpAnalysis>
  size: number
  readonly max: number
}

/**
 * Default bound on the code arrays whose jump-destination analysis one FiscoEVM (one block)
 * keeps: an analysis holds about nine bytes per byte of code, and a block of large deploys
 * must not keep one per init code alive until the block ends.
 */
export const JUMP_ANALYSES_MAX = 1_000
let interpreterHooked = false

function hookInterpreterPrototype(proto: InterpreterPrototype): void {
  if (interpreterHooked) return
  interpreterHooked = true
  const analyse = proto._getValidJumpDestinations
  // Other EVMs in the process (not FiscoEVMs) keep the original behaviour.
  proto._getValidJumpDestinations = function (code) {
    const cache = jumpAnalyses.get(this._evm)
    if (cache === undefined) return analyse.call(this, code)
    let analysis = cache.codes.get(code)
    if (analysis === undefined) {
      analysis = analyse.call(this, code)
      if (cache.size < cache.max) {
        cache.codes.set(code, analysis)
        cache.size++
      }
    }
    return analysis
  }
}

/**
 * The EVM frame result of a precompiled call: a failure reverts with the FISCO code as return
 * data, a write under STATICCALL and running out of gas consume the frame's whole `gasLimit`.
 * The EVM's precompile hook and the executor's direct path both use it, so a transaction sent
 * to a precompile gets the same receipt either way.
 */
export function precompiledExecResult(outcome: PrecompiledOutcome, gasLimit: bigint): ExecResult {
  switch (outcome.kind) {
    case 'ok':
      return { returnValue: outcome.output, executionGasUsed: outcome.gasUsed }
    case 'failed':
      return {
        returnValue: outcome.output,
        executionGasUsed: outcome.gasUsed,
        exceptionError: new EVMError(EVMError.errorMessages.REVERT),
      }
    case 'static-write':
      return {
        returnValue: new Uint8Array(0),
        executionGasUsed: gasLimit,
        exceptionError: new EVMError(EVMError.errorMessages.STATIC_STATE_CHANGE),
      }
    case 'out-of-gas':
      return {
        returnValue: new Uint8Array(0),
        executionGasUsed: gasLimit,
        exceptionError: new EVMError(EVMError.errorMessages.OUT_OF_GAS),
      }
  }
}

/**
 * `Common` whose `isActivatedEIP` is a set lookup: the interpreter asks it several times per
 * opcode, and the base class scans the list of active EIPs each time. The set is rebuilt
 * whenever the base class replaces that list (hardfork or EIP changes).
 */
export class FiscoCommon extends Common {
  private eipSource: readonly number[] | undefined
  private eipFlags: Uint8Array | undefined

  override isActivatedEIP(eip: number): boolean {
    const source = this._activatedEIPsCache
    if (this.eipFlags === undefined || this.eipSource !== source) {
      // EIP numbers are small integers (below 10,000 so far): a byte per number.
      let highest = 0
      for (const n of source) if (n > highest) highest = n
      const flags = new Uint8Array(highest + 1)
      for (const n of source) flags[n] = 1
      this.eipFlags = flags
      this.eipSource = source
    }
    return this.eipFlags[eip] === 1
  }
}

/** FISCO contract address: `Hash(rlp([sender, accountNonce]))[12:]` (libexecutive/Executive.cpp). */
export function contractAddress(sender: Address, nonce: bigint, hash: (data: Bytes) => Bytes): Address {
  return hash(rlpEncode([sender, bigintToBytes(nonce)])).subarray(12)
}
