import type {
  Address,
  BlockContext,
  CryptoSuite,
  ExecutionResult,
  Executor,
  Hash32,
  Log,
  Logger,
  Receipt,
  SignedTransaction,
  StateView,
  TableStore,
} from '@consortia/interface'
import { isEthTransaction, silentLogger, TxStatus } from '@consortia/interface'
import { createPermission, type Permission, topLevelCaller } from '@consortia/permission'
import { type Common, Mainnet } from '@ethereumjs/common'
import {
  EVMError,
  type EVMMockBlockchainInterface,
  type EVMResult,
  type ExecResult,
  paramsEVM,
} from '@ethereumjs/evm'
import { Address as EthAddress } from '@ethereumjs/util'
import { decodeValues, parseSignature, selectorOfCallData } from './abi.js'
import { createBloomHasher, logsBloom } from './bloom.js'
import { bytesEqual, bytesToHex, numberToAddress } from './bytes.js'
import { CONTRACT_TABLE_PREFIX } from './codes.js'
import { executorError } from './errors.js'
import { applyEthNonceRule } from './eth-nonce.js'
import {
  FiscoCommon,
  FiscoEVM,
  JUMP_ANALYSES_MAX,
  type PrecompiledHost,
  precompiledExecResult,
} from './evm.js'
import {
  checkPermissionSettings,
  createPermissionTableStore,
  GuardedTables,
  type PermissionDenial,
  type PermissionSettings,
} from './permission-wiring.js'
import {
  encodeCode,
  type PrecompiledCallContext,
  type PrecompiledContract,
  PrecompiledGasMeter,
  type PrecompiledOutcome,
  precompiledParallelTag,
  runPrecompiledFirst,
  TRANSIENT_OBJECTS_MAX,
  TransientObjects,
} from './precompiled.js'
import { readParallelFunction } from './precompiles/parallel-config.js'
import {
  chainGovernancePrecompiled,
  contractLifeCyclePrecompiled,
  permissionPrecompiled,
} from './precompiles/permission.js'
import { readSystemConfig, SystemConfigKey, TX_GAS_LIMIT_DEFAULT } from './precompiles/system-config.js'
import { buildPrecompiledMap, PrecompiledAddress, type PrecompiledRegistration } from './registry.js'
import { STATE_CACHE_ENTRIES_MAX, StateViewAdapter } from './state-adapter.js'
import { OVERLAY_CACHED_KEYS_MAX, TableOverlay } from './table-overlay.js'

/** FISCO `maxBlockLimit`: a transaction is valid while `number < blockLimit ≤ number + 1000`. */
export const BLOCK_LIMIT_WINDOW = 1000
/** FISCO schedule: contracts up to 256 KiB (EIP-170's 24 KiB does not apply). */
export const CODE_BYTES_MAX = 0x40000
/** Transactions per block this executor accepts (FISCO's `tx_count_limit` is far lower). */
export const BLOCK_TRANSACTIONS_MAX = 100_000

/** Options of `createSerialExecutor`. */
export interface SerialExecutorInit {
  /** EVM hardfork (instruction set and gas schedule). Default `cancun`; compile with a matching solc `evmVersion`. */
  readonly hardfork?: 'istanbul' | 'berlin' | 'london' | 'paris' | 'shanghai' | 'cancun' | 'prague'
  /** User precompiles, in addition to the system ones. */
  readonly precompiles?: readonly PrecompiledRegistration[]
  /** Bound on transient Table/Entry/Condition objects per block (default 100,000). */
  readonly transientObjectsMax?: number
  /** Bound on (table, key) row lists cached per block (default 200,000). */
  readonly cachedTableKeysMax?: number
  /**
   * What a receipt's `stateRoot` holds: `zero` (default) as FISCO StorageState receipts
   * (`rootHash(false)` is the zero hash), or `per-transaction`, the state root after each
   * transaction (as FISCO MPT receipts; costs one root computation per transaction).
   */
  readonly receiptStateRoot?: 'zero' | 'per-transaction'
  /**
   * Run a transaction whose `to` is a precompile (or a transient table object) directly in the
   * precompile framework, without entering the EVM, as FISCO's `Executive::call` does for
   * precompiled addresses. Receipts, gas and state are the same as through the EVM. Default true.
   */
  readonly precompiledFastPath?: boolean
  /**
   * Permission enforcement (`@consortia/permission`, FISCO BCOS 2.x §5), on by default with
   * FISCO's `tx.origin` checks: registers Permission (0x1005), ContractLifeCycle (0x1007) and
   * ChainGovernance (0x1008), checks every deploy, CREATE, table creation, table write of a
   * precompile, SSTORE and call into a contract, and fails a refused transaction with status
   * 18, 25, 30 or 31 and no state change. With no committee and no ACL the chain is open.
   * `{ mode: 'caller' }` checks the direct caller instead (strict). `false` turns all of it off
   * (only the frozen checks of senders and called contracts remain).
   */
  readonly permission?: PermissionSettings | false
  /**
   * Bound on accounts, codes and storage slots cached per block in front of the `StateView`
   * (default `STATE_CACHE_ENTRIES_MAX`, 100,000); 0 reads every value from the state.
   */
  readonly stateCacheEntriesMax?: number
  /**
   * Bound on the contract codes whose jump-destination analysis a block keeps for later calls
   * (default `JUMP_ANALYSES_MAX`, 1,000; 0 analyses the code on every call, as ethereumjs does).
   */
  readonly jumpAnalysesMax?: number
}

