import { intOption, invalidInput, txPoolError } from './errors.js'

/**
 * Blocks whose nonces the ledger remembers: FISCO 2.x `maxBlockLimit` (`c_blockLimit = 1000`,
 * libconfig/GlobalConfigure.h). A transaction may name a blockLimit at most this far ahead,
 * so a nonce older than this window can never be replayed (reference/fisco-2x.md §2.2).
 */
export const NONCE_WINDOW_BLOCKS_DEFAULT = 1000

/** The most blocks a window may be configured to hold. */
export const NONCE_WINDOW_BLOCKS_MAX = 100_000

/**
 * Where a window reads the nonces of committed blocks when it starts: the ledger's
 * `_sys_block_2_nonces_` table in FISCO, any block store here.
 */
export interface BlockNonceSource {
  /** The nonces of the transactions of block `blockNumber`, or `undefined` when the block is unknown. */
  blockNonces(blockNumber: number): Promise<readonly bigint[] | undefined>
}

/** Options of `NonceWindow`. */
export interface NonceWindowInit {
  /** Blocks kept (default `NONCE_WINDOW_BLOCKS_DEFAULT` = 1000). */
  readonly blocksMax?: number
}

/**
 * The ledger nonce cache: the set of every nonce included in the last `blocksMax` blocks,
 * keyed by block number so that it slides as blocks commit. FISCO nonces are random client
 * ids, unique over the whole window and not per account, so a replayed transaction (or any
 * transaction reusing a recent nonce) is refused with NonceCheckFail (15).
 *
 * @example
 * ```ts
 * const window = new NonceWindow()
 * window.addBlock(1, [7n, 9n])
 * window.has(7n) // true
 * ```
 */
export class NonceWindow {
  /** Blocks kept. */
  readonly blocksMax: number
  readonly #blocks = new Map<number, readonly bigint[]>()
  /** Reference counts: a nonce stays known while any block of the window holds it. */
  readonly #counts = new Map<bigint, number>()
  #last: number | undefined
  /** The first block ever added (a window started above genesis holds nothing older). */
  #lowest = 0

  constructor(init: NonceWindowInit = {}) {
    this.blocksMax = intOption(
      init.blocksMax,
      NONCE_WINDOW_BLOCKS_DEFAULT,
      'blocksMax',
      1,
      NONCE_WINDOW_BLOCKS_MAX,
    )
  }

  /** Number of the last block added, or `undefined` before any. */
  get lastNumber(): number | undefined {
    return this.#last
  }

  /** Lowest block number the window holds, or `undefined` when empty. */
  get firstNumber(): number | undefined {
    if (this.#last === undefined) return undefined
    return Math.max(this.#last - this.blocksMax + 1, this.#lowest)
  }

  /** Blocks held (at most `blocksMax`). */
  get blockCount(): number {
    return this.#blocks.size
  }

  /** Distinct nonces held. */
  get size(): number {
    return this.#counts.size
  }

  /** True when `nonce` was included in one of the blocks held. */
  has(nonce: bigint): boolean {
    return this.#counts.has(nonce)
  }

  /**
   * Adds the nonces of committed block `blockNumber`, which must follow the last block added
   * (any number may start an empty window), and forgets the block that leaves the window.
   */
  addBlock(blockNumber: number, nonces: readonly bigint[]): void {
    if (!Number.isSafeInteger(blockNumber) || blockNumber < 0) {
      throw invalidInput('blockNumber', 'a non-negative integer', blockNumber)
    }
    if (!Array.isArray(nonces)) throw invalidInput('nonces', 'an array of bigint', nonces)
    for (const nonce of nonces) {
      if (typeof nonce !== 'bigint' || nonce < 0n) throw invalidInput('nonce', 'a u256 bigint', nonce)
    }
    if (this.#last === undefined) {
      this.#lowest = blockNumber
    } else if (blockNumber !== this.#last + 1) {
      throw txPoolError(
        { code: 'NONCE_WINDOW_NOT_NEXT', expected: this.#last + 1, got: blockNumber },
        `nonce window: expected block ${this.#last + 1}, got ${blockNumber}`,
      )
    }
    const copy = [...nonces]
    this.#blocks.set(blockNumber, copy)
    for (const nonce of copy) this.#counts.set(nonce, (this.#counts.get(nonce) ?? 0) + 1)
    this.#last = blockNumber
    const leaving = blockNumber - this.blocksMax
    const gone = this.#blocks.get(leaving)
    if (gone !== undefined) {
      this.#blocks.delete(leaving)
      for (const nonce of gone) {
        const n = (this.#counts.get(nonce) ?? 1) - 1
        if (n === 0) this.#counts.delete(nonce)
        else this.#counts.set(nonce, n)
      }
    }
  }
}

/**
 * Builds the window of a node that starts at height `currentNumber`: reads the nonces of
 * blocks `max(0, currentNumber − blocksMax + 1) … currentNumber` from `source`, oldest first.
 * Throws NONCE_WINDOW_SOURCE_MISSING when the source lacks one of them.
 */
export async function loadNonceWindow(
  source: BlockNonceSource,
  currentNumber: number,
  init: NonceWindowInit = {},
): Promise<NonceWindow> {
  if (!Number.isSafeInteger(currentNumber) || currentNumber < 0) {
    throw invalidInput('currentNumber', 'a non-negative integer', currentNumber)
  }
  const window = new NonceWindow(init)
  const first = Math.max(0, currentNumber - window.blocksMax + 1)
  for (let n = first; n <= currentNumber; n++) {
    const nonces = await source.blockNonces(n)
    if (nonces === undefined) {
      throw txPoolError(
        { code: 'NONCE_WINDOW_SOURCE_MISSING', blockNumber: n },
        `nonce window: the block source has no nonces for block ${n}`,
      )
    }
    window.addBlock(n, nonces)
  }
  return window
}
