import { type CryptoSuite, type Hex, type Logger, silentLogger, TxStatus } from '@consortia/interface'
import type { UnsignedTransaction } from '@consortia/protocol'
import type { Abi } from 'viem'
import { type AbiCodec, createAbiCodec, type RevertInfo } from './abi.js'
import { type Account, resolveSuite, type SuiteLike } from './account.js'
import {
  describe,
  invalidInput,
  isSDKError,
  type SDKError,
  sdkError,
  statusFromMessage,
  txStatusName,
} from './errors.js'
import { bytesToHex, hexToBytes, parseNumber, stripHexPrefix, toAddress } from './hex.js'
import { parseReceipt, type TransactionReceipt } from './receipt.js'
import type { ChannelTransport } from './transport/channel.js'
import type { RequestOptions, Transport } from './transport/types.js'
import { createTransactionFields, encodeSignedTransaction, transactionSigningHash } from './tx.js'

/** Options of `createClient`. */
export interface ClientInit {
  readonly transport: Transport
  /** The chain's suite (`ecdsa` or `sm`); defaults to the account's, else `ecdsa`. */
  readonly suite?: SuiteLike
  /** Default signer of transactions. */
  readonly account?: Account
  /** Target group. Default 1. */
  readonly groupId?: number
  /** The chain id (`[chain] id`). Default 1. */
  readonly chainId?: number | bigint
  /** `blockLimit = height + blockLimitOffset`; must stay ≤ 1000. Default 500 (as the Java SDK). */
  readonly blockLimitOffset?: number
  /** How long a fetched height is reused for blockLimit. Default 1,000 ms. */
  readonly blockLimitTtlMs?: number
  /** Default gas of a transaction (must be ≤ `tx_gas_limit`). Default 30,000,000. */
  readonly gas?: bigint
  /** Receipt wait limit. Default 30,000 ms. */
  readonly receiptTimeoutMs?: number
  /** Receipt polling period over HTTP. Default 500 ms. */
  readonly pollIntervalMs?: number
  readonly logger?: Logger
}

/** Fields of a transaction to build; omitted fields get defaults (random nonce, fresh blockLimit). */
export interface TransactionRequest {
  /** Recipient; omit or `null` to deploy. */
  readonly to?: string | null
  /** Call data or init code (hex). */
  readonly data: string
  readonly gas?: bigint
  readonly gasPrice?: bigint
  readonly value?: bigint
  /** Fixed nonce (tests, fixtures); default 16 random bytes. */
  readonly nonce?: bigint
  /** Fixed blockLimit; default the chain height + `blockLimitOffset`. */
  readonly blockLimit?: bigint
  /** Default empty. */
  readonly extraData?: string
  /** Signer; default the client's account. */
  readonly account?: Account
}

/** A signed transaction ready to send. */
export interface SignedTx {
  readonly raw: Hex
  readonly txHash: Hex
  readonly fields: UnsignedTransaction
}

/** A sent transaction. */
export interface PendingTransaction {
  readonly txHash: Hex
  /** Resolves with the receipt (any status); rejects with `SDK_RECEIPT_TIMEOUT`. */
  wait(options?: { timeoutMs?: number }): Promise<TransactionReceipt>
}

/** Result of a read-only `call`. */
export interface CallResult {
  readonly output: Hex
  readonly status: number
  readonly currentBlockNumber: number
}

/** Options of `transact`/`deploy`/`contract.write`. */
export interface SendOptions {
  readonly account?: Account
  readonly gas?: bigint
  readonly timeoutMs?: number
  /** ABI used to decode custom errors in revert output. */
  readonly abi?: Abi
}

/** Status codes after which a transaction is rebuilt with a fresh blockLimit and nonce, once. */
const RETRY_STATUSES: ReadonlySet<number> = new Set([TxStatus.BlockLimitCheckFail])

/**
 * A client for one group of a FISCO BCOS 2.x / Consortia chain. See `createClient`.
 */