/** Components of `createSerialExecutor`. */
export interface SerialExecutorComponents {
  /** The chain's suite: its hash is the SHA3 opcode, selectors, contract addresses and blooms. */
  readonly crypto: CryptoSuite
  /** An SM suite for the Crypto precompile's `sm2Verify` on non-guomi chains. */
  readonly sm?: CryptoSuite
  /**
   * The AMDB tables of the block being executed. Default: the `StateView` itself when it
   * implements `TableStore`, else its `tables` property (AMDB StorageState carries the
   * block's TableFactory there).
   */
  readonly tables?: (state: StateView) => TableStore
  /** Hash of an earlier block for BLOCKHASH; default knows only the parent. */
  readonly blockHash?: (number: number) => Promise<Hash32 | undefined>
  readonly logger?: Logger
}

/**
 * One block opened for execution one transaction at a time: `execute` is `openBlock`, then
 * `executeTransaction` for each transaction in order, then `finish`. The parallel executor
 * drives sessions directly (barriers and conflicting transactions on the main thread, the
 * others on worker threads).
 */
export interface BlockSession {
  /** Executes the block's next transaction on the session's state; its receipt joins the block's. */
  executeTransaction(tx: SignedTransaction): Promise<Receipt>
  /**
   * Appends the receipt of a transaction executed elsewhere whose writes the caller has applied
   * to the state; with `receiptStateRoot: 'per-transaction'` its `stateRoot` is recomputed here.
   */
  record(receipt: Receipt): Promise<Receipt>
  /**
   * `record` without waiting: the recorded receipt, or `undefined` (nothing recorded) when the
   * receipt needs a per-transaction state root (`receiptStateRoot: 'per-transaction'`).
   */
  recordCached(receipt: Receipt): Receipt | undefined
  /** Forgets cached accounts, code, storage, rows and schemas (the state changed beneath the session). */
  dropCaches(): void
  /**
   * Parallel-executor hook: forgets only what the session cached of one value that changed
   * beneath it (`dropCaches` for a single account, code, storage slot, table or row list).
   */
  forget(value: CachedValue): void
  /** Transient Table/Entry/Condition objects registered so far in this block. */
  readonly transientObjects: number
  /** Gas used by the block's receipts so far. */
  readonly gasUsed: bigint
  /** The block's receipts, gas used and state root. */
  finish(): Promise<ExecutionResult>
}

/**
 * One value a `BlockSession` may cache (`forget`): an account, its code, one storage slot (hex
 * key), everything of an address, a table (schema and rows) or the rows of one key.
 */
export type CachedValue =
  | { readonly kind: 'account' | 'code' | 'address'; readonly address: string }
  | { readonly kind: 'storage'; readonly address: string; readonly slot: string }
  | { readonly kind: 'table'; readonly table: string }
  | { readonly kind: 'rows'; readonly table: string; readonly key: string }

/** A serial FISCO executor; `criticalKeys` gives the mutex keys a DAG scheduler needs. */
export interface SerialExecutor extends Executor {
  /** Opens `context`'s block on `state` for transaction-by-transaction execution. */
  openBlock(context: BlockContext, state: StateView): Promise<BlockSession>
  /**
   * The mutex keys of `tx` (FISCO `getTxCriticals`): a precompile's parallel tag, or for a
   * Solidity contract the first `criticalSize` arguments of a registered parallel function
   * followed by the contract address; `undefined` when the transaction must run alone.
   */
  criticalKeys(tx: SignedTransaction, tables: TableStore): Promise<readonly string[] | undefined>
}

