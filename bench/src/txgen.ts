/**
 * Pre-signed FISCO RC2 transactions: the DagTransfer precompile's (0x5002) `userAdd` and
 * `userTransfer`, any contract call by signature and arguments, and contract deployments.
 * Everything is signed before the load starts, so the load generator only sends.
 */
import { createECDSASuite, createSMSuite } from '@consortia/crypto'
import type { CryptoSuite } from '@consortia/interface'
import { encodeValues, parseSignature, selectorOf } from '@consortia/parallel-executor'
import { encodeTransaction, signTransaction } from '@consortia/protocol'

/** The DagTransfer precompile's address (FISCO's 0x5002). */
export const DAG_TRANSFER_ADDRESS = '0x0000000000000000000000000000000000005002'

/** Blocks after the current one a pre-signed transaction stays valid (FISCO SDKs use 500). */
export const BLOCK_LIMIT_AHEAD = 500

/** Most transactions one `presign` call signs (a bounded batch of memory). */
export const PRESIGN_MAX = 1_000_000

/** The crypto suite of a chain's `suite` setting. */
export function suiteOf(name: 'ecdsa' | 'sm'): CryptoSuite {
  return name === 'sm' ? createSMSuite() : createECDSASuite()
}

/** ABI call data of `signature` with `args` (the selector hashed with the chain's suite, as FISCO does). */
export function callData(suite: CryptoSuite, signature: string, args: readonly unknown[]): Uint8Array {
  const fn = parseSignature(signature)
  if (fn.inputs.length !== args.length)
    throw new Error(`callData: ${signature}: expected ${fn.inputs.length} arguments, got ${args.length}`)
  const selector = selectorOf(signature, suite)
  const body = encodeValues(fn.inputs, args)
  const out = new Uint8Array(4 + body.length)
  out[0] = selector >>> 24
  out[1] = (selector >>> 16) & 0xff
  out[2] = (selector >>> 8) & 0xff
  out[3] = selector & 0xff
  out.set(body, 4)
  return out
}

/** One transaction to sign: a DagTransfer call, any contract call, or a deployment. */
export type DagCall =
  | { readonly kind: 'add'; readonly user: string; readonly balance: bigint }
  | { readonly kind: 'transfer'; readonly from: string; readonly to: string; readonly amount: bigint }
  | {
      readonly kind: 'call'
      /** `0x…` contract address. */
      readonly to: string
      /** Canonical signature, e.g. `transfer(address,uint256)` (selector hashed with the suite). */
      readonly signature: string
      readonly args: readonly unknown[]
    }
  | {
      readonly kind: 'deploy'
      /** `0x…` creation code, constructor arguments appended. */
      readonly code: string
    }

/** What every transaction of a pre-signed batch shares. */
export interface PresignContext {
  readonly suite: CryptoSuite
  readonly privateKey: Uint8Array
  readonly chainId: number
  readonly groupId: number
  /** Block number when signing; the transactions carry blockLimit = this + BLOCK_LIMIT_AHEAD. */
  readonly blockNumber: number
  /** First nonce; transaction i gets nonceBase + i (distinct per sender and run). */
  readonly nonceBase: bigint
}

const addSig = 'userAdd(string,uint256)'
const transferSig = 'userTransfer(string,string,uint256)'

/** Signs `calls` in order and returns the raw transactions as `0x…` hex for `sendRawTransaction`. */
export function presign(ctx: PresignContext, calls: readonly DagCall[]): string[] {
  if (calls.length > PRESIGN_MAX)
    throw new Error(`presign: expected at most ${PRESIGN_MAX} calls, got ${calls.length}`)
  const dag = hexBytes(DAG_TRANSFER_ADDRESS)
  return calls.map((c, i) => {
    const { to, data } = targetOf(ctx.suite, c, dag)
    const tx = signTransaction(
      {
        format: 'rc2',
        nonce: ctx.nonceBase + BigInt(i),
        gasPrice: 0n,
        gas: 3_000_000n,
        blockLimit: BigInt(ctx.blockNumber + BLOCK_LIMIT_AHEAD),
        to,
        value: 0n,
        data,
        chainId: BigInt(ctx.chainId),
        groupId: BigInt(ctx.groupId),
        extraData: new Uint8Array(0),
      },
      ctx.privateKey,
      ctx.suite,
    )
    return `0x${Buffer.from(encodeTransaction(tx)).toString('hex')}`
  })
}

function targetOf(
  suite: CryptoSuite,
  c: DagCall,
  dag: Uint8Array,
): { to: Uint8Array | null; data: Uint8Array } {
  switch (c.kind) {
    case 'add':
      return { to: dag, data: callData(suite, addSig, [c.user, c.balance]) }
    case 'transfer':
      return { to: dag, data: callData(suite, transferSig, [c.from, c.to, c.amount]) }
    case 'call':
      return { to: hexBytes(c.to), data: callData(suite, c.signature, c.args) }
    case 'deploy':
      return { to: null, data: hexBytes(c.code) }
  }
}

/** The account names of a workload: `u<prefix>-<i>`. */
export function userNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `u${prefix}-${i}`)
}

/**
 * `count` transfers of 1 unit between pseudo-random pairs of `users` (a fixed LCG from
 * `seed`, so runs repeat), never from a user to itself.
 */
export function transferCalls(users: readonly string[], count: number, seed: number): DagCall[] {
  if (users.length < 2) throw new Error(`transferCalls: expected at least 2 users, got ${users.length}`)
  let x = seed >>> 0 || 1
  const next = () => {
    x = (Math.imul(x, 1_664_525) + 1_013_904_223) >>> 0
    return x
  }
  return Array.from({ length: count }, () => {
    const a = next() % users.length
    const b = (a + 1 + (next() % (users.length - 1))) % users.length
    return { kind: 'transfer', from: users[a] as string, to: users[b] as string, amount: 1n } as const
  })
}

function hexBytes(hex: string): Uint8Array {
  const body = hex.replace(/^0x/, '')
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body))
    throw new Error(`txgen: expected even-length hex, got ${hex.slice(0, 24)}`)
  return Uint8Array.from(Buffer.from(body, 'hex'))
}
