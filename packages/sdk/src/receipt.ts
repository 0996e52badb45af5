import type { Hex } from '@consortia/interface'
import type { RawLog } from './abi.js'
import { invalidInput, txStatusName } from './errors.js'
import { bytesToHex, hexToBytes, parseNumber, parseQuantity } from './hex.js'

/** A receipt as the SDK returns it: FISCO's JSON receipt with typed fields. */
export interface TransactionReceipt {
  readonly transactionHash: Hex
  readonly blockNumber: number
  readonly blockHash: Hex
  readonly transactionIndex: number
  readonly from: Hex | null
  /** `null` for a deploy. */
  readonly to: Hex | null
  /** The created contract, `null` when none (FISCO sends the zero address). */
  readonly contractAddress: Hex | null
  /** FISCO status (0 = success; interop.md §2.4). */
  readonly status: number
  /** FISCO status name, e.g. `RevertInstruction`. */
  readonly statusName: string
  /** Return data of the call, or revert data. */
  readonly output: Hex
  readonly gasUsed: bigint
  readonly logs: readonly RawLog[]
  /** The JSON exactly as the node sent it. */
  readonly raw: Readonly<Record<string, unknown>>
}

const ZERO_ADDRESS = `0x${'0'.repeat(40)}`

function optionalAddress(value: unknown, field: string): Hex | null {
  if (value === null || value === undefined || value === '' || value === '0x') return null
  const hex = bytesToHex(hexToBytes(String(value), field, 20))
  return hex === ZERO_ADDRESS ? null : hex
}

function hexField(value: unknown, field: string): Hex {
  if (value === undefined || value === null || value === '') return '0x'
  return bytesToHex(hexToBytes(String(value), field))
}

/** Parses a FISCO receipt JSON (from `getTransactionReceipt` or a channel `0x1000` push). */
export function parseReceipt(json: unknown): TransactionReceipt {
  if (typeof json !== 'object' || json === null)
    throw invalidInput('receipt', 'a receipt object', typeof json)
  const r = json as Record<string, unknown>
  const status = parseNumber(r.status ?? '0x0', 'receipt.status')
  const logs = Array.isArray(r.logs) ? r.logs : []
  return {
    transactionHash: bytesToHex(hexToBytes(String(r.transactionHash), 'receipt.transactionHash', 32)),
    blockNumber: parseNumber(r.blockNumber, 'receipt.blockNumber'),
    blockHash: hexField(r.blockHash, 'receipt.blockHash'),
    transactionIndex:
      r.transactionIndex === undefined ? 0 : parseNumber(r.transactionIndex, 'receipt.transactionIndex'),
    from: optionalAddress(r.from, 'receipt.from'),
    to: optionalAddress(r.to, 'receipt.to'),
    contractAddress: optionalAddress(r.contractAddress, 'receipt.contractAddress'),
    status,
    statusName: txStatusName(status),
    output: hexField(r.output, 'receipt.output'),
    gasUsed: r.gasUsed === undefined ? 0n : parseQuantity(r.gasUsed, 'receipt.gasUsed'),
    logs: logs.map((l: unknown, i: number) => {
      const log = l as Record<string, unknown>
      return {
        address: bytesToHex(hexToBytes(String(log.address), `receipt.logs[${i}].address`, 20)),
        topics: (Array.isArray(log.topics) ? log.topics : []).map((t: unknown) =>
          bytesToHex(hexToBytes(String(t), `receipt.logs[${i}].topics`, 32)),
        ),
        data: hexField(log.data, `receipt.logs[${i}].data`),
      }
    }),
    raw: r,
  }
}
