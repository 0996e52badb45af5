import { createHash } from 'node:crypto'
import { createAMDB, createMemoryDriver, createStorageState, type TableFactory } from '@consortia/amdb'
import type { Address } from '@consortia/interface'
import {
  type CallerContext,
  createPermission,
  type Permission,
  type PermissionInit,
  topLevelCaller,
} from '../src/index.js'

export const sha256 = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest())

/** A deterministic 20-byte address: `n` repeated. */
export function addr(n: number): Address {
  return new Uint8Array(20).fill(n)
}

/** `0x` hex of `addr(n)`. */
export function hexOf(n: number): string {
  return `0x${n.toString(16).padStart(2, '0').repeat(20)}`
}

/** A transaction sent by `n` itself. */
export function by(n: number): CallerContext {
  return topLevelCaller(addr(n))
}

/** A call that reached the operation through contract `via`, in a transaction signed by `origin`. */
export function through(origin: number, via: number): CallerContext {
  return { origin: addr(origin), sender: addr(via) }
}

export type BlockInit = Omit<PermissionInit, 'tables' | 'blockNumber'>

/**
 * A chain over AMDB's memory driver: `block(fn)` opens the next block's change set, hands
 * `fn` a `Permission` for it, and commits.
 */
export async function createTestChain(defaults: BlockInit = {}) {
  const amdb = createAMDB({ driver: createMemoryDriver(), hash: sha256 })
  let height = -1
  return {
    get height() {
      return height
    },
    async block<T>(
      fn: (p: Permission, tables: TableFactory) => Promise<T>,
      init: BlockInit = {},
    ): Promise<T> {
      const tables = await amdb.openBlock()
      const p = createPermission({ ...defaults, ...init, tables, blockNumber: tables.number })
      const out = await fn(p, tables)
      await tables.commit()
      height = tables.number
      return out
    },
    /** Runs empty blocks until the chain height is `target`. */
    async advanceTo(target: number) {
      while (height < target) await this.block(async () => undefined)
    },
    close: () => amdb.close(),
  }
}

/** Creates an external account (no code) in the block's state. */
export async function makeAccount(tables: TableFactory, n: number): Promise<void> {
  const state = createStorageState({ tables, hash: sha256 })
  await state.putAccount(addr(n), { nonce: 0n, balance: 0n, codeHash: sha256(new Uint8Array()) })
}

/** Creates a contract with a little code in the block's state. */
export async function makeContract(tables: TableFactory, n: number): Promise<void> {
  const state = createStorageState({ tables, hash: sha256 })
  await state.putCode(addr(n), Uint8Array.from([0x60, 0x00, 0x60, 0x00, 0xf3]))
}
