import {
  createAMDB,
  createMemoryDriver,
  createStorageState,
  type StorageState,
  type TableFactory,
} from '@consortia/amdb'
import { createECDSASuite, createSMSuite } from '@consortia/crypto'
import type {
  Address,
  BlockContext,
  Bytes,
  CryptoSuite,
  SignedTransaction,
  StateView,
  TableStore,
} from '@consortia/interface'
import { createMPTState } from '@consortia/mpt'
import { createMemoryKvStore } from '@consortia/testkit'
import { bytesToHex, hexToBytes, numberToAddress } from '../../src/bytes.js'

/** Noble backend so results do not depend on the optional native module. */
export const ecdsa: CryptoSuite = createECDSASuite({ backend: 'noble' })
export const sm: CryptoSuite = createSMSuite()

/** A deterministic 20-byte account address. */
export function account(n: number): Address {
  const a = new Uint8Array(20)
  a[0] = 0xee
  a[19] = n
  return a
}

export const ALICE = account(1)
export const BOB = account(2)

/** Block `number` with fixed, deterministic header fields. */
export function blockContext(number: number, gasLimit = 0n): BlockContext {
  return {
    number,
    timestamp: 1_700_000_000_000 + number * 1000,
    gasLimit,
    parentHash: new Uint8Array(32).fill(number & 0xff),
    sealer: numberToAddress(0xabcdef),
  }
}

let nonceCounter = 1n

/** A transaction as the executor sees it (signature checks happen before execution, elsewhere). */
export function transaction(opts: {
  from: Address
  to: Address | null
  data: Bytes | `0x${string}`
  blockLimit?: bigint
  crypto?: CryptoSuite
}): SignedTransaction {
  const data = typeof opts.data === 'string' ? hexToBytes(opts.data) : opts.data
  const nonce = nonceCounter++
  const raw = new Uint8Array([...opts.from, ...(opts.to ?? []), ...data, Number(nonce & 0xffn)])
  return {
    tx: {
      format: 'rc2',
      nonce,
      gasPrice: 300_000_000n,
      gas: 300_000_000n,
      blockLimit: opts.blockLimit ?? 500n,
      to: opts.to,
      value: 0n,
      data,
      chainId: 1n,
      groupId: 1n,
      extraData: new Uint8Array(0),
      signature: { kind: 'ecdsa', v: 27, r: 1n, s: 1n },
    },
    raw,
    hash: (opts.crypto ?? ecdsa).hash(raw),
    sender: opts.from,
  }
}

/** A world whose state and tables live in one AMDB block (StorageState). */
export interface World {
  readonly kind: 'storage' | 'mpt'
  state: StateView
  tables: TableStore
  /** Commits this block and opens the next. */
  next(): Promise<void>
  readonly crypto: CryptoSuite
}

/** AMDB StorageState over the memory driver: the state is also the block's table store. */
export async function storageWorld(crypto: CryptoSuite = ecdsa): Promise<World> {
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: crypto.hash })
  let block: TableFactory = await amdb.openBlock()
  const world: World & { storage: StorageState } = {
    kind: 'storage',
    crypto,
    storage: createStorageState({ tables: block, hash: crypto.hash }),
    get state() {
      return this.storage
    },
    set state(_v) {},
    get tables() {
      return block
    },
    set tables(_v) {},
    async next() {
      await block.commit()
      block = await amdb.openBlock()
      this.storage = createStorageState({ tables: block, hash: crypto.hash })
    },
  }
  return world
}

/** MPT state over a memory KvStore, with the block's tables in a separate AMDB. */
export async function mptWorld(crypto: CryptoSuite = ecdsa): Promise<World> {
  const mpt = await createMPTState({ store: createMemoryKvStore(), hash: crypto.hash })
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: crypto.hash })
  let block: TableFactory = await amdb.openBlock()
  return {
    kind: 'mpt',
    crypto,
    state: mpt,
    get tables() {
      return block
    },
    set tables(_v) {},
    async next() {
      await mpt.commitBlock()
      await block.commit()
      block = await amdb.openBlock()
    },
  }
}

export const hex = (b: Bytes): `0x${string}` => `0x${bytesToHex(b)}`
