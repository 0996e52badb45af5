import type { CryptoSuite } from '@consortia/interface'
import { encodeTransaction, signTransaction } from '@consortia/protocol'
import { nodeError } from './errors.js'

/** Longest a JSON-RPC request of `createRpcClient` may take. */
export const RPC_CLIENT_TIMEOUT_MS = 10_000

/** A FISCO JSON-RPC error answer, as a thrown error. */
export class RpcCallError extends Error {
  /** JSON-RPC error code (e.g. -32603). */
  readonly rpcCode: number
  constructor(method: string, rpcCode: number, message: string) {
    super(`${method}: ${message} (${rpcCode})`)
    this.rpcCode = rpcCode
    this.name = 'RpcCallError'
  }
}

/** A minimal JSON-RPC 2.0 client over HTTP (what the demo and tests use to talk to nodes). */
export interface RpcClient {
  readonly url: string
  call<T = unknown>(method: string, params?: readonly unknown[]): Promise<T>
}

/** Creates a client for `url` (e.g. `http://127.0.0.1:8545`). */
export function createRpcClient(url: string, timeoutMs = RPC_CLIENT_TIMEOUT_MS): RpcClient {
  let id = 0
  return {
    url,
    async call<T>(method: string, params: readonly unknown[] = []): Promise<T> {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      })
      const body = (await res.json()) as { result?: T; error?: { code: number; message: string } }
      if (body.error !== undefined) throw new RpcCallError(method, body.error.code, body.error.message)
      return body.result as T
    },
  }
}

/** A FISCO transaction receipt as JSON-RPC returns it (the fields the demo reads). */
export interface ReceiptJSON {
  readonly transactionHash: string
  readonly blockNumber: string
  readonly status: string
  readonly output: string
  readonly contractAddress: string
  readonly gasUsed: string
  readonly logs: readonly { address: string; topics: string[]; data: string }[]
}

/** Waits until the receipt of `hash` exists on `client` (polling every `pollMs`). */
export async function waitForReceipt(
  client: RpcClient,
  groupId: number,
  hash: string,
  timeoutMs = 60_000,
  pollMs = 100,
): Promise<ReceiptJSON> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const r = await client.call<ReceiptJSON | null>('getTransactionReceipt', [groupId, hash])
    if (r !== null && r !== undefined) return r
    if (Date.now() > deadline) {
      throw nodeError(
        { code: 'NODE_STARTUP', step: 'receipt', reason: `no receipt for ${hash}` },
        `no receipt for ${hash} after ${timeoutMs} ms`,
      )
    }
    await new Promise((r) => setTimeout(r, pollMs))
  }
}

/** What `signRawTransaction` needs besides the call itself. */
export interface TxContext {
  readonly suite: CryptoSuite
  readonly privateKey: Uint8Array
  readonly chainId: number
  readonly groupId: number
  /** Current block number; the transaction's blockLimit is this + 500, as the FISCO SDKs do. */
  readonly blockNumber: number
}

let nonceCounter = BigInt(Date.now()) * 1_000_000n

/** Signs a FISCO RC2 transaction and returns its raw hex (`0x…`) for `sendRawTransaction`. */
export function signRawTransaction(
  ctx: TxContext,
  to: string | null,
  data: string,
  gas = 30_000_000n,
): string {
  nonceCounter += 1n
  const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'))
  const raw = encodeTransaction(
    signTransaction(
      {
        format: 'rc2',
        nonce: nonceCounter,
        gasPrice: 0n,
        gas,
        blockLimit: BigInt(ctx.blockNumber + 500),
        to: to === null ? null : bytes(to),
        value: 0n,
        data: bytes(data),
        chainId: BigInt(ctx.chainId),
        groupId: BigInt(ctx.groupId),
        extraData: new Uint8Array(0),
      },
      ctx.privateKey,
      ctx.suite,
    ),
  )
  return `0x${Buffer.from(raw).toString('hex')}`
}