export interface Client {
  readonly transport: Transport
  readonly suite: CryptoSuite
  readonly abi: AbiCodec
  readonly groupId: number
  readonly chainId: bigint
  readonly account: Account | undefined
  /** Any JSON-RPC method; group-scoped methods need the group as first param. */
  rpc(method: string, params?: readonly unknown[], options?: RequestOptions): Promise<unknown>
  getClientVersion(): Promise<Record<string, string>>
  getBlockNumber(): Promise<number>
  getPbftView(): Promise<number>
  getSealerList(): Promise<string[]>
  getObserverList(): Promise<string[]>
  getConsensusStatus(): Promise<unknown>
  getSyncStatus(): Promise<unknown>
  getPeers(): Promise<unknown[]>
  getGroupPeers(): Promise<string[]>
  getNodeIdList(): Promise<string[]>
  getGroupList(): Promise<number[]>
  getBlockByNumber(blockNumber: number, includeTransactions?: boolean): Promise<Record<string, unknown>>
  getBlockByHash(blockHash: string, includeTransactions?: boolean): Promise<Record<string, unknown>>
  getBlockHashByNumber(blockNumber: number): Promise<Hex>
  getTransactionByHash(txHash: string): Promise<Record<string, unknown> | null>
  /** `null` until committed. */
  getTransactionReceipt(txHash: string): Promise<TransactionReceipt | null>
  getPendingTxSize(): Promise<number>
  getCode(address: string): Promise<Hex>
  getTotalTransactionCount(): Promise<{ blockNumber: number; txSum: number; failedTxSum: number }>
  getSystemConfigByKey(key: string): Promise<string>
  /** Read-only execution; `from` defaults to the account (or the zero address). */
  call(request: { to: string; data: string; from?: string }): Promise<CallResult>
  /** The blockLimit the next transaction gets (height cached for `blockLimitTtlMs`). */
  blockLimit(options?: { refresh?: boolean }): Promise<bigint>
  /** Builds and signs a transaction (RC2 layout). */
  signTransaction(request: TransactionRequest): Promise<SignedTx>
  /** Sends signed bytes; rejects with `SDK_TX_REJECTED` (FISCO status) when admission fails. */
  sendRawTransaction(raw: string): Promise<PendingTransaction>
  /** Build, sign, send. Refreshes blockLimit and retries once on BlockLimitCheckFail. */
  sendTransaction(request: TransactionRequest): Promise<PendingTransaction>
  /** Polls (HTTP) or awaits the push (channel) until the receipt exists; `SDK_RECEIPT_TIMEOUT` after `timeoutMs`. */
  waitForReceipt(
    txHash: string,
    options?: { timeoutMs?: number; pollIntervalMs?: number },
  ): Promise<TransactionReceipt>
  /** Send and wait; rejects with `SDK_TX_FAILED` (status and revert reason) unless status is 0. */
  transact(request: TransactionRequest & SendOptions): Promise<TransactionReceipt>
  /** Throws `SDK_TX_FAILED` for a receipt whose status is not 0. */
  assertSuccess(receipt: TransactionReceipt, abi?: Abi): TransactionReceipt
  /** Decodes revert output with this chain's selectors. */
  decodeRevert(output: string, abi?: Abi): RevertInfo | undefined
  /** Closes the transport. */
  close(): Promise<void>
}

function isChannel(t: Transport): t is ChannelTransport {
  return t.kind === 'channel' && typeof (t as ChannelTransport).sendRawTransaction === 'function'
}

/**
 * Creates a client.
 *
 * @example
 * ```ts
 * const client = createClient({
 *   transport: createHttpTransport({ url: 'http://127.0.0.1:8545' }),
 *   account: createAccount('ecdsa'),
 * })
 * await client.getBlockNumber()
 * ```
 */