const ZERO_ADDRESS = new Uint8Array(20)
const ZERO_HASH = new Uint8Array(32)

function isTableStore(value: unknown): value is TableStore {
  const v = value as Partial<TableStore>
  return typeof v.openTable === 'function' && typeof v.createTable === 'function'
}

/** Maps an EVM exception to a FISCO receipt status (libexecutive/Executive.cpp `go`). */
export function statusOfEVMError(error: EVMError | undefined): number {
  if (error === undefined) return TxStatus.None
  const m = EVMError.errorMessages
  // ethereumjs 10 traps a bad jump as "invalid JUMP at <location>": the only message with a suffix.
  if (error.error.startsWith(`${m.INVALID_JUMP} at `)) return TxStatus.BadJumpDestination
  switch (error.error) {
    case m.REVERT:
      return TxStatus.RevertInstruction
    case m.OUT_OF_GAS:
    case m.CODESTORE_OUT_OF_GAS:
    case m.CODESIZE_EXCEEDS_MAXIMUM:
    case m.INITCODE_SIZE_VIOLATION:
      return TxStatus.OutOfGas
    case m.STACK_UNDERFLOW:
      return TxStatus.StackUnderflow
    case m.STACK_OVERFLOW:
      return TxStatus.OutOfStack
    case m.INVALID_JUMP:
      return TxStatus.BadJumpDestination
    case m.INVALID_OPCODE:
    case m.STATIC_STATE_CHANGE:
    case m.INVALID_BYTECODE_RESULT:
    case m.INVALID_EOF_FORMAT:
      return TxStatus.BadInstruction
    case m.CREATE_COLLISION:
      return TxStatus.AddressAlreadyUsed
    case m.INSUFFICIENT_BALANCE:
      return TxStatus.NotEnoughCash
    default:
      return TxStatus.Unknown
  }
}

/**
 * Intrinsic gas (Yellow Paper G_transaction, G_txcreate, G_txdatazero, G_txdatanonzero as of
 * Istanbul/EIP-2028, and the EIP-3860 initcode word cost from Shanghai on).
 */
export const IntrinsicGas = {
  transaction: 21_000n,
  create: 32_000n,
  zeroByte: 4n,
  nonZeroByte: 16n,
  initCodeWord: 2n,
} as const

const ZERO_BYTE_GAS = Number(IntrinsicGas.zeroByte)
const NON_ZERO_BYTE_GAS = Number(IntrinsicGas.nonZeroByte)

function intrinsicGas(common: Common, data: Uint8Array, isCreate: boolean): bigint {
  let zeros = 0
  for (let i = 0; i < data.length; i++) if (data[i] === 0) zeros++
  // The byte costs in number arithmetic (exact: data is far below 2^48 bytes), one bigint.
  const bytesGas = ZERO_BYTE_GAS * zeros + NON_ZERO_BYTE_GAS * (data.length - zeros)
  let gas = IntrinsicGas.transaction + BigInt(bytesGas)
  if (isCreate) gas += IntrinsicGas.create
  if (isCreate && common.isActivatedEIP(3860))
    gas += IntrinsicGas.initCodeWord * BigInt(Math.ceil(data.length / 32))
  return gas
}

function validateContext(context: BlockContext): void {
  if (!Number.isSafeInteger(context.number) || context.number < 0) {
    throw executorError('INVALID_ARGUMENT', `expected a block number ≥ 0, got ${context.number}`)
  }
  if (context.parentHash.length !== 32) {
    throw executorError('INVALID_ARGUMENT', `expected 32-byte parent hash, got ${context.parentHash.length}`)
  }
  if (context.sealer.length !== 20)
    throw executorError('INVALID_ARGUMENT', `expected 20-byte sealer address, got ${context.sealer.length}`)
}

/**
 * Creates a serial executor with FISCO BCOS 2.x semantics: every transaction runs with
 * `tx_gas_limit` gas (from `_sys_config_`, default 300,000,000) minus its intrinsic gas,
 * there is no coin (values are ignored), account nonces count contract creations only,
 * precompiles write AMDB tables inside the EVM's savepoints, and receipts carry FISCO
 * status codes. Results depend only on the block context, the transactions and the state.
 */
