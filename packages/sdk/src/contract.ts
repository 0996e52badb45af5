import type { Hex } from '@consortia/interface'
import type {
  Abi,
  ContractConstructorArgs,
  ContractFunctionArgs,
  ContractFunctionName,
  ContractFunctionReturnType,
} from 'viem'
import type { DecodedLog } from './abi.js'
import type { Client, SendOptions } from './client.js'
import { invalidInput, sdkError, txStatusName } from './errors.js'
import { type WatchEventsOptions, watchEvents } from './events.js'
import { toAddress } from './hex.js'
import type { TransactionReceipt } from './receipt.js'

type ReadMutability = 'pure' | 'view'
type WriteMutability = 'nonpayable' | 'payable'

/** Result of `contract.write`: the receipt, the function's decoded return value and decoded events. */
export interface WriteResult<T> {
  readonly receipt: TransactionReceipt
  readonly txHash: Hex
  /** Decoded from the receipt's `output` (FISCO receipts carry the return data). */
  readonly result: T
  readonly events: readonly DecodedLog[]
}

/**
 * A deployed contract bound to an ABI. With an `as const` ABI, function names, arguments and
 * results are typed (viem's ABI types); with a plain `Abi` they are `string` / `unknown`.
 */
export interface Contract<abi extends Abi> {
  readonly address: Hex
  readonly abi: abi
  /** Read-only call through `call`; rejects with `SDK_CALL_FAILED` (status + revert reason). */
  read<name extends ContractFunctionName<abi, ReadMutability>>(
    functionName: name,
    args?: ContractFunctionArgs<abi, ReadMutability, name>,
    options?: { from?: string },
  ): Promise<ContractFunctionReturnType<abi, ReadMutability, name>>
  /** A signed transaction; waits for the receipt and rejects with `SDK_TX_FAILED` unless status 0. */
  write<name extends ContractFunctionName<abi, WriteMutability>>(
    functionName: name,
    args?: ContractFunctionArgs<abi, WriteMutability, name>,
    options?: SendOptions,
  ): Promise<WriteResult<ContractFunctionReturnType<abi, WriteMutability, name>>>
  /** The logs of a receipt that this contract emitted, decoded with its ABI. */
  decodeEvents(receipt: TransactionReceipt): DecodedLog[]
  /** Subscribes to this contract's events (see `watchEvents`). */
  watchEvents(options: Omit<WatchEventsOptions, 'address' | 'abi'>): () => void
}

/**
 * Binds an ABI to an address.
 *
 * @example
 * ```ts
 * const counter = getContract(client, { abi: counterAbi, address })
 * await counter.write('inc', [5n])
 * await counter.read('value') // bigint, typed from the `as const` ABI
 * ```
 */
export function getContract<const abi extends Abi>(
  client: Client,
  params: { abi: abi; address: string },
): Contract<abi> {
  const address = toAddress(params.address)
  const abi = params.abi
  const decodeEvents = (receipt: TransactionReceipt): DecodedLog[] => {
    const out: DecodedLog[] = []
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== address) continue
      const decoded = client.abi.decodeEventLog(abi, log)
      if (decoded !== undefined) out.push(decoded)
    }
    return out
  }
  return {
    address,
    abi,
    async read(functionName, args, options) {
      const list = (args ?? []) as readonly unknown[]
      const data = client.abi.encodeFunctionData(abi, functionName, list)
      const r = await client.call({
        to: address,
        data,
        ...(options?.from !== undefined ? { from: options.from } : {}),
      })
      if (r.status !== 0) {
        const revert = client.decodeRevert(r.output, abi)
        throw sdkError(
          {
            code: 'SDK_CALL_FAILED',
            status: r.status,
            statusName: txStatusName(r.status),
            ...(revert !== undefined ? { revertReason: revert.reason } : {}),
            ...(revert?.kind === 'panic' ? { panicCode: revert.code } : {}),
          },
          `call ${functionName} failed: ${txStatusName(r.status)} (status ${r.status})${revert !== undefined ? `: ${revert.reason}` : ''}`,
        )
      }
      return client.abi.decodeFunctionResult(abi, functionName, r.output, list) as never
    },
    async write(functionName, args, options) {
      const list = (args ?? []) as readonly unknown[]
      const data = client.abi.encodeFunctionData(abi, functionName, list)
      const receipt = await client.transact({ to: address, data, abi, ...options })
      const result = (
        receipt.output === '0x'
          ? undefined
          : client.abi.decodeFunctionResult(abi, functionName, receipt.output, list)
      ) as never
      return { receipt, txHash: receipt.transactionHash, result, events: decodeEvents(receipt) }
    },
    decodeEvents,
    watchEvents: (options) => watchEvents(client, { ...options, address, abi }),
  }
}

/** Options of `deploy`. */
export interface DeployParams<abi extends Abi> extends SendOptions {
  readonly abi: abi
  /** Creation bytecode (hex, `0x` optional), e.g. solc's `evm.bytecode.object`. */
  readonly bytecode: string
  /** Constructor arguments, typed from an `as const` ABI. */
  readonly args?: ContractConstructorArgs<abi>
}

/** Result of `deploy`. */
export interface DeployResult<abi extends Abi> {
  readonly address: Hex
  readonly receipt: TransactionReceipt
  readonly contract: Contract<abi>
}

/**
 * Deploys a contract: signs a creation transaction, waits for the receipt, and binds the ABI to
 * the new address. Rejects with `SDK_TX_FAILED` (status, revert reason) when the deploy fails.
 */
export async function deploy<const abi extends Abi>(
  client: Client,
  params: DeployParams<abi>,
): Promise<DeployResult<abi>> {
  const data = client.abi.encodeDeployData(
    params.abi,
    params.bytecode,
    (params.args ?? []) as readonly unknown[],
  )
  const { abi, bytecode: _b, args: _a, ...send } = params
  const receipt = await client.transact({ to: null, data, abi, ...send })
  if (receipt.contractAddress === null) {
    throw invalidInput('deploy receipt', 'a contractAddress', 'none')
  }
  return {
    address: receipt.contractAddress,
    receipt,
    contract: getContract(client, { abi, address: receipt.contractAddress }),
  }
}