export function createClient(init: ClientInit): Client {
  const suite = resolveSuite(init.suite ?? init.account?.suite ?? 'ecdsa')
  if (init.account !== undefined && init.account.suite.name !== suite.name) {
    throw invalidInput('account', `a ${suite.name} account`, `a ${init.account.suite.name} account`)
  }
  const groupId = init.groupId ?? 1
  if (!Number.isInteger(groupId) || groupId < 1 || groupId > 32767)
    throw invalidInput('groupId', 'an integer in 1..32767', String(groupId))
  const chainId = BigInt(init.chainId ?? 1)
  const offset = init.blockLimitOffset ?? 500
  if (!Number.isInteger(offset) || offset < 1 || offset > 1000)
    throw invalidInput('blockLimitOffset', 'an integer in 1..1000', String(offset))
  const ttlMs = init.blockLimitTtlMs ?? 1000
  const defaultGas = init.gas ?? 30_000_000n
  const receiptTimeoutMs = init.receiptTimeoutMs ?? 30_000
  const pollIntervalMs = init.pollIntervalMs ?? 500
  const log = (init.logger ?? silentLogger).child({ component: 'sdk-client', groupId })
  const transport = init.transport
  const codec = createAbiCodec(suite)
  let heightCache: { height: number; at: number } | undefined
  const pushedReceipts = new Map<string, Promise<unknown>>()

  const rpc = (method: string, params: readonly unknown[] = [], options?: RequestOptions) =>
    transport.request(method, params, options)
  const g = (method: string, ...rest: unknown[]) => rpc(method, [groupId, ...rest])

  async function getBlockNumber(): Promise<number> {
    const height = parseNumber(await g('getBlockNumber'), 'getBlockNumber result')
    heightCache = { height, at: Date.now() }
    return height
  }

  async function blockLimit(options?: { refresh?: boolean }): Promise<bigint> {
    if (options?.refresh === true || heightCache === undefined || Date.now() - heightCache.at > ttlMs)
      await getBlockNumber()
    return BigInt((heightCache as { height: number }).height + offset)
  }

  function needAccount(account: Account | undefined, operation: string): Account {
    const a = account ?? init.account
    if (a === undefined)
      throw sdkError(
        { code: 'SDK_NO_ACCOUNT', operation },
        `${operation} needs an account: pass one to createClient or to the call`,
      )
    if (a.suite.name !== suite.name)
      throw invalidInput('account', `a ${suite.name} account`, `a ${a.suite.name} account`)
    return a
  }

  async function signTransaction(request: TransactionRequest): Promise<SignedTx> {
    const account = needAccount(request.account, 'signTransaction')
    const fields = createTransactionFields({
      ...request,
      gas: request.gas ?? defaultGas,
      blockLimit: request.blockLimit ?? (await blockLimit()),
      chainId,
      groupId: BigInt(groupId),
    })
    const signed = encodeSignedTransaction(fields, account.sign(transactionSigningHash(fields, suite)), suite)
    return { raw: signed.raw, txHash: signed.txHash, fields }
  }

  function rejection(err: unknown): SDKError | undefined {
    if (!isSDKError(err, 'SDK_RPC_ERROR')) return undefined
    const data = err.type.data as { status?: unknown } | undefined
    const status = typeof data?.status === 'number' ? data.status : statusFromMessage(err.type.rpcMessage)
    if (status === undefined) return undefined
    return sdkError(
      { code: 'SDK_TX_REJECTED', status, statusName: txStatusName(status), rpcMessage: err.type.rpcMessage },
      `transaction refused by the node: ${txStatusName(status)} (status ${status}): ${err.type.rpcMessage}`,
      err,
    )
  }

  async function sendRawTransaction(raw: string): Promise<PendingTransaction> {
    const rawHex = bytesToHex(hexToBytes(raw, 'raw'))
    let txHash: Hex
    try {
      if (isChannel(transport)) {
        const sent = await transport.sendRawTransaction(groupId, rawHex)
        txHash = bytesToHex(hexToBytes(sent.txHash, 'sendRawTransaction result', 32))
        pushedReceipts.set(txHash, sent.receipt)
        sent.receipt
          .finally(() => setTimeout(() => pushedReceipts.delete(txHash), 60_000).unref())
          .catch(() => {})
      } else {
        txHash = bytesToHex(
          hexToBytes(String(await g('sendRawTransaction', rawHex)), 'sendRawTransaction result', 32),
        )
      }
    } catch (err) {
      throw rejection(err) ?? err
    }
    return { txHash, wait: (options) => waitForReceipt(txHash, options ?? {}) }
  }

  async function sendTransaction(request: TransactionRequest): Promise<PendingTransaction> {
    for (let attempt = 0; ; attempt++) {
      const signed = await signTransaction(request)
      try {
        return await sendRawTransaction(signed.raw)
      } catch (err) {
        if (
          attempt === 0 &&
          request.blockLimit === undefined &&
          isSDKError(err, 'SDK_TX_REJECTED') &&
          RETRY_STATUSES.has(err.type.status)
        ) {
          log.info('stale blockLimit, refreshing', { blockLimit: signed.fields.blockLimit.toString() })
          await blockLimit({ refresh: true })
          continue
        }
        throw err
      }
    }
  }

  async function waitForReceipt(
    txHash: string,
    options: { timeoutMs?: number; pollIntervalMs?: number } = {},
  ): Promise<TransactionReceipt> {
    const hash = bytesToHex(hexToBytes(txHash, 'txHash', 32))
    const timeoutMs = options.timeoutMs ?? receiptTimeoutMs
    const every = options.pollIntervalMs ?? pollIntervalMs
    const deadline = Date.now() + timeoutMs
    let done = false
    const pushed = pushedReceipts.get(hash)
    const fromPush = pushed?.then((json) => parseReceipt(json))
    const fromPoll = (async () => {
      // With a receipt push on the way, polling is only the fallback: start it one period later.
      if (pushed !== undefined) await sleep(Math.min(every, timeoutMs))
      while (!done) {
        try {
          const receipt = await getTransactionReceipt(hash)
          if (receipt !== null) return receipt
        } catch (err) {
          log.debug('receipt poll failed', { txHash: hash, reason: (err as Error).message })
        }
        const wait = Math.min(every, deadline - Date.now())
        if (wait <= 0) break
        await sleep(wait)
      }
      return new Promise<TransactionReceipt>(() => {})
    })()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            sdkError(
              { code: 'SDK_RECEIPT_TIMEOUT', txHash: hash, timeoutMs },
              `no receipt for ${hash} within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      )
    })
    try {
      return await Promise.race([
        fromPoll,
        timeout,
        ...(fromPush !== undefined ? [fromPush.catch(() => new Promise<never>(() => {}))] : []),
      ])
    } finally {
      done = true
      clearTimeout(timer)
    }
  }

  async function getTransactionReceipt(txHash: string): Promise<TransactionReceipt | null> {
    const json = await g('getTransactionReceipt', bytesToHex(hexToBytes(txHash, 'txHash', 32)))
    return json === null || json === undefined ? null : parseReceipt(json)
  }

  function decodeRevert(output: string, abi?: Abi): RevertInfo | undefined {
    try {
      return codec.decodeRevert(output, abi)
    } catch {
      return undefined
    }
  }

  function assertSuccess(receipt: TransactionReceipt, abi?: Abi): TransactionReceipt {
    if (receipt.status === 0) return receipt
    const revert = decodeRevert(receipt.output, abi)
    throw sdkError(
      {
        code: 'SDK_TX_FAILED',
        status: receipt.status,
        statusName: receipt.statusName,
        txHash: receipt.transactionHash,
        blockNumber: receipt.blockNumber,
        ...(revert !== undefined ? { revertReason: revert.reason } : {}),
        ...(revert?.kind === 'panic' ? { panicCode: revert.code } : {}),
      },
      `transaction ${receipt.transactionHash} failed: ${receipt.statusName} (status ${receipt.status})${revert !== undefined ? `: ${revert.reason}` : ''}`,
    )
  }

  const client: Client = {
    transport,
    suite,
    abi: codec,
    groupId,
    chainId,
    account: init.account,
    rpc,
    getClientVersion: async () => (await rpc('getClientVersion', [groupId])) as Record<string, string>,
    getBlockNumber,
    getPbftView: async () => parseNumber(await g('getPbftView'), 'getPbftView result'),
    getSealerList: async () => ((await g('getSealerList')) as string[]).map(stripHexPrefix),
    getObserverList: async () => ((await g('getObserverList')) as string[]).map(stripHexPrefix),
    getConsensusStatus: () => g('getConsensusStatus'),
    getSyncStatus: () => g('getSyncStatus'),
    getPeers: async () => (await g('getPeers')) as unknown[],
    getGroupPeers: async () => ((await g('getGroupPeers')) as string[]).map(stripHexPrefix),
    getNodeIdList: async () => ((await g('getNodeIDList')) as string[]).map(stripHexPrefix),
    getGroupList: async () =>
      ((await rpc('getGroupList', [])) as unknown[]).map((x) => parseNumber(x, 'group id')),
    getBlockByNumber: async (n, includeTransactions = false) =>
      (await g('getBlockByNumber', `0x${checkHeight(n).toString(16)}`, includeTransactions)) as Record<
        string,
        unknown
      >,
    getBlockByHash: async (hash, includeTransactions = false) =>
      (await g(
        'getBlockByHash',
        bytesToHex(hexToBytes(hash, 'blockHash', 32)),
        includeTransactions,
      )) as Record<string, unknown>,
    getBlockHashByNumber: async (n) =>
      bytesToHex(
        hexToBytes(
          String(await g('getBlockHashByNumber', `0x${checkHeight(n).toString(16)}`)),
          'block hash',
          32,
        ),
      ),
    getTransactionByHash: async (hash) =>
      (await g('getTransactionByHash', bytesToHex(hexToBytes(hash, 'txHash', 32)))) as Record<
        string,
        unknown
      > | null,
    getTransactionReceipt,
    getPendingTxSize: async () => parseNumber(await g('getPendingTxSize'), 'getPendingTxSize result'),
    getCode: async (address) =>
      bytesToHex(hexToBytes(String(await g('getCode', toAddress(address))), 'code')),
    getTotalTransactionCount: async () => {
      const r = (await g('getTotalTransactionCount')) as Record<string, unknown>
      return {
        blockNumber: parseNumber(r.blockNumber, 'blockNumber'),
        txSum: parseNumber(r.txSum, 'txSum'),
        failedTxSum: parseNumber(r.failedTxSum ?? '0x0', 'failedTxSum'),
      }
    },
    getSystemConfigByKey: async (key) => String(await g('getSystemConfigByKey', key)),
    async call(request) {
      const from = request.from ?? init.account?.address ?? `0x${'0'.repeat(40)}`
      const r = (await g('call', {
        from: toAddress(from, 'from'),
        to: toAddress(request.to, 'to'),
        value: '0x0',
        data: bytesToHex(hexToBytes(request.data, 'data')),
      })) as Record<string, unknown>
      if (typeof r !== 'object' || r === null) throw invalidInput('call result', 'an object', describe(r))
      return {
        output: bytesToHex(hexToBytes(String(r.output ?? '0x'), 'call output')),
        status: parseNumber(r.status ?? '0x0', 'call status'),
        currentBlockNumber: parseNumber(r.currentBlockNumber ?? '0x0', 'currentBlockNumber'),
      }
    },
    blockLimit,
    signTransaction,
    sendRawTransaction,
    sendTransaction,
    waitForReceipt,
    async transact(request) {
      for (let attempt = 0; ; attempt++) {
        const pending = await sendTransaction(request)
        const receipt = await pending.wait(
          request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {},
        )
        // Channel v3 reports admission failures as receipts: refresh and retry once there too.
        if (attempt === 0 && request.blockLimit === undefined && RETRY_STATUSES.has(receipt.status)) {
          await blockLimit({ refresh: true })
          continue
        }
        return assertSuccess(receipt, request.abi)
      }
    },
    assertSuccess,
    decodeRevert,
    close: () => transport.close(),
  }
  return client
}

function checkHeight(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0)
    throw invalidInput('blockNumber', 'a non-negative integer', String(n))
  return n
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