export function createSerialExecutor(
  init: SerialExecutorInit,
  components: SerialExecutorComponents,
): SerialExecutor {
  if (components?.crypto === undefined)
    throw executorError('MISSING_COMPONENT', 'createSerialExecutor needs components.crypto')
  const crypto = components.crypto
  const sm = components.sm ?? (crypto.name === 'sm' ? crypto : undefined)
  const log = components.logger ?? silentLogger
  const hardfork = init.hardfork ?? 'cancun'
  const perTxRoot = (init.receiptStateRoot ?? 'zero') === 'per-transaction'
  const fastPath = init.precompiledFastPath ?? true
  const stateCacheEntriesMax = init.stateCacheEntriesMax ?? STATE_CACHE_ENTRIES_MAX
  const permissionSettings = init.permission === false ? undefined : (init.permission ?? {})
  if (permissionSettings !== undefined) checkPermissionSettings(permissionSettings)
  const permissionRegistrations: PrecompiledRegistration[] =
    permissionSettings === undefined
      ? []
      : [
          { address: numberToAddress(PrecompiledAddress.Permission), contract: permissionPrecompiled },
          {
            address: numberToAddress(PrecompiledAddress.ContractLifeCycle),
            contract: contractLifeCyclePrecompiled,
          },
          {
            address: numberToAddress(PrecompiledAddress.ChainGovernance),
            contract: chainGovernancePrecompiled,
          },
        ]
  const system = buildPrecompiledMap([...permissionRegistrations, ...(init.precompiles ?? [])])
  const objectsMax = init.transientObjectsMax ?? TRANSIENT_OBJECTS_MAX
  const cachedKeysMax = init.cachedTableKeysMax ?? OVERLAY_CACHED_KEYS_MAX
  const jumpAnalysesMax = init.jumpAnalysesMax ?? JUMP_ANALYSES_MAX
  if (!Number.isSafeInteger(jumpAnalysesMax) || jumpAnalysesMax < 0) {
    throw executorError('INVALID_ARGUMENT', `expected jumpAnalysesMax ≥ 0, got ${jumpAnalysesMax}`)
  }
  const params = {
    ...paramsEVM,
    170: { ...(paramsEVM[170] ?? {}), maxCodeSize: CODE_BYTES_MAX },
    3860: { ...(paramsEVM[3860] ?? {}), maxInitCodeSize: 2 * CODE_BYTES_MAX },
  }

  // One Common per block: every EVM subscribes to its Common's events, so a shared one would
  // keep each block's EVM alive. This one only answers which EIPs are active.
  const newCommon = () =>
    new FiscoCommon({ chain: Mainnet, hardfork, customCrypto: { keccak256: crypto.hash } })
  const common = newCommon()
  // Bloom hashes of addresses and topics never change: one cache for the executor's lifetime.
  const bloomHash = createBloomHasher(crypto.hash)
  const checksEIP2929 = common.isActivatedEIP(2929)
  const checksEIP3651 = common.isActivatedEIP(3651)
  const refundQuotient = common.isActivatedEIP(3529) ? 5n : 2n

  function tablesOf(state: StateView): TableStore {
    if (components.tables !== undefined) return components.tables(state)
    if (isTableStore(state)) return state
    const attached = (state as { tables?: unknown }).tables
    if (isTableStore(attached)) return attached
    throw executorError(
      'MISSING_COMPONENT',
      'no TableStore: pass components.tables or a StateView that is also a TableStore',
    )
  }

  /** Whether the account with lower-case hex address `addressHex` is frozen. */
  async function isFrozen(tables: TableOverlay, addressHex: string): Promise<boolean> {
    const name = `${CONTRACT_TABLE_PREFIX}${addressHex}`
    const known = tables.cachedInfo(name)
    if (known === null) return false
    const info = known ?? (await tables.tableInfo(name))
    if (info === undefined) return false
    const rows = await tables.select(name, 'frozen')
    return rows[0]?.[info.valueFields[0] ?? 'value'] === 'true'
  }

  async function execute(
    context: BlockContext,
    transactions: readonly SignedTransaction[],
    state: StateView,
  ): Promise<ExecutionResult> {
    validateContext(context)
    if (transactions.length > BLOCK_TRANSACTIONS_MAX) {
      throw executorError(
        'INVALID_ARGUMENT',
        `expected at most ${BLOCK_TRANSACTIONS_MAX} transactions, got ${transactions.length}`,
      )
    }
    const { session, step } = await openSession(context, state)
    // Waits only for the transactions that did: one on the synchronous path costs no promise.
    for (const tx of transactions) {
      const receipt = step(tx)
      if (receipt instanceof Promise) await receipt
    }
    return session.finish()
  }

  async function openBlock(context: BlockContext, state: StateView): Promise<BlockSession> {
    return (await openSession(context, state)).session
  }

  /**
   * `openBlock`, plus `step`: `executeTransaction` that returns the receipt itself when the
   * transaction ran without waiting (what `execute` uses).
   */
  async function openSession(
    context: BlockContext,
    state: StateView,
  ): Promise<{ session: BlockSession; step: (tx: SignedTransaction) => Receipt | Promise<Receipt> }> {
    validateContext(context)
    const tables = new TableOverlay(tablesOf(state), { cachedKeysMax, logger: log })
    const configured = await readSystemConfig(tables, SystemConfigKey.TxGasLimit, context.number)
    const txGasLimit = configured === undefined ? TX_GAS_LIMIT_DEFAULT : BigInt(configured)
    const objects = new TransientObjects(objectsMax)
    const adapter = new StateViewAdapter({
      state,
      tables,
      hash: crypto.hash,
      isPrecompiled: (hex) => system.has(hex) || objects.get(hex) !== undefined,
      cacheEntriesMax: stateCacheEntriesMax,
      ...(permissionSettings === undefined
        ? {}
        : { beforeStorageWrite: (address: Address) => evmOf().checkStorageWrite(address) }),
    })
    // The block's permission layer reads and writes through the overlay, so it sees the
    // block's earlier writes and its writes share the call frames' savepoints.
    const permission: Permission | undefined =
      permissionSettings === undefined
        ? undefined
        : createPermission({
            ...permissionSettings,
            tables: createPermissionTableStore(tables, {
              hasAccount: async (address) => (await adapter.accountOf(address)) !== undefined,
              hasAccountCached: (address) => {
                const account = adapter.accountOfCached(address)
                return account === undefined ? undefined : account !== null
              },
              codeOf: (address) => adapter.codeOf(address),
            }),
            blockNumber: context.number,
            logger: log,
          })
    const host: PrecompiledHost = {
      crypto,
      sm,
      tables,
      state,
      objects,
      system,
      blockNumber: context.number,
      logger: log,
      origin: ZERO_ADDRESS,
      topLevelFailure: undefined,
      permission,
      permissionDenial: undefined,
    }
    const blockchain: EVMMockBlockchainInterface = {
      async getBlock(n: number) {
        const hash =
          n === context.number - 1 ? context.parentHash : ((await components.blockHash?.(n)) ?? ZERO_HASH)
        return { hash: () => hash }
      },
      async putBlock() {},
      shallowCopy() {
        return blockchain
      },
    }
    // Created on the first transaction that needs it: a block of precompile calls runs without.
    let evmInstance: FiscoEVM | undefined
    let warmPrecompiles: readonly string[] = []
    const evmOf = (): FiscoEVM => {
      if (evmInstance === undefined) {
        evmInstance = new FiscoEVM(
          { common: newCommon(), stateManager: adapter, blockchain, params },
          host,
          jumpAnalysesMax,
        )
        warmPrecompiles = [...evmInstance.precompiles.keys()]
      }
      return evmInstance
    }
    const block = {
      header: {
        number: BigInt(context.number),
        coinbase: new EthAddress(context.sealer),
        // FISCO block timestamps, and so TIMESTAMP, are milliseconds.
        timestamp: BigInt(context.timestamp),
        difficulty: 0n,
        prevRandao: ZERO_HASH,
        gasLimit: context.gasLimit,
        baseFeePerGas: 0n,
        getBlobGasPrice: () => 0n,
      },
    }
    const blockNumber = BigInt(context.number)
    const blockLimitMax = BigInt(context.number + BLOCK_LIMIT_WINDOW)
    const sealerHex = bytesToHex(context.sealer)
    const receipts: Receipt[] = []
    let gasUsed = 0n
    // The hex of the last `to` address (a copy of its bytes: compared by content, never stale);
    // a block's transactions mostly go to a few addresses.
    let lastTo: Uint8Array | undefined
    let lastToHex = ''
    const recordOwn = (receipt: Receipt): Receipt => {
      gasUsed += receipt.gasUsed
      receipts.push(receipt)
      return receipt
    }
    const step = (tx: SignedTransaction): Receipt | Promise<Receipt> => {
      const receipt = executeOne(tx)
      return receipt instanceof Promise ? receipt.then(recordOwn) : recordOwn(receipt)
    }
    const session: BlockSession = {
      get transientObjects() {
        return objects.size
      },
      get gasUsed() {
        return gasUsed
      },
      async executeTransaction(tx: SignedTransaction) {
        return step(tx)
      },
      async record(external: Receipt) {
        return recordOwn(perTxRoot ? { ...external, stateRoot: await state.stateRoot() } : external)
      },
      recordCached(external: Receipt) {
        return perTxRoot ? undefined : recordOwn(external)
      },
      dropCaches() {
        tables.dropCache()
        adapter.clearCaches()
      },
      forget(value: CachedValue) {
        switch (value.kind) {
          case 'account':
          case 'code':
            adapter.forgetCached(value.address, value.kind)
            return
          case 'storage':
            adapter.forgetCached(value.address, { slot: value.slot })
            return
          case 'address':
            adapter.forgetCached(value.address, 'all')
            return
          case 'table':
            tables.forgetCached(value.table)
            return
          case 'rows':
            tables.forgetCached(value.table, value.key)
            return
        }
      },
      async finish() {
        return { receipts, gasUsed, stateRoot: await state.stateRoot() }
      },
    }
    return { session, step }

    function toHexOf(to: Address): string {
      if (lastTo !== undefined && bytesEqual(to, lastTo)) return lastToHex
      lastToHex = bytesToHex(to)
      lastTo = to.slice()
      return lastToHex
    }

    function onDenied(denial: PermissionDenial): void {
      host.permissionDenial ??= denial
    }

    async function rejected(status: number): Promise<Receipt> {
      return {
        stateRoot: perTxRoot ? await state.stateRoot() : ZERO_HASH,
        gasUsed: 0n,
        contractAddress: ZERO_ADDRESS,
        logsBloom: new Uint8Array(256),
        status,
        output: new Uint8Array(0),
        remainGas: 0n,
        logs: [],
      }
    }

    /**
     * A transaction's receipt. The common case of a FISCO-format call to a precompile, with
     * permissions enforced, runs without waiting when its checks and rows are in memory;
     * everything else (and any check that has to read) goes through `executeChecked`, which
     * makes the same checks in the same order.
     */
    function executeOne(signed: SignedTransaction): Receipt | Promise<Receipt> {
      const tx = signed.tx
      if (!fastPath || permission === undefined || tx.to === null || isEthTransaction(tx))
        return executeChecked(signed)
      const blockLimit = tx.blockLimit
      if (!(blockNumber < blockLimit && blockLimit <= blockLimitMax))
        return rejected(TxStatus.BlockLimitCheckFail)
      if (context.gasLimit > 0n && gasUsed >= context.gasLimit) return rejected(TxStatus.BlockGasLimitReached)
      const toHex = toHexOf(tx.to)
      const precompiled = system.get(toHex) ?? objects.get(toHex)
      if (precompiled === undefined) return executeChecked(signed)
      const verdict = permission.checkSenderCached(signed.sender)
      if (verdict === undefined) return executeChecked(signed)
      if (!verdict.allowed) return rejected(verdict.status)
      const base = intrinsicGas(common, tx.data, false)
      if (base > txGasLimit) return rejected(TxStatus.OutOfGasIntrinsic)
      return executePrecompiled(signed, tx.to, precompiled, base)
    }

    async function executeChecked(signed: SignedTransaction): Promise<Receipt> {
      const tx = signed.tx
      const blockLimit = tx.blockLimit
      // Ethereum-origin transactions: the sender's nonce instead of the blockLimit (eth-nonce.ts).
      const ethNonce = isEthTransaction(tx) ? await applyEthNonceRule(signed, adapter) : undefined
      if (ethNonce !== undefined) {
        if (ethNonce !== TxStatus.None) return rejected(ethNonce)
      } else if (!(blockNumber < blockLimit && blockLimit <= blockLimitMax)) {
        return rejected(TxStatus.BlockLimitCheckFail)
      }
      if (context.gasLimit > 0n && gasUsed >= context.gasLimit) return rejected(TxStatus.BlockGasLimitReached)
      const senderHex = bytesToHex(signed.sender)
      if (permission === undefined) {
        if (await isFrozen(tables, senderHex)) return rejected(TxStatus.AccountFrozen)
      } else {
        const verdict =
          permission.checkSenderCached(signed.sender) ?? (await permission.checkSender(signed.sender))
        if (!verdict.allowed) return rejected(verdict.status)
      }
      const isCreate = tx.to === null
      if (isCreate && permission !== undefined) {
        const verdict = await permission.checkDeploy(topLevelCaller(signed.sender), { nested: false })
        if (!verdict.allowed) return rejected(verdict.status)
      }
      const base = intrinsicGas(common, tx.data, isCreate)
      if (base > txGasLimit) return rejected(TxStatus.OutOfGasIntrinsic)
      const toHex = tx.to === null ? undefined : bytesToHex(tx.to)
      if (tx.to !== null && toHex !== undefined) {
        const precompiled = system.get(toHex) ?? objects.get(toHex)
        if (precompiled !== undefined && fastPath) return executePrecompiled(signed, tx.to, precompiled, base)
        if (precompiled === undefined && evmOf().getPrecompile(`0x${toHex}`) === undefined) {
          if (permission === undefined) {
            if (await isFrozen(tables, toHex)) return rejected(TxStatus.ContractFrozen)
          } else {
            const verdict =
              permission.checkContractCallCached(tx.to) ?? (await permission.checkContractCall(tx.to))
            if (!verdict.allowed) return rejected(verdict.status)
          }
          if ((await adapter.codeOf(tx.to)).length === 0) return rejected(TxStatus.CallAddressError)
        }
      }

      const evm = evmOf()
      host.origin = signed.sender
      host.topLevelFailure = undefined
      host.permissionDenial = undefined
      adapter.originalStorageCache.clear()
      const caller = new EthAddress(signed.sender)
      const to = tx.to === null ? undefined : new EthAddress(tx.to)
      if (checksEIP2929) {
        for (const hex of warmPrecompiles) evm.journal.addAlwaysWarmAddress(hex)
        evm.journal.addAlwaysWarmAddress(senderHex)
        if (toHex !== undefined) evm.journal.addAlwaysWarmAddress(toHex)
        if (checksEIP3651) evm.journal.addAlwaysWarmAddress(sealerHex)
      }
      let result: EVMResult
      try {
        result = await evm.runCall({
          block,
          caller,
          origin: caller,
          to,
          data: tx.data,
          value: 0n,
          gasLimit: txGasLimit - base,
          gasPrice: tx.gasPrice,
          // FISCO 2.x (≥ rc2) keeps no per-transaction nonce: only CREATE bumps it.
          skipNonceIncrement: tx.to !== null || ethNonce !== undefined,
          blobVersionedHashes: [],
        })
      } finally {
        await evm.journal.cleanup()
      }
      if (!tables.flushCached()) await tables.flush()
      const created =
        isCreate && result.createdAddress !== undefined ? result.createdAddress.bytes : undefined
      return receiptOf(result.execResult, base, created)
    }

    /**
     * A transaction sent to a precompile, run without the EVM: the same savepoint, gas limit,
     * call context and frame result as `runCall` gives a depth-0 call to a precompile (which
     * reads the caller and callee accounts, moves no value and bumps no nonce).
     */
    function executePrecompiled(
      signed: SignedTransaction,
      to: Address,
      contract: PrecompiledContract,
      base: bigint,
    ): Receipt | Promise<Receipt> {
      const gasLimit = txGasLimit - base
      host.topLevelFailure = undefined
      host.permissionDenial = undefined
      tables.checkpoint()
      // One object literal for both cases (a conditional spread would make a dictionary object);
      // `permission` is undefined when permissions are off.
      const ctx: PrecompiledCallContext = {
        origin: signed.sender,
        sender: signed.sender,
        address: to,
        blockNumber: context.number,
        isStatic: false,
        tables:
          permission === undefined
            ? tables
            : new GuardedTables(tables, permission, topLevelCaller(signed.sender), onDenied),
        permission,
        state,
        crypto,
        sm,
        objects,
        gas: new PrecompiledGasMeter(),
        logger: log,
      }
      // Without waiting when the precompile answers from tables in memory.
      let first: PrecompiledOutcome | Promise<PrecompiledOutcome>
      try {
        first = runPrecompiledFirst(contract, signed.tx.data, ctx, gasLimit)
      } catch (err) {
        tables.revert()
        throw err
      }
      if (first instanceof Promise) {
        return first.then(
          (outcome) => settlePrecompiled(outcome, contract, gasLimit, base),
          (err) => {
            tables.revert()
            throw err
          },
        )
      }
      return settlePrecompiled(first, contract, gasLimit, base)
    }

    /** Closes the savepoint of a precompiled transaction, replays its writes, gives its receipt. */
    function settlePrecompiled(
      outcome: PrecompiledOutcome,
      contract: PrecompiledContract,
      gasLimit: bigint,
      base: bigint,
    ): Receipt | Promise<Receipt> {
      if (outcome.kind === 'ok') tables.commit()
      else tables.revert()
      if (outcome.kind === 'failed') {
        log.debug('precompiled call failed', {
          contract: contract.name,
          code: outcome.code,
          reason: outcome.message,
        })
        host.topLevelFailure = { code: outcome.code, message: outcome.message }
      }
      if (!tables.flushCached())
        return tables.flush().then(() => receiptOf(precompiledExecResult(outcome, gasLimit), base, undefined))
      return receiptOf(precompiledExecResult(outcome, gasLimit), base, undefined)
    }

    function receiptOf(
      exec: ExecResult,
      base: bigint,
      createdAddress: Address | undefined,
    ): Receipt | Promise<Receipt> {
      const denial = host.permissionDenial
      if (denial !== undefined) return deniedReceipt(denial, base + exec.executionGasUsed)
      let status = statusOfEVMError(exec.exceptionError)
      if (host.topLevelFailure !== undefined && status === TxStatus.RevertInstruction)
        status = TxStatus.PrecompiledError
      let used = base + exec.executionGasUsed
      if (status === TxStatus.None) {
        const refund = exec.gasRefund ?? 0n
        // No refund (every precompiled call): nothing to subtract, no bigint division.
        if (refund !== 0n) used -= refund < used / refundQuotient ? refund : used / refundQuotient
      }
      const logs: Log[] = []
      if (status === TxStatus.None && exec.logs !== undefined) {
        for (const [address, topics, data] of exec.logs) logs.push({ address, topics, data })
      }
      const contract =
        status === TxStatus.None && createdAddress !== undefined ? createdAddress : ZERO_ADDRESS
      const receipt: Receipt = {
        stateRoot: ZERO_HASH,
        gasUsed: used,
        contractAddress: contract,
        logsBloom: logsBloom(logs, bloomHash),
        status,
        output: exec.returnValue,
        remainGas: txGasLimit - used,
        logs,
      }
      if (!perTxRoot) return receipt
      return state.stateRoot().then((stateRoot) => ({ ...receipt, stateRoot }))
    }

    /**
     * The receipt of a transaction the permission layer refused while it ran: the denial's
     * status (25 PermissionDenied, 30 ContractFrozen), its FISCO code as output, the gas the
     * execution used, no logs; its writes were reverted.
     */
    function deniedReceipt(denial: PermissionDenial, used: bigint): Receipt | Promise<Receipt> {
      const receipt: Receipt = {
        stateRoot: ZERO_HASH,
        gasUsed: used,
        contractAddress: ZERO_ADDRESS,
        logsBloom: new Uint8Array(256),
        status: denial.status,
        output: encodeCode(denial.code),
        remainGas: txGasLimit - used,
        logs: [],
      }
      if (!perTxRoot) return receipt
      return state.stateRoot().then((stateRoot) => ({ ...receipt, stateRoot }))
    }
  }

  async function criticalKeys(
    signed: SignedTransaction,
    store: TableStore,
  ): Promise<readonly string[] | undefined> {
    const tx = signed.tx
    if (tx.to === null || tx.format === 'eth') return undefined
    const hex = bytesToHex(tx.to)
    const precompiled = system.get(hex)
    if (precompiled !== undefined) return precompiledParallelTag(precompiled, tx.data, crypto)
    const selector = selectorOfCallData(tx.data)
    if (selector === undefined) return undefined
    const registered = await readParallelFunction(new TableOverlay(store, { logger: log }), tx.to, selector)
    if (registered === undefined) return undefined
    let args: readonly unknown[]
    try {
      const sig = parseSignature(registered.functionName)
      args = decodeValues(sig.inputs, tx.data.subarray(4))
    } catch {
      return undefined
    }
    if (registered.criticalSize > args.length) return undefined
    return args.slice(0, registered.criticalSize).map((a) => `${criticalText(a)}${hex}`)
  }

  return { execute, openBlock, criticalKeys }
}

function criticalText(value: unknown): string {
  if (typeof value === 'string')
    return value.startsWith('0x') && value.length === 42 ? value.slice(2).toLowerCase() : value
  return String(value)
}
